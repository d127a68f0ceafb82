"""Checkers for lesson 09 (what the network sees).

Each checker tries the edge cases a teacher would probe, then cases drawn fresh on every
call, so that a table of answers cannot pass.
"""

import keras
import numpy as np

from course.check.core import Hint, checker
from course.check.frozen import frozen


def _network(name, layers, shape=(16, 16, 3)):
    inputs = keras.Input(shape)
    x = inputs
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x, name=name)


def _models():
    """Small networks whose layer names follow no pattern: neither the model's name nor
    the word "conv" tells which layer is the last Conv2D. One puts a Dense named
    "conv_head" after it; one BatchNormalization and a ReLU named "block3_conv"; one a
    DepthwiseConv2D and a SeparableConv2D (not Conv2D layers); one a skip connection."""
    L = keras.layers
    inputs = keras.Input((12, 10, 3))
    x = L.Conv2D(4, 3, padding="same", name="conv9")(inputs)
    shortcut = L.Conv2D(6, 1, name="conv11")(x)
    x = L.Conv2D(6, 3, padding="same", name="conv10")(x)
    x = L.Add(name="add")([x, shortcut])
    x = L.Conv2D(5, 3, name="conv2")(x)  # the last one, though not the highest number
    x = L.GlobalAveragePooling2D(name="gap")(x)
    skip = keras.Model(inputs, L.Dense(3, name="conv12")(x), name="skip")
    return [
        _network("gamma", [L.Conv2D(4, 3, name="top"), L.MaxPooling2D(name="down"),
                           L.Conv2D(6, 3, name="stage_b"), L.GlobalMaxPooling2D(name="gmp"),
                           L.Dense(3, name="conv_head")]),
        _network("alpha", [L.Conv2D(4, 3, name="stem"), L.MaxPooling2D(name="pool"),
                           L.Conv2D(6, 3, name="mixed7"), L.MaxPooling2D(name="squeeze"),
                           L.GlobalAveragePooling2D(name="gap"), L.Dense(3, name="features")]),
        _network("net", [L.Conv2D(4, 3, name="block2_conv"), L.MaxPooling2D(name="mixed2"),
                         L.Conv2D(6, 3, name="features"), L.BatchNormalization(name="bn"),
                         L.ReLU(name="block3_conv"), L.Flatten(name="flat"),
                         L.Dense(2, name="top")]),
        _network("mobile", [L.Conv2D(4, 3, padding="same", name="block_1"),
                            L.Conv2D(8, 1, name="block_2"),
                            L.DepthwiseConv2D(3, name="block_3_depthwise_conv"),
                            L.SeparableConv2D(8, 3, name="block_4_sepconv"),
                            L.GlobalAveragePooling2D(name="pool"), L.Dense(2, name="out")],
                 shape=(9, 11, 3)),
        skip,
    ]


def _random_model(rng, index):
    """A network drawn at random: Conv2D and other layers in a random order, names drawn
    from words that say nothing about the layer and numbers of one to three digits."""
    L = keras.layers
    words = ["conv", "block", "mixed", "features", "stage", "top", "layer", "last"]
    names = iter(f"{w}{n}" for w, n in zip(
        rng.choice(words, 40), rng.choice(999, 40, replace=False) + 1, strict=True))
    kinds = ["conv", "conv", "bn", "relu", "pool", "depthwise", "transpose"]
    chosen = ["conv", *rng.choice(kinds, int(rng.integers(2, 8)))]
    rng.shuffle(chosen)
    layers, size = [], 24
    for kind in chosen:
        name = next(names)
        if kind == "conv":
            layers.append(L.Conv2D(int(rng.integers(1, 6)), 3, padding="same", name=name))
        elif kind == "bn":
            layers.append(L.BatchNormalization(name=name))
        elif kind == "relu":
            layers.append(L.ReLU(name=name))
        elif kind == "pool" and size >= 4:
            layers.append(L.MaxPooling2D(name=name))
            size //= 2
        elif kind == "depthwise":
            layers.append(L.DepthwiseConv2D(3, padding="same", name=name))
        elif kind == "transpose":
            layers.append(L.Conv2DTranspose(2, 1, name=name))
    layers += [L.GlobalAveragePooling2D(name=next(names)), L.Dense(2, name=next(names))]
    return _network(f"drawn{index}", layers, shape=(24, 24, 3))


