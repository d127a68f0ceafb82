"""The GPUs Keras' backend can see. Introduced in lesson 00 (``course.setup.start``).

Asking TensorFlow starts it, which writes its C++ start-up lines; they are held back
(:mod:`course.runtime.native_logs`). On JAX or PyTorch the question goes to them, and
TensorFlow is never imported.
"""

from __future__ import annotations

from course.runtime import native_logs


def gpus() -> list[str]:
    """The models of the GPUs Keras' backend can see, e.g. ``['NVIDIA A100-SXM4-40GB']``
    (empty on a CPU-only machine)."""
    with native_logs.quiet():  # importing TensorFlow and probing CUDA: start-up noise
        return _gpus()


def _gpus() -> list[str]:
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return [d.device_kind for d in jax.devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    if backend != "tensorflow":
        return []
    import tensorflow as tf

    return [tf.config.experimental.get_device_details(d).get("device_name", d.name)
            for d in tf.config.list_physical_devices("GPU")]
