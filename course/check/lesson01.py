"""Checkers for lesson 01 (image filters)."""

import numpy as np

from course.check.core import Hint, checker


def _rng_image(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


@checker
def box_kernel(answer):
    """``answer(n)``: the n x n averaging kernel."""
    for n in (1, 3, 5):
        k = np.asarray(answer(n))
        if k.shape != (n, n):
            raise Hint(f"box_kernel({n}) has shape {k.shape}; it should be ({n}, {n})")
        if not np.isclose(k.sum(), 1, atol=1e-5):
            raise Hint(f"the weights of box_kernel({n}) sum to {k.sum():.4g}; an average keeps "
                       "brightness, so they must sum to 1")
        if not np.allclose(k, k.flat[0]):
            raise Hint(f"box_kernel({n}) has unequal weights; every pixel counts the same")
    return "the 1x1, 3x3 and 5x5 kernels are flat and sum to 1"


@checker(without=("course.ops.correlate2d", "course.ops.convolve2d", "cv2.filter2D"))
def correlate_at(answer):
    """``answer(image, kernel, i, j)``: one output pixel of a valid correlation."""
    image = _rng_image((6, 7))
    kernel = np.arange(6, dtype=np.float32).reshape(2, 3)  # not symmetric, not square
    for i, j in [(0, 0), (2, 3), (4, 4)]:
        expected = float((image[i:i + 2, j:j + 3] * kernel).sum())
        got = float(answer(image, kernel, i, j))
        if np.isclose(got, float((image[i:i + 2, j:j + 3] * kernel[::-1, ::-1]).sum())) and not (
                np.isclose(got, expected)):
            raise Hint(f"at ({i}, {j}) you computed a convolution (flipped kernel); "
                       "correlation uses the kernel as it is")
        if not np.isclose(got, expected, atol=1e-4):
            raise Hint(f"at ({i}, {j}) with a 2x3 kernel you returned {got:.4f}: the window "
                       f"should be rows {i}..{i + 1} and columns {j}..{j + 2}")
    return "right at three positions, with a non-square kernel"


@checker
def edge_magnitude(answer):
    """``answer(image)``: Sobel magnitude, same size, zero padding."""
    from course import filters, ops

    image = _rng_image((9, 11), seed=1)
    gx = ops.correlate2d(image, filters.SOBEL_X, padding="same")
    gy = ops.correlate2d(image, filters.SOBEL_Y, padding="same")
    expected = np.hypot(gx, gy)
    got = np.asarray(answer(image))
    if got.shape != image.shape:
        raise Hint(f"for a 9x11 image you returned shape {got.shape}; pad so that the output "
                   "keeps the input's size (padding='same')")
    if np.allclose(got, np.abs(gx) + np.abs(gy), atol=1e-4):
        raise Hint("you added |Gx| + |Gy|; the magnitude is sqrt(Gx**2 + Gy**2)")
    if not np.allclose(got, expected, atol=1e-4):
        r, c = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
        where = "on the border" if r in (0, 8) or c in (0, 10) else "inside the image"
        raise Hint(f"pixel ({r}, {c}), {where}, is {got[r, c]:.4f}, which is not the Sobel "
                   "magnitude there" + ("; check the padding" if "border" in where else ""))
    return "matches the Sobel magnitude on a random 9x11 image"


@checker
def to_convolution_kernel(answer):
    """``answer(kernel)``: the kernel that turns correlation into convolution."""
    from course import ops

    kernel = np.arange(9, dtype=np.float32).reshape(3, 3)
    image = _rng_image((5, 6), seed=2)
    got = np.asarray(answer(kernel))
    if got.shape != kernel.shape:
        raise Hint(f"you returned shape {got.shape}; the kernel keeps its shape {kernel.shape}")
    if np.array_equal(got, kernel.T):
        raise Hint("a transpose mirrors along the diagonal; convolution turns the kernel by "
                   "180 degrees (flip rows and columns)")
    if np.array_equal(got, kernel[::-1]) or np.array_equal(got, kernel[:, ::-1]):
        raise Hint("you flipped one axis; convolution flips both")
    if not np.allclose(ops.correlate2d(image, got), ops.convolve2d(image, kernel)):
        raise Hint("correlating with your kernel does not give the convolution")
    return "correlating with it gives the convolution"


# Exercise 1.5: four kernels the lesson has not applied, shown filtered in a hidden order.
MYSTERY_KERNELS = {
    "A": np.full((1, 21), 1 / 21, np.float32),  # a row of 21 equal weights
    "B": np.full((21, 1), 1 / 21, np.float32),  # a column of 21 equal weights
    "C": np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], np.float32),  # above minus below
    "D": np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], np.float32),  # right minus left
}
_PANELS = "DACB"  # panel 1 shows kernel D, panel 2 kernel A, ...
_KIND = {"A": "row blur", "B": "column blur", "C": "horizontal edges", "D": "vertical edges"}
_WHY = {  # what each kernel does, said without naming its panel
    "A": "A is a single row of 21 equal weights: each output pixel is the average of the 21 "
         "pixels beside it in its row, so the photo is smeared left and right (vertical lines "
         "go soft, horizontal ones stay sharp)",
    "B": "B is a single column of 21 equal weights: it averages up and down, so the photo is "
         "smeared vertically (horizontal lines such as a mouth go soft, vertical ones stay "
         "sharp)",
    "C": "C is +1 on its top row and -1 on its bottom row: it subtracts the pixels below from "
         "those above, so it responds where brightness changes from top to bottom, i.e. along "
         "horizontal edges (like Sobel Y)",
    "D": "D is -1 on its left column and +1 on its right one: it responds where brightness "
         "changes from left to right, i.e. along vertical edges (like Sobel X)",
}