@checker(without=("course.explain.last_conv_layer",))
def last_conv_layer(answer):
    """``answer(model)``: the name of the model's last Conv2D layer."""
    rng = np.random.default_rng()
    models = _models()
    cases = models + [_random_model(rng, i) for i in range(3)]
    for model in cases:
        names = [layer.name for layer in model.layers]
        got = answer(model)
        if isinstance(got, keras.layers.Layer):
            raise Hint(f"on model {model.name!r} you returned the layer itself; return its "
                       "name, a string")
        if not isinstance(got, str):
            raise Hint(f"on model {model.name!r} you returned {type(got).__name__}; return "
                       "the layer's name, a string")
        if [layer.name for layer in model.layers] != names:
            raise Hint(f"your function changed model {model.name!r}: read its layers only")
        convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
        if got == convs[-1]:
            continue
        where = f"on model {model.name!r} you picked {got!r}"
        if got == convs[0]:
            raise Hint(f"{where}, the first Conv2D; Grad-CAM wants the last one, whose maps "
                       "are the most abstract")
        if got in convs:
            raise Hint(f"{where}, a Conv2D but not the last one in the order of model.layers "
                       "(whatever the numbers in the names say)")
        if got in names:
            kind = type(model.get_layer(got)).__name__
            raise Hint(f"{where}, a {kind} layer; look for the last layer that is a "
                       "keras.layers.Conv2D (isinstance), whatever its name")
        raise Hint(f"on model {model.name!r}, {got!r} is not the name of one of its layers")
    return (f"the last Conv2D of {len(models)} networks whose layer names follow no pattern "
            "(before pooling, BatchNorm, depthwise convolutions, a Dense named conv_head, a "
            f"skip connection) and {len(cases) - len(models)} drawn at random")


def _array(value, what):
    """A returned array of real numbers as float64, or a hint (float64 would drop the
    imaginary part of a complex one)."""
    try:
        array = np.asarray(value)
        if np.iscomplexobj(array):
            raise Hint(f"{what} you returned complex numbers; return real ones, a NumPy "
                       "array of floats")
        return array.astype(np.float64)
    except (TypeError, ValueError):
        raise Hint(f"{what} you returned {type(value).__name__}, which is not an array of "
                   "numbers; return a NumPy array") from None
    except OverflowError:  # an int past float64's range, 10**400
        raise Hint(f"{what} you returned a number too large for a float (over 1e308); "
                   "return a NumPy array of floats") from None


def _grads_cases(rng):
    """Gradients (h, w, K): shapes where the axes can be told apart, shapes where they
    cannot (h = K, a cube, 1x1 maps, one channel), then shapes drawn at random."""
    shapes = [(5, 4, 3), (3, 5, 3), (4, 4, 4), (1, 1, 6), (7, 2, 1), (6, 6, 2)]
    shapes += [tuple(int(v) for v in (*rng.integers(1, 13, 2), rng.integers(1, 17)))
               for _ in range(4)]
    return [(rng.normal(0, 10.0 ** rng.integers(-4, 3), shape)
             .astype([np.float32, np.float64][rng.integers(2)])) for shape in shapes]


# A mean over the two spatial axes, with NumPy, TensorFlow or Keras, is the exercise; a
# pooling layer or op that averages each map (in 1, 2 or 3 dimensions) for the student is not
_TF = "tensorflow.python.ops.gen_nn_ops."
WEIGHT_SHORTCUTS = (
    "course.explain.grad_cam", "keras.layers.GlobalAveragePooling2D.call",
    "keras.layers.GlobalAveragePooling1D.call", "keras.layers.GlobalAveragePooling3D.call",
    "keras.layers.AveragePooling2D.call", "keras.ops.average_pool", _TF + "avg_pool",
    _TF + "avg_pool3d", "course.ops.pool2d")


