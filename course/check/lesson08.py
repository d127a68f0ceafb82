"""Checkers for lesson 08 (transfer learning).

Each checker tries the edge cases a teacher would probe, then cases drawn fresh on every
call, so that a table of answers cannot pass.
"""

import keras
import numpy as np

from course.check import libraries
from course.check.core import Hint, StudentError, checker
from course.check.frozen import frozen

# Keras' own preprocessing answers exercise 8.3, and the statement asks for NumPy: any
# TensorFlow op (tf.image.convert_image_dtype, keras.ops.cast) is refused
RANGE_SHORTCUTS = ("keras.applications.mobilenet_v2.preprocess_input",
                   "keras.applications.imagenet_utils.preprocess_input",
                   "keras.src.applications.imagenet_utils._preprocess_numpy_input",
                   "keras.layers.Rescaling.call", "keras.layers.Normalization.call",
                   *libraries.TENSORFLOW)


def _network(rng=None, bn=True, name="net", blocks=3, size=8):
    """conv(-BN)-ReLU blocks named block1, block2, ..., GAP and a dense head: a base in
    miniature, with BN's non-trainable statistics. ``rng`` draws the widths.

    Every Input the checkers build is named: an unnamed one would take a number from Keras'
    session counter, and the lesson's shipped runs are keyed on the name of the classifier's
    input (a nested model keeps its caller's names in ``course.shipped.architecture``), so
    checking 8.1 before the runs load would make the lesson miss them."""
    inputs = keras.Input((size, size, 3), name="images")
    x = inputs
    for b in range(1, blocks + 1):
        filters = int(rng.integers(1, 9)) if rng is not None else 2 + 2 * b
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=not bn,
                                name=f"block{b}_conv")(x)
        if bn:
            x = keras.layers.BatchNormalization(name=f"block{b}_bn")(x)
        x = keras.layers.ReLU(name=f"block{b}_relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(x), name=name)


def _with_head(base, name="model", units=5):
    """``base`` nested in a model with a new two-layer head."""
    inputs = keras.Input(base.input.shape[1:], name="model_images")
    x = keras.layers.Dense(units, name="new_hidden")(base(inputs, training=False))
    return keras.Model(inputs, keras.layers.Dense(2, name="new_head")(x), name=name)


def _count_cases(rng):
    """(what, model) pairs: the edge cases (two of them single layers, which the lesson
    counts too; a frozen base with its layers switched back on, alone, where nothing trains,
    and nested in a model, where Keras trains them), then two networks drawn at random."""
    frozen = _network(name="base")
    frozen.trainable = False
    partly = _network(name="base")
    partly.get_layer("block1_conv").trainable = False
    partly.get_layer("block3_bn").trainable = False
    switched = _network(name="base")
    switched.trainable = False  # then its layers switched back on, one by one: still frozen
    for layer in switched.layers:
        layer.trainable = True
    nested = _network(name="base")  # the same, in a model: there its layers train again
    nested.trainable = False
    for layer in nested.layers:
        layer.trainable = True
    everything = _network()
    everything.trainable = False
    cases = [("a conv network without BatchNormalization", _network(bn=False)),
             ("a conv-BN network", _network()),
             ("a frozen base with a new two-layer head", _with_head(frozen)),
             ("a nested base with two of its layers frozen", _with_head(partly)),
             ("a frozen base whose layers were then set trainable one by one (the base "
              "itself still frozen)", switched),
             ("a network frozen whole", everything)]
    norm = keras.layers.BatchNormalization(name="bn")
    norm.build((None, 4, 4, int(rng.integers(2, 17))))
    dense = keras.layers.Dense(int(rng.integers(2, 9)), name="dense")
    dense.build((None, int(rng.integers(2, 9))))
    dense.trainable = False
    cases += [("a single BatchNormalization layer (not a model)", norm),
              ("a single Dense layer, frozen (not a model)", dense),
              ("a frozen base whose layers were then set trainable one by one, nested in a "
               "model with a new head", _with_head(nested))]
    for i in range(2):
        base = _network(rng, bn=bool(rng.random() < 0.7), blocks=int(rng.integers(1, 5)),
                        name="base")
        for layer in base.layers:
            layer.trainable = bool(rng.random() < 0.6)
        base.trainable = bool(rng.random() < 0.7) and base.trainable
        model = _with_head(base, units=int(rng.integers(1, 9))) if rng.random() < 0.6 else base
        cases.append((f"random network {i + 1}, some layers frozen", model))
    return cases


def _flags(model):
    """Every trainable flag in ``model``: its own, its layers' (nested ones too), its
    variables'."""
    layers, stack = [], [model]
    while stack:
        layer = stack.pop()
        layers.append((layer.name, layer.trainable))
        stack += getattr(layer, "layers", [])
    return layers, [v.trainable for v in model.weights]


def _count_value(got, what):
    """The returned count as an int, or a hint naming what came instead."""
    if isinstance(got, float) and got.is_integer():
        raise Hint(f"for {what} you returned the float {got!r}; a count of parameters is a "
                   "whole number, an int (np.sum of an empty list, for one, is the float 0.0)")
    if isinstance(got, bool) or not isinstance(got, int):
        shown = (f"an array of shape {got.shape}" if isinstance(got, np.ndarray)
                 else f"{type(got).__name__} {got!r:.40}")
        raise Hint(f"for {what} you returned {shown}: return one whole number of parameters")
    return got


@checker
def count_trainable(answer):
    """``answer(model)``: the number of parameters that training will change, for a model
    or a single layer."""
    def size(weights):
        return int(sum(np.prod(w.shape) for w in weights))

    cases = _count_cases(np.random.default_rng())
    for what, model in cases:
        before = _flags(model)
        try:
            got = _count_value(answer(model), what)
        except StudentError as raised:
            if isinstance(model, keras.Model) or not isinstance(raised.error, AttributeError):
                raise
            raise Hint(f"for {what} your function stopped on {raised}: the lesson counts "
                       "single layers too (a layer is not a model: it has no .layers), so "
                       "count them as well") from None
        if _flags(model) != before:
            raise Hint(f"for {what} your function changed the trainable flags of the model; "
                       "count without changing anything")
        expected = size(model.trainable_weights)
        if got == expected:
            continue
        flagged = size(v for v in model.weights if v.trainable)
        if got == model.count_params():
            raise Hint(f"for {what} you counted every parameter; frozen layers and "
                       "BatchNormalization's moving mean and variance do not train")
        if got == len(model.trainable_weights):
            raise Hint(f"for {what} you counted weight tensors, not parameters: add up the "
                       "number of entries of each tensor (np.prod of its shape)")
        if got == flagged:
            raise Hint(f"for {what} you counted the weights whose own flag says trainable; "
                       "inside a frozen model nothing trains, whatever its layers' flags say")
        if got == _by_the_flags_of_models(model):
            raise Hint(f"for {what} you returned {got:,}: you left out the layers of a frozen "
                       "model inside it. Switching a model off switches its layers off, but "
                       "these were switched back on one by one after, and the model around it "
                       "goes by each layer's own flag: fit trains them, though the inner "
                       "model's flag still says False (only the model you count, frozen "
                       "itself, trains nothing)")
        raise Hint(f"for {what} you returned {got:,}, which is not what training changes: "
                   "frozen layers (a frozen model's included) and BatchNormalization's moving "
                   "statistics do not count")
    return (f"trainable parameters of {len(cases)} networks and layers: plain, BatchNorm, "
            "frozen and partly frozen bases (nested or not, their layers switched back on), "
            "one frozen whole, a BatchNorm layer, a frozen Dense layer, and 2 networks drawn "
            "at random")


def _by_the_flags_of_models(layer):
    """What a count gives that skips every model or layer whose own flag is off, at any
    depth: a frozen model nested in another counts nothing, even where Keras trains it."""
    if not layer.trainable:
        return 0
    if hasattr(layer, "layers"):
        return sum(_by_the_flags_of_models(sub) for sub in layer.layers)
    return int(sum(np.prod(w.shape) for w in layer.trainable_weights))


def _unfreeze_cases(rng):
    """(prefix, how the base starts, base): the edge cases, then two drawn at random."""
    def nested(name, parts):
        inputs = keras.Input((8, 8, 3), name=f"{name}_images")
        x = inputs
        for kind, part in parts:
            x = (keras.layers.Conv2D(3, 3, padding="same", name=f"{name}_{part}")
                 if kind == "conv" else keras.layers.BatchNormalization(name=f"{name}_{part}"))(x)
        return keras.Model(inputs, x, name=name)

    inputs = keras.Input((8, 8, 3), name="images")
    x = nested("side", [("conv", "conv"), ("bn", "bn")])(inputs)
    x = keras.layers.Conv2D(3, 3, padding="same", name="block3_conv")(x)
    # named as MobileNetV2 names its BatchNormalization layers: no "bn" in lower case; and
    # a convolution whose name holds "bn": a layer's class tells what it is, not its name
    x = keras.layers.BatchNormalization(name="block3_expand_BN")(x)
    x = keras.layers.Conv2D(3, 1, name="block3_bneck")(x)
    x = nested("block3_extra", [("conv", "conv1"), ("conv", "conv2")])(x)
    x = keras.layers.Conv2D(3, 1, name="head_block3")(x)  # "block3" inside, not at the start
    with_nested = keras.Model(inputs, x, name="base")
    trainable, frozen, mixed = ("the base trainable", "the base frozen",
                                "some layers frozen")
    cases = [("block3", trainable, _network()), ("block2", frozen, _network()),
             ("block1", frozen, _network(blocks=12)),  # block10 to block12 start with it too
             ("block9", trainable, _network()),  # matches nothing: everything frozen
             ("block3", frozen, with_nested)]
    for _ in range(2):
        blocks = int(rng.integers(2, 13))
        prefix = f"block{int(rng.integers(1, blocks + 2))}"
        start = [trainable, frozen, mixed][int(rng.integers(3))]
        cases.append((prefix, start, _network(rng, bn=bool(rng.random() < 0.7),
                                              blocks=blocks)))
    for _, start, base in cases:
        base.trainable = start != frozen
        if start == mixed:
            for layer in base.layers:
                layer.trainable = bool(rng.random() < 0.5)
    return cases


@checker(returns=False)
def unfreeze_top(answer):
    """``answer(base, prefix)``: only the non-BN layers whose name starts with ``prefix``
    end up trainable (judged by what will train: ``base.trainable_weights``)."""
    def trainable(layer):  # all its weights but BatchNormalization's moving statistics
        moving, stack = set(), [layer]
        while stack:
            sub = stack.pop()
            stack += getattr(sub, "layers", [])
            if isinstance(sub, keras.layers.BatchNormalization):
                moving |= {id(sub.moving_mean), id(sub.moving_variance)}
        return sum(id(v) not in moving for v in layer.weights)

    cases = _unfreeze_cases(np.random.default_rng())
    for prefix, start, base in cases:
        expected = [trainable(layer) if layer.name.startswith(prefix) and not isinstance(
            layer, keras.layers.BatchNormalization) else 0 for layer in base.layers]
        result = answer(base, prefix)
        if result is not None and result is not base:
            raise Hint(f"unfreeze_top should change `base` in place (layer.trainable = ...) "
                       f"and return nothing; you returned {type(result).__name__}")
        trained = {id(v) for v in base.trainable_weights}
        got = [sum(id(v) in trained for v in layer.weights) for layer in base.layers]
        _compare_trains(base, prefix, start, got, expected)
        _compare_flags(base, prefix)
    return (f"right on {len(cases) - 2} edge cases (a base frozen or not beforehand, block1 "
            "beside block10, a prefix that matches nothing, nested models) and 2 bases drawn "
            "at random: the matching layers train, BatchNorm and the rest stay frozen")


def _compare_trains(base, prefix, start, got, expected):
    """A hint at the first layer that trains when it should not, or the other way round."""
    if got == expected:
        return
    if not base.trainable and any(expected):
        raise Hint(f"unfreeze_top(base, {prefix!r}) left the base itself frozen: while "
                   "base.trainable is False, base.trainable_weights is empty whatever its "
                   "layers' own flags say (a model's flag comes before its layers')")
    for layer, trains, wanted in zip(base.layers, got, expected, strict=True):
        if trains == wanted:
            continue
        where = f"with prefix {prefix!r} ({start} beforehand), {layer.name}"
        if isinstance(layer, keras.layers.BatchNormalization):
            named = ("" if "bn" in layer.name else " (it is one, whatever its name says: "
                     "MobileNetV2's end in _BN; tell them by their class)")
            raise Hint(f"{where} is trainable: keep BatchNormalization layers{named} frozen "
                       "when fine-tuning, so a few hundred images do not upset the statistics "
                       "the base was trained with")
        if trains and prefix in layer.name:
            raise Hint(f"{where} is trainable, but its name only contains {prefix!r}; the "
                       "layers to unfreeze are those whose name starts with it")
        if trains:
            raise Hint(f"{where} is trainable but its name does not start with {prefix!r}: "
                       "freeze every other layer")
        other = (f"; it is a {type(layer).__name__}, not a BatchNormalization layer, whatever "
                 "its name holds: tell them by their class" if "bn" in layer.name.lower() else "")
        raise Hint(f"{where} is still frozen: its name starts with {prefix!r}, so it belongs "
                   f"to the block you are unfreezing{other}")


def _compare_flags(base, prefix):
    """A hint at the first layer with weights whose own flag is not what the statement asks
    for, though its weights train as they should: flags set on the variables, not on the
    layers."""
    for layer in base.layers:
        wanted = layer.name.startswith(prefix) and not isinstance(
            layer, keras.layers.BatchNormalization)
        if layer.weights and layer.trainable != wanted:
            raise Hint(f"with prefix {prefix!r}, {layer.name}'s weights train as they should, "
                       f"but the layer's own flag, layer.trainable, says {layer.trainable}: "
                       "you set the flags of its variables. Set the layers' own flags: Keras "
                       "reads them too (a BatchNormalization layer whose flag is on goes on "
                       "updating its statistics in training)")


def _pixels(value, case):
    """A returned batch of pixels as an array, or a hint."""
    if not isinstance(value, np.ndarray):
        raise Hint(f"for {case} you returned {type(value).__name__}; return a NumPy array of "
                   "the same shape")
    if isinstance(value, np.ma.MaskedArray):  # masked values count as nothing
        raise Hint(f"for {case} you returned a masked array; return a plain NumPy array, "
                   "every pixel scaled")
    if value.dtype.kind not in "iuf":
        raise Hint(f"for {case} you returned an array of {value.dtype}; return numbers, "
                   "float32")
    return value


def _range_cases(rng):
    """(what, uint8 images): every value 0..255 (where a wrap-around shows as a jump), a
    dark batch, white and black, no batch axis, then batches drawn at random."""
    cases = [("every pixel value 0..255 (a batch of one 16x16 grey image)",
              np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1)),
             ("a dark batch (pixels 10 to 90)",
              rng.integers(10, 91, (2, 4, 6, 3)).astype(np.uint8)),
             ("a white and a black 3x5 image", np.stack([np.full((3, 5, 3), 255, np.uint8),
                                                          np.zeros((3, 5, 3), np.uint8)])),
             ("one 7x4 RGB image, no batch axis", rng.integers(0, 256, (7, 4, 3), np.uint8))]
    for _ in range(3):
        shape = (int(rng.integers(1, 5)), *(int(v) for v in rng.integers(1, 20, 2)), 3)
        cases.append((f"a random batch of shape {shape}", rng.integers(0, 256, shape, np.uint8)))
    return cases


