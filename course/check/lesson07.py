"""Checkers for lesson 07 (plain vs residual).

Each checker tries the edge cases a teacher would probe, then cases drawn fresh on every
call, so that a table of answers cannot pass.
"""

import functools
import math
import re
import zlib

import numpy as np

from course.check.core import Hint, StudentError, checker, whole

# The course's own blocks (and their #@save copies in the lesson) answer exercise 7.2
BLOCK_SHORTCUTS = ("course.models.identity_block", "course.models.conv_block",
                   "course.models.residual_branch", "course.models.plain_block",
                   "course.models.residual_add", "course.models.conv_bn")
# Building the network, or any layer, and letting Keras count (or counting the weights it
# creates: Layer.add_weight is every build's) answers exercise 7.1; so do the course's count
# and the checker's own
PLAIN_SHORTCUTS = ("course.models.cifar_plain", "course.ops.conv_params",
                   "course.check.lesson07._plain_count",
                   "keras.layers.Layer.count_params", "keras.layers.Layer.add_weight",
                   "keras.layers.Conv2D.build", "keras.layers.Conv2DTranspose.build",
                   "keras.layers.DepthwiseConv2D.build", "keras.layers.SeparableConv2D.build",
                   "keras.layers.Dense.build", "keras.layers.EinsumDense.build",
                   "keras.src.utils.summary_utils.count_params")
# Layers that change nothing in inference mode and act in training: not in a residual block
_TRAINING_ONLY = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                  "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization")


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


def _same_weights(model, salt, norm):
    """Weights that do not depend on the order of the layers: each Conv2D's kernel is drawn
    from a seed made of ``salt``, its shape and whether it reads the block's input directly;
    every BatchNormalization gets ``norm`` (scale, shift, moving mean and variance). Returns
    a hint for a weighted layer that is neither, else None."""
    from keras import layers

    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            shape = tuple(layer.kernel.shape)
            key = repr((salt, shape, _reads(layer, model.inputs[0])))
            rng = np.random.default_rng(zlib.crc32(key.encode()))
            layer.kernel.assign(rng.normal(0, 1 / np.sqrt(np.prod(shape[:-1])), shape))
            if layer.use_bias:
                layer.bias.assign(np.zeros(layer.bias.shape))
        elif isinstance(layer, layers.BatchNormalization):
            if layer.moving_mean.shape[0] != len(norm["moving_mean"]):
                return (f"your block has a BatchNormalization over {layer.moving_mean.shape[0]} "
                        "channels: every one in the block normalizes `filters` channels")
            for name, value in norm.items():
                if getattr(layer, name, None) is not None:
                    getattr(layer, name).assign(value)
        elif layer.weights:
            return (f"your block has a {type(layer).__name__} layer ('{layer.name}') with "
                    "weights: a residual block is made of Conv2D and BatchNormalization only")
    return None


@checker(without=BLOCK_SHORTCUTS)
def residual_block(answer):
    """``answer(x, filters, strides)``: ReLU(shortcut + F(x)), a 1x1 shortcut only if needed.

    Beyond the shape and the parameter count, the block must compute what the reference
    computes: both get the same weights (:func:`_same_weights`, drawn afresh) and run in
    inference mode on a random input.
    """
    import keras

    rng = np.random.default_rng()
    edges = [((16, 16, 32), 32, 1), ((16, 16, 32), 64, 2), ((16, 16, 16), 32, 1),
             ((15, 15, 8), 8, 2), ((9, 14, 6), 6, 3), ((7, 10, 12), 4, 1)]
    drawn = []
    for _ in range(3):
        h, w, c = (int(v) for v in rng.integers(3, 17, 3))
        filters = c if rng.random() < 0.4 else int(rng.integers(1, 17))
        drawn.append(((h, w, c), filters, int(rng.choice([1, 1, 2, 3]))))
    policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")  # compare in float32 on any machine
    try:
        for case in edges + drawn:
            _check_block(answer, *case, rng)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    return (f"right on {len(edges)} edge cases and {len(drawn)} blocks drawn at random "
            "(identity and convolution blocks, strides 1 to 3, non-square inputs): given the "
            "same weights, your block computes ReLU(shortcut + F(x))")


def _built(answer, shape, filters, strides, where):
    """The student's block on a fresh input, as a model, or a hint."""
    import keras

    inputs = keras.Input(shape)
    try:
        outputs = answer(inputs, filters, strides)
    except StudentError as raised:
        _add_refused(raised, shape, filters, strides, where)
        raise
    if isinstance(outputs, keras.Model) or not keras.backend.is_keras_tensor(outputs):
        raise Hint(f"{where} you returned {type(outputs).__name__}; return the block's output "
                   "tensor, ReLU(shortcut + F(x)), built from x with layers")
    try:
        return keras.Model(inputs, outputs)
    except ValueError:
        raise Hint(f"{where} the tensor you returned is not computed from x, the input you "
                   "were given") from None


