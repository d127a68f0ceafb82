"""Checkers for lesson 01 (image filters).

Each checker runs the answer on the edge cases a teacher would probe (non-square kernels,
the last valid position, thin images, a flat image whose only edges are the border) and on
cases drawn afresh on every call, so that a table of the checker's inputs cannot pass.
"""

import contextlib
import sys
import types

import numpy as np

from course.check import core, libraries
from course.check.core import Hint, StudentError, checker, plain
from course.check.frozen import frozen

# Library and course functions that correlate for the student (1.1 and 1.2 ask for NumPy;
# in 1.2 the loops of 1.1, the student's corr2d or the course's ops.corr2d, are allowed):
# the course's, OpenCV's, SciPy's, NumPy's 1-D ones, Keras' ops and layers, and every
# TensorFlow convolution kernel (tf.nn.conv2d, conv3d on a volume one deep, the transposed and
# backward ones, which correlate too; their public wrappers look alike, the kernels do not).
# 1.2 refuses any TensorFlow op besides (NUMPY_ONLY); 4.6 all of these but ops.correlate2d
CORRELATE_SHORTCUTS = (
    "course.ops.correlate2d", "course.ops.convolve2d", "course.ops.correlate1d",
    "course.ops.correlate3d", "course.ops.correlate2d_backward", "course.ops._correlate_core",
    "course.ops._conv_grad_input", "course.ops._conv_grad_kernel", "course.filters.filter_numpy",
    "course.filters.filter_opencv", "course.filters.filter_keras",
    "course.filters.apply_three_ways", "cv2.filter2D", "cv2.sepFilter2D", "cv2.matchTemplate",
    "scipy.signal.correlate2d", "scipy.signal.correlate", "scipy.signal.convolve2d",
    "scipy.signal.convolve", "scipy.signal.fftconvolve", "scipy.signal.oaconvolve",
    "scipy.ndimage.correlate", "scipy.ndimage.convolve", "numpy.correlate", "numpy.convolve",
    # the C function behind numpy.correlate, called directly (its sibling `correlate`,
    # behind numpy.convolve, shares numpy.correlate's name, which the hint must show)
    "numpy._core.multiarray.correlate2",
    "keras.ops.conv", "keras.ops.depthwise_conv", "keras.ops.separable_conv",
    "keras.ops.conv_transpose", "keras.ops.correlate", "keras.layers.Conv2D.call",
    "keras.layers.DepthwiseConv2D.call",
    *("tensorflow.python.ops.gen_nn_ops." + op for op in (
        "conv", "conv2d", "conv3d", "depthwise_conv2d_native", "conv2d_backprop_input",
        "conv2d_backprop_filter", "conv2d_backprop_input_v2", "conv2d_backprop_filter_v2",
        "conv3d_backprop_input_v2", "conv3d_backprop_filter_v2",
        "depthwise_conv2d_native_backprop_input", "depthwise_conv2d_native_backprop_filter",
        "fused_pad_conv2d", "fused_resize_and_pad_conv2d")))
NUMPY_ONLY = libraries.TENSORFLOW  # every TensorFlow op, keras.ops' included
# Functions that compute Sobel gradients or their magnitude for the student (1.3 asks for
# filters.SOBEL_X, filters.SOBEL_Y and ops.correlate2d)
EDGE_SHORTCUTS = (
    "cv2.Sobel", "cv2.Scharr", "cv2.spatialGradient", "scipy.ndimage.sobel",
    "scipy.ndimage.prewitt", "scipy.ndimage.generic_gradient_magnitude", "skimage.filters.sobel",
    "skimage.filters.sobel_h", "skimage.filters.sobel_v",
    # tf.image.sobel_edges: its dispatch wrapper looks like every other, and tensorflow.image
    # loads lazily (the grade would see it change)
    "tensorflow.python.ops.image_ops_impl.sobel_edges.__wrapped__")
# Convolution routines that turn the kernel for the student (1.4), e.g. applied to an impulse
# (ops.corr2d, the solution of 1.1 saved from its cell, among them)
FLIP_SHORTCUTS = (
    "course.ops.correlate2d", "course.ops.convolve2d", "course.ops._correlate_core",
    "course.ops.corr2d", "cv2.filter2D", "scipy.signal.correlate2d", "scipy.signal.convolve2d",
    "scipy.ndimage.correlate", "scipy.ndimage.convolve", "keras.ops.conv")


def refuse_hidden_c_calls(answer, without) -> None:
    """A Hint when ``answer`` reaches a C function that ``without`` names (``cv2.Sobel``,
    ``cv2.filter2D``, ``cv2.erode``) in a way the checker's watch cannot see.

    The watch sees a C function only when Python code calls it; ``map(cv2.Sobel, ...)``,
    ``functools.partial(cv2.Sobel)(...)`` and ``cv2.Sobel.__call__(...)`` call it from C.
    So before the answer runs, this reads its code, and that of the notebook's functions
    it uses, for those C functions or their names (:func:`core.reaches`)."""
    _, builtins = core._watching(without)
    if not builtins:
        return
    names = {getattr(f, "__name__", name.rsplit(".", 1)[-1]): name for f, name in builtins.items()}
    if found := core.reaches(getattr(answer, "__wrapped__", answer), builtins, names):
        raise Hint(f"{core._label(answer, 'your function')} calls `{core._shown(found)}`, which "
                   "answers the exercise for you: write it yourself, the point is to see how it "
                   "works")