@checker(without=RANGE_SHORTCUTS)
def to_mobilenet_range(answer):
    """``answer(images)``: uint8 pixels 0..255 scaled to float32 in [-1, 1]. A debug
    exercise: the hint for the lesson's ``to_mobilenet_range_buggy`` shows where its values
    jump, not the fix."""
    answer = libraries.refusing(answer, "the exercise asks for NumPy")
    cases = tuple(_range_cases(np.random.default_rng()))
    for what, images in cases:
        images = frozen(images)  # the checker's own, read-only; the answer gets a copy
        given = images.copy()
        got = _pixels(answer(given), what)
        if not np.array_equal(given, images):
            raise Hint(f"for {what} your function changed the images it was given (an "
                       "in-place operation on the uint8 array): build a new array")
        if got.shape != images.shape:
            raise Hint(f"for {what} the shape changed from {images.shape} to {got.shape}; "
                       "scale each pixel")
        if got.dtype.kind in "iu":
            raise Hint(f"for {what} you returned {got.dtype} values, whole numbers, where the "
                       "exercise asks for float32 fractions; and arithmetic that stays in "
                       "uint8 wraps around at 256 (uint8 overflow)")
        values, pixels = got.astype(np.float64), images.astype(np.float64)
        if got.dtype != np.float32 and (
                got.dtype.kind == "f" and np.allclose(values, pixels / 127.5 - 1, atol=1e-2)):
            why = (" (NumPy turns uint8 divided by a Python float into float64)"
                   if got.dtype == np.float64 else "")
            raise Hint(f"for {what} your values are right but their dtype is {got.dtype}; the "
                       f"exercise asks for float32, what the model takes{why}")
        _range_hint(values, pixels, what)
        if got.dtype != np.float32:
            raise Hint(f"for {what} you returned {got.dtype} values; the exercise asks for "
                       "float32")
    return (f"right on {len(cases)} batches: 0 -> -1 and 255 -> 1 exactly, linear in "
            "between, float32, whatever the shape")


