"""Checkers for lesson 07 (plain vs residual)."""

import math

from course.check.core import Hint, checker


@checker(without=(
    "course.models.identity_block",
    "course.models.conv_block",
    "course.models.residual_branch",
    "course.models.residual_add",
))
def residual_block(answer):
    """``answer(x, filters, strides)``: ReLU(shortcut + F(x)), a 1x1 shortcut only if needed."""
    import keras
    from keras import layers

    from course.models import conv_block, identity_block

    cases = [((16, 16, 32), 32, 1), ((16, 16, 32), 64, 2), ((16, 16, 16), 32, 1),
             ((15, 15, 8), 8, 2)]
    for shape, filters, strides in cases:
        where = f"for an input of shape {shape}, filters={filters}, strides={strides}"
        inputs = keras.Input(shape)
        model = keras.Model(inputs, answer(inputs, filters, strides))
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
        reference = (conv_block(reference_in, filters, strides) if needs_projection
                     else identity_block(reference_in, filters))
        expected = keras.Model(reference_in, reference).count_params()
        params = model.count_params()
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
    return f"right on {len(cases)} inputs: identity blocks and convolution blocks"


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
