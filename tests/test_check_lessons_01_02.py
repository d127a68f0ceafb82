"""The checkers of lessons 01 and 02: right answers pass, stubs and typical mistakes get hints."""

import numpy as np
import pytest

from course import filters, ops
from course.check import lesson01, lesson02


def stub(*args, **kwargs):
    raise NotImplementedError


def run(checker, answer, capsys):
    result = checker(answer)
    return result, capsys.readouterr().out


@pytest.mark.parametrize("checker, right, wrong, hint", [
    (lesson01.box_kernel, lambda n: np.full((n, n), 1 / n**2, np.float32),
     lambda n: np.ones((n, n), np.float32), "sum to 1"),
    (lesson01.correlate_at, lambda im, k, i, j: (im[i:i + len(k), j:j + len(k[0])] * k).sum(),
     lambda im, k, i, j: (im[i:i + len(k), j:j + len(k[0])] * k[::-1, ::-1]).sum(),
     "convolution"),
    (lesson01.edge_magnitude,
     lambda im: np.hypot(ops.correlate2d(im, filters.SOBEL_X, padding="same"),
                         ops.correlate2d(im, filters.SOBEL_Y, padding="same")),
     lambda im: np.hypot(ops.correlate2d(im, filters.SOBEL_X),
                         ops.correlate2d(im, filters.SOBEL_Y)), "keeps the image's size"),
    (lesson01.to_convolution_kernel, lambda k: k[::-1, ::-1], lambda k: k.T, "180 degrees"),
    (lesson02.conv_output_shape,
     lambda h, w, f, k, stride=1, padding=0: ((h - f + 2 * padding) // stride + 1,
                                              (w - f + 2 * padding) // stride + 1, k),
     lambda h, w, f, k, stride=1, padding=0: ((h - f + padding) // stride + 1,
                                              (w - f + padding) // stride + 1, k),
     "expected 14x14x64, got 13x13x64"),
    (lesson02.conv_param_count,
     lambda f, c, k, bias=True: (f * f * c + bias) * k,
     lambda f, c, k, bias=True: f * f * c * k, "forgot the bias"),
    (lesson02.same_padding,
     lambda n, f, stride=1: (lambda t: (t // 2, t - t // 2))(max((-(-n // stride) - 1) * stride
                                                                  + f - n, 0)),
     lambda n, f, stride=1: (lambda t: (t - t // 2, t // 2))(max((-(-n // stride) - 1) * stride
                                                                  + f - n, 0)),
     "extra pixel goes after"),
    (lesson02.torch_to_keras_kernel, lambda w: w.transpose(2, 3, 1, 0),
     lambda w: w.reshape(w.shape[2], w.shape[3], w.shape[1], w.shape[0]), "transpose"),
])
def test_checker(checker, right, wrong, hint, capsys):
    ok, out = run(checker, right, capsys)
    assert ok and "correct" in out
    ok, out = run(checker, stub, capsys)
    assert not ok and "not attempted yet" in out
    ok, out = run(checker, wrong, capsys)
    assert not ok and hint in out, out
