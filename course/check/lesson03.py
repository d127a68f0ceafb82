"""Checkers for lesson 03 (pooling)."""

import types

import numpy as np

from course.check import core, libraries
from course.check.core import Hint, StudentError, checker, plain
from course.check.frozen import frozen
from course.check.lesson01 import (
    CORRELATE_SHORTCUTS,
    refuse_hidden_c_calls,
    without_the_package_copy,
)
from course.check.lesson02 import BY_ARITHMETIC, WINDOW_SHORTCUTS, whole_size

# Each checker tries the edge cases a teacher would probe, then cases drawn fresh on every
# call (a table of answers cannot pass). The names below answer an exercise for the student:
# the course's own functions (and the private helpers under them), Keras' layers and ops,
# TensorFlow's kernels (tf.nn, tf.raw_ops, tf.image), OpenCV, SciPy.
_TF = "tensorflow.python.ops.gen_nn_ops."  # what every TensorFlow and Keras pooling runs
SIZE_SHORTCUTS = WINDOW_SHORTCUTS  # anything that slides a window: its output's shape
# Min pooling is max pooling of -x, an erosion, or the minimum of windows cut for you (3.1's
# pool2d_loops, saved as ops.pool2d_loops, among them: the notebook's own is refused by name,
# _refuse_loops); and 3.4 asks for NumPy: any TensorFlow op (keras.ops runs on it)
MIN_POOL_SHORTCUTS = (
    "course.ops.pool2d", "course.ops.pool2d_loops", "course.ops._pool_windows",
    "course.ops._windows", "keras.layers.MaxPooling2D.call", "keras.ops.max_pool",
    "keras.ops.adaptive_max_pool", "keras.ops.image.extract_patches",
    *(_TF + op for op in ("max_pool", "max_pool_v2", "max_pool_with_argmax", "max_pool3d",
                          "dilation2d")),
    "tensorflow.python.ops.gen_array_ops.extract_image_patches", "cv2.erode", "cv2.dilate",
    "cv2.morphologyEx", "scipy.ndimage.minimum_filter", "scipy.ndimage.maximum_filter",
    "scipy.ndimage.grey_erosion", "scipy.ndimage.grey_dilation", "scipy.ndimage.rank_filter",
    "scipy.ndimage.percentile_filter", "skimage.measure.block_reduce", *libraries.TENSORFLOW)
# A mean over two axes, with NumPy, TensorFlow or Keras, is the exercise; a pooling layer or
# op that averages each map for the student is not, whatever its number of dimensions
GLOBAL_POOL_SHORTCUTS = (
    "course.ops.pool2d", "course.ops.pool2d_loops", "course.ops._pool_windows",
    "keras.layers.GlobalAveragePooling1D.call", "keras.layers.GlobalAveragePooling2D.call",
    "keras.layers.GlobalAveragePooling3D.call",
    "keras.layers.AveragePooling2D.call", "keras.ops.average_pool",
    "keras.ops.adaptive_average_pool", _TF + "avg_pool", _TF + "avg_pool3d")


def _array(got, case, what):
    """``got`` if it is a NumPy array of numbers, else a Hint naming what came instead."""
    if not isinstance(got, np.ndarray):
        raise Hint(f"{case} you returned {type(got).__name__}; return {what} as a NumPy array")
    if got.dtype.kind not in "iuf":
        raise Hint(f"{case} you returned an array of {got.dtype}; return an array of numbers")
    return got


def _untouched(before, after, name):
    if not np.array_equal(before, after, equal_nan=True):
        raise Hint(f"your function changed the {name} it was given: leave it as it is and build "
                   "a new array for the result")


# ---------------------------------------------------------------- 3.1


# What pools for the student: the course's vectorized pooling and the helpers under it,
# Keras' pooling layers and ops, every TensorFlow op (tf.nn's pools among them; keras.ops
# runs on TensorFlow), NumPy's window makers (cutting every window at once is ops.pool2d's
# way; the loops are the exercise), and the morphology, box filters and block reductions of
# OpenCV, SciPy and scikit-image; and every correlation of lesson 01 (an average pool is a
# correlation with a kernel of ones / size², kept at every stride-th position: cv2.filter2D,
# np.convolve, np.correlate, the course's ops.corr2d and ops.correlate2d...) and OpenCV's
# area resize (the average of each tile). The package's copy of the solution,
# ops.pool2d_loops, is refused by its code object (_running): the core's watch knows a
# function by what its code does, and a student's loops written as the solution's would
# read as a call to it
LOOP_POOL_SHORTCUTS = (
    "keras.layers.AveragePooling2D.call",  # the pooling layers' one call: named as MaxPooling2D's
    *(name for name in MIN_POOL_SHORTCUTS
      if name not in libraries.TENSORFLOW and name != "course.ops.pool2d_loops"),
    "course.ops._pool_counts", "keras.ops.average_pool", "keras.ops.adaptive_average_pool",
    _TF + "avg_pool", _TF + "avg_pool3d", "numpy.lib.stride_tricks.sliding_window_view",
    "numpy.lib.stride_tricks.as_strided", "cv2.blur", "cv2.boxFilter",
    "scipy.ndimage.uniform_filter", *CORRELATE_SHORTCUTS, "course.ops.corr2d", "cv2.resize",
    *libraries.TENSORFLOW)
# what refuse_hidden_c_calls looks for by name in the answer's code: not `resize`, which an
# array's method and np.resize share with cv2.resize (the watch still sees cv2.resize called)
_HIDDEN_LOOP_POOL = tuple(name for name in LOOP_POOL_SHORTCUTS if name != "cv2.resize")


