"""Checkers for lesson 04 (backpropagation through convolution and pooling)."""

import numpy as np

from course.check import libraries
from course.check.core import Hint, checker
from course.check.frozen import frozen
from course.check.lesson01 import CORRELATE_SHORTCUTS

# Each checker tries the edge cases a teacher would probe, then cases drawn fresh on every
# call (a table of answers cannot pass); the answer gets copies of the checker's read-only
# arrays, from which the checker works out the right gradient once it has run. The names
# below compute a gradient for the student: the course's backward passes and finite
# differences, TensorFlow's automatic differentiation (the tape, which the lesson's
# `tape_gradients` uses, tf.gradients in a tf.function, forward mode, the gradient checker,
# and the routines under them all) and the kernels it runs, Keras' transposed convolution,
# SciPy's full convolutions.
_TF = "tensorflow.python.ops.gen_nn_ops."
AUTODIFF = ("tensorflow.GradientTape.gradient", "tensorflow.GradientTape.jacobian",
            "tensorflow.GradientTape.batch_jacobian", "tensorflow.gradients",
            "tensorflow.hessians", "tensorflow.python.ops.gradients_impl.gradients",
            "tensorflow.python.ops.gradients_util._GradientsHelper",
            "tensorflow.python.eager.imperative_grad.imperative_grad",
            "tensorflow.python.eager.forwardprop.ForwardAccumulator.jvp",
            "tensorflow.python.eager.backprop.gradients_function",
            "tensorflow.python.eager.backprop.value_and_gradients_function",
            "tensorflow.python.ops.gradient_checker_v2.compute_gradient",
            "course.gradcheck.numerical_gradient")
CONV_BACKWARD = AUTODIFF + (
    "course.ops.correlate2d_backward", "course.ops._conv_grad_input",
    "course.ops._conv_grad_kernel", _TF + "conv2d_backprop_input", _TF + "conv2d_backprop_filter",
    "keras.ops.conv_transpose")
FULL_CONVOLUTIONS = ("scipy.signal.convolve2d", "scipy.signal.convolve",
                     "scipy.signal.fftconvolve", "scipy.signal.oaconvolve",
                     "scipy.signal.correlate2d", "scipy.signal.correlate")  # flipped kernel
# 4.6 asks for NumPy and ops.correlate2d: ops.convolve2d would turn the kernel for the
# student (and 4.2's statement allows "a function of ops" that the sum turns into), and
# another library's correlation (keras.ops.conv, cv2.filter2D, tf.nn.conv2d) is not it
TURNS_THE_KERNEL = ("course.ops.convolve2d",)
NOT_OPS_CORRELATE = tuple(name for name in CORRELATE_SHORTCUTS if name not in (
    "course.ops.correlate2d", "course.ops._correlate_core"))  # what ops.correlate2d runs
NUMPY_ONLY = libraries.TENSORFLOW  # 4.3 and 4.6: every TensorFlow op, keras.ops' included
POOL_BACKWARD = AUTODIFF + ("course.ops.pool2d_backward",)
# TensorFlow's gradient kernels, of 2-D and 3-D pooling and of fractional pooling (which
# takes the windows' edges as arguments, so it can pool in plain windows too)
MAX_POOL_BACKWARD = POOL_BACKWARD + (
    _TF + "max_pool_grad", _TF + "max_pool_grad_v2", _TF + "max_pool_grad_with_argmax",
    _TF + "max_pool_with_argmax", _TF + "max_pool3d_grad", _TF + "fractional_max_pool_grad")
AVG_POOL_BACKWARD = POOL_BACKWARD + (_TF + "avg_pool_grad", _TF + "avg_pool3d_grad",
                                     _TF + "fractional_avg_pool_grad")


def _array(got, case, what):
    """``got`` if it is a NumPy array of numbers, else a Hint naming what came instead."""
    if not isinstance(got, np.ndarray):
        raise Hint(f"{case} you returned {type(got).__name__}; return {what} as a NumPy array")
    if got.dtype.kind not in "iuf":
        raise Hint(f"{case} you returned an array of {got.dtype}; return an array of numbers")
    return got


def _untouched(originals, given):
    """A Hint when the answer changed one of the arrays it was given (``originals`` and
    ``given``: (name, array) pairs)."""
    for (name, before), (_, after) in zip(originals, given, strict=True):
        if not np.array_equal(before, after, equal_nan=True):
            raise Hint(f"your function changed the {name} it was given: leave it as it is and "
                       "build a new array for the gradient")


def _first_difference(got, expected):
    """Index of the first entry where ``got`` and ``expected`` differ, as a tuple of ints."""
    return tuple(int(i) for i in np.argwhere(~np.isclose(got, expected))[0])


def _shape(shape):
    return "x".join(str(v) for v in shape)


