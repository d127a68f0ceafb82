"""Lesson 04's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut (the course's backward passes, finite differences, the lesson's own
`tape_gradients`, TensorFlow's and Keras' transposed convolutions), a table of the checker's
old fixed cases, an always-equal object and a type slip. Each must get "not yet" with a hint
that holds no line of the solution; the right answer must pass every time (cases are drawn
afresh). Ties in max pooling are tested on their own. 4.1 is derived from the formula (the
statement and the worked answer after its checker sit in section 2); 4.3 is the backward
pass of a whole conv layer (a batch, channels, a stride), CS231n's conv_backward_naive, whose
checker also names the slips of its loops; 4.6 is a debug exercise, whose broken function is
refused. (The tests of these checkers that lived in
test_check_lessons_03_04.py, test_check_new_exercises_03_05.py and test_check_shortcuts.py,
and those of course.gradcheck, are here now.)"""

import concurrent.futures
import functools

import keras
import numpy as np
import pytest
import tensorflow as tf
from cheats import AlwaysEqual, calls, drawn, draws, refused_every_time
from frame_edits import editing

from course import gradcheck, ops
from course.check import lesson04
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "04_backpropagation.ipynb"


def table(cases, fallback):
    """An answer that looks its inputs up in a table of the old checker's fixed ones."""
    def answer(*args):
        key = tuple(a.tobytes() if isinstance(a, np.ndarray) else a for a in args)
        return cases[key] if key in cases else fallback(*args)
    return answer


def rng(seed):
    return np.random.default_rng(seed)


def tape_gradients(loss, *arrays):  # the lesson's own helper, cell 16
    """The gradient of loss(*tensors) with respect to each array, by tf.GradientTape."""
    tensors = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        value = loss(*tensors)
    return [grad.numpy() for grad in tape.gradient(value, tensors)]


# ---------------------------------------------------------------- right answers


def kernel_gradient(x, g):
    return ops.correlate2d(x, g)


def kernel_gradient_by_the_sum(x, g):  # the worked answer after the checker, any shapes
    dk = np.zeros(kernel_shape(x, g))
    for a, b in np.ndindex(dk.shape):
        dk[a, b] = (g * x[a:a + g.shape[0], b:b + g.shape[1]]).sum()
    return dk


def input_gradient(k, g):
    kh, kw = k.shape
    return ops.correlate2d(np.pad(g, [(kh - 1, kh - 1), (kw - 1, kw - 1)]), k[::-1, ::-1])


def windows(x):
    h, w = x.shape[0] // 2, x.shape[1] // 2
    return x.reshape(h, 2, w, 2).transpose(0, 2, 1, 3).reshape(h, w, 4)


def unwindows(grad, shape):
    h, w = grad.shape[:2]
    return grad.reshape(h, w, 2, 2).transpose(0, 2, 1, 3).reshape(shape)


def route(x, g, winners):
    grad = np.zeros((*g.shape, 4))
    np.put_along_axis(grad, winners[..., None], g[..., None], axis=-1)
    return unwindows(grad, x.shape)


def max_pool_backward(x, g):
    return route(x, g, windows(x).argmax(axis=-1))


def avg_pool_backward(g, size):
    return np.kron(g, np.ones((size, size))) / size**2


def input_gradient_strided(k, g, stride, x_shape):
    kh, kw = k.shape
    spread = np.zeros((x_shape[0] - kh + 1, x_shape[1] - kw + 1))
    spread[::stride, ::stride] = g
    return ops.correlate2d(np.pad(spread, [(kh - 1, kh - 1), (kw - 1, kw - 1)]), k[::-1, ::-1])


def strided_fixed_by_padding_the_result(k, g, stride, x_shape):  # another honest fix
    got = leftover_dropped(k, g, stride, x_shape)
    return np.pad(got, [(0, x_shape[0] - got.shape[0]), (0, x_shape[1] - got.shape[1])])


def conv_backward(dout, x, w, stride):  # the lesson's solution: one loop over positions
    f = w.shape[0]
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for i, j in np.ndindex(dout.shape[1:3]):
        rows, cols = slice(stride * i, stride * i + f), slice(stride * j, stride * j + f)
        dx[:, rows, cols, :] += np.einsum("nk,abck->nabc", dout[:, i, j], w)
        dw += np.einsum("nabc,nk->abck", x[:, rows, cols, :], dout[:, i, j])
    return dx, dw, dout.sum(axis=(0, 1, 2))


def conv_backward_naive(dout, x, w, stride):  # CS231n's four loops, one output at a time
    f = w.shape[0]
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros(w.shape[-1])
    for n, i, j, o in np.ndindex(dout.shape):
        g = dout[n, i, j, o]
        dx[n, stride * i:stride * i + f, stride * j:stride * j + f] += g * w[..., o]
        dw[..., o] += g * x[n, stride * i:stride * i + f, stride * j:stride * j + f]
        db[o] += g
    return dx, dw, db


def conv_backward_by_correlate2d(dout, x, w, stride):
    """dw as a correlation of x with dout (the batch summed as the channels, dilated by the
    stride), with ops.correlate2d: a forward pass, which 4.3 allows, as 4.1 does."""
    f = w.shape[0]
    dw = ops.correlate2d(x.transpose(3, 1, 2, 0), dout.transpose(1, 2, 0, 3),
                         dilation=stride)[:, :f, :f].transpose(1, 2, 0, 3)
    return conv_backward(dout, x, w, stride)[0], dw, dout.sum(axis=(0, 1, 2))


def stub(*args, **kwargs):
    raise NotImplementedError()


RIGHT = {
    "kernel_gradient": kernel_gradient,
    "input_gradient": input_gradient,
    "max_pool_backward": max_pool_backward,
    "avg_pool_backward": avg_pool_backward,
    "input_gradient_strided": input_gradient_strided,
    "conv_backward": conv_backward,
}

# ---------------------------------------------------------------- wrong answers


def kernel_shape(x, g):
    return x.shape[0] - g.shape[0] + 1, x.shape[1] - g.shape[1] + 1


def kernel_by_tape(x, g):
    k = np.zeros(kernel_shape(x, g))
    return tape_gradients(lambda xt, kt: keras.ops.sum(g[None, :, :, None] * keras.ops.conv(
        xt, kt)), x[None, :, :, None], k[:, :, None, None])[1][:, :, 0, 0]


