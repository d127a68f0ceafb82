"""Checkers for lesson 00 (start here)."""

import numpy as np

from course.check.core import Hint, checker


@checker
def count_per_class(answer):
    """``answer(y)`` must return an int array: how many labels of each class 0..9."""
    cases = [np.array([0, 1, 1, 9, 9, 9], np.uint8), np.zeros(4, np.uint8),
             np.arange(10, dtype=np.uint8).repeat(3)]
    for y in cases:
        got = np.asarray(answer(y))
        expected = np.bincount(y, minlength=10)
        if got.shape != (10,):
            raise Hint(f"for {len(y)} labels you returned shape {got.shape}; expected (10,), one "
                       "count per class even when a class never occurs (see `minlength`)")
        if not np.array_equal(got, expected):
            c = int(np.argmax(got != expected))
            raise Hint(f"class {c} is counted {got[c]} times in {y.tolist()}, but it occurs "
                       f"{expected[c]} times")
    return f"right on {len(cases)} label arrays"