def _range_hint(got, pixels, what):
    """Nothing when ``got`` is ``pixels`` (0..255) mapped linearly onto [-1, 1]; else a hint."""
    expected = pixels / 127.5 - 1
    if np.allclose(got, expected, rtol=0, atol=2e-6):
        return
    if np.isnan(got).any():
        raise Hint(f"for {what} your result has nan values: scale with fixed numbers, not "
                   "with the image's own minimum and maximum")
    if np.allclose(got, pixels / 255, atol=1e-5):
        raise Hint(f"for {what} your pixels end in [0, 1]; MobileNetV2 was trained on "
                   "[-1, 1]: stretch and shift them")
    if np.allclose(got, pixels, atol=1e-5):
        raise Hint(f"for {what} the pixels come back unchanged (0..255); MobileNetV2 wants "
                   "[-1, 1]")
    if pixels.min() > 0 and abs(got.min() + 1) < 1e-3:
        raise Hint(f"for {what} the darkest pixel became -1, but only a pixel of 0 should: "
                   "scale with fixed numbers, not with the image's own minimum and maximum")
    if np.ptp(pixels):  # a straight line through the pixels, but not the right one?
        slope, start = np.polyfit(pixels.ravel(), got.ravel(), 1)
        if np.allclose(got, slope * pixels + start, atol=1e-4):
            raise Hint(f"for {what} your values lie on a straight line that takes 0 to "
                       f"{start:.4g} and 255 to {slope * 255 + start:.4g}; it should take 0 "
                       "to -1 and 255 to 1")
    _jump_hint(got, pixels, what)
    i = int(np.argmax(np.abs(got - expected)))
    raise Hint(f"for {what} pixel {pixels.flat[i]:g} became {got.flat[i]:.4g}; 0 should become "
               "-1 and 255 should become 1, linear in between")


