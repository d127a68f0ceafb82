"""The GPUs Keras' backend can see. Introduced in lesson 00 (``course.setup.start``).

Asking TensorFlow starts it, which writes its C++ start-up lines; they are held back
(:mod:`course.runtime.native_logs`). On JAX or PyTorch the question goes to them, and
TensorFlow is never imported.
"""

from __future__ import annotations

from course.runtime import native_logs


def gpus() -> list[str]:
    """Names of the GPUs Keras' backend can see (empty on a CPU-only machine)."""
    with native_logs.quiet():  # importing TensorFlow and probing CUDA: start-up noise
        return _gpus()


def _gpus() -> list[str]:
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return [str(d) for d in jax.devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch

        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if backend != "tensorflow":
        return []
    import tensorflow as tf

    return [d.name for d in tf.config.list_physical_devices("GPU")]
