"""Trial runs: a profile's whole code path with every training cut short. Introduced in lesson 00.

``python -m course run --profile full --trial`` answers "does the full profile start and
train here?" in minutes instead of hours. The lessons load the profile's data and build
its models as usual, but every ``Model.fit`` runs at most ``MAX_EPOCHS`` epochs of at most
``COURSE_TRIAL_STEPS`` batches (validation too), ``Model.evaluate`` at most that many
batches, and ``Model.predict`` that many batches, repeated to the length asked for.
Accuracies in a trial mean nothing; shapes, memory, data and code paths are real.

A trial also adds up the work the lessons would have done in full: the floating-point
operations of every ``fit``, ``evaluate`` and ``predict`` (two per multiplication of the
Conv2D and Dense layers, a training step three forward passes) and the training steps.
``benchmarks/full_estimate.py`` turns them into estimated GPU times.
"""

from __future__ import annotations

import functools
import inspect
import math

from course.runtime import cost, report, settings
from course.runtime.errors import UsageError

ENV_VAR = settings.TRIAL_STEPS
MAX_EPOCHS = 2
WORK = {"trial_train_flop": 0.0, "trial_eval_flop": 0.0, "trial_train_steps": 0}
_RUNNING = []  # wrapped calls in progress: fit's own validation is counted by fit, once


def steps() -> int:
    """The trial's batch limit from ``COURSE_TRIAL_STEPS``; 0 when this is not a trial."""
    value = settings.text(ENV_VAR)
    if not value:
        return 0
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"{ENV_VAR}={value!r} is not a positive number of batches: "
                         f"set it to, say, 3, or unset it for a real run")
    return int(value)


def install(limit: int) -> None:
    """Cut every ``fit``/``evaluate``/``predict`` to ``limit`` batches from now on (idempotent)."""
    import keras

    if getattr(keras.Model.fit, "trial_limit", None) == limit:
        return
    originals = {name: getattr(getattr(keras.Model, name), "__wrapped__",
                               getattr(keras.Model, name))
                 for name in ("fit", "evaluate", "predict")}
    keras.Model.fit = _limited(originals["fit"], _fit_arguments, limit)
    keras.Model.evaluate = _limited(originals["evaluate"], _evaluate_arguments, limit)
    keras.Model.predict = _limited(originals["predict"], _predict_arguments, limit)


def _limited(method, adjust, limit):
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        finish = adjust(self, bound.arguments, limit, count=not _RUNNING)
        report.record(**WORK)
        _RUNNING.append(method)
        try:
            result = method(*bound.args, **bound.kwargs)
        finally:
            _RUNNING.pop()
        return finish(result) if finish else result

    wrapper.trial_limit = limit
    return wrapper


def _flop(model) -> int:
    """Floating-point operations of one forward pass (two per multiplication)."""
    return 2 * cost.multiplies(model)


def _fit_arguments(model, arguments, limit, count=True):
    images, batches = _size(arguments["x"], arguments["batch_size"])
    epochs = arguments["epochs"] - arguments["initial_epoch"]
    if count:
        flop = _flop(model)
        WORK["trial_train_flop"] += 3 * flop * images * epochs
        WORK["trial_train_steps"] += batches * epochs
    if arguments["validation_data"] is not None:
        if count:
            val = arguments["validation_data"]
            val_x = val[0] if isinstance(val, (list, tuple)) else val
            WORK["trial_eval_flop"] += flop * _size(val_x, arguments["batch_size"])[0] * epochs
        arguments["validation_steps"] = min(arguments["validation_steps"] or limit, limit)
    arguments["epochs"] = arguments["initial_epoch"] + min(epochs, MAX_EPOCHS)
    arguments["steps_per_epoch"] = min(arguments["steps_per_epoch"] or limit, limit, batches)


def _evaluate_arguments(model, arguments, limit, count=True):
    if not count:  # fit's validation: already cut by validation_steps
        arguments["steps"] = min(arguments["steps"] or limit, limit)
        return
    images, batches = _size(arguments["x"], arguments["batch_size"])
    WORK["trial_eval_flop"] += _flop(model) * images
    arguments["steps"] = min(arguments["steps"] or limit, limit, batches)


def _predict_arguments(model, arguments, limit, count=True):
    """Predict ``limit`` batches and repeat them to the full length, so shapes stay right."""
    import keras
    import numpy as np
    import tensorflow as tf

    images, batches = _size(arguments["x"], arguments["batch_size"])
    if count:
        WORK["trial_eval_flop"] += _flop(model) * images
    if batches <= limit:
        return None
    if isinstance(arguments["x"], tf.data.Dataset):  # _size rounds up to whole batches
        images = int(arguments["x"].reduce(
            tf.constant(0, tf.int64),
            lambda n, batch: n + tf.shape(tf.nest.flatten(batch)[0], out_type=tf.int64)[0]))
    arguments["steps"] = limit
    return lambda outputs: keras.tree.map_structure(
        lambda a: np.resize(a, (images, *a.shape[1:])), outputs)


def _size(x, batch_size):
    """Images and batches in ``x``: arrays (Keras batches them) or a batched tf.data.Dataset."""
    import tensorflow as tf

    if isinstance(x, tf.data.Dataset):
        batches = int(x.cardinality())
        first = next(iter(x))
        per_batch = len(first[0] if isinstance(first, tuple) else first)
        if batches < 0:  # unknown or infinite: count what one pass would see
            batches = 1
        return batches * per_batch, batches
    images = len(x[0] if isinstance(x, (list, tuple)) else x)
    return images, math.ceil(images / (batch_size or 32))


def describe(limit: int) -> str:
    """The line ``course.setup.start`` prints in a trial."""
    return (f"TRIAL RUN: every fit stops after {MAX_EPOCHS} epochs of at most {limit} batches, "
            f"evaluate and predict after {limit}; the accuracies, times and images/s below "
            f"mean nothing (unset {ENV_VAR} for a real run)")