@checker(without=WEIGHT_SHORTCUTS)
def gradcam_weights(answer):
    """``answer(grads)``: (h, w, K) gradients -> (K,) weights, their spatial mean."""
    cases = tuple(frozen(grads) for grads in _grads_cases(np.random.default_rng()))
    for grads in cases:  # the checker's own, read-only; the answer gets a copy
        g = frozen(grads.astype(np.float64))
        expected = frozen(g.mean(axis=(0, 1)))  # worked out before the answer runs
        given = grads.copy()
        where = f"for gradients of shape {grads.shape}"
        got = _array(answer(given), where)
        if not np.array_equal(given, grads):
            raise Hint(f"{where} your function changed the gradients it was given; read "
                       "them without changing them")
        scale = np.abs(g).max()
        if got.shape == expected.shape and np.allclose(got, expected, rtol=1e-5,
                                                       atol=1e-6 * scale):
            continue
        mistakes = [
            (g.sum(axis=(0, 1)), "you summed the gradients over the map; Grad-CAM averages "
                                 "them"),
            (np.abs(g).mean(axis=(0, 1)), "you averaged the absolute gradients; keep their "
                                          "signs: a negative weight means the channel speaks "
                                          "against the class"),
            (np.maximum(g, 0).mean(axis=(0, 1)), "you kept only the positive gradients; "
                                                 "Grad-CAM averages all of them, signs kept"),
            (g.max(axis=(0, 1)), "you took each channel's largest gradient; Grad-CAM "
                                 "averages them over the map"),
            (g.mean(axis=2), "you averaged over the channels; average over the two spatial "
                             "axes, rows and columns"),
            (g.mean(axis=0), "you averaged over the rows only; average over rows and columns"),
            (g.mean(axis=1), "you averaged over the columns only; average over rows and "
                             "columns"),
            (g.mean(axis=(1, 2)), "you averaged over the columns and the channels; average "
                                  "over rows and columns, one weight per channel"),
            (g.mean(axis=(0, 2)), "you averaged over the rows and the channels; average over "
                                  "rows and columns, one weight per channel"),
            (g.mean(), "you averaged everything into one number; keep one weight per channel"),
        ]
        for value, hint in mistakes:
            if got.shape == np.shape(value) and np.allclose(got, value, rtol=1e-5,
                                                            atol=1e-6 * scale):
                raise Hint(f"{where} {hint}")
        if got.shape != expected.shape:
            raise Hint(f"{where} you returned shape {got.shape}; there is one weight per "
                       f"channel: shape ({grads.shape[2]},)")
        k = int(np.argmax(np.abs(got - expected)))
        raise Hint(f"{where} the weight of channel {k} is {got[k]:.4g}, which is not the mean "
                   "of that channel's gradients over the map")
    return (f"one weight per channel, the mean of its gradient over the map, for {len(cases)} "
            "gradient shapes (h = K, 1x1 maps, one channel, and 4 drawn at random)")


def _map_cases(rng):
    """(what, features, weights): edge cases, then cases drawn at random whose positive
    maximum, where there is one, is not tiny. The first is not square, so that a map whose
    rows and columns are swapped has the wrong shape there; a square one follows, where it
    has the right shape and the wrong values."""
    old = rng.random((4, 5, 3))
    ramp = np.array([[-4.0, 1.0, 0.5], [2.0, -1.0, 0.0]])  # |min| > max
    cases = [
        ("(4, 5, 3) maps, weights of both signs", old, np.array([0.8, -1.2, 0.5])),
        ("(5, 5, 2) maps, weights of both signs", rng.random((5, 5, 2)) + np.eye(5)[..., None],
         np.array([1.0, -0.6])),
        ("a map whose most negative value outweighs its maximum", ramp[..., None],
         np.array([1.0])),
        ("two channels, one speaking strongly against the class",
         np.stack([np.abs(ramp), np.abs(ramp[::-1, ::-1])], axis=-1), np.array([0.7, -2.0])),
        ("positive maps and positive weights (every sum is positive)", old + 0.5,
         np.array([0.3, 1.0, 0.6])),
        ("positive maps with negative weights (no sum is positive)", old,
         np.array([-0.5, -1.0, -0.2])),
        ("zero weights (every sum is 0)", old, np.zeros(3)),
        ("one positive pixel", np.where(np.arange(12).reshape(3, 4, 1) == 5, 2.0, -1.0),
         np.array([0.5])),
        ("a tie for the maximum", np.array([[3.0, -1.0], [3.0, 1.0]])[..., None],
         np.array([2.0])),
        ("a 1x7 map from feature maps with negative values", *_mixed_signs(rng)),
    ]
    while len(cases) < 14:
        shape = (*(int(v) for v in rng.integers(1, 11, 2)), int(rng.integers(1, 9)))
        features = rng.random(shape) if rng.random() < 0.6 else rng.normal(size=shape)
        weights = rng.normal(size=shape[2])
        peak = (features @ weights).max()
        if peak <= 0 or peak > 0.05:
            cases.append((f"random {shape} maps", features, weights))
    return cases


