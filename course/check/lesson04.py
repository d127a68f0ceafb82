"""Checkers for lesson 04 (backpropagation through convolution and pooling)."""

import numpy as np

from course.check.core import Hint, checker


def _rng(seed):
    return np.random.default_rng(seed)


def _first_difference(got, expected):
    """Index of the first entry where ``got`` and ``expected`` differ, as a tuple of ints."""
    return tuple(int(i) for i in np.unravel_index(np.argmax(~np.isclose(got, expected)),
                                                  got.shape))


def _window(i, j, size):
    return (f"window ({i}, {j}) (rows {i * size}..{i * size + size - 1}, "
            f"columns {j * size}..{j * size + size - 1})")


@checker(without=("course.ops.correlate2d_backward",))
def kernel_gradient(answer):
    """``answer(x, g)``: dL/dk for ``y = correlate2d(x, k)`` (valid) and ``g = dL/dy``."""
    from course import ops

    cases = [(_rng(0).standard_normal((5, 6)), _rng(1).standard_normal((3, 4))),  # k: 3x3
             (_rng(2).standard_normal((4, 5)), _rng(3).standard_normal((3, 3)))]  # k: 2x3
    for x, g in cases:
        taps = (x.shape[0] - g.shape[0] + 1, x.shape[1] - g.shape[1] + 1)
        got = np.asarray(answer(x.copy(), g.copy()), dtype=np.float64)
        expected = ops.correlate2d(x, g)
        where = f"with x {x.shape[0]}x{x.shape[1]} and g {g.shape[0]}x{g.shape[1]}"
        if got.shape != expected.shape:
            raise Hint(f"{where}, you returned shape {got.shape}: dL/dk has the kernel's shape, "
                       f"and a {taps[0]}x{taps[1]} kernel turns a {x.shape[0]}x{x.shape[1]} "
                       f"input into a {g.shape[0]}x{g.shape[1]} output")
        if np.allclose(got, expected[::-1, ::-1]):
            raise Hint(f"{where}, your gradient is the right one turned by 180 degrees: "
                       "dL/dk[a, b] = sum over m, n of g[m, n] * x[m + a, n + b], a "
                       "correlation of x with g, with no flip")
        if np.allclose(got, ops.convolve2d(x, g)):
            raise Hint(f"{where}, you convolved, which turns g by 180 degrees: "
                       "dL/dk[a, b] = sum over m, n of g[m, n] * x[m + a, n + b] is a "
                       "correlation of x with g, with no flip")
        if not np.allclose(got, expected):
            a, b = _first_difference(got, expected)
            raise Hint(f"{where}, dL/dk[{a}, {b}] is {got[a, b]:.4f}; it should be the sum of "
                       f"g times the {g.shape[0]}x{g.shape[1]} block of x whose top-left corner "
                       f"is x[{a}, {b}]")
    return "right for a 3x3 and a non-square 2x3 kernel"


@checker(without=("course.ops.correlate2d_backward",))
def input_gradient(answer):
    """``answer(k, g)``: dL/dx for ``y = correlate2d(x, k)`` (valid) and ``g = dL/dy``."""
    from course import ops

    cases = [(_rng(4).standard_normal((3, 3)), _rng(5).standard_normal((4, 5))),
             (_rng(6).standard_normal((2, 3)), _rng(7).standard_normal((3, 3)))]
    for k, g in cases:
        (kh, kw), (gh, gw) = k.shape, g.shape
        got = np.asarray(answer(k.copy(), g.copy()), dtype=np.float64)
        full = np.pad(g, [(kh - 1, kh - 1), (kw - 1, kw - 1)])
        expected = ops.correlate2d(full, k[::-1, ::-1])
        where = f"with k {kh}x{kw} and g {gh}x{gw}"
        if got.shape != expected.shape:
            if got.shape == (gh - kh + 1, gw - kw + 1) or got.shape == g.shape:
                raise Hint(f"{where}, you returned shape {got.shape}, smaller than the input: "
                           "pad g with kh - 1 rows and kw - 1 columns of zeros on every side "
                           "(a 'full' convolution) so each input pixel gets its gradient")
            raise Hint(f"{where}, you returned shape {got.shape}; dL/dx has the input's shape, "
                       f"and the input of a {kh}x{kw} kernel with a {gh}x{gw} output is "
                       f"(gh + kh - 1) x (gw + kw - 1)")
        if np.allclose(got, ops.correlate2d(full, k)):
            raise Hint(f"{where}, you correlated the padded g with k as it is: flip the kernel "
                       "(turn it by 180 degrees), dL/dx[p, q] pairs k[a, b] with g[p - a, q - b]")
        if (np.allclose(got, ops.correlate2d(full, k[::-1])) or
                np.allclose(got, ops.correlate2d(full, k[:, ::-1]))):
            raise Hint(f"{where}, you flipped the kernel along one axis only; flip both rows and "
                       "columns")
        if not np.allclose(got, expected):
            p, q = _first_difference(got, expected)
            corner = p in (0, got.shape[0] - 1) and q in (0, got.shape[1] - 1)
            raise Hint(f"{where}, dL/dx[{p}, {q}] is {got[p, q]:.4f}, which is wrong" +
                       (": a corner pixel touches a single kernel tap" if corner else
                        ": it should add k[a, b] * g[p - a, q - b] over the taps that reach it"))
    return "right for a 3x3 and a non-square 2x3 kernel: a full convolution with the flipped kernel"


