"""Lesson 03's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut through the course, Keras, TensorFlow or OpenCV, a table of the checker's
old fixed cases, an always-equal object and a type slip. Each must get "not yet" with a hint
that holds no line of the solution; the right answer must pass every time (cases are drawn
afresh). 3.1 is section 1's loops, `pool2d_loops`, which the student writes (issue 28); the
course's copy of the solution, `ops.pool2d_loops`, is no answer to it. 3.4 is a debug
exercise: the lesson's own `min_pool_buggy` is refused with a hint that does not say the fix.
The prediction 3.7 is tested on its values, and on its limit of tries. The loops of 3.1 (the
student's or `ops.pool2d_loops`) may be called in 3.3, not in 3.4. (The tests of these
checkers that lived in test_check_lessons_03_04.py, test_check_new_exercises_03_05.py and
test_check_shortcuts.py are here now.)"""

import functools
import math
import types

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from cheats import (
    AlwaysEqual,
    drawn,
    draws,
    lesson_function,
    refused_every_time,
    right_the_first_time,
)
from frame_edits import editing

from course import ops
from course.check import lesson03
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "03_pooling.ipynb"


def stub(*args, **kwargs):
    raise NotImplementedError()


class AlwaysEqualArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), bool)


def table(cases, fallback):
    """An answer that looks its inputs up in a table of the old checker's fixed ones."""
    def answer(*args, **kwargs):
        key = tuple(a.tobytes() if isinstance(a, np.ndarray) else a
                    for a in args + tuple(kwargs.values()))
        return cases[key] if key in cases else fallback(*args, **kwargs)
    return answer


def old_key(*args):
    return tuple(a.tobytes() if isinstance(a, np.ndarray) else a for a in args)


# ---------------------------------------------------------------- right answers


