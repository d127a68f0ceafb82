"""The exercise checkers of lessons 03 (pooling) and 04 (backpropagation).

For every checker: a correct answer passes, a stub says "not attempted yet", and the
typical mistakes get their own hint, never the reference answer.
"""

import math

import numpy as np
import pytest

from course import ops
from course.check import lesson03, lesson04

# ---------------------------------------------------------------- answers, right and wrong


def pool_output_size(n, f, stride=None, padding="valid"):
    s = f if stride is None else stride
    return math.ceil(n / s) if padding == "same" else (n - f) // s + 1


def blocks(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[:h * size, :w * size].reshape(h, size, w, size)


def min_pool(x, size):
    return blocks(x, size).min(axis=(1, 3))


def avg_pool_kernel(size, channels):
    k = np.zeros((size, size, channels, channels))
    for c in range(channels):
        k[:, :, c, c] = 1 / size**2
    return k


def input_gradient(k, g):
    kh, kw = k.shape
    return ops.correlate2d(np.pad(g, [(kh - 1, kh - 1), (kw - 1, kw - 1)]), k[::-1, ::-1])


def max_pool_backward(x, g):
    h, w = g.shape
    windows = x.reshape(h, 2, w, 2).transpose(0, 2, 1, 3).reshape(h, w, 4)
    grad = np.zeros((h, w, 4))
    np.put_along_axis(grad, windows.argmax(-1)[..., None], g[..., None], axis=-1)
    return grad.reshape(h, w, 2, 2).transpose(0, 2, 1, 3).reshape(x.shape)


def max_pool_backward_to_every_tie(x, g):
    w = blocks(x, 2)
    return ((w == w.max(axis=(1, 3), keepdims=True)) * g[:, None, :, None]).reshape(x.shape)


def max_pool_backward_split_ties(x, g):
    w = blocks(x, 2)
    tied = w == w.max(axis=(1, 3), keepdims=True)
    return (tied / tied.sum(axis=(1, 3), keepdims=True) * g[:, None, :, None]).reshape(x.shape)


def avg_pool_backward(g, size):
    return np.kron(g, np.ones((size, size))) / size**2


def stub(*args, **kwargs):
    raise NotImplementedError()


def first_cell_of_each_window(x, g):
    out = np.zeros_like(x, dtype=float)
    out[::2, ::2] = g
    return out


def second_largest_cell(x, g):
    w = blocks(x, 2)
    second = np.sort(w.reshape(*w.shape[:1], 2, w.shape[2], 2).transpose(0, 2, 1, 3)
                     .reshape(w.shape[0], w.shape[2], 4), axis=-1)[..., -2]
    mask = w == second[:, None, :, None]
    return (mask * g[:, None, :, None]).reshape(x.shape)


CORRECT = {
    lesson03.pool_output_size: pool_output_size,
    lesson03.min_pool: min_pool,
    lesson03.global_average_pool: lambda x: x.mean(axis=(1, 2)),
    lesson03.avg_pool_kernel: avg_pool_kernel,
    lesson04.kernel_gradient: lambda x, g: ops.correlate2d(x, g),
    lesson04.input_gradient: input_gradient,
    lesson04.max_pool_backward: max_pool_backward,
    lesson04.avg_pool_backward: avg_pool_backward,
}

# (checker, wrong answer, words the hint must contain)
WRONG = [
    (lesson03.pool_output_size,
     lambda n, f, stride=None, padding="valid": pool_output_size(n, f, stride or 1, padding),
     "stride equals the pool size"),
    (lesson03.pool_output_size,
     lambda n, f, stride=None, padding="valid": (
         math.ceil((n - f) / (stride or f)) + 1 if padding == "valid"
         else pool_output_size(n, f, stride, padding)),
     "rounded up"),
    (lesson03.pool_output_size,
     lambda n, f, stride=None, padding="valid": pool_output_size(n, f, stride, "valid"),
     "that is the 'valid' length"),
    (lesson03.pool_output_size,
     lambda n, f, stride=None, padding="valid": float(pool_output_size(n, f, stride, padding)),
     "sizes and counts are whole numbers"),
    (lesson03.min_pool, lambda x, size: blocks(x, size).max(axis=(1, 3)), "maximum"),
    (lesson03.min_pool, lambda x, size: blocks(x, size).mean(axis=(1, 3)), "average"),
    (lesson03.min_pool,
     lambda x, size: np.lib.stride_tricks.sliding_window_view(x, (size, size)).min(axis=(2, 3)),
     "moved the window by 1 pixel"),
    (lesson03.min_pool,
     lambda x, size: blocks(np.pad(x, [(0, -x.shape[0] % size), (0, -x.shape[1] % size)],
                                   constant_values=np.inf), size).min(axis=(1, 3)),
     "left over"),
    (lesson03.min_pool,
     lambda x, size: np.where(np.arange(min_pool(x, size).size).reshape(min_pool(x, size).shape)
                              == 1, 9.0, min_pool(x, size)),
     "window (0, 1) (rows 0..1, columns 2..3)"),
    (lesson03.global_average_pool, lambda x: x.mean(axis=(1, 2), keepdims=True), "keepdims"),
    (lesson03.global_average_pool, lambda x: x.mean(axis=(1, 2, 3)), "over the channels too"),
    (lesson03.global_average_pool, lambda x: x.mean(axis=(1, 3)), "height and width only"),
    (lesson03.global_average_pool, lambda x: x.max(axis=(1, 2)), "global *max* pooling"),
    (lesson03.avg_pool_kernel,
     lambda size, channels: np.full((size, size), 1 / size**2), "(kh, kw, C_in, C_out)"),
    (lesson03.avg_pool_kernel,
     lambda size, channels: np.full((size, size, channels, channels), 1 / size**2),
     "mixes channels"),
    (lesson03.avg_pool_kernel,
     lambda size, channels: avg_pool_kernel(size, channels) * size**2, "divides by the number"),
    (lesson03.avg_pool_kernel,
     lambda size, channels: avg_pool_kernel(size, channels) * size, "divides by size"),
    (lesson04.kernel_gradient, lambda x, g: ops.correlate2d(x, g)[::-1, ::-1],
     "turned by 180 degrees"),
    (lesson04.kernel_gradient, lambda x, g: ops.convolve2d(x, g), "you convolved"),
    (lesson04.kernel_gradient, lambda x, g: ops.correlate2d(x, g)[:1], "kernel's shape"),
    (lesson04.kernel_gradient, lambda x, g: 2 * ops.correlate2d(x, g), "dL/dk[0, 0]"),
    (lesson04.input_gradient,
     lambda k, g: ops.correlate2d(np.pad(g, [(k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2]), k),
     "a convolution is not a correlation"),
    (lesson04.input_gradient, lambda k, g: ops.correlate2d(g, k[::-1, ::-1]),
     "*full* convolution"),
    (lesson04.input_gradient,
     lambda k, g: ops.correlate2d(np.pad(g, [(k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2]),
                                  k[::-1]),
     "one axis only"),
    (lesson04.input_gradient, lambda k, g: input_gradient(k, g) + 0.5, "dL/dx[0, 0]"),
    (lesson04.max_pool_backward, lambda x, g: avg_pool_backward(g, 2), "*average* pooling"),
    (lesson04.max_pool_backward, lambda x, g: np.kron(g, np.ones((2, 2))), "every cell"),
    (lesson04.max_pool_backward,
     lambda x, g: (blocks(x, 2) == blocks(x, 2).min(axis=(1, 3), keepdims=True)).reshape(
         x.shape) * np.kron(g, np.ones((2, 2))), "*smallest*"),
    (lesson04.max_pool_backward, first_cell_of_each_window, "does not hold that window's maximum"),
    (lesson04.max_pool_backward, max_pool_backward_to_every_tie, "each of them"),
    (lesson04.max_pool_backward, max_pool_backward_split_ties, "tf.reduce_max's rule"),
    (lesson04.max_pool_backward, second_largest_cell, "does not hold that window's maximum"),
    (lesson04.max_pool_backward, lambda x, g: 2 * max_pool_backward(x, g), "add up to"),
    (lesson04.max_pool_backward, lambda x, g: g, "input's shape"),
    (lesson04.avg_pool_backward, lambda g, size: np.kron(g, np.ones((size, size))),
     "only a share"),
    (lesson04.avg_pool_backward, lambda g, size: avg_pool_backward(g, size) * size,
     "you divided by"),
    (lesson04.avg_pool_backward, lambda g, size: g / size**2, "times taller and wider"),
    (lesson04.avg_pool_backward, lambda g, size: avg_pool_backward(g, size)[::-1],
     "how much of it does one cell get"),
]


def name(checker):
    return f"{checker.__module__.rsplit('.', 1)[-1]}.{checker.__name__}"


@pytest.mark.parametrize("checker", list(CORRECT), ids=name)
def test_correct_answer_passes(checker, capsys):
    assert checker(CORRECT[checker])
    assert ": correct - " in capsys.readouterr().out


@pytest.mark.parametrize("checker", list(CORRECT), ids=name)
def test_stub_is_not_attempted_yet(checker, capsys):
    assert not checker(stub)
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("checker, answer, hint", WRONG,
                         ids=[f"{name(c)}-{h[:24]}" for c, _, h in WRONG])
def test_typical_mistake_gets_its_hint(checker, answer, hint, capsys):
    assert not checker(answer)
    out = capsys.readouterr().out
    assert ": not yet - " in out and hint in out, out


def test_every_checker_has_a_specific_hint_test():
    assert {checker for checker, _, _ in WRONG} == set(CORRECT)


def test_a_crashing_answer_is_reported_not_raised(capsys):
    assert not lesson04.kernel_gradient(lambda x, g: x @ g)
    assert "your code raised ValueError" in capsys.readouterr().out


def test_hints_never_print_the_reference_output_size(capsys):
    wrong = lambda n, f, stride=None, padding="valid": 1  # noqa: E731
    lesson03.pool_output_size(wrong)
    out = capsys.readouterr().out
    assert "returned 1: that is too small" in out
    assert str(pool_output_size(28, 2)) not in out


# ---------------------------------------------------------------- course.gradcheck (lesson 04)


def test_numerical_gradient_matches_the_analytic_one():
    from course import gradcheck

    x = np.random.default_rng(0).standard_normal((3, 4))
    k = np.random.default_rng(1).standard_normal((2, 2))
    g = np.random.default_rng(2).standard_normal((2, 3))
    numeric = gradcheck.numerical_gradient(lambda v: (g * ops.correlate2d(v, k)).sum(), x)
    assert gradcheck.relative_error(numeric, ops.correlate2d_backward(x, k, g)[0]) < 1e-8


def test_numerical_gradient_leaves_its_input_alone_and_works_in_float64():
    from course import gradcheck

    x = np.array([[1.0, 2.0]], np.float32)
    seen = []
    grad = gradcheck.numerical_gradient(lambda v: seen.append(v.dtype) or (v**3).sum(), x)
    assert np.array_equal(x, [[1.0, 2.0]]) and x.dtype == np.float32
    assert set(seen) == {np.dtype(np.float64)} and grad.shape == x.shape
    assert np.allclose(grad, 3 * x.astype(float) ** 2, atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda g: g.numerical_gradient(np.sum, np.zeros(0)), "empty"),
    (lambda g: g.numerical_gradient(np.sum, np.ones(2), eps=0), "positive"),
    (lambda g: g.max_difference(np.ones(2), np.ones(3)), "shapes"),
])
def test_gradcheck_rejects_bad_input(call, message):
    from course import gradcheck

    with pytest.raises(ValueError, match=message):
        call(gradcheck)


def test_relative_error_scales_by_the_larger_gradient():
    from course import gradcheck

    assert gradcheck.relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert gradcheck.relative_error([100.0, 1.0], [100.0, 2.0]) == pytest.approx(0.01)
    assert gradcheck.max_difference([1.0, 5.0], [1.5, 4.0]) == pytest.approx(1.0)
