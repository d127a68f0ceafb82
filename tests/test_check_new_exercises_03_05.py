"""The checkers of exercises 3.5 (predict, then run), 4.5 (debug) and 5.5 (meet a target).

For each: the reference answer passes, a stub says "not attempted yet", typical wrong
answers get their own hint, and the obvious shortcut (the course's function, or a
constant) gets "not yet". Exercise 5.5 trains a model, so its tests pin the smoke
profile: a few seconds on the bundled samples.
"""

import keras
import numpy as np
import pytest
from keras import layers

from course import models, ops
from course.check import lesson03, lesson04, lesson05

# ------------------------------------------------------------------ 3.5: a shifted max pool

AFTER = [[2, 6, 6], [5, 4, 2]]


def forget_tries(check):
    """Start ``check``'s count of different wrong answers afresh (it lives in its closure)."""
    for cell in check.__closure__ or ():
        if isinstance(cell.cell_contents, set):
            cell.cell_contents.clear()


@pytest.fixture(autouse=True)
def fresh_tries():
    forget_tries(lesson03.pooled_after_shift)
    yield
    forget_tries(lesson03.pooled_after_shift)


def test_the_prediction_passes_and_says_how_many_outputs_survive(capsys):
    assert lesson03.pooled_after_shift(AFTER)
    assert lesson03.pooled_after_shift(np.array(AFTER, float))  # an array does as well
    out = capsys.readouterr().out
    assert "correct - 2 of the 6 outputs change, 4 survive" in out


def test_an_unanswered_prediction_is_not_attempted_yet(capsys):
    assert not lesson03.pooled_after_shift(...)  # the stub sets `pooled_after = ...`
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("answer, hint", [
    ([[6, 6, 3], [5, 4, 2]], "*before* the shift"),  # "pooling is invariant": nothing changes
    ([[3, 6, 6], [5, 4, 2]], "wrapped the last column around"),  # np.roll
    ([[0, 6, 6], [0, 5, 4]], "moved the *pooled* map"),
    ([[6, 6, 3], [4, 2, 1]], "shifted the map to the left"),
    ([[0.5, 1.5, 1.5], [1.25, 1.75, 0.75]], "averaged"),
    ([[2, 6, 3], [5, 4, 2]], "Write the shifted 4x6 map out in full first"),  # one output
    ([[1, 6, 6], [5, 4, 2]], "Write the shifted 4x6 map out in full first"),  # wrong: no cell named
    ([[0, 0, 6, 0, 0, 1], [0] * 6, [0] * 6, [0] * 6], "the shape of the map itself"),
    ([[2, 6], [5, 4]], "the pooled map is (2, 3)"),
    ([[2, 6, 6], [5, 4]], "not a grid of numbers"),
    (6, "the pooled map is (2, 3)"),  # a constant
])
def test_typical_wrong_predictions_get_their_hint(answer, hint, capsys):
    assert not lesson03.pooled_after_shift(answer)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out
    assert "output (" not in out and "window of rows" not in out, out  # no cell is singled out


def test_hints_stop_after_three_different_wrong_predictions(capsys):
    for wrong in ([[6, 6, 3], [5, 4, 2]], [[3, 6, 6], [5, 4, 2]], [[3, 6, 6], [5, 4, 2]],
                  [[0, 6, 6], [0, 5, 4]]):
        assert not lesson03.pooled_after_shift(wrong)
    assert capsys.readouterr().out.count("hints stop") == 0  # three different ones so far
    assert not lesson03.pooled_after_shift([[2, 6, 3], [5, 4, 2]])
    out = capsys.readouterr().out
    assert "4 different answers tried (hints stop after 3)" in out, out
    assert lesson03.pooled_after_shift(AFTER)  # the right one still passes


def test_the_checker_map_is_the_one_the_statement_shows():
    shifted = np.zeros_like(lesson03.SHIFT_MAP)
    shifted[:, 1:] = lesson03.SHIFT_MAP[:, :-1]
    assert ops.pool2d(shifted, 2).tolist() == AFTER


# ------------------------------------------------------------- 4.5: a strided input gradient


def fixed(k, g, stride, x_shape):
    kh, kw = k.shape
    spread = np.zeros((x_shape[0] - kh + 1, x_shape[1] - kw + 1))
    spread[::stride, ::stride] = g
    return ops.correlate2d(np.pad(spread, [(kh - 1, kh - 1), (kw - 1, kw - 1)]), k[::-1, ::-1])


def fixed_by_padding_the_result(k, g, stride, x_shape):
    got = unflipped(k[::-1, ::-1], g, stride, x_shape)
    return np.pad(got, [(0, x_shape[0] - got.shape[0]), (0, x_shape[1] - got.shape[1])])


def unflipped(k, g, stride, x_shape):  # the lesson's broken_input_gradient: both bugs
    kh, kw = k.shape
    spread = np.zeros(((g.shape[0] - 1) * stride + 1, (g.shape[1] - 1) * stride + 1))
    spread[::stride, ::stride] = g
    return ops.correlate2d(np.pad(spread, [(kh - 1, kh - 1), (kw - 1, kw - 1)]), k)


def leftover_dropped(k, g, stride, x_shape):  # the flip fixed, the shape bug left
    return unflipped(k[::-1, ::-1], g, stride, x_shape)


def zeros_at_top_left(k, g, stride, x_shape):
    got = leftover_dropped(k, g, stride, x_shape)
    return np.pad(got, [(x_shape[0] - got.shape[0], 0), (x_shape[1] - got.shape[1], 0)])


def not_spread(k, g, stride, x_shape):
    kh, kw = k.shape
    return ops.correlate2d(np.pad(g, [(kh - 1, kh - 1), (kw - 1, kw - 1)]), k[::-1, ::-1])


