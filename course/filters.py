"""Named image kernels and one kernel applied three ways. Introduced in lesson 01.

``apply_three_ways`` runs the same kernel through ``cv2.filter2D``, the NumPy reference
in ``course.ops`` and a Keras ``Conv2D`` whose weights are the kernel, so a lesson can
show that all three compute the same correlation.
"""

from __future__ import annotations

import numpy as np

from course import ops

# Sobel X responds to vertical edges, Sobel Y to horizontal ones (signs as in the notes).
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
SOBEL_Y = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], np.float32)
GAUSSIAN_5X5 = np.array([[1, 4, 7, 4, 1],
                         [4, 16, 26, 16, 4],
                         [7, 26, 41, 26, 7],
                         [4, 16, 26, 16, 4],
                         [1, 4, 7, 4, 1]], np.float32) / 273
BOX_3X3 = np.full((3, 3), 1 / 9, np.float32)
SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32)
LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)
EMBOSS = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], np.float32)

KERNELS = {"sobel_x": SOBEL_X, "sobel_y": SOBEL_Y, "gaussian_5x5": GAUSSIAN_5X5,
           "box_3x3": BOX_3X3, "sharpen": SHARPEN, "laplacian": LAPLACIAN, "emboss": EMBOSS}

# numpy.pad mode -> the OpenCV border type that pads the same way
BORDERS = {"constant": 0, "edge": 1, "reflect": 4}  # BORDER_CONSTANT, _REPLICATE, _REFLECT_101


def gaussian_kernel(size: int = 5, sigma: float = 3.0) -> np.ndarray:
    """A 2-D Gaussian kernel as the outer product of ``cv2.getGaussianKernel(size, sigma)``."""
    import cv2

    column = cv2.getGaussianKernel(size, sigma).astype(np.float32)
    return column @ column.T


def apply_three_ways(image, kernel, border: str = "constant") -> dict[str, np.ndarray]:
    """Correlate ``image`` with ``kernel`` by OpenCV, NumPy and Keras; return all three.

    ``image`` is (H, W) or (H, W, C), any numeric dtype; each channel is filtered on its
    own, and the output has the input's size (the border is padded as ``border`` says:
    ``"constant"`` zeros, ``"edge"`` repeats the last pixel, ``"reflect"`` mirrors).
    """
    import cv2
    import keras

    grey = np.ndim(image) == 2
    image, kernel = _check(image, kernel, border)
    kh, kw = kernel.shape
    padded = ops.pad(image, "same", (kh, kw), mode=border)
    channels = padded.transpose(2, 0, 1)[..., None]  # each channel becomes a 1-channel image

    by_opencv = cv2.filter2D(image, cv2.CV_32F, kernel, borderType=BORDERS[border])
    by_numpy = np.stack([ops.correlate2d(c[..., 0], kernel) for c in channels], axis=-1)
    conv = keras.layers.Conv2D(1, (kh, kw), use_bias=False, trainable=False)
    conv.build((None, *channels.shape[1:]))
    conv.set_weights([kernel[:, :, None, None]])
    by_keras = np.asarray(conv(channels))[..., 0].transpose(1, 2, 0)
    results = {"opencv": by_opencv.reshape(by_numpy.shape), "numpy": by_numpy,
               "keras": by_keras}
    return {name: r[..., 0] if grey else r for name, r in results.items()}


def _check(image, kernel, border):
    image = np.asarray(image)
    kernel = np.asarray(kernel, np.float32)
    if not np.issubdtype(image.dtype, np.number) or image.ndim not in (2, 3):
        raise ValueError(f"image has dtype {image.dtype} and shape {image.shape}: "
                         "expected a numeric (H, W) or (H, W, C) array")
    if kernel.ndim != 2 or kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise ValueError(f"kernel has shape {kernel.shape}: expected a 2-D kernel with odd "
                         "height and width (OpenCV centres even kernels differently)")
    if border not in BORDERS:
        raise ValueError(f"border={border!r} is not supported: use one of {', '.join(BORDERS)}")
    image = image.astype(np.float32)
    return (image[..., None] if image.ndim == 2 else image), kernel