@checker(without=("course.ops.pool2d_backward",))
def max_pool_backward(answer):
    """``answer(x, g)``: dL/dx of 2x2 max pooling (stride 2) of an (H, W) array."""
    from course import ops

    ties = np.array([[1., 1, 0, 2], [0, 0, 2, 2], [3, 1, 5, 5], [3, 0, 5, 1]])
    cases = [(_rng(8).standard_normal((4, 6)), _rng(9).standard_normal((2, 3))),
             (_rng(10).permutation(16).reshape(4, 4).astype(float), np.array([[1., 2], [3, 4]])),
             (ties, np.array([[1., 2], [3, 4]]))]
    for x, g in cases:
        got = np.asarray(answer(x.copy(), g.copy()), dtype=np.float64)
        expected = ops.pool2d_backward(x, g, 2, mode="max")
        where = f"for a {x.shape[0]}x{x.shape[1]} input"
        if got.shape != x.shape:
            raise Hint(f"{where}, you returned shape {got.shape}; dL/dx has the input's shape, "
                       "one gradient per input cell")
        if x is ties and not np.allclose(got, expected):
            blocks = x.reshape(2, 2, 2, 2)
            tied = blocks == blocks.max(axis=(1, 3), keepdims=True)
            every = (tied * g[:, None, :, None]).reshape(x.shape)
            split = (tied / tied.sum(axis=(1, 3), keepdims=True) * g[:, None, :, None])
            if np.allclose(got, every):
                raise Hint(f"{where} in which every window has two equal maxima, you gave the "
                           "whole gradient to each of them, so the window passes on twice "
                           "g[i, j]; like tf.nn.max_pool, give it to the first of the tied "
                           "cells in reading order (np.argmax picks that one)")
            if np.allclose(got, split.reshape(x.shape)):
                raise Hint(f"{where} with tied maxima, you split each gradient among the tied "
                           "cells, which is tf.reduce_max's rule; max pooling gives all of it "
                           "to the first tied cell in reading order (np.argmax picks that one)")
        if np.allclose(got, ops.pool2d_backward(x, g, 2, mode="avg")):
            raise Hint(f"{where}, you spread each g[i, j] evenly over its window: that is the "
                       "gradient of *average* pooling. Max pooling sends all of g[i, j] to the "
                       "one cell that held the window's maximum")
        if np.allclose(got, np.kron(g, np.ones((2, 2)))):
            raise Hint(f"{where}, you copied g[i, j] into every cell of its window; only the "
                       "cell that held the maximum gets it, the other three get 0")
        if np.allclose(got, ops.pool2d_backward(x, g, 2, mode="min")):
            raise Hint(f"{where}, you routed each gradient to the window's *smallest* cell; it "
                       "goes to the largest (the arg-max)")
        for i in range(g.shape[0]):
            for j in range(g.shape[1]):
                block = got[2 * i:2 * i + 2, 2 * j:2 * j + 2]
                right = expected[2 * i:2 * i + 2, 2 * j:2 * j + 2]
                if np.allclose(block, right):
                    continue
                if not np.isclose(block.sum(), g[i, j]):
                    raise Hint(f"{where}, the gradients in {_window(i, j, 2)} add up to "
                               f"{block.sum():.4f}, but that window passes on exactly g[{i}, {j}]"
                               f" = {g[i, j]:.4f}")
                r, c = np.unravel_index(np.argmax(np.abs(block)), block.shape)
                raise Hint(f"{where}, in {_window(i, j, 2)} the gradient went to cell "
                           f"({2 * i + r}, {2 * j + c}), which does not hold that window's "
                           "maximum: route it to the arg-max")
    return "every window's gradient goes to its arg-max, ties to the first, on three inputs"


@checker(without=("course.ops.pool2d_backward",))
def avg_pool_backward(answer):
    """``answer(g, size)``: dL/dx of non-overlapping ``size`` x ``size`` average pooling."""
    for g, size in ((_rng(11).standard_normal((2, 3)), 2), (_rng(12).standard_normal((2, 2)), 3)):
        got = np.asarray(answer(g.copy(), size), dtype=np.float64)
        expected = np.kron(g, np.ones((size, size))) / size**2
        where = f"for g {g.shape[0]}x{g.shape[1]} and size {size}"
        if got.shape != expected.shape:
            raise Hint(f"{where}, you returned shape {got.shape}; the pooled input was "
                       f"{size} times taller and wider than g (up-sampling)")
        if np.allclose(got, expected * size**2):
            raise Hint(f"{where}, every cell got all of g[i, j]; the average gives each of the "
                       "size * size cells a share 1 / (size * size) of it")
        if np.allclose(got, expected * size):
            raise Hint(f"{where}, you divided by size; a window has size * size cells")
        if not np.allclose(got, expected):
            p, q = _first_difference(got, expected)
            raise Hint(f"{where}, dL/dx[{p}, {q}] is {got[p, q]:.4f}: it should be an equal "
                       f"share of g[{p // size}, {q // size}], the output of its window")
    return "each cell gets an equal share of its window's gradient (2x2 and 3x3)"


