"""The checkers of lessons 08 and 09: right answers pass, stubs and typical mistakes get hints."""

import keras
import numpy as np
import pytest

from course.check import lesson08, lesson09


def right_count(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def right_unfreeze(base, prefix):
    base.trainable = True
    for layer in base.layers:
        layer.trainable = (layer.name.startswith(prefix)
                           and not isinstance(layer, keras.layers.BatchNormalization))


def unfreeze_with_bn(base, prefix):
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer.name.startswith(prefix)


def unfreeze_only(base, prefix):  # forgets to freeze the rest
    for layer in base.layers:
        if layer.name.startswith(prefix) and not isinstance(
                layer, keras.layers.BatchNormalization):
            layer.trainable = True


def to_range(images):  # float32, as the statement says
    return images.astype(np.float32) / 127.5 - 1


def last_conv(model):
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)][-1]


def cam(features, weights):
    c = np.maximum(np.asarray(features) @ weights, 0)
    return c / c.max() if c.max() > 0 else c


CASES = [
    # (checker, right answer, typical wrong answer, words its hint must contain)
    (lesson08.count_trainable, right_count, lambda m: m.count_params(), "do not train"),
    (lesson08.count_trainable, right_count, lambda m: len(m.trainable_weights),
     "weight tensors"),
    (lesson08.unfreeze_top, right_unfreeze, unfreeze_with_bn, "BatchNormalization"),
    (lesson08.unfreeze_top, right_unfreeze, unfreeze_only, "freeze every other layer"),
    (lesson08.to_mobilenet_range, to_range, lambda x: x / 255, "[0, 1]"),
    (lesson08.to_mobilenet_range, to_range, lambda x: x - 128, "uint8 overflow"),
    (lesson08.to_mobilenet_range, to_range, lambda x: x / 127.5 - 1, "float32"),
    (lesson09.last_conv_layer, last_conv,
     lambda m: [la.name for la in m.layers if isinstance(la, keras.layers.Conv2D)][0],
     "first Conv2D"),
    (lesson09.last_conv_layer, last_conv, lambda m: m.layers[-2].name, "keras.layers.Conv2D"),
    (lesson09.gradcam_weights, lambda g: g.mean(axis=(0, 1)), lambda g: g.mean(axis=-1),
     "averaged over the channels"),
    (lesson09.gradcam_weights, lambda g: g.mean(axis=(0, 1)), lambda g: g.sum(axis=(0, 1)),
     "summed"),
    (lesson09.gradcam_map, cam, lambda f, w: f @ w, "ReLU"),
    (lesson09.gradcam_map, cam, lambda f, w: np.maximum(f @ w, 0), "divide by the maximum"),
]


@pytest.mark.parametrize("check, right, wrong, hint", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_checker(check, right, wrong, hint, verify_checker):
    verify_checker(check, right, wrong, hint)



def test_hints_do_not_give_the_answer_away(capsys):
    grads = np.random.default_rng(9).normal(size=(5, 4, 3))  # the checker's own case
    lesson09.gradcam_weights(lambda g: np.full(3, 0.5))
    out = capsys.readouterr().out
    assert "not yet" in out and f"{grads.mean(axis=(0, 1))[0]:.4f}" not in out
    lesson08.count_trainable(lambda m: 7)
    out = capsys.readouterr().out
    assert "not yet" in out and not any(ch.isdigit() for ch in out.replace("returned 7", ""))
