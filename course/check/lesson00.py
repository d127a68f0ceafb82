"""Checkers for lesson 00 (start here).

Each checker runs the answer on the edge cases a teacher would probe and on cases drawn
afresh on every call, so that a table of the checker's inputs cannot pass.
"""

import numpy as np

from course.check.core import Hint, StudentError, checker
from course.check.frozen import frozen


def _times(n):
    return "once" if n == 1 else f"{n} times"


def _labels_text(y):
    return str(y.tolist()) if len(y) <= 12 else f"{len(y)} labels"


@checker
def count_per_class(answer):
    """``answer(y)``: a NumPy array of 10 whole counts, how often each class 0..9 is in y."""
    rng = np.random.default_rng()
    edges = [np.array([0, 1, 1, 9, 9, 9], np.uint8),  # classes 2..8 never occur
             np.array([3, 3, 3, 3], np.uint8),  # one class, neither the first nor the last
             np.array([0, 1, 2], np.uint8),  # the last classes are missing
             np.array([9], np.uint8),  # a single label
             np.full(300, 7, np.uint8),  # more of one class than a uint8 can count
             np.array([5, 0, 9, 5, 0, 9, 9], np.int64)]  # int64 labels, unsorted
    drawn = []
    for _ in range(12):
        classes = rng.choice(10, int(rng.integers(1, 11)), replace=False)
        dtype = np.uint8 if rng.random() < 0.7 else np.int64
        drawn.append(rng.choice(classes, int(rng.integers(1, 3000))).astype(dtype))
    for y in tuple(frozen(y) for y in edges + drawn):  # the checker's own, read-only
        given = y.copy()
        got = answer(given)
        if not np.array_equal(given, y):
            raise Hint("your function changed the labels it was given (sorted them in place?): "
                       "leave `y` as it was")
        _check_counts(got, y, np.bincount(y, minlength=10))  # worked out once it has run
    return (f"right on {len(edges)} edge cases (missing classes, more than 255 of one class) "
            f"and {len(drawn)} label arrays drawn at random")


def _check_counts(got, y, expected):
    """A Hint unless ``got`` is ``expected``, the count of each class 0..9 in ``y``."""
    labels = _labels_text(y)
    if not isinstance(got, np.ndarray):
        raise Hint(f"for {labels} you returned a {type(got).__name__}; return a NumPy array "
                   "of 10 counts")
    if _from_a_tensor(got):
        raise Hint(f"for {labels} you returned a tensor; the statement asks for a NumPy array "
                   "of 10 counts (the cells after the checker use it as one)")
    if got.dtype.kind not in "iu":
        raise Hint(f"for {labels} you returned an array of {got.dtype}; counts are whole "
                   "numbers: return an array of integers")
    if got.shape != (10,):
        if got.ndim == 1 and len(got) == len(np.unique(y)) < 10:
            raise Hint(f"for {labels} you returned {len(got)} counts, one per class that occurs; "
                       "return 10, with 0 for the classes that never occur")
        if got.ndim == 1 and len(got) == y.max() + 1 < 10:
            raise Hint(f"for {labels}, whose largest label is {y.max()}, you returned "
                       f"{len(got)} counts; return 10, one per class 0..9, also for the classes "
                       "above the largest label that occurs")
        raise Hint(f"for {labels} you returned shape {got.shape}; return shape (10,), one count "
                   "per class 0..9")
    if not np.array_equal(got, expected):
        c = int(np.argmax(got != expected))
        occurs = f"class {c} occurs {_times(expected[c])} in {labels}"
        if got[c] == expected[c] % 256:
            raise Hint(f"{occurs}, and your count came out {got[c]}: it wrapped around at "
                       "256, the counter is uint8 (like the labels), which only counts to 255")
        if np.array_equal(got[1:], expected[:-1]) or np.array_equal(got[:-1], expected[1:]):
            raise Hint(f"{occurs}, but you counted {got[c]}: your counts are one class off; "
                       "position c of the array holds the count of class c")
        raise Hint(f"{occurs}, but you counted {got[c]}")


def _from_a_tensor(got) -> bool:
    """Whether ``got`` is what the checker made of a returned TensorFlow tensor: NumPy's
    read-only view of the tensor's memory (no NumPy function returns one)."""
    return not got.flags.writeable and isinstance(got.base, memoryview)


def _change(amount):
    return f"brightened by {amount}" if amount >= 0 else f"darkened by {-amount}"