def kernel_by_finite_differences(x, g):
    return gradcheck.numerical_gradient(lambda k: (g * ops.correlate2d(x, k)).sum(),
                                        np.zeros(kernel_shape(x, g)))


def kernel_in_place(x, g):
    g *= 1.0
    x[...] = 0  # wipes the caller's input
    return ops.correlate2d(x, g)


def input_by_transpose(k, g):
    return keras.ops.convert_to_numpy(keras.ops.conv_transpose(
        g[None, :, :, None], k[:, :, None, None], 1))[0, :, :, 0]


def input_by_tape(k, g):
    x = np.zeros((k.shape[0] + g.shape[0] - 1, k.shape[1] + g.shape[1] - 1))
    return tape_gradients(lambda xt: keras.ops.sum(g[None, :, :, None] * keras.ops.conv(
        xt, k[:, :, None, None])), x[None, :, :, None])[0][0, :, :, 0]


def input_valid(k, g):  # no padding: shrinks instead of growing
    if g.shape[0] < k.shape[0] or g.shape[1] < k.shape[1]:
        return np.zeros((1, 1))
    return ops.correlate2d(g, k[::-1, ::-1])


def to_every_tie(x, g):
    w = windows(x)
    return unwindows((w == w.max(axis=-1, keepdims=True)) * g[..., None], x.shape)


def split_ties(x, g):
    w = windows(x)
    tied = w == w.max(axis=-1, keepdims=True)
    return unwindows(tied / tied.sum(axis=-1, keepdims=True) * g[..., None], x.shape)


def last_tie(x, g):
    return route(x, g, 3 - windows(x)[..., ::-1].argmax(axis=-1))


def column_major_tie(x, g):  # reads each window column by column
    h, w = g.shape
    by_column = x.reshape(h, 2, w, 2).transpose(0, 2, 3, 1).reshape(h, w, 4).argmax(axis=-1)
    return route(x, g, (by_column % 2) * 2 + by_column // 2)


def to_the_first_cell(x, g):  # the top-left cell of each window, whatever it holds
    out = np.zeros_like(x, dtype=float)
    out[::2, ::2] = g
    return out


def to_the_second_largest(x, g):
    return route(x, g, np.argsort(windows(x), axis=-1, kind="stable")[..., -2])


def maximum_starts_at_zero(x, g):
    out = np.zeros_like(x, dtype=float)
    for i, j in np.ndindex(g.shape):
        best, where = 0.0, None
        for r, c in np.ndindex(2, 2):
            if x[2 * i + r, 2 * j + c] > best:
                best, where = x[2 * i + r, 2 * j + c], (2 * i + r, 2 * j + c)
        if where:
            out[where] = g[i, j]
    return out


def max_by_tape(x, g):
    grad, = tape_gradients(lambda t: keras.ops.sum(g[None, :, :, None] * keras.ops.max_pool(
        t, 2)), x[None, :, :, None])
    return grad[0, :, :, 0]


def avg_by_tape(g, size):
    x = np.zeros((g.shape[0] * size, g.shape[1] * size))
    grad, = tape_gradients(lambda t: keras.ops.sum(g[None, :, :, None] * keras.ops.average_pool(
        t, size)), x[None, :, :, None])
    return grad[0, :, :, 0]


def broken_input_gradient(k, g, stride, x_shape):  # the lesson's, both bugs
    kh, kw = k.shape
    spread = np.zeros(((g.shape[0] - 1) * stride + 1, (g.shape[1] - 1) * stride + 1))
    spread[::stride, ::stride] = g
    return ops.correlate2d(np.pad(spread, [(kh - 1, kh - 1), (kw - 1, kw - 1)]), k)


def leftover_dropped(k, g, stride, x_shape):  # the flip fixed, the shape bug left
    return broken_input_gradient(k[::-1, ::-1], g, stride, x_shape)


def flip_only_fixed_by_padding(k, g, stride, x_shape):  # the shape fixed, the flip left
    got = broken_input_gradient(k, g, stride, x_shape)
    return np.pad(got, [(0, x_shape[0] - got.shape[0]), (0, x_shape[1] - got.shape[1])])


def zeros_at_top_left(k, g, stride, x_shape):
    got = leftover_dropped(k, g, stride, x_shape)
    return np.pad(got, [(x_shape[0] - got.shape[0], 0), (x_shape[1] - got.shape[1], 0)])


def avg_by_3d_kernel(g, size):  # TensorFlow's 3-D pooling gradient, one depth slice
    return tf.raw_ops.AvgPool3DGrad(
        orig_input_shape=[1, g.shape[0] * size, g.shape[1] * size, 1, 1],
        grad=tf.constant(g[None, :, :, None, None], tf.float32), ksize=[1, size, size, 1, 1],
        strides=[1, size, size, 1, 1], padding="VALID").numpy()[0, :, :, 0, 0].astype(g.dtype)


def strided_by_kron_and_convolve2d(k, g, stride, x_shape):
    """Spread with np.kron, then ops.convolve2d: the flip done by the course's convolution."""
    kh, kw = k.shape
    spread = np.kron(g, np.pad(np.ones((1, 1)), [(0, stride - 1), (0, stride - 1)]))
    rows, cols = x_shape[0] - kh + 1, x_shape[1] - kw + 1
    spread = np.pad(spread, [(0, max(rows - spread.shape[0], 0)),
                             (0, max(cols - spread.shape[1], 0))])[:rows, :cols]
    return ops.convolve2d(np.pad(spread, [(kh - 1, kh - 1), (kw - 1, kw - 1)]), k)


def strided_by_tape(k, g, stride, x_shape):
    grad, = tape_gradients(lambda t: keras.ops.sum(g[None, :, :, None] * keras.ops.conv(
        t, k[:, :, None, None], stride)), np.zeros((1, *x_shape, 1)))
    return grad[0, :, :, 0]


def strided_by_transpose(k, g, stride, x_shape):
    return tf.nn.conv2d_transpose(g[None, :, :, None], k[:, :, None, None], (1, *x_shape, 1),
                                  stride, "VALID").numpy()[0, :, :, 0]


def old_kernel_cases():
    return {(rng(a).standard_normal(xs).tobytes(), rng(b).standard_normal(gs).tobytes()):
            ops.correlate2d(rng(a).standard_normal(xs), rng(b).standard_normal(gs))
            for a, b, xs, gs in [(0, 1, (5, 6), (3, 4)), (2, 3, (4, 5), (3, 3))]}


def old_input_cases():
    return {(rng(a).standard_normal(ks).tobytes(), rng(b).standard_normal(gs).tobytes()):
            input_gradient(rng(a).standard_normal(ks), rng(b).standard_normal(gs))
            for a, b, ks, gs in [(4, 5, (3, 3), (4, 5)), (6, 7, (2, 3), (3, 3))]}


OLD_TIES = np.array([[1., 1, 0, 2], [0, 0, 2, 2], [3, 1, 5, 5], [3, 0, 5, 1]])


def old_max_cases():
    cases = [(rng(8).standard_normal((4, 6)), rng(9).standard_normal((2, 3))),
             (rng(10).permutation(16).reshape(4, 4).astype(float), np.array([[1., 2], [3, 4]])),
             (OLD_TIES, np.array([[1., 2], [3, 4]]))]
    return {(x.tobytes(), g.tobytes()): max_pool_backward(x, g) for x, g in cases}


def old_avg_cases():
    return {(rng(s).standard_normal(shape).tobytes(), size): avg_pool_backward(
        rng(s).standard_normal(shape), size) for s, shape, size in [(11, (2, 3), 2),
                                                                    (12, (2, 2), 3)]}


def old_strided_cases():
    cases = {}
    for x_shape, k_shape, stride, seed in [((7, 7), (3, 3), 2, 4), ((6, 6), (3, 3), 1, 5),
                                           ((8, 8), (3, 3), 2, 6), ((9, 10), (2, 3), 3, 7),
                                           ((11, 11), (3, 3), 3, 8)]:
        r = rng(20 + seed)
        k = r.standard_normal(k_shape)
        g = r.standard_normal(tuple((n - f) // stride + 1 for n, f in zip(x_shape, k_shape,
                                                                              strict=True)))
        cases[(k.tobytes(), g.tobytes(), stride, x_shape)] = input_gradient_strided(
            k, g, stride, x_shape)
    return cases


