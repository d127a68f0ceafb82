"""Checkers for lesson 07 (plain vs residual)."""

import functools
import math
import zlib

import numpy as np

from course.check.core import Hint, checker


def _reads(layer, block_input):
    """Whether ``layer`` is called on ``block_input`` itself (False when shared or unknown)."""
    try:
        return layer.input is block_input
    except (AttributeError, ValueError, RuntimeError):
        return False


def _convolutions(model):
    """(kernel shape, strides, reads the block's input) of each Conv2D, sorted."""
    from keras import layers

    return sorted((tuple(layer.kernel.shape), tuple(layer.strides),
                   _reads(layer, model.inputs[0]))
                  for layer in model.layers if isinstance(layer, layers.Conv2D))


def _same_weights(model):
    """Weights that do not depend on the order of the layers: each Conv2D's kernel is drawn
    from a seed made of its shape and of whether it reads the block's input directly; every
    BatchNormalization gets the same non-trivial scale, shift, moving mean and variance.
    Returns a hint for a weighted layer that is neither, else None."""
    from keras import layers

    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            shape = tuple(layer.kernel.shape)
            key = repr((shape, _reads(layer, model.inputs[0])))
            rng = np.random.default_rng(zlib.crc32(key.encode()))
            layer.kernel.assign(rng.normal(0, 1 / np.sqrt(np.prod(shape[:-1])), shape))
            if layer.use_bias:
                layer.bias.assign(np.zeros(layer.bias.shape))
        elif isinstance(layer, layers.BatchNormalization):
            channel = np.arange(layer.moving_mean.shape[0])
            values = {"gamma": 0.8 + 0.2 * (channel % 3), "beta": 0.1 * (channel % 5 - 2),
                      "moving_mean": 0.05 * (channel % 4 - 1.5),
                      "moving_variance": 0.5 + 0.25 * (channel % 3)}
            for name, value in values.items():
                if getattr(layer, name, None) is not None:
                    getattr(layer, name).assign(value)
        elif layer.weights:
            return (f"your block has a {type(layer).__name__} layer ('{layer.name}') with "
                    "weights: a residual block is made of Conv2D and BatchNormalization only")
    return None


@checker(without=(
    "course.models.identity_block",
    "course.models.conv_block",
    "course.models.residual_branch",
    "course.models.residual_add",
))
def residual_block(answer):
    """``answer(x, filters, strides)``: ReLU(shortcut + F(x)), a 1x1 shortcut only if needed.

    Beyond the shape and the parameter count, the block must compute what the reference
    computes: both get the same weights (:func:`_same_weights`) and run in inference mode.
    """
    import keras

    cases = [((16, 16, 32), 32, 1), ((16, 16, 32), 64, 2), ((16, 16, 16), 32, 1),
             ((15, 15, 8), 8, 2)]
    policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")  # compare in float32 on any machine
    try:
        for case in cases:
            _check_block(answer, *case)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    return (f"right on {len(cases)} inputs, identity and convolution blocks: given the same "
            "weights, your block computes ReLU(shortcut + F(x))")


def _check_block(answer, shape, filters, strides):
    """One case of :func:`residual_block`: the structure first (its hints are the most
    specific), then what the block computes."""
    import keras
    from keras import layers

    from course.models import conv_block, identity_block

    where = f"for an input of shape {shape}, filters={filters}, strides={strides}"
    inputs = keras.Input(shape)
    outputs = answer(inputs, filters, strides)
    if not keras.backend.is_keras_tensor(outputs):
        raise Hint(f"you returned {type(outputs).__name__}; return the block's output tensor, "
                   "ReLU(shortcut + F(x)), built from x with layers")
    model = keras.Model(inputs, outputs)
    size = -(-shape[0] // strides)
    got = tuple(model.output_shape[1:])
    if got != (size, size, filters):
        raise Hint(f"{where} your block outputs {got}: the first convolution should carry "
                   "the stride (with 'same' padding) and both should have `filters` "
                   "channels")
    if not any(isinstance(layer, layers.Add) for layer in model.layers):
        raise Hint(f"{where} your block adds nothing: the output is ReLU(shortcut + F(x))")
    reference_in = keras.Input(shape)
    needs_projection = strides != 1 or shape[-1] != filters
    reference = keras.Model(reference_in, conv_block(reference_in, filters, strides)
                            if needs_projection else identity_block(reference_in, filters))
    params, expected = model.count_params(), reference.count_params()
    if params != expected:
        convs = sum(isinstance(layer, layers.Conv2D) for layer in model.layers)
        if needs_projection and convs < 3:
            raise Hint(f"{where} x and F(x) differ in shape, so the shortcut needs a 1x1 "
                       "convolution (with the block's stride) and batch normalization")
        if not needs_projection and convs > 2:
            raise Hint(f"{where} x and F(x) have the same shape: the shortcut should be x "
                       "itself (an identity block), without a convolution")
        raise Hint(f"{where} your block has {params:,} parameters, which is not what "
                   "conv-BN-ReLU-conv-BN plus the shortcut has: use bias-free 3x3 "
                   "convolutions, each followed by BatchNormalization")
    if (problem := _same_weights(model)) is not None:
        raise Hint(f"{where} {problem}")
    _same_weights(reference)
    if _convolutions(model) != _convolutions(reference):
        shortcut = (", and the shortcut a 1x1 convolution of x with the same stride"
                    if needs_projection else "; the shortcut is x itself")
        raise Hint(f"{where} your convolutions are not the block's: F(x) starts with a 3x3 "
                   f"convolution of x that carries the stride, then a 3x3 with stride 1{shortcut}")
    x = np.random.default_rng(7).normal(size=(2, *shape)).astype("float32")
    got, want = (np.asarray(m(x, training=False)) for m in (model, reference))
    if np.allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(want).max())):
        return
    if got.min() < 0:
        raise Hint(f"{where} your block outputs negative values (as low as {got.min():.2f}) "
                   "for an input with negative values: the final ReLU, after the Add, is "
                   "missing (a ReLU inside F(x) does not replace it)")
    raise Hint(f"{where} your block computes something else than ReLU(shortcut + F(x)) given "
               "the same weights, in inference mode: check the order conv -> "
               "BatchNormalization -> ReLU -> conv -> BatchNormalization, add the shortcut, "
               "then ReLU")


