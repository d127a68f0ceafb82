"""Pictures the lessons share. Introduced in lesson 00."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np


def show_images(images, titles=None, ncols: int = 8, size: float = 1.4, colors=None,
                suptitle: str | None = None, vrange: tuple[float, float] | None = None):
    """Show images in a grid with optional titles (and title colours, e.g. green/red).

    Grey images may be (H, W) or (H, W, 1). Matplotlib stretches each grey panel from its
    own darkest to its brightest value; pass ``vrange=(low, high)`` to put every grey
    panel on that one scale instead, so that panels can be compared. Colour images are
    shown as they are (uint8, or floats in 0..1).
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
        if image.ndim == 2:
            low, high = vrange or (None, None)
            ax.imshow(image, cmap="gray", vmin=low, vmax=high)
        else:
            ax.imshow(image)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8, color=colors[i] if colors else "black")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    plt.show()


def curves_figure(curves, metrics=("loss", "accuracy"), xlabel: str = "epoch",
                  val_label: str = "validation"):
    """A figure with one panel per metric, training solid and validation dashed. Lesson 05.

    ``curves`` maps a label (a model's name, or "") to ``{key: (xs, ys)}`` with keys
    such as ``"loss"`` and ``"val_loss"``; ``val_label`` names what the ``val_`` curves
    were measured on ("test" when a lesson passed its test set). Returns the figure.
    """
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes.flat, metrics, strict=True):
        for i, (label, series) in enumerate(curves.items()):
            for key, style, part in ((metric, "-", "training"),
                                     (f"val_{metric}", "--o", val_label)):
                if key in series:
                    xs, ys = series[key]
                    ax.plot(xs, ys, style, color=f"C{i}", markersize=4,
                            label=f"{label} {part}".strip())
        ax.set(xlabel=xlabel, title=metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_history(runs, metrics=("loss", "accuracy"), val_label: str = "validation"):
    """Per-epoch curves of one or more ``course.train.Run``s in one figure. Lesson 05."""
    curves = {run.name: {key: (range(1, len(values) + 1), values)
                         for key, values in run.history.items()} for run in runs}
    curves_figure(curves, metrics, val_label=val_label)
    plt.show()


def smooth(values, beta: float = 0.9) -> np.ndarray:
    """Exponential moving average with bias correction (as fastai smooths its LR finder,
    and TensorBoard its scalars): each point is ``beta`` of the last average plus
    ``1 - beta`` of the new value; the correction keeps the first points unbiased."""
    out, average = [], 0.0
    for i, v in enumerate(np.asarray(values, dtype=float), 1):
        average = beta * average + (1 - beta) * v
        out.append(average / (1 - beta**i))
    return np.array(out)


def unit_scaled(values, axis, scale: tuple[float, float] | None = None) -> np.ndarray:
    """``values`` mapped to [0, 1] for drawing: over ``axis`` on their own (each filter
    of a kernel from its own lowest to its highest weight), or, with
    ``scale=(low, high)``, all on that one range (clipped to it), so that pictures of
    different kernels can be compared. A constant part maps to 0."""
    values = np.asarray(values, dtype=np.float64)
    if scale is None:
        low, high = values.min(axis=axis, keepdims=True), values.max(axis=axis, keepdims=True)
    else:
        low, high = (float(v) for v in scale)
        values = np.clip(values, low, high)
    span = np.asarray(high - low)
    return (values - low) / np.where(span > 0, span, 1)


def can_display() -> bool:
    """True when figures can be shown in a notebook's output. Lesson 11.

    That needs an IPython kernel (Jupyter, Colab, nbclient) *and* a matplotlib backend
    that draws into the notebook (``inline`` or the ``ipympl`` widget). A script, pytest,
    or ``MPLBACKEND=Agg`` give False: there, ``train.LivePlot`` writes its figure to a file.
    """
    import matplotlib

    backend = matplotlib.get_backend().lower()
    if not any(name in backend for name in ("inline", "ipympl", "widget")):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def plot_training(runs, val_metric: str = "val_accuracy", val_label: str = "test",
                  beta: float = 0.95):
    """Each batch's training loss (a moving average, see :func:`smooth`) against epochs,
    and ``val_metric`` at the end of every epoch, for ``course.train.Run``s. Lesson 07.

    Unlike Keras' per-epoch running means, the loss curve has a point per batch, so two
    epochs still show how fast each model learns.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    for i, run in enumerate(runs):
        steps = np.arange(1, len(run.batch_loss) + 1) / max(run.steps_per_epoch, 1)
        left.plot(steps, smooth(run.batch_loss, beta), color=f"C{i}", label=run.name)
        if val_metric in run.history:
            values = run.history[val_metric]
            right.plot(range(1, len(values) + 1), values, "o-", color=f"C{i}", label=run.name)
    left.set(xlabel="epoch", title=f"training loss per batch (moving average, β = {beta})")
    right.set(xlabel="epoch", title=f"{val_label} {val_metric.removeprefix('val_')}")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


def plot_confusion(confusion, class_names, title: str = ""):
    """A confusion matrix (rows: true class, columns: predicted) with counts. Lesson 05."""
    confusion = np.asarray(confusion)
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    ax.imshow(confusion, cmap="Blues")
    ticks = range(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(ticks, class_names, fontsize=8)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    threshold = confusion.max() / 2
    for (i, j), count in np.ndenumerate(confusion):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                color="white" if count > threshold else "black")
    fig.tight_layout()
    plt.show()


def show_sliding_window(x, window: tuple[int, int], out, stride: int = 1, steps=None,
                        size: float = 2.2):
    """Step through a sliding-window operation: input with the window, output so far.

    ``x`` is the 2-D input, ``window`` the (height, width) of the kernel or pooling window,
    ``out`` the full 2-D result; ``steps`` lists which output positions to draw (default:
    all). Introduced in lesson 02.
    """
    x, out = np.asarray(x), np.asarray(out)
    positions = [(i, j) for i in range(out.shape[0]) for j in range(out.shape[1])]
    steps = positions if steps is None else steps
    fig, axes = plt.subplots(2, len(steps), figsize=(len(steps) * size, 2 * size),
                             squeeze=False)
    for col, (i, j) in enumerate(steps):
        top, bottom = axes[0, col], axes[1, col]
        _grid(top, x, highlight=(i * stride, j * stride, *window))
        shown = np.full(out.shape, np.nan)
        done = positions[: positions.index((i, j)) + 1]
        for r, c in done:
            shown[r, c] = out[r, c]
        _grid(bottom, shown, highlight=(i, j, 1, 1))
        top.set_title(f"step {col + 1}: window at ({i * stride}, {j * stride})", fontsize=8)
        bottom.set_title(f"output[{i}, {j}] = {out[i, j]:g}", fontsize=8)
    fig.tight_layout()
    plt.show()


def _grid(ax, values, highlight):
    """Draw a small matrix with its numbers and a red box (row, col, height, width)."""
    top = np.nanmax(values) if np.isfinite(values).any() else 1
    ax.imshow(np.nan_to_num(values, nan=0), cmap="Blues", vmin=0, vmax=2 * max(1, top))
    for (r, c), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=9)
    r, c, h, w = highlight
    ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), w, h, fill=False, color="red", lw=2))
    ax.set_xticks([])
    ax.set_yticks([])
