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
