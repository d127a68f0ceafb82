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
    nrows = max(1, math.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15),
                             squeeze=False)
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
