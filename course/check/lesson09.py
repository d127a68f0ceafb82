"""Checkers for lesson 09 (what the network sees)."""

import keras
import numpy as np

from course.check.core import Hint, checker


def _models():
    """Three small networks whose layer names follow no pattern: neither the model's name
    nor the word "conv" tells which layer is the last Conv2D. One puts a Dense named
    "conv_head" after it; one puts BatchNormalization and a ReLU named "block3_conv"."""
    def network(name, layers):
        inputs = keras.Input((16, 16, 3))
        x = inputs
        for layer in layers:
            x = layer(x)
        return keras.Model(inputs, x, name=name)

    L = keras.layers
    return [
        network("gamma", [L.Conv2D(4, 3, name="top"), L.MaxPooling2D(name="down"),
                          L.Conv2D(6, 3, name="stage_b"), L.GlobalMaxPooling2D(name="gmp"),
                          L.Dense(3, name="conv_head")]),
        network("alpha", [L.Conv2D(4, 3, name="stem"), L.MaxPooling2D(name="pool"),
                          L.Conv2D(6, 3, name="mixed7"), L.MaxPooling2D(name="squeeze"),
                          L.GlobalAveragePooling2D(name="gap"), L.Dense(3, name="features")]),
        network("net", [L.Conv2D(4, 3, name="block2_conv"), L.MaxPooling2D(name="mixed2"),
                        L.Conv2D(6, 3, name="features"), L.BatchNormalization(name="bn"),
                        L.ReLU(name="block3_conv"), L.Flatten(name="flat"),
                        L.Dense(2, name="top")]),
    ]


def _conv_names(model):
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


@checker(without=("course.explain.last_conv_layer",))
def last_conv_layer(answer):
    """``answer(model)``: the name of the model's last Conv2D layer."""
    for model in _models():
        got = answer(model)
        convs = _conv_names(model)
        if not isinstance(got, str):
            raise Hint(f"you returned {type(got).__name__}; return the layer's name, a string "
                       "(layer.name)")
        if got == convs[-1]:
            continue
        if got == convs[0]:
            raise Hint(f"on model {model.name!r} you picked the first Conv2D; Grad-CAM wants the "
                       "last one, whose maps are the most abstract")
        names = [layer.name for layer in model.layers]
        if got in names:
            kind = type(model.get_layer(got)).__name__
            raise Hint(f"on model {model.name!r} you picked {got!r}, a {kind} layer; look for "
                       "the last layer that is a keras.layers.Conv2D (isinstance), whatever "
                       "its name")
        raise Hint(f"on model {model.name!r}, {got!r} is not the name of one of its layers")
    return ("the last Conv2D of three networks whose layer names follow no pattern (before "
            "pooling, BatchNorm, or a Dense named conv_head)")


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
    """``answer(features, weights)``: relu(sum_k w_k A_k), scaled so its maximum is 1; all
    zeros when no weighted sum is positive (nothing speaks for the class)."""
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
        return _gradcam_map_without_evidence(answer, features)
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


def _gradcam_map_without_evidence(answer, features):
    """The case where every weighted sum is <= 0: the map is all zeros, not 0 / 0."""
    weights = np.array([-0.5, -1.0, -0.2])  # positive maps, negative weights: all sums < 0
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is the student's to find
        got = np.asarray(answer(features.copy(), weights.copy()), dtype=np.float64)
    if got.shape != features.shape[:2]:
        raise Hint(f"when every weighted sum is negative you returned shape {got.shape}; the "
                   "heat map still has the feature maps' size (4, 5)")
    if np.isnan(got).any():
        raise Hint("your map is NaN where every weighted sum is <= 0 (nothing speaks for the "
                   "class): after the ReLU the map is all zeros, and 0 / 0 is NaN; divide by "
                   "the maximum only when it is > 0, and return the zeros otherwise")
    if not np.allclose(got, 0, atol=1e-9):
        raise Hint("when every weighted sum is <= 0 nothing speaks for the class: the map "
                   "should be all zeros, not a rescaled copy of the negative evidence")
    return ("a weighted sum of the maps, negatives cut, peak at 1; all zeros when nothing "
            "speaks for the class")


# --- 9.5 Grad-CAM through global average pooling -----------------------------------------

GAP_POSITIONS = 7 * 7  # relu5's maps in xai_net, whatever the width


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise Hint(f"{what} is {type(value).__name__}; assign one number (a fraction such as "
                   "1 / 3 is fine)")
    return float(value)


@checker(prediction=True)
def gradcam_weight_ratio(answer):
    """``answer``: the predicted w_k / W[k, c] for relu5 -> GAP -> Dense: 1 / 49."""
    got = _number(answer, "predicted_ratio")
    expected = 1 / GAP_POSITIONS

    def near(value):
        return np.isclose(got, value, rtol=0.03, atol=0)

    if near(expected):
        return ("w_k = W[k, c] / 49 for every channel and image: through global average "
                "pooling, Grad-CAM is CAM")
    mistakes = [
        (1.0, "the Grad-CAM weight is not the classifier's weight itself: between relu5 and "
              "`classes` sits a global average pooling, and the mean of 7x7 values changes "
              "by 1/49 of what one of them does"),
        (float(GAP_POSITIONS), "upside down: the pooling *averages*, so each position's value "
                               "enters the logit divided by the number of positions"),
        (1 / 7, "the pooling averages over both axes, rows and columns: 7x7 positions"),
        (1 / (30 * 30), "that is relu1's size; Grad-CAM reads relu5, whose maps are 7x7"),
        (1 / (15 * 15), "that is relu3's size; Grad-CAM reads relu5, whose maps are 7x7"),
        (1 / (32 * 32), "count the positions of relu5's maps (7x7), not the input's pixels"),
    ]
    mistakes += [(1 / k, "the pooling averages each channel over its own positions; the "
                         "number of channels does not enter") for k in (32, 64, 128, 256)]
    mistakes += [(1 / (k * GAP_POSITIONS), "the pooling averages each channel over its own "
                                           "positions; the number of channels does not enter")
                 for k in (32, 64, 128, 256)]
    for value, hint in mistakes:
        if near(value):
            raise Hint(hint)
    if got == 0:
        raise Hint("the gradient is not zero: every position of a map reaches the logit "
                   "through the pooling")
    if got < 0:
        raise Hint("mind the sign: the logit grows by W[k, c] times the mean of map k, so "
                   "the two have the same sign")
    raise Hint(f"{got:.4g} is off. Follow the logit back: y^c = sum_k W[k, c] * mean(A_k) "
               "+ b_c, where the mean runs over the map's positions. What is the "
               "derivative of y^c with respect to one value A_k[i, j]?")