def _jump_hint(got, pixels, what):
    """A hint when ``got`` jumps between two neighbouring pixel values (by more than a
    quarter of the range) where the line from -1 to 1 rises by 2/255: a value wrapped around."""
    values = np.unique(pixels)
    if len(values) < 2:
        return
    means = np.array([got[pixels == v].mean() for v in values])
    steps = np.diff(means) - 2 / 255 * np.diff(values)
    i = int(np.argmax(np.abs(steps)))
    if abs(steps[i]) < 0.5 or values[i + 1] - values[i] > 8:
        return
    low, high = values[i], values[i + 1]
    raise Hint(f"for {what} pixel {low:g} became {means[i]:.4g} and pixel {high:g} became "
               f"{means[i + 1]:.4g}: a jump of {means[i + 1] - means[i]:+.4g} between "
               f"neighbouring pixel values, where a straight line from -1 to 1 rises by "
               f"{2 / 255:.4g} per level. A jump like that is a value wrapping around (uint8 "
               f"overflow): which step of your computation goes past 255, and in what dtype "
               f"is it done?")


@checker(prediction=True)
def s3_trainable(answer):
    """``answer = (s3 convolutions, s3 convolutions and BatchNormalization)``: the trainable
    parameters of the every-stage classifier with only stage s3 unfrozen; measured."""
    from course.transfer import cifar_base

    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in answer)):
        raise Hint("assign two whole numbers, s3_trainable = (convolutions only, convolutions "
                   f"and BatchNormalization); you assigned {answer!r:.60}")

    def count(weights):
        return int(sum(np.prod(w.shape) for w in weights))

    base = cifar_base()  # the lesson's `transferred` rebuilt: every stage's pooled features
    pooled = []  # and a two-way head (its standardizing layer has nothing to train)
    for name in ("stem_relu", "s1c2_relu", "s2c2_relu", "s3c2_relu"):
        x = base.get_layer(name).output
        pooled += [keras.layers.GlobalAveragePooling2D()(x), keras.layers.GlobalMaxPooling2D()(x)]
    head = keras.layers.Dense(2, activation="softmax", name="head")
    model = keras.Model(base.input, head(keras.layers.Concatenate()(pooled)))
    measured = {}
    for key, prefixes, batch_norm in [("s3", "s3", False), ("s3 + bn", "s3", True),
                                      ("s2 + s3", ("s2", "s3"), False)]:
        base.trainable = True
        for layer in base.layers:
            layer.trainable = (layer.name.startswith(prefixes) and (
                batch_norm or not isinstance(layer, keras.layers.BatchNormalization)))
        measured[key] = count(model.trainable_weights)
    convs, with_bn, heads = measured["s3"], measured["s3 + bn"], count(head.trainable_weights)
    channels = sum(layer.moving_mean.shape[0] for layer in base.layers
                   if layer.name.startswith("s3")
                   and isinstance(layer, keras.layers.BatchNormalization))
    got, got_bn = (int(v) for v in answer)
    if (got, got_bn) == (convs, with_bn):
        return ("only s3's convolutions and the head train; with its BatchNormalization, 2 "
                "per channel")
    # a recognised mistake in either number is named, whatever the other is; else the pair is
    # wrong: no hint tells which of the two numbers is right (a loop would find them one by one)
    _s3_hint(got, convs, heads, channels, measured["s2 + s3"])
    where = f"with s3's BatchNormalization layers trainable too you predict {got_bn:,}"
    if got_bn == got:
        raise Hint(f"{where}, no more than with them frozen: a trainable BatchNormalization "
                   "layer trains its scale and shift (gamma and beta)")
    if got_bn - got == 4 * channels:
        raise Hint(f"{where}: the moving mean and variance are not trained even when the layer "
                   "is trainable (they are averaged, not learned)")
    shown = f"({got:,}, {got_bn:,})" if max(abs(got), abs(got_bn)) < 10**15 else "your pair"
    raise Hint(f"{shown} is not what count_trainable reports: count the weights "
               "of s3's two 3x3 convolutions from the channels the exercise gives and add "
               "everything else that trains; for the second number, add what each of s3's two "
               "BatchNormalization layers trains for each of its channels")


def _s3_hint(got, convs, head, channels, s2_and_s3):
    """The hint for a recognised mistake in the first number of :func:`s3_trainable`, if it
    is one (else nothing: the first number may be right)."""
    where = f"with s3's convolutions unfrozen you predict {got:,}"
    if got == convs - head:
        raise Hint(f"{where}: the head trains too, and count_trainable(transferred) counts "
                   "its parameters")
    if got == s2_and_s3:
        raise Hint(f"{where}, the count for s2 and s3 printed above; this time s2 stays "
                   "frozen")
    if got in (convs + channels, convs + channels - head):
        raise Hint(f"{where}: the convolutions of s3 are bias-free (conv_bn); "
                   "BatchNormalization provides the shift")
    if got in (convs + 2 * channels, convs + 4 * channels):
        raise Hint(f"{where}: in this first case s3's BatchNormalization layers stay "
                   "frozen; count the convolutions and the head")