def _scatter_input_gradient(k, g, stride, x_shape):
    """dL/dx of ``y = correlate2d(x, k, stride=stride)`` (valid), window by window: output
    (m, n) read the block of x at (m * stride, n * stride), so it hands g[m, n] * k back."""
    (kh, kw), dx = k.shape, np.zeros(x_shape)
    for m, n in np.ndindex(g.shape):
        dx[m * stride:m * stride + kh, n * stride:n * stride + kw] += g[m, n] * k
    return dx


@checker(without=("course.ops.correlate2d_backward", "course.ops._conv_grad_input",
                  "tensorflow.GradientTape.gradient"))
def input_gradient_strided(answer):
    """``answer(k, g, stride, x_shape)``: dL/dx of a strided valid correlation, one channel."""
    cases = [((7, 7), (3, 3), 2, 4), ((6, 6), (3, 3), 1, 5), ((8, 8), (3, 3), 2, 6),
             ((9, 10), (2, 3), 3, 7), ((11, 11), (3, 3), 3, 8)]
    for x_shape, k_shape, stride, seed in cases:
        rng = _rng(20 + seed)
        k = rng.standard_normal(k_shape)
        g_shape = tuple((n - f) // stride + 1 for n, f in zip(x_shape, k_shape, strict=True))
        g = rng.standard_normal(g_shape)
        got = np.asarray(answer(k.copy(), g.copy(), stride, x_shape), dtype=np.float64)
        expected = _scatter_input_gradient(k, g, stride, x_shape)
        where = (f"for x of shape {x_shape}, a {k_shape[0]}x{k_shape[1]} kernel and stride "
                 f"{stride} (g is {g_shape[0]}x{g_shape[1]})")
        reached = tuple((n - 1) * stride + f for n, f in zip(g_shape, k_shape, strict=True))
        if got.shape != expected.shape:
            if got.shape == reached:
                rows, cols = (a - b for a, b in zip(x_shape, reached, strict=True))
                left = " and ".join(f"{n} {word}{'s' * (n > 1)}" for n, word in
                                    ((rows, "row"), (cols, "column")) if n)
                raise Hint(f"{where}, you returned shape {got.shape}. The last {left} of x lie "
                           "beyond the last window: the stride stepped over them, so their "
                           "gradient is 0, but dL/dx still needs an entry for every pixel of "
                           "x. Give the result x's shape (zeros at the bottom and right)")
            if stride > 1 and got.shape == tuple(np.add(g_shape, k_shape) - 1):
                raise Hint(f"{where}, you returned shape {got.shape}, the size of a full "
                           "convolution of g itself: first spread g out, stride - 1 zeros "
                           "between its entries (the positions the stride skipped), then pad "
                           "and correlate")
            raise Hint(f"{where}, you returned shape {got.shape}; dL/dx has the shape of x, "
                       f"{x_shape}")
        if np.allclose(got, expected):
            continue
        if np.allclose(got, _scatter_input_gradient(k[::-1, ::-1], g, stride, x_shape)):
            raise Hint(f"{where}, you correlated with k as it is. Flip the kernel (turn it by "
                       "180 degrees, k[::-1, ::-1]): the input gradient is a *convolution*, "
                       "dL/dx[p, q] pairs k[a, b] with the output that read x[p, q] through "
                       "tap (a, b)")
        if (np.allclose(got, _scatter_input_gradient(k[::-1], g, stride, x_shape)) or
                np.allclose(got, _scatter_input_gradient(k[:, ::-1], g, stride, x_shape))):
            raise Hint(f"{where}, you flipped the kernel along one axis only; flip both rows "
                       "and columns")
        core = expected[:reached[0], :reached[1]]
        pads = [(n - r, 0) for n, r in zip(x_shape, reached, strict=True)]
        if reached != x_shape and np.allclose(got, np.pad(core, pads)):
            raise Hint(f"{where}, you put the zero rows and columns at the top and left. The "
                       "pixels no window reads are the *last* ones: windows start at row 0 "
                       "and column 0, so the zeros go at the bottom and right")
        p, q = _first_difference(got, expected)
        raise Hint(f"{where}, dL/dx[{p}, {q}] is {got[p, q]:.4f}, which is wrong: it should add "
                   "k[a, b] * g[m, n] over the windows (m, n) that read x[p, q] through tap "
                   f"(a, b), that is p = {stride} m + a and q = {stride} n + b")
    return ("right for strides 1, 2 and 3, with and without rows and columns that no window "
            "reaches, and a non-square kernel")