def _call(answer, arrays, *rest):
    """``answer`` on copies of ``arrays`` (a dict of the checker's read-only arrays) and
    ``rest``, then a Hint if it changed one of its copies."""
    originals = tuple(arrays.items())
    given = tuple((name, a.copy()) for name, a in originals)
    got = answer(*(a for _, a in given), *rest)
    _untouched(originals, given)
    return got


# ---------------------------------------------------------------- 4.1


@checker(without=CONV_BACKWARD)
def kernel_gradient(answer):
    """``answer(x, g)``: dL/dk for ``y = correlate2d(x, k)`` (valid) and ``g = dL/dy``, derived
    from the sums that define y and L (the lesson shows the answer after the checker)."""
    from numpy.lib.stride_tricks import sliding_window_view

    from course import ops

    rng = np.random.default_rng()
    edges = [((3, 3), (3, 4)), ((2, 3), (3, 3)), ((6, 3), (1, 1)), ((1, 1), (3, 3)),
             ((1, 7), (4, 1)), ((6, 2), (2, 4))]  # (kernel, g): x is their sum less one
    drawn = [(tuple(int(v) for v in rng.integers(1, 6, 2)), tuple(int(v) for v in
                                                                   rng.integers(1, 7, 2)))
             for _ in range(8)]
    for taps, out in tuple(edges + drawn):
        x = frozen(rng.standard_normal((taps[0] + out[0] - 1, taps[1] + out[1] - 1)))
        g = frozen(rng.standard_normal(out))
        where = f"with x {_shape(x.shape)} and g {_shape(g.shape)}"
        got = _array(_call(answer, {"x": x, "g": g}), f"{where},", "dL/dk")
        expected = np.einsum("mnab,mn->ab", sliding_window_view(x, taps), g)
        if got.shape != expected.shape:
            raise Hint(f"{where}, you returned shape {got.shape}: "
                       f"{_kernel_shape_hint(x.shape, g.shape, taps, got.shape)}")
        if np.allclose(got, expected):
            continue
        mistakes = [
            (expected[::-1, ::-1], "your dL/dk is the right one turned by 180 degrees: a flip "
             "crept in. In the forward pass, tap k[0, 0] met the top-left pixel of every window"),
            (ops.convolve2d(x, g), "you convolved, and a convolution turns g by 180 degrees "
             "before it slides; in the forward pass nothing was turned"),
            (expected[::-1], "your dL/dk is the right one upside down"),
            (expected[:, ::-1], "your dL/dk is the right one mirrored left to right"),
            (ops.correlate2d(x, g[::-1]), "you turned g upside down; in the forward pass "
             "nothing was turned"),
            (ops.correlate2d(x, g[:, ::-1]), "you mirrored g left to right; in the forward pass "
             "nothing was turned"),
            (expected / g.size, "you averaged over the output positions; the kernel is used at "
             "every position, and each use adds its own share to dL/dk"),
            (ops.correlate2d(x, np.ones_like(g)), "you added up the pixels each tap multiplied, "
             "as if every output counted the same in L; output (m, n) counts with weight "
             "g[m, n]"),
        ]
        for wrong, hint in mistakes:
            if got.shape == wrong.shape and np.allclose(got, wrong):
                raise Hint(f"{where}, {hint}")
        a, b = _first_difference(got, expected)
        raise Hint(f"{where}, dL/dk[{a}, {b}] is {got[a, b]:.4f}, the first entry that is wrong: "
                   f"which pixel of x did tap k[{a}, {b}] multiply in each window, and which "
                   "entry of g does that window's output pass back?")
    return (f"right for {len(edges) + len(drawn)} layers ({len(edges)} edge cases, the rest "
            "drawn at random): non-square kernels, a 1x1 kernel and a 1x1 output among them")


def _kernel_shape_hint(x_shape, g_shape, taps, got):
    if got == x_shape:
        return "that is the shape of x; dL/dk has the kernel's shape"
    if got == g_shape:
        return "that is the shape of g; dL/dk has the kernel's shape"
    if got == taps[::-1]:
        return "height and width are swapped"
    return (f"dL/dk has the kernel's shape, and the kernel that turns a {_shape(x_shape)} input "
            f"into a {_shape(g_shape)} output is {_shape(taps)}")


# ---------------------------------------------------------------- 4.2