def _running(answer, args, keywords=None):
    """``answer(*args, **keywords)``, watched for ``ops.pool2d_loops`` (as lesson 01's
    answer is for ``ops.corr2d``)."""
    from course import ops

    return without_the_package_copy(answer, args, keywords or {}, ops.pool2d_loops,
                                    LOOP_POOL_SHORTCUTS)


class _NotebookLoops(dict):
    """For :func:`core.reaches`: a function named ``pool2d_loops``, the student's answer to
    3.1, which 3.4 refuses. The watch knows ``ops.pool2d_loops``, and the same code typed
    again, by what the code does; the student's own loops only by their name."""

    def __contains__(self, value):
        return isinstance(value, types.FunctionType) and value.__name__ == "pool2d_loops"

    def __getitem__(self, value):
        return "pool2d_loops"


def _loop_cases(rng):
    """((h, w), size, stride, mode): windows that tile the map, leftovers on an odd or uneven
    map, overlapping windows (stride 1, and 3x3 with stride 2), gaps between them (a stride
    larger than the window), a window as large as the map or as tall, one row, size 1, a tall
    map, maps of up to 30x30 with windows of 4 to 7 (whole numbers averaged, large positive
    values for a min, large negative ones for a max: :func:`_loop_input` by position), each
    mode several times; then cases drawn at random (maps up to 30x30, windows up to 7)."""
    edges = [((4, 4), 2, None, "avg"), ((4, 4), 2, None, "min"), ((7, 7), 2, None, "max"),
             ((5, 8), 3, None, "avg"), ((6, 7), 2, 1, "max"), ((7, 9), 3, 1, "min"),
             ((9, 11), 3, 2, "avg"), ((9, 11), 2, 3, "max"), ((10, 8), 2, 4, "min"),
             ((5, 5), 5, None, "avg"), ((3, 6), 3, 3, "max"), ((1, 6), 1, None, "min"),
             ((8, 5), 3, 2, "max"), ((30, 28), 2, None, "avg"), ((26, 23), 5, 2, "max"),
             ((17, 20), 6, 3, "avg"), ((29, 30), 7, None, "min"), ((24, 27), 4, None, "max")]
    drawn = []
    while len(drawn) < 8:
        shape, size = tuple(int(v) for v in rng.integers(1, 31, 2)), int(rng.integers(1, 8))
        if size <= min(shape):
            drawn.append((shape, size, int(rng.integers(0, 5)) or None,
                          ("max", "avg", "min")[int(rng.integers(3))]))
    return tuple(edges), tuple(drawn)


def _loop_input(rng, number, shape):
    """The map of case ``number``, by ``number % 6``: whole numbers (an int array), all
    values negative (a maximum that starts at 0 stays 0; a sum is no mean), float32, large
    positive values (100 to 1000: a minimum that starts at a large constant stays there),
    large negative ones, else standard normal."""
    kind = number % 6
    if kind == 1:
        return rng.integers(-9, 10, shape)
    x = rng.standard_normal(shape)
    if kind == 2:
        return -np.abs(x) - 0.5
    if kind == 3:
        return (x * 10).astype(np.float32)
    if kind == 4:
        return rng.uniform(100, 1000, shape)
    if kind == 5:
        return -rng.uniform(100, 1000, shape)
    return x


