"""Checkers for lesson 02 (convolution arithmetic)."""

import numpy as np

from course import ops
from course.check import libraries
from course.check.core import Hint, checker, numbers, plain, whole
from course.check.frozen import frozen

# Each checker tries the edge cases a teacher would probe, then cases drawn fresh on every
# call (a table of answers cannot pass). Cases are (h, w, f, k, stride, padding).
SHAPE_EDGES = ((28, 28, 4, 64, 2, 1), (32, 32, 5, 10, 1, 2), (30, 20, 3, 8, 1, 1),
               (27, 27, 3, 4, 2, 0), (29, 17, 5, 6, 3, 1), (7, 7, 1, 3, 2, 0), (5, 9, 3, 1, 1, 0))
_TF = "tensorflow.python.ops."
# What slides a window over an input, so that the shape of what it returns (run on zeros)
# answers a size exercise (2.1, 3.2, 5.1) for the student: the course's formula, its
# correlations and poolings (through the helpers under them), Keras' shape rules, ops and
# layers, the TensorFlow kernels under tf.nn, tf.raw_ops and tf.image.extract_patches,
# tf.signal.frame (the windows of a signal), NumPy's 1-D correlations and window view,
# OpenCV's template matching and SciPy's correlations; and any TensorFlow op (a size is
# arithmetic: a checker that refuses these says so through `libraries.refusing`)
WINDOW_SHORTCUTS = (
    "course.ops.output_size", "course.ops.correlate2d", "course.ops.convolve2d",
    "course.ops.correlate1d", "course.ops.correlate3d", "course.ops.pool2d", "course.ops.pad",
    "course.ops._windows", "course.ops._axis_padding",
    "keras.layers.Conv2D.compute_output_shape", "keras.layers.MaxPooling2D.compute_output_shape",
    "keras.src.ops.operation_utils.compute_conv_output_shape",
    "keras.src.ops.operation_utils.compute_pooling_output_shape", "keras.ops.conv",
    "keras.ops.conv_transpose", "keras.ops.depthwise_conv", "keras.ops.separable_conv",
    "keras.ops.max_pool", "keras.ops.average_pool", "keras.ops.correlate",
    "keras.ops.image.extract_patches",
    *(_TF + "gen_nn_ops." + op for op in (
        "conv", "conv2d", "conv3d", "depthwise_conv2d_native", "conv2d_backprop_input",
        "max_pool", "max_pool_v2", "max_pool_with_argmax", "max_pool3d", "avg_pool",
        "avg_pool3d", "dilation2d")),
    _TF + "gen_array_ops.extract_image_patches", _TF + "gen_array_ops.extract_volume_patches",
    "tensorflow.signal.frame", "numpy.convolve", "numpy.correlate",
    "numpy.lib.stride_tricks.sliding_window_view", "cv2.matchTemplate", "scipy.signal.correlate",
    "scipy.signal.convolve", "scipy.signal.correlate2d", "scipy.signal.convolve2d",
    "scipy.signal.fftconvolve", "scipy.signal.oaconvolve", *libraries.TENSORFLOW)
SHAPE_SHORTCUTS = WINDOW_SHORTCUTS
# what a size exercise's hint says to an answer that runs TensorFlow (2.1, 3.2, 5.1)
BY_ARITHMETIC = ("work the sizes out with arithmetic, not by running an op and reading the "
                 "shape of what it returns")
# Keras counts the weights of a layer it builds (any layer: a transposed convolution or a
# dense layer on F*F*C_in inputs has as many); the course counts them, and its count of
# multiply-adds is the weights' count for a 1x1 output
PARAM_SHORTCUTS = ("course.ops.conv_params", "course.ops.conv_macs",
                   "keras.layers.Layer.count_params",
                   "keras.src.utils.summary_utils.count_params", "keras.layers.Conv2D.build",
                   "keras.layers.Conv2DTranspose.build", "keras.layers.Dense.build",
                   "keras.layers.EinsumDense.build", "keras.layers.Layer.add_weight")


