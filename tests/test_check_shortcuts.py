"""The obvious shortcut, calling the course's (or a library's) own answer, gets "not yet"
with a hint that names it, whichever way the student imported it."""

import keras
import numpy as np
import pytest

from course import explain, graphs, models, monitor, ops
from course.check import (
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
    lesson11,
)
from course.ops import output_size  # imported by name: still caught


def same_padding_by_pad(n, f, stride=1):
    column = ops.pad(np.ones((n, 1)), "same", (f, 1), stride=(stride, 1))[:, 0]
    ones = np.flatnonzero(column)
    return int(ones[0]), int(len(column) - 1 - ones[-1])


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


def gcn_step_by_layer(a, h, w):
    layer = graphs.GCNLayer(w.shape[1], activation="relu")
    layer.build((h.shape, a.shape))
    layer.set_weights([w, np.zeros(w.shape[1])])
    return np.asarray(layer((h.astype("float32"), a.astype("float32"))))


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
    (lesson02.conv_output_shape, lambda h, w, f, k, stride=1, padding=0: (
        output_size(h, f, stride, padding), output_size(w, f, stride, padding), k),
     "ops.output_size"),
    (lesson02.conv_param_count, lambda f, c_in, k, bias=True: ops.conv_params(f, c_in, k, bias),
     "ops.conv_params"),
    (lesson02.same_padding, same_padding_by_pad, "ops.pad"),
    (lesson03.pool_output_size, lambda n, f, stride=None, padding="valid": ops.output_size(
        n, f, stride or f, padding), "ops.output_size"),
    (lesson03.min_pool, lambda x, size: ops.pool2d(x, size, mode="min"), "ops.pool2d"),
    (lesson03.global_average_pool, lambda x: np.asarray(
        keras.layers.GlobalAveragePooling2D()(x)), "GlobalAveragePooling2D.call"),
    (lesson04.kernel_gradient, lambda x, g: ops.correlate2d_backward(
        x, np.zeros(np.subtract(x.shape, g.shape) + 1), g)[1], "ops.correlate2d_backward"),
    (lesson04.input_gradient, lambda k, g: ops.correlate2d_backward(
        np.zeros(np.add(k.shape, g.shape) - 1), k, g)[0], "ops.correlate2d_backward"),
    (lesson04.max_pool_backward, lambda x, g: ops.pool2d_backward(x, g, 2),
     "ops.pool2d_backward"),
    (lesson04.avg_pool_backward, lambda g, size: ops.pool2d_backward(
        np.zeros(np.multiply(g.shape, size)), g, size, mode="avg"), "ops.pool2d_backward"),
    (lesson05.confusion_matrix, confusion_by_tensorflow, "math.confusion_matrix"),
    (lesson06.notes_alexnet_fixed, lambda: models.alexnet(17), "models.alexnet"),
    (lesson06.inception_params, inception_by_layer, "models.inception_module"),
    (lesson07.plain_params, lambda width: models.cifar_plain(width).count_params(),
     "models.cifar_plain"),
    (lesson09.last_conv_layer, lambda model: explain.last_conv_layer(model),
     "explain.last_conv_layer"),
    (lesson10.normalize_adjacency, lambda a: graphs.normalized_adjacency(a),
     "graphs.normalized_adjacency"),
    (lesson11.exponential_lrs, lambda start, stop, steps: monitor.lr_schedule(start, stop, steps),
     "monitor.lr_schedule"),
    (lesson11.pick_lr, lambda lrs, losses: monitor.suggest_lr(lrs, losses), "monitor.suggest_lr"),
    (lesson05.flatten_size, flatten_by_output_size, "ops.output_size"),
    (lesson06.alexnet_sizes, alexnet_by_output_size, "ops.output_size"),
    (lesson08.to_mobilenet_range, lambda images: keras.applications.mobilenet_v2.preprocess_input(
        images.astype("float32")), "mobilenet_v2.preprocess_input"),
    (lesson10.gcn_step, gcn_step_by_layer, "GCNLayer.call"),
    (lesson10.mean_readout, lambda h: np.asarray(graphs.GraphReadout("mean")(h)),
     "GraphReadout.call"),
    (lesson11.resume_epoch, resume_by_latest_checkpoint, "monitor.latest_checkpoint"),
]


@pytest.mark.parametrize("check, shortcut, name", SHORTCUTS,
                         ids=[check.__name__ for check, _, _ in SHORTCUTS])
def test_the_shortcut_gets_a_hint_that_names_it(check, shortcut, name, capsys):
    assert not check(shortcut)
    out = capsys.readouterr().out
    assert "calls `" in out and f"{name}`" in out, out
    assert "write it yourself" in out