def conv_overwritten(dout, x, w, stride):  # each window's share written over the last one's
    f = w.shape[0]
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for i, j in np.ndindex(dout.shape[1:3]):
        rows, cols = slice(stride * i, stride * i + f), slice(stride * j, stride * j + f)
        dx[:, rows, cols, :] = np.einsum("nk,abck->nabc", dout[:, i, j], w)
        dw += np.einsum("nabc,nk->abck", x[:, rows, cols, :], dout[:, i, j])
    return dx, dw, dout.sum(axis=(0, 1, 2))


def conv_without_batch_sum(dout, x, w, stride):  # dw started afresh for every image
    f = w.shape[0]
    dx = np.zeros(x.shape)
    for n in range(x.shape[0]):
        dw = np.zeros(w.shape)
        for i, j in np.ndindex(dout.shape[1:3]):
            rows, cols = slice(stride * i, stride * i + f), slice(stride * j, stride * j + f)
            dx[n, rows, cols] += np.einsum("k,abck->abc", dout[n, i, j], w)
            dw += np.einsum("abc,k->abck", x[n, rows, cols], dout[n, i, j])
    return dx, dw, dout.sum(axis=(0, 1, 2))


def conv_without_stride(dout, x, w, stride):  # output (i, j) read from pixel (i, j)
    f = w.shape[0]
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for i, j in np.ndindex(dout.shape[1:3]):
        dx[:, i:i + f, j:j + f] += np.einsum("nk,abck->nabc", dout[:, i, j], w)
        dw += np.einsum("nabc,nk->abck", x[:, i:i + f, j:j + f], dout[:, i, j])
    return dx, dw, dout.sum(axis=(0, 1, 2))


def conv_db_per_image(dout, x, w, stride):  # db summed over the wrong axes: the batch kept
    return (*conv_backward(dout, x, w, stride)[:2], dout.sum(axis=(1, 2)))


def conv_db_averaged(dout, x, w, stride):
    return (*conv_backward(dout, x, w, stride)[:2], dout.mean(axis=(0, 1, 2)))


def conv_in_float32(dout, x, w, stride):
    return tuple(g.astype(np.float32) for g in conv_backward(
        *(a.astype(np.float32) for a in (dout, x, w)), stride))


def conv_dx_one_filter(dout, x, w, stride):  # dx assigned afresh for every filter
    for o in range(w.shape[-1]):
        dx = conv_backward(dout[..., o:o + 1], x, w[..., o:o + 1], stride)[0]
    return dx, *conv_backward(dout, x, w, stride)[1:]


def conv_by_tape(dout, x, w, stride):
    dx, dw = tape_gradients(lambda xt, wt: keras.ops.sum(dout * keras.ops.conv(
        xt, wt, stride)), x, w)
    return dx, dw, dout.sum(axis=(0, 1, 2))


def conv_by_finite_differences(dout, x, w, stride):
    def y(x, w):
        return ops.correlate2d(x, w, stride=stride)
    return (gradcheck.numerical_gradient(lambda v: (dout * y(v, w)).sum(), x),
            gradcheck.numerical_gradient(lambda v: (dout * y(x, v)).sum(), w),
            dout.sum(axis=(0, 1, 2)))


def conv_by_own_finite_differences(dout, x, w, stride):  # no gradcheck: a home-made estimate
    def estimate(f, v, eps=1e-6):
        grad = np.zeros(v.shape)
        for index in np.ndindex(v.shape):
            up, down = v.copy(), v.copy()
            up[index] += eps
            down[index] -= eps
            grad[index] = (f(up) - f(down)) / (2 * eps)
        return grad

    def y(x, w):
        return ops.correlate2d(x, w, stride=stride)
    return (estimate(lambda v: (dout * y(v, w)).sum(), x),
            estimate(lambda v: (dout * y(x, v)).sum(), w), dout.sum(axis=(0, 1, 2)))


