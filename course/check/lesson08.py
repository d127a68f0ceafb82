"""Checkers for lesson 08 (transfer learning)."""

import keras
import numpy as np

from course.check.core import Hint, checker


def _small_model(bn=True, name="net"):
    """conv(-BN) x 3 + GAP + dense: a base in miniature, with BN's non-trainable statistics."""
    inputs = keras.Input((8, 8, 3))
    x = inputs
    for b, filters in enumerate((4, 6, 8), 1):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=not bn,
                                name=f"block{b}_conv")(x)
        if bn:
            x = keras.layers.BatchNormalization(name=f"block{b}_bn")(x)
        x = keras.layers.ReLU(name=f"block{b}_relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(x), name=name)


def _frozen_base_with_head():
    base = _small_model(name="base")
    base.trainable = False
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Dense(5, name="new_hidden")(base(inputs, training=False))
    return keras.Model(inputs, keras.layers.Dense(2, name="new_head")(x))


def _count(weights):
    return int(sum(np.prod(w.shape) for w in weights))


@checker
def count_trainable(answer):
    """``answer(model)``: the number of parameters that training will change."""
    cases = [("a conv network without BatchNormalization", _small_model(bn=False)),
             ("a conv-BN network", _small_model()),
             ("a frozen base with a new two-layer head", _frozen_base_with_head())]
    for what, model in cases:
        got, expected = answer(model), _count(model.trainable_weights)
        if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
            raise Hint(f"for {what} you returned {got!r}: return a whole number of parameters")
        if got == expected:
            continue
        if got == model.count_params():
            raise Hint(f"for {what} you counted every parameter (model.count_params()); "
                       "count only those in model.trainable_weights: frozen layers and "
                       "BatchNormalization's moving mean and variance do not train")
        if got == len(model.trainable_weights):
            raise Hint(f"for {what} you counted weight tensors, not parameters: add up the "
                       "number of entries of each tensor (np.prod of its shape)")
        raise Hint(f"for {what} you returned {got}, which is not the number of entries in "
                   "model.trainable_weights")
    return "trainable parameters of a plain, a BatchNorm and a partly frozen network"


@checker(returns=False)
def unfreeze_top(answer):
    """``answer(base, prefix)``: only the non-BN layers whose name starts with ``prefix``
    end up trainable."""
    for prefix in ("block3", "block2"):
        base = _small_model()
        result = answer(base, prefix)
        if result is not None and result is not base:
            raise Hint("change the layers of `base` in place (layer.trainable = ...); "
                       "you returned a different object")
        if not base.trainable:
            raise Hint(f"unfreeze_top(base, {prefix!r}) left base.trainable = False: then no "
                       "layer inside trains, whatever its own flag says. Set base.trainable "
                       "= True first, then freeze layer by layer")
        for layer in base.layers:
            if not layer.weights:
                continue
            wanted = (layer.name.startswith(prefix)
                      and not isinstance(layer, keras.layers.BatchNormalization))
            if layer.trainable == wanted:
                continue
            if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable:
                raise Hint(f"{layer.name} is trainable: keep BatchNormalization layers frozen "
                           "when fine-tuning, so a few hundred images do not upset the "
                           "statistics the base was trained with")
            if layer.trainable:
                raise Hint(f"with prefix {prefix!r}, {layer.name} is trainable but it does not "
                           "belong to the top block: freeze every other layer")
            raise Hint(f"with prefix {prefix!r}, {layer.name} is still frozen: it belongs to "
                       "the block you are unfreezing")
    return "the top block's conv layers train; BatchNorm and the lower blocks stay frozen"


@checker(without=("keras.applications.mobilenet_v2.preprocess_input",))
def to_mobilenet_range(answer):
    """``answer(images)``: uint8 pixels 0..255 scaled to float32 in [-1, 1]."""
    images = np.array([[0, 51, 127.5, 255]], dtype=np.float32).round().astype(np.uint8)
    got = np.asarray(answer(images.copy()), dtype=np.float64)
    expected = images / 127.5 - 1
    if got.shape != images.shape:
        raise Hint(f"the shape changed from {images.shape} to {got.shape}; scale each pixel")
    if np.allclose(got, expected, atol=1e-5):
        return "0 -> -1, 255 -> 1, linear in between"
    if np.allclose(got, images / 255, atol=1e-5):
        raise Hint("your pixels end in [0, 1]; MobileNetV2 was trained on [-1, 1]: "
                   "stretch and shift them")
    if np.allclose(got, images, atol=1e-5):
        raise Hint("the pixels come back unchanged (0..255); MobileNetV2 wants [-1, 1]")
    if got.min() > -1 + 1e-5 and np.allclose(np.diff(got), np.diff(expected), atol=1e-3):
        raise Hint("the spacing is right but the range is shifted: pixel 0 should be -1")
    raise Hint(f"pixel 0 became {got.flat[0]:.4g} and pixel 255 became {got.flat[-1]:.4g}; "
               "they should be -1 and 1, linear in between (watch uint8 overflow: convert "
               "to float first)")


TAPS = ("stem_relu", "s1c2_relu", "s2c2_relu", "s3c2_relu")  # the lesson's every-stage taps


def _every_stage_classifier():
    """The lesson's `transferred` model rebuilt: the base, every stage's pooled features, a
    two-way dense head (its standardizing layer has nothing to train, so it is left out)."""
    from course.transfer import cifar_base

    base = cifar_base()
    pooled = []
    for name in TAPS:
        x = base.get_layer(name).output
        pooled += [keras.layers.GlobalAveragePooling2D()(x), keras.layers.GlobalMaxPooling2D()(x)]
    features = keras.layers.Concatenate()(pooled)
    head = keras.layers.Dense(2, activation="softmax", name="head")(features)
    return base, keras.Model(base.input, head)


def _unfreeze(base, prefixes, batch_norm):
    base.trainable = True
    for layer in base.layers:
        layer.trainable = (layer.name.startswith(prefixes) and (
            batch_norm or not isinstance(layer, keras.layers.BatchNormalization)))


@checker(prediction=True)
def s3_trainable(answer):
    """``answer = (s3 convolutions, s3 convolutions and BatchNormalization)``: the trainable
    parameters of the every-stage classifier with only stage s3 unfrozen; measured."""
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in answer)):
        raise Hint("assign two whole numbers, s3_trainable = (convolutions only, convolutions "
                   f"and BatchNormalization); you assigned {answer!r}")
    base, model = _every_stage_classifier()
    head = _count(model.get_layer("head").trainable_weights)
    measured = {}
    for key, prefixes, batch_norm in [("s3", "s3", False), ("s3 + bn", "s3", True),
                                      ("s2 + s3", ("s2", "s3"), False)]:
        _unfreeze(base, prefixes, batch_norm)
        measured[key] = _count(model.trainable_weights)
    convs, with_bn = measured["s3"], measured["s3 + bn"]
    norms = [layer for layer in base.layers if layer.name.startswith("s3")
             and isinstance(layer, keras.layers.BatchNormalization)]
    channels = sum(layer.moving_mean.shape[0] for layer in norms)  # over s3's BN layers
    got, got_bn = (int(v) for v in answer)
    if got != convs:
        where = f"with s3's convolutions unfrozen you predict {got:,}"
        if got == convs - head:
            raise Hint(f"{where}: the head trains too, its {head:,} parameters are part of "
                       "what trainable_params(transferred) counts")
        if got == measured["s2 + s3"]:
            raise Hint(f"{where}, the count for s2 and s3 printed above; this time s2 stays "
                       "frozen")
        if got in (convs + channels, convs + channels - head):
            raise Hint(f"{where}: the convolutions of s3 are bias-free (conv_bn); "
                       "BatchNormalization provides the shift")
        if got in (convs + 2 * channels, convs + 4 * channels):
            raise Hint(f"{where}: in this first case s3's BatchNormalization layers stay "
                       "frozen; count the convolutions and the head")
        raise Hint(f"{where}: add the 3x3 kernels of s3c1 (64 -> 128 channels) and s3c2 "
                   "(128 -> 128), 3 x 3 x channels in x channels out each, and the head's "
                   "parameters")
    if got_bn != with_bn:
        where = f"with s3's BatchNormalization layers trainable too you predict {got_bn:,}"
        if got_bn == convs:
            raise Hint(f"{where}, no more than without them: a trainable BatchNormalization "
                       "layer trains its scale and shift (gamma and beta)")
        if got_bn == convs + 4 * channels:
            raise Hint(f"{where}: the moving mean and variance are not trained even when the "
                       "layer is trainable (they are averaged, not learned); only gamma and "
                       "beta are")
        raise Hint(f"{where}: each of s3's two BatchNormalization layers adds a trained scale "
                   "and shift for each of its channels")
    return "only s3's convolutions and the head train; with its BatchNormalization, 2 per channel"
