"""Lesson 01's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut through the course, OpenCV, Keras or TensorFlow, a table of the
checker's old fixed cases, an always-equal object and a type slip. Each must get "not yet"
with a hint that holds no line of the solution; the right answer must pass every time
(cases are drawn afresh), and a stub reads "not attempted yet". 1.5 is a prediction: its
values are tested directly, and no student version shows them."""

import functools
import itertools
import re
import sys
import types

import cv2
import keras
import numpy as np
import pytest
from cheats import (
    calls,
    drawn,
    draws,
    lesson_function,
    refused_every_time,
    shown_text,
)
from frame_edits import editing

from course import filters, ops
from course.check import lesson01
from course.runtime.paths import NOTEBOOKS
from course.tools import student

LESSON = NOTEBOOKS / "01_image_filters.ipynb"


def stub(*args, **kwargs):
    raise NotImplementedError


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __len__(self):
        return 4

    def __iter__(self):
        return iter([AlwaysEqual()] * 4)


# --- 1.1 corr2d -------------------------------------------------------------------------


def right_corr2d(image, kernel):  # the loops, as a student names things
    h, w = kernel.shape
    result = np.zeros((image.shape[0] - h + 1, image.shape[1] - w + 1))
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = np.sum(image[row:row + h, col:col + w] * kernel)
    return result


def offset_loops(image, kernel):  # two loops over the kernel: a sum of shifted copies
    kh, kw = kernel.shape
    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((h, w), np.float32)
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * image[a:a + h, b:b + w]
    return out


def valid_loops(image, kernel, shape=None, rows=None, cols=None, dtype=float):
    """The loops with a slip: the output's ``shape``, or the ``rows`` and ``cols`` the loops
    visit, as given (default: the right ones)."""
    kh, kw = kernel.shape
    out = np.zeros(shape or (image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype)
    for i in rows or range(image.shape[0] - kh + 1):
        for j in cols or range(image.shape[1] - kw + 1):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out


def same_size(image, kernel):  # the image's size, the positions past the valid ones left 0
    return valid_loops(image, kernel, shape=image.shape)


def one_too_small(image, kernel):
    kh, kw = kernel.shape
    return valid_loops(image, kernel, shape=(image.shape[0] - kh, image.shape[1] - kw),
                       rows=range(image.shape[0] - kh), cols=range(image.shape[1] - kw))


def one_too_large(image, kernel):
    kh, kw = kernel.shape
    return valid_loops(image, kernel, shape=(image.shape[0] - kh + 2, image.shape[1] - kw + 2))


def loops_one_short(image, kernel):  # the output's size right, the last row and column left 0
    kh, kw = kernel.shape
    return valid_loops(image, kernel, rows=range(image.shape[0] - kh),
                       cols=range(image.shape[1] - kw))


def loops_from_one(image, kernel):
    kh, kw = kernel.shape
    return valid_loops(image, kernel, rows=range(1, image.shape[0] - kh + 1),
                       cols=range(1, image.shape[1] - kw + 1))


def loops_past_the_end(image, kernel):  # every pixel of the image: windows cut short
    return valid_loops(image, kernel, shape=image.shape, rows=range(image.shape[0]),
                       cols=range(image.shape[1]))


def square_kernel_assumed(image, kernel):  # kh for the width too
    k = kernel.shape[0]
    out = np.zeros((image.shape[0] - k + 1, image.shape[1] - k + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + k, j:j + k] * kernel).sum()
    return out


def ints_out(image, kernel):
    return valid_loops(image, kernel, dtype=int)


def zeros_like_image(image, kernel):  # float32 for a float32 image, uint8 for a uint8 one
    return valid_loops(image, kernel, dtype=image.dtype)


def opencv_cropped(image, kernel):
    kh, kw = kernel.shape
    full = cv2.filter2D(image.astype(np.float64), cv2.CV_64F, kernel.astype(np.float64))
    (top, left), (h, w) = (kh // 2, kw // 2), image.shape
    return full[top:top + h - kh + 1, left:left + w - kw + 1]


def windows_valid(image, kernel):
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijab,ab->ij", windows, kernel)


def strided_valid(image, kernel):
    (h, w), (kh, kw) = image.shape, kernel.shape
    windows = np.lib.stride_tricks.as_strided(image, (h - kh + 1, w - kw + 1, kh, kw),
                                              image.strides * 2)
    return np.einsum("ijab,ab->ij", windows, kernel)


def rows_by_np_convolve(image, kernel):  # a 1-D library filter per kernel row
    kh, kw = kernel.shape
    return np.array([[sum(np.convolve(image[i + a, j:j + kw], kernel[a, ::-1], "valid")[0]
                          for a in range(kh)) for j in range(image.shape[1] - kw + 1)]
                     for i in range(image.shape[0] - kh + 1)], float)


def keras_valid(image, kernel):
    x = keras.ops.convert_to_tensor(image[None, :, :, None].astype("float32"))
    k = keras.ops.convert_to_tensor(kernel[:, :, None, None].astype("float32"))
    return np.asarray(keras.ops.conv(x, k))[0, :, :, 0]


def tensorflow_valid(image, kernel):
    import tensorflow as tf

    out = tf.nn.conv2d(image[None, :, :, None].astype("float32"),
                       kernel[:, :, None, None].astype("float32"), 1, "VALID")
    return out.numpy()[0, :, :, 0]


def the_package_copy(image, kernel):
    return ops.corr2d(image, kernel)


PACKAGE_COPY = ops.corr2d  # imported in an earlier cell, under another name


def the_package_copy_renamed(image, kernel):
    return PACKAGE_COPY(image, kernel)


def the_package_copy_by_getattr(image, kernel):
    return getattr(ops, "corr" + "2d")(image, kernel)


def the_package_copy_through_map(image, kernel):
    out, = map(ops.corr2d, [image], [kernel])
    return out


OLD_CORR_IMAGE = np.random.default_rng(2).standard_normal((6, 7)).astype(np.float32)
OLD_CORR_KERNEL = np.arange(9, dtype=np.float32).reshape(3, 3)


def table_corr2d(image, kernel):
    if image.shape == OLD_CORR_IMAGE.shape and kernel.shape == OLD_CORR_KERNEL.shape:
        return right_corr2d(OLD_CORR_IMAGE, OLD_CORR_KERNEL)
    return np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))


def cast_to_the_kernels_dtype(image, kernel):  # an int kernel (SOBEL_X) truncates the image
    return right_corr2d(image.astype(kernel.dtype), kernel)