def _python_stand_in(name, real):
    """A Python function that calls the C function ``real``: the watch sees ``real`` called
    from its frame even when C code (``map``) calls the stand-in. Compiled outside
    course/check, so that the watch does not take it for the checker's own code."""
    namespace = {"_real": real}
    exec(compile(f"def {name}(*args, **kwargs):\n    return _real(*args, **kwargs)\n",  # noqa: S102
                 f"<{name}>", "exec"), namespace)
    return namespace[name]


@contextlib.contextmanager
def c_functions_shown(without):
    """While the answer runs, the C functions of OpenCV that ``without`` names are Python
    stand-ins in their module, so that one fetched at run time (``getattr(cv2, "ero" +
    "de")``) and called from C (``map``), which neither the watch nor
    :func:`refuse_hidden_c_calls` sees, still reads as a call to it. Put back after."""
    swapped = []
    for name in without:
        module_name, _, attribute = name.rpartition(".")
        module = sys.modules.get(module_name)
        real = getattr(module, attribute, None) if module_name == "cv2" else None
        if isinstance(real, types.BuiltinFunctionType):
            swapped.append((module, attribute, real))
    for module, attribute, real in swapped:
        setattr(module, attribute, _python_stand_in(attribute, real))
    try:
        yield
    finally:
        for module, attribute, real in swapped:
            setattr(module, attribute, real)


def is_the_package_copy(code, target) -> bool:
    """Whether ``code`` is the package's solution ``target`` (``ops.corr2d.__code__``) or a
    copy of that code object (``target.replace(co_name=...)``, rebuilt by
    ``types.FunctionType``): the same bytecode and constants, from the package's own file.
    The same lines typed in a notebook, or exec'd from ``inspect.getsource``, compile to
    the same bytecode under another file name and cannot be told from the lesson's own
    answer, so they pass."""
    return code is target or (
        code.co_filename == target.co_filename and code.co_code == target.co_code
        and code.co_consts == target.co_consts)


def _unchanged(given, image, kernel):
    """A Hint when the answer changed the copies of ``image`` and ``kernel`` it was given."""
    if not (np.array_equal(given[0], image) and np.array_equal(given[1], kernel)):
        raise Hint("your function changed the image or the kernel it was given: leave "
                   "them as they were")