def loops(x, size, stride=None, mode="max", step=None, rows=None, reduce=None, dtype=float):
    """3.1 as two loops, right unless told otherwise: windows ``step`` cells apart (not the
    stride), the output's size by ``rows(n, size, stride)`` (not the "valid" count), each
    window reduced by ``reduce`` (not the mode's), the output of ``dtype``."""
    s = size if stride is None else stride
    step = s if step is None else step
    reduce = reduce or {"max": np.max, "avg": np.mean, "min": np.min}[mode]
    count = rows or (lambda n, size, s: (n - size) // s + 1)
    out = np.zeros((count(x.shape[0], size, s), count(x.shape[1], size, s)), dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = reduce(x[i * step:i * step + size, j * step:j * step + size])
    return out


def right_loops_by_starts(x, size, stride=None, mode="max"):
    """3.1 written another way: loops over the window starts, a method for the reduction."""
    s = stride or size
    starts = [range(0, n - size + 1, s) for n in x.shape]
    return np.array([[getattr(x[r:r + size, c:c + size], mode.replace("avg", "mean"))()
                      for c in starts[1]] for r in starts[0]], float).reshape(
        len(starts[0]), len(starts[1]))


def right_size(n, f, stride=None, padding="valid"):
    s = f if stride is None else stride
    return -(-n // s) if padding == "same" else (n - f) // s + 1


def blocks(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[:h * size, :w * size].reshape(h, size, w, size)


def right_min_pool(x, size):
    return blocks(x, size).min(axis=(1, 3))


def same_split(x, size, stride, split="tensorflow"):
    """The (before, after) padding of each axis for "same" pooling, split as ``split`` says."""
    s = size if stride is None else stride
    pads = []
    for n in x.shape:
        total = max((-(-n // s) - 1) * s + size - n, 0)
        before = {"tensorflow": total // 2, "before": total - total // 2, "after": 0}[split]
        pads.append((before, total - before))
    return pads, s


def right_same_pool(x, size, stride=None, mode="max"):  # the window's real cells, by loops
    s = size if stride is None else stride
    (top, _), (left, _) = same_split(x, size, stride)[0]
    out = np.zeros((-(-x.shape[0] // s), -(-x.shape[1] // s)))
    for i, j in np.ndindex(out.shape):
        r, c = i * s - top, j * s - left
        window = x[max(r, 0):r + size, max(c, 0):c + size]
        out[i, j] = window.max() if mode == "max" else window.mean()
    return out


def same_by_padding(x, size, stride=None, mode="max", split="tensorflow", fill=None,
                    include_pad=False):
    """Pad (-inf for max, 0 for an average, unless ``fill``), then 3.1's pool2d_loops
    (the course's copy); an average divides by the real cells unless ``include_pad``."""
    pads, s = same_split(x, size, stride, split)
    fill = (-np.inf if mode == "max" else 0.0) if fill is None else fill
    pooled = ops.pool2d_loops(np.pad(x, pads, constant_values=fill), size, s, mode)
    if mode == "max" or include_pad:
        return pooled
    return pooled / ops.pool2d_loops(np.pad(np.ones_like(x), pads), size, s, "avg")


def right_kernel(size, channels):
    kernel = np.zeros((size, size, channels, channels), np.float32)
    for c in range(channels):
        kernel[:, :, c, c] = 1 / size**2
    return kernel


RIGHT = {
    "pool2d_loops": lesson_function(LESSON, "pool2d_loops"),  # the lesson's solution
    "pool_output_size": right_size,
    "pool2d_same": right_same_pool,
    "min_pool": right_min_pool,
    "global_average_pool": lambda x: np.mean(x, axis=(1, 2)),
    "avg_pool_kernel": right_kernel,
}

# ---------------------------------------------------------------- the old fixed cases

OLD_SIZES = [(28, 2, None, "valid"), (24, 2, None, "valid"), (7, 3, None, "valid"),
             (55, 3, 2, "valid"), (13, 3, 2, "valid"), (5, 2, 1, "valid"), (7, 2, None, "same"),
             (9, 4, 3, "same"), (6, 5, 1, "same"), (10, 3, None, "valid")]
OLD_MIN_POOL = [(np.random.default_rng(0).standard_normal((6, 8)), 2),
                (np.random.default_rng(1).standard_normal((5, 7)), 2),
                (np.random.default_rng(2).standard_normal((9, 9)), 3)]
OLD_BATCH = np.random.default_rng(3).standard_normal((2, 3, 5, 4)).astype(np.float32)


# ---------------------------------------------------------------- wrong answers


def max_from_zero(x, size, stride=None, mode="max"):  # a loop whose maximum starts at 0
    if mode != "max":
        return loops(x, size, stride, mode)
    def largest(window):
        best = 0.0
        for value in window.flat:
            best = max(best, value)
        return best
    return loops(x, size, stride, mode, reduce=largest)


def min_from_100(x, size, stride=None, mode="max"):  # a minimum that starts at 100
    if mode != "min":
        return loops(x, size, stride, mode)

    def smallest(window):
        best = 100.0
        for value in window.flat:
            best = min(best, value)
        return best
    return loops(x, size, stride, mode, reduce=smallest)


def fixed_buffer(x, size, stride=None, mode="max", cells=12):  # a 12x12 buffer, the rest 0
    right = loops(x, size, stride, mode)
    out = np.zeros(right.shape)
    out[:cells, :cells] = right[:cells, :cells]
    return out


def big_windows_a_column_short(x, size, stride=None, mode="max"):
    reduce = {"max": np.max, "avg": np.mean, "min": np.min}[mode]
    if size >= 5 and x.shape != (size, size):
        return loops(x, size, stride, mode, reduce=lambda window: reduce(window[:, :-1]))
    return loops(x, size, stride, mode)


def avg_by_correlation(correlate):
    """Average pooling as a correlation with ones / size² (``correlate(x, kernel)``, the
    valid one), kept at every stride-th position; max and min by the loops."""
    def answer(x, size, stride=None, mode="max"):
        if mode != "avg":
            return loops(x, size, stride, mode)
        s = size if stride is None else stride
        return correlate(np.asarray(x, float), np.ones((size, size)) / size**2)[::s, ::s].copy()
    return answer


def valid_by_opencv_filter2d(x, kernel):
    kh, kw = kernel.shape
    full = cv2.filter2D(x, -1, kernel, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    return full[:x.shape[0] - kh + 1, :x.shape[1] - kw + 1]


def valid_by_np_convolve(x, kernel):  # separable: a row of ones, then a column
    row = kernel[0] / kernel[0].sum() * kernel.sum() ** 0.5
    rows = np.array([np.convolve(r, row, "valid") for r in x])
    return np.array([np.convolve(c, row, "valid") for c in rows.T]).T


def valid_by_np_correlate(x, kernel):
    row = kernel[0] / kernel[0].sum() * kernel.sum() ** 0.5
    rows = np.array([np.correlate(r, row, "valid") for r in x])
    return np.array([np.correlate(c, row, "valid") for c in rows.T]).T


def avg_by_area_resize(x, size, stride=None, mode="max"):  # the tiles' means, by OpenCV
    s = size if stride is None else stride
    if mode != "avg" or s != size:
        return loops(x, size, stride, mode)
    h, w = x.shape[0] // size, x.shape[1] // size
    return cv2.resize(np.asarray(x, np.float64)[:h * size, :w * size], (w, h),
                      interpolation=cv2.INTER_AREA)


def opencv_by_getattr_through_map(x, size, stride=None, mode="max"):
    """cv2.dilate, erode and blur fetched at run time and called from C, by ``map``."""
    s = size if stride is None else stride
    function = getattr(cv2, {"min": "ero" + "de", "max": "dil" + "ate", "avg": "bl" + "ur"}[mode])
    rows, cols = (x.shape[0] - size) // s + 1, (x.shape[1] - size) // s + 1
    second = (size, size) if mode == "avg" else np.ones((size, size), np.uint8)
    full, = map(function, [np.asarray(x, np.float64)], [second], [None], [(0, 0)])
    return full[::s, ::s][:rows, :cols].copy()


# the package's solution as a code object copied at run time, under another name
PACKAGE_CODE_COPY = types.FunctionType(
    ops.pool2d_loops.__code__.replace(co_name="mine"), ops.pool2d_loops.__globals__, "mine",
    ops.pool2d_loops.__defaults__)


def zeros_after_patching(x, size, stride=None, mode="max"):
    """Zeros, after patching what the references use: as_strided (ops.pool2d,
    sliding_window_view) and Keras' BasePooling.call."""
    import numpy.lib._stride_tricks_impl as tricks
    from keras.src.layers.pooling import base_pooling

    def call(self, inputs):
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        h, w = inputs.shape[1:3]
        return np.zeros((inputs.shape[0], (h - ph) // sh + 1, (w - pw) // sw + 1,
                         inputs.shape[3]), "float32")

    tricks.as_strided = lambda a, shape=None, strides=None, **kwargs: np.zeros(shape)
    base_pooling.BasePooling.call = call
    s = size if stride is None else stride
    return np.zeros(((x.shape[0] - size) // s + 1, (x.shape[1] - size) // s + 1))


def keras_pooling_patched(x, size, stride=None, mode="max"):
    """Right for min; Keras' pooling made to return zeros, and zeros returned for max and
    avg."""
    from keras.src.layers.pooling import base_pooling

    base_pooling.BasePooling.call = lambda self, inputs: inputs[:, ::self.strides[0],
                                                                ::self.strides[1]] * 0
    if mode == "min":
        return loops(x, size, stride, mode)
    s = size if stride is None else stride
    return np.zeros(((x.shape[0] - size) // s + 1, (x.shape[1] - size) // s + 1))


def pool_by_opencv(x, size, stride=None, mode="max"):
    """A max (dilate), min (erode) or box (blur) filter, read at the window starts."""
    s = stride or size
    image, anchor = x.astype(np.float64), (0, 0)
    kernel = np.ones((size, size), np.uint8)
    out = {"max": lambda: cv2.dilate(image, kernel, anchor=anchor),
           "min": lambda: cv2.erode(image, kernel, anchor=anchor),
           "avg": lambda: cv2.blur(image, (size, size), anchor=anchor)}[mode]()
    return out[:x.shape[0] - size + 1:s, :x.shape[1] - size + 1:s]


def min_pool_max_init_zero(x, size):  # a loop whose minimum starts at 0
    h, w = x.shape[0] // size, x.shape[1] // size
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            best = 0.0
            for value in x[i * size:(i + 1) * size, j * size:(j + 1) * size].flat:
                best = min(best, value)
            out[i, j] = best
    return out


def min_pool_in_place(x, size):
    x -= 0  # harmless
    x[:] = np.sort(x, axis=None).reshape(x.shape)  # sorts the caller's array
    return right_min_pool(x, size)


def min_pool_partial_windows(x, size):
    pad = [(0, -x.shape[0] % size), (0, -x.shape[1] % size)]
    return blocks(np.pad(x, pad, constant_values=np.inf), size).min(axis=(1, 3))


def by_erosion(x, size):
    eroded = cv2.erode(x.astype(np.float32), np.ones((size, size), np.uint8), anchor=(0, 0))
    h, w = x.shape[0] // size * size, x.shape[1] // size * size
    return eroded[:h:size, :w:size]


def size_by(kernel):
    """A 3.2 answer that reads the length off ``kernel`` run on zeros, shape (1, n, 1, 1)."""
    def answer(n, f, stride=None, padding="valid"):
        return int(kernel(tf.zeros((1, n, 1, 1)), f, stride or f, padding.upper()).shape[1])
    return answer


SIZE_KERNELS = {  # tf.nn, tf.image and tf.raw_ops kernels whose output has the length
    "tf.nn.conv2d": lambda x, f, s, p: tf.nn.conv2d(x, tf.zeros((f, 1, 1, 1)), [1, s, 1, 1], p),
    "tf.image.extract_patches": lambda x, f, s, p: tf.image.extract_patches(
        x, [1, f, 1, 1], [1, s, 1, 1], [1, 1, 1, 1], p),
    "tf.raw_ops.MaxPoolV2": lambda x, f, s, p: tf.raw_ops.MaxPoolV2(
        input=x, ksize=[1, f, 1, 1], strides=[1, s, 1, 1], padding=p),
    "tf.nn.max_pool_with_argmax": lambda x, f, s, p: tf.nn.max_pool_with_argmax(
        x, (f, 1), (s, 1), p)[0],
    "tf.raw_ops.AvgPool3D": lambda x, f, s, p: tf.raw_ops.AvgPool3D(
        input=x[..., None], ksize=[1, f, 1, 1, 1], strides=[1, s, 1, 1, 1], padding=p),
}


def min_by_private_windows(x, size):  # the helper under ops.pool2d, then .min
    windows = ops._pool_windows(np.asarray(x, float)[None, :, :, None], (size, size),
                                (size, size), [(0, 0), (0, 0)], "min")
    return windows.min(axis=(-2, -1))[0, :, :, 0]


def min_by_dilation(x, size):  # min(x) = -max(-x): a dilation of -x
    dilated = cv2.dilate(-x.astype(np.float64), np.ones((size, size), np.uint8), anchor=(0, 0),
                         borderType=cv2.BORDER_REPLICATE)
    h, w = x.shape[0] // size * size, x.shape[1] // size * size
    return -dilated[:h:size, :w:size]


def min_by_argmax_pool(x, size):
    y, _ = tf.nn.max_pool_with_argmax(-tf.constant(x[None, :, :, None], tf.float64), size,
                                      size, "VALID")
    return -y.numpy()[0, :, :, 0]


def min_by_erosion_through_partial(x, size):  # partial calls cv2.erode from C
    erode = functools.partial(cv2.erode, kernel=np.ones((size, size), np.uint8), anchor=(0, 0),
                              borderType=cv2.BORDER_REPLICATE)
    h, w = x.shape[0] // size * size, x.shape[1] // size * size
    return erode(x.astype(np.float64))[:h:size, :w:size]


def min_by_patches(x, size):
    patches = tf.image.extract_patches(tf.constant(x[None, :, :, None]), [1, size, size, 1],
                                       [1, size, size, 1], [1, 1, 1, 1], "VALID")
    return patches.numpy()[0].min(axis=-1)


def by_dilation_same(x, size, stride=None, mode="max"):
    """cv2.dilate is a max filter; its samples at the window starts are "same" max pooling
    (an average: cv2.blur), for odd windows."""
    s = size if stride is None else stride
    (top, _), (left, _) = same_split(x, size, stride)[0]
    image = x.astype(np.float64)
    if mode == "max":
        out = cv2.dilate(image, np.ones((size, size), np.uint8), anchor=(left, top),
                         borderType=cv2.BORDER_CONSTANT, borderValue=-np.inf)
    else:
        out = cv2.blur(image, (size, size), anchor=(left, top), borderType=cv2.BORDER_CONSTANT)
    return out[::s, ::s]


def mean_as_float64(x):
    out = np.zeros((x.shape[0], x.shape[3]))
    for n in range(x.shape[0]):
        for c in range(x.shape[3]):
            out[n, c] = x[n, :, :, c].mean()
    return out


def kernel_int(size, channels):
    kernel = np.zeros((size, size, channels, channels), int)
    for c in range(channels):
        kernel[:, :, c, c] = 1 / size**2
    return kernel


def kernel_one_channel_wrong(size, channels):
    kernel = right_kernel(size, channels)
    kernel[0, 0, -1, -1] *= 2
    return kernel


OLD_MAPS = [np.random.default_rng(1).standard_normal((9, 11)).astype(np.float32)
            for _ in range(4)]  # the random maps of the lesson's old comparison cell

WRONG = {
    "pool2d_loops": [
        ("stride ignored", lambda x, size, stride=None, mode="max": loops(x, size, None, mode)),
        ("stride None as 1", lambda x, size, stride=None, mode="max": loops(
            x, size, stride or 1, mode)),
        ("windows at steps of 1", lambda x, size, stride=None, mode="max": loops(
            x, size, stride, mode, step=1)),
        ("windows at steps of size", lambda x, size, stride=None, mode="max": loops(
            x, size, stride, mode, step=size)),
        ("same-style output, padded", lambda x, size, stride=None, mode="max": loops(
            x, size, stride, mode, rows=lambda n, size, s: -(-n // s))),
        ("n // stride windows", lambda x, size, stride=None, mode="max": loops(
            x, size, stride, mode, rows=lambda n, size, s: n // s)),
        ("avg as sum", lambda x, size, stride=None, mode="max": loops(
            x, size, stride, mode, reduce=np.sum if mode == "avg" else None)),
        ("mode ignored", lambda x, size, stride=None, mode="max": loops(x, size, stride)),
        ("min as max", lambda x, size, stride=None, mode="max": loops(
            x, size, stride, "max" if mode == "min" else mode)),
        ("one window short", lambda x, size, stride=None, mode="max": loops(
            x, size, stride, mode, rows=lambda n, size, s: (n - size) // s)),
        ("maximum starts at 0", max_from_zero),
        ("ints", lambda x, size, stride=None, mode="max": loops(x, size, stride, mode,
                                                                  dtype=int)),
        ("rows and columns swapped", lambda x, size, stride=None, mode="max": loops(
            x.T, size, stride, mode)),
        ("mutates x", lambda x, size, stride=None, mode="max": loops(
            np.negative(x, out=x), size, stride, mode)),
        ("list", lambda x, size, stride=None, mode="max": loops(x, size, stride, mode).tolist()),
        ("always equal", lambda *args, **kwargs: AlwaysEqual()),
        ("always-equal array", lambda x, size, stride=None, mode="max": loops(
            x, size, stride, mode)[::-1].view(AlwaysEqualArray)),
        ("table", table({old_key(x, s, st): ops.pool2d(x, s, st, mode="max")
                         for x in OLD_MAPS for s, st in [(2, None), (3, 2), (3, 1), (2, 3)]},
                        lambda x, size, stride=None, mode="max": np.zeros(
                            ((x.shape[0] - size) // (stride or size) + 1,
                             (x.shape[1] - size) // (stride or size) + 1)))),
        ("stride defaults to 2", lambda x, size, stride=2, mode="max": loops(
            x, size, size if stride is None else stride, mode)),
        ("a whole-number average rounded", lambda x, size, stride=None, mode="max": loops(
            x, size, stride, mode, reduce=lambda w: round(w.mean()))
            if mode == "avg" and x.dtype.kind in "iu" else loops(x, size, stride, mode)),
        ("a fixed 12x12 buffer", fixed_buffer),
        ("float32 rounded to float16", lambda x, size, stride=None, mode="max": loops(
            x.astype(np.float16) if x.dtype == np.float32 else x, size, stride, mode)),
        ("windows of 5 or more a column short", big_windows_a_column_short),
        ("minimum starts at 100", min_from_100),
        ("course shortcut", lambda x, size, stride=None, mode="max": ops.pool2d(
            x, size, stride, mode=mode)),
        ("the course's copy", lambda x, size, stride=None, mode="max": ops.pool2d_loops(
            x, size, stride, mode)),
        ("ops.pool2d_loops' code copied at run time", PACKAGE_CODE_COPY),
        ("average by cv2.filter2D", avg_by_correlation(valid_by_opencv_filter2d)),
        ("average by np.convolve", avg_by_correlation(valid_by_np_convolve)),
        ("average by np.correlate", avg_by_correlation(valid_by_np_correlate)),
        ("average by ops.corr2d", avg_by_correlation(ops.corr2d)),
        ("average by ops.correlate2d", avg_by_correlation(ops.correlate2d)),
        ("average by cv2.resize", avg_by_area_resize),
        ("cv2 by getattr through map", opencv_by_getattr_through_map),
        ("patches the references", zeros_after_patching),
        ("patches Keras' pooling", keras_pooling_patched),
        ("keras layer", lambda x, size, stride=None, mode="max": np.asarray(
            {"max": keras.layers.MaxPooling2D, "avg": keras.layers.AveragePooling2D}.get(
                mode, keras.layers.MaxPooling2D)(size, stride)(x[None, :, :, None]))[0, :, :, 0]),
        ("keras op", lambda x, size, stride=None, mode="max": keras.ops.convert_to_numpy(
            keras.ops.max_pool(x[None, :, :, None], size, stride))[0, :, :, 0]),
        ("tensorflow", lambda x, size, stride=None, mode="max": tf.nn.pool(
            x[None, :, :, None], (size, size), "AVG" if mode == "avg" else "MAX",
            strides=(stride or size, stride or size), padding="VALID").numpy()[0, :, :, 0]),
        ("sliding_window_view", lambda x, size, stride=None, mode="max": getattr(
            np, mode.replace("avg", "mean"))(np.lib.stride_tricks.sliding_window_view(
                x, (size, size))[::stride or size, ::stride or size], axis=(2, 3))),
        ("opencv", pool_by_opencv),
    ],
    "pool_output_size": [
        ("stride None as 1", lambda n, f, stride=None, padding="valid": right_size(
            n, f, stride or 1, padding)),
        ("rounds up", lambda n, f, stride=None, padding="valid": (
            math.ceil(n / (stride or f)) if padding == "same"
            else math.ceil((n - f) / (stride or f)) + 1)),
        ("same as valid", lambda n, f, stride=None, padding="valid": right_size(
            n, f, stride, "valid")),
        ("same keeps n", lambda n, f, stride=None, padding="valid": (
            n if padding == "same" else right_size(n, f, stride))),
        ("n // stride", lambda n, f, stride=None, padding="valid": n // (stride or f)),
        ("wrong default", lambda n, f, stride=1, padding="valid": right_size(
            n, f, stride, padding)),
        ("course shortcut", lambda n, f, stride=None, padding="valid": ops.output_size(
            n, f, stride or f, padding, strict=False)),
        ("keras shortcut", lambda n, f, stride=None, padding="valid": keras.layers.MaxPooling1D(
            f, stride, padding).compute_output_shape((None, n, 1))[1]),
        ("conv shortcut", lambda n, f, stride=None, padding="valid": keras.layers.Conv1D(
            1, f, stride or f, padding).compute_output_shape((None, n, 1))[1]),
        ("pooled zeros", lambda n, f, stride=None, padding="valid": keras.ops.max_pool(
            np.zeros((1, n, 1)), f, stride, padding).shape[1]),
        ("table", table({old_key(*c): right_size(*c) for c in OLD_SIZES},
                        lambda n, f, stride=None, padding="valid": (n - f) // (stride or f) + 1)),
        ("always equal", lambda *args, **kwargs: AlwaysEqual()),
        ("float", lambda n, f, stride=None, padding="valid": float(
            right_size(n, f, stride, padding))),
        ("tuple", lambda n, f, stride=None, padding="valid": (right_size(n, f, stride, padding),)),
        ("string", lambda n, f, stride=None, padding="valid": str(right_size(n, f, stride,
                                                                               padding))),
        *((f"{name} on zeros", size_by(kernel)) for name, kernel in SIZE_KERNELS.items()),
        ("an int too large to print", lambda n, f, stride=None, padding="valid": 10**5000),
    ],
    "pool2d_same": [
        ("zeros padded for max", lambda x, size, stride=None, mode="max": same_by_padding(
            x, size, stride, mode, fill=0.0)),
        ("padded zeros counted in the average", lambda x, size, stride=None, mode="max": (
            same_by_padding(x, size, stride, mode, include_pad=True))),
        ("the extra padded cell before", lambda x, size, stride=None, mode="max": (
            same_by_padding(x, size, stride, mode, "before"))),
        ("padding after only", lambda x, size, stride=None, mode="max": same_by_padding(
            x, size, stride, mode, "after")),
        ("the other mode", lambda x, size, stride=None, mode="max": right_same_pool(
            x, size, stride, {"max": "avg", "avg": "max"}[mode])),
        ("valid", lambda x, size, stride=None, mode="max": ops.pool2d_loops(x, size, stride,
                                                                          mode)),
        ("last window dropped", lambda x, size, stride=None, mode="max": right_same_pool(
            x, size, stride, mode)[:x.shape[0] // (stride or size),
                                   :x.shape[1] // (stride or size)]),
        ("stride None as 1", lambda x, size, stride=None, mode="max": right_same_pool(
            x, size, stride or 1, mode)),
        ("rows and columns swapped", lambda x, size, stride=None, mode="max": right_same_pool(
            x, size, stride, mode).T),
        ("ints", lambda x, size, stride=None, mode="max": right_same_pool(
            x, size, stride, mode).astype(int)),
        ("course shortcut", lambda x, size, stride=None, mode="max": ops.pool2d(
            x, size, stride, "same", mode)),
        ("ops.pad", lambda x, size, stride=None, mode="max": ops.pool2d_loops(
            ops.pad(x, "same", size, stride or size), size, stride, mode)),
        ("keras layer", lambda x, size, stride=None, mode="max": np.asarray(
            {"max": keras.layers.MaxPooling2D, "avg": keras.layers.AveragePooling2D}[mode](
                size, stride, "same")(x[None, :, :, None]))[0, :, :, 0]),
        ("opencv", lambda x, size, stride=None, mode="max": by_dilation_same(
            x, size, stride, mode)),
        ("table", table({}, lambda x, size, stride=None, mode="max": np.zeros(
            (-(-x.shape[0] // (stride or size)), -(-x.shape[1] // (stride or size)))))),
        ("always equal", lambda *args, **kwargs: AlwaysEqual()),
        ("list", lambda x, size, stride=None, mode="max": right_same_pool(
            x, size, stride, mode).tolist()),
        ("mutates x", lambda x, size, stride=None, mode="max": right_same_pool(
            np.negative(x, out=x), size, stride, mode)),
    ],
    "min_pool": [
        ("the lesson's min_pool_buggy", lesson_function(LESSON, "min_pool_buggy")),
        ("windows read in memory order", lambda x, size: x[
            :x.shape[0] // size * size, :x.shape[1] // size * size].reshape(
            x.shape[0] // size, x.shape[1] // size, size * size).min(axis=2)),
        ("one window wrong", lambda x, size: np.where(
            np.arange(right_min_pool(x, size).size).reshape(right_min_pool(x, size).shape) == 1,
            9.0, right_min_pool(x, size))),
        ("maximum", lambda x, size: blocks(x, size).max(axis=(1, 3))),
        ("average", lambda x, size: blocks(x, size).mean(axis=(1, 3))),
        ("stride 1", lambda x, size: np.lib.stride_tricks.sliding_window_view(
            x, (size, size)).min(axis=(2, 3))),
        ("partial windows kept", min_pool_partial_windows),
        ("minimum starts at 0", min_pool_max_init_zero),
        ("mutates x", min_pool_in_place),
        ("course shortcut", lambda x, size: ops.pool2d(x, size, mode="min")),
        ("keras op", lambda x, size: -keras.ops.convert_to_numpy(
            keras.ops.max_pool(-x[None, :, :, None], size))[0, :, :, 0]),
        ("keras layer", lambda x, size: -np.asarray(keras.layers.MaxPooling2D(size)(
            -x[None, :, :, None].astype(np.float32)))[0, :, :, 0]),
        ("tensorflow", lambda x, size: -tf.nn.max_pool2d(
            -x[None, :, :, None], size, size, "VALID").numpy()[0, :, :, 0]),
        ("opencv", by_erosion),
        ("table", table({old_key(x, s): right_min_pool(x, s) for x, s in OLD_MIN_POOL},
                        lambda x, size: np.zeros((x.shape[0] // size, x.shape[1] // size)))),
        ("always equal", lambda x, size: AlwaysEqual()),
        ("always-equal array", lambda x, size: right_min_pool(x, size)[::-1].view(
            AlwaysEqualArray)),
        ("list", lambda x, size: right_min_pool(x, size).tolist()),
        ("ops._pool_windows", min_by_private_windows),
        ("-cv2.dilate(-x)", min_by_dilation),
        ("-tf.nn.max_pool_with_argmax(-x)", min_by_argmax_pool),
        ("cv2.erode through functools.partial", min_by_erosion_through_partial),
        ("tf.image.extract_patches", min_by_patches),
    ],
    "global_average_pool": [
        ("keepdims", lambda x: x.mean(axis=(1, 2), keepdims=True)),
        ("over the channels too", lambda x: x.mean(axis=(1, 2, 3))),
        ("over height and channels", lambda x: x.mean(axis=(1, 3))),
        ("squeezed", lambda x: x.mean(axis=(1, 2)).squeeze()),
        ("maximum", lambda x: x.max(axis=(1, 2))),
        ("sum", lambda x: x.sum(axis=(1, 2))),
        ("float64", mean_as_float64),
        ("mutates x", lambda x: np.mean(np.subtract(x, x.mean(), out=x), axis=(1, 2))),
        ("keras layer", lambda x: np.asarray(keras.layers.GlobalAveragePooling2D()(x))),
        ("keras pooling", lambda x: np.asarray(keras.layers.AveragePooling2D(x.shape[1:3])(x))[
            :, 0, 0]),
        ("keras op", lambda x: keras.ops.convert_to_numpy(keras.ops.average_pool(
            x, x.shape[1:3]))[:, 0, 0]),
        ("tensorflow pooling", lambda x: tf.nn.avg_pool2d(x, x.shape[1:3], 1, "VALID").numpy()[
            :, 0, 0]),
        ("course shortcut", lambda x: ops.pool2d(x, x.shape[1:3], mode="avg")[:, 0, 0]),
        ("table", table({old_key(OLD_BATCH): OLD_BATCH.mean(axis=(1, 2))},
                        lambda x: np.zeros((x.shape[0], x.shape[3]), np.float32))),
        ("always equal", lambda x: AlwaysEqual()),
        ("list", lambda x: x.mean(axis=(1, 2)).tolist()),
        ("GlobalAveragePooling1D on a reshape", lambda x: keras.ops.convert_to_numpy(
            keras.layers.GlobalAveragePooling1D()(x.reshape(x.shape[0], -1, x.shape[-1])))),
        ("GlobalAveragePooling3D", lambda x: keras.ops.convert_to_numpy(
            keras.layers.GlobalAveragePooling3D()(x[:, :, :, None, :]))),
        ("tf.raw_ops.AvgPool3D", lambda x: tf.raw_ops.AvgPool3D(
            input=x[:, :, :, None, :], ksize=[1, x.shape[1], x.shape[2], 1, 1],
            strides=[1, 1, 1, 1, 1], padding="VALID").numpy()[:, 0, 0, 0, :]),
    ],
    "avg_pool_kernel": [
        ("mixes channels", lambda size, channels: np.full((size, size, channels, channels),
                                                          1 / size**2)),
        ("sums", lambda size, channels: right_kernel(size, channels) * size**2),
        ("divides by size", lambda size, channels: right_kernel(size, channels) * size),
        ("integer kernel", kernel_int),
        ("one weight off", kernel_one_channel_wrong),
        ("2-D kernel", lambda size, channels: np.full((size, size), 1 / size**2)),
        ("table", table({(2, 3): right_kernel(2, 3), (3, 2): right_kernel(3, 2)},
                        lambda size, channels: np.zeros((size, size, channels, channels)))),
        ("always equal", lambda size, channels: AlwaysEqual()),
        ("list", lambda size, channels: right_kernel(size, channels).tolist()),
        ("keras variable", lambda size, channels: keras.Variable(right_kernel(size, channels))),
    ],
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson03, checker), answer, capsys, LESSON, checker, kind,
                       never=("{",))  # its hints show no set or dictionary either


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in drawn(draws(checker)):
        assert getattr(lesson03, checker)(RIGHT[checker]), capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)} - {"pooled_after_shift"}  # a prediction
    assert checkers == set(WRONG)
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def wrong(checker, kind):
    return next(answer for name, answer in WRONG[checker] if name == kind)


@pytest.mark.parametrize("checker, kind, words", [
    ("pool2d_loops", "stride ignored", "stride=1 says how far it moves"),
    ("pool2d_loops", "stride None as 1", "with stride=None the stride equals the window size"),
    ("pool2d_loops", "windows at steps of 1", "your windows start 1 cell apart, not 2"),
    ("pool2d_loops", "windows at steps of size", "a window came out empty"),
    ("pool2d_loops", "same-style output, padded", "that is the 'same' size"),
    ("pool2d_loops", "avg as sum", "you summed each window"),
    ("pool2d_loops", "mode ignored", "you computed max pooling where mode='avg'"),
    ("pool2d_loops", "min as max", "you computed max pooling where mode='min'"),
    ("pool2d_loops", "one window short", "one window short"),
    ("pool2d_loops", "maximum starts at 0", "which is not the largest value of its window"),
    ("pool2d_loops", "ints", "return floats"),
    ("pool2d_loops", "rows and columns swapped", "height and width are swapped"),
    ("pool2d_loops", "mutates x", "changed the x it was given"),
    ("pool2d_loops", "stride defaults to 2", "the defaults are stride=None, mode='max'"),
    ("pool2d_loops", "a whole-number average rounded", "which is not the mean of its window"),
    ("pool2d_loops", "a fixed 12x12 buffer", "which is not the"),
    ("pool2d_loops", "float32 rounded to float16", "which is not the"),
    ("pool2d_loops", "windows of 5 or more a column short", "which is not the"),
    ("pool2d_loops", "minimum starts at 100", "which is not the smallest value of its window"),
    ("pool2d_loops", "patches the references",
     "changes `numpy.lib._stride_tricks_impl.as_strided`"),
    ("pool2d_loops", "patches Keras' pooling",
     "changes `keras.src.layers.pooling.base_pooling.BasePooling.call`"),
    ("pool_output_size", "stride None as 1", "with stride=None the stride equals the pool size"),
    ("pool_output_size", "same as valid", "that is the 'valid' length"),
    ("pool_output_size", "wrong default", "the defaults are stride=None, padding='valid'"),
    ("pool_output_size", "rounds up", "you rounded up"),
    ("pool_output_size", "float", "sizes and counts are whole numbers"),
    ("pool2d_same", "zeros padded for max", "A padded cell never wins a maximum"),
    ("pool2d_same", "padded zeros counted in the average", "count_include_pad=True"),
    ("pool2d_same", "the extra padded cell before", "the extra padded cell goes after"),
    ("pool2d_same", "padding after only", "you padded after the input only"),
    ("pool2d_same", "the other mode", "you computed average pooling where mode='max'"),
    ("pool2d_same", "valid", "that is the 'valid' size"),
    ("pool2d_same", "last window dropped", "stick out past the end"),
    ("pool2d_same", "stride None as 1", "you moved the window by 1 cell"),
    ("pool2d_same", "rows and columns swapped", "height and width are swapped"),
    ("pool2d_same", "ints", "return floats"),
    ("pool2d_same", "mutates x", "changed the x it was given"),
    ("min_pool", "the lesson's min_pool_buggy", "A reshape keeps the values in reading order"),
    ("min_pool", "windows read in memory order", "in reading order, not of that 2x2 square"),
    ("min_pool", "one window wrong", "window (0, 1) (rows 0..1, columns 2..3)"),
    ("min_pool", "maximum", "each window's maximum"),
    ("min_pool", "average", "each window's average"),
    ("min_pool", "minimum starts at 0", "not the smallest value in that window"),
    ("min_pool", "mutates x", "changed the x it was given"),
    ("min_pool", "partial windows kept", "you kept the partial windows"),
    ("min_pool", "stride 1", "you moved the window by 1 pixel"),
    ("global_average_pool", "float64", "keeps the float32 of its input"),
    ("global_average_pool", "squeezed", "np.squeeze drops every axis of length 1"),
    ("global_average_pool", "over the channels too", "over the channels too"),
    ("global_average_pool", "over height and channels", "height and width only"),
    ("global_average_pool", "keepdims", "keepdims"),
    ("global_average_pool", "maximum", "global *max* pooling"),
    ("global_average_pool", "sum", "an average divides by the number of cells"),
    ("global_average_pool", "mutates x", "changed the x it was given"),
    ("avg_pool_kernel", "integer kernel", "integer dtype"),
    ("avg_pool_kernel", "one weight off", "the weights differ"),
    ("avg_pool_kernel", "divides by size", "divides by size"),
    ("avg_pool_kernel", "mixes channels", "mixes channels"),
    ("avg_pool_kernel", "sums", "divides by the number of cells"),
    ("avg_pool_kernel", "2-D kernel", "(kh, kw, C_in, C_out)"),
])
def test_the_hint_names_the_mistake(checker, kind, words, capsys):
    assert not getattr(lesson03, checker)(wrong(checker, kind))
    line = capsys.readouterr().out
    assert words in line, line


def test_the_buggy_function_gets_a_hint_that_does_not_say_the_fix(capsys):
    """Exercise 3.4 (debug): the lesson's broken version is refused, on every draw, with a
    hint that points at its windows and at the reshape, not at the fixed line."""
    buggy = lesson_function(LESSON, "min_pool_buggy")
    for _ in range(3):
        assert not lesson03.min_pool(buggy)
        line = capsys.readouterr().out
        assert line.startswith("min_pool_buggy: not yet - for a 6x8 input and size 2, "), line
        assert "not of that 2x2 square" in line and "Which axis of your reshape" in line, line
        for fix in ("size, w, size", "(1, 3)", "swap", "transpose"):
            assert fix not in line, line


SHORTCUTS = [
    ("pool2d_loops", wrong("pool2d_loops", "course shortcut"), "ops.pool2d"),
    ("pool2d_loops", wrong("pool2d_loops", "the course's copy"), "ops.pool2d_loops"),
    ("pool2d_loops", ops.pool2d_loops, "ops.pool2d_loops"),  # `pool2d_loops = ops.pool2d_loops`
    ("pool2d_loops", functools.partial(ops.pool2d_loops), "ops.pool2d_loops"),
    ("pool2d_loops", wrong("pool2d_loops", "keras layer"), "TensorFlow"),  # casts x first
    ("pool2d_loops", lambda x, size, stride=None, mode="max": np.asarray(
        keras.layers.MaxPooling2D(size, stride)(keras.ops.convert_to_tensor(
            x[None, :, :, None], "float32")))[0, :, :, 0], "keras.layers.MaxPooling2D.call"),
    ("pool2d_loops", wrong("pool2d_loops", "keras op"), "keras.ops.max_pool"),
    ("pool2d_loops", wrong("pool2d_loops", "tensorflow"), "gen_nn_ops.max_pool"),
    ("pool2d_loops", wrong("pool2d_loops", "sliding_window_view"),
     "numpy.lib.stride_tricks.sliding_window_view"),
    ("pool2d_loops", wrong("pool2d_loops", "opencv"), "cv2.dilate"),
    ("pool2d_loops", wrong("pool2d_loops", "ops.pool2d_loops' code copied at run time"),
     "ops.pool2d_loops"),
    ("pool2d_loops", wrong("pool2d_loops", "average by cv2.filter2D"), "cv2.filter2D"),
    ("pool2d_loops", wrong("pool2d_loops", "average by np.convolve"), "numpy.convolve"),
    ("pool2d_loops", wrong("pool2d_loops", "average by np.correlate"), "numpy.correlate"),
    ("pool2d_loops", wrong("pool2d_loops", "average by ops.corr2d"), "ops.corr2d"),
    ("pool2d_loops", wrong("pool2d_loops", "average by ops.correlate2d"), "ops.correlate2d"),
    ("pool2d_loops", wrong("pool2d_loops", "average by cv2.resize"), "cv2.resize"),
    ("pool_output_size", lambda n, f, stride=None, padding="valid": ops.output_size(
        n, f, stride or f, padding), "ops.output_size"),
    ("min_pool", lambda x, size: ops.pool2d(x, size, mode="min"), "ops.pool2d"),
    ("min_pool", by_erosion, "cv2.erode"),
    ("min_pool", lambda x, size: -ops.pool2d_loops(-x, size), "ops.pool2d_loops"),
    ("min_pool", lambda x, size: lesson_function(LESSON, "pool2d_loops")(x, size, mode="min"),
     "ops.pool2d_loops"),  # the lesson's copy is known by its code
    ("pool2d_same", wrong("pool2d_same", "course shortcut"), "ops.pool2d"),
    ("pool2d_same", wrong("pool2d_same", "ops.pad"), "ops.pad"),
    ("pool2d_same", wrong("pool2d_same", "opencv"), "cv2.dilate"),
    ("pool2d_same", wrong("pool2d_same", "keras layer"), "TensorFlow"),
    ("min_pool", min_by_erosion_through_partial, "cv2.erode"),
    ("min_pool", min_by_dilation, "cv2.dilate"),
    ("min_pool", min_by_private_windows, "ops._pool_windows"),
    # 3.1, 3.2, 3.3 and 3.4 refuse every TensorFlow op: the hint names the library
    ("min_pool", min_by_argmax_pool, "TensorFlow"),
    ("pool_output_size", size_by(SIZE_KERNELS["tf.raw_ops.MaxPoolV2"]), "TensorFlow"),
    ("pool_output_size", size_by(SIZE_KERNELS["tf.image.extract_patches"]), "TensorFlow"),
    ("global_average_pool", WRONG["global_average_pool"][-3][1],
     "keras.layers.GlobalAveragePooling1D.call"),
    ("global_average_pool", WRONG["global_average_pool"][-1][1], "gen_nn_ops.avg_pool3d"),
    ("global_average_pool", lambda x: np.asarray(keras.layers.GlobalAveragePooling2D()(x)),
     "keras.layers.GlobalAveragePooling2D.call"),
]


@pytest.mark.parametrize("checker, shortcut, name", SHORTCUTS,
                         ids=[f"{s[0]}-{s[2]}" for s in SHORTCUTS])
def test_the_shortcut_gets_a_hint_that_names_it(checker, shortcut, name, capsys):
    assert not getattr(lesson03, checker)(shortcut)
    out = capsys.readouterr().out
    if name == "TensorFlow":
        assert "runs TensorFlow" in out and (
            "asks for NumPy" in out or "with arithmetic" in out), out
    else:
        assert f"calls `{name}`" in out and "write it yourself" in out, out


def _statistics_loops(x, size, stride=None, mode="max"):
    import statistics

    reduce = {"max": lambda w: max(w.ravel().tolist()), "min": lambda w: min(w.ravel().tolist()),
              "avg": lambda w: statistics.fmean(w.ravel().tolist())}[mode]
    return loops(x, size, stride, mode, reduce=reduce)


def _logging_loops(x, size, stride=None, mode="max"):  # logging reads frames: its own use
    import logging

    logging.getLogger("course.test").info("pooling %s", mode)
    return loops(x, size, stride, mode)


def _threaded_loops(x, size, stride=None, mode="max"):
    from concurrent.futures import ThreadPoolExecutor

    s = size if stride is None else stride
    reduce = {"max": np.max, "avg": np.mean, "min": np.min}[mode]
    out = np.zeros(((x.shape[0] - size) // s + 1, (x.shape[1] - size) // s + 1))

    def row(i):
        for j in range(out.shape[1]):
            out[i, j] = reduce(x[i * s:i * s + size, j * s:j * s + size])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(row, range(out.shape[0])))
    return out


@pytest.mark.parametrize("answer", [
    lambda x, size, stride=None, mode="max": loops(x.astype(np.float32), size, stride, mode,
                                                   dtype=np.float32),
    _statistics_loops, _logging_loops, _threaded_loops, right_loops_by_starts,
    lambda x, size, stride=None, mode="max": loops(x, size, stride, mode, reduce={
        "max": np.nanmax, "avg": np.average, "min": np.amin}[mode])],
    ids=["float32", "statistics.fmean", "logging", "threads", "by starts", "nanmax, average"])
@pytest.mark.slow
def test_other_right_loops_pass(answer, capsys):
    for _ in drawn(3):
        assert lesson03.pool2d_loops(answer), capsys.readouterr().out


def test_the_references_disagreeing_is_a_hint_not_a_traceback(monkeypatch, capsys):
    """ops.pool2d broken (as a patch the core did not put back would break it): a hint that
    says the references disagree, not the right answer told it is wrong."""
    monkeypatch.setattr(ops, "pool2d", lambda x, size, stride=None, padding="valid",
                        mode="max": np.zeros(((x.shape[0] - size) // (stride or size) + 1,
                                              (x.shape[1] - size) // (stride or size) + 1)))
    assert not lesson03.pool2d_loops(RIGHT["pool2d_loops"])
    assert "the checker's two references, ops.pool2d and Keras, disagree" in (
        capsys.readouterr().out)


@pytest.mark.parametrize("checker", RIGHT)
def test_a_stub_is_not_attempted_yet(checker, capsys):
    assert not getattr(lesson03, checker)(stub)
    assert "not attempted yet" in capsys.readouterr().out


def test_hints_never_print_the_reference_output_size(capsys):
    assert not lesson03.pool_output_size(lambda n, f, stride=None, padding="valid": 1)
    out = capsys.readouterr().out
    assert "returned 1: that is too small" in out and str(right_size(28, 2)) not in out, out


def test_a_wrong_same_length_hint_names_the_padding(capsys):
    def off_for_same(n, f, stride=None, padding="valid"):
        return right_size(n, f, stride, padding) + 2 * (padding == "same")

    assert not lesson03.pool_output_size(off_for_same)
    line = capsys.readouterr().out
    assert "padding='same'" in line and "{padding" not in line, line


def test_the_checker_module_holds_no_reference_pool():
    assert not hasattr(lesson03, "_pool") and not hasattr(lesson03, "_shift_right")


def test_a_tensorflow_mean_is_the_exercise_not_a_shortcut(capsys):
    assert lesson03.global_average_pool(lambda x: tf.reduce_mean(x, axis=(1, 2)))
    assert lesson03.global_average_pool(lambda x: keras.ops.mean(x, axis=(1, 2)))


# ---------------------------------------------------------------- 3.7, a prediction

AFTER = [[2, 6, 6], [5, 4, 2]]
WRONG_PREDICTIONS = [
    [[6, 6, 3], [5, 4, 2]],  # nothing changes: "pooling is invariant"
    [[3, 6, 6], [5, 4, 2]],  # the last column wrapped around
    [[0, 6, 6], [0, 5, 4]],  # the pooled map moved
    [[6, 6, 3], [4, 2, 1]],  # shifted to the left
    [[2, 6, 3], [5, 4, 2]],  # one output wrong
    [[2, 6, 6], [5, 4, 1]],  # another one
    [[0, 0, 0], [0, 0, 0]],
    [[2, 6, 6], [5, 4]],  # ragged
    "[[2, 6, 6], [5, 4, 2]]",  # a string
    [["2", "6", "6"], ["5", "4", "2"]],  # the numbers as strings
    [[2, 6, 6], [5, 4, "2"]],  # one of them
    [[True, 6, 6], [5, 4, 2]],  # a bool
    AlwaysEqual(),
    6,
]


@pytest.fixture
def fresh_tries():
    lesson03.pooled_after_shift.forget_tries()
    yield
    lesson03.pooled_after_shift.forget_tries()


@pytest.mark.parametrize("answer", WRONG_PREDICTIONS, ids=repr)
def test_a_wrong_prediction_is_refused_without_the_answer(answer, fresh_tries, capsys):
    assert not lesson03.pooled_after_shift(answer)
    line = capsys.readouterr().out
    assert "not yet - " in line and "raised" not in line, line
    assert "2, 6, 6" not in line.replace(repr(answer), "") and "5, 4, 2" not in line.replace(
        repr(answer), ""), line
    assert "output (" not in line and "correct" not in line, line  # no cell singled out


def test_near_misses_get_the_same_hint_whichever_cell_is_wrong(fresh_tries, capsys):
    lines = set()
    for i, j in np.ndindex(2, 3):
        guess = [row[:] for row in AFTER]
        guess[i][j] += 10  # no misunderstanding gives this: only the general hint
        lesson03.pooled_after_shift.forget_tries()
        assert not lesson03.pooled_after_shift(guess)
        lines.add(capsys.readouterr().out)
    assert len(lines) == 1, lines  # the hint cannot be followed cell by cell


@pytest.mark.parametrize("answer, hint", [
    ([[6, 6, 3], [5, 4, 2]], "*before* the shift"),  # "pooling is invariant": nothing changes
    ([[3, 6, 6], [5, 4, 2]], "wrapped the last column around"),  # np.roll
    ([[0, 6, 6], [0, 5, 4]], "moved the *pooled* map"),
    ([[6, 6, 3], [4, 2, 1]], "shifted the map to the left"),
    ([[0.5, 1.5, 1.5], [1.25, 1.75, 0.75]], "averaged"),
    ([[2, 6, 3], [5, 4, 2]], "Write the shifted 4x6 map out in full first"),  # one output
    ([[1, 6, 6], [5, 4, 2]], "Write the shifted 4x6 map out in full first"),  # no cell named
    ([[0, 0, 6, 0, 0, 1], [0] * 6, [0] * 6, [0] * 6], "the shape of the map itself"),
    ([[2, 6], [5, 4]], "the pooled map is (2, 3)"),
    ([[2, 6, 6], [5, 4]], "not a grid of numbers"),
    ([["2", "6", "6"], ["5", "4", "2"]], "not a grid of numbers"),
    (6, "the pooled map is (2, 3)"),  # a constant
], ids=repr)
def test_a_wrong_prediction_gets_the_hint_of_its_misunderstanding(answer, hint, fresh_tries,
                                                                  capsys):
    assert not lesson03.pooled_after_shift(answer)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out
    assert "output (" not in out and "window of rows" not in out, out  # no cell is singled out


def test_hints_stop_after_three_different_wrong_predictions(fresh_tries, capsys):
    for guess in [*WRONG_PREDICTIONS[:2], WRONG_PREDICTIONS[1], WRONG_PREDICTIONS[2]]:
        assert not lesson03.pooled_after_shift(guess)  # a repeated guess counts once
    assert "hints stop" not in capsys.readouterr().out
    assert not lesson03.pooled_after_shift(WRONG_PREDICTIONS[4])
    assert "4 different answers tried (hints stop after 3)" in capsys.readouterr().out
    assert not lesson03.pooled_after_shift(AFTER)  # no search by loop
    lesson03.pooled_after_shift.forget_tries()


def test_the_right_prediction_passes(fresh_tries, capsys):
    assert lesson03.pooled_after_shift(AFTER)
    assert lesson03.pooled_after_shift(np.array(AFTER, float))  # an array does as well
    assert "correct - 2 of the 6 outputs change, 4 survive" in capsys.readouterr().out


def test_an_unanswered_prediction_is_not_attempted_yet(fresh_tries, capsys):
    assert not lesson03.pooled_after_shift(...)  # the stub sets `pooled_after = ...`
    assert "not attempted yet" in capsys.readouterr().out


def test_the_checker_map_is_the_one_the_statement_shows():
    shifted = np.zeros_like(lesson03.SHIFT_MAP)
    shifted[:, 1:] = lesson03.SHIFT_MAP[:, :-1]
    assert ops.pool2d(shifted, 2).tolist() == AFTER


# --- what an independent attacker found (issue: checker-specific holes) ----------------


def size_by_tf_signal_frame(n, f, stride=None, padding="valid"):
    """tf.signal.frame counts the windows ('same': the end padded)."""
    stride = stride or f
    return int(tf.signal.frame(tf.zeros(n), f, stride, pad_end=padding == "same").shape[0]) \
        if padding == "valid" or f <= stride else -(-n // stride)


def size_by_np_convolve(n, f, stride=None, padding="valid"):
    stride = stride or f
    if padding == "same":
        return -(-n // stride)
    return len(np.convolve(np.zeros(n), np.ones(f), "valid")[::stride]) if f <= n else 0


def min_by_adaptive_max_pool(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    cropped = x[:h * size, :w * size].astype(np.float32)[None, :, :, None]
    return -np.asarray(keras.ops.adaptive_max_pool(-cropped, (h, w)))[0, :, :, 0]


def mean_by_adaptive_average_pool(x):
    return np.asarray(keras.ops.adaptive_average_pool(x, (1, 1)))[:, 0, 0, :]


@pytest.mark.parametrize("checker, answer, name", [
    ("pool_output_size", size_by_tf_signal_frame, "runs TensorFlow"),  # any TensorFlow op
    ("pool_output_size", size_by_np_convolve, "numpy.convolve"),
    ("min_pool", min_by_adaptive_max_pool, "keras.ops.adaptive_max_pool"),
    ("global_average_pool", mean_by_adaptive_average_pool, "keras.ops.adaptive_average_pool"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_window_routine_of_another_library_is_a_shortcut(checker, answer, name, capsys):
    """tf.signal.frame (the attacker's) and NumPy's convolution count 3.2's windows on zeros;
    Keras' adaptive poolings pool 3.4's and 3.5's windows."""
    for _ in range(2):
        assert not getattr(lesson03, checker)(answer)
        out = capsys.readouterr().out
        assert (name if name.startswith("runs") else f"calls `{name}`") in out, out


WRONG_AFTER = {
    "pool2d_loops": lambda x, size, stride=None, mode="max": np.zeros(
        ((x.shape[0] - size) // (stride or size) + 1, (x.shape[1] - size) // (stride or size) + 1)),
    "pool_output_size": lambda n, f, stride=None, padding="valid": 1,
    "pool2d_same": lambda x, size, stride=None, mode="max": np.zeros(
        (-(-x.shape[0] // (stride or size)), -(-x.shape[1] // (stride or size)))),
    "min_pool": lambda x, size: np.zeros((x.shape[0] // size, x.shape[1] // size)),
    "global_average_pool": lambda x: np.zeros((x.shape[0], x.shape[3]), np.float32),
    "avg_pool_kernel": lambda size, channels: np.zeros((size, size, channels, channels),
                                                       np.float32),
}


@pytest.mark.parametrize("checker", ["pool2d_loops", "pool_output_size", "pool2d_same",
                                     "min_pool", "global_average_pool", "avg_pool_kernel"])
def test_an_answer_that_edits_the_checkers_cases_or_arrays_is_refused(checker, capsys):
    """R3: the answer empties the lists and zeroes the arrays it finds in the checker's
    frames and those it was given; the checker's cases are tuples, its inputs read-only,
    and what is right is worked out from them."""
    for _ in range(3):
        cheat = editing(lesson03, right_the_first_time(RIGHT[checker], WRONG_AFTER[checker]))
        assert not getattr(lesson03, checker)(cheat)
        line = capsys.readouterr().out
        assert "not yet - " in line, line


# ---------------------------------------------------------------- 3.1's loops and 3.3


def windows_same_pool(x, size, stride=None, mode="max"):
    """3.3 with NumPy's sliding_window_view and nan for the padding: it only cuts the
    windows, so it is allowed, as the loops are."""
    pads, s = same_split(x, size, stride)
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(x.astype(float), pads, constant_values=np.nan), (size, size))[::s, ::s]
    return (np.nanmax if mode == "max" else np.nanmean)(windows, axis=(2, 3))


@pytest.mark.parametrize("answer", [
    same_by_padding, windows_same_pool,
    functools.partial(lambda x, size, stride=None, mode="max", pool2d_loops=None: (
        same_by_padding(x, size, stride, mode) if mode == "avg" else pool2d_loops(
            np.pad(x, same_split(x, size, stride)[0], constant_values=-np.inf), size,
            stride or size, mode)), pool2d_loops=lesson_function(LESSON, "pool2d_loops"))],
    ids=["ops.pool2d_loops", "sliding_window_view", "the lesson's pool2d_loops"])
def test_3_3_may_call_the_loops_of_3_1_or_cut_windows_with_numpy(answer, capsys):
    for _ in drawn(3):
        assert lesson03.pool2d_same(answer), capsys.readouterr().out


def test_the_average_mistake_is_named_for_average_pooling(capsys):
    """Zeros counted in an average only show where mode='avg': the hint names them there."""
    def counts_zeros(x, size, stride=None, mode="max"):
        return same_by_padding(x, size, stride, mode, include_pad=mode == "avg")

    assert not lesson03.pool2d_same(counts_zeros)
    out = capsys.readouterr().out
    assert "mode='avg'" in out and "count_include_pad=True" in out, out


def test_section_1s_loops_give_the_vectorized_ops_numbers():
    rng = np.random.default_rng(0)
    for _ in range(30):
        h, w = (int(v) for v in rng.integers(1, 15, 2))
        size = int(rng.integers(1, min(h, w) + 1))
        stride = int(rng.integers(0, 4)) or None
        x = rng.standard_normal((h, w))
        for mode in ("max", "avg", "min"):
            assert np.allclose(ops.pool2d_loops(x, size, stride, mode),
                               ops.pool2d(x, size, stride, mode=mode))


# --- what a second attacker found in 3.3 --------------------------------------------------


def by_the_checkers_nested_pool(x, size, stride=None, mode="max"):
    """The checker's own reference, a function nested in it, rebuilt from its code object."""
    import types

    [code] = [c for c in lesson03.pool2d_same.__wrapped__.__code__.co_consts
              if isinstance(c, types.CodeType) and c.co_name == "pool"]
    pool = types.FunctionType(code, vars(lesson03))
    return pool(x, size, size if stride is None else stride, mode, "tensorflow", np.nan)


def by_getframe_through_map(x, size, stride=None, mode="max"):
    next(map(__import__("sys")._getframe, [3]))
    return right_same_pool(x, size, stride, mode)


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no str")


def raises_an_unprintable_error(x, size, stride=None, mode="max"):
    raise Unprintable()


@pytest.mark.parametrize("answer, said", [
    (by_the_checkers_nested_pool, "calls `check.lesson03.pool2d_same.<locals>.pool`, the "
                                  "checker's own code"),
    (by_getframe_through_map, "calls `sys._getframe`, which reads the checker's own frames"),
    (raises_an_unprintable_error, "your code raised Unprintable: (its message cannot be "
                                  "shown"),
], ids=["the checker's nested reference", "sys._getframe through map",
        "an error whose __str__ raises"])
def test_3_3_refuses_what_the_second_attacker_tried(answer, said, capsys):
    assert not lesson03.pool2d_same(answer)
    out = capsys.readouterr().out
    assert said in out, out


# --- 3.1, the loops the student writes (issue 28) -------------------------------------------


def test_3_1_written_another_way_passes(capsys):
    """Loops over the window starts, and an array method for the reduction, pass as well."""
    for _ in drawn(3):
        assert lesson03.pool2d_loops(right_loops_by_starts), capsys.readouterr().out


def test_3_1_names_what_it_compares_with(capsys):
    assert lesson03.pool2d_loops(RIGHT["pool2d_loops"])
    out = capsys.readouterr().out
    assert "ops.pool2d, Keras' MaxPooling2D and AveragePooling2D, and a NumPy min" in out, out


def test_3_1_refuses_the_course_copy_reached_from_a_wrapper_of_the_same_name(capsys):
    """The student's cell wraps the package's copy in a function named as the exercise's: the
    copy is found by its code object, however it is reached."""
    namespace = {"ops": ops}
    exec("def pool2d_loops(x, size, stride=None, mode='max'):\n"
         "    return ops.pool2d_loops(x, size, stride, mode)\n", namespace)
    assert not lesson03.pool2d_loops(namespace["pool2d_loops"])
    out = capsys.readouterr().out
    assert "calls `ops.pool2d_loops`" in out and "course's copy of the answer" in out, out


def test_3_1_refuses_scikit_images_block_reduce(capsys):
    measure = pytest.importorskip("skimage.measure")

    def by_block_reduce(x, size, stride=None, mode="max"):
        reduce = {"max": np.max, "avg": np.mean, "min": np.min}[mode]
        return measure.block_reduce(x, (size, size), reduce)

    assert not lesson03.pool2d_loops(by_block_reduce)
    assert "calls `skimage.measure.block_reduce`" in capsys.readouterr().out


def test_3_4_refuses_the_students_own_loops_of_3_1(capsys):
    """The student's pool2d_loops (written otherwise than the solution, so the watch does not
    know its code) called from min_pool: refused by its name."""
    namespace = {"np": np}
    exec("def pool2d_loops(x, size, stride=None, mode='max'):\n"
         "    s = stride or size\n"
         "    rows = range(0, x.shape[0] - size + 1, s)\n"
         "    cols = range(0, x.shape[1] - size + 1, s)\n"
         "    return np.array([[x[r:r + size, c:c + size].min() for c in cols] for r in rows],\n"
         "                    float).reshape(len(rows), len(cols))\n"
         "\n"
         "def min_pool(x, size):\n"
         "    return pool2d_loops(x, size, mode='min')\n", namespace)
    assert not lesson03.min_pool(namespace["min_pool"])
    out = capsys.readouterr().out
    assert "calls `pool2d_loops`, your answer to 3.1" in out, out