def _brighten_cases(rng):
    """(uint8 images, amount): the pixels 0, 1, 254, 255 brightened and darkened, the
    extremes of the amount, a batch and colour images, then shapes and amounts at random."""
    pixels = np.array([0, 1, 5, 100, 200, 250, 254, 255], np.uint8)
    edges = [(pixels, amount) for amount in (10, -10, 0, 1, -1, 255, -255)]
    edges += [(rng.integers(0, 256, (2, 3, 4), dtype=np.uint8), 80),
              (rng.integers(0, 256, (1, 2, 2, 3), dtype=np.uint8), -80)]
    drawn = []
    for _ in range(10):
        shape = tuple(int(n) for n in rng.integers(1, 6, int(rng.integers(1, 5))))
        drawn.append((rng.integers(0, 256, shape, dtype=np.uint8), int(rng.integers(-255, 256))))
    return edges, drawn


@checker
def brighten(answer):
    """``answer(images, amount)``: uint8 images + amount, kept within 0..255, as new uint8."""
    edges, drawn = _brighten_cases(np.random.default_rng())
    for images, amount in tuple(edges + drawn):
        images = frozen(images)  # the checker's own, read-only; the answer gets a copy
        given = images.copy()
        try:
            got = answer(given, amount)
        except StudentError as raised:
            if isinstance(raised.error, OverflowError):
                raise Hint(f"{_change(amount)}, your function raised OverflowError "
                           f"({raised.message}): NumPy will not add a Python int to an array "
                           "whose type cannot hold it, and an unsigned type holds no negative "
                           "numbers. Which type could hold every result, from 0 - 255 to "
                           "255 + 255?") from None
            raise
        if not np.array_equal(given, images):
            raise Hint("your function changed the images it was given (an in-place `+=` or "
                       "`out=`): return a new array and leave the input as it was")
        wide = images.astype(np.int64) + amount  # worked out once it has run
        _check_brightened(got, given, images, amount, wide, np.clip(wide, 0, 255))
    return (f"right on {len(edges)} edge cases and {len(drawn)} drawn at random: 0 and 255 "
            "stay in range both ways, uint8 comes back, the input is left alone")


def _check_brightened(got, given, images, amount, wide, expected):
    """A Hint unless ``got`` is ``expected`` (``wide``, ``images`` + ``amount``, kept within
    0..255) as a new uint8 array."""
    if not isinstance(got, np.ndarray):
        raise Hint(f"you returned a {type(got).__name__}; return a NumPy array of uint8 images")
    if _from_a_tensor(got):
        raise Hint("you returned a tensor; the statement asks for a new NumPy array of uint8 "
                   "images")
    if got.shape != images.shape:
        raise Hint(f"for images of shape {images.shape} you returned shape {got.shape}; "
                   "brightening changes each pixel's value, not the shape")
    if got.dtype.kind not in "iuf":
        raise Hint(f"you returned an array of {got.dtype}; return uint8 pixels")
    if got.dtype.kind == "f" and expected.max() > 1 and got.max() <= 1:
        raise Hint("your pixels are between 0 and 1; keep the input's 0..255 scale")
    wrong = np.flatnonzero(got.astype(np.float64).ravel() != expected.ravel())
    if wrong.size:
        i = wrong[0]
        pixel, value, should = int(images.flat[i]), got.flat[i], int(wide.flat[i])
        shown = f"a pixel of {pixel} {_change(amount)} came out {value:g}"
        if value == should % 256:
            side = "past 255" if should > 255 else "below 0"
            raise Hint(f"{shown}: uint8 arithmetic wraps around {side} (modulo 256), "
                       "silently, so the sum is wrong before anything else sees it; clipping "
                       "the uint8 result is too late: it has wrapped already")
        if value == should:
            raise Hint(f"{shown}: a pixel cannot go {'above 255' if value > 255 else 'below 0'}"
                       "; keep the result within 0..255")
        raise Hint(f"{shown}; it should be {pixel} {'+' if amount >= 0 else '-'} "
                   f"{abs(amount)}, kept within 0..255, i.e. {int(expected.flat[i])}")
    if got.dtype != np.uint8:
        raise Hint(f"the values are right, but you returned {got.dtype} images; return "
                   "uint8, like the input, so that they are stored and shown as the "
                   "dataset's images are")
    if np.shares_memory(got, given):
        raise Hint(f"{_change(amount)}, you returned the images you were given (or a view of "
                   "them): return a new array, so that changing one cannot change the other")