def _mixed_signs(rng):
    """(1, 7, 4) feature maps with negative values and weights, drawn until some weighted
    sum is clearly positive and cutting the maps' negatives first gives another map (about
    one draw in a hundred has no positive sum: then no mistake but the zeros would show)."""
    while True:
        features, weights = rng.normal(size=(1, 7, 4)), rng.normal(size=4)
        if (features @ weights).max() > 0.05 and not _close(
                _cam(np.maximum(features, 0) @ weights), _cam(features @ weights)):
            return features, weights


@checker(without=("course.explain.grad_cam", "course.check.lesson09._cam"))
def gradcam_map(answer):
    """``answer(features, weights)``: relu(sum_k w_k A_k), scaled so its maximum is 1; all
    zeros when no weighted sum is positive (nothing speaks for the class)."""
    cases = tuple((what, frozen(features), frozen(weights))  # the checker's own, read-only
                  for what, features, weights in _map_cases(np.random.default_rng()))
    for what, features, weights in cases:
        given = features.copy(), weights.copy()
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is the student's to find
            returned = answer(*given)
        if getattr(returned, "dtype", None) == np.float16:
            raise Hint(f"for {what} you returned float16, whose three significant digits "
                       "blur the map: return float32 or float64")
        got = _array(returned, f"for {what}")
        if not (np.array_equal(given[0], features) and np.array_equal(given[1], weights)):
            raise Hint(f"for {what} your function changed the feature maps or the weights it "
                       "was given; build new arrays")
        _map_hint(got, features, weights, f"for {what}")
    return (f"a weighted sum of the maps, negatives cut, peak at 1, on {len(cases)} cases "
            "(negative values larger than the peak, a square map, ties, one pixel, 4 drawn "
            "at random); all zeros when nothing speaks for the class")


def _cam(raw):
    """The Grad-CAM map of the weighted sum ``raw``: ReLU, then peak 1 (zeros if none)."""
    cut = np.maximum(raw, 0)
    return cut / cut.max() if cut.max() > 0 else cut


def _close(got, value):
    return got.shape == np.shape(value) and np.allclose(got, value, rtol=1e-5, atol=1e-6)


def _map_hint(got, features, weights, where):
    """Nothing when ``got`` is the Grad-CAM map of ``features`` and ``weights``; else a
    hint that names the first difference and the likely mistake."""
    raw = features @ weights
    if got.shape != raw.shape:
        if got.shape == raw.shape[::-1]:
            raise Hint(f"{where} you returned shape {got.shape}: the maps' size {raw.shape} "
                       "the wrong way round, rows and columns swapped. Which of your steps "
                       "moved the channel axis, and where did it put the other two? (On an "
                       "array of 3 axes, .T reverses all three.)")
        raise Hint(f"{where} you returned shape {got.shape}; the heat map has the feature "
                   f"maps' size {raw.shape}: sum over the channel axis")
    cut = np.maximum(raw, 0)
    peak = cut.max()
    with np.errstate(divide="ignore", invalid="ignore"):
        if peak <= 0:
            if np.isnan(got).any():
                raise Hint(f"{where} your map is NaN where every weighted sum is <= 0 (nothing "
                           "speaks for the class): after the ReLU the map is all zeros, and 0 / "
                           "0 is NaN; divide by the maximum only when it is > 0, and return "
                           "the zeros otherwise")
            if np.allclose(got, 0, atol=1e-9):
                return
            if raw.max() < 0 and _close(got, np.maximum(raw / raw.max(), 0)):
                raise Hint(f"{where}: every weighted sum is negative, so the map should be all "
                           "zeros. You divided by the maximum before the ReLU: a negative "
                           "maximum flips every sign, and the strongest evidence against the "
                           "class lights up")
            raise Hint(f"{where}: every weighted sum is <= 0, so nothing speaks for the "
                       "class: the map should be all zeros, not a rescaled copy of the "
                       "negative evidence")
        if _close(got, cut / peak):
            return
        square = raw.shape[0] == raw.shape[1] and not np.allclose(cut, cut.T)
        if square and any(_close(got, wrong.T) for wrong in (
                cut / peak, _min_max(raw), _min_max(cut))):
            raise Hint(f"{where} your map is the right one's mirror image across the "
                       "diagonal: rows and columns swapped. Which of your steps moved the "
                       "channel axis, and where did it put the other two?")
        if np.isnan(got).any():
            raise Hint(f"{where} your map has NaN values, though its maximum is positive")
        if (got < -1e-9).any():
            raise Hint(f"{where} your map has negative values: apply a ReLU, keeping only "
                       "what speaks for the class")
        if _close(got, cut):
            raise Hint(f"{where} right shape and ReLU; now divide by the maximum so the peak "
                       "is 1")
        if _close(got, cut / np.abs(raw).max()):
            raise Hint(f"{where} your map peaks at {got.max():.3g}, not 1: you divided by the "
                       "largest magnitude, which here is a negative value's; the map is "
                       "divided by its maximum after the ReLU")
        if raw.min() > 0 and _close(got, _min_max(raw)):
            raise Hint(f"{where} your map is 0 where the weighted sum is smallest, though "
                       "it is positive there: you shifted the map down by its minimum. The "
                       "least evidence for the class is still evidence; Grad-CAM only "
                       "divides by the maximum")
        if _close(got, _min_max(raw)):
            raise Hint(f"{where} you rescaled the weighted sum's min..max to 0..1: where a sum "
                       "is negative (evidence against the class) your map is still above 0, "
                       "and the place with the most evidence against the class sets the "
                       "zero. Grad-CAM keeps only what speaks for the class")
        if _close(got, np.abs(raw) / np.abs(raw).max()):
            raise Hint(f"{where} your map lights up where a weighted sum is negative: "
                       "absolute values count the evidence against the class as evidence "
                       "for it")
        if _close(got, _cam(np.maximum(features, 0) @ weights)):
            raise Hint(f"{where} you cut the negative values of the feature maps before the "
                       "weighted sum; the ReLU acts on the sum, where a channel with a "
                       "negative weight counts against the class")
        if _close(got, _cam(features @ np.maximum(weights, 0))):
            raise Hint(f"{where} you left out the channels with negative weights; they count "
                       "against the class and lower the sum before the ReLU")
        i, j = np.unravel_index(np.argmax(np.abs(got - cut / peak)), raw.shape)
        raise Hint(f"{where} pixel ({i}, {j}) is {got[i, j]:.4f}; compute sum_k w_k A_k, apply "
                   "the ReLU, then divide by the map's maximum")