def _array(value, case, what):
    """``value`` if it is a NumPy array, else a Hint naming what came instead."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, tuple | list):
        raise Hint(f"{case} you returned a {type(value).__name__} of length {len(value)}; "
                   f"return one NumPy array, {what}")
    raise Hint(f"{case} you returned a {type(value).__name__}; return a NumPy array, {what}")


# 1.1 asks for the two loops in NumPy: every correlation above, NumPy's window views and the
# course's window cutter (they would cut the windows out for the student), and TensorFlow in
# any form. The course's own copy of the solution, ops.corr2d, is refused by its code object
# (_running): the core's watch knows a function by what its code does, and a student's loops
# written as the solution's would read as a call to it.
CORR2D_SHORTCUTS = CORRELATE_SHORTCUTS + (
    "numpy.lib.stride_tricks.sliding_window_view", "numpy.lib.stride_tricks.as_strided",
    "course.ops._windows")


def without_the_package_copy(answer, args, keywords, copy, shortcuts):
    """``answer(*args, **keywords)``, or a Hint when it ran ``copy`` (``ops.corr2d``,
    ``ops.pool2d_loops``: the course's copy of an exercise's solution, saved from the lesson's
    cell), however it was reached: found by its code object, which the same lines typed by
    the student do not share. The C functions in ``shortcuts`` are shown to the watch."""
    import threading

    target, ran = copy.__code__, 0
    previous, previous_threads = sys.gettrace(), threading.gettrace()

    def trace(frame, event, arg):
        nonlocal ran
        if event == "call" and is_the_package_copy(frame.f_code, target):
            ran += 1
        return previous(frame, event, arg) if previous is not None else None

    def refused():
        name = f"ops.{copy.__name__}"
        return Hint(f"{core._label(answer, 'your function')} calls `{name}`, which answers "
                    "the exercise for you: write it yourself, the point is to see how it works "
                    f"({name} is the course's copy of the answer)")

    sys.settrace(trace)
    threading.settrace(trace)
    try:
        with c_functions_shown(shortcuts):
            result = answer(*args, **keywords)
    except (StudentError, Hint, NotImplementedError):
        if ran:
            raise refused() from None
        raise
    finally:
        switched = sys.gettrace() is not trace
        sys.settrace(previous)
        threading.settrace(previous_threads)
    if ran:
        raise refused()
    if switched:
        raise Hint(f"{core._label(answer, 'your function')} switches off the checker's watch "
                   "(sys.settrace), so the checker cannot tell what it calls: leave it alone")
    return result


def _running(answer, args):
    """``answer(*args)``, watched for ``ops.corr2d``."""
    from course import ops

    return without_the_package_copy(answer, args, {}, ops.corr2d, CORRELATE_SHORTCUTS)


def _corr2d_cases(rng):
    """((h, w), (kh, kw), integers): a 3x3 kernel, a 1x1 kernel, a kernel as large as the
    image, non-square and even kernels, a row, a column, a one-row image, integer images (one
    with an integer kernel, one with a float kernel), float images with an int64 and an int32
    kernel (as SOBEL_X is), a large image with a 9x9 kernel and one with an 11x11 kernel
    (outputs wider and taller than any small case), then shapes drawn at random, up to 40x33
    with kernels up to 9x9."""
    edges = [((6, 7), (3, 3), False), ((5, 6), (1, 1), False), ((4, 5), (4, 5), False),
             ((7, 5), (2, 3), False), ((6, 6), (2, 2), False), ((8, 9), (3, 3), "both"),
             ((9, 4), (4, 1), False), ((1, 6), (1, 3), False), ((7, 6), (3, 2), "image"),
             ((9, 8), (3, 3), np.int64), ((7, 10), (2, 3), np.int32),
             ((40, 33), (9, 9), False), ((26, 31), (11, 11), False)]
    drawn = []
    for _ in range(10):
        h, w = int(rng.integers(1, 41)), int(rng.integers(1, 34))
        kh, kw = int(rng.integers(1, min(h, 9) + 1)), int(rng.integers(1, min(w, 9) + 1))
        integers = (False, "both", np.int64)[int(rng.choice(3, p=(0.7, 0.15, 0.15)))]
        drawn.append(((h, w), (kh, kw), integers))
    return tuple(edges), tuple(drawn)


def _corr2d_inputs(rng, shape, kernel_shape, integers):
    """A read-only image and kernel: normal floats (float32 or float64), a uint8 image
    (0..255) with an integer kernel (-3..3, "both") or a float one ("image"), or a float
    image with an integer kernel of that dtype (np.int64, np.int32), never all zeros."""
    dtype = np.float32 if rng.random() < 0.7 else np.float64
    if isinstance(integers, type):
        image = rng.standard_normal(shape).astype(dtype)  # fractions: a cast to int cuts them
        kernel = rng.integers(-3, 4, kernel_shape).astype(integers)
        kernel.flat[rng.integers(kernel.size)] = 2  # never all zeros
    elif integers:
        image = rng.integers(0, 256, shape).astype(np.uint8)
        kernel = (rng.integers(-3, 4, kernel_shape) if integers == "both"
                  else rng.standard_normal(kernel_shape).astype(dtype))
    else:
        image = rng.standard_normal(shape).astype(dtype)  # negative values too
        kernel = rng.standard_normal(kernel_shape).astype(dtype)
    return frozen(image), frozen(kernel)


def _valid_references(image, kernel):
    """The valid correlation twice, in float64: ops.correlate2d, and cv2.filter2D with its
    frame cut off (filter2D puts the kernel's centre, ``(kw // 2, kh // 2)``, on every pixel
    and keeps the image's size; corr2d puts the top-left corner there and stops where the
    kernel leaves the image). The two must agree: if not, the course is broken."""
    import cv2

    from course import ops

    image, kernel = np.array(image, np.float64), np.array(kernel, np.float64)
    (h, w), (kh, kw) = image.shape, kernel.shape
    by_ops = ops.correlate2d(image, kernel)
    full = cv2.filter2D(image, cv2.CV_64F, kernel, borderType=cv2.BORDER_CONSTANT)
    by_opencv = full[kh // 2:kh // 2 + h - kh + 1, kw // 2:kw // 2 + w - kw + 1]
    scale = max(1.0, float(np.abs(by_ops).max()))
    if not (by_ops.shape == by_opencv.shape
            and np.allclose(by_ops, by_opencv, atol=1e-9 * scale)):
        raise Hint(f"the checker's two references, ops.correlate2d and cv2.filter2D, disagree "
                   f"on a {h}x{w} image and a {kh}x{kw} kernel: something your code ran earlier "
                   "changed NumPy, OpenCV or the course. Restart the kernel, run the cells "
                   "above, then this one")
    return by_ops


def _corr2d_shape_hint(got, image, kernel):
    """What an output of shape ``got`` (not the valid one) says about the answer, in words."""
    (h, w), (kh, kw) = image.shape, kernel.shape
    rows, cols = h - kh + 1, w - kw + 1
    if got == (h, w):
        return ("that is the image's size ('same'): corr2d keeps only the positions where the "
                "whole kernel fits inside the image ('valid'), so the output is smaller than "
                "the image by the kernel's size minus one, and nothing is padded")
    if got == (h + kh - 1, w + kw - 1):
        return ("that is larger than the image ('full'): corr2d keeps only the positions where "
                "the whole kernel fits inside the image")
    if got == (cols, rows):
        return ("height and width are swapped: the output is (rows, columns), its height "
                "H - kh + 1 first")
    if kh != kw and got in ((h - kw + 1, w - kh + 1), (rows, w - kh + 1), (h - kw + 1, cols),
                            (h - kh + 1, w - kh + 1), (h - kw + 1, w - kw + 1)):
        return ("the kernel's height and width are mixed up: the output loses kh - 1 rows and "
                "kw - 1 columns, and a non-square kernel has kh != kw")
    if len(got) == 2 and {got[0] - rows, got[1] - cols} <= {-1, 0, 1}:
        fewer = "too few" if -1 in (got[0] - rows, got[1] - cols) else "too many"
        return (f"one row or column {fewer}: along the height the kernel fits at H - kh + 1 "
                "positions, top-left corner at row 0 up to row H - kh, both included (and "
                "the same along the width)")
    return f"the output is (H - kh + 1, W - kw + 1), {(rows, cols)} here"


def _corr2d_mistake(got, image, kernel, expected):
    """What ``got`` (of the right shape, wrong values) most likely did instead, or None."""
    from course import ops

    def close(a):
        return a.shape == got.shape and np.allclose(got, a, rtol=1e-4, atol=1e-4)

    image64, kernel64 = np.array(image, np.float64), np.array(kernel, np.float64)
    if image.dtype.kind == "f" and kernel.dtype.kind in "iu" and close(
            ops.correlate2d(image.astype(kernel.dtype).astype(np.float64), kernel64)):
        return (f"your values are those of the image cut to whole numbers: the kernel's integer "
                f"dtype ({kernel.dtype}) truncated the float image (0.7 became 0, -1.6 became "
                "-1) before the products. SOBEL_X and SOBEL_Y are integer kernels: keep the "
                "image's floats, and let NumPy promote the kernel when it multiplies")
    if close(ops.correlate2d(image64, kernel64[::-1, ::-1])):
        return ("you turned the kernel by 180 degrees before sliding it, which is a "
                "convolution; corr2d, a correlation, lays the kernel on as it is")
    if kernel.shape[0] == kernel.shape[1] and close(ops.correlate2d(image64, kernel64.T)):
        return "you laid the kernel on its side (its rows as columns)"
    if got.shape[0] == got.shape[1] and close(expected.T):
        return ("your output is transposed: its row i holds column i of the correlation. "
                "Output (i, j) is the window whose top-left corner is image[i, j], row i")
    wrong = ~np.isclose(got, expected, rtol=1e-4, atol=1e-4)
    if np.all(got[wrong] == 0):
        return ("some of your output pixels are still 0 where the correlation is not: do your "
                "loops visit every position where the kernel fits, from 0 up to the last one "
                "(row H - kh, column W - kw)?")
    return None


@checker(without=CORR2D_SHORTCUTS + NUMPY_ONLY)
def corr2d(answer):
    """``answer(image, kernel)``: the valid cross-correlation, written as loops in NumPy."""
    refuse_hidden_c_calls(answer, CORRELATE_SHORTCUTS)
    answer = libraries.refusing(answer, "the exercise asks for NumPy")
    rng = np.random.default_rng()
    edges, drawn = _corr2d_cases(rng)
    for shape, kernel_shape, integers in edges + drawn:
        image, kernel = _corr2d_inputs(rng, shape, kernel_shape, integers)
        (h, w), (kh, kw) = shape, kernel_shape
        case = f"for a {h}x{w} image ({image.dtype}) and a {kh}x{kw} kernel ({kernel.dtype})"
        given = image.copy(), kernel.copy()
        try:
            got = _running(answer, given)
        except StudentError as raised:
            broadcast = isinstance(raised.error, ValueError) and "broadcast" in raised.message
            if broadcast or isinstance(raised.error, IndexError):
                raise Hint(f"{case} your code raised {type(raised.error).__name__} "
                           f"({raised.message.strip()}): your loops go past the last position "
                           f"where the whole {kh}x{kw} kernel fits inside the image (near the "
                           "edge a window is cut short), or a window or the output uses the "
                           "kernel's height where its width belongs") from None
            raise
        _unchanged(given, image, kernel)
        got = _array(got, case, "the correlated image")
        expected = _valid_references(image, kernel)
        if got.shape != expected.shape:
            raise Hint(f"{case} you returned shape {got.shape}: "
                       f"{_corr2d_shape_hint(got.shape, image, kernel)}")
        if got.dtype.kind != "f":
            raise Hint(f"{case} you returned {got.dtype} values: return floats, as "
                       "ops.correlate2d and cv2.filter2D do (an integer array cuts the sums of "
                       "float products to whole numbers, and a uint8 one cannot even hold a "
                       "negative sum); make the output array a float one")
        wrong = ~np.isclose(got, expected, rtol=1e-4, atol=1e-4)
        if not wrong.any():
            continue
        if why := _corr2d_mistake(got, image, kernel, expected):
            raise Hint(f"{case}: {why}")
        r, c = np.argwhere(wrong)[0]
        raise Hint(f"{case} pixel ({r}, {c}) is {got[r, c]:.4g} where the correlation is "
                   f"{expected[r, c]:.4g}: the sum of the kernel times the window whose "
                   f"top-left corner is image[{r}, {c}]")
    return (f"equal to ops.correlate2d and to cv2.filter2D (its frame cut off) on "
            f"{len(edges)} edge cases (1x1, even and non-square kernels, a kernel as large as "
            f"the image, integer images) and {len(drawn)} drawn at random")


# 1.2 pads the image itself: the course's padding helpers would work the padding out for
# the student (np.pad, given the amounts, is the exercise)
PAD_SHORTCUTS = ("course.ops.pad", "course.ops._padding", "course.ops._axis_padding",
                 "course.ops._pad_spatial")
# ... and the course's window cutter, which 3.3 and 3.4 refuse too (NumPy's
# sliding_window_view, like the loops of 1.1, is the student's to use here)
WINDOW_HELPERS = ("course.ops._windows",)


def _same_pads(kernel_shape):
    """TensorFlow's "same" padding for a stride of 1: kh - 1 rows in all, the extra one (when
    kh is even) at the bottom; the same for the columns."""
    return [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel_shape]


def _padded_correlation(image, kernel, pads, mode="constant"):
    """``image`` padded by ``pads`` (filled as np.pad's ``mode``), correlated with ``kernel``:
    the checker's own reference, a sum of shifted copies of the padded image."""
    padded = np.pad(np.asarray(image, np.float64), pads, mode=mode)
    (kh, kw), (ph, pw) = kernel.shape, padded.shape
    h, w = ph - kh + 1, pw - kw + 1
    return sum(float(kernel[r, c]) * padded[r:r + h, c:c + w]
               for r in range(kh) for c in range(kw))


def _same_cases(rng):
    """((h, w), (kh, kw)): odd, even, mixed and non-square kernels, 1x1, a row, a column, a
    kernel larger than the image, a one-pixel image, then shapes drawn at random."""
    edges = [((6, 7), (3, 3)), ((7, 8), (3, 5)), ((6, 6), (2, 2)), ((7, 5), (4, 3)),
             ((5, 6), (1, 1)), ((4, 9), (1, 4)), ((9, 4), (5, 1)), ((3, 4), (5, 5)),
             ((1, 1), (3, 3)), ((2, 5), (2, 6))]
    drawn = [(tuple(int(v) for v in rng.integers(1, 13, 2)),
              tuple(int(v) for v in rng.integers(1, 7, 2))) for _ in range(10)]
    return tuple(edges), tuple(drawn)


def _same_shape_hint(got, image, kernel):
    """What an output of shape ``got`` (not the image's) says about the padding."""
    (h, w), (kh, kw) = image.shape, kernel.shape
    if got == (h - kh + 1, w - kw + 1):
        return ("that is the 'valid' size: without padding the kernel fits at fewer positions "
                "than there are pixels. Pad the image with zeros first")
    if got == (h + 1 - kh % 2, w + 1 - kw % 2):  # an even side: got != the image's shape
        return ("one row or column more than the image: with an even kernel side, half the "
                "kernel on each side is one row (column) of zeros too many")
    if got == (h + kh - 1, w + kw - 1):
        return ("that is larger than the image: you padded a whole kernel's height minus one "
                "on both sides ('full'), twice the padding needed")
    if got == (w, h):
        return "height and width are swapped: the output is (H, W), rows first"
    return f"the output keeps the image's shape, {image.shape}"


def _same_mistake(got, image, kernel):
    """What ``got`` (of the image's shape) most likely did instead, in words, or None."""
    pads = _same_pads(kernel.shape)
    flipped = [pad[::-1] for pad in pads]

    def close(a):
        return a.shape == got.shape and np.allclose(got, a, rtol=1e-4, atol=1e-4)

    if close(_padded_correlation(image, kernel[::-1, ::-1], pads)):
        return ("you turned the kernel by 180 degrees, which is a convolution; correlation "
                "lays the kernel on as it is")
    if kernel.shape[0] == kernel.shape[1] and close(_padded_correlation(image, kernel.T, pads)):
        return "you laid the kernel on its side (its rows as columns)"
    for shifted in ([flipped[0], pads[1]], [pads[0], flipped[1]], flipped):
        if shifted != pads and close(_padded_correlation(image, kernel, shifted)):
            return ("your output is shifted by one pixel: for an even kernel side the extra "
                    "row of zeros goes at the bottom and the extra column on the right, not at "
                    "the top or on the left")
    for mode in ("edge", "reflect", "symmetric", "wrap"):
        if min(image.shape) > max(max(pad) for pad in pads) and close(
                _padded_correlation(image, kernel, pads, mode)):
            return ("the border is wrong: outside the image counts as 0 (zero padding), not as "
                    "a copy of the pixels near the edge")
    return None


@checker(without=CORRELATE_SHORTCUTS + PAD_SHORTCUTS + WINDOW_HELPERS + NUMPY_ONLY)
def corr2d_same(answer):
    """``answer(image, kernel)``: the zero-padded ("same") correlation, the image's shape."""
    refuse_hidden_c_calls(answer, CORRELATE_SHORTCUTS)
    answer = libraries.refusing(answer, "the exercise asks for NumPy")
    rng = np.random.default_rng()
    edges, drawn = _same_cases(rng)
    for (h, w), (kh, kw) in edges + drawn:
        dtype = np.float32 if rng.random() < 0.7 else np.float64
        image = frozen(rng.standard_normal((h, w)).astype(dtype))  # negative values too
        kernel = frozen(rng.standard_normal((kh, kw)).astype(dtype))
        case = f"for a {h}x{w} image and a {kh}x{kw} kernel"
        given = image.copy(), kernel.copy()
        try:
            got = answer(*given)
        except StudentError as raised:
            if isinstance(raised.error, ValueError) and "broadcast" in raised.message:
                raise Hint(f"{case} your code raised ValueError ({raised.message}): a window "
                           f"you multiply is smaller than the {kh}x{kw} kernel. Near the "
                           "border, is the padded image large enough?") from None
            raise
        _unchanged(given, image, kernel)
        got = _array(got, case, "the correlated image")
        if got.shape != image.shape:
            raise Hint(f"{case} you returned shape {got.shape}: "
                       f"{_same_shape_hint(got.shape, image, kernel)}")
        if got.dtype.kind != "f":
            raise Hint(f"{case} you returned {got.dtype} values; the sums of products are "
                       "floats")
        expected = _padded_correlation(image, kernel, _same_pads(kernel.shape))
        wrong = ~np.isclose(got, expected, rtol=1e-4, atol=1e-4)
        if not wrong.any():
            continue
        if why := _same_mistake(got, image, kernel):
            raise Hint(f"{case}: {why}")
        r, c = np.argwhere(wrong)[0]
        shown = (f"pixel ({r}, {c}) is {got[r, c]:.4g} where the correlation is "
                 f"{expected[r, c]:.4g}")
        reach = np.zeros(image.shape, bool)  # the pixels whose window reaches the padding
        (top, bottom), (left, right) = _same_pads(kernel.shape)
        reach[:top], reach[h - bottom:], reach[:, :left], reach[:, w - right:] = (True,) * 4
        if (~reach).any() and not wrong[~reach].any():
            raise Hint(f"{case} your values are right where the kernel stays inside the image "
                       f"and wrong where it reaches past the edge: {shown}. Check the "
                       "padding: how many zeros, on which side")
        raise Hint(f"{case} {shown}")
    return (f"right on {len(edges)} edge cases (odd, even and non-square kernels, 1x1, a "
            f"kernel larger than the image) and {len(drawn)} drawn at random")


def _edge_images(rng):
    """Grey images: a flat one (its only edges are at the zero border), a bright frame, thin
    ones (every pixel on the border), negative values in float64, then sizes at random."""
    edges = [np.ones((5, 8), np.float32), np.pad(np.zeros((5, 4), np.float32), 1,
                                                 constant_values=1),
             rng.random((9, 11)).astype(np.float32), rng.random((1, 6)).astype(np.float32),
             rng.random((6, 1)).astype(np.float32), rng.random((2, 2)).astype(np.float32),
             rng.standard_normal((12, 7))]
    drawn = [rng.random(tuple(int(v) for v in rng.integers(1, 25, 2))).astype(np.float32)
             for _ in range(8)]
    return edges, drawn


def _magnitude_mistake(got, gx, gy, expected):
    """What ``got`` most likely is instead of ``expected``, hypot(gx, gy), in words, or
    None."""
    def close(a):
        return np.allclose(got, a, rtol=1e-4, atol=1e-4)

    if close(np.abs(gx) + np.abs(gy)):
        return ("you added |Gx| + |Gy|; the magnitude is the length of the vector (Gx, Gy), "
                "as in the statement's formula")
    if close(gx ** 2 + gy ** 2):
        return "you returned Gx² + Gy²: compare with the statement's formula"
    if any(close(g) or close(np.abs(g)) for g in (gx, gy)):
        return ("your result is the response to one Sobel kernel only; the magnitude combines "
                "both directions")
    if got.max() > 0 and expected.max() > 0:
        scale = expected.max() / got.max()
        if not np.isclose(scale, 1) and np.allclose(got * scale, expected, rtol=1e-4,
                                                    atol=1e-4):
            return (f"your values are the magnitude times {1 / scale:.3g}: return the "
                    "magnitude itself, not rescaled")
    return None


def _check_magnitude(got, image, gx, gy):
    """A Hint unless ``got`` is the magnitude of the gradients ``gx``, ``gy`` of ``image``."""
    h, w = image.shape
    case = f"for a {h}x{w} image"
    got = _array(got, case, "the magnitude at every pixel")
    if got.shape != image.shape:
        raise Hint(f"{case} you returned shape {got.shape}; the magnitude keeps the image's "
                   "size: with zero padding around the border the kernel fits at every pixel")
    if got.dtype.kind != "f":
        raise Hint(f"{case} you returned {got.dtype} values; the magnitude is a float")
    expected = np.hypot(gx, gy)
    if np.allclose(got, expected, rtol=1e-4, atol=1e-4):
        return
    if why := _magnitude_mistake(got, gx, gy, expected):
        raise Hint(f"{case}: {why}")
    wrong = ~np.isclose(got, expected, rtol=1e-4, atol=1e-4)
    border = np.ones(image.shape, bool)
    border[1:-1, 1:-1] = False
    r, c = np.argwhere(wrong)[0]
    shown = f"pixel ({r}, {c}) is {got[r, c]:.4g} where the Sobel magnitude is {expected[r, c]:.4g}"
    if (~border).any() and not wrong[~border].any():
        raise Hint(f"{case} your values are right inside the image but not on its border: "
                   f"{shown}. Outside the image counts as 0 (zero padding), not as a copy of "
                   "the nearest pixels")
    raise Hint(f"{case} {shown}")


# The checker's own copies of filters.SOBEL_X and SOBEL_Y (read-only): what the course's
# arrays hold, whatever an answer does to those
SOBEL_X = frozen([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
SOBEL_Y = frozen([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])


@checker(without=EDGE_SHORTCUTS)
def edge_magnitude(answer):
    """``answer(image)``: Sobel magnitude, same size, zero padding."""
    refuse_hidden_c_calls(answer, EDGE_SHORTCUTS)

    def gradients(image):  # Sobel X and Y correlated with the zero-padded image
        padded = np.pad(image.astype(np.float64), 1)
        h, w = image.shape
        return [sum(k[r, c] * padded[r:r + h, c:c + w] for r in range(3) for c in range(3))
                for k in (SOBEL_X, SOBEL_Y)]

    edges, drawn = _edge_images(np.random.default_rng())
    for image in tuple(frozen(image) for image in edges + drawn):
        given = image.copy()
        got = answer(given)
        if not np.array_equal(given, image):
            raise Hint("your function changed the image it was given: leave it as it was")
        _check_magnitude(got, image, *gradients(image))
    return (f"right on {len(edges)} edge cases (a flat image, a bright frame, thin images, "
            f"negative values) and {len(drawn)} images drawn at random")


def _check_turned(got, kernel, expected):
    """A Hint unless ``got`` is ``expected``, ``kernel`` turned by 180 degrees."""
    h, w = kernel.shape
    case = f"for a {h}x{w} kernel"
    got = _array(got, case, "the kernel to give the correlation routine")
    if got.shape != kernel.shape:
        if got.shape == kernel.shape[::-1]:
            raise Hint(f"{case} you returned shape {got.shape}: a transpose or a quarter turn "
                       "swaps rows and columns; the turn that makes a convolution keeps the "
                       "shape")
        raise Hint(f"{case} you returned shape {got.shape}; the kernel keeps its shape")
    if np.allclose(got, expected):
        return
    named = [(kernel, "you returned the kernel as it is, which is what correlation uses "
                      "already; convolution turns it by 180 degrees"),
             (kernel.T, "a transpose mirrors along the diagonal; convolution turns the kernel "
                        "by 180 degrees"),
             (kernel[::-1], "you turned it upside down only; a turn by 180 degrees also "
                            "mirrors it left to right"),
             (kernel[:, ::-1], "you mirrored it left to right only; a turn by 180 degrees also "
                               "turns it upside down"),
             (np.rot90(kernel), "you turned it a quarter turn; convolution turns it by 180 "
                                "degrees"),
             (np.rot90(kernel, -1), "you turned it a quarter turn; convolution turns it by 180 "
                                    "degrees"),
             (-expected, "you changed the signs of the weights: turning the kernel moves its "
                         "weights, it does not change them")]
    for wrong, why in named:
        if wrong.shape == got.shape and np.allclose(got, wrong):
            raise Hint(f"{case}: {why}")
    r, c = np.argwhere(~np.isclose(got, expected))[0]
    raise Hint(f"{case} your kernel holds {got[r, c]:.4g} at row {r}, column {c}; turned by "
               f"180 degrees, the kernel holds {expected[r, c]:.4g} there")


@checker(without=FLIP_SHORTCUTS)
def to_convolution_kernel(answer):
    """``answer(kernel)``: the kernel that turns correlation into convolution."""
    refuse_hidden_c_calls(answer, FLIP_SHORTCUTS)
    rng = np.random.default_rng()
    edges = [(3, 3), (2, 3), (3, 2), (1, 5), (5, 1), (1, 1), (4, 4)]
    drawn = [tuple(int(v) for v in rng.integers(1, 8, 2)) for _ in range(8)]
    for shape in tuple(edges + drawn):
        values = rng.integers(-9, 10, shape) if rng.random() < 0.5 else rng.standard_normal(shape)
        kernel = frozen(values.astype(np.float32 if rng.random() < 0.7 else np.float64))
        given = kernel.copy()
        got = answer(given)
        if not np.array_equal(given, kernel):
            raise Hint(f"your function changed the {shape[0]}x{shape[1]} kernel it was given "
                       "(in place): return a new array and leave the input as it was, or the "
                       "correlation routine would see a different kernel from the one you "
                       "meant")
        _check_turned(got, kernel, kernel[::-1, ::-1])
    return (f"right for {len(edges)} kernels (non-square, one row, one column, 1x1) and "
            f"{len(drawn)} drawn at random, the input left as it was")


# Exercise 1.5: four kernels the lesson has not applied, shown filtered in a hidden order.
MYSTERY_KERNELS = {
    "A": np.full((1, 21), 1 / 21, np.float32),  # a row of 21 equal weights
    "B": np.full((21, 1), 1 / 21, np.float32),  # a column of 21 equal weights
    "C": np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], np.float32),  # above minus below
    "D": np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], np.float32),  # right minus left
}