@checker(without=CONV_BACKWARD + FULL_CONVOLUTIONS)
def input_gradient(answer):
    """``answer(k, g)``: dL/dx for ``y = correlate2d(x, k)`` (valid) and ``g = dL/dy``."""
    from course import ops

    def dx(k, g, stride, x_shape):  # dL/dx by the course's reference
        return ops.correlate2d_backward(np.zeros(x_shape), k, g, stride=stride)[0]

    rng = np.random.default_rng()
    edges = [((3, 3), (4, 5)), ((2, 3), (3, 3)), ((1, 1), (3, 4)), ((3, 2), (1, 1)),
             ((2, 4), (5, 1)), ((4, 4), (2, 2))]  # (kernel, g)
    drawn = [(tuple(int(v) for v in rng.integers(1, 6, 2)), tuple(int(v) for v in
                                                                   rng.integers(1, 7, 2)))
             for _ in range(8)]
    for taps, out in tuple(edges + drawn):
        k, g = frozen(rng.standard_normal(taps)), frozen(rng.standard_normal(out))
        x_shape = (taps[0] + out[0] - 1, taps[1] + out[1] - 1)
        where = f"with k {_shape(taps)} and g {_shape(out)}"
        got = _array(_call(answer, {"k": k, "g": g}), f"{where},", "dL/dx")
        expected = dx(k, g, 1, x_shape)
        if got.shape != x_shape:
            smaller = got.shape in ((out[0] - taps[0] + 1, out[1] - taps[1] + 1), out)
            raise Hint(f"{where}, you returned shape {got.shape}; dL/dx has the shape of x, "
                       f"{x_shape}" + (": every pixel of x gets a gradient, also the border "
                                       "ones that fewer windows read, and the statement asks "
                                       "for a *full* convolution" if smaller else ""))
        if np.allclose(got, expected):
            continue
        mistakes = [
            (dx(k[::-1, ::-1], g, 1, x_shape), "you correlated the padded g with k as it "
             "is, but the input gradient is a convolution, and a convolution is not a "
             "correlation: compare which g each tap of k meets"),
            (dx(k[:, ::-1], g, 1, x_shape), "you flipped the kernel along one axis only, "
             "its rows (upside down)"),
            (dx(k[::-1], g, 1, x_shape), "you flipped the kernel along one axis only, its "
             "columns (left to right)"),
        ]
        for wrong, hint in mistakes:
            if np.allclose(got, wrong):
                raise Hint(f"{where}, {hint}")
        p, q = _first_difference(got, expected)
        corner = p in (0, x_shape[0] - 1) and q in (0, x_shape[1] - 1)
        raise Hint(f"{where}, dL/dx[{p}, {q}] is {got[p, q]:.4f}, the first entry that is wrong" +
                   (": a corner pixel of x is read by one window only, through one tap" if corner
                    else ": which windows read x[{p}, {q}], and through which taps?"))
    return (f"right for {len(edges) + len(drawn)} layers ({len(edges)} edge cases, the rest "
            "drawn at random): non-square kernels, a 1x1 kernel and a 1x1 output among them")


# ---------------------------------------------------------------- 4.3


# 4.3 asks for NumPy (loops are fine): the course's backward pass, automatic and numerical
# differentiation, every TensorFlow op (keras.ops' included), SciPy's convolutions and
# ops.convolve2d (which turns the kernel for the student, as 4.6 refuses it) are refused;
# ops.correlate2d, a forward pass, is allowed, as in 4.1
CONV_LAYER_BACKWARD = CONV_BACKWARD + FULL_CONVOLUTIONS + TURNS_THE_KERNEL + (
    "scipy.ndimage.correlate", "scipy.ndimage.convolve") + NUMPY_ONLY
EXACT = 1e-10  # float64 sums of products agree to ~1e-15 of the largest gradient; an estimate
NEAR = 1e-4  # (finite differences) or float32 arithmetic lands between EXACT and NEAR