def _for_display(out, kernel):
    """A filtered image on a 0..1 grey scale: a blur as it is, an edge map as |response|
    divided by its 99th percentile (as in section 4)."""
    if abs(float(kernel.sum())) < 1e-6:
        out = np.abs(out)
        return np.clip(out / np.percentile(out, 99), 0, 1)
    return np.clip(out, 0, 1)


def mystery_panels(image):
    """The four panels of exercise 1.5: ``image`` (grey, 0..1) filtered with each of
    ``MYSTERY_KERNELS`` (OpenCV, mirrored border), in an order the lesson does not show."""
    import cv2

    image = np.asarray(image, np.float32)
    return [_for_display(cv2.filter2D(image, cv2.CV_32F, MYSTERY_KERNELS[letter]),
                         MYSTERY_KERNELS[letter]) for letter in _PANELS]


@checker(prediction=True)
def kernel_panels(answer):
    """``answer``: the panel numbers (1-4) that show kernels A, B, C and D, in that order."""
    letters = list(MYSTERY_KERNELS)
    form = ("give four panel numbers, for kernels A, B, C and D in that order, e.g. "
            "(1, 2, 3, 4)")
    if isinstance(answer, str | bytes) or not hasattr(answer, "__len__") or len(answer) != 4:
        raise Hint(form)
    try:
        panels = [int(p) for p in answer]
    except (TypeError, ValueError):
        raise Hint(form) from None
    if any(p not in (1, 2, 3, 4) for p in panels):
        raise Hint(f"you gave {tuple(answer)}: the panels are numbered 1 to 4")
    for p in sorted(set(panels)):
        given = [letter for letter, q in zip(letters, panels, strict=True) if q == p]
        if len(given) > 1:
            raise Hint(f"panel {p} is given to both {given[0]} and {given[1]}: each panel shows "
                       "a different kernel")
    truth = {letter: _PANELS.index(letter) + 1 for letter in letters}
    wrong = [letter for letter, p in zip(letters, panels, strict=True) if truth[letter] != p]
    if wrong:
        letter = wrong[0]
        shows = _KIND[_PANELS[panels[letters.index(letter)] - 1]]
        lead = f"{4 - len(wrong)} of 4 right; look again at kernel {letter}: "
        if _KIND[letter].endswith("blur") != shows.endswith("blur"):
            if _KIND[letter].endswith("blur"):
                why = (f"{letter}'s weights are all positive and sum to 1, so it averages: its "
                       "panel still looks like the photo, only blurred (an edge kernel sums to "
                       "0 and leaves flat regions black)")
            else:
                why = (f"{letter}'s weights sum to 0, so a flat region gives 0: its panel is "
                       "black except along edges")
        else:
            why = _WHY[letter]
        raise Hint(lead + why)
    return ("A, B, C and D matched: a row smears sideways, a column up and down, a difference "
            "of rows finds horizontal edges and one of columns vertical edges")
