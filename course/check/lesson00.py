"""Checkers for lesson 00 (start here)."""

import numpy as np

from course.check.core import Hint, StudentError, checker


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


# (images, amount): edge pixels 0, 1, 254, 255 brightened and darkened, the extremes of the
# amount, and a batch and a colour image whose shape must come back unchanged
_EDGES = np.array([0, 1, 5, 100, 200, 250, 254, 255], np.uint8)
_BRIGHTEN_CASES = [(_EDGES, 10), (_EDGES, 0), (_EDGES, -10), (_EDGES, 255), (_EDGES, -255),
                   (np.random.default_rng(0).integers(0, 256, (2, 3, 4), dtype=np.uint8), 80),
                   (np.random.default_rng(1).integers(0, 256, (1, 2, 2, 3), dtype=np.uint8), -80)]


def _change(amount):
    return f"brightened by {amount}" if amount >= 0 else f"darkened by {-amount}"


@checker
def brighten(answer):
    """``answer(images, amount)``: uint8 images + amount, kept within 0..255, as uint8."""
    for images, amount in _BRIGHTEN_CASES:
        given = images.copy()
        try:
            got = np.asarray(answer(given, amount))
        except StudentError as raised:
            if isinstance(raised.error, OverflowError):
                raise Hint(f"{_change(amount)}, your function raised OverflowError "
                           f"({raised.error}): NumPy will not mix a Python int outside 0..255 "
                           "with uint8 pixels. Compute in a wider integer type (int16 holds "
                           "-255..510), keep the result within 0..255, then convert back to "
                           "uint8") from None
            raise
        if got.shape != images.shape:
            raise Hint(f"for images of shape {images.shape} you returned shape {got.shape}; "
                       "brightening changes each pixel's value, not the shape")
        wide = images.astype(np.int64) + amount
        expected = np.clip(wide, 0, 255)
        if got.dtype.kind not in "iuf":
            raise Hint(f"you returned an array of {got.dtype}; return uint8 pixels")
        if got.dtype.kind == "f" and expected.max() > 1 and got.max() <= 1:
            raise Hint("your pixels are between 0 and 1; keep the input's 0..255 scale")
        wrong = np.flatnonzero(got.astype(np.float64).ravel() != expected.ravel())
        if wrong.size:
            i = wrong[0]
            pixel, value, should = int(images.flat[i]), got.flat[i], int(expected.flat[i])
            shown = f"a pixel of {pixel} {_change(amount)} came out {value:g}"
            if value == wide.flat[i] % 256:
                side = "past 255" if wide.flat[i] > 255 else "below 0"
                raise Hint(f"{shown}: uint8 arithmetic wraps around {side} (modulo 256), "
                           "silently. Compute in a wider integer type such as int16, clip "
                           "to 0..255, then convert back to uint8 (clipping the uint8 result "
                           "is too late: it has wrapped already)")
            if value == wide.flat[i]:
                raise Hint(f"{shown}: a pixel cannot go {'above 255' if value > 255 else 'below 0'}"
                           "; keep the result within 0..255 (np.clip)")
            raise Hint(f"{shown}; it should be {pixel} {'+' if amount >= 0 else '-'} "
                       f"{abs(amount)}, kept within 0..255, i.e. {should}")
        if got.dtype != np.uint8:
            raise Hint(f"the values are right, but you returned {got.dtype} images; return "
                       "uint8, like the input (.astype(np.uint8) after clipping), so that "
                       "they are stored and shown as the dataset's images are")
        if not np.array_equal(given, images):
            raise Hint("your function changed the images it was given (an in-place `+=` or "
                       "`out=`): return a new array and leave the input as it was")
    return (f"right on {len(_BRIGHTEN_CASES)} cases: 0 and 255 stay in range both ways, "
            "uint8 comes back, the input is left alone")
