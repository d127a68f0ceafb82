"""Checkers for lesson 02 (convolution arithmetic)."""

import numpy as np

from course import ops
from course.check.core import Hint, checker

# (h, w, f, k, stride, padding): the notes' examples and a non-square one
SHAPE_CASES = [(28, 28, 4, 64, 2, 1), (32, 32, 5, 10, 1, 2), (5, 5, 3, 1, 1, 0),
               (28, 28, 5, 5, 1, 0), (30, 20, 3, 8, 1, 1)]


def _fmt(shape):
    return "x".join(str(int(v)) for v in shape)


@checker(without=("course.ops.output_size",))
def conv_output_shape(answer):
    """``answer(h, w, f, k, stride, padding)`` -> (h_out, w_out, k)."""
    for h, w, f, k, s, p in SHAPE_CASES:
        expected = (ops.output_size(h, f, s, p), ops.output_size(w, f, s, p), k)
        got = tuple(answer(h, w, f, k, stride=s, padding=p))
        if got == expected:
            continue
        case = f"a {h}x{w} input, {k} filters {f}x{f}, stride {s}, padding {p}"
        if len(got) != 3:
            raise Hint(f"for {case} you returned {len(got)} numbers; return (height, width, "
                       "channels)")
        if got[2] != k:
            raise Hint(f"for {case} the channels are {got[2]}: the output has one channel per "
                       "filter")
        if got[:2] == (h, w) and (h, w) != expected[:2]:
            raise Hint(f"expected {_fmt(expected)}, got {_fmt(got)}: a {f}x{f} kernel with "
                       f"padding {p} and stride {s} does not keep the size")
        hint = "check the padding (2P: both sides)" if s == 1 else "check the stride and padding"
        raise Hint(f"expected {_fmt(expected)}, got {_fmt(got)} for {case}: {hint}")
    return f"right on {len(SHAPE_CASES)} layers, the notes' examples included"


@checker(without=("course.ops.conv_params",))
def conv_param_count(answer):
    """``answer(f, c_in, k, bias=True)`` -> the layer's parameter count."""
    for f, c_in, k in [(5, 3, 1), (5, 3, 10), (3, 64, 128), (1, 192, 16)]:
        for bias in (True, False):
            expected = ops.conv_params(f, c_in, k, bias=bias)
            got = answer(f, c_in, k, bias=bias)
            if got == expected:
                continue
            case = f"{k} filters of {f}x{f} on {c_in} channels (bias={bias})"
            if bias and got == ops.conv_params(f, c_in, k, bias=False):
                raise Hint(f"for {case} you forgot the bias: one per filter")
            if got == (f * f + int(bias)) * k:
                raise Hint(f"for {case}: each filter has weights for every input channel")
            if bias and got == f * f * c_in * k + 1:
                raise Hint(f"for {case}: there is one bias per filter, not one per layer")
            raise Hint(f"for {case} you returned {got}")
    return "right for 8 layers, with and without bias"


@checker(without=("course.ops.pad",))
def same_padding(answer):
    """``answer(n, f, stride)`` -> (before, after) like TensorFlow's 'same'."""
    for n, f, s in [(28, 3, 1), (28, 4, 1), (28, 5, 1), (28, 3, 2), (27, 4, 2), (7, 1, 1),
                    (5, 7, 3)]:
        out = -(-n // s)
        total = max((out - 1) * s + f - n, 0)
        expected = (total // 2, total - total // 2)
        got = tuple(int(v) for v in answer(n, f, stride=s))
        if got == expected:
            continue
        if got == expected[::-1]:
            raise Hint(f"n={n}, f={f}, stride={s}: the odd extra pixel goes after "
                       "(bottom/right), not before")
        if sum(got) != total:
            raise Hint(f"n={n}, f={f}, stride={s}: your padding adds {sum(got)} pixels; 'same' "
                       f"needs the output to be ceil(n/stride) = {out} positions")
        raise Hint(f"n={n}, f={f}, stride={s}: split the padding as evenly as possible")
    return "right for 7 cases, odd totals and strides included"


@checker
def torch_to_keras_kernel(answer):
    """``answer(w)``: (out, in, kh, kw) -> (kh, kw, in, out)."""
    w = np.arange(4 * 3 * 2 * 5).reshape(4, 3, 2, 5)  # all axes different
    got = np.asarray(answer(w))
    expected = w.transpose(2, 3, 1, 0)
    if got.shape != expected.shape:
        raise Hint(f"for a PyTorch weight {w.shape} (out, in, kh, kw) you returned shape "
                   f"{got.shape}; Keras wants (kh, kw, in, out) = {expected.shape}")
    if not np.array_equal(got, expected):
        raise Hint("the shape is right but the values are not where they belong: transpose "
                   "the axes rather than reshape")
    return "a (4, 3, 2, 5) weight lands in (2, 5, 3, 4) with every value in place"
