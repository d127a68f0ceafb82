"""The checkers of lesson 01: right answers pass, stubs and typical mistakes get hints
(lesson 02's are in test_check_lesson02)."""

import numpy as np
import pytest

from course import filters, ops
from course.check import lesson01


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
])
def test_checker(checker, right, wrong, hint, capsys):
    ok, out = run(checker, right, capsys)
    assert ok and "correct" in out
    ok, out = run(checker, stub, capsys)
    assert not ok and "not attempted yet" in out
    ok, out = run(checker, wrong, capsys)
    assert not ok and hint in out, out