def _loop_shape_hint(got, shape, size, stride):
    """What an output of shape ``got`` says about the windows, for an input of ``shape``."""
    s = size if stride is None else stride
    right = tuple((n - size) // s + 1 for n in shape)
    if stride is None and got == tuple(n - size + 1 for n in shape):
        return ("you moved the window by 1 cell; with stride=None the stride equals the window "
                "size, as in Keras")
    if stride is not None and s != size and got == tuple((n - size) // size + 1 for n in shape):
        return (f"you moved the window by its size, {size}; stride={stride} says how far it "
                "moves")
    if s > 1 and got == tuple(n - size + 1 for n in shape):
        return f"you moved the window by 1 cell; it moves by the stride, here {s}"
    if got == tuple(-(-n // s) for n in shape):
        return ("that is the 'same' size, which pads the end so that every start inside the "
                "input gets a window; 'valid' keeps only the windows that fit inside x")
    if got == tuple(n // s for n in shape):
        return ("that counts n // stride windows, and the last ones stick out past the end; "
                "count only the windows that fit inside x")
    if got == tuple(n - 1 for n in right):
        return ("one window short: count the window that starts at 0 and the last one that "
                "fits, even when it ends exactly at the edge")
    if got == tuple(n + 1 for n in right):
        return "one window too many: the last one would stick out past the end of x"
    if got == right[::-1]:
        return "height and width are swapped: rows first"
    return ("there is one output for each window start 0, stride, 2 * stride, ... whose window "
            "fits inside x")


@checker(without=LOOP_POOL_SHORTCUTS)
def pool2d_loops(answer):
    """``answer(x, size, stride=None, mode="max")``: "valid" max, average or min pooling of a
    2-D array, as ``ops.pool2d``, Keras' ``MaxPooling2D`` and ``AveragePooling2D`` and a
    NumPy minimum over the windows compute it."""
    import keras

    from course import ops

    refuse_hidden_c_calls(answer, _HIDDEN_LOOP_POOL)  # cv2.erode through partial or map
    answer = libraries.refusing(answer, "the exercise asks for NumPy")
    layers = {"max": keras.layers.MaxPooling2D, "avg": keras.layers.AveragePooling2D}

    def references(x, size, s, mode):
        """The right pooled map twice: by ops.pool2d, and by Keras' layer (max, avg) or a
        NumPy minimum over the windows (min). Worked out from the checker's own copy of x
        once the answer has returned."""
        by_ops = ops.pool2d(x.astype(np.float64), size, s, mode=mode)
        if mode == "min":
            windows = np.lib.stride_tricks.sliding_window_view(x, (size, size))[::s, ::s]
            return by_ops, windows.min(axis=(2, 3))
        by_keras = layers[mode](size, strides=s, padding="valid")(
            x.astype(np.float32)[None, :, :, None])
        return by_ops, keras.ops.convert_to_numpy(by_keras)[0, :, :, 0]

    def at_steps(x, size, step, shape, reduce):
        """``reduce`` of each window of x starting at (i * step, j * step), for the
        outputs of ``shape``; None when a window would start past the end."""
        if (shape[0] - 1) * step >= x.shape[0] or (shape[1] - 1) * step >= x.shape[1]:
            return None
        return np.array([[reduce(x[i * step:i * step + size, j * step:j * step + size])
                          for j in range(shape[1])] for i in range(shape[0])]).reshape(shape)

    def mistake(x, size, stride, mode, got, expected):
        """What is wrong with ``got``, a map of the right shape but wrong values."""
        s = size if stride is None else stride
        for other in (m for m in ("max", "avg", "min") if m != mode):
            if np.allclose(got, ops.pool2d(x.astype(np.float64), size, s, mode=other),
                           rtol=1e-5, atol=1e-6):
                names = {"max": "max", "avg": "average", "min": "min"}
                return (f"you computed {names[other]} pooling where mode={mode!r}: mode says "
                        "what each window keeps, 'max' its largest value, 'avg' its mean and "
                        "'min' its smallest")
        reduce = {"max": np.max, "avg": np.mean, "min": np.min}[mode]
        if mode == "avg" and np.allclose(got, expected * size * size, rtol=1e-5, atol=1e-6):
            return (f"you summed each window; an average divides the sum by the number of "
                    f"cells, {size * size} in a {size}x{size} window")
        for step in sorted({1, size} - {s}):
            cut = at_steps(x, size, step, expected.shape, reduce)
            if cut is not None and np.allclose(got, cut, rtol=1e-5, atol=1e-6):
                return (f"your windows start {step} cell{'s' * (step > 1)} apart, not "
                        f"{s}: the window of output (i, j) starts at row i * stride, column "
                        "j * stride")
        if got.shape[0] == got.shape[1] and np.allclose(got, expected.T, rtol=1e-5, atol=1e-6):
            return ("height and width are swapped: output (i, j) pools the window that starts "
                    "in row i * stride, column j * stride")
        i, j = np.argwhere(~np.isclose(got, expected, rtol=1e-5, atol=1e-6))[0]
        kind = {"max": "largest value", "avg": "mean", "min": "smallest value"}[mode]
        return (f"output ({i}, {j}) is {got[i, j]:.4g}, which is not the {kind} of its window, "
                f"rows {i * s}..{i * s + size - 1} and columns {j * s}..{j * s + size - 1}")

    def judge(x, size, stride, mode, call, returned):
        """A Hint unless ``returned`` is the pooled map of ``x``, by every reference."""
        got = _array(returned, f"{call}:", "the pooled map")
        s = size if stride is None else stride
        both = references(x, size, s, mode)
        if not (both[0].shape == both[1].shape
                and np.allclose(*both, rtol=1e-5, atol=1e-5)):
            raise Hint(f"for {call} the checker's two references, ops.pool2d and "
                       f"{'a NumPy min' if mode == 'min' else 'Keras'}, disagree: something "
                       "your code ran earlier changed NumPy, Keras or the course. Restart the "
                       "kernel, run the cells above, then this one")
        for expected in both:
            if got.shape != expected.shape:
                raise Hint(f"{call} returned shape {got.shape}: "
                           f"{_loop_shape_hint(got.shape, x.shape, size, stride)}")
            if got.dtype.kind != "f":
                raise Hint(f"{call} returned {got.dtype} values: return floats (an average of "
                           "whole numbers is a fraction)")
            if not np.allclose(got, expected, rtol=1e-5, atol=1e-5):  # float32 in Keras
                raise Hint(f"{call}: {mistake(x, size, stride, mode, got, expected)}")

    def run(original, args, call, keywords=None):
        """The answer on a copy of ``original``; a Hint for an empty window or an output
        cell written past the end, which NumPy reports as errors."""
        x = original.copy()  # the answer gets a copy
        try:
            returned = _running(answer, (x, *args), keywords)
        except StudentError as raised:
            if isinstance(raised.error, ValueError) and "zero-size" in raised.message:
                raise Hint(f"{call} stopped with ValueError ({raised.message}): a window came "
                           "out empty, because it starts past the end of x. Only windows that "
                           "fit inside x count, and the window of output (i, j) starts at row "
                           "i * stride, column j * stride") from None
            if isinstance(raised.error, IndexError):
                raise Hint(f"{call} stopped with IndexError ({raised.message}): your loops go "
                           "past the last cell of the output or of x; the output has one cell "
                           "for each window that fits inside x") from None
            raise
        _untouched(original, x, "x")
        return returned

    rng = np.random.default_rng()
    # the defaults first (stride=None, mode='max'): size 2, size 3 (a stride of 2 is not the
    # default), mode left out with a stride, the stride left out on an odd size
    defaults = [((6, 6), (2,), {}, None, "max"), ((9, 10), (3,), {}, None, "max"),
                ((8, 9), (3,), {"stride": 1}, 1, "max"), ((11, 12), (5,), {"mode": "avg"},
                                                           None, "avg")]
    for shape, args, keywords, stride, mode in defaults:
        original = frozen(rng.standard_normal(shape))
        shown = "".join(f", {k}={v!r}" for k, v in keywords.items())
        call = f"pool2d_loops(x of shape {shape}, {args[0]}{shown})"
        returned = run(original, args, call, keywords)
        try:
            judge(original, args[0], stride, mode, call, returned)
        except Hint as hint:
            raise Hint(f"{hint} (the defaults are stride=None, mode='max')") from None
    edges, drawn = _loop_cases(rng)
    for number, (shape, size, stride, mode) in enumerate(edges + drawn):
        original = frozen(_loop_input(rng, number, shape))  # the checker's own
        kind = "int" if original.dtype.kind == "i" else "float"
        call = (f"pool2d_loops(x, {size}, stride={stride}, mode={mode!r}) for a "
                f"{shape[0]}x{shape[1]} {kind} x")
        judge(original, size, stride, mode, call, run(original, (size, stride, mode), call))
    return (f"right on {len(edges) + len(drawn) + len(defaults)} maps "
            f"({len(edges) + len(defaults)} edge cases, the "
            "defaults among them, the rest drawn at random): max, average and min, tiling, "
            "overlapping and gapped windows, leftovers, a window as large as the map, whole "
            "numbers; equal to ops.pool2d, Keras' MaxPooling2D and AveragePooling2D, and a "
            "NumPy min")


# ---------------------------------------------------------------- 3.2


@checker(without=SIZE_SHORTCUTS)
def pool_output_size(answer):
    """``answer(n, f, stride=None, padding="valid")``: output length of a Keras pooling layer."""
    answer = libraries.refusing(answer, BY_ARITHMETIC)

    def right(n, f, s, padding):
        return -(-n // s) if padding == "same" else (n - f) // s + 1

    def mistake(n, f, stride, padding, got):  # what a wrong length says about the formula
        s = f if stride is None else stride
        if stride is None and got == right(n, f, 1, padding):
            return ("you used stride 1; with stride=None the stride equals the pool size, in "
                    "Keras as in PyTorch")
        if padding == "valid" and got == -(-(n - f) // s) + 1:
            return ("you rounded up; 'valid' drops the pixels left over at the end, where a "
                    "window would not fit")
        if padding == "valid" and got == n // s:
            return ("that ignores the window size; with 'valid' the window has to fit inside "
                    "the n pixels, so where the last one can start depends on f")
        if padding == "valid" and got == right(n, f, s, padding) - 1:
            return "one window short: did you count the window that starts at pixel 0?"
        if padding == "same" and got == right(n, f, s, "valid"):
            return ("that is the 'valid' length; 'same' pads the end so that no pixel is "
                    "dropped, and then the window size no longer matters, only the stride")
        if padding == "same" and got == n:
            return (f"'same' keeps the length n only when the stride is 1; here the window "
                    f"moves {s} pixels at a time")
        if padding == "same" and got == n // s:
            return ("you rounded down; 'same' keeps the last, partial window (it reaches into "
                    "the padding)")
        return (f"that is too {'large' if got > right(n, f, s, padding) else 'small'}: check "
                f"how padding={padding!r} and stride {s} decide where windows can start")

    rng = np.random.default_rng()
    edges = [(28, 2, None, "valid"), (7, 2, None, "valid"), (7, 3, None, "valid"),
             (13, 3, 2, "valid"), (14, 3, 2, "valid"), (10, 2, 3, "valid"), (5, 5, None, "valid"),
             (9, 1, 1, "valid"), (7, 2, None, "same"), (9, 4, 3, "same"), (6, 5, 1, "same"),
             (10, 3, 4, "same"), (3, 5, None, "same"), (1, 2, None, "same")]
    drawn = []
    while len(drawn) < 12:
        n, f, s = int(rng.integers(1, 100)), int(rng.integers(1, 9)), int(rng.integers(0, 6))
        padding = ("valid", "same")[int(rng.integers(2))]
        if f <= n or padding == "same":
            drawn.append((n, f, s or None, padding))
    edges, drawn = tuple(edges), tuple(drawn)  # the checker's own: nothing can empty them
    call = "pool_output_size(15, 4)"
    got = whole_size(answer(15, 4), "the output length", call)
    if got != right(15, 4, 4, "valid"):
        raise Hint(f"{call} returned {got}: {mistake(15, 4, None, 'valid', got)} (the defaults "
                   "are stride=None, padding='valid')")
    for n, f, stride, padding in edges + drawn:
        call = f"pool_output_size({n}, {f}, stride={stride}, padding={padding!r})"
        got = whole_size(answer(n, f, stride=stride, padding=padding), "the output length",
                         call)
        if got != right(n, f, stride or f, padding):
            raise Hint(f"{call} returned {got}: {mistake(n, f, stride, padding, got)}")
    return (f"right on {len(edges) + len(drawn) + 1} cases ({len(edges) + 1} edge cases, the "
            "rest drawn at random): default, uneven and long strides, 'valid' and 'same'")


# ---------------------------------------------------------------- 3.3


# What pools for the student: every pooling op, layer and morphology or box filter above,
# the course's padding helpers (3.3 asks for the padding to be worked out), and any
# TensorFlow op (keras.ops runs on it). 3.1's pool2d_loops (ops.pool2d_loops) is allowed
SAME_POOL_SHORTCUTS = (
    *(name for name in MIN_POOL_SHORTCUTS
      if name not in libraries.TENSORFLOW and name != "course.ops.pool2d_loops"),
    "course.ops._pool_counts", "course.ops.pad", "course.ops._padding",
    "course.ops._axis_padding", "course.ops._pad_spatial", "course.ops.output_size",
    "keras.layers.AveragePooling2D.call", "keras.ops.average_pool",
    "keras.ops.adaptive_average_pool", _TF + "avg_pool", _TF + "avg_pool3d", "cv2.blur",
    "cv2.boxFilter", "scipy.ndimage.uniform_filter", *libraries.TENSORFLOW)


def _same_pool_cases(rng):
    """((h, w), size, stride, mode): an odd length (the extra padded cell after the input), no
    padding, overlaps, an uneven split, a window larger than the input, one row, gaps
    between windows, size 1; then cases drawn at random."""
    edges = [((7, 7), 2, None, "max"), ((6, 8), 2, None, "avg"), ((7, 9), 3, 2, "max"),
             ((5, 5), 3, 1, "avg"), ((6, 6), 4, 1, "avg"), ((6, 7), 4, 1, "max"),
             ((2, 2), 3, None, "max"), ((1, 6), 2, None, "avg"), ((9, 4), 2, 3, "max"),
             ((5, 7), 1, None, "max"), ((4, 5), 3, 2, "avg")]
    drawn = [(tuple(int(v) for v in rng.integers(1, 13, 2)), int(rng.integers(1, 5)),
              int(rng.integers(0, 5)) or None, ("max", "avg")[int(rng.integers(2))])
             for _ in range(10)]
    return tuple(edges), tuple(drawn)


def _same_pool_shape_hint(got, shape, size, s):
    """What an output of shape ``got`` says about the windows, for an input of ``shape``."""
    if got == tuple((n - size) // s + 1 for n in shape):
        return ("that is the 'valid' size, which drops the windows that stick out past the "
                "end; 'same' keeps one window for every start inside the input")
    if got == tuple(n // s for n in shape):
        return "you dropped the last window, the one that reaches into the padding"
    if got == shape and s > 1:
        return f"you moved the window by 1 cell; it moves by the stride, here {s}"
    if got == tuple(-(-n // s) for n in shape)[::-1]:
        return "height and width are swapped: rows first"
    return "there is one output for each window start 0, stride, 2 * stride, ... inside the input"


@checker(without=SAME_POOL_SHORTCUTS)
def pool2d_same(answer):
    """``answer(x, size, stride=None, mode="max")``: Keras' "same" max or average pooling."""
    refuse_hidden_c_calls(answer, SAME_POOL_SHORTCUTS)  # cv2.dilate through partial or map
    answer = libraries.refusing(answer, "the exercise asks for NumPy")

    def pool(x, size, s, mode, split="tensorflow", fill=np.nan):
        """The checker's own: pad by ``split`` with ``fill`` (nan: a cell that does not
        count), then reduce every window; "same" output length either way."""
        pads = []
        for n in x.shape:
            total = max((-(-n // s) - 1) * s + size - n, 0)
            before = {"tensorflow": total // 2, "before": total - total // 2, "after": 0}[split]
            pads.append((before, total - before))
        windows = np.lib.stride_tricks.sliding_window_view(
            np.pad(x.astype(np.float64), pads, constant_values=fill), (size, size))[::s, ::s]
        reduce = {"max": np.nanmax, "avg": np.nanmean}[mode] if np.isnan(fill) else (
            {"max": np.max, "avg": np.mean}[mode])
        return reduce(windows, axis=(2, 3))

    rng = np.random.default_rng()
    edges, drawn = _same_pool_cases(rng)
    for number, ((h, w), size, stride, mode) in enumerate(edges + drawn):
        x = rng.standard_normal((h, w))
        if number % 2 == 0:
            x = -np.abs(x) - 0.5  # every value negative: a padded 0 would win a maximum
        original = frozen(x)  # the checker's own; the answer gets a copy
        x = original.copy()
        s = size if stride is None else stride
        call = f"pool2d_same(x of shape {original.shape}, {size}, stride={stride}, mode={mode!r})"
        got = _array(answer(x, size, stride, mode), f"{call}:", "the pooled map")
        _untouched(original, x, "x")
        expected = pool(original, size, s, mode)
        if got.shape != expected.shape:
            raise Hint(f"{call} returned shape {got.shape}: "
                       f"{_same_pool_shape_hint(got.shape, original.shape, size, s)}")
        if got.dtype.kind != "f":
            raise Hint(f"{call} returned {got.dtype} values: return floats (an average of "
                       "whole numbers is a fraction)")
        wrong = ~np.isclose(got, expected, rtol=1e-5, atol=1e-6)
        if not wrong.any():
            continue
        other, names = {"max": "avg", "avg": "max"}[mode], {"max": "max", "avg": "average"}
        mistakes = [
            (pool(original, size, s, "max", fill=0.0), "max", "padded cells took part: a "
             "window at the edge whose real cells are all negative gave 0, the padding's "
             "value. A padded cell never wins a maximum"),
            (pool(original, size, s, "avg", fill=0.0), "avg", "you divided by the whole "
             "window, padded cells included (PyTorch's count_include_pad=True); Keras "
             "averages the real cells only"),
            (pool(original, size, s, mode, "before"), mode, "the padding is split the other "
             "way round: when the total is odd, the extra padded cell goes after the input "
             "(at the bottom, on the right)"),
            (pool(original, size, s, mode, "after"), mode, "you padded after the input only; "
             "'same' puts half of the padding, rounded down, before it"),
            (pool(original, size, s, other), mode, f"you computed {names[other]} pooling where "
             f"mode={mode!r}"),
            (expected.T, mode, "height and width are swapped: output (i, j) pools the window "
             "that starts in row i * stride, column j * stride")]
        for wrong_map, for_mode, why in mistakes:
            if for_mode == mode and wrong_map.shape == got.shape and np.allclose(
                    got, wrong_map, rtol=1e-5, atol=1e-6):
                raise Hint(f"{call}: {why}")
        i, j = np.argwhere(wrong)[0]
        kind = "largest value" if mode == "max" else "average"
        raise Hint(f"{call}: output ({i}, {j}) is {got[i, j]:.4g}, which is not the {kind} of "
                   "the real cells of its window")
    return (f"right on {len(edges) + len(drawn)} inputs ({len(edges)} edge cases, the rest "
            "drawn at random): max and average, odd lengths, overlapping windows and gaps, a "
            "window larger than the input, all-negative maps")


# ---------------------------------------------------------------- 3.4


@checker(without=MIN_POOL_SHORTCUTS)
def min_pool(answer):
    """``answer(x, size)``: min pooling of an (H, W) array, stride = size, leftovers dropped."""
    refuse_hidden_c_calls(answer, MIN_POOL_SHORTCUTS)  # cv2.erode through partial or map
    if core.reaches(getattr(answer, "__wrapped__", answer), _NotebookLoops(), {}):
        raise Hint(f"{core._label(answer, 'your function')} calls `pool2d_loops`, your answer "
                   "to 3.1, which pools for you: write the minimum over the windows yourself")
    answer = libraries.refusing(answer, "the exercise asks for NumPy")

    def pool(x, size, reduce):
        h, w = x.shape[0] // size, x.shape[1] // size
        return reduce(x[:h * size, :w * size].reshape(h, size, w, size), axis=(1, 3))

    rng = np.random.default_rng()
    edges = [((6, 8), 2), ((5, 7), 2), ((9, 9), 3), ((7, 4), 3), ((6, 5), 3), ((4, 6), 1),
             ((3, 5), 3), ((4, 4), 4), ((2, 9), 2)]
    drawn = []
    while len(drawn) < 8:
        shape, size = tuple(int(v) for v in rng.integers(1, 13, 2)), int(rng.integers(1, 5))
        if size <= min(shape):
            drawn.append((shape, size))
    for number, (shape, size) in enumerate(tuple(edges + drawn)):
        x = rng.standard_normal(shape)
        if number == 1:
            x = -np.abs(x) - 1  # every value negative: a minimum that starts at 0 stays 0
        elif number == 2:
            x = np.abs(x) + 1  # every value positive
        elif number == 3:
            x = rng.integers(-5, 5, shape)  # whole numbers, with ties
        original = frozen(x)  # the checker's own; the answer gets a copy
        x = original.copy()
        case = f"for a {shape[0]}x{shape[1]} input and size {size}"
        got = _array(answer(x, size), f"{case},", "the pooled map")
        _untouched(original, x, "x")
        expected = pool(original, size, np.min)
        if got.shape != expected.shape:
            raise Hint(f"{case} you returned shape {got.shape}: "
                       f"{_pool_shape_hint(shape, size, got.shape, expected.shape)}")
        if np.allclose(got, expected):
            continue
        for name, reduce in (("maximum", np.max), ("average", np.mean)):
            if np.allclose(got, pool(original, size, reduce)):
                raise Hint(f"{case} you returned each window's {name}; min pooling keeps the "
                           "smallest value")
        i, j = np.argwhere(~np.isclose(got, expected))[0]
        where = (f"window ({i}, {j}) (rows {i * size}..{i * size + size - 1}, columns "
                 f"{j * size}..{j * size + size - 1})")
        if np.allclose(got, _runs(original, size).min(axis=2)):  # min_pool_buggy's reshape
            h, w = expected.shape
            first, last = ((n // (w * size), n % (w * size)) for n in
                           ((i * w + j) * size * size, (i * w + j + 1) * size * size - 1))
            raise Hint(f"{case}, {where} gives {got[i, j]:.4g}, the smallest of the "
                       f"{size * size} values from x[{first[0]}, {first[1]}] to "
                       f"x[{last[0]}, {last[1]}] in reading order, not of that {size}x{size} "
                       "square. A reshape keeps the values in reading order: after a window's "
                       "first row comes the rest of that row of x, not the window's second "
                       "row. Which axis of your reshape counts the rows inside a window?")
        raise Hint(f"{case}, {where} gives {got[i, j]:.4g}, which is not the smallest value in "
                   "that window")
    return (f"right on {len(edges) + len(drawn)} inputs ({len(edges)} edge cases, the rest drawn "
            "at random): non-square, rows and columns left over, size 1 and a single window")


def _runs(x, size):
    """(H, W) -> (H // size, W // size, size * size): the cropped ``x`` cut, in reading order,
    into runs of size * size values, one per window (what reshaping to (h, w, size, size)
    gives; they are not the windows)."""
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[:h * size, :w * size].reshape(h, w, size * size)


def _pool_shape_hint(shape, size, got, expected):
    if got == (shape[0] - size + 1, shape[1] - size + 1):
        return f"you moved the window by 1 pixel; it moves by its size ({size})"
    if got == (-(-shape[0] // size), -(-shape[1] // size)):
        return ("you kept the partial windows at the end; rows and columns left over are "
                "dropped (as with padding='valid')")
    if got == expected[::-1]:
        return "height and width are swapped"
    return (f"windows of {size}x{size} do not overlap, and rows or columns left over at the end "
            "are dropped (as with padding='valid')")


# ---------------------------------------------------------------- 3.5


@checker(without=GLOBAL_POOL_SHORTCUTS)
def global_average_pool(answer):
    """``answer(x)``: (N, H, W, C) -> (N, C), the mean of each feature map."""
    rng = np.random.default_rng()
    edges = [(2, 3, 5, 4), (1, 4, 4, 3), (3, 2, 6, 1), (2, 1, 1, 5), (1, 1, 1, 1), (4, 7, 2, 2)]
    drawn = [tuple(int(v) for v in rng.integers(1, (5, 10, 10, 9))) for _ in range(8)]
    for number, shape in enumerate(tuple(edges + drawn)):
        x = (rng.standard_normal(shape) * rng.uniform(0.5, 4)).astype(np.float32)
        if number == 5:
            x += 100  # far from 0: a sum is not a mean
        original = frozen(x)  # the checker's own; the answer gets a copy
        x = original.copy()
        case = f"for x of shape (N, H, W, C) = {shape}"
        got = _array(answer(x), f"{case}", "an (N, C) array")
        _untouched(original, x, "x")
        expected = original.mean(axis=(1, 2), dtype=np.float64)
        if got.shape != expected.shape:
            raise Hint(f"{case} you returned shape {got.shape}: "
                       f"{_global_shape_hint(shape, got.shape)}")
        if got.dtype != np.float32:
            raise Hint(f"{case} you returned {got.dtype}; GlobalAveragePooling2D keeps the "
                       "float32 of its input (NumPy makes float64 arrays unless told otherwise)")
        if np.allclose(got, expected, rtol=1e-4, atol=1e-4):
            continue
        if np.allclose(got, original.max(axis=(1, 2)), rtol=1e-4, atol=1e-4):
            raise Hint(f"{case} you took each feature map's maximum: that is global *max* "
                       "pooling")
        if np.allclose(got, original.sum(axis=(1, 2), dtype=np.float64), rtol=1e-4, atol=1e-4):
            raise Hint(f"{case} you summed each feature map; an average divides by the number "
                       "of cells")
        n, c = np.argwhere(~np.isclose(got, expected, rtol=1e-4, atol=1e-4))[0]
        raise Hint(f"{case} example {n}, channel {c} is {got[n, c]:.4f}, which is not the mean of "
                   f"x[{n}, :, :, {c}]")
    return (f"right on {len(edges) + len(drawn)} batches ({len(edges)} edge cases, the rest drawn "
            "at random): a batch of one, one channel, 1x1 maps, float32 kept")


def _global_shape_hint(shape, got):
    n, _, _, c = shape
    if got == (n, 1, 1, c):
        return ("you kept the spatial axes (keepdims); GlobalAveragePooling2D returns (N, C), one "
                "number per example and channel")
    if got == (n,):
        return "you averaged over the channels too; each channel keeps its own average"
    if got == (c, n):
        return "the axes are swapped: (N, C), examples first"
    if got in ((c,), (n,)) or len(got) < 2:
        return ("an axis is gone: the result keeps one row per example and one column per "
                "channel, even when there is only one (np.squeeze drops every axis of length 1)")
    return "average over height and width only, and keep the example and channel axes"


# ---------------------------------------------------------------- 3.6


@checker
def avg_pool_kernel(answer):
    """``answer(size, channels)``: a Conv2D kernel that, with strides=size, average-pools."""
    from course import ops

    rng = np.random.default_rng()
    edges = [(2, 3), (3, 2), (1, 4), (4, 1), (2, 1), (5, 3)]
    drawn = [(int(rng.integers(1, 6)), int(rng.integers(1, 7))) for _ in range(6)]
    for size, channels in tuple(edges + drawn):
        call = f"avg_pool_kernel({size}, {channels})"
        k = _array(answer(size, channels), f"{call}:", "the kernel")
        shape = (size, size, channels, channels)
        if k.shape != shape:
            raise Hint(f"{call} has shape {k.shape}; a Conv2D kernel is (kh, kw, C_in, C_out), "
                       f"here {shape}")
        height, width = (int(v) for v in rng.integers(size, 4 * size + 4, 2))
        x = rng.standard_normal((2, height, width, channels))
        got = ops.correlate2d(x, k.astype(np.float64), stride=size)
        h, w = height // size, width // size
        windows = x[:, :h * size, :w * size].reshape(2, h, size, w, size, channels)
        if not np.allclose(got, windows.mean(axis=(2, 4))):
            raise Hint(f"{call}: {_kernel_hint(k, size, channels)}")
    return (f"a stride-size Conv2D with it average-pools, on {len(edges) + len(drawn)} kernels "
            f"({len(edges)} edge cases, size 1 and one channel among them, the rest drawn at "
            "random) and inputs with rows and columns left over")


def _kernel_hint(k, size, channels):
    """What is wrong with the kernel ``k``, the first thing found."""
    if not np.isfinite(k).all():
        return "your kernel holds nan or inf"
    if k.dtype.kind in "iu":
        return (f"your kernel has the integer dtype {k.dtype}, which cannot hold a fraction: "
                "every weight is cut to a whole number")
    for c_in, c_out in np.ndindex(channels, channels):
        if c_in != c_out and np.any(k[:, :, c_in, c_out] != 0):
            return (f"it mixes channels: output channel {c_out} reads input channel {c_in} "
                    f"(k[:, :, {c_in}, {c_out}] is not zero), but pooling works on each channel "
                    "separately")
    for c in range(channels):
        window = k[:, :, c, c]
        if not np.allclose(window, window[0, 0]):
            r, s = np.argwhere(~np.isclose(window, window[0, 0]))[0]
            return (f"in channel {c} the weights differ (k[0, 0, {c}, {c}] is {window[0, 0]:.4g}, "
                    f"k[{r}, {s}, {c}, {c}] is {window[r, s]:.4g}); an average weighs every cell "
                    "of its window the same")
        weight = float(window[0, 0])
        if weight == 0:
            return f"channel {c} is all zeros, so output channel {c} is always 0"
        if np.isclose(weight, 1):
            return (f"channel {c} sums each window; an average divides by the number of cells "
                    f"in a {size}x{size} window")
        if np.isclose(weight, 1 / size):
            return f"channel {c} divides by size; a {size}x{size} window has more cells than that"
        if not np.isclose(weight * size * size, 1):
            return (f"every weight of channel {c} is {weight:.4g}, so a window full of ones "
                    f"comes out as {weight * size * size:.4g}, where its average is 1")
    return "a stride-size correlation with your kernel does not give the window averages"


# ---------------------------------------------------------------- 3.7

# The map of the statement; the checker works out where its pixels go under the shift.
SHIFT_MAP = np.array([[0, 6, 0, 0, 0, 3],
                      [2, 0, 0, 6, 0, 0],
                      [5, 0, 0, 0, 2, 0],
                      [0, 3, 4, 1, 0, 1]], float)


@checker(prediction=True, tries=3)
def pooled_after_shift(answer):
    """``answer``: the 2x2 max pooling (stride 2) of SHIFT_MAP shifted right by one pixel.

    The hints name a misunderstanding (the map before the shift, a wrap-around, a shift to
    the left, of the pooled map, an average) but never which outputs are right."""
    def pool(x, reduce=np.max):
        return reduce(x.reshape(2, 2, 3, 2), axis=(1, 3))

    def shifted(x, by=1):
        out = np.zeros_like(x)
        out[:, by:] = x[:, :x.shape[1] - by]
        return out

    grid = ("is not a grid of numbers: write it as a list of rows of numbers, "
            "[[a, b, c], [d, e, f]]")
    try:
        shown = f"{answer!r:.60}"
    except ValueError:  # an int too long to print
        shown = "with an int of thousands of digits"
    try:
        got = np.asarray(plain(answer))
    except (TypeError, ValueError):
        raise Hint(f"your prediction {shown} {grid}") from None
    if got.dtype.kind not in "iuf":  # strings, True/False, a mix or ragged rows
        raise Hint(f"your prediction {shown} {grid}")
    got = got.astype(float)
    before, expected = pool(SHIFT_MAP), pool(shifted(SHIFT_MAP))
    if got.shape != expected.shape:
        if got.shape == SHIFT_MAP.shape:
            raise Hint(f"your prediction has shape {got.shape}, the shape of the map itself: "
                       "predict the max-pooled map, one number per 2x2 window")
        raise Hint(f"your prediction has shape {got.shape}; 2x2 windows with stride 2 cut the "
                   f"4x6 map into 2 rows of 3 windows, so the pooled map is {expected.shape}: "
                   "[[a, b, c], [d, e, f]]")
    if np.array_equal(got, expected):
        changed = int((before != expected).sum())
        return (f"{changed} of the 6 outputs change, {6 - changed} survive the shift; the next "
                "cell shows which")
    raise Hint(_shift_hint(got, {
        "before": before, "wrapped": pool(np.roll(SHIFT_MAP, 1, axis=1)),
        "pooled map moved": shifted(before),
        "left": pool(np.pad(SHIFT_MAP[:, 1:], [(0, 0), (0, 1)])),
        "average": pool(shifted(SHIFT_MAP), np.mean), "minimum": pool(shifted(SHIFT_MAP), np.min)}))


def _shift_hint(got, wrong):
    """The misunderstanding whose map ``got`` is (``wrong``: name -> that map), or a hint that
    says how to work the prediction out, without saying which outputs are right."""
    hints = {
        "before": "that is the pooled map *before* the shift: nothing changing would be "
                  "invariance. Move every pixel one column to the right first (column 0 becomes "
                  "0, the last column falls off), then pool",
        "wrapped": "you wrapped the last column around to the left. `shift_right` fills the "
                   "column that enters on the left with zeros (black), and the pixels that leave "
                   "on the right are gone",
        "pooled map moved": "you moved the *pooled* map one cell to the right. The shift moves "
                            "the input by one pixel, half a window: shift the 4x6 map, then pool",
        "left": "you shifted the map to the left; `shift_right` moves every pixel one column to "
                "the right",
        "average": "you averaged each window; this is max pooling: keep each window's largest "
                   "value",
        "minimum": "you kept each window's smallest value; this is max pooling",
    }
    for name, grid in wrong.items():
        if np.allclose(got, grid):
            return hints[name]
    return ("that is not what 2x2 max pooling makes of the shifted map. Write the shifted 4x6 "
            "map out in full first (every pixel one column to the right, zeros entering on the "
            "left), draw the windows' lines on it, then take each window's largest value")