@checker(without=("course.models.cifar_plain",))
def plain_params(answer):
    """``answer(width)``: parameters of the notes' plain CIFAR-10 network at that width."""
    from course.models import cifar_plain

    cases = [128, 32, 16, 5]
    for width in cases:
        got = answer(width)
        expected = cifar_plain(width).count_params()
        if got == expected:
            continue
        where = f"for width {width} you return {got:,}"
        same = 16 * 16 * width  # what the head would see with 'same' padding
        convs = 3 * 9 * width + width + 6 * (9 * width * width + width)
        head = 128 + 128 * 128 + 128 + 128 * 10 + 10
        if got == convs + same * 128 + head:
            raise Hint(f"{where}: the convolutions are 'valid', so each takes 2 pixels off "
                       "(32 -> 30 -> ... ) before the pool; the first dense layer sees fewer "
                       "features than 16 x 16 x width")
        if got < expected:
            raise Hint(f"{where}, fewer than Keras counts: did you count the first convolution "
                       "(3 input channels), all seven, every bias, and all three dense layers?")
        raise Hint(f"{where}, more than Keras counts: trace the size through the seven "
                   "'valid' 3x3 convolutions and the 2x2 pool before the first dense layer")
    return f"right for widths {', '.join(map(str, cases))}"


@checker
def chain_gradient(answer):
    """``answer(local_grads, residual)``: d(output)/d(input) through a chain of layers."""
    cases = [([0.5] * 10, False), ([0.5] * 10, True), ([2.0, 0.1, 0.3], False),
             ([2.0, 0.1, 0.3], True), ([], False), ([-0.2, 0.4], True)]
    for grads, residual in cases:
        got = answer(grads, residual)
        expected = math.prod((1 + g) if residual else g for g in grads)
        if math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            continue
        where = f"for local gradients {grads} with residual={residual} you return {got:.6g}"
        if residual and math.isclose(got, math.prod(grads), rel_tol=1e-9, abs_tol=1e-12):
            raise Hint(f"{where}, the plain chain's value: a residual layer computes "
                       "x + F(x), so its local gradient is 1 + F'(x)")
        if not grads:
            raise Hint(f"{where}: a chain of no layers passes the gradient through unchanged")
        raise Hint(f"{where}: by the chain rule the gradients of the layers multiply")
    return f"right on {len(cases)} chains"


@functools.cache
def _shortcut_counts(depth):
    """What the shortcuts add to ``resnet_stack(depth)``, measured: (parameters, of which
    1x1 kernels, the projections' filters)."""
    from keras import layers

    from course.models import resnet_stack

    residual = resnet_stack(depth)
    extra = residual.count_params() - resnet_stack(depth, residual=False).count_params()
    projections = [layer for layer in residual.layers
                   if "shortcut" in layer.name and isinstance(layer, layers.Conv2D)]
    return (extra, sum(layer.count_params() for layer in projections),
            sum(layer.filters for layer in projections))


@checker(prediction=True)
def shortcut_params(answer):
    """``answer = (extra at depth 20, extra at depth 56)``: how many more parameters
    ``resnet_stack(depth)`` has than ``resnet_stack(depth, residual=False)``; measured."""
    depths = (20, 56)
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in answer)):
        raise Hint("assign two whole numbers, shortcut_params = (for depth 20, for depth 56); "
                   f"you assigned {answer!r}")
    for depth, got in zip(depths, answer, strict=True):
        expected, kernels, biases = _shortcut_counts(depth)
        if got == expected:
            continue
        norms = expected - kernels  # 4 numbers per channel: 2 trained, 2 moving statistics
        stage1 = 16 * 16 + 4 * 16  # a 1x1 projection on a stage-1 block, which needs none
        where = f"for depth {depth} you predict {got:,}"
        if got == 0:
            raise Hint(f"{where}: an Add has no weights, but where a block changes the shape "
                       "(more channels, stride 2) its shortcut is not x itself")
        if got == kernels:
            raise Hint(f"{where}, the 1x1 kernels alone; each projection shortcut also has "
                       "batch normalization, and count_params() counts 4 numbers per channel")
        if got == kernels + norms // 2:
            raise Hint(f"{where}: batch normalization has 4 numbers per channel, a trained "
                       "scale and shift and a moving mean and variance; count_params() counts "
                       "all four")
        if got == expected + biases:
            raise Hint(f"{where}: the shortcut's 1x1 convolution is bias-free (conv_bn); the "
                       "batch normalization after it provides the shift")
        if got == expected + stage1:
            raise Hint(f"{where}: stage 1 keeps the stem's 16 channels and 16 x 16 size, so "
                       "all its blocks are identity blocks")
        if depth != depths[0] and answer[0] != got:
            raise Hint(f"{where}, not what you predict for depth {depths[0]}: does the number "
                       "of blocks that change the shape grow with the depth?")
        raise Hint(f"{where}: the difference is the projection shortcuts, a bias-free 1x1 "
                   "convolution (channels in x channels out) and a batch normalization (4 per "
                   "channel) in each block that changes the shape; which blocks are those?")
    return f"the projection shortcuts' parameters at depths {' and '.join(map(str, depths))}"
