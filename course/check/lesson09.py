"""Checkers for lesson 09 (what the network sees)."""

import keras
import numpy as np

from course.check.core import Hint, checker


def _models():
    """Three small networks: their last Conv2D sits before pooling, a dense layer, BN."""
    def conv_net(name, tail):
        inputs = keras.Input((16, 16, 3))
        x = keras.layers.Conv2D(4, 3, name=f"{name}_first")(inputs)
        x = keras.layers.MaxPooling2D(name=f"{name}_pool")(x)
        x = keras.layers.Conv2D(6, 3, name=f"{name}_last")(x)
        for layer in tail:
            x = layer(x)
        return keras.Model(inputs, x, name=name)

    return [
        conv_net("a", [keras.layers.MaxPooling2D(name="a_pool2"),
                       keras.layers.GlobalAveragePooling2D(name="a_gap"),
                       keras.layers.Dense(3, name="a_dense")]),
        conv_net("b", [keras.layers.BatchNormalization(name="b_bn"),
                       keras.layers.ReLU(name="b_relu"),
                       keras.layers.Flatten(name="b_flat"), keras.layers.Dense(2, name="b_out")]),
        conv_net("c", [keras.layers.GlobalMaxPooling2D(name="c_gmp")]),
    ]


@checker(without=("course.explain.last_conv_layer",))
def last_conv_layer(answer):
    """``answer(model)``: the name of the model's last Conv2D layer."""
    for model in _models():
        got = answer(model)
        expected = model.name + "_last"
        if not isinstance(got, str):
            raise Hint(f"you returned {type(got).__name__}; return the layer's name, a string "
                       "(layer.name)")
        if got == expected:
            continue
        if got == model.name + "_first":
            raise Hint(f"on model {model.name!r} you picked the first Conv2D; Grad-CAM wants the "
                       "last one, whose maps are the most abstract")
        names = [layer.name for layer in model.layers]
        if got in names:
            kind = type(model.get_layer(got)).__name__
            raise Hint(f"on model {model.name!r} you picked {got!r}, a {kind} layer; look for "
                       "the last layer that is a keras.layers.Conv2D (isinstance)")
        raise Hint(f"on model {model.name!r}, {got!r} is not the name of one of its layers")
    return "the last Conv2D of three networks (before pooling, BatchNorm or a dense head)"


@checker
def gradcam_weights(answer):
    """``answer(grads)``: (h, w, K) gradients -> (K,) weights, their spatial mean."""
    grads = np.random.default_rng(9).normal(size=(5, 4, 3))
    got = np.asarray(answer(grads.copy()), dtype=np.float64)
    expected = grads.mean(axis=(0, 1))
    if got.shape != expected.shape:
        guesses = {(5, 4): "you averaged over the channels; average over the two spatial axes",
                   (4, 3): "you averaged over the rows only; average over rows and columns",
                   (5, 3): "you averaged over the columns only; average over rows and columns",
                   (): "you averaged everything into one number; keep one weight per channel"}
        raise Hint(f"for gradients of shape (5, 4, 3) you returned shape {got.shape}: "
                   + guesses.get(got.shape, "there is one weight per channel: shape (3,)"))
    if np.allclose(got, expected, atol=1e-6):
        return "one weight per channel: the mean of its gradient over the map"
    if np.allclose(got, grads.sum(axis=(0, 1)), atol=1e-6):
        raise Hint("you summed the gradients; Grad-CAM averages them (divide by h * w)")
    if np.allclose(got, np.abs(grads).mean(axis=(0, 1)), atol=1e-6):
        raise Hint("you averaged the absolute gradients; keep their signs: a negative weight "
                   "means the channel speaks against the class")
    raise Hint(f"the weight of channel 0 is {got[0]:.4f}, which is not the mean of that "
               "channel's gradients")


@checker
def gradcam_map(answer):
    """``answer(features, weights)``: relu(sum_k w_k A_k), scaled so its maximum is 1."""
    rng = np.random.default_rng(10)
    features = rng.random((4, 5, 3))
    weights = np.array([0.8, -1.2, 0.5])
    got = np.asarray(answer(features.copy(), weights.copy()), dtype=np.float64)
    raw = features @ weights
    expected = np.maximum(raw, 0) / np.maximum(raw, 0).max()
    if got.shape != raw.shape:
        raise Hint(f"for (4, 5, 3) features you returned shape {got.shape}; the heat map has "
                   "the feature maps' size (4, 5): sum over the channel axis")
    if np.allclose(got, expected, atol=1e-6):
        return "a weighted sum of the maps, negatives cut, peak at 1"
    if (got < -1e-9).any():
        raise Hint("your map has negative values: apply a ReLU, keeping only what speaks "
                   "for the class")
    if np.allclose(got, np.maximum(raw, 0), atol=1e-6):
        raise Hint("right shape and ReLU; now divide by the maximum so the peak is 1")
    if np.allclose(got, (raw - raw.min()) / (raw.max() - raw.min()), atol=1e-6):
        raise Hint("you rescaled min..max to 0..1, which keeps the negative evidence; apply "
                   "a ReLU first, then divide by the maximum")
    raise Hint(f"pixel (0, 0) is {got[0, 0]:.4f}; compute sum_k w_k A_k, apply the ReLU, "
               "then divide by the map's maximum")
