"""runtime.cost: multiplications counted from the built layers, against counts by hand."""

import keras
from keras import layers

from course import models
from course.runtime import cost


def test_multiplies_reproduce_the_notes_googlenet_example():
    inputs = keras.Input((28, 28, 192))
    direct = keras.Model(inputs, layers.Conv2D(32, 5, padding="same")(inputs))
    assert cost.multiplies(direct) == 5 * 5 * 192 * 28 * 28 * 32  # ~120 million
    reduced = layers.Conv2D(16, 1)(inputs)
    bottleneck = keras.Model(inputs, layers.Conv2D(32, 5, padding="same")(reduced))
    assert cost.multiplies(bottleneck) == 192 * 28 * 28 * 16 + 5 * 5 * 16 * 28 * 28 * 32


def test_multiplies_count_dense_layers():
    assert cost.multiplies(models.fashion_dnn()) == 784 * 256 + 256 * 128 + 128 * 10


def test_multiplies_count_a_model_used_as_a_layer():
    base = models.fashion_dnn()
    inputs = keras.Input((28, 28))
    wrapped = keras.Model(inputs, layers.Dense(2)(base(inputs)))
    assert cost.multiplies(wrapped) == cost.multiplies(base) + 10 * 2