def _shown(image, kernel):
    """``image`` filtered with ``kernel`` (OpenCV, mirrored border) on a 0..1 grey scale: a
    blur as it is, an edge map as |response| divided by its 99th percentile (section 4)."""
    import cv2

    out = cv2.filter2D(np.asarray(image, np.float32), cv2.CV_32F, kernel)
    if abs(float(kernel.sum())) < 1e-6:
        out = np.abs(out)
        return np.clip(out / np.percentile(out, 99), 0, 1)
    return np.clip(out, 0, 1)


def mystery_panels(image):
    """The four panels of exercise 1.5: ``image`` (grey, 0..1) filtered with each of
    ``MYSTERY_KERNELS``, in an order the lesson does not show."""
    return [_shown(image, MYSTERY_KERNELS[letter]) for letter in "DACB"]


@checker(prediction=True, tries=3)
def kernel_panels(answer):
    """``answer``: the panel numbers (1-4) that show kernels A, B, C and D, in that order.
    Hints say which kind of mistake was made, never which kernel or panel."""
    letters = list(MYSTERY_KERNELS)
    form = ("give four panel numbers, for kernels A, B, C and D in that order, e.g. "
            "(1, 2, 3, 4)")
    answer = plain(answer)  # NumPy ints as ints; an object with its own == is refused
    if isinstance(answer, np.ndarray) and answer.ndim == 1:
        answer = answer.tolist()
    if not isinstance(answer, tuple | list):
        raise Hint(f"{form}; you gave a {type(answer).__name__}")
    if len(answer) != 4:
        raise Hint(f"{form}; you gave {len(answer)} value(s)")
    for letter, p in zip(letters, answer, strict=True):  # 2.9 is not panel 2, nor '2'
        if isinstance(p, bool) or not isinstance(p, int | float) or (
                isinstance(p, float) and not (np.isfinite(p) and p.is_integer())):
            raise Hint(f"for kernel {letter} you gave {p!r:.20}, a {type(p).__name__}: a panel "
                       "number is a whole number, 1 to 4")
    panels = [int(p) for p in answer]
    if any(p not in (1, 2, 3, 4) for p in panels):
        shown = tuple(p if abs(p) < 10**6 else "a huge number" for p in panels)
        raise Hint(f"you gave {shown}: the panels are numbered 1 to 4")
    for p in sorted(set(panels)):
        given = [letter for letter, q in zip(letters, panels, strict=True) if q == p]
        if len(given) > 1:
            raise Hint(f"panel {p} is given to both {given[0]} and {given[1]}: each panel shows "
                       "a different kernel")
    probe = np.random.default_rng().random((32, 32), dtype=np.float32)
    shown = mystery_panels(probe)  # which panel shows which kernel, found by filtering
    truth = [next(n for n, panel in enumerate(shown, 1) if np.allclose(panel, _shown(probe, k)))
             for k in MYSTERY_KERNELS.values()]
    if panels == truth:
        return ("A, B, C and D matched: a row smears sideways, a column up and down, a "
                "difference of rows finds horizontal edges and one of columns vertical edges")
    blurs = [np.isclose(k.sum(), 1) for k in MYSTERY_KERNELS.values()]
    on_blur_panel = [blurs[truth.index(p)] for p in panels]
    if on_blur_panel != blurs:
        raise Hint("an averaging kernel and an edge kernel have traded places: weights that "
                   "are all positive and sum to 1 average, so their panel still looks like the "
                   "photo, only blurred; weights that sum to 0 give 0 wherever the photo is "
                   "flat, so their panel is black except along edges")
    raise Hint("each kernel is on the right kind of panel, blurred or edges, but a direction "
               "is off: a row of equal weights mixes each pixel with its neighbours to the "
               "left and right, so lines across it go soft while lines along it stay sharp; "
               "a difference between the row above and the row below responds where "
               "brightness changes from top to bottom. Which lines does each panel keep?")
