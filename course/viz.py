"""Pictures the lessons share. Introduced in lesson 00."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np


def show_images(images, titles=None, ncols: int = 8, size: float = 1.4, colors=None,
                suptitle: str | None = None):
    """Show images in a grid with optional titles (and title colours, e.g. green/red).

    Grey images may be (H, W) or (H, W, 1); values are shown as they are (uint8 or 0..1).
    """
    images = list(images)
    ncols = min(ncols, len(images))
    nrows = max(1, math.ceil(len(images) / ncols))
    aspect = np.shape(images[0])[0] / np.shape(images[0])[1]  # height / width
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(ncols * size, nrows * (size * aspect + 0.3)))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        image = np.asarray(images[i])
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8, color=colors[i] if colors else "black")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    plt.show()