def _shapes_in(message):
    """The shapes a Keras error message names, without the batch dimension."""
    found = re.findall(r"[\[(]((?:None, )?\d+(?:, \d+)+)[\])]", message)
    return [tuple(int(v) for v in text.split(", ") if v != "None") for text in found]


def _add_refused(raised, shape, filters, strides, where):
    """A hint when the student's block failed to add two tensors of different shapes (Keras's
    Add, or ``+`` between Keras tensors); other errors are left to the checker's contract."""
    message = raised.message
    if not isinstance(raised.error, ValueError) or not (
            "incompatible shapes" in message or "broadcast" in message):
        return
    said = " ".join(message.split())[:160]
    size = (-(-shape[0] // strides), -(-shape[1] // strides), filters)
    if tuple(shape) in _shapes_in(message):
        raise Hint(f"{where} Keras refuses your addition (\"{said}\"): with these arguments "
                   f"F(x) has shape {size} and x has shape {tuple(shape)}, so x cannot be added "
                   "to F(x) as it is. Which of section 2's two kinds of block does this call "
                   "ask for, and what is that kind's shortcut?") from None
    raise Hint(f"{where} Keras refuses your addition (\"{said}\"): the two tensors you add "
               f"must both have the block's output shape, {size}. Which of them does not, and "
               "which layer gave it its shape?") from None


def _check_block(answer, shape, filters, strides, rng):
    """One case of :func:`residual_block`: the structure first (its hints are the most
    specific), then what the block computes."""
    import keras
    from keras import layers

    from course.models import conv_block, identity_block

    where = f"for an input of shape {shape}, filters={filters}, strides={strides}"
    model = _built(answer, shape, filters, strides, where)
    size = (-(-shape[0] // strides), -(-shape[1] // strides), filters)
    got = tuple(model.output_shape[1:])
    if got != size and filters == 1 and got == (*size[:2], shape[-1]):
        raise Hint(f"{where} your block outputs {got}, with x's {shape[-1]} channels: F(x) has "
                   "1 channel here, and adding it to x broadcast it across x's channels "
                   "instead of failing. What must the shortcut be when the shapes differ?")
    if got != size:
        raise Hint(f"{where} your block outputs {got}: the first convolution should carry "
                   "the stride (with 'same' padding) and both should have `filters` "
                   "channels")
    if not any(type(operation).__name__ == "Add"  # the layer, or `+` between Keras tensors
               for operation in model.operations):
        raise Hint(f"{where} your block adds nothing: the output is ReLU(shortcut + F(x))")
    reference_in = keras.Input(shape)
    needs_projection = strides != 1 or shape[-1] != filters
    reference = keras.Model(reference_in, conv_block(reference_in, filters, strides)
                            if needs_projection else identity_block(reference_in, filters))
    params, expected = model.count_params(), reference.count_params()
    if params != expected:
        convs = sum(isinstance(layer, layers.Conv2D) for layer in model.layers)
        if needs_projection and convs < 3:
            raise Hint(f"{where} x and F(x) differ in shape, and your shortcut has no "
                       "convolution: a convolution block's shortcut has weights of its own "
                       "(section 2 says which)")
        if not needs_projection and convs > 2:
            raise Hint(f"{where} x and F(x) have the same shape: the shortcut should be x "
                       "itself (an identity block), without a convolution")
        raise Hint(f"{where} your block has {params:,} parameters, which is not what "
                   "conv-BN-ReLU-conv-BN plus the shortcut has: use bias-free convolutions "
                   "(3x3 in F(x), 1x1 in a shortcut), each followed by BatchNormalization")
    salt = int(rng.integers(2**31))
    channel = np.arange(filters)
    norm = {"gamma": rng.uniform(0.6, 1.4, filters), "beta": rng.uniform(-0.3, 0.3, filters),
            "moving_mean": 0.05 * (channel % 4 - 1.5) + rng.uniform(-0.1, 0.1, filters),
            "moving_variance": rng.uniform(0.4, 1.2, filters)}
    if (problem := _same_weights(model, salt, norm)) is not None:
        raise Hint(f"{where} {problem}")
    _same_weights(reference, salt, norm)
    if _convolutions(model) != _convolutions(reference):
        shortcut = (", and the shortcut a 1x1 convolution of x with the same stride"
                    if needs_projection else "; the shortcut is x itself")
        raise Hint(f"{where} your convolutions are not the block's: F(x) starts with a 3x3 "
                   f"convolution of x that carries the stride, then a 3x3 with stride 1{shortcut}")
    extra = next((layer for layer in model.layers
                  if type(layer).__name__ in _TRAINING_ONLY), None)
    if extra is not None:
        raise Hint(f"{where} your block has a {type(extra).__name__} layer ('{extra.name}'), "
                   "which changes nothing at inference and acts in training: the block is "
                   "the convolutions, the batch normalizations, the shortcut and the ReLUs, "
                   "nothing else")
    # a batch of any size: a layer that looks at the batch size shows on one it did not expect
    x = rng.normal(size=(int(rng.integers(1, 9)), *shape)).astype("float32")
    got, want = (np.asarray(m(x, training=False)) for m in (model, reference))
    if np.allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(want).max())):
        # in training mode too (batch statistics): noise or dropout of any kind shows there
        trained, reference_trained = (np.asarray(m(x, training=True))
                                      for m in (model, reference))
        if np.allclose(trained, reference_trained, rtol=1e-3,
                       atol=1e-3 * max(1.0, np.abs(reference_trained).max())):
            return
        raise Hint(f"{where} your block computes ReLU(shortcut + F(x)) in inference mode, but "
                   "something else in training mode (model(x, training=True)): a layer of "
                   "yours adds noise or drops values while it trains, which the block does not")
    tolerance = 1e-4 * max(1.0, np.abs(x).max())
    if got.min() < 0:
        if not needs_projection and np.all(got >= x - tolerance):
            raise Hint(f"{where} your block outputs negative values (as low as "
                       f"{got.min():.2f}), which ReLU(shortcut + F(x)) never does, and never "
                       "outputs less than its input: each output is x plus something that is "
                       "never negative. Which tensor does your block's last ReLU act on?")
        raise Hint(f"{where} your block outputs negative values (as low as {got.min():.2f}) "
                   "for an input with negative values, which ReLU(shortcut + F(x)) never "
                   "does: what is the last thing your block computes?")
    if not needs_projection and np.all(got >= np.maximum(x, 0) - tolerance):
        raise Hint(f"{where} your block never outputs less than ReLU(x), as if F(x) could "
                   "not be negative; in ResNet's block F(x) ends with batch normalization, "
                   "which has either sign. Which ReLUs does your block apply, and to what?")
    raise Hint(f"{where} your block computes something else than ReLU(shortcut + F(x)) given "
               "the same weights, in inference mode: check the order conv -> "
               "BatchNormalization -> ReLU -> conv -> BatchNormalization, add the shortcut, "
               "then ReLU")


def _plain_count(width, side=9, first=3, convs=7, dense=(128, 128, 10), bias=1):
    """The plain network's parameters, and those of its usual miscounts (watched: it answers
    exercise 7.1)."""
    weights = (9 * first + bias) * width + (convs - 1) * (9 * width + bias) * width
    sizes = (side * side * width, *dense)
    return weights + sum((a + bias) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


@checker(without=PLAIN_SHORTCUTS)
def plain_params(answer):
    """``answer(width)``: parameters of the notes' plain CIFAR-10 network at that width
    (seven valid 3x3 convolutions of ``width`` channels on 32x32x3, a 2x2 max-pool, dense
    128-128-10), counted here layer by layer."""
    rng = np.random.default_rng()
    edges = [128, 1, 2, 3, 5, 16, 32, 64]
    cases = (*edges, *(int(v) for v in rng.integers(4, 300, 6)))
    counts = tuple(_plain_count(width) for width in cases)  # worked out before the answer runs
    for width, expected in zip(cases, counts, strict=True):
        got = whole(answer(width), "the parameter count", f"width {width}")
        if got == expected:
            continue
        where = f"for width {width} you return {got:,}"
        miscount = functools.partial(_plain_count, width)  # the usual miscounts
        mistakes = [
            (miscount(side=16), "the convolutions are 'valid', so each takes 2 pixels off (one "
                                "on each side) before the pool; the first dense layer sees "
                                "fewer features than 16 x 16 x width"),
            (miscount(side=18), "the 2x2 max-pool halves the height and the width before "
                                "Flatten"),
            (miscount(side=(32 - 7) // 2), "a valid 3x3 convolution takes a pixel off each "
                                           "side, two per convolution"),
            (miscount(bias=0), "every Conv2D and Dense layer has a bias for each of its filters "
                               "or units"),
            (miscount(first=width), "the first convolution reads the image's 3 channels, not "
                                    "`width`"),
            (miscount(convs=6), "the network has seven convolutions"),
            (miscount(dense=(128, 10)), "there are three dense layers, 128, 128 and 10 units"),
            (miscount(dense=(128, 128)), "there are three dense layers, 128, 128 and 10 units"),
        ]
        for value, hint in mistakes:
            if got == value:
                raise Hint(f"{where}: {hint}")
        if got < expected:
            raise Hint(f"{where}, fewer than Keras counts: did you count the first convolution "
                       "(3 input channels), all seven, every bias, and all three dense layers?")
        raise Hint(f"{where}, more than Keras counts: trace the size through the seven "
                   "'valid' 3x3 convolutions and the 2x2 pool before the first dense layer")
    return (f"right for {len(cases)} widths ({len(edges)} chosen, width 1 among them, and "
            f"{len(cases) - len(edges)} drawn at random)")


def _real(value, case):
    """A student's returned gradient as a float, or a hint naming what came instead."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, np.floating | np.integer):  # np.longdouble too: its value, a float
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = (f"an array of shape {value.shape}" if isinstance(value, np.ndarray)
                 else f"a {type(value).__name__}")
        raise Hint(f"for {case} you returned {shown}; return one number, the gradient "
                   "d(output)/d(input)")
    try:
        value = float(value)
    except OverflowError:  # an int past float64's range, 10**400
        raise Hint(f"for {case} you returned a number too large for a float (over 1e308); "
                   "return the gradient d(output)/d(input)") from None
    if math.isnan(value):
        raise Hint(f"for {case} you returned nan; return the gradient, a number")
    return value


def _chain_cases(rng):
    """Chains a teacher would try, then chains drawn at random, half of them short, half
    long (60 to 1,000 layers, with factors near 1 but never 1, so that the gradient stays a
    float32's size and each layer counts): (local_grads, residual)."""
    edges = [([], False), ([], True), ([0.5] * 10, False), ([0.5] * 10, True),
             ([2.0, 0.1, 0.3], False), ([2.0, 0.1, 0.3], True), ([0.0, 0.7], False),
             ([0.0, 0.7], True), ([-1.0, 0.3], True), ([-0.2, 0.4], True),
             ([-0.5] * 55, False), ([-0.5] * 56, True), ([1.02, -0.97] * 150, False),
             ([3.0], False)]
    drawn = []
    for i in range(10):
        if i % 2:  # a short chain as a list, a tuple or an array; arrays both ways (1, 7)
            grads = rng.uniform(-1.5, 1.5, int(rng.integers(1, 60))).round(4)
            # no factor 1 + g within 1% of 0: in float32 it would lose the digits that count
            grads[np.abs(1 + grads) < 0.01] -= 0.02
        else:  # a long chain: |factor| 1% to 10% away from 1
            length = int(np.exp(rng.uniform(np.log(60), np.log(1000))))
            away = rng.uniform(0.01, 0.1, length) * rng.choice([-1, 1], length)
            residual = bool(rng.random() < 0.5)
            factors = (away if residual else rng.choice([-1, 1], length) * (1 + away))
            drawn.append((factors.round(4).tolist(), residual))
            continue
        form = {1: "array", 7: "array"}.get(i, rng.choice(["list", "array", "tuple"]))
        grads = (grads if form == "array" else tuple(grads.tolist()) if form == "tuple"
                 else grads.tolist())
        drawn.append((grads, {1: True, 7: False}.get(i, bool(rng.random() < 0.5))))
    return edges, drawn


# float32 rounds each of a thousand factors by 6e-8 at most
_CHAIN_TOLERANCE = 1e-4


@checker
def chain_gradient(answer):
    """``answer(local_grads, residual)``: d(output)/d(input) through a chain of layers."""
    edges, drawn = _chain_cases(np.random.default_rng())
    for grads, residual in tuple(edges + drawn):
        values = tuple(float(g) for g in grads)  # the checker's own, which nothing can change
        expected = math.prod((1 + g) if residual else g for g in values)  # before the answer
        shown = f"[{', '.join(f'{g:g}' for g in values[:4])}{', ...' if len(values) > 4 else ''}]"
        case = f"local gradients {shown} ({len(values)} layers) with residual={residual}"
        given = (np.array(values) if isinstance(grads, np.ndarray) else list(values)
                 if isinstance(grads, list) else values)
        got = _real(answer(given, residual), case)
        if not np.array_equal(np.asarray(given, dtype=float), np.asarray(values)):
            raise Hint("your function changed the list of local gradients it was given; "
                       "read it without changing it")
        if math.isclose(got, expected, rel_tol=_CHAIN_TOLERANCE, abs_tol=1e-300):
            continue  # a product in float32 is right too: every wrong one is 1% off or more
        _chain_hint(got, values, residual, f"for {case} you return {got:.6g}")
    return (f"right on {len(edges)} edge cases (no layers, zero and negative derivatives, 56 "
            f"layers) and {len(drawn)} chains drawn at random")


def _chain_hint(got, values, residual, where):
    """The hint for a wrong chain gradient."""
    def near(value):
        return math.isclose(got, value, rel_tol=_CHAIN_TOLERANCE, abs_tol=1e-300)

    plain, with_identity = math.prod(values), math.prod(1 + g for g in values)
    expected = with_identity if residual else plain
    if not values:
        raise Hint(f"{where}: with no layers between them, how much does the output move "
                   "when the input moves by 1?")
    if expected < 0 and near(-expected):
        raise Hint(f"{where}: the sign is lost; a negative local derivative flips the sign "
                   "of the gradient, keep it")
    if residual and near(plain):
        raise Hint(f"{where}, the plain chain's value: a residual layer computes F(x) + x; "
                   "what is the derivative of that sum?")
    if not residual and near(with_identity):
        raise Hint(f"{where}: with residual=False each layer is F alone, there is no "
                   "identity path")
    if residual and near(1 + plain):
        raise Hint(f"{where}: the identity path is part of every residual layer, not added "
                   "once to the whole chain")
    if near(sum(values)) or (residual and near(sum(1 + g for g in values))):
        raise Hint(f"{where}: you added the local derivatives; by the chain rule they "
                   "multiply")
    raise Hint(f"{where}: by the chain rule the local derivatives of the layers multiply, one "
               "factor per layer")


@checker(prediction=True)
def shortcut_params(answer):
    """``answer = (extra at depth 20, extra at depth 56)``: how many more parameters
    ``resnet_stack(depth)`` has than ``resnet_stack(depth, residual=False)``; measured."""
    from keras import layers

    from course.models import resnet_stack

    depths = (20, 56)
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in answer)):
        raise Hint("assign two whole numbers, shortcut_params = (for depth 20, for depth 56); "
                   f"you assigned {answer!r:.60}")
    answer = tuple(int(v) for v in answer)  # plain ints: an int's own __eq__ is not asked
    expected, mistakes = {}, {}
    for depth in depths:
        residual = resnet_stack(depth)
        extra = residual.count_params() - resnet_stack(depth, residual=False).count_params()
        projections = [layer for layer in residual.layers
                       if "shortcut" in layer.name and isinstance(layer, layers.Conv2D)]
        kernels = sum(layer.count_params() for layer in projections)
        biases = sum(layer.filters for layer in projections)
        norms = extra - kernels  # 4 numbers per channel: 2 trained, 2 moving statistics
        stage1 = 16 * 16 + 4 * 16  # a 1x1 projection on a stage-1 block, which needs none
        expected[depth] = extra
        mistakes[depth] = [
            (0, "an Add has no weights, but where a block changes the shape (more channels, "
                "stride 2) its shortcut is not x itself"),
            (kernels, "the 1x1 kernels alone; each projection shortcut also has batch "
                      "normalization, and count_params() counts its numbers too"),
            (kernels + norms // 2, "batch normalization holds a trained scale and shift and "
                                   "a moving mean and variance; count_params() counts all of "
                                   "them"),
            (extra + biases, "the shortcut's 1x1 convolution is bias-free (conv_bn); the "
                             "batch normalization after it provides the shift"),
            (extra + stage1, "stage 1 keeps the stem's 16 channels and 16 x 16 size, so "
                             "all its blocks are identity blocks"),
        ]
    if answer == tuple(expected[depth] for depth in depths):
        return f"the projection shortcuts' parameters at depths {' and '.join(map(str, depths))}"
    # a recognised mistake in either number is named, whatever the other is; else the pair is
    # wrong: no hint tells which of the two numbers is right (a loop would find them one by one)
    for depth, got in zip(depths, answer, strict=True):
        for value, hint in mistakes[depth]:
            if got == value and got != expected[depth]:
                raise Hint(f"for depth {depth} you predict {got:,}: {hint}")
    shown = str(answer) if len(str(answer)) < 40 else "your pair"
    raise Hint(f"{shown} is not what the shortcuts hold. At each depth, list the blocks of "
               "resnet_stack(depth) whose output shape differs from their input's (more "
               "channels, or stride 2): only their shortcuts have layers with weights. What "
               "does count_params() count in those layers?")
