"""The obvious shortcut, calling the course's (or a library's) own answer, gets "not yet"
with a hint that names it, whichever way the student imported it."""

import keras
import pytest

from course import models, monitor, ops
from course.check import (
    lesson01,
    lesson05,
    lesson06,
    lesson11,
)
from course.ops import output_size  # imported by name: still caught


def inception_by_layer(c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
    inputs = keras.Input((8, 8, c_in))
    outputs = models.inception_module(inputs, c1, c3_reduce, c3, c5_reduce, c5, pool_proj)
    return keras.Model(inputs, outputs).count_params()


def confusion_by_tensorflow(y_true, y_pred, classes):
    import tensorflow as tf

    return tf.math.confusion_matrix(y_true, y_pred, classes).numpy()


def flatten_by_output_size(input_size, convs):
    n = input_size
    for _, kernel, padding in convs:
        n = output_size(n, kernel, padding=padding)
    return (n // 2) ** 2 * convs[-1][0]


ALEXNET = [(11, 4, "valid"), (3, 2, "valid"), (5, 1, "same"), (3, 2, "valid"), (3, 1, "same"),
           (3, 1, "same"), (3, 1, "same"), (3, 2, "valid")]


def alexnet_by_output_size(n):
    sizes = []
    for kernel, stride, padding in ALEXNET:
        n = output_size(n, kernel, stride=stride, padding=padding, strict=False)
        sizes.append(n)
    return sizes


def resume_by_latest_checkpoint(names):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            (Path(folder) / name).write_text("")
        return monitor.latest_checkpoint(folder)[1]


SHORTCUTS = [
    (lesson01.correlate_at, lambda image, kernel, i, j: float(
        ops.correlate2d(image, kernel)[i, j]), "ops.correlate2d"),
    (lesson05.confusion_matrix, confusion_by_tensorflow, "math.confusion_matrix"),
    (lesson06.notes_alexnet_fixed, lambda: models.alexnet(17), "models.alexnet"),
    (lesson06.inception_params, inception_by_layer, "models.inception_module"),
    (lesson11.exponential_lrs, lambda start, stop, steps: monitor.lr_schedule(start, stop, steps),
     "monitor.lr_schedule"),
    (lesson11.pick_lr, lambda lrs, losses: monitor.suggest_lr(lrs, losses), "monitor.suggest_lr"),
    (lesson05.flatten_size, flatten_by_output_size, "ops.output_size"),
    (lesson06.alexnet_sizes, alexnet_by_output_size, "ops.output_size"),
    (lesson11.resume_epoch, resume_by_latest_checkpoint, "monitor.latest_checkpoint"),
]


@pytest.mark.parametrize("check, shortcut, name", SHORTCUTS,
                         ids=[check.__name__ for check, _, _ in SHORTCUTS])
def test_the_shortcut_gets_a_hint_that_names_it(check, shortcut, name, capsys):
    assert not check(shortcut)
    out = capsys.readouterr().out
    assert "calls `" in out and f"{name}`" in out, out
    assert "write it yourself" in out