@checker(without=CONV_LAYER_BACKWARD)
def conv_backward(answer):
    """``answer(dout, x, w, stride)``: ``(dx, dw, db)`` of the layer
    ``y[n, i, j, o] = sum_{a, b, c} x[n, s*i + a, s*j + b, c] w[a, b, c, o] + b[o]`` (valid),
    given ``dout = dL/dy``; x (N, H, W, C), w (F, F, C, K), dout (N, H', W', K)."""
    answer = libraries.refusing(answer, "the exercise asks for NumPy (loops are fine)")
    from course import ops

    def grads(x, w, dout, stride):  # the course's reference, worked out after the answer ran
        dx, dw = ops.correlate2d_backward(x, w, dout, stride=stride)
        return dx, dw, dout.sum(axis=(0, 1, 2))

    rng = np.random.default_rng()
    edges = [(2, 5, 5, 3, 3, 2, 1),  # (N, H, W, C, F, K, stride): windows overlap everywhere
             (2, 7, 7, 2, 3, 3, 2),  # overlap on every other row and column
             (3, 8, 8, 1, 3, 2, 2),  # the last row and column lie beyond the last window
             (2, 6, 5, 2, 2, 1, 2),  # the windows tile x: no overlap
             (2, 5, 6, 3, 1, 4, 2),  # a 1x1 kernel shorter than the stride: pixels never read
             (4, 3, 3, 2, 3, 2, 1),  # a 1x1 output
             (2, 6, 6, 1, 3, 1, 1)]  # one channel, one filter
    drawn = []
    for _ in range(8):
        n, c, k, f, stride = (int(v) for v in rng.integers([2, 1, 1, 1, 1], [5, 5, 5, 5, 3]))
        h, w = ((int(o) - 1) * stride + f + int(e) for o, e in zip(
            rng.integers(1, 5, 2), rng.integers(0, stride, 2), strict=True))
        drawn.append((n, h, w, c, f, k, stride))
    for n, h, wd, c, f, k, stride in tuple(edges + drawn):
        out = ((h - f) // stride + 1, (wd - f) // stride + 1)
        x = frozen(rng.standard_normal((n, h, wd, c)))
        w = frozen(rng.standard_normal((f, f, c, k)))
        dout = frozen(rng.standard_normal((n, *out, k)))
        where = (f"for x {_shape(x.shape)}, w {_shape(w.shape)}, stride {stride} (dout "
                 f"{_shape(dout.shape)})")
        got = _call(answer, {"dout": dout, "x": x, "w": w}, stride)
        got = _three(got, where)
        _conv_shapes(got, x, w, dout, stride, where)
        _finite(got, where)
        expected = grads(x, w, dout, stride)
        errors = [_relative(g, e) for g, e in zip(got, expected, strict=True)]
        if max(errors) <= EXACT:
            continue
        if max(errors) <= NEAR:
            raise Hint(f"{where}, your gradients are close but not exact: a relative error of "
                       f"{max(errors):.0e}, where float64 arithmetic gives about 1e-15 (a "
                       "backward pass is sums of products, not an estimate). Do you compute in "
                       "float32, or estimate by finite differences?")
        name = ("dx", "dw", "db")[next(i for i, e in enumerate(errors) if e > EXACT)]
        mistakes = _conv_mistakes(name, grads, x, w, dout, stride, expected)
        mine = got[("dx", "dw", "db").index(name)]
        for wrong, hint in mistakes:
            if _relative(mine, wrong) <= NEAR:
                raise Hint(f"{where}, {hint}")
        if name == "dx":
            hint = _overlap_hint(mine, expected[0], f, stride, out)
            if hint:
                raise Hint(f"{where}, {hint}")
        raise Hint(f"{where}, {_conv_entry_hint(name, mine, expected, stride)}")
    return (f"dx, dw and db right to float64 precision for {len(edges) + len(drawn)} layers "
            f"({len(edges)} edge cases: strides 1 and 2, overlapping windows, pixels no window "
            "reads, a 1x1 kernel and a 1x1 output; the rest drawn at random), every one with a "
            "batch and several channels or filters")


def _finite(got, where):
    """A Hint when one of ``got`` = (dx, dw, db) holds NaN or an infinity: the gradient of a
    layer of finite numbers is finite, so such an entry is never right (and NaN compares
    with nothing, so a comparison alone would miss it)."""
    for name, g in zip(("dx", "dw", "db"), got, strict=True):
        bad = ~np.isfinite(g)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            index = ", ".join(map(str, first)) if first else ""
            count = int(bad.sum())
            value = "NaN" if np.isnan(g[first]) else "an infinity"
            raise Hint(f"{where}, your {name} has {value} at [{index}]"
                       + (f" (and {count - 1} more entries that are not finite numbers)"
                          if count > 1 else "")
                       + ": with finite x, w and dout every gradient is a finite sum of "
                       "products. Look for a division by zero, or an entry read before it "
                       "was set (np.empty)")


def _relative(got, expected):
    """``max|got - expected|`` over the largest entry of ``expected`` (or 1, if smaller);
    infinite where ``got`` holds NaN or an infinity (NaN compares with nothing)."""
    scale = max(float(np.abs(expected).max(initial=0)), 1.0)
    error = float(np.abs(np.asarray(got, float) - expected).max(initial=0)) / scale
    return error if np.isfinite(error) and np.isfinite(got).all() else float("inf")


def _three(got, where):
    """``got`` as three arrays, or a Hint saying what came instead."""
    if not isinstance(got, tuple | list):
        shown = (f"an array of shape {got.shape}" if isinstance(got, np.ndarray) else
                 type(got).__name__)
        raise Hint(f"{where}, you returned {shown}; return three arrays, (dx, dw, db)")
    if len(got) != 3:
        raise Hint(f"{where}, you returned {len(got)} values; return three arrays, (dx, dw, db)")
    return tuple(_array(g, f"{where}, as {name}", f"{name}") for g, name in
                 zip(got, ("dx", "dw", "db"), strict=True))


def _conv_shapes(got, x, w, dout, stride, where):
    """A Hint when one of ``got`` = (dx, dw, db) has the wrong shape, naming the likely slip."""
    dx, dw, db = got
    n, k, f = x.shape[0], w.shape[-1], w.shape[0]
    if dx.shape == w.shape and dw.shape == x.shape and x.shape != w.shape:
        raise Hint(f"{where}, your first array has the shape of w and your second that of x: "
                   "return them in the order (dx, dw, db)")
    if dx.shape != x.shape:
        reached = tuple((o - 1) * stride + f for o in dout.shape[1:3])
        extra = ("the rows and columns past the last window are part of x too (their gradient "
                 "is 0), " if dx.shape[1:3] == reached and dx.shape[1:3] != x.shape[1:3]
                 else "")
        raise Hint(f"{where}, your dx has shape {dx.shape}: {extra}dx has the shape of x, "
                   f"{x.shape}")
    if dw.shape != w.shape:
        batch = (" You kept one dw per image: the kernel is shared by every image of the batch "
                 "too" if dw.shape == (n, *w.shape) else "")
        raise Hint(f"{where}, your dw has shape {dw.shape}; dw has the shape of w, "
                   f"{w.shape}.{batch}")
    if db.shape != (k,):
        raise Hint(f"{where}, your db has shape {db.shape}; the layer has one bias per "
                   f"filter, so db has shape ({k},): over which of dout's axes was each b[o] "
                   "used in the forward pass?")


def _conv_mistakes(name, grads, x, w, dout, stride, expected):
    """(wrong value, hint) pairs for the gradient ``name`` ("dx", "dw" or "db"), each what a
    common slip computes, worked out with the course's reference."""
    n, k = x.shape[0], w.shape[-1]
    which = ("dx", "dw", "db").index(name)
    out = dout.shape[1:3]
    mistakes = []
    if stride > 1:  # output (i, j) read as if its window started at pixel (i, j)
        unstrided = np.zeros((n, x.shape[1] - w.shape[0] + 1, x.shape[2] - w.shape[0] + 1, k))
        unstrided[:, :out[0], :out[1]] = dout
        mistakes.append((grads(x, w, unstrided, 1)[which], f"your {name} is what windows that "
                         f"start at pixel (i, j) would give; with stride {stride}, the window "
                         f"of output (i, j) starts {stride} times further along"))
    if name == "dx":
        mistakes.append((grads(x, np.flip(w, (0, 1)), dout, stride)[0], "your dx is what the "
                         "kernel turned by 180 degrees would give: in the loop over outputs, "
                         "tap (a, b) sends its share to the pixel it read, nothing is turned"))
        for o in sorted({0, k - 1}) if k > 1 else ():
            mistakes.append((grads(x, w[..., o:o + 1], dout[..., o:o + 1], stride)[0],
                             f"your dx holds the share of filter {o} only: x fed all {k} "
                             "filters, and each passes gradient back to it"))
    elif name == "dw":
        for image, which_one in sorted({(0, "the first"), (n - 1, "the last")}):
            mistakes.append((grads(x[image:image + 1], w, dout[image:image + 1], stride)[1],
                             f"your dw holds the share of one image only ({which_one} of the "
                             f"batch): all {n} images used the same kernel, and each adds its "
                             "share to dw"))
        mistakes.append((expected[1] / n, "you averaged dw over the batch; the loss adds up the "
                         "images' terms, so dw adds up their shares"))
        if out != (1, 1):
            last = np.zeros(dout.shape)
            last[:, -1, -1] = dout[:, -1, -1]
            mistakes.append((grads(x, w, last, stride)[1], "your dw holds the share of the last "
                             "output position only: the kernel is used at every position, and "
                             "each adds its own share"))
        mistakes.append((np.flip(expected[1], (0, 1)), "your dw is the right one turned by 180 "
                         "degrees: tap (a, b) multiplied the pixel at offset (a, b) of its "
                         "window"))
    else:
        mistakes += [
            (expected[2] / (n * out[0] * out[1]), "you averaged dout; the bias b[o] was added "
             "at every position of every image, and each of those adds its share to db[o]"),
            (dout[0].sum(axis=(0, 1)), "your db holds the first image's share only: every "
             "image of the batch used the same bias"),
            (dout.sum(axis=(1, 2, 3)), "your db has one entry per image, each summed over "
             "the filters: db[o] belongs to filter o, whose bias was added at every position of "
             "every image"),
        ]
    return [(wrong, hint) for wrong, hint in mistakes
            if np.shape(wrong) == expected[which].shape
            and _relative(wrong, expected[which]) > NEAR]  # a slip that changes nothing here


def _overlap_hint(dx, expected, f, stride, out):
    """A hint when dx is right at the pixels one window reads and wrong where windows
    overlap (each window's share written over the one before it), else None."""
    if stride >= f:
        return None
    def readers(size, windows):  # how many windows read each pixel along one axis
        count = np.zeros(size, int)
        for i in range(windows):
            count[i * stride:i * stride + f] += 1
        return count

    cover = np.multiply.outer(readers(dx.shape[1], out[0]), readers(dx.shape[2], out[1]))
    right = np.isclose(dx, expected).all(axis=(0, 3))  # per pixel, over batch and channels
    if right[cover <= 1].all() and not right[cover > 1].all():
        return ("your dx is right at the pixels that one window reads and wrong where windows "
                f"overlap (a {f}x{f} window moved by {stride}): each window that reads a pixel "
                "adds its own share to that pixel's gradient")
    return None


def _conv_entry_hint(name, got, expected, stride):
    """What to ask about the first wrong entry of ``name``."""
    index = _first_difference(got, expected[("dx", "dw", "db").index(name)])
    shown = ", ".join(map(str, index))
    value = f"{name}[{shown}] is {float(got[index]):.4f}, the first entry that is wrong"
    if name == "dx":
        n, p, q, c = index
        every = "at every pixel" if stride == 1 else f"every {stride} pixels"
        return (f"{value}: which windows read x[{shown}] (they start {every}), through which "
                "taps, and for which filters?")
    if name == "dw":
        a, b, c, o = index
        return (f"{value}: which pixel of channel {c} does tap ({a}, {b}) read in each window, "
                f"and which entry of dout does filter {o} pass back there, in every image?")
    return f"{value}: where, in the forward pass, was b[{index[0]}] added to the output?"


# ---------------------------------------------------------------- 4.4


@checker(without=MAX_POOL_BACKWARD)
def max_pool_backward(answer):
    """``answer(x, g)``: dL/dx of 2x2 max pooling (stride 2) of an (H, W) array; a tie goes
    to the first tied cell in reading order, as ``keras.ops.max_pool`` does."""
    def blocks(a):  # (H, W) -> (H/2, W/2, 4): each window's cells in reading order
        h, w = a.shape[0] // 2, a.shape[1] // 2
        return a.reshape(h, 2, w, 2).transpose(0, 2, 1, 3).reshape(h, w, 4)

    def unblocks(b):
        h, w = b.shape[:2]
        return b.reshape(h, w, 2, 2).transpose(0, 2, 1, 3).reshape(2 * h, 2 * w)

    def routed(x, g, pick):  # every window's g placed on the cell ``pick`` chooses
        windows = blocks(x)
        grad = np.zeros(windows.shape)
        np.put_along_axis(grad, pick(windows)[..., None], g[..., None], axis=-1)
        return unblocks(grad)

    rng = np.random.default_rng()
    edges = [rng.standard_normal((4, 6)),
             np.array([[1., 1, 0, 2], [0, 0, 2, 2], [3, 1, 5, 5], [3, 0, 5, 1]]),  # ties
             np.array([[0., 7], [7, 0]]),  # the first in reading order is not the first column
             np.array([[0., 1, 2, 5], [3, 3, 5, 5]]),  # a tie in the bottom row
             np.zeros((2, 6)),  # after a ReLU: all four cells tie
             -1 - rng.random((4, 2)),  # every value negative
             rng.integers(0, 3, (6, 2)).astype(float),
             rng.permutation(32).reshape(8, 4).astype(float)]
    drawn = [rng.integers(0, 4, shape).astype(float) if number % 2 else rng.standard_normal(shape)
             for number, shape in enumerate(2 * rng.integers(1, 7, (8, 2)))]
    for x in tuple(frozen(x) for x in edges + drawn):
        g = frozen(rng.choice([-1, 1], (x.shape[0] // 2, x.shape[1] // 2)) * rng.uniform(
            0.5, 3, (x.shape[0] // 2, x.shape[1] // 2)))
        where = f"for a {_shape(x.shape)} input"
        got = _array(_call(answer, {"x": x, "g": g}), f"{where},", "dL/dx")
        if got.shape != x.shape:
            raise Hint(f"{where}, you returned shape {got.shape}; dL/dx has the input's shape, "
                       "one gradient per input cell")
        expected = routed(x, g, lambda w: w.argmax(axis=-1))
        if np.allclose(got, expected):
            continue
        everywhere = np.kron(g, np.ones((2, 2)))
        mistakes = [
            (everywhere / 4, "you spread each g[i, j] evenly over its window: that is the "
             "gradient of *average* pooling; max pooling sends all of g[i, j] to the cell that "
             "won the window"),
            (everywhere, "you copied g[i, j] into every cell of its window; only the cell that "
             "won the window gets it, the other three get 0"),
            (routed(x, g, lambda w: w.argmin(axis=-1)), "you routed each gradient to the "
             "window's *smallest* cell; it goes to the one max pooling kept"),
        ]
        for wrong, hint in mistakes:
            if np.allclose(got, wrong):
                raise Hint(f"{where}, {hint}")
        raise Hint(f"{where}, {_window_hint(x, g, got)}")
    return (f"every window's gradient goes to its maximum, ties to the first in reading order, "
            f"on {len(edges) + len(drawn)} inputs ({len(edges)} edge cases with ties, negative "
            "values and all-zero windows, the rest drawn at random)")


def _window_hint(x, g, got):
    """What went wrong in the first 2x2 window whose gradient is wrong."""
    for i, j in np.ndindex(g.shape):
        cells = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
        block = got[2 * i:2 * i + 2, 2 * j:2 * j + 2]
        first = np.unravel_index(np.argmax(cells), (2, 2))
        lit = [tuple(int(v) for v in rc) for rc in np.argwhere(~np.isclose(block, 0))]
        tied = [tuple(int(v) for v in rc) for rc in np.argwhere(cells == cells.max())]
        if lit == [first] and np.isclose(block[first], g[i, j]):
            continue
        window = (f"window ({i}, {j}) (rows {2 * i}..{2 * i + 1}, columns "
                  f"{2 * j}..{2 * j + 1})")
        if len(tied) > 1 and len(lit) > 1 and set(lit) == set(tied):
            how = (f"gave the whole of g[{i}, {j}] to each of them" if np.allclose(
                [block[c] for c in lit], g[i, j]) else f"split g[{i}, {j}] among them "
                "(tf.reduce_max's rule)")
            return (f"{window} has {len(tied)} equal maxima and you {how}; the statement gives "
                    "a tie's gradient to one cell, the first of the tied cells in reading order")
        if not lit and cells.max() <= 0:
            return (f"{window} got no gradient, and none of its values is above 0: does your "
                    "maximum start at 0?")
        if not np.isclose(block.sum(), g[i, j]):
            return (f"the gradients in {window} add up to {block.sum():.4f}, but that window "
                    f"passes on exactly g[{i}, {j}] = {g[i, j]:.4f}")
        if len(lit) != 1:
            return (f"the gradient of {window} went to {len(lit)} cells; max pooling kept one "
                    "cell's value, and only that cell gets the gradient")
        r, c = lit[0]
        cell = f"cell ({2 * i + r}, {2 * j + c})"
        if cells[r, c] < cells.max():
            return (f"in {window} the gradient went to {cell}, which does not hold that window's "
                    "maximum")
        winner = f"({2 * i + first[0]}, {2 * j + first[1]})"
        order = (" (reading order goes row by row: the whole top row first)"
                 if (r, c) == (1, 0) and first == (0, 1) else "")
        return (f"in {window} the gradient went to {cell}, which holds the window's maximum, but "
                f"so does cell {winner}, which comes first in reading order{order}: the "
                "statement gives a tie to the first")
    return "the gradient is wrong"


# ---------------------------------------------------------------- 4.5


@checker(without=AVG_POOL_BACKWARD)
def avg_pool_backward(answer):
    """``answer(g, size)``: dL/dx of non-overlapping ``size`` x ``size`` average pooling."""
    rng = np.random.default_rng()
    edges = [((2, 3), 2), ((2, 2), 3), ((1, 1), 4), ((3, 1), 2), ((2, 5), 1), ((1, 4), 3)]
    drawn = [(tuple(int(v) for v in rng.integers(1, 6, 2)), int(rng.integers(1, 6)))
             for _ in range(8)]
    for shape, size in tuple(edges + drawn):
        g = frozen(rng.standard_normal(shape))
        where = f"for g {_shape(shape)} and size {size}"
        got = _array(_call(answer, {"g": g}, size), f"{where},", "dL/dx")
        everywhere = np.repeat(np.repeat(g, size, axis=0), size, axis=1)
        expected = everywhere / size**2
        if got.shape != expected.shape:
            raise Hint(f"{where}, you returned shape {got.shape}; dL/dx has the shape of the "
                       f"pooled input, {size} times taller and wider than g")
        if np.allclose(got, expected):
            continue
        corner = np.zeros_like(expected)
        corner[::size, ::size] = g
        mistakes = [
            (everywhere, f"every cell got all of g[i, j], so each window hands back {size * size}"
             " times what came out of it; the average used each cell with only a share"),
            (everywhere / size, f"you divided by {size}; a {size}x{size} window has more cells "
             "than that"),
            (np.tile(g, (size, size)) / size**2, "you tiled g: the gradient of window (i, j) "
             "belongs to the cells of that window, next to each other"),
            (corner, "you gave each window's gradient to its top-left cell only; every cell of "
             "the window counted in the average"),
        ]
        for wrong, hint in mistakes:
            if np.allclose(got, wrong):
                raise Hint(f"{where}, {hint}")
        p, q = _first_difference(got, expected)
        raise Hint(f"{where}, dL/dx[{p}, {q}] is {got[p, q]:.4f}, the first entry that is wrong: "
                   f"that cell lies in window ({p // size}, {q // size}), whose output received "
                   f"g[{p // size}, {q // size}]: how much of it does one cell get?")
    return (f"each cell gets an equal share of its window's gradient, for {len(edges) + len(drawn)}"
            f" gradients ({len(edges)} edge cases with size 1 and a 1x1 g, the rest drawn at "
            "random)")


# ---------------------------------------------------------------- 4.6


@checker(without=CONV_BACKWARD + FULL_CONVOLUTIONS + TURNS_THE_KERNEL + NOT_OPS_CORRELATE
         + NUMPY_ONLY)
def input_gradient_strided(answer):
    """``answer(k, g, stride, x_shape)``: dL/dx of a strided valid correlation, one channel."""
    answer = libraries.refusing(answer, "the exercise asks for NumPy and ops.correlate2d")
    from course import ops

    def dx(k, g, stride, x_shape):  # dL/dx by the course's reference
        return ops.correlate2d_backward(np.zeros(x_shape), k, g, stride=stride)[0]

    rng = np.random.default_rng()
    edges = [((7, 7), (3, 3), 2), ((8, 8), (3, 3), 2), ((6, 6), (3, 3), 1), ((9, 10), (2, 3), 3),
             ((11, 11), (3, 3), 3), ((7, 9), (2, 2), 3), ((8, 5), (1, 1), 2), ((5, 5), (5, 5), 2),
             ((9, 8), (3, 3), 4), ((8, 7), (3, 3), 2)]
    drawn = []
    for _ in range(8):
        taps, out = rng.integers(1, 5, 2), rng.integers(1, 5, 2)
        stride = int(rng.integers(1, 5))
        x_shape = tuple(int(v) for v in (out - 1) * stride + taps + rng.integers(0, stride, 2))
        drawn.append((x_shape, tuple(int(v) for v in taps), stride))
    for x_shape, taps, stride in tuple(edges + drawn):
        k = frozen(rng.standard_normal(taps))
        out = tuple((n - f) // stride + 1 for n, f in zip(x_shape, taps, strict=True))
        g = frozen(rng.standard_normal(out))
        where = (f"for x of shape {x_shape}, a {_shape(taps)} kernel and stride {stride} (g is "
                 f"{_shape(out)})")
        got = _array(_call(answer, {"k": k, "g": g}, stride, x_shape), f"{where},", "dL/dx")
        expected = dx(k, g, stride, x_shape)
        reached = tuple((n - 1) * stride + f for n, f in zip(out, taps, strict=True))
        if got.shape != x_shape:
            raise Hint(f"{where}, you returned shape {got.shape}. "
                       f"{_strided_shape_hint(x_shape, out, taps, stride, reached, got.shape)}")
        if np.allclose(got, expected):
            continue
        core = expected[:reached[0], :reached[1]]
        pads = [(n - r, 0) for n, r in zip(x_shape, reached, strict=True)]
        mistakes = [
            (dx(k[::-1, ::-1], g, stride, x_shape), "you correlated with k as it is, as the "
             "broken function does: the input gradient is a convolution, not a correlation"),
            (dx(k[:, ::-1], g, stride, x_shape), "you flipped the kernel along one axis "
             "only, its rows (upside down)"),
            (dx(k[::-1], g, stride, x_shape), "you flipped the kernel along one axis only, its "
             "columns (left to right)"),
            (np.pad(core, pads), "you put the zero rows and columns at the top and left. The "
             "pixels no window reads are the *last* ones: windows start at row 0 and column 0"),
        ]
        for wrong, hint in mistakes:
            if np.allclose(got, wrong):
                raise Hint(f"{where}, {hint}")
        p, q = _first_difference(got, expected)
        raise Hint(f"{where}, dL/dx[{p}, {q}] is {got[p, q]:.4f}, the first entry that is wrong: "
                   f"which windows read x[{p}, {q}] (they start every {stride} pixels), and "
                   "through which taps of k?")
    return (f"right for {len(edges) + len(drawn)} layers ({len(edges)} edge cases: strides 1 to "
            "4, rows and columns no window reaches, kernels shorter than the stride, non-square "
            "kernels; the rest drawn at random)")


def _strided_shape_hint(x_shape, out, taps, stride, reached, got):
    if got == reached:
        rows, cols = (a - b for a, b in zip(x_shape, reached, strict=True))
        left = " and ".join(f"{n} {word}{'s' * (n > 1)}" for n, word in
                            ((rows, "row"), (cols, "column")) if n)
        return (f"The last {left} of x lie beyond the last window: the stride stepped over "
                "them, so their gradient is 0, but dL/dx still has an entry for every pixel of "
                f"x, {x_shape}")
    if stride > 1 and got == tuple(np.add(out, taps) - 1):
        return ("That is the size of a full convolution of g itself: the positions the stride "
                "skipped are missing between the entries of g")
    return f"dL/dx has the shape of x, {x_shape}"

