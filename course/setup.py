"""The first cell of every lesson: profile, seeds, versions, device. Introduced in lesson 00.

``start()`` is the one call a lesson makes before anything else. It returns the
:class:`Profile` that the lesson reads its sizes from, so the same code runs in
every profile and only the sizes change.
"""

from __future__ import annotations

import logging
import os
import platform
import warnings

from course.runtime import settings
from course.runtime.devices import gpus
from course.runtime.profiles import ENV_VAR, Profile, resolve_profile
from course.runtime.profiles import PROFILES as PROFILES  # lesson 00 lists them

DEFAULT_SEED = settings.DEFAULT_SEED


def seed_everything(seed: int = DEFAULT_SEED, deterministic: bool = False) -> None:
    """Seed Python, NumPy and TensorFlow; optionally make TensorFlow ops deterministic."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def versions() -> dict[str, str]:
    """Versions of the libraries the lessons rely on."""
    import cv2
    import keras
    import matplotlib
    import numpy as np
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "matplotlib": matplotlib.__version__,
    }


def use_gpu_speedups(gpu_count: int) -> str:
    """Mixed precision (float16 compute, float32 weights) and, with several GPUs,
    ``MirroredStrategy``; say what was turned on. ``COURSE_MIXED_PRECISION=0`` keeps
    float32. XLA is ``course.train.xla_pays_off``'s call."""
    import keras

    from course import train

    done = ["XLA"]
    if settings.mixed_precision():
        keras.mixed_precision.set_global_policy("mixed_float16")
        done.append("mixed precision (mixed_float16)")
    if gpu_count > 1:
        replicas = train.distribute().num_replicas_in_sync
        done.append(f"MirroredStrategy over {replicas} GPUs")
    return ", ".join(done)


class _QuietRetracing(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning. Lessons build and
    evaluate many small models on purpose; each new model traces its own functions."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


def start() -> Profile:
    """Set up a lesson: Colab bootstrap, profile, seeds; print what the lesson runs on.
    The seed is ``COURSE_SEED``, or 42 when that is unset: the one place it is set, so that
    ``course.runs`` keys the runs drawn from it by the same seed."""
    from course import data
    from course.runtime import colab, trial

    colab.bootstrap()
    tf_logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _QuietRetracing) for f in tf_logger.filters):
        tf_logger.addFilter(_QuietRetracing())
    devices = gpus()
    profile = resolve_profile(gpu_visible=bool(devices))
    seed = settings.seed()
    seed_everything(seed, deterministic=profile.name == "smoke")
    print("versions:", ", ".join(f"{k} {v}" for k, v in versions().items()))
    print(f"profile:  {profile.name} ({profile.purpose}); set {ENV_VAR} to change it")
    print("device:  ", ", ".join(devices) if devices else f"CPU only ({os.cpu_count()} cores)")
    if devices:  # on a CPU the speed probe runs when training first asks (course.train)
        print("speed:   ", use_gpu_speedups(len(devices)))
    print("data:    ", data.describe(profile))
    print(f"seed:     {seed}" + (", deterministic ops" if profile.name == "smoke" else "")
          + ("" if seed == DEFAULT_SEED else f" (the course's runs are made under "
             f"{DEFAULT_SEED}: this lesson trains the runs drawn from it)"))
    limit = trial.steps()
    if limit:
        trial.install(limit)
        print(trial.describe(limit))
    if profile.name == "full" and not devices and not limit:
        warnings.warn(
            "the 'full' profile runs the notes' full-scale training and needs a GPU; "
            "on this CPU it will take hours. Use COURSE_PROFILE=quick for minutes.",
            stacklevel=2,
        )
    return profile