def whole_size(value, what: str, case: str) -> int:
    """``value`` as an int (a NumPy int is one), or a Hint: ``core.whole``'s for a float or
    what is not a number, and one for an int too large to be a size or a count (an int of
    thousands of digits cannot even be printed)."""
    got = whole(plain(value), what, case)
    if abs(got) >= 10**15:
        raise Hint(f"for {case} you gave an int of {got.bit_length()} bits as {what}, far "
                   "larger than any here")
    return got


def _fmt(shape):
    return "x".join(str(v) for v in shape)


def _shape_cases(rng):
    cases = []
    while len(cases) < 12:
        h, w = (int(v) for v in rng.integers(1, 65, 2))
        f, k, s, p = (int(rng.integers(1, 8)), int(rng.integers(1, 129)),
                      int(rng.integers(1, 5)), int(rng.integers(0, 4)))
        if f <= min(h, w) + 2 * p:
            cases.append((h, w, f, k, s, p))
    return cases


@checker(without=SHAPE_SHORTCUTS)
def conv_output_shape(answer):
    """``answer(h, w, f, k, stride, padding)`` -> (h_out, w_out, k)."""
    answer = libraries.refusing(answer, BY_ARITHMETIC)
    cases = SHAPE_EDGES + tuple(_shape_cases(np.random.default_rng()))
    for h, w, f, k, s, p in cases:
        case = f"a {h}x{w} input, {k} filters {f}x{f}, stride {s}, padding {p}"
        got = numbers(answer(h, w, f, k, stride=s, padding=p), "(height, width, channels)")
        if len(got) != 3:
            raise Hint(f"for {case} you returned {len(got)} value(s); return three: (height, "
                       "width, channels)")
        got = tuple(whole_size(v, "a size", case) for v in got)
        expected = (ops.output_size(h, f, s, p, strict=False),
                    ops.output_size(w, f, s, p, strict=False), k)
        if got == expected:
            continue
        if got[2] != k:
            raise Hint(f"for {case} the channels are {got[2]}: the output has one channel per "
                       "filter")
        if got[:2] == (h, w) and (h, w) != expected[:2]:
            raise Hint(f"for {case} you kept the input size: a {f}x{f} kernel with padding {p} "
                       f"and stride {s} does not")
        if (h - w) and got[0] == got[1]:
            raise Hint(f"for {case} height and width came out equal: each axis has its own "
                       "size")
        span = [n - f + 2 * p for n in (h, w)]
        if s > 1 and any(x % s for x in span) and got[:2] == tuple(
                -(-x // s) + 1 for x in span):
            raise Hint(f"for {case} you rounded up: when (N - F + 2P) / S is not whole, the "
                       "last window would stick out past the padding, so it is dropped")
        hint = "check the padding (2P: both sides)" if s == 1 else "check the stride and padding"
        raise Hint(f"expected {_fmt(expected)}, got {_fmt(got)} for {case}: {hint}")
    return (f"right on {len(cases)} layers ({len(SHAPE_EDGES)} edge cases, the rest drawn at "
            "random), uneven strides and non-square inputs included")


@checker(without=PARAM_SHORTCUTS)
def conv_param_count(answer):
    """``answer(f, c_in, k, bias=True)`` -> the layer's parameter count."""
    rng = np.random.default_rng()
    fixed = ((5, 3, 1), (5, 3, 10), (3, 64, 128), (1, 192, 16), (7, 1, 3))
    cases = fixed + tuple(
        (int(rng.integers(1, 8)), int(rng.integers(2, 257)), int(rng.integers(2, 257)))
        for _ in range(8))
    for f, c_in, k in cases:
        for bias in (True, False):
            case = (f"{k} filter{'s' * (k > 1)} of {f}x{f} on {c_in} channel{'s' * (c_in > 1)} "
                    f"(bias={bias})")
            got = whole_size(answer(f, c_in, k, bias=bias), "your count", case)
            expected = ops.conv_params(f, c_in, k, bias=bias)
            if got == expected:
                continue
            b = int(bias)
            if bias and got == ops.conv_params(f, c_in, k, bias=False):
                raise Hint(f"for {case} you forgot the bias: one per filter")
            if not bias and got == ops.conv_params(f, c_in, k, bias=True):
                raise Hint(f"for {case} you counted biases although bias=False")
            if k > 1 and got == f * f * c_in + b:
                raise Hint(f"for {case} you counted the parameters of one filter; the layer "
                           f"has {k}")
            if got == (f * f + b) * k:
                raise Hint(f"for {case}: each filter has weights for every input channel")
            if bias and got == f * f * c_in * k + 1:
                raise Hint(f"for {case}: there is one bias per filter, not one per layer")
            if bias and c_in > 1 and got == (f * f + 1) * c_in * k:
                raise Hint(f"for {case}: a filter's slices share one bias, one per filter, "
                           "not one per input channel")
            if got == (f * c_in + b) * k:
                raise Hint(f"for {case}: a filter is {f}x{f}, two dimensions")
            if f > 1 and got == (c_in + b) * k:
                raise Hint(f"for {case}: each of the {f}x{f} positions of the window has "
                           "weights of its own")
            raise Hint(f"for {case} you returned {got:,}: count the weights of one filter, "
                       "then multiply by the filters")
    return (f"right for {len(cases) * 2} layers, with and without bias ({len(fixed) * 2} "
            "fixed, the rest drawn at random)")


@checker(without=("course.ops.pad", "course.ops._padding", "course.ops._axis_padding",
                  "keras.layers.ZeroPadding2D.call"))
def same_padding(answer):
    """``answer(n, f, stride)`` -> (before, after) like TensorFlow's 'same'."""
    rng = np.random.default_rng()
    edges = ((28, 3, 1), (28, 4, 1), (28, 5, 1), (28, 3, 2), (27, 4, 2), (7, 1, 1), (5, 7, 3),
             (28, 1, 2), (10, 2, 4), (1, 3, 1))  # kernels shorter than the stride: no padding
    cases = edges + tuple((int(rng.integers(1, 100)), int(rng.integers(1, 12)),
                           int(rng.integers(1, 6))) for _ in range(12))
    for n, f, s in cases:
        case = f"n={n}, f={f}, stride={s}"
        got = numbers(answer(n, f, stride=s), "(before, after)")
        if len(got) != 2:
            raise Hint(f"{case}: you returned {len(got)} value(s); return two: (before, after)")
        got = tuple(whole_size(v, "a padding", case) for v in got)
        # worked out here, after the answer has run (no function of this module answers it)
        out = -(-n // s)
        needed = max((out - 1) * s + f - n, 0)
        expected = (needed // 2, needed - needed // 2)
        if got == expected:
            continue
        total, right = sum(got), sum(expected)
        if min(got) < 0:
            raise Hint(f"{case}: you returned a negative padding {got}: when the windows "
                       "already cover the input, 'same' adds nothing")
        if got == expected[::-1]:
            raise Hint(f"{case}: the odd extra pixel goes after (bottom/right), not before")
        if total != right and s > 1 and total == max(f - 1, 0):
            raise Hint(f"{case}: you padded {total} pixels, what stride 1 needs; with stride "
                       f"{s} the window jumps {s} pixels and only {out} windows (ceil(n/stride)) "
                       "have to fit")
        if total != right and n % s and total == sum(_floor_same(n, f, s)):
            raise Hint(f"{case}: you padded for n // stride = {n // s} windows; 'same' keeps "
                       f"ceil(n / stride) = {out}, so the last one reaches into the padding")
        if total != right and total == right + s:
            raise Hint(f"{case}: your padding has room for {out + 1} windows; 'same' needs "
                       f"only ceil(n/stride) = {out}: where does the last window start?")
        if total != right:
            raise Hint(f"{case}: your padding adds {total} pixels, but 'same' adds only what "
                       f"its ceil(n/stride) = {out} windows need to fit")
        raise Hint(f"{case}: split the padding as evenly as possible")
    return (f"right for {len(cases)} cases: odd totals, strides, kernels shorter than the "
            "stride, and the rest drawn at random")


def _floor_same(n, f, s):
    """A plausible slip: the padding for n // s windows instead of ceil(n / s)."""
    total = max((n // s - 1) * s + f - n, 0)
    return total // 2, total - total // 2


# Exercise 2.4 (debug): PyTorch weight shapes (out, in, kh, kw) the port is tried on: four
# different sizes (a swapped axis changes the shape), square kernels (where w.T, swapped
# channels or a reshape keep it), all sizes equal, and a 1x1 kernel
TORCH_EDGES = ((4, 3, 2, 5), (6, 4, 3, 3), (3, 3, 3, 3), (5, 7, 1, 1))


def _torch_index(w, value):
    """Where ``value`` sits in the PyTorch weight ``w``, as "w[o, i, y, x]", or None."""
    found = np.argwhere(w == value)
    return f"w[{', '.join(str(int(v)) for v in found[0])}]" if len(found) == 1 else None


def _misplaced(got, original, expected):
    """The likely mistake behind a kernel of the right shape whose values are elsewhere."""
    if np.array_equal(got, original.reshape(expected.shape)):
        return ("your values are still in PyTorch's order in memory, only cut into new "
                "axes: a reshape regroups the flat sequence of values, it never reorders it")
    if np.array_equal(got, original.transpose(2, 3, 0, 1)):
        return ("the input and output channel axes are swapped: Keras' third axis is the "
                "input channel, its last the filter")
    if np.array_equal(got, original.T):
        return ("height and width are swapped too: each filter comes out mirrored about its "
                "diagonal (a NumPy .T reverses every axis)")
    if np.array_equal(got, expected[::-1, ::-1]):
        return ("each filter is turned by 180 degrees: PyTorch's Conv2d is a cross-correlation "
                "like Keras' Conv2D (section 5), so nothing is flipped")
    return "follow one filter's weights from PyTorch's axes to Keras'"


@checker
def torch_to_keras_kernel(answer):
    """``answer(w)``: (out, in, kh, kw) -> (kh, kw, in, out)."""
    rng = np.random.default_rng()
    sizes = rng.choice(np.arange(1, 9), 4, replace=False) + 1  # four different sizes
    square = (*(int(v) for v in rng.integers(2, 9, 2)), 3, 3)
    shapes = TORCH_EDGES + (tuple(int(v) for v in sizes), square)
    for shape in shapes:
        original = frozen(rng.standard_normal(shape).astype(np.float32))  # the checker's own
        w = original.copy()
        got = answer(w)
        if not isinstance(got, np.ndarray):
            raise Hint(f"for a weight of shape {shape} you returned {type(got).__name__}; "
                       "return a NumPy array")
        expected = original.transpose(2, 3, 1, 0)
        if not np.array_equal(w, original):
            raise Hint("your function changed the weight it was given: build a new array")
        if got.shape != expected.shape:
            reversed_ = " (every axis reversed, as .T does)" if got.shape == shape[::-1] else ""
            raise Hint(f"for a PyTorch weight {shape} (out, in, kh, kw) you returned shape "
                       f"{got.shape}{reversed_}; Keras wants (kh, kw, in, out)")
        if got.dtype != w.dtype:
            raise Hint(f"you returned {got.dtype} for a {w.dtype} weight: keep its dtype")
        if np.array_equal(got, expected):
            continue
        first = tuple(int(v) for v in np.argwhere(got != expected)[0])
        y, x, i, o = first
        held = _torch_index(original, got[first])
        held = f"holds {held}" if held else f"holds {got[first]:.3g}, none of the weights"
        raise Hint(f"for a weight of shape {shape} the shape is right, but kernel"
                   f"[{y}, {x}, {i}, {o}] should hold w[{o}, {i}, {y}, {x}] (filter {o}, input "
                   f"channel {i}, row {y}, column {x}) and {held}: "
                   f"{_misplaced(got, original, expected)}")
    return (f"weights of {len(shapes)} shapes land in place (square, 1x1 and uneven kernels), "
            "every value and the dtype kept")


# Exercise 2.5: the layer stack whose shapes and parameters the student predicts, as
# (filters, kernel, stride, padding, dilation); the lesson's cell writes it in Keras
STACK_INPUT = (32, 32, 3)
STACK = ((16, 3, 2, "same", 1), (32, 3, 1, "valid", 2), (8, 1, 1, "valid", 1),
         (24, 3, 2, "valid", 1), (10, 3, 2, "same", 1))
# Different wrong predictions that get a hint: then it only says to run the cells below (a
# hint names the first wrong layer, so without a limit a loop could find the numbers)
STACK_TRIES = 5


def _typed_whole(value, case):
    """``value`` as an int if it is a whole number written as a number (16, or 16.0), else a
    Hint: a string, a bool, 5.5 or inf is not a size or a count."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Hint(f"{case}: you gave {value!r:.20}, a {type(value).__name__}; sizes and counts "
                   "are whole numbers: write them as ints")
    if isinstance(value, float) and not (np.isfinite(value) and value.is_integer()):
        raise Hint(f"{case}: you gave {value!r}; sizes and counts are whole numbers")
    if abs(value) >= 10**15:
        raise Hint(f"{case}: you gave a number of {int(value).bit_length()} bits, far larger "
                   "than any size or count here")
    return int(value)


def _is_the_lessons(stack) -> bool:
    """Whether ``stack`` is the lesson's: five Keras Conv2D layers (that class, not one made
    from it) with ``STACK``'s settings."""
    import keras

    try:
        return (isinstance(stack, list | tuple) and len(stack) == len(STACK)
                and all(type(layer) is keras.layers.Conv2D for layer in stack)
                and [_layer_settings(layer) for layer in stack] == [
                    ("Conv2D", k, (f, f), (s, s), p, (d, d), 1, True) for k, f, s, p, d in STACK])
    except Exception:  # a layer whose config cannot be read is not the lesson's either
        return False


def _layer_settings(layer):
    config = layer.get_config()
    return (type(layer).__name__, config.get("filters"), tuple(config.get("kernel_size", ())),
            tuple(config.get("strides", ())), config.get("padding"),
            tuple(config.get("dilation_rate", ())), config.get("groups", 1),
            config.get("use_bias"))


def _describe(filters, f, s, padding, d):
    extra = "".join([f", stride {s}" if s > 1 else "", f", dilation {d}" if d > 1 else ""])
    return f"{filters} filters {f}x{f}{extra}, '{padding}'"


def _size_hint(n, f, s, padding, d, got):
    """What a wrong output size says about the student's picture of the layer, in words
    that name the mistake, not the formula (sections 2, 3 and 9 give it)."""
    span = d * (f - 1) + 1
    if padding == "same":
        if s > 1 and got == n:
            return (f"with stride {s} the window moves {s} pixels at a time: 'same' keeps the "
                    "size only with stride 1")
        if s > 1 and n % s and got == n // s:
            return (f"'same' with stride {s} rounds an odd size up: the last window reaches "
                    "into the zero padding and still counts")
        if got == (n - span) // s + 1:
            return ("'same' pads the border with zeros so that nothing is lost there: the "
                    "kernel's size does not shrink the output")
        return (f"section 3: where can a window of 'same' start, and how many starts does "
                f"stride {s} leave?")
    if d > 1 and got == (n - f) // s + 1:
        return (f"dilation {d} spreads the {f}x{f} taps apart: the kernel spans more than "
                f"{f} pixels, and that span is what has to fit")
    if s > 1 and got == n - span + 1:
        return f"stride {s}: the window moves {s} pixels at a time, not 1"
    if s > 1 and (n - span) % s and got == -(-(n - span) // s) + 1:
        return ("the windows do not fit a whole number of times here: Keras drops the last, "
                "partial window")
    if got == n and span > 1:
        return "'valid' adds no padding, so the output is smaller than the input"
    return ("sections 2 and 9: 'valid' adds no padding; how many positions does the whole "
            "window (its span, with dilation) take inside the input, at this stride?")


def _params_hint(f, c_in, k, d, got, channels_seen):
    """What a wrong parameter count says, in words that name the mistake (section 4 gives
    the count)."""
    span = d * (f - 1) + 1
    if got == f * f * c_in * k:
        return "you left out the biases: one per filter"
    if got == f * f * c_in * k + 1:
        return "there is one bias per filter, not one per layer"
    if got == (f * f + 1) * k:
        return "each filter has a weight for every input channel at every kernel position"
    if d > 1 and got == (span * span * c_in + 1) * k:
        return (f"dilation spreads the same {f}x{f} weights over a wider area; it adds no "
                "parameters")
    if any(got == (f * f * c + 1) * k for c in channels_seen if c != c_in):
        return (f"its input has {c_in} channels, the filters of the layer before it (the "
                "depth of a kernel is the channel count coming in)")
    return "section 4: what does one filter hold on this input, and how many filters are there?"


@checker(prediction=True, tries=STACK_TRIES)
def stack_shapes(answer, stack):
    """``answer``: for each layer of ``stack`` (the lesson's), the predicted (height, width,
    channels, parameters) on a 32x32x3 input; compared with what Keras builds from
    ``STACK`` (the stack passed is only checked to be the lesson's: Conv2D layers exactly,
    with its settings, so that no stack of look-alike layers changes what is expected)."""
    import keras

    if not _is_the_lessons(stack):
        raise Hint("`stack` is not the lesson's stack of five layers any more: run its cell "
                   "again as it was, then predict for that")
    form = "one tuple (height, width, channels, parameters) per layer"
    answer = plain(answer)  # NumPy ints as ints; an object with its own == is refused
    if not isinstance(answer, list | tuple) or len(answer) != len(STACK):
        raise Hint(f"give a list of {len(STACK)} tuples, {form}, in the stack's order")
    shape, channels_seen = (None, *STACK_INPUT), [STACK_INPUT[-1]]
    for i, (guess, spec) in enumerate(zip(answer, STACK, strict=True), start=1):
        k, f, s, padding, d = spec
        built = keras.layers.Conv2D(k, f, strides=s, padding=padding, dilation_rate=d)
        expected_shape = tuple(built.compute_output_shape(shape))
        built.build(shape)
        expected = (*expected_shape[1:], built.count_params())
        if isinstance(guess, np.ndarray):
            guess = guess.tolist()
        if not isinstance(guess, list | tuple):
            raise Hint(f"layer {i}: you gave a {type(guess).__name__}; give {form}")
        if len(guess) != 4:
            raise Hint(f"layer {i}: you gave {len(guess)} numbers; give four, {form}")
        guess = tuple(_typed_whole(v, f"layer {i}") for v in guess)
        if guess == expected:
            shape = (None, *expected_shape[1:])
            channels_seen.append(expected[2])
            continue
        n, c_in = shape[1], shape[3]
        where = f"layer {i} ({_describe(k, f, s, padding, d)}) on its {n}x{n}x{c_in} input"
        h, w, c, params = guess
        if (h, w) != expected[:2]:
            wrong = h if h != expected[0] else w
            raise Hint(f"{where}: you said {h}x{w}; {_size_hint(n, f, s, padding, d, wrong)}")
        if c != expected[2]:
            raise Hint(f"{where}: you said {c} channels; a convolution gives one output channel "
                       "per filter")
        raise Hint(f"{where}: you said {params:,} parameters; "
                   f"{_params_hint(f, c_in, k, d, params, channels_seen)}")
    return ("right on all five layers: 'same' with stride 2 rounds up, 'valid' rounds down, "
            "dilation widens the window but not the weights, and a 1x1 convolution only mixes "
            "channels")