def fixed_buffer(image, kernel, size=14):  # loops and a buffer of 14x14: the rest left 0
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    buffer = np.zeros((size, size))
    for i in range(min(rows, size)):
        for j in range(min(cols, size)):
            buffer[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    out = np.zeros((rows, cols))
    out[:size, :size] = buffer[:rows, :cols]
    return out


def fixed_buffer_overrun(image, kernel):  # the same buffer, written past its end
    kh, kw = kernel.shape
    buffer = np.zeros((14, 14))
    for i in range(image.shape[0] - kh + 1):
        for j in range(image.shape[1] - kw + 1):
            buffer[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return buffer[:image.shape[0] - kh + 1, :image.shape[1] - kw + 1].copy()


def last_column_skipped_when_wide(image, kernel):
    out = right_corr2d(image, kernel)
    if out.shape[1] > 10:
        out[:, -1] = 0
    return out


def opencv_by_getattr_through_map(image, kernel):  # fetched at run time, called from C
    kh, kw = kernel.shape
    full, = map(getattr(cv2, "filter" + "2D"), [image.astype(np.float64)], [cv2.CV_64F],
                [kernel.astype(np.float64)], [None], [(0, 0)], [0.0], [cv2.BORDER_CONSTANT])
    return full[:image.shape[0] - kh + 1, :image.shape[1] - kw + 1].copy()


def numpy_c_correlate_by_rows(image, kernel):  # the C function behind numpy.correlate
    from numpy._core import multiarray

    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for i in range(kh):
            out[r] += multiarray.correlate2(image[r + i].astype(float), kernel[i].astype(float), 0)
    return out


# the package's solution as a code object copied at run time, under another name
PACKAGE_CODE_COPY = types.FunctionType(ops.corr2d.__code__.replace(co_name="mine"),
                                       ops.corr2d.__globals__, "mine")


def zeros_after_patching_as_strided(image, kernel):  # what ops.correlate2d cuts windows with
    import numpy.lib._stride_tricks_impl as tricks

    tricks.as_strided = lambda x, shape=None, strides=None, **kwargs: np.zeros(shape)
    return np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))


def zeros_after_a_stand_in_opencv(image, kernel):  # sys.modules["cv2"] swapped for a fake
    fake = types.ModuleType("cv2")
    vars(fake).update(vars(cv2))
    setattr(fake, "filter" + "2D", lambda src, depth, kernel, **kwargs: np.zeros(np.shape(src)))
    sys.modules["cv2"] = fake
    return np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))


def right_after_patching_as_strided(image, kernel):  # right values, the reference broken
    import numpy.lib._stride_tricks_impl as tricks

    tricks.as_strided = lambda x, shape=None, strides=None, **kwargs: np.zeros(shape) + 7
    return right_corr2d(image, kernel)


def logs(image, kernel):  # logging reads its caller's frame with sys._getframe
    import logging

    logging.getLogger("course.test").info("corr2d on %s", image.shape)
    return right_corr2d(image, kernel)


def names_a_tuple(image, kernel):  # so does collections.namedtuple
    import collections

    size = collections.namedtuple("Size", "h w")(*kernel.shape)
    return right_corr2d(image, kernel[:size.h, :size.w])


def float32_loops(image, kernel):
    return valid_loops(image, kernel, dtype=np.float32)


def in_threads(image, kernel):
    from concurrent.futures import ThreadPoolExecutor

    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))

    def row(i):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(row, range(out.shape[0])))
    return out


