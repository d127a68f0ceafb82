"""Checkers for lesson 03 (pooling)."""

import math

import numpy as np

from course.check.core import Hint, checker


def _rng(seed):
    return np.random.default_rng(seed)


def _where(i, j, size):
    """The rows and columns of pooling window (i, j) of a non-overlapping ``size`` pool."""
    return (f"window ({i}, {j}) (rows {i * size}..{i * size + size - 1}, "
            f"columns {j * size}..{j * size + size - 1})")


# The reference pools for min_pool: non-overlapping, stride = size, leftovers dropped.
def _pool(x, size, reduce):
    h, w = (x.shape[0] // size) * size, (x.shape[1] // size) * size
    windows = x[:h, :w].reshape(h // size, size, w // size, size)
    return reduce(windows, axis=(1, 3))


@checker(without=("course.ops.output_size",))
def pool_output_size(answer):
    """``answer(n, f, stride=None, padding="valid")``: output length of a Keras pooling layer."""
    cases = [(28, 2, None, "valid"), (24, 2, None, "valid"), (7, 3, None, "valid"),
             (55, 3, 2, "valid"), (13, 3, 2, "valid"), (5, 2, 1, "valid"), (7, 2, None, "same"),
             (9, 4, 3, "same"), (6, 5, 1, "same"), (10, 3, None, "valid")]
    for n, f, stride, padding in cases:
        call = f"pool_output_size({n}, {f}, stride={stride}, padding={padding!r})"
        got = answer(n, f, stride=stride, padding=padding)
        s = f if stride is None else stride
        expected = (n - f) // s + 1 if padding == "valid" else math.ceil(n / s)
        if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
            if isinstance(got, float) and got == expected:
                raise Hint(f"{call} returned the float {got!r}; a size is an int (use // or "
                           "math.ceil, which return ints)")
            raise Hint(f"{call} returned {got!r} of type {type(got).__name__}; return an int")
        if got == expected:
            continue
        if stride is None and got == ((n - f) + 1 if padding == "valid" else n):
            raise Hint(f"{call}: you used stride 1. With stride=None the stride equals the "
                       "pool size, in Keras as in PyTorch")
        if padding == "valid" and got == math.ceil((n - f) / s) + 1:
            raise Hint(f"{call}: you rounded up. 'valid' drops the pixels left over at the "
                       "end, so the division rounds down")
        if padding == "same" and got == (n - f) // s + 1:
            raise Hint(f"{call}: that is the 'valid' size. 'same' pads just enough that the "
                       "output is ceil(n / stride), whatever the pool size")
        if padding == "same" and got == n:
            raise Hint(f"{call}: 'same' keeps the length n only when the stride is 1; in "
                       "general it gives ceil(n / stride)")
        raise Hint(f"{call} returned {got}, which is too {'large' if got > expected else 'small'}"
                   ": check the formula for padding={padding!r}")
    return f"right on {len(cases)} cases, with and without stride, 'valid' and 'same'"


@checker(without=("course.ops.pool2d",))
def min_pool(answer):
    """``answer(x, size)``: min pooling of an (H, W) array, stride = size, leftovers dropped."""
    cases = [(_rng(0).standard_normal((6, 8)), 2), (_rng(1).standard_normal((5, 7)), 2),
             (_rng(2).standard_normal((9, 9)), 3)]
    for x, size in cases:
        got = np.asarray(answer(x.copy(), size))
        expected = _pool(x, size, np.min)
        if got.shape != expected.shape:
            if got.shape == (x.shape[0] - size + 1, x.shape[1] - size + 1):
                raise Hint(f"a {x.shape[0]}x{x.shape[1]} input gave shape {got.shape}: you "
                           f"moved the window by 1 pixel; it moves by its size ({size})")
            raise Hint(f"a {x.shape[0]}x{x.shape[1]} input pooled {size}x{size} gave shape "
                       f"{got.shape}: windows do not overlap, and rows or columns left over at "
                       "the end are dropped (as with padding='valid')")
        for name, reduce in (("maximum", np.max), ("average", np.mean)):
            if np.allclose(got, _pool(x, size, reduce)):
                raise Hint(f"you returned each window's {name}; min pooling keeps the smallest "
                           "value (tip: min(x) = -max(-x))")
        if not np.allclose(got, expected):
            i, j = np.unravel_index(np.argmax(~np.isclose(got, expected)), got.shape)
            raise Hint(f"for a {x.shape[0]}x{x.shape[1]} input, {_where(i, j, size)} gives "
                       f"{got[i, j]:.4f}, which is not the smallest value in that window")
    return "right on 6x8, 5x7 (leftovers dropped) and 9x9 inputs, with 2x2 and 3x3 windows"


@checker(without=("course.ops.pool2d", "keras.layers.GlobalAveragePooling2D.call"))
def global_average_pool(answer):
    """``answer(x)``: (N, H, W, C) -> (N, C), the mean of each feature map."""
    x = _rng(3).standard_normal((2, 3, 5, 4)).astype(np.float32)
    got = np.asarray(answer(x.copy()))
    expected = x.mean(axis=(1, 2))
    if got.shape != expected.shape:
        if got.shape == (2, 1, 1, 4):
            raise Hint("you kept the spatial axes (keepdims): GlobalAveragePooling2D returns "
                       "(N, C), one number per example and channel")
        if got.shape in ((2,), (2, 3, 5), ()):
            raise Hint(f"for x of shape (N, H, W, C) = {x.shape} you returned {got.shape}: "
                       "you averaged over the channels too; average over height and width only")
        raise Hint(f"for x of shape (N, H, W, C) = {x.shape} you returned {got.shape}; the "
                   "result is (N, C): average over axes 1 and 2")
    if np.allclose(got, x.max(axis=(1, 2))):
        raise Hint("you took each feature map's maximum: that is global *max* pooling")
    if not np.allclose(got, expected, atol=1e-5):
        n, c = np.unravel_index(np.argmax(~np.isclose(got, expected, atol=1e-5)), got.shape)
        raise Hint(f"example {n}, channel {c} is {got[n, c]:.4f}, which is not the mean of "
                   f"x[{n}, :, :, {c}]")
    return "matches the mean over height and width of a (2, 3, 5, 4) batch"


@checker
def avg_pool_kernel(answer):
    """``answer(size, channels)``: a Conv2D kernel that, with strides=size, average-pools."""
    from course import ops

    for size, channels in ((2, 3), (3, 2)):
        k = np.asarray(answer(size, channels), dtype=np.float64)
        call = f"avg_pool_kernel({size}, {channels})"
        shape = (size, size, channels, channels)
        if k.shape != shape:
            raise Hint(f"{call} has shape {k.shape}; a Conv2D kernel is (kh, kw, C_in, C_out), "
                       f"here {shape}")
        x = _rng(4 + size).standard_normal((2, 6, 6, channels))
        got = ops.correlate2d(x, k, stride=size)
        expected = ops.pool2d(x, size, mode="avg")
        if np.allclose(got, expected):
            continue
        off_diagonal = k[:, :, ~np.eye(channels, dtype=bool)]
        if np.any(off_diagonal != 0):
            raise Hint(f"{call} mixes channels: output channel c must look at input channel c "
                       "only, so k[:, :, c_in, c_out] is zero when c_in != c_out")
        diagonal = np.stack([k[:, :, c, c] for c in range(channels)])
        if np.allclose(diagonal, 1):
            raise Hint(f"{call} sums each window; an average divides by the number of cells, "
                       "size * size")
        if np.allclose(diagonal, 1 / size):
            raise Hint(f"{call} divides by size; a {size}x{size} window has size * size cells")
        raise Hint(f"{call}: a stride-{size} correlation with your kernel does not give "
                   "the window averages; every weight on the diagonal is the same")
    return "a stride-size convolution with it equals AveragePooling2D (2x2 on 3 channels, 3x3 on 2)"


# Exercise 3.5: the map of the statement, and where its pixels go under a one-pixel shift.
SHIFT_MAP = np.array([[0, 6, 0, 0, 0, 3],
                      [2, 0, 0, 6, 0, 0],
                      [5, 0, 0, 0, 2, 0],
                      [0, 3, 4, 1, 0, 1]], float)


def _shift_right(x, pixels=1):
    out = np.zeros_like(x)
    out[:, pixels:] = x[:, :x.shape[1] - pixels]
    return out


@checker(prediction=True)
def pooled_after_shift(answer):
    """``answer``: the 2x2 max pooling (stride 2) of SHIFT_MAP shifted right by one pixel."""
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise Hint(f"your prediction {answer!r} is not a grid of numbers: write it as a list "
                   "of rows, [[a, b, c], [d, e, f]]") from None
    before = _pool(SHIFT_MAP, 2, np.max)
    expected = _pool(_shift_right(SHIFT_MAP), 2, np.max)
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
    if np.array_equal(got, before):
        raise Hint("that is the pooled map *before* the shift: nothing changing would be "
                   "invariance. Move every pixel one column to the right first (column 0 "
                   "becomes 0, the last column falls off), then pool")
    if np.array_equal(got, _pool(np.roll(SHIFT_MAP, 1, axis=1), 2, np.max)):
        raise Hint("you wrapped the last column around to the left. `shift_right` fills the "
                   "column that enters on the left with zeros (black), and the pixels that "
                   "leave on the right are gone")
    if np.array_equal(got, _shift_right(before)):
        raise Hint("you moved the *pooled* map one cell to the right. The shift moves the "
                   "input by one pixel, half a window: shift the 4x6 map, then pool it")
    if np.array_equal(got, _pool(np.pad(SHIFT_MAP[:, 1:], [(0, 0), (0, 1)]), 2, np.max)):
        raise Hint("you shifted the map to the left; `shift_right` moves every pixel one "
                   "column to the right")
    if np.allclose(got, _pool(_shift_right(SHIFT_MAP), 2, np.mean)):
        raise Hint("you averaged each window; this is max pooling: keep each window's largest "
                   "value")
    i, j = (int(v) for v in np.argwhere(got != expected)[0])
    came_from = ("column 0 is the new column of zeros and column 1 holds what column 0 held"
                 if j == 0 else f"columns {2 * j} and {2 * j + 1} hold what columns "
                 f"{2 * j - 1} and {2 * j} held")
    raise Hint(f"output ({i}, {j}), the window of rows {2 * i}-{2 * i + 1} and columns "
               f"{2 * j}-{2 * j + 1}, is not {got[i, j]:g}: after the shift, {came_from} "
               "before the shift")
