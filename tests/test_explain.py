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


def chain(padding="same", pool=keras.layers.AveragePooling2D):
    """conv3 (valid) -> conv3 -> pool2 -> conv3 -> pool2 -> conv3, all weights positive, so
    a unit's input gradient is non-zero exactly on its receptive field."""
    keras.utils.set_random_seed(1)
    ones = keras.initializers.Constant(0.1)
    inputs = keras.Input((32, 32, 1))
    x = keras.layers.Conv2D(1, 3, kernel_initializer=ones, name="c1")(inputs)
    x = keras.layers.Conv2D(1, 3, padding=padding, kernel_initializer=ones, name="c2")(x)
    x = pool(2, name="p1")(x)
    x = keras.layers.Conv2D(1, 3, padding=padding, kernel_initializer=ones, name="c3")(x)
    x = pool(2, name="p2")(x)
    x = keras.layers.Conv2D(1, 3, padding=padding, kernel_initializer=ones, name="c4")(x)
    return keras.Model(inputs, x)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("layer", ["c1", "c2", "p1", "c3", "c4"])
def test_receptive_field_is_where_a_unit_s_gradient_is_non_zero(padding, layer):
    import tensorflow as tf

    model = chain(padding)
    size, jump, first = explain.receptive_field(model, layer)
    probe = keras.Model(model.input, model.get_layer(layer).output)
    image = tf.Variable(np.ones((1, 32, 32, 1), dtype="float32"))
    h = probe.output.shape[1]
    unit = h // 2  # an interior unit: its field lies inside the image
    with tf.GradientTape() as tape:
        value = probe(image)[0, unit, unit, 0]
    rows, cols = np.nonzero(tape.gradient(value, image).numpy()[0, ..., 0])
    assert rows.max() - rows.min() + 1 == size and cols.max() - cols.min() + 1 == size
    assert (rows.min() + rows.max()) / 2 == first + unit * jump


def test_receptive_field_names_what_it_cannot_handle():
    with pytest.raises(ValueError, match="no layer 'nope'"):
        explain.receptive_field(chain(), "nope")
    inputs = keras.Input((16, 16, 1))
    dilated = keras.Model(inputs, keras.layers.Conv2D(1, 3, dilation_rate=2, name="d")(inputs))
    with pytest.raises(ValueError, match="dilated"):
        explain.receptive_field(dilated, "d")


def test_top_patches_find_the_planted_pattern_in_its_field():
    model = one_quadrant_model("top-left")
    images = np.zeros((20, 32, 32, 3), dtype=np.uint8)
    images[7, 4:7, 9:12] = 255  # a bright square, inside the quadrant the model sees
    [(patches, values, found)] = explain.top_patches(model, images, "conv", [0], count=3,
                                                     batch_size=8)
    assert patches.shape == (3, 3, 3, 3) and values[0] > values[1] and found[0] == 7
    assert patches[0].max() == 255  # the strongest unit's 3x3 field holds the square


def test_top_patches_of_several_channels_are_each_channels_own():
    model = one_quadrant_model("top-left")
    images = np.random.default_rng(0).integers(0, 256, (30, 32, 32, 3), dtype=np.uint8)
    together = explain.top_patches(model, images, "conv", [5, 2, 7], count=4, batch_size=7)
    for channel, (patches, values, found) in zip([5, 2, 7], together, strict=True):
        [(alone, alone_values, alone_found)] = explain.top_patches(model, images, "conv",
                                                                   [channel], count=4)
        np.testing.assert_array_equal(patches, alone)
        np.testing.assert_array_equal(found, alone_found)
        np.testing.assert_allclose(values, alone_values, rtol=1e-6)
    assert not np.array_equal(together[0][0], together[1][0])


def total_variation(image):
    return np.abs(np.diff(image, axis=0)).mean() + np.abs(np.diff(image, axis=1)).mean()


def test_jitter_and_blur_give_a_smoother_input_that_still_excites_the_channel():
    model = one_quadrant_model("top-left")
    probe = keras.Model(model.inputs, model.get_layer("conv").output)
    plain = explain.max_activation(model, "conv", channel=2, steps=15)
    smooth = explain.max_activation(model, "conv", channel=2, steps=15, jitter=2, blur=1.0)
    assert smooth.shape == (32, 32, 3) and smooth.min() >= 0 and smooth.max() <= 1
    assert total_variation(smooth) < total_variation(plain)
    grey = np.asarray(probe(0.5 * np.ones((1, 32, 32, 3), "float32")))[..., 2].mean()
    assert np.asarray(probe(smooth[None]))[..., 2].mean() > grey