def by_dot(image, kernel):
    kh, kw = kernel.shape
    out = np.empty((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    weights = kernel.ravel().astype(float)
    for i, j in np.ndindex(*out.shape):
        out[i, j] = image[i:i + kh, j:j + kw].ravel() @ weights
    return out


# --- 1.2 corr2d_same -------------------------------------------------------------------


def same_pads(kernel):
    return [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel.shape]


def right_same(image, kernel):  # pads, then 1.1's corr2d (its solution saved as ops.corr2d)
    return ops.corr2d(np.pad(image, same_pads(kernel)), kernel)


def loops_same(image, kernel):  # the loops written out, no corr2d
    kh, kw = kernel.shape
    padded = np.pad(image, same_pads(kernel))
    out = np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = (padded[i:i + kh, j:j + kw] * kernel).sum()
    return out


def half_on_each_side(image, kernel):  # kh // 2 rows on both sides: one too many if kh is even
    kh, kw = kernel.shape
    return ops.corr2d(np.pad(image, [(kh // 2, kh // 2), (kw // 2, kw // 2)]), kernel)


def extra_at_the_top(image, kernel):  # the even side's extra row of zeros at the top
    return ops.corr2d(np.pad(image, [pad[::-1] for pad in same_pads(kernel)]), kernel)


def edge_padded_same(image, kernel):
    return ops.corr2d(np.pad(image, same_pads(kernel), mode="edge"), kernel)


def full_padding(image, kernel):
    kh, kw = kernel.shape
    return ops.corr2d(np.pad(image, [(kh - 1, kh - 1), (kw - 1, kw - 1)]), kernel)


def unpadded_loops(image, kernel):  # the window shrinks at the border: NumPy cannot multiply
    kh, kw = kernel.shape
    out = np.zeros(image.shape)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out


def transposed_loops(image, kernel):  # rows and columns of the output swapped
    return right_same(image, kernel).T


def same_by(at):
    """An answer that pads as it should, then gets every output pixel from ``at(padded,
    kernel, i, j)``: one output pixel of a valid correlation, by a library."""
    def answer(image, kernel):
        padded = np.pad(image, same_pads(kernel))
        return np.array([[at(padded, kernel, i, j) for j in range(image.shape[1])]
                         for i in range(image.shape[0])])
    answer.__name__ = at.__name__
    return answer


def keras_at(image, kernel, i, j):
    x = keras.ops.convert_to_tensor(image[None, :, :, None].astype("float32"))
    k = keras.ops.convert_to_tensor(kernel[:, :, None, None].astype("float32"))
    return float(keras.ops.conv(x, k)[0, i, j, 0])


def layer_same(image, kernel):
    conv = keras.layers.Conv2D(1, kernel.shape, padding="same", use_bias=False)
    conv.build((1, *image.shape, 1))
    conv.set_weights([kernel[:, :, None, None].astype("float32")])
    return np.asarray(conv(image[None, :, :, None].astype("float32")))[0, :, :, 0]


def tensorflow_same(image, kernel):
    import tensorflow as tf

    out = tf.nn.conv2d(image[None, :, :, None].astype("float32"),
                       kernel[:, :, None, None].astype("float32"), 1, "SAME")
    return out.numpy()[0, :, :, 0]


def opencv_same(image, kernel):  # anchored as TensorFlow pads
    (top, _), (left, _) = same_pads(kernel)
    return cv2.filter2D(image.astype(np.float64), cv2.CV_64F, kernel.astype(np.float64),
                        anchor=(left, top), borderType=cv2.BORDER_CONSTANT)


def template_at(image, kernel, i, j):
    return float(cv2.matchTemplate(image.astype(np.float32), kernel.astype(np.float32),
                                   cv2.TM_CCORR)[i, j])


def ops_pad_then_corr2d(image, kernel):
    return ops.corr2d(ops.pad(image, "same", kernel.shape), kernel)


def opencv_through_partial(image, kernel):  # partial calls filter2D from C
    (top, _), (left, _) = same_pads(kernel)
    correlate = functools.partial(cv2.filter2D, ddepth=cv2.CV_64F, anchor=(left, top),
                                  borderType=cv2.BORDER_CONSTANT)
    return correlate(image.astype(np.float64), kernel=kernel.astype(np.float64))


def opencv_through_call(image, kernel):  # the method-wrapper is what Python calls
    (top, _), (left, _) = same_pads(kernel)
    return cv2.filter2D.__call__(image.astype(np.float64), cv2.CV_64F,
                                 kernel.astype(np.float64), anchor=(left, top),
                                 borderType=cv2.BORDER_CONSTANT)


def opencv_through_map(image, kernel):  # map calls filter2D from C
    (top, _), (left, _) = same_pads(kernel)
    out, = map(cv2.filter2D, [image.astype(np.float64)], [cv2.CV_64F],
               [kernel.astype(np.float64)], [(left, top)], [0], [cv2.BORDER_CONSTANT])
    return out


FILTER = functools.partial(cv2.filter2D, ddepth=cv2.CV_64F,
                           borderType=cv2.BORDER_CONSTANT)  # made in an earlier cell


def opencv_through_a_global_partial(image, kernel):
    (top, _), (left, _) = same_pads(kernel)
    return FILTER(image.astype(np.float64), kernel=kernel.astype(np.float64),
                  anchor=(left, top))


OLD_IMAGE = np.random.default_rng(0).random((6, 7)).astype(np.float32)
OLD_KERNEL = np.arange(9, dtype=np.float32).reshape(3, 3)


def table_same(image, kernel):
    if image.shape == OLD_IMAGE.shape and kernel.shape == OLD_KERNEL.shape:
        return right_same(OLD_IMAGE, OLD_KERNEL)
    return np.zeros(image.shape)


# --- 1.3 edge_magnitude -----------------------------------------------------------------


def gradients(image, padding="same"):
    return (ops.correlate2d(image, filters.SOBEL_X, padding=padding),
            ops.correlate2d(image, filters.SOBEL_Y, padding=padding))


def right_magnitude(image):
    return np.hypot(*gradients(image))


def lesson_apply_magnitude(image):  # the lesson's `apply`: OpenCV's mirrored border
    image = image.astype(np.float32)
    return np.hypot(cv2.filter2D(image, cv2.CV_32F, filters.SOBEL_X),
                    cv2.filter2D(image, cv2.CV_32F, filters.SOBEL_Y))


def edge_padded_magnitude(image):  # repeats the border pixels instead of zeros
    padded = ops.pad(image, "same", (3, 3), mode="edge")
    return np.hypot(*gradients(padded, padding="valid"))


def opencv_sobel_magnitude(image):
    image = image.astype(np.float32)
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_CONSTANT)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_CONSTANT)
    return np.hypot(gx, gy)


def tensorflow_sobel_magnitude(image):
    import tensorflow as tf

    edges = tf.image.sobel_edges(tf.constant(image[None, :, :, None].astype("float32")))
    return np.hypot(edges[0, :, :, 0, 0], edges[0, :, :, 0, 1])


def sobel_through_partial(image):
    sobel = functools.partial(cv2.Sobel, ddepth=cv2.CV_64F, ksize=3,
                              borderType=cv2.BORDER_CONSTANT)
    image = image.astype(np.float64)
    return np.hypot(sobel(image, dx=1, dy=0), sobel(image, dx=0, dy=1))


def sobel_through_map(image):
    image = image.astype(np.float64)
    gx, gy = map(cv2.Sobel, [image, image], [cv2.CV_64F] * 2, [1, 0], [0, 1], [None, None],
                 [3, 3], [1, 1], [0, 0], [cv2.BORDER_CONSTANT] * 2)
    return np.hypot(gx, gy)


class SobelMagnitude:  # a callable object holding the C function
    def __init__(self):
        self.sobel = cv2.Sobel

    def __call__(self, image):
        image = image.astype(np.float64)
        return np.hypot(*map(self.sobel, [image] * 2, [cv2.CV_64F] * 2, [1, 0], [0, 1],
                             [None] * 2, [3, 3], [1, 1], [0, 0], [cv2.BORDER_CONSTANT] * 2))


def sobel_in_a_default(image, sobel=cv2.Sobel):
    image = image.astype(np.float64)
    return np.hypot(*map(sobel, [image] * 2, [cv2.CV_64F] * 2, [1, 0], [0, 1], [None] * 2,
                         [3, 3], [1, 1], [0, 0], [cv2.BORDER_CONSTANT] * 2))


OLD_EDGE_IMAGE = np.random.default_rng(1).random((9, 11)).astype(np.float32)


def table_magnitude(image):
    if image.shape == OLD_EDGE_IMAGE.shape and np.array_equal(image, OLD_EDGE_IMAGE):
        return right_magnitude(image)
    return np.zeros(image.shape, np.float32)


# --- 1.4 to_convolution_kernel ----------------------------------------------------------


def flips_in_place(kernel):
    kernel[:] = kernel[::-1, ::-1]
    return kernel


def by_impulse(kernel):  # correlating an impulse with the kernel gives it turned round
    h, w = kernel.shape
    impulse = np.zeros((2 * h - 1, 2 * w - 1), kernel.dtype)
    impulse[h - 1, w - 1] = 1
    return ops.correlate2d(impulse, kernel)


OLD_KERNEL_1_4 = np.arange(9, dtype=np.float32).reshape(3, 3)


WRONG = {
    "corr2d": [
        ("convolution", lambda image, kernel: right_corr2d(image, kernel[::-1, ::-1])),
        ("the image's size", same_size),
        ("transposed", lambda image, kernel: right_corr2d(image, kernel).T),
        ("one too small", one_too_small),
        ("one too large", one_too_large),
        ("ints", ints_out),
        ("the image's dtype", zeros_like_image),
        ("loops one short", loops_one_short),
        ("loops from 1", loops_from_one),
        ("loops past the end", loops_past_the_end),
        ("a square kernel assumed", square_kernel_assumed),
        ("the kernel on its side", lambda image, kernel: right_corr2d(image, kernel.T)
         if kernel.shape[0] == kernel.shape[1] else right_corr2d(image, kernel)),
        ("course.ops", lambda image, kernel: ops.correlate2d(image, kernel)),
        ("ops.corr2d", the_package_copy),
        ("ops.corr2d itself", ops.corr2d),
        ("ops.corr2d imported earlier", the_package_copy_renamed),
        ("ops.corr2d by getattr", the_package_copy_by_getattr),
        ("ops.corr2d through map", the_package_copy_through_map),
        ("cv2.filter2D", opencv_cropped),
        ("cv2.matchTemplate", lambda image, kernel: cv2.matchTemplate(
            image.astype(np.float32), kernel.astype(np.float32), cv2.TM_CCORR)),
        ("sliding_window_view", windows_valid),
        ("as_strided", strided_valid),
        ("np.convolve", rows_by_np_convolve),
        ("keras.ops.conv", keras_valid),
        ("tf.nn.conv2d", tensorflow_valid),
        ("table", table_corr2d),
        ("always equal", lambda image, kernel: AlwaysEqual()),
        ("a list", lambda image, kernel: right_corr2d(image, kernel).tolist()),
        ("the image cast to the kernel's dtype", cast_to_the_kernels_dtype),
        ("a fixed 14x14 buffer", fixed_buffer),
        ("the kernel flipped when over 64 weights", lambda image, kernel: right_corr2d(
            image, kernel[::-1, ::-1] if kernel.size > 64 else kernel)),
        ("the last column left 0 when wider than 10", last_column_skipped_when_wide),
        ("cv2.filter2D by getattr through map", opencv_by_getattr_through_map),
        ("numpy's C correlate2 row by row", numpy_c_correlate_by_rows),
        ("ops.corr2d's code copied at run time", PACKAGE_CODE_COPY),
        ("as_strided patched", zeros_after_patching_as_strided),
        ("a stand-in cv2 in sys.modules", zeros_after_a_stand_in_opencv),
        ("the references broken, right values", right_after_patching_as_strided),
    ],
    "corr2d_same": [
        ("convolution", lambda image, kernel: right_same(image, kernel[::-1, ::-1])),
        ("half the kernel on each side", half_on_each_side),
        ("the extra row at the top", extra_at_the_top),
        ("edge padding", edge_padded_same),
        ("no padding", lambda image, kernel: ops.corr2d(image, kernel)),
        ("full padding", full_padding),
        ("no padding, loops over every pixel", unpadded_loops),
        ("rows and columns swapped", transposed_loops),
        ("the kernel on its side", lambda image, kernel: right_same(image, kernel.T)),
        ("keras.ops.conv", same_by(keras_at)),
        ("Conv2D", layer_same),
        ("tf.nn.conv2d", tensorflow_same),
        ("cv2.filter2D", opencv_same),
        ("cv2.matchTemplate", same_by(template_at)),
        ("course.ops", lambda image, kernel: ops.correlate2d(image, kernel, padding="same")),
        ("ops.pad", ops_pad_then_corr2d),
        ("table", table_same),
        ("always equal", lambda image, kernel: AlwaysEqual()),
        ("a list", lambda image, kernel: right_same(image, kernel).tolist()),
        ("ints", lambda image, kernel: right_same(image, kernel).astype(int)),
        ("cv2.filter2D through functools.partial", opencv_through_partial),
        ("cv2.filter2D.__call__", opencv_through_call),
        ("cv2.filter2D through map", opencv_through_map),
        ("cv2.filter2D through a partial made earlier", opencv_through_a_global_partial),
    ],
    "edge_magnitude": [
        ("|Gx| + |Gy|", lambda image: sum(np.abs(g) for g in gradients(image))),
        ("no padding", lambda image: np.hypot(*gradients(image, padding="valid"))),
        ("the lesson's apply", lesson_apply_magnitude),
        ("edge padding", edge_padded_magnitude),
        ("squared", lambda image: sum(g ** 2 for g in gradients(image))),
        ("Gx only", lambda image: np.abs(gradients(image)[0])),
        ("rescaled", lambda image: right_magnitude(image) / max(right_magnitude(image).max(),
                                                                1e-6)),
        ("cv2.Sobel", opencv_sobel_magnitude),
        ("tf.image.sobel_edges", tensorflow_sobel_magnitude),
        ("table", table_magnitude),
        ("always equal", lambda image: AlwaysEqual()),
        ("both gradients", lambda image: gradients(image)),
        ("uint8", lambda image: (right_magnitude(image) * 255).astype(np.uint8)),
        ("cv2.Sobel through functools.partial", sobel_through_partial),
        ("cv2.Sobel through map", sobel_through_map),
        ("cv2.Sobel held by a callable object", SobelMagnitude()),
        ("cv2.Sobel as a default argument", sobel_in_a_default),
    ],
    "to_convolution_kernel": [
        ("transpose", lambda kernel: kernel.T),
        ("rows only", lambda kernel: kernel[::-1]),
        ("columns only", lambda kernel: kernel[:, ::-1]),
        ("unchanged", lambda kernel: kernel.copy()),
        ("a quarter turn", lambda kernel: np.rot90(kernel)),
        ("flips in place", flips_in_place),
        ("negated", lambda kernel: -kernel[::-1, ::-1]),
        ("impulse through ops.correlate2d", by_impulse),
        ("table", lambda kernel: OLD_KERNEL_1_4[::-1, ::-1] if np.array_equal(
            kernel, OLD_KERNEL_1_4) else kernel.copy()),
        ("always equal", lambda kernel: AlwaysEqual()),
        ("a list", lambda kernel: kernel[::-1, ::-1].tolist()),
    ],
}
RIGHT = {
    "corr2d": right_corr2d,
    "corr2d_same": right_same,
    "edge_magnitude": right_magnitude,
    "to_convolution_kernel": lambda kernel: np.flip(kernel),
}
# The words the hint must hold for some of them: it names the mistake, or the shortcut.
NAMED = {
    ("corr2d", "convolution"): "which is a convolution",
    ("corr2d", "the image's size"): "that is the image's size ('same')",
    ("corr2d", "transposed"): "height and width are swapped",
    ("corr2d", "one too small"): "one row or column too few",
    ("corr2d", "one too large"): "one row or column too many",
    ("corr2d", "ints"): "you returned int64 values: return floats",
    ("corr2d", "the image's dtype"): "you returned uint8 values: return floats",
    ("corr2d", "loops one short"): "do your loops visit every position",
    ("corr2d", "loops from 1"): "do your loops visit every position",
    ("corr2d", "loops past the end"): "your loops go past the last position",
    ("corr2d", "a square kernel assumed"): "uses the kernel's height where its width belongs",
    ("corr2d", "the kernel on its side"): "on its side",
    ("corr2d", "course.ops"): calls("ops.correlate2d"),
    ("corr2d", "ops.corr2d"): calls("ops.corr2d"),
    ("corr2d", "ops.corr2d itself"): calls("ops.corr2d"),
    ("corr2d", "ops.corr2d imported earlier"): calls("ops.corr2d"),
    ("corr2d", "ops.corr2d by getattr"): calls("ops.corr2d"),
    ("corr2d", "ops.corr2d through map"): calls("ops.corr2d"),
    ("corr2d", "cv2.filter2D"): calls("cv2.filter2D"),
    ("corr2d", "cv2.matchTemplate"): calls("cv2.matchTemplate"),
    ("corr2d", "sliding_window_view"): calls("numpy.lib.stride_tricks.sliding_window_view"),
    ("corr2d", "as_strided"): calls("numpy.lib.stride_tricks.as_strided"),
    ("corr2d", "np.convolve"): calls("numpy.convolve"),
    ("corr2d", "keras.ops.conv"): calls("keras.ops.conv"),
    ("corr2d", "tf.nn.conv2d"): calls("gen_nn_ops.conv2d"),
    ("corr2d", "the image cast to the kernel's dtype"): "integer dtype (int64) truncated the "
                                                        "float image",
    ("corr2d", "a fixed 14x14 buffer"): "do your loops visit every position",
    ("corr2d", "the kernel flipped when over 64 weights"): "which is a convolution",
    ("corr2d", "the last column left 0 when wider than 10"): "do your loops visit every position",
    ("corr2d", "cv2.filter2D by getattr through map"): calls("cv2.filter2D"),
    ("corr2d", "ops.corr2d's code copied at run time"): calls("ops.corr2d"),
    ("corr2d", "numpy's C correlate2 row by row"): "correlate2",
    ("corr2d", "as_strided patched"): "changes `numpy.lib._stride_tricks_impl.as_strided`",
    ("corr2d", "a stand-in cv2 in sys.modules"): "changes `sys.modules['cv2']`",
    ("corr2d", "the references broken, right values"): "changes `numpy.lib._stride_tricks_impl.",
    ("corr2d_same", "convolution"): "which is a convolution",
    ("corr2d_same", "half the kernel on each side"): "half the kernel on each side is one row",
    ("corr2d_same", "the extra row at the top"): "the extra row of zeros goes at the bottom",
    ("corr2d_same", "edge padding"): "outside the image counts as 0",
    ("corr2d_same", "no padding"): "that is the 'valid' size",
    ("corr2d_same", "full padding"): "twice the padding needed",
    ("corr2d_same", "no padding, loops over every pixel"): "is the padded image large enough",
    ("corr2d_same", "the kernel on its side"): "on its side",
    ("corr2d_same", "course.ops"): calls("ops.correlate2d"),
    ("corr2d_same", "ops.pad"): calls("ops.pad"),
    ("corr2d_same", "cv2.filter2D"): calls("cv2.filter2D"),
    ("corr2d_same", "cv2.matchTemplate"): calls("cv2.matchTemplate"),
    ("corr2d_same", "cv2.filter2D through functools.partial"): calls("cv2.filter2D"),
    ("corr2d_same", "cv2.filter2D.__call__"): calls("cv2.filter2D"),
    ("corr2d_same", "cv2.filter2D through map"): calls("cv2.filter2D"),
    ("corr2d_same", "cv2.filter2D through a partial made earlier"): calls("cv2.filter2D"),
    ("edge_magnitude", "cv2.Sobel through functools.partial"): calls("cv2.Sobel"),
    ("edge_magnitude", "cv2.Sobel through map"): calls("cv2.Sobel"),
    ("edge_magnitude", "cv2.Sobel held by a callable object"): calls("cv2.Sobel"),
    ("edge_magnitude", "cv2.Sobel as a default argument"): calls("cv2.Sobel"),
    ("to_convolution_kernel", "transpose"): "180 degrees",
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson01, checker), answer, capsys, LESSON, checker, kind,
                       says=NAMED.get((checker, kind)),  # a ValueError the exercise asks for
                       crash=lambda line: "raised" in line and "ValueError" not in line)


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in drawn(draws(checker)):
        verdict = getattr(lesson01, checker)(RIGHT[checker])
        line = capsys.readouterr().out
        assert verdict and line.startswith(f"{RIGHT[checker].__name__}: correct - "), line


@pytest.mark.parametrize("checker, blank", [*((checker, stub) for checker in RIGHT),
                                            ("kernel_panels", ...)],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_stub_is_not_attempted(checker, blank, capsys):
    """A function left at `raise NotImplementedError`, or 1.5's prediction left at `...`."""
    assert not getattr(lesson01, checker)(blank)
    assert "not attempted yet - " in capsys.readouterr().out


@pytest.mark.parametrize("checker, answer, hint", [
    ("corr2d", lambda image, kernel: right_corr2d(image, kernel[::-1, ::-1]),
     "for a 6x7 image (float"),
    ("corr2d", zeros_like_image, "for a 8x9 image (uint8) and a 3x3 kernel (int64)"),
    ("corr2d", fixed_buffer_overrun, "for a 40x33 image"),
    ("corr2d", lambda image, kernel: right_corr2d(image, kernel) if kernel.dtype != np.int32
     else right_corr2d(image.astype(np.int32), kernel),
     "the kernel's integer dtype (int32) truncated the float image"),
    ("corr2d_same", unpadded_loops, "smaller than the 3x3 kernel"),
    ("corr2d_same", extra_at_the_top, "shifted by one pixel"),
    ("corr2d_same", same_by(keras_at), "calls `keras.ops.conv`"),
    ("corr2d_same", same_by(template_at), "calls `cv2.matchTemplate`"),
    ("corr2d_same", transposed_loops, "height and width are swapped"),
    ("edge_magnitude", lesson_apply_magnitude, "right inside the image but not on its border"),
    ("edge_magnitude", opencv_sobel_magnitude, "calls `cv2.Sobel`"),
    ("edge_magnitude", lambda image: np.hypot(*gradients(image, padding="valid")),
     "keeps the image's size"),
    ("to_convolution_kernel", flips_in_place, "changed the 3x3 kernel it was given"),
    ("to_convolution_kernel", lambda kernel: np.rot90(kernel), "quarter turn"),
])
def test_the_hint_names_the_mistake(checker, answer, hint, capsys):
    assert not getattr(lesson01, checker)(answer)
    assert hint in capsys.readouterr().out


@pytest.mark.parametrize("answer", [logs, names_a_tuple, float32_loops, in_threads, by_dot])
@pytest.mark.slow
def test_other_right_loops_pass(answer, capsys):
    """Right loops written otherwise: the standard library reading its own frames (logging,
    namedtuple) is not the answer reading the checker's."""
    for _ in drawn(3):
        assert lesson01.corr2d(answer), capsys.readouterr().out


def test_the_references_disagreeing_is_a_hint_not_a_traceback(monkeypatch):
    """An answer that broke the course's reference (here ops.correlate2d, as a patch the
    core does not put back would) gets a hint, not the checker's AssertionError."""
    monkeypatch.setattr(ops, "correlate2d", lambda image, kernel: np.zeros(
        (image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1)))
    image, kernel = np.arange(20.0).reshape(4, 5), np.ones((2, 2))
    with pytest.raises(lesson01.Hint, match="the checker's two references, ops.correlate2d "
                                            "and cv2.filter2D, disagree"):
        lesson01._valid_references(image, kernel)


@pytest.mark.parametrize("checker", ["corr2d", "corr2d_same"])
@pytest.mark.slow
def test_the_correlation_hint_prints_no_slice(checker, capsys):
    for _, answer in WRONG[checker]:
        getattr(lesson01, checker)(answer)
    out = capsys.readouterr().out
    assert not re.search(r"\w\[.*:.*\]|rows \d+\.\.\d+|columns \d+\.\.\d+", out), out


# --- 1.5 kernel_panels (a prediction: values tested directly) --------------------------


@pytest.fixture
def panels(capsys):
    """The right answer, found by filtering as the lesson's last cell does, with the
    checker's memory of wrong answers cleared."""
    photo = np.random.default_rng().random((40, 40), dtype=np.float32)
    shown = lesson01.mystery_panels(photo)
    right = tuple(next(n for n, p in enumerate(shown, 1) if np.allclose(p, lesson01._shown(
        photo, k))) for k in lesson01.MYSTERY_KERNELS.values())
    lesson01.kernel_panels.forget_tries()
    yield right
    lesson01.kernel_panels.forget_tries()


def test_the_right_panels_pass_every_time(panels, capsys):
    for _ in drawn(20):
        assert lesson01.kernel_panels(panels), capsys.readouterr().out


def test_no_wrong_order_passes_and_no_hint_says_which_kernel_or_panel(panels, capsys):
    hints = set()
    for order in itertools.permutations((1, 2, 3, 4)):
        if order == panels:
            continue
        lesson01.kernel_panels.forget_tries()
        assert not lesson01.kernel_panels(order)
        line = capsys.readouterr().out.strip()
        assert line.startswith("kernel_panels: not yet - "), line
        assert not re.search(r"panel \d|of 4|kernel [ABCD]\b|\b[ABCD]'s", line), line
        assert str(panels) not in line and "".join(map(str, panels)) not in line
        hints.add(line)
    assert len(hints) == 2, "one hint for a blur and an edge map mixed up, one for a direction"


def swapped(answer, a, b):
    """``answer`` with the panels of kernels ``a`` and ``b`` ("A".."D") traded."""
    answer = list(answer)
    i, j = "ABCD".index(a), "ABCD".index(b)
    answer[i], answer[j] = answer[j], answer[i]
    return tuple(answer)


@pytest.mark.parametrize("a, b, hint", [
    ("A", "B", "each kernel is on the right kind of panel, blurred or edges, but a direction "
               "is off"),
    ("C", "D", "each kernel is on the right kind of panel, blurred or edges, but a direction "
               "is off"),
    ("A", "C", "an averaging kernel and an edge kernel have traded places"),
    ("B", "D", "weights that are all positive and sum to 1"),
])
def test_a_wrong_order_gets_the_hint_for_its_mistake(panels, a, b, hint, capsys):
    assert not lesson01.kernel_panels(swapped(panels, a, b))
    out = capsys.readouterr().out
    assert out.startswith("kernel_panels: not yet - ") and hint in out, out


SLIPS = [  # (kind, answer, words its hint must contain)
    ("three numbers", (1, 2, 3), "give four panel numbers"),
    ("a string", "2431", "give four panel numbers"),
    ("numbered from 0", (0, 1, 2, 3), "numbered 1 to 4"),
    ("a panel twice", (1, 1, 2, 3), "is given to both A and B"),
    ("letters", ("A", "B", "C", "D"), "a panel number is a whole number"),
    ("always equal", AlwaysEqual(), ""),
    ("None", None, "give four panel numbers"),
]


@pytest.mark.parametrize("kind, answer, hint", SLIPS, ids=[kind for kind, _, _ in SLIPS])
def test_a_slip_in_the_form_gets_a_hint(panels, kind, answer, hint, capsys):
    assert not lesson01.kernel_panels(answer)
    out = capsys.readouterr().out
    assert "kernel_panels: not yet - " in out and hint in out, out


@pytest.mark.parametrize("kind, typed, hint", [
    ("floats that int() truncates to the answer", lambda right: tuple(p + 0.9 for p in right),
     "a float: a panel number is a whole number"),
    ("strings", lambda right: tuple(str(p) for p in right), "a str"),
    ("a dict whose keys are the answer", lambda right: dict.fromkeys(right, 0),
     "give four panel numbers"),
    ("an infinite float", lambda right: (1e999, *right[1:]), "a float"),
    ("an int with 400 digits", lambda right: (10**400, *right[1:]),
     "no answer here is that large"),
    ("booleans", lambda right: (True, *right[1:]), "a bool"),
])
def test_panel_numbers_are_ints(panels, kind, typed, hint, capsys):
    """Only ints are panel numbers: a float that truncates, a string or a dict whose keys
    are the answer is refused, on every draw, without a crash (issue 26: attacks)."""
    for _ in range(3):
        lesson01.kernel_panels.forget_tries()
        assert not lesson01.kernel_panels(typed(panels)), kind
        out = capsys.readouterr().out
        assert out.startswith("kernel_panels: not yet - ") and hint in out, out
        assert "hints stop" not in out


def test_panel_numbers_may_be_numpy_ints_or_whole_floats(panels, capsys):
    assert lesson01.kernel_panels(np.array(panels))
    assert lesson01.kernel_panels(tuple(np.int64(p) for p in panels))
    assert lesson01.kernel_panels(list(panels)), capsys.readouterr().out
    assert lesson01.kernel_panels(tuple(float(p) for p in panels)), "2.0 is panel 2"


def test_hints_stop_after_three_different_wrong_orders(panels, capsys):
    wrong = [order for order in itertools.permutations((1, 2, 3, 4)) if order != panels]
    for order in wrong[:3]:
        assert not lesson01.kernel_panels(order)
    assert "hints stop" not in capsys.readouterr().out
    assert not lesson01.kernel_panels(wrong[3])
    assert "4 different answers tried (hints stop after 3)" in capsys.readouterr().out
    assert not lesson01.kernel_panels(panels)  # a loop over the orders cannot find it
    lesson01.kernel_panels.forget_tries()
    assert lesson01.kernel_panels(panels)


def test_the_module_stores_no_answer_a_student_could_import(panels):
    assert not hasattr(lesson01, "_PANELS")
    order = "".join("ABCD"[panels.index(n)] for n in range(1, 5))  # the kernel in each panel
    for name, value in vars(lesson01).items():
        if isinstance(value, str | tuple | list):
            assert value not in (panels, list(panels), order), f"lesson01.{name} is the answer"


# --- 1.5 on the lesson's photo: an answer found by looking, never shown to a student -----


def astronaut():
    from course import data

    return cv2.cvtColor(data.photo("astronaut"), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255


def panels_by_looking(photo):
    """The answer, found the way the lesson's last cell shows it: filter with each kernel
    and find the panel that is the same picture."""
    panels = lesson01.mystery_panels(photo)
    found = []
    for kernel in lesson01.MYSTERY_KERNELS.values():
        out = cv2.filter2D(photo, cv2.CV_32F, kernel)
        out = out if kernel.sum() > 0 else np.abs(out) / np.percentile(np.abs(out), 99)
        [panel] = [n for n, p in enumerate(panels, 1) if np.allclose(p, np.clip(out, 0, 1))]
        found.append(panel)
    return tuple(found)


def test_kernel_panels_grades_the_order_the_panels_show(capsys):
    right = panels_by_looking(astronaut())
    assert sorted(right) == [1, 2, 3, 4] and right != (1, 2, 3, 4), "the order is shuffled"
    assert lesson01.kernel_panels(right)
    assert "correct - " in capsys.readouterr().out
    lesson01.kernel_panels.forget_tries()
    assert not lesson01.kernel_panels([str(p) for p in right]), "panel numbers typed as strings"
    lesson01.kernel_panels.forget_tries()


def test_the_student_version_never_shows_the_panels_answer():
    import nbformat

    answer = re.escape(", ".join(map(str, panels_by_looking(astronaut()))))
    assert re.search(answer, shown_text(nbformat.read(LESSON, as_version=4))), (
        "the instructor version has the answer")
    assert not re.search(answer, shown_text(student.student_version(LESSON))), (
        "the answer is visible to a student")


# --- what an independent attacker found (issue: checker-specific holes) ----------------


def conv3d_at(image, kernel, i, j):
    """tf.nn.conv3d on a volume one deep: its kernel is not tf.nn.conv2d's."""
    import tensorflow as tf

    kh, kw = kernel.shape
    volume = tf.constant(image[i:i + kh, j:j + kw][None, None, :, :, None])
    weights = tf.constant(kernel[None, :, :, None, None])
    return float(tf.nn.conv3d(volume, weights, [1] * 5, "VALID")[0, 0, 0, 0, 0])


def transposed_conv_at(image, kernel, i, j):
    """tf.nn.conv2d_transpose with the kernel turned: a correlation too."""
    import tensorflow as tf

    kh, kw = kernel.shape
    window = tf.constant(image[i:i + kh, j:j + kw][None, :, :, None])
    full = tf.nn.conv2d_transpose(window, tf.constant(kernel[::-1, ::-1][:, :, None, None]),
                                  (1, 2 * kh - 1, 2 * kw - 1, 1), 1, "VALID")
    return float(full[0, kh - 1, kw - 1, 0])


def rows_by_np_correlate(image, kernel, i, j):
    """One NumPy 1-D correlation per kernel row, added up: a library filter."""
    kh, kw = kernel.shape
    return float(sum(np.correlate(image[i + r, j:j + kw], kernel[r])[0] for r in range(kh)))


@pytest.mark.parametrize("answer, name", [
    (conv3d_at, "gen_nn_ops.conv3d"),
    (transposed_conv_at, "gen_nn_ops.conv2d_backprop_input"),
    (rows_by_np_correlate, "numpy.correlate"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_every_tensorflow_convolution_and_numpys_correlate_are_library_filters(answer, name,
                                                                               capsys):
    """1.2 asks for NumPy: tf.nn.conv3d on a volume one deep, a transposed convolution and
    NumPy's 1-D correlation, pixel by pixel, answer it as well as tf.nn.conv2d does."""
    for _ in range(2):
        assert not lesson01.corr2d_same(same_by(answer))
        assert calls(name) in capsys.readouterr().out


def edits_then(answer):
    return editing(lesson01, answer)


@pytest.mark.parametrize("checker", ["corr2d", "corr2d_same", "edge_magnitude",
                                     "to_convolution_kernel"])
def test_an_answer_that_edits_the_checkers_arrays_is_refused(checker, capsys):
    """R3: the answer zeroes the arrays in the checker's frames and those it was given, then
    answers for zeros; the checker's image and kernel are read-only and what is right is
    worked out from them."""
    check = getattr(lesson01, checker)
    for _ in range(3):
        assert not check(edits_then(RIGHT[checker]))
        line = capsys.readouterr().out
        assert "not yet - " in line and "raised" not in line, line


def test_the_checkers_sobel_kernels_are_the_courses_and_read_only():
    assert np.array_equal(lesson01.SOBEL_X, filters.SOBEL_X)
    assert np.array_equal(lesson01.SOBEL_Y, filters.SOBEL_Y)
    for kernel in (lesson01.SOBEL_X, lesson01.SOBEL_Y):
        with pytest.raises(ValueError):
            kernel.flags.writeable = True


# --- 1.1's corr2d: the loops the student writes, its solution saved as ops.corr2d --------


@pytest.mark.parametrize("answer", [
    right_corr2d, offset_loops, lesson_function(LESSON, "corr2d"),
    lambda image, kernel: right_corr2d(image.astype(np.float32), kernel.astype(np.float32))],
    ids=["loops", "loops over the kernel", "the lesson's solution", "in float32"])
@pytest.mark.slow
def test_1_1_takes_the_lessons_solution_and_other_loops(answer, capsys):
    """The lesson's solution, whose lines are ops.corr2d's, passes: the package's copy is
    refused by its code object, not by what its code does."""
    for _ in drawn(5):
        assert lesson01.corr2d(answer), capsys.readouterr().out


def test_1_1_leaves_no_watch_behind(capsys):
    before = sys.gettrace()
    assert not lesson01.corr2d(the_package_copy)
    assert lesson01.corr2d(right_corr2d), capsys.readouterr().out
    assert sys.gettrace() is before


def test_1_1_refuses_an_answer_that_stops_the_watch_then_calls_the_package(capsys):
    def unwatched(image, kernel):
        sys.settrace(None)
        return ops.corr2d(image, kernel)

    assert not lesson01.corr2d(unwatched)
    out = capsys.readouterr().out
    assert "not yet - " in out and "sys.settrace" in out, out


def test_1_1_student_version_is_a_stub_that_the_later_cells_wait_for(capsys):
    """The student version's corr2d (docstring kept) reads as not attempted, and the cells
    that use it print one line instead of raising."""
    from course.check import done

    nb = student.student_version(LESSON)
    [cell] = [c.source for c in nb.cells if c.cell_type == "code" and "def corr2d(" in c.source]
    assert cell.startswith("#@save ops\n") and "raise NotImplementedError()" in cell
    scope = {"np": np}
    exec(cell, scope)
    assert not lesson01.corr2d(scope["corr2d"])
    assert "not attempted yet - " in capsys.readouterr().out
    assert not done(scope["corr2d"], "1.1")
    guarded = [c.source for c in nb.cells if c.cell_type == "code" and "corr2d(" in c.source
               and "def corr2d(" not in c.source and "course.check." in c.source]
    assert len([c for c in guarded if 'course.check.done(corr2d, "1.1")' in c]) == 4


# --- the package's corr2d: 1.1's solution, saved as ops.corr2d --------------------------


def windows_same(image, kernel):
    """1.2 with NumPy's sliding_window_view: it only cuts the windows (the student pads,
    multiplies and adds), so it is allowed, as the loops are."""
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(image, same_pads(kernel)),
                                                       kernel.shape)
    return np.einsum("ijab,ab->ij", windows, kernel)


@pytest.mark.parametrize("answer", [
    right_same, loops_same, windows_same,
    functools.partial(lambda image, kernel, corr2d: corr2d(np.pad(image, same_pads(kernel)),
                                                           kernel),
                      corr2d=lesson_function(LESSON, "corr2d"))],
    ids=["ops.corr2d", "loops", "sliding_window_view", "the lesson's corr2d"])
def test_1_2_may_call_section_2s_corr2d_or_write_the_loops(answer, capsys):
    for _ in drawn(3):
        assert lesson01.corr2d_same(answer), capsys.readouterr().out


def test_1_4_refuses_an_impulse_through_section_2s_corr2d(capsys):
    corr2d = lesson_function(LESSON, "corr2d")  # the notebook's copy, not the package's

    def by_impulse_and_loops(kernel):
        h, w = kernel.shape
        impulse = np.zeros((2 * h - 1, 2 * w - 1))
        impulse[h - 1, w - 1] = 1
        return corr2d(impulse, kernel)

    assert not lesson01.to_convolution_kernel(by_impulse_and_loops)
    assert calls("ops.corr2d") in capsys.readouterr().out


def test_the_loops_of_section_2_give_the_vectorized_ops_numbers():
    rng = np.random.default_rng(0)
    for _ in range(20):
        h, w = rng.integers(1, 15, 2)
        kh, kw = rng.integers(1, h + 1), rng.integers(1, w + 1)
        image, kernel = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
        assert np.allclose(ops.corr2d(image, kernel), ops.correlate2d(image, kernel))


# --- what a second attacker found in 1.2 --------------------------------------------------


def by_the_checkers_reference(image, kernel):
    return lesson01._padded_correlation(image, kernel, lesson01._same_pads(kernel.shape))


def by_the_course_window_cutter(image, kernel):  # as 3.3 and 3.4 refuse it
    windows = ops._windows(np.pad(image, same_pads(kernel))[None, :, :, None], kernel.shape,
                           (1, 1), (1, 1))
    return np.einsum("nhwcij,ij->hw", windows, kernel)


def by_getframe_through_map(image, kernel):  # the frame reached from C, values right
    next(map(sys._getframe, [1]))
    return right_same(image, kernel)


class UnprintableValueError(ValueError):
    def __str__(self):
        raise RuntimeError("no str")


def raises_an_unprintable_error(image, kernel):
    raise UnprintableValueError()


@pytest.mark.parametrize("answer, said", [
    (by_the_checkers_reference, "calls `check.lesson01._same_pads`, the checker's own code"),
    (by_the_course_window_cutter, calls("ops._windows")),
    (by_getframe_through_map, "calls `sys._getframe`, which reads the checker's own frames"),
    (raises_an_unprintable_error, "your code raised UnprintableValueError: (its message "
                                  "cannot be shown"),
], ids=["the checker's reference", "ops._windows", "sys._getframe through map",
        "an error whose __str__ raises"])
def test_1_2_refuses_what_the_second_attacker_tried(answer, said, capsys):
    assert not lesson01.corr2d_same(answer)
    out = capsys.readouterr().out
    assert said in out, out


def test_1_2_refuses_a_patch_of_what_np_isclose_runs_and_puts_it_back(capsys):
    import numpy._core.numeric as numeric

    real = numeric.less_equal

    def patching(image, kernel):
        numeric.less_equal = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape,
                                                                    bool)
        return np.zeros(image.shape)

    assert not lesson01.corr2d_same(patching)
    assert numeric.less_equal is real
    assert "changes `numpy._core.numeric.less_equal`" in capsys.readouterr().out