def by_the_tape(k, g, stride, x_shape):
    import tensorflow as tf

    x = tf.zeros((1, *x_shape, 1), tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = keras.ops.sum(g[None, :, :, None] * keras.ops.conv(x, k[:, :, None, None], stride))
    return tape.gradient(y, x).numpy()[0, :, :, 0]


def test_the_fixed_gradient_passes_either_way(capsys):
    assert lesson04.input_gradient_strided(fixed)
    assert lesson04.input_gradient_strided(fixed_by_padding_the_result)
    assert "correct - right for 18 layers" in capsys.readouterr().out


def test_a_stubbed_gradient_is_not_attempted_yet(capsys):
    def stub(k, g, stride, x_shape):
        raise NotImplementedError()

    assert not lesson04.input_gradient_strided(stub)
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("answer, hint", [
    (unflipped, "you correlated with k as it is, as the broken function does"),
    (leftover_dropped, "The last 1 row and 1 column of x lie beyond the last window"),
    (zeros_at_top_left, "The pixels no window reads are the *last* ones"),
    (not_spread, "the positions the stride skipped are missing"),
    (lambda k, g, stride, x_shape: fixed(k[::-1], g, stride, x_shape), "one axis only"),
    (lambda k, g, stride, x_shape: fixed(k, g, stride, x_shape) + 0.5, "dL/dx[0, 0] is"),
    (lambda k, g, stride, x_shape: np.zeros(x_shape), "dL/dx[0, 0] is 0.0000"),  # a constant
    (lambda k, g, stride, x_shape: fixed(k, g, stride, x_shape)[:, :-1], "the shape of x"),
])
def test_typical_wrong_gradients_get_their_hint(answer, hint, capsys):
    assert not lesson04.input_gradient_strided(answer)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out


@pytest.mark.parametrize("shortcut, name", [
    (lambda k, g, stride, x_shape: ops.correlate2d_backward(np.zeros(x_shape), k, g,
                                                            stride=stride)[0],
     "ops.correlate2d_backward"),
    (by_the_tape, "GradientTape.gradient"),
])
def test_the_shortcut_gets_a_hint_that_names_it(shortcut, name, capsys):
    assert not lesson04.input_gradient_strided(shortcut)
    out = capsys.readouterr().out
    assert "calls `" in out and f"{name}`" in out and "write it yourself" in out, out


# ------------------------------------------------------------------- 5.5: a CNN on a budget


@pytest.fixture
def smoke(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")


def conv_stack(filters=(8, 16), dense=10, activation="softmax"):
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(filters[0], 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(filters[1], 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(dense, activation=activation),
    ])


def small_cnn():
    model = conv_stack()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def logits_compiled_from_logits():
    model = conv_stack(activation=None)
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def tiny_at_the_default_rate():  # 750 parameters, uncompiled: Adam(1e-3) for 10 short epochs
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(2, 3, activation="relu"),
                             layers.MaxPooling2D(4), layers.Flatten(),
                             layers.Dense(10, activation="softmax")])


def diverging():
    model = small_cnn()
    model.compile(optimizer=keras.optimizers.Adam(10.0), loss="sparse_categorical_crossentropy")
    return model


def mse_loss():
    model = small_cnn()
    model.compile(optimizer="adam", loss="mse")
    return model


def test_a_small_cnn_meets_the_target(smoke, capsys):
    assert lesson05.small_cnn(small_cnn)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("small_cnn: correct - 9,098 parameters (at most 10,000), a convolution "
                      "over neighbouring pixels, a softmax at the end, and it reached this "
                      "profile's target test accuracy")


def test_a_stubbed_model_is_not_attempted_yet(capsys):
    def stub():
        raise NotImplementedError()

    assert not lesson05.small_cnn(stub)
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("answer, hint", [
    (models.mnist_cnn, "50,186 parameters, more than 10,000; 31,370 of them sit in layer 'fc'"),
    (lambda: conv_stack(filters=(32, 64)), "more than 10,000"),
    (lambda: conv_stack(dense=11), "(None, 10)"),  # the near miss of test_student
    (lambda: conv_stack(activation=None), "not probabilities"),
    (logits_compiled_from_logits, "ends in a 10-way softmax"),  # the statement asks for one
    (lambda: keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(),
                               layers.Dense(12, activation="relu"),
                               layers.Dense(10, activation="softmax")]), "no Conv2D layer"),
    (lambda: keras.Sequential([keras.Input((784,)), layers.Dense(10, activation="softmax")]),
     "keras.Input((28, 28, 1))"),
    (lambda: keras.Sequential([layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10)]),
     "not built yet"),
    (lambda: 0.97, "return a Keras model"),  # a constant
    (lambda: None, "returned None"),
])
def test_models_that_cannot_meet_the_target_get_their_hint_before_training(answer, hint,
                                                                           capsys):
    assert not lesson05.small_cnn(answer)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out


@pytest.mark.parametrize("answer, hint", [
    (tiny_at_the_default_rate, "a larger learning rate pays"),
    (diverging, "It hardly learned"),
    (mse_loss, "Incompatible shapes"),
])
def test_models_that_miss_the_target_say_what_they_reached(smoke, answer, hint, capsys):
    assert not lesson05.small_cnn(answer)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out
    if answer is not mse_loss:
        assert "the target here is 80.0%" in out and "of the 256 test images right" in out


def test_the_targets_cover_every_profile():
    from course.runtime.profiles import NAMES

    assert set(lesson05.SMALL_CNN_TARGET) == set(lesson05.SMALL_CNN_EPOCHS) == set(NAMES)