def old_conv_cases():
    cases = {}
    for seed, (n, h, wd, c, f, k, stride) in enumerate([(2, 5, 5, 3, 3, 2, 1),
                                                        (2, 7, 7, 2, 3, 3, 2)]):
        r = rng(40 + seed)
        x, w = r.standard_normal((n, h, wd, c)), r.standard_normal((f, f, c, k))
        dout = r.standard_normal((n, (h - f) // stride + 1, (wd - f) // stride + 1, k))
        cases[(dout.tobytes(), x.tobytes(), w.tobytes(), stride)] = conv_backward(
            dout, x, w, stride)
    return cases


WRONG = {
    "kernel_gradient": [
        ("turned by 180 degrees", lambda x, g: ops.correlate2d(x, g)[::-1, ::-1]),
        ("convolved", lambda x, g: ops.convolve2d(x, g)),
        ("g flipped on one axis", lambda x, g: ops.correlate2d(x, g[::-1])),
        ("averaged", lambda x, g: ops.correlate2d(x, g) / g.size),
        ("mutates x", kernel_in_place),
        ("course shortcut", lambda x, g: ops.correlate2d_backward(
            x, np.zeros(kernel_shape(x, g)), g)[1]),
        ("the lesson's tape_gradients", kernel_by_tape),
        ("finite differences", kernel_by_finite_differences),
        ("tensorflow backprop", lambda x, g: tf.compat.v1.nn.conv2d_backprop_filter(
            x[None, :, :, None], (*kernel_shape(x, g), 1, 1), g[None, :, :, None],
            [1, 1, 1, 1], "VALID").numpy()[:, :, 0, 0]),
        ("table", table(old_kernel_cases(), lambda x, g: np.zeros(kernel_shape(x, g)))),
        ("always equal", lambda x, g: AlwaysEqual()),
        ("list", lambda x, g: ops.correlate2d(x, g).tolist()),
        ("input's shape", lambda x, g: np.zeros_like(x)),
        ("first row only", lambda x, g: ops.correlate2d(x, g)[:1]),
        ("g left out", lambda x, g: ops.correlate2d(x, np.ones_like(g))),
        ("doubled", lambda x, g: 2 * ops.correlate2d(x, g)),
    ],
    "input_gradient": [
        ("not flipped", lambda k, g: ops.correlate2d(
            np.pad(g, [(k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2]), k)),
        ("flipped upside down only", lambda k, g: ops.correlate2d(
            np.pad(g, [(k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2]), k[::-1])),
        ("no padding", input_valid),
        ("padded on one side", lambda k, g: ops.correlate2d(
            np.pad(g, [(k.shape[0] - 1, 0), (k.shape[1] - 1, 0)]), k[::-1, ::-1])),
        ("course shortcut", lambda k, g: ops.correlate2d_backward(
            np.zeros(np.add(k.shape, g.shape) - 1), k, g)[0]),
        ("the lesson's tape_gradients", input_by_tape),
        ("keras conv_transpose", input_by_transpose),
        ("tensorflow conv2d_transpose", lambda k, g: tf.nn.conv2d_transpose(
            g[None, :, :, None], k[:, :, None, None], (1, *(np.add(k.shape, g.shape) - 1), 1),
            1, "VALID").numpy()[0, :, :, 0]),
        ("table", table(old_input_cases(), lambda k, g: np.zeros(np.add(k.shape, g.shape) - 1))),
        ("always equal", lambda k, g: AlwaysEqual()),
        ("list", lambda k, g: input_gradient(k, g).tolist()),
        ("string", lambda k, g: str(input_gradient(k, g))),
        ("off by a constant", lambda k, g: input_gradient(k, g) + 0.5),
    ],
    "max_pool_backward": [
        ("to every tie", to_every_tie),
        ("ties split", split_ties),
        ("last tie", last_tie),
        ("column by column", column_major_tie),
        ("maximum starts at 0", maximum_starts_at_zero),
        ("average pooling's", lambda x, g: avg_pool_backward(g, 2)),
        ("copied into every cell", lambda x, g: np.kron(g, np.ones((2, 2)))),
        ("course shortcut", lambda x, g: ops.pool2d_backward(x, g, 2)),
        ("the lesson's tape_gradients", max_by_tape),
        ("table", table(old_max_cases(), lambda x, g: np.zeros_like(x))),
        ("always equal", lambda x, g: AlwaysEqual()),
        ("g's shape", lambda x, g: g),
        ("list", lambda x, g: max_pool_backward(x, g).tolist()),
        ("to the smallest", lambda x, g: route(x, g, windows(x).argmin(axis=-1))),
        ("to the first cell", to_the_first_cell),
        ("to the second largest", to_the_second_largest),
        ("doubled", lambda x, g: 2 * max_pool_backward(x, g)),
    ],
    "avg_pool_backward": [
        ("not divided", lambda g, size: np.kron(g, np.ones((size, size)))),
        ("divided by size", lambda g, size: avg_pool_backward(g, size) * size),
        ("tiled", lambda g, size: np.tile(g, (size, size)) / size**2),
        ("not up-sampled", lambda g, size: g / size**2),
        ("course shortcut", lambda g, size: ops.pool2d_backward(
            np.zeros(np.multiply(g.shape, size)), g, size, mode="avg")),
        ("the lesson's tape_gradients", avg_by_tape),
        ("table", table(old_avg_cases(), lambda g, size: np.zeros(np.multiply(g.shape, size)))),
        ("always equal", lambda g, size: AlwaysEqual()),
        ("list", lambda g, size: avg_pool_backward(g, size).tolist()),
        ("mutates g", lambda g, size: avg_pool_backward(np.divide(g, size**2, out=g), 1)),
        ("upside down", lambda g, size: avg_pool_backward(g, size)[::-1]),
        ("tf.raw_ops.AvgPool3DGrad", avg_by_3d_kernel),
    ],
    "input_gradient_strided": [
        ("the broken function", broken_input_gradient),
        ("leftover rows dropped", leftover_dropped),
        ("flip left out", flip_only_fixed_by_padding),
        ("zeros at the top left", zeros_at_top_left),
        ("not spread", lambda k, g, stride, x_shape: input_gradient(k, g)),
        ("course shortcut", lambda k, g, stride, x_shape: ops.correlate2d_backward(
            np.zeros(x_shape), k, g, stride=stride)[0]),
        ("the lesson's tape_gradients", strided_by_tape),
        ("tensorflow conv2d_transpose", strided_by_transpose),
        ("table", table(old_strided_cases(), lambda k, g, stride, x_shape: np.zeros(x_shape))),
        ("always equal", lambda k, g, stride, x_shape: AlwaysEqual()),
        ("list", lambda k, g, stride, x_shape: input_gradient_strided(
            k, g, stride, x_shape).tolist()),
        ("flipped upside down only", lambda k, g, stride, x_shape: input_gradient_strided(
            k[::-1], g, stride, x_shape)),
        ("off by a constant", lambda k, g, stride, x_shape: input_gradient_strided(
            k, g, stride, x_shape) + 0.5),
        ("zeros", lambda k, g, stride, x_shape: np.zeros(x_shape)),
        ("a column short", lambda k, g, stride, x_shape: input_gradient_strided(
            k, g, stride, x_shape)[:, :-1]),
        ("np.kron, then ops.convolve2d", strided_by_kron_and_convolve2d),
    ],
    "conv_backward": [
        ("overlapping windows overwritten", conv_overwritten),
        ("the batch sum left out of dw", conv_without_batch_sum),
        ("the stride left out of the indexing", conv_without_stride),
        ("db with the batch kept", conv_db_per_image),
        ("db averaged", conv_db_averaged),
        ("float32", conv_in_float32),
        ("dx of one filter", conv_dx_one_filter),
        ("dx and dw swapped", lambda dout, x, w, stride: (
            conv_backward(dout, x, w, stride)[1], conv_backward(dout, x, w, stride)[0],
            dout.sum(axis=(0, 1, 2)))),
        ("dx only", lambda dout, x, w, stride: conv_backward(dout, x, w, stride)[0]),
        ("course shortcut", lambda dout, x, w, stride: (
            *ops.correlate2d_backward(x, w, dout, stride=stride), dout.sum(axis=(0, 1, 2)))),
        ("the lesson's tape_gradients", conv_by_tape),
        ("finite differences", conv_by_finite_differences),
        ("home-made finite differences", conv_by_own_finite_differences),
        ("table", table(old_conv_cases(), lambda dout, x, w, stride: (
            np.zeros(x.shape), np.zeros(w.shape), np.zeros(w.shape[-1])))),
        ("always equal", lambda dout, x, w, stride: AlwaysEqual()),
        ("mutates dout", lambda dout, x, w, stride: conv_backward(
            np.multiply(dout, 2, out=dout), x, w, stride)),
        ("dw turned by 180 degrees", lambda dout, x, w, stride: (
            conv_backward(dout, x, w, stride)[0], np.flip(conv_backward(dout, x, w, stride)[1],
                                                          (0, 1)), dout.sum(axis=(0, 1, 2)))),
        ("off by a constant", lambda dout, x, w, stride: (
            conv_backward(dout, x, w, stride)[0] + 0.5, *conv_backward(dout, x, w, stride)[1:])),
    ],
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson04, checker), answer, capsys, LESSON, checker, kind,
                       never=("[::-1",))  # the flip


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in drawn(draws(checker)):
        assert getattr(lesson04, checker)(RIGHT[checker]), capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    assert {e.checker for e in exercises(LESSON)} == set(WRONG)
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def wrong(checker, kind):
    return next(answer for name, answer in WRONG[checker] if name == kind)


@pytest.mark.parametrize("checker, kind, words", [
    ("kernel_gradient", "turned by 180 degrees", "turned by 180 degrees"),
    ("kernel_gradient", "convolved", "you convolved"),
    ("kernel_gradient", "averaged", "you averaged"),
    ("kernel_gradient", "g flipped on one axis", "you turned g upside down"),
    ("kernel_gradient", "mutates x", "changed the x it was given"),
    ("kernel_gradient", "the lesson's tape_gradients", "calls `tf.GradientTape.gradient`"),
    ("kernel_gradient", "finite differences", "calls `gradcheck.numerical_gradient`"),
    ("kernel_gradient", "first row only", "dL/dk has the kernel's shape"),
    ("kernel_gradient", "g left out", "output (m, n) counts with weight g[m, n]"),
    ("kernel_gradient", "input's shape", "that is the shape of x"),
    ("kernel_gradient", "doubled", "dL/dk[0, 0]"),
    ("input_gradient", "not flipped", "a convolution is not a correlation"),
    ("input_gradient", "flipped upside down only", "one axis only, its rows"),
    ("input_gradient", "no padding", "*full* convolution"),
    ("input_gradient", "keras conv_transpose", "calls `keras.ops.conv_transpose`"),
    ("input_gradient", "off by a constant", "dL/dx[0, 0]"),
    ("max_pool_backward", "to every tie", "gave the whole of g[0, 0] to each of them"),
    ("max_pool_backward", "ties split", "tf.reduce_max's rule"),
    ("max_pool_backward", "maximum starts at 0", "does your maximum start at 0?"),
    ("max_pool_backward", "the lesson's tape_gradients", "calls `tf.GradientTape.gradient`"),
    ("max_pool_backward", "average pooling's", "*average* pooling"),
    ("max_pool_backward", "copied into every cell", "only the cell that won the window"),
    ("max_pool_backward", "to the smallest", "*smallest*"),
    ("max_pool_backward", "to the first cell", "does not hold that window's maximum"),
    ("max_pool_backward", "to the second largest", "does not hold that window's maximum"),
    ("max_pool_backward", "doubled", "add up to"),
    ("max_pool_backward", "g's shape", "input's shape"),
    ("avg_pool_backward", "tiled", "you tiled g"),
    ("avg_pool_backward", "mutates g", "changed the g it was given"),
    ("avg_pool_backward", "not divided", "only a share"),
    ("avg_pool_backward", "divided by size", "you divided by"),
    ("avg_pool_backward", "not up-sampled", "times taller and wider"),
    ("avg_pool_backward", "upside down", "how much of it does one cell get"),
    ("input_gradient_strided", "the broken function", "you correlated with k as it is, as the "
     "broken function does"),
    ("input_gradient_strided", "leftover rows dropped",
     "The last 1 row and 1 column of x lie beyond the last window"),
    ("input_gradient_strided", "flipped upside down only", "one axis only"),
    ("input_gradient_strided", "off by a constant", "dL/dx[0, 0] is"),
    ("input_gradient_strided", "zeros", "dL/dx[0, 0] is 0.0000"),
    ("input_gradient_strided", "a column short", "the shape of x"),
    ("input_gradient_strided", "zeros at the top left", "the *last* ones"),
    ("input_gradient_strided", "not spread", "the positions the stride skipped are missing"),
    ("conv_backward", "overlapping windows overwritten", "wrong where windows overlap"),
    ("conv_backward", "the batch sum left out of dw", "all 2 images used the same kernel"),
    ("conv_backward", "the stride left out of the indexing", "windows that start at pixel (i, j)"),
    ("conv_backward", "db with the batch kept", "so db has shape (2,)"),
    ("conv_backward", "db averaged", "you averaged dout"),
    ("conv_backward", "float32", "Do you compute in float32"),
    ("conv_backward", "home-made finite differences", "estimate by finite differences"),
    ("conv_backward", "dx of one filter", "your dx holds the share of filter 1 only"),
    ("conv_backward", "dx and dw swapped", "in the order (dx, dw, db)"),
    ("conv_backward", "dx only", "return three arrays, (dx, dw, db)"),
    ("conv_backward", "dw turned by 180 degrees", "turned by 180"),
    ("conv_backward", "mutates dout", "changed the dout it was given"),
    ("conv_backward", "off by a constant", "dx[0, 0, 0, 0] is"),
    ("input_gradient_strided", "tensorflow conv2d_transpose",
     "calls `gen_nn_ops.conv2d_backprop_input`"),
])
def test_the_hint_names_the_mistake(checker, kind, words, capsys):
    assert not getattr(lesson04, checker)(wrong(checker, kind))
    line = capsys.readouterr().out
    assert words in line, line


SHORTCUTS = [
    ("kernel_gradient", "course shortcut", "ops.correlate2d_backward"),
    ("kernel_gradient", "the lesson's tape_gradients", "tf.GradientTape.gradient"),
    ("input_gradient", "course shortcut", "ops.correlate2d_backward"),
    ("max_pool_backward", "course shortcut", "ops.pool2d_backward"),
    ("avg_pool_backward", "course shortcut", "ops.pool2d_backward"),
    ("input_gradient_strided", "course shortcut", "ops.correlate2d_backward"),
    # the tape's loss runs keras.ops.conv first, a correlation 4.6 does not allow either
    ("input_gradient_strided", "the lesson's tape_gradients", "keras.ops.conv"),
    ("input_gradient_strided", "np.kron, then ops.convolve2d", "ops.convolve2d"),
    ("conv_backward", "course shortcut", "ops.correlate2d_backward"),
    ("conv_backward", "finite differences", "gradcheck.numerical_gradient"),
    ("avg_pool_backward", "tf.raw_ops.AvgPool3DGrad", "gen_nn_ops.avg_pool3d_grad"),
]


@pytest.mark.parametrize("checker, kind, name", SHORTCUTS,
                         ids=[f"{c}-{kind}" for c, kind, _ in SHORTCUTS])
def test_the_shortcut_gets_a_hint_that_names_it(checker, kind, name, capsys):
    assert not getattr(lesson04, checker)(wrong(checker, kind))
    out = capsys.readouterr().out
    assert f"calls `{name}`" in out and "write it yourself" in out, out


def in_a_thread(answer):
    def threaded(*args):
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(answer, *args).result()
    return threaded


@pytest.mark.parametrize("checker, kind, name", [
    ("kernel_gradient", "course shortcut", "ops.correlate2d_backward"),
    ("max_pool_backward", "the lesson's tape_gradients", "tf.GradientTape.gradient"),
    ("avg_pool_backward", "the lesson's tape_gradients", "tf.GradientTape.gradient"),
])
@pytest.mark.parametrize("disguise", [in_a_thread, functools.partial],
                         ids=["in a thread", "functools.partial"])
def test_a_shortcut_run_in_a_thread_or_a_partial_is_seen(checker, kind, name, disguise, capsys):
    """The attacker's way round the watch: the shortcut run by a worker thread, or the answer
    handed over as a functools.partial (now watched by core.checker)."""
    assert not getattr(lesson04, checker)(disguise(wrong(checker, kind)))
    out = capsys.readouterr().out
    assert f"calls `{name}`" in out and "write it yourself" in out, out


def test_input_gradient_may_use_convolve2d_as_its_statement_allows(capsys):
    """4.2's statement allows "a function of `ops` if you can turn your sum into one", and its
    sum is a full convolution: ops.convolve2d of the padded g is the student's own finding
    (4.6, which asks for ops.correlate2d, refuses it: see SHORTCUTS)."""
    def by_convolve2d(k, g):
        return ops.convolve2d(np.pad(g, [(k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2]), k)

    assert lesson04.input_gradient(by_convolve2d), capsys.readouterr().out


@pytest.mark.parametrize("checker", RIGHT)
def test_a_stub_is_not_attempted_yet(checker, capsys):
    assert not getattr(lesson04, checker)(stub)
    assert "not attempted yet" in capsys.readouterr().out


def test_a_crashing_answer_is_reported_not_raised(capsys):
    assert not lesson04.kernel_gradient(lambda x, g: x @ g)
    assert "your code raised ValueError" in capsys.readouterr().out


def test_the_worked_answer_of_4_1_passes_too(capsys):
    """The sum the lesson writes out after the checker of 4.1, loops and all."""
    assert lesson04.kernel_gradient(kernel_gradient_by_the_sum), capsys.readouterr().out


def test_4_3_passes_as_four_loops_and_with_ops_correlate2d(capsys):
    """CS231n's naive loops, one output entry at a time, and dw found as a correlation (a
    forward pass, which the statement allows) both pass."""
    assert lesson04.conv_backward(conv_backward_naive), capsys.readouterr().out
    assert lesson04.conv_backward(conv_backward_by_correlate2d), capsys.readouterr().out


def test_4_3_refuses_every_tensorflow_op(capsys):
    """The tape's loss runs keras.ops.conv: TensorFlow, which 4.3 refuses as a library."""
    assert not lesson04.conv_backward(conv_by_tape)
    out = capsys.readouterr().out
    assert "runs TensorFlow" in out and "asks for NumPy" in out, out


def test_the_lessons_gradient_check_and_tiny_cnn_use_the_students_functions():
    """The cell after 4.3's answer compares the student's conv_backward with finite
    differences of conv_forward; the tiny CNN runs on both, and on the student's
    max_pool_backward (4.4) for its pooling layer, each replaced by the course's reference
    (with one line saying so) while the answer is a stub (issue 28)."""
    from cheats import cell_source

    check = cell_source(LESSON, "dout_layer = ")
    assert "conv_backward(dout_layer" in check and "gradcheck.numerical_gradient" in check
    assert 'conv_forward(x, p["k"], p["b1"], 1)' in cell_source(LESSON, "def forward(")
    backward = cell_source(LESSON, "def backward(")
    assert "conv_layer_backward(d_z1" in backward and "pool_map_backward(a1[i" in backward
    assert "ops.pool2d_backward" not in backward and "ops.correlate2d_backward" not in backward
    for answer, number, name in [("conv_backward", "4.3", "conv_layer_backward"),
                                 ("max_pool_backward", "4.4", "pool_map_backward")]:
        fallback = cell_source(LESSON, f'if course.check.done({answer}, "{number}"):')
        assert f"{name} = {answer}" in fallback, fallback
        assert "else:" in fallback and fallback.count("print(") == 2, fallback


def test_the_tiny_cnns_exercises_come_before_it_in_order():
    """Issue 28: every exercise whose answer the tiny CNN runs on (4.3 and 4.4) is stated and
    checked before section 6, and the exercises are numbered in the order they appear."""
    import nbformat

    nb = nbformat.read(LESSON, as_version=4)
    tiny_cnn = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                    and c.source.startswith("## 6. A tiny CNN"))
    found = exercises(LESSON, nb)
    numbers = [e.number for e in found]
    assert numbers == sorted(numbers, key=lambda n: tuple(map(int, n.split(".")))), numbers
    by_checker = {e.checker: e for e in found}
    for name in ("conv_backward", "max_pool_backward"):
        assert by_checker[name].checker_cell < tiny_cnn, name


def test_the_strided_fix_passes_either_way(capsys):
    assert lesson04.input_gradient_strided(input_gradient_strided)
    assert lesson04.input_gradient_strided(strided_fixed_by_padding_the_result)
    assert "correct - right for 18 layers" in capsys.readouterr().out


# ---------------------------------------------------------------- 4.3: ties


@pytest.mark.parametrize("answer", [last_tie, column_major_tie],
                         ids=["last tie", "column by column"])
def test_a_tie_given_to_another_maximum_is_called_a_maximum(answer, capsys):
    """The statement gives a tie to the first tied cell in reading order: a cell that holds an
    equal maximum is not told that it "does not hold that window's maximum"."""
    assert not lesson04.max_pool_backward(answer)
    line = capsys.readouterr().out
    assert "which holds the window's maximum, but so does cell" in line, line
    assert "does not hold" not in line and "first in reading order" in line, line


def test_a_tie_on_the_diagonal_goes_to_the_top_row_first(capsys):
    x, g = np.array([[0., 7], [7, 0]]), np.array([[3.0]])
    expected = np.array([[0., 3], [0, 0]])  # (0, 1) comes before (1, 0) in reading order
    assert np.array_equal(max_pool_backward(x, g), expected)
    assert np.array_equal(ops.pool2d_backward(x, g, 2), expected)  # the reference agrees
    assert not lesson04.max_pool_backward(column_major_tie)
    assert "reading order goes row by row" in capsys.readouterr().out


def test_the_lesson_reference_and_tensorflow_agree_on_ties():
    x = np.array([[1., 1, 0, 2], [0, 0, 2, 2], [3, 1, 5, 5], [3, 0, 5, 1]])
    g = np.array([[1., 2], [3, 4]])
    assert np.array_equal(max_by_tape(x, g), max_pool_backward(x, g))


def test_the_checker_module_holds_no_reference_gradient():
    assert not hasattr(lesson04, "_scatter_input_gradient") and not hasattr(lesson04,
                                                                            "_scatter")


# ---------------------------------------------------------------- course.gradcheck


def test_numerical_gradient_matches_the_analytic_one():
    x = np.random.default_rng(0).standard_normal((3, 4))
    k = np.random.default_rng(1).standard_normal((2, 2))
    g = np.random.default_rng(2).standard_normal((2, 3))
    numeric = gradcheck.numerical_gradient(lambda v: (g * ops.correlate2d(v, k)).sum(), x)
    assert gradcheck.relative_error(numeric, ops.correlate2d_backward(x, k, g)[0]) < 1e-8


def test_numerical_gradient_leaves_its_input_alone_and_works_in_float64():
    x = np.array([[1.0, 2.0]], np.float32)
    seen = []
    grad = gradcheck.numerical_gradient(lambda v: seen.append(v.dtype) or (v**3).sum(), x)
    assert np.array_equal(x, [[1.0, 2.0]]) and x.dtype == np.float32
    assert set(seen) == {np.dtype(np.float64)} and grad.shape == x.shape
    assert np.allclose(grad, 3 * x.astype(float) ** 2, atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: gradcheck.numerical_gradient(np.sum, np.zeros(0)), "empty"),
    (lambda: gradcheck.numerical_gradient(np.sum, np.ones(2), eps=0), "positive"),
    (lambda: gradcheck.max_difference(np.ones(2), np.ones(3)), "shapes"),
], ids=["empty", "eps 0", "shapes"])
def test_gradcheck_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_relative_error_scales_by_the_larger_gradient():
    assert gradcheck.relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert gradcheck.relative_error([100.0, 1.0], [100.0, 2.0]) == pytest.approx(0.01)
    assert gradcheck.max_difference([1.0, 5.0], [1.5, 4.0]) == pytest.approx(1.0)


# --- what an independent attacker found (issue: checker-specific holes) ----------------


def tf_correlate(x, k, stride=1):
    """A valid correlation from TensorFlow slices and products (no convolution kernel)."""
    kh, kw = k.shape
    oh, ow = (x.shape[0] - kh) // stride + 1, (x.shape[1] - kw) // stride + 1
    return tf.add_n([k[a, b] * x[a:a + stride * (oh - 1) + 1:stride,
                                 b:b + stride * (ow - 1) + 1:stride]
                     for a in range(kh) for b in range(kw)])


def by_tf_gradients(loss, *arrays, wrt=0):
    """d loss(*arrays) / d arrays[wrt] by tf.gradients in a tf.function (graph mode; no
    autograph, whose generated code reads frames of its own)."""
    @tf.function(autograph=False)
    def gradient(*tensors):
        return tf.gradients(loss(*tensors), tensors[wrt])[0]
    return gradient(*(tf.constant(a, tf.float64) for a in arrays)).numpy()


TF_GRADIENTS = {
    "kernel_gradient": lambda x, g: by_tf_gradients(
        lambda x, k: tf.reduce_sum(g * tf_correlate(x, k)), x, np.zeros(kernel_shape(x, g)),
        wrt=1),
    "input_gradient": lambda k, g: by_tf_gradients(
        lambda x, k: tf.reduce_sum(g * tf_correlate(x, k)),
        np.zeros((k.shape[0] + g.shape[0] - 1, k.shape[1] + g.shape[1] - 1)), k),
    "max_pool_backward": lambda x, g: by_tf_gradients(  # no pooling kernel: a reshape's max
        lambda t: tf.reduce_sum(g * tf.reduce_max(tf.reshape(
            t, (g.shape[0], 2, g.shape[1], 2)), axis=(1, 3))), x),
    "avg_pool_backward": lambda g, size: by_tf_gradients(
        lambda t: tf.reduce_sum(g * tf.reduce_mean(tf.reshape(
            t, (g.shape[0], size, g.shape[1], size)), axis=(1, 3))),
        np.zeros((g.shape[0] * size, g.shape[1] * size))),
    "input_gradient_strided": lambda k, g, stride, x_shape: by_tf_gradients(
        lambda x, k: tf.reduce_sum(g * tf_correlate(x, k, stride)), np.zeros(x_shape), k),
}


@pytest.mark.parametrize("checker", TF_GRADIENTS)
@pytest.mark.slow
def test_tf_gradients_is_automatic_differentiation_too(checker, capsys):
    """The attacker's tf.gradients in a tf.function: the tape is not TensorFlow's only
    automatic differentiation (4.1 and 4.2 forbid tf.GradientTape; every exercise asks for
    the gradient worked out)."""
    for _ in range(2):
        assert not getattr(lesson04, checker)(TF_GRADIENTS[checker])
        out = capsys.readouterr().out
        # (TensorFlow's tracing reads frames through inspect.currentframe, which the watch
        # may name first)
        assert calls("tf.gradients") in out or "calls `sys._getframe`" in out, out


@pytest.mark.parametrize("function", [
    lambda: tf.gradients, lambda: tf.compat.v1.gradients, lambda: tf.hessians,
    lambda: tf.GradientTape.gradient, lambda: tf.GradientTape.jacobian,
    lambda: tf.autodiff.ForwardAccumulator.jvp, lambda: tf.test.compute_gradient],
    ids=["tf.gradients", "tf.compat.v1.gradients", "tf.hessians", "GradientTape.gradient",
         "GradientTape.jacobian", "ForwardAccumulator.jvp", "tf.test.compute_gradient"])
def test_every_automatic_differentiation_of_tensorflow_is_watched(function):
    """The watch looks for the code of each public way TensorFlow differentiates (what the
    behaviour test above cannot show while a frame-reading call is named first)."""
    import inspect

    from course.check import core

    codes, _ = core._watching(lesson04.AUTODIFF)
    assert core._signature(inspect.unwrap(function()).__code__) in codes


def strided_by_keras_conv(k, g, stride, x_shape):
    """The fixed recipe, with keras.ops.conv in place of ops.correlate2d."""
    kh, kw = k.shape
    spread = np.zeros((x_shape[0] - kh + 1, x_shape[1] - kw + 1))
    spread[::stride, ::stride] = g
    full = np.pad(spread, [(kh - 1, kh - 1), (kw - 1, kw - 1)])
    return np.asarray(keras.ops.conv(full[None, :, :, None],
                                     k[::-1, ::-1, None, None].copy()))[0, :, :, 0]


def test_4_6_asks_for_ops_correlate2d_not_another_librarys_correlation(capsys):
    assert lesson04.input_gradient_strided(input_gradient_strided)
    capsys.readouterr()
    for _ in range(2):
        assert not lesson04.input_gradient_strided(strided_by_keras_conv)
        assert calls("keras.ops.conv") in capsys.readouterr().out


@pytest.mark.parametrize("checker", RIGHT)
def test_an_answer_that_edits_the_checkers_arrays_is_refused(checker, capsys):
    """R3: the answer zeroes the arrays in the checker's frames (the copies it keeps to see
    whether the answer changed its inputs too) and those it was given, then answers for
    zeros. The checker's arrays are read-only and what is right is worked out from them."""
    for _ in range(3):
        assert not getattr(lesson04, checker)(editing(lesson04, RIGHT[checker]))
        line = capsys.readouterr().out
        assert "not yet - " in line and "raised" not in line, line


# ---------------------------------------------------------------- a second attacker (4.3)


def with_nan(which, where=(0,)):
    """The lesson's conv_backward with NaN written into gradient ``which`` at ``where``."""
    def answer(dout, x, w, stride):
        grads = [g.copy() for g in conv_backward(dout, x, w, stride)]
        grads[which][where] = np.nan
        return tuple(grads)
    return answer


def normalised_by_n_minus_2(dout, x, w, stride):  # 0 / 0 when the batch holds two images
    dx, dw, db = conv_backward(dout, x, w, stride)
    with np.errstate(all="ignore"):
        return dx, dw * (x.shape[0] - 2) / (x.shape[0] - 2), db


def infinite_db(dout, x, w, stride):
    dx, dw, db = conv_backward(dout, x, w, stride)
    return dx, dw, db + np.inf


@pytest.mark.parametrize("answer, said", [
    (with_nan(1, ...), "your dw has NaN at [0, 0, 0, 0] (and"),
    (with_nan(2), "your db has NaN at [0]:"),
    (with_nan(0, (0, 0, 0, 0)), "your dx has NaN at [0, 0, 0, 0]:"),
    (normalised_by_n_minus_2, "your dw has NaN at [0, 0, 0, 0]"),
    (infinite_db, "your db has an infinity at [0]"),
], ids=["dw all NaN", "one NaN in db", "one NaN in dx", "0 / 0 for a batch of two",
        "db infinite"])
def test_4_3_never_passes_nan_or_an_infinity_and_says_where(answer, said, capsys):
    for _ in range(2):
        assert not lesson04.conv_backward(answer)
        out = capsys.readouterr().out
        assert said in out and "finite" in out, out


def test_4_3_refuses_convolve2d_as_4_6_does(capsys):
    """ops.convolve2d turns the kernel for the student: the step of dx that 4.3 asks for."""
    def by_convolve2d(dout, x, w, stride):
        f = w.shape[0]
        spread = np.zeros((x.shape[0], (dout.shape[1] - 1) * stride + 1,
                           (dout.shape[2] - 1) * stride + 1, dout.shape[-1]))
        spread[:, ::stride, ::stride] = dout
        dx = ops.convolve2d(np.pad(spread, [(0, 0), (f - 1,) * 2, (f - 1,) * 2, (0, 0)]),
                            w.transpose(0, 1, 3, 2))
        dx = np.pad(dx, [(0, 0), (0, x.shape[1] - dx.shape[1]), (0, x.shape[2] - dx.shape[2]),
                         (0, 0)])
        return dx, *conv_backward(dout, x, w, stride)[1:]

    assert not lesson04.conv_backward(by_convolve2d)
    out = capsys.readouterr().out
    assert calls("ops.convolve2d") in out, out
