"""Named image kernels and one kernel applied three ways. Introduced in lesson 01.

The kernels and the input checks are written here; the Gaussian kernel and the three
ways of filtering (``cv2.filter2D``, the NumPy reference in ``course.ops`` and a Keras
``Conv2D`` whose weights are the kernel) are written in lesson 01 and saved here from
it (``#@save filters``, see ``course.tools.export``).
"""

from __future__ import annotations

import cv2
import keras
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


def checked(image, kernel, border: str = "constant"):
    """``image`` as float32 (H, W, C) and ``kernel`` as float32, or a ValueError that says
    what is wrong with them (a grey (H, W) image gets a channel axis)."""
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


# >>> from notebooks/01_image_filters.ipynb: edit the lesson, then `python -m course export`

def gaussian_kernel(size=5, sigma=3.0):
    """A size x size Gaussian kernel: cv2.getGaussianKernel's column times its transpose."""
    column = cv2.getGaussianKernel(size, sigma).astype(np.float32)
    return column @ column.T


def filter_opencv(image, kernel, border="constant"):
    """Correlate each channel of a float (H, W, C) image with ``kernel``: OpenCV."""
    out = cv2.filter2D(image, cv2.CV_32F, kernel, borderType=BORDERS[border])
    return out.reshape(image.shape)  # filter2D drops the axis of a single channel


def filter_numpy(image, kernel, border="constant"):
    """The same with the NumPy reference, one channel at a time."""
    padded = ops.pad(image, "same", kernel.shape, mode=border)
    channels = [ops.correlate2d(padded[..., c], kernel) for c in range(image.shape[-1])]
    return np.stack(channels, axis=-1)


def filter_keras(image, kernel, border="constant"):
    """The same with a Conv2D layer whose one filter is the kernel."""
    padded = ops.pad(image, "same", kernel.shape, mode=border)
    batch = padded.transpose(2, 0, 1)[..., None]  # C images of one channel: (C, H, W, 1)
    conv = keras.layers.Conv2D(1, kernel.shape, use_bias=False, trainable=False)
    conv.build(batch.shape)
    conv.set_weights([kernel[:, :, None, None]])  # (height, width, in, out)
    return np.asarray(conv(batch))[..., 0].transpose(1, 2, 0)


def apply_three_ways(image, kernel, border="constant"):
    """``{"opencv", "numpy", "keras"}`` -> ``image`` correlated with ``kernel`` that way.

    ``image``: (H, W) or (H, W, C), any numbers; ``border``: "constant" (zeros), "edge"
    (repeat the last pixel) or "reflect" (mirror).
    """
    grey = np.ndim(image) == 2
    image, kernel = checked(image, kernel, border)
    ways = {"opencv": filter_opencv, "numpy": filter_numpy, "keras": filter_keras}
    out = {name: way(image, kernel, border) for name, way in ways.items()}
    return {name: result[..., 0] if grey else result for name, result in out.items()}

# <<< end of notebooks/01_image_filters.ipynb
