"""The checkers of lessons 05-07: right answers pass, stubs and typical mistakes get hints."""

import keras
import numpy as np
import pytest
from keras import layers

from course.check import lesson05, lesson06


def flatten_size(n, convs):
    for _, k, padding in convs:
        n = (n - k + 1 if padding == "valid" else n) // 2
    return n * n * convs[-1][0]


def flatten_ignoring_padding(n, convs):
    for _ in convs:
        n //= 2
    return n * n * convs[-1][0]


def dense_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def confusion(y_true, y_pred, classes):
    m = np.zeros((classes, classes), int)
    np.add.at(m, (y_true, y_pred), 1)
    return m


def most_confused(m):
    off = m - np.diag(np.diag(m))
    return tuple(int(v) for v in np.unravel_index(np.argmax(off), m.shape))


def alexnet_sizes(n):
    sizes = []
    for k, s, pad in [(11, 4, 0), (3, 2, 0), (5, 1, 1), (3, 2, 0), (3, 1, 1), (3, 1, 1),
                      (3, 1, 1), (3, 2, 0)]:
        n = n if pad else (n - k) // s + 1
        sizes.append(n)
    return sizes


def alexnet_fixed(relu_before_softmax=False, classes=17):
    top = [layers.Dense(1000, activation="relu")] if classes != 17 else []
    return keras.Sequential([
        keras.Input((227, 227, 3)),
        layers.Conv2D(96, 11, strides=4, activation="relu"), layers.MaxPooling2D(3, 2),
        layers.Conv2D(256, 5, padding="same", activation="relu"), layers.MaxPooling2D(3, 2),
        layers.Conv2D(384, 3, padding="same", activation="relu"),
        layers.Conv2D(384, 3, padding="same", activation="relu"),
        layers.Conv2D(256, 3, padding="same", activation="relu"), layers.MaxPooling2D(3, 2),
        layers.Flatten(), layers.Dense(4096, activation="relu"), layers.Dropout(0.4),
        layers.Dense(4096, activation="relu"), layers.Dropout(0.4), *top,
        layers.Dense(17, activation="relu" if relu_before_softmax else None),
        layers.Activation("softmax"),
    ])


def inception(c_in, c1, c3r, c3, c5r, c5, pp):
    def conv(k, a, b):
        return k * k * a * b + b
    return (conv(1, c_in, c1) + conv(1, c_in, c3r) + conv(3, c3r, c3) + conv(1, c_in, c5r)
            + conv(5, c5r, c5) + conv(1, c_in, pp))


CASES = [
    # (checker, right answer, typical wrong answer, words its hint must contain)
    (lesson05.flatten_size, flatten_size, flatten_ignoring_padding, "'valid' convolution"),
    (lesson05.dense_params, dense_params,
     lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)), "bias"),
    (lesson05.confusion_matrix, confusion, lambda t, p, c: confusion(t, p, c).T, "transposed"),
    (lesson05.most_confused, most_confused, lambda m: most_confused(m)[::-1], "(true, predicted)"),
    (lesson05.most_confused, most_confused,
     lambda m: tuple(int(v) for v in np.unravel_index(np.argmax(m), m.shape)), "diagonal"),
    (lesson06.alexnet_sizes, alexnet_sizes, lambda n: alexnet_sizes(n)[:-1], "one per row"),
    (lesson06.notes_alexnet_fixed, alexnet_fixed, lambda: alexnet_fixed(True), "ReLU before"),
    (lesson06.notes_alexnet_fixed, alexnet_fixed, lambda: alexnet_fixed(classes=1000),
     "classifies twice"),
    (lesson06.inception_params, inception,
     lambda *c: inception(*c) - sum(c[1:]), "bias"),
]


@pytest.mark.parametrize("check, right, wrong, hint", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_checker(check, right, wrong, hint, verify_checker):
    verify_checker(check, right, wrong, hint)



def test_hints_do_not_give_the_answer_away(capsys):
    lesson06.inception_params(lambda *c: 1)
    assert "163,696" not in capsys.readouterr().out