def test_show_grad_cam_draws_a_row_per_set_of_maps(monkeypatch):
    import matplotlib.pyplot as plt

    drawn = []
    monkeypatch.setattr(plt, "show", lambda: drawn.append(plt.gcf()))
    images = np.zeros((3, 8, 8, 3))
    maps = np.random.default_rng(0).random((3, 2, 2))
    explain.show_grad_cam(images, [maps, maps], titles=list("abc"),
                          row_labels=["predicted", "true"])
    axes = drawn[0].axes
    assert len(axes) == 9 and axes[3].get_ylabel() == "predicted"
    plt.close("all")


def test_grad_cam_takes_one_class_per_image():
    model = one_quadrant_model("top-left")
    images = np.random.default_rng(3).random((3, 32, 32, 3)).astype("float32")
    classes = np.array([0, 1, 0])
    together = explain.grad_cam(model, images, "conv", class_index=classes)
    for i, c in enumerate(classes):
        np.testing.assert_allclose(together[i], explain.grad_cam(model, images[i:i + 1], "conv",
                                                                 class_index=int(c))[0],
                                   atol=1e-6)


def test_grey_out_greys_exactly_the_top_fraction_even_on_a_mostly_zero_map():
    images = np.ones((2, 32, 32, 3), dtype="float32")
    heatmaps = np.zeros((2, 8, 8), dtype="float32")
    heatmaps[0, 0, 0] = 1.0  # a map that is 0 almost everywhere: `>= quantile` greys it all
    greyed = explain.grey_out(images, heatmaps, fraction=0.2)
    grey = (greyed == 0.5).all(axis=-1)
    assert (grey.sum(axis=(1, 2)) == round(0.2 * 32 * 32)).all()
    assert grey[0, 0, 0]  # the map's peak is greyed first
    assert greyed[~grey].min() == 1.0  # the rest is untouched


def test_grey_out_breaks_ties_at_random_not_in_reading_order():
    images = np.ones((1, 32, 32, 3), dtype="float32")
    grey = (explain.grey_out(images, np.zeros((1, 4, 4)), fraction=0.25)[0] == 0.5).all(-1)
    assert grey.sum() == 256
    assert 0.1 < grey[:16].mean() < 0.4 and 0.1 < grey[16:].mean() < 0.4


def test_rank_correlation():
    a = np.arange(12.0).reshape(3, 4)
    assert explain.rank_correlation(a, a ** 3) == pytest.approx(1.0)  # only the order counts
    assert explain.rank_correlation(a, -a) == pytest.approx(-1.0)
    assert explain.rank_correlation(a, np.zeros_like(a)) == 0.0  # a constant map orders nothing
    ties = np.array([0.0, 0.0, 0.0, 1.0])  # tied values share a rank: no order from position
    assert explain.rank_correlation(ties, [3.0, 2.0, 1.0, 4.0]) == pytest.approx(
        np.corrcoef([2, 2, 2, 4], [3, 2, 1, 4])[0, 1])
    rng = np.random.default_rng(0)
    assert abs(explain.rank_correlation(rng.random(4000), rng.random(4000))) < 0.05


def test_reinitialize_redraws_only_the_named_layers():
    model = one_quadrant_model("top-left")
    before = [w.copy() for w in model.get_weights()]
    explain.reinitialize(model, ["conv"], seed=1)
    conv, head = model.get_layer("conv"), model.get_layer("head")
    assert not np.allclose(conv.kernel.numpy(), before[0])
    kernel = conv.kernel.numpy()  # drawn by the layer's own initializer, RandomUniform(0, 1)
    assert kernel.min() >= 0 and kernel.max() <= 1
    np.testing.assert_array_equal(head.kernel.numpy(), before[2])  # untouched
    first = conv.kernel.numpy().copy()
    explain.reinitialize(model, ["conv"], seed=1)
    np.testing.assert_array_equal(conv.kernel.numpy(), first)  # the seed fixes the draw


def test_guided_backprop_passes_back_only_positive_gradients():
    """conv -> ReLU -> GAP -> dense: where the plain gradient is negative, guided backprop
    is 0; where every path is positive, the two agree."""
    keras.utils.set_random_seed(7)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.ReLU()(keras.layers.Conv2D(1, 1, use_bias=False, name="conv")(inputs))
    outputs = keras.layers.Dense(1, activation="softmax", name="head")(
        keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    model.get_layer("conv").set_weights([np.ones((1, 1, 1, 1))])
    for sign in (1.0, -1.0):
        model.get_layer("head").set_weights([np.full((1, 1), sign), np.zeros(1)])
        images = np.random.default_rng(8).random((2, 8, 8, 1)).astype("float32")
        maps = explain.guided_backprop(model, images, 0)
        assert maps.shape == (2, 8, 8)
        if sign > 0:  # d logit / d pixel = 1/64 everywhere the ReLU is on
            np.testing.assert_allclose(maps, 1 / 64, rtol=1e-5)
        else:  # the gradient reaching the ReLU is negative: guided backprop stops it
            assert not maps.any()
