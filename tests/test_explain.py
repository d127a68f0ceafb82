"""Grad-CAM and friends on constructed models whose answer is known (course.explain)."""

import keras
import numpy as np
import pytest

from course import explain

QUADRANTS = {  # (rows, cols) hidden by cropping, as Cropping2D / ZeroPadding2D arguments
    "top-left": ((0, 16), (0, 16)),
    "bottom-right": ((16, 0), (16, 0)),
}


def one_quadrant_model(quadrant, seed=0):
    """A network that only sees one 16x16 quadrant of a 32x32 image: the rest is zeroed
    before the convolution. Class 0's score grows with every feature map, class 1's falls."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((32, 32, 3))
    crop = QUADRANTS[quadrant]
    x = keras.layers.ZeroPadding2D(crop)(keras.layers.Cropping2D(crop)(inputs))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv",
                            kernel_initializer=keras.initializers.RandomUniform(0, 1, seed))(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    head = keras.layers.Dense(2, name="head")
    outputs = head(x)
    model = keras.Model(inputs, outputs)
    head.set_weights([np.stack([np.ones(8), -np.ones(8)], axis=1), np.zeros(2)])
    return model


def where(heatmap):
    rows, cols = heatmap.shape
    i, j = np.unravel_index(np.argmax(heatmap), heatmap.shape)
    return ("top" if i < rows // 2 else "bottom") + "-" + ("left" if j < cols // 2 else "right")


@pytest.mark.parametrize("quadrant", QUADRANTS)
def test_grad_cam_peaks_in_the_only_quadrant_the_network_sees(quadrant):
    model = one_quadrant_model(quadrant)
    images = np.random.default_rng(1).random((3, 32, 32, 3)).astype("float32")
    cams = explain.grad_cam(model, images, "conv", class_index=0)
    assert cams.shape == (3, 32, 32)
    for cam in cams:
        assert where(cam) == quadrant
        assert cam.max() == pytest.approx(1.0)
        rows, cols = QUADRANTS[quadrant]
        seen = np.zeros_like(cam, dtype=bool)
        seen[rows[0]: 32 - rows[1], cols[0]: 32 - cols[1]] = True
        assert cam[~seen].sum() < 0.05 * cam[seen].sum()  # a 1-pixel rim leaks through padding


def test_grad_cam_is_empty_for_a_class_that_nothing_supports():
    model = one_quadrant_model("top-left")
    images = np.random.default_rng(2).random((2, 32, 32, 3)).astype("float32")
    assert not explain.grad_cam(model, images, "conv", class_index=1).any()


def test_grad_cam_equals_cam_on_a_global_average_pooling_network():
    """With conv -> GAP -> dense, the gradient weights are the dense weights / (h w): CAM."""
    keras.utils.set_random_seed(3)
    inputs = keras.Input((12, 12, 3))
    x = keras.layers.Conv2D(5, 3, activation="relu", name="conv")(inputs)
    outputs = keras.layers.Dense(4, name="head")(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    images = np.random.default_rng(4).random((2, 12, 12, 3)).astype("float32")
    cams = explain.grad_cam(model, images, "conv")
    features = explain.feature_maps(model, images, ["conv"])[0]
    predicted = np.asarray(model(images)).argmax(axis=1)
    w = model.get_layer("head").get_weights()[0]
    for cam, fmap, c in zip(cams, features, predicted, strict=True):
        expected = np.maximum(fmap @ w[:, c], 0)
        np.testing.assert_allclose(cam, expected / expected.max(), atol=1e-5)


def test_last_conv_layer_and_feature_maps():
    model = one_quadrant_model("top-left")
    assert explain.last_conv_layer(model) == "conv"
    maps = explain.feature_maps(model, np.zeros((2, 32, 32, 3)), ["conv"])
    assert maps[0].shape == (2, 32, 32, 8)
    with pytest.raises(ValueError, match="no Conv2D"):
        explain.last_conv_layer(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))


def test_filter_images_are_scaled_per_filter():
    kernel = np.random.default_rng(5).normal(size=(3, 3, 3, 6))
    pictures = explain.filter_images(kernel)
    assert pictures.shape == (6, 3, 3, 3)
    np.testing.assert_allclose(pictures.min(axis=(1, 2, 3)), 0)
    np.testing.assert_allclose(pictures.max(axis=(1, 2, 3)), 1)


def test_max_activation_raises_the_channel_it_targets():
    model = one_quadrant_model("top-left")
    probe = keras.Model(model.inputs, model.get_layer("conv").output)
    start = 0.5 * np.ones((1, 32, 32, 3), dtype="float32")
    image = explain.max_activation(model, "conv", channel=2, steps=10)
    assert image.shape == (32, 32, 3) and image.min() >= 0 and image.max() <= 1
    before = np.asarray(probe(start))[..., 2].mean()
    after = np.asarray(probe(image[None]))[..., 2].mean()
    assert after > 1.2 * before


def test_grad_cam_reads_the_logit_not_the_softmax_probability():
    """A softmax head gives the same maps as the same head without the softmax."""
    keras.utils.set_random_seed(5)
    inputs = keras.Input((12, 12, 3))
    x = keras.layers.Conv2D(5, 3, activation="relu", name="conv")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(x)
    linear = keras.Model(inputs, keras.layers.Dense(4, name="head")(pooled))
    softmax_head = keras.layers.Dense(4, activation="softmax", name="head")
    softmax = keras.Model(inputs, softmax_head(pooled))
    softmax_head.set_weights(linear.get_layer("head").get_weights())
    images = np.random.default_rng(6).random((3, 12, 12, 3)).astype("float32")
    for c in range(4):
        np.testing.assert_allclose(explain.grad_cam(softmax, images, "conv", class_index=c),
                                   explain.grad_cam(linear, images, "conv", class_index=c),
                                   atol=1e-5)
