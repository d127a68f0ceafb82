"""The checker of exercise 5.5 (meet a target); those of 3.5 and 4.5 are tested in
test_check_lesson03.py and test_check_lesson04.py.

The reference answer passes, a stub says "not attempted yet", typical wrong answers get
their own hint, and the obvious shortcut (the course's function, or a constant) gets "not
yet". Exercise 5.5 trains a model, so its tests pin the smoke profile: a few seconds on
the bundled samples.
"""

import keras
import pytest
from keras import layers

from course import models
from course.check import lesson05

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