def _min_max(values):
    """``values`` rescaled from min..max to 0..1 (NaN where they are all equal)."""
    return (values - values.min()) / (values.max() - values.min())


# --- 9.5 Grad-CAM through global average pooling -----------------------------------------


def _number(value, what):
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Hint(f"{what} is {type(value).__name__}; assign one number (a fraction such as "
                   "1 / 3 is fine)")
    try:
        number = float(value)
    except OverflowError:  # an int past float64's range: 10**400, or a product of literals
        raise Hint(f"{what} is a number too large for a float (over 1e308); assign a ratio "
                   "you can check by hand") from None
    if not np.isfinite(number):
        raise Hint(f"{what} is {number}; assign a finite number")
    return number


@checker(prediction=True)
def gradcam_weight_ratio(answer):
    """``answer``: the predicted w_k / W[k, c] for relu5 -> GAP -> Dense in xai_net; the
    number of positions is read from the model."""
    from course.models import xai_net

    got = _number(answer, "predicted_ratio")
    _, h, w, channels = xai_net().get_layer("relu5").output.shape
    positions = h * w

    def near(value):  # 1/48 and 1/50 are 2% away: they are not the answer
        return np.isclose(got, value, rtol=0.005, atol=0)

    if near(1 / positions):
        return (f"w_k = W[k, c] / {positions} for every channel and image: through global "
                "average pooling, Grad-CAM's map is Zhou et al.'s CAM, sum_k W[k, c] A_k, "
                "rectified and scaled")
    against = ("the pooling averages each channel over its own positions; the number of "
               "channels does not enter")
    mistakes = [
        (1.0, "the Grad-CAM weight is not the classifier's weight itself: between relu5 and "
              "`classes` sits a global average pooling. When one value of a map moves, how "
              "much does the map's mean move?"),
        (float(positions), "that would make the Grad-CAM weight larger than the classifier's: "
                           "can one position of a map move its mean more than the whole map "
                           "does?"),
        (1 / h, "the pooling averages over the whole map, rows and columns both"),
        (1 / (30 * 30), "that is relu1's size; Grad-CAM reads relu5"),
        (1 / (15 * 15), "that is relu3's size; Grad-CAM reads relu5"),
        (1 / (32 * 32), "count the positions of relu5's maps, not the input's pixels"),
    ]
    mistakes += [(1 / k, against) for k in (32, 64, 128, channels)]
    mistakes += [(1 / (k * positions), against) for k in (32, 64, 128, channels)]
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
