"""Pictures the lessons share. Introduced in lesson 00."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator


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
                  beta: float = 0.95, labels=None):
    """Each batch's training loss (a moving average, see :func:`smooth`) against epochs,
    and ``val_metric`` at the end of every epoch, for ``course.train.Run``s, named by
    ``labels`` (default: each run's model name). Lesson 07.

    Unlike Keras' per-epoch running means, the loss curve has a point per batch, so two
    epochs still show how fast each model learns.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    for i, run in enumerate(runs):
        label = labels[i] if labels else run.name
        steps = np.arange(1, len(run.batch_loss) + 1) / max(run.steps_per_epoch, 1)
        left.plot(steps, smooth(run.batch_loss, beta), color=f"C{i}", label=label)
        if val_metric in run.history:
            values = run.history[val_metric]
            right.plot(range(1, len(values) + 1), values, "o-", color=f"C{i}", label=label)
    left.set(xlabel="epoch", title=f"training loss per batch (moving average, β = {beta})")
    right.set(xlabel="epoch", title=f"{val_label} {val_metric.removeprefix('val_')}")
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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
                        size: float = 2.2, kernel=None):
    """Step through a sliding-window operation: input with the window, output so far.

    ``x`` is the 2-D input, ``window`` the (height, width) of the kernel or pooling window,
    ``out`` the full 2-D result; ``steps`` lists which output positions to draw (default:
    all). Each column is titled with the window's number in the order the windows are
    visited (row by row) and the rows and columns it covers. With ``kernel`` (a
    correlation's weights, of shape ``window``) each window cell also shows its weight
    (red, small), a middle row shows the window's element-wise products and their sum, and
    that sum is the output cell filled in orange below; a ``ValueError`` says so if ``out``
    is not that sum. Introduced in lesson 02.
    """
    out = np.asarray(out)
    positions = [(i, j) for i in range(out.shape[0]) for j in range(out.shape[1])]
    steps = positions if steps is None else [tuple(step) for step in steps]
    rows = 2 if kernel is None else 3
    fig, axes = plt.subplots(rows, len(steps), figsize=(len(steps) * size, rows * size),
                             squeeze=False)
    for col, step in enumerate(steps):
        _window_step(axes[:, col], x, window, out, stride, kernel, step)
    if kernel is not None:
        axes[1, 0].set_ylabel("window × kernel", fontsize=8)
    fig.tight_layout()
    plt.show()


def _window_step(axes, x, window, out, stride, kernel, step):
    """One column of ``show_sliding_window``: the window, (its products,) the output so far."""
    x, out = np.asarray(x), np.asarray(out)
    (h, w), (i, j) = window, step
    positions = [(r, c) for r in range(out.shape[0]) for c in range(out.shape[1])]
    top, bottom = axes[0], axes[-1]
    r0, c0 = i * stride, j * stride
    _grid(top, x, highlight=(r0, c0, h, w))
    top.set_title(f"window {positions.index((i, j)) + 1} of {len(positions)}: "
                  f"rows {r0}-{r0 + h - 1}, cols {c0}-{c0 + w - 1}", fontsize=8)
    shown = np.full(out.shape, np.nan)
    for r, c in positions[: positions.index((i, j)) + 1]:
        shown[r, c] = out[r, c]
    _grid(bottom, shown, highlight=(i, j, 1, 1), fill=kernel is not None)
    bottom.set_title(f"output[{i}, {j}] = {out[i, j]:g}"
                     + (", the sum" if kernel is not None else ""), fontsize=8)
    if kernel is None:
        return
    weights = np.asarray(kernel)
    patch = x[r0:r0 + h, c0:c0 + w]
    products = patch * weights
    if not np.isclose(products.sum(), out[i, j]):
        raise ValueError(f"out[{i}, {j}] = {out[i, j]:g} is not the sum of the window "
                         f"times the kernel ({products.sum():g})")
    for (a, b), weight in np.ndenumerate(weights):
        top.text(c0 + b + 0.45, r0 + a + 0.45, f"×{weight:g}", ha="right", va="bottom",
                 fontsize=6.5, color="red")
    labels = np.array([f"{v:g}×{k:g}\n= {v * k:g}" for v, k in
                       zip(patch.flat, weights.flat, strict=True)]).reshape(h, w)
    _grid(axes[1], products.astype(float), labels=labels, fontsize=7)
    terms = " + ".join(f"{p:g}" for p in products.flat)
    axes[1].set_title(f"{terms}\n= {products.sum():g}", fontsize=7)


def animate(draw, frames: int, figsize=(6.0, 3.0), interval: int = 900, dpi: int = 72):
    """Play ``draw(fig, k)`` for k = 0 .. frames - 1 under the cell. Introduced in lesson 02.

    Shows the last frame as a still picture first (what GitHub, the site and other viewers
    that run no JavaScript show), then the animation as HTML with play controls; returns
    the HTML's size in bytes (the lessons keep each under 1 MB).
    """
    from IPython.display import HTML, display
    from matplotlib import animation

    still = plt.figure(figsize=figsize, dpi=dpi)
    draw(still, frames - 1)
    plt.show()
    fig = plt.figure(figsize=figsize, dpi=dpi)

    def update(k):
        fig.clear()
        draw(fig, k)

    html = animation.FuncAnimation(fig, update, frames=frames, interval=interval).to_jshtml(
        default_mode="once")
    plt.close(fig)
    html = _offline_controls(html)
    display(HTML(html))
    return len(html.encode())


# matplotlib's player draws its buttons with Font Awesome icons from a CDN: offline (the
# site, a course without network) they would be blank, so they become characters
_ICONS = {"fa fa-fast-backward": "⏮", "fa fa-step-backward": "◁", "fa fa-play fa-flip-horizontal":
          "◀", "fa fa-pause": "⏸", "fa fa-play": "▶", "fa fa-step-forward": "▷",
          "fa fa-fast-forward": "⏭", "fa fa-minus": "−", "fa fa-plus": "+"}


def _offline_controls(html: str) -> str:
    """The player's HTML without its stylesheet from the network, icons as characters."""
    import re

    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">\n?', "",
                  html)
    for icon, char in _ICONS.items():
        html = html.replace(f'<i class="{icon}"></i>', char)
    return html


def animate_sliding_window(x, window, out, kernel=None, stride: int = 1, size: float = 2.6):
    """``show_sliding_window`` as an animation, one window per frame, its panels side by
    side (input, products, output) at 100 dpi, so that the still is legible. Lesson 02."""
    out = np.asarray(out)
    positions = [(i, j) for i in range(out.shape[0]) for j in range(out.shape[1])]
    panels = 2 if kernel is None else 3

    def draw(fig, k):
        axes = fig.subplots(1, panels)
        _window_step(axes, x, window, out, stride, kernel, positions[k])
        fig.tight_layout()

    return animate(draw, len(positions), figsize=(panels * size, size * 1.1), dpi=100)


def _grid(ax, values, highlight=None, labels=None, fill=False, fontsize=9, signed=False):
    """Draw a small matrix with its numbers (or ``labels``) and a red box (row, col,
    height, width); ``fill`` also paints the boxed cells orange. ``signed`` colours
    negative values red and positive ones blue, 0 white (otherwise all are shades of blue)."""
    finite = np.isfinite(values)
    top = 2 * max(1, np.nanmax(np.abs(values)) if finite.any() else 1)  # pale: numbers legible
    ax.imshow(np.nan_to_num(values, nan=0), cmap="RdBu" if signed else "Blues",
              vmin=-top if signed else 0, vmax=top)
    for (r, c), v in np.ndenumerate(values):
        if np.isfinite(v):
            text = f"{v:g}" if labels is None else labels[r, c]
            ax.text(c, r, text, ha="center", va="center", fontsize=fontsize)
    if highlight is not None:
        r, c, h, w = highlight
        if fill:
            ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), w, h, color="#ffc266"))
        ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), w, h, fill=False, color="red", lw=2,
                                   clip_on=False))
    ax.set_xticks([])
    ax.set_yticks([])


def conv_taps(n, f, stride=1, padding=0, dilation=1):
    """The input cells each output cell of a 2-D convolution reads. Lesson 02.

    For an ``n`` x ``n`` input with ``padding`` zeros on each side, an ``f`` x ``f``
    kernel, ``stride`` and ``dilation``: a dict ``{(i, j): [(row, col), ...]}`` in the
    padded input's coordinates (the real input starts at ``(padding, padding)``).
    Windows that do not fit are dropped, as Keras does.
    """
    span = dilation * (f - 1) + 1
    size = (n + 2 * padding - span) // stride + 1
    return {(i, j): [(i * stride + a * dilation, j * stride + b * dilation)
                     for a in range(f) for b in range(f)]
            for i in range(size) for j in range(size)}


def show_conv_geometry(cases, size: float = 2.6):
    """Which input cells an output cell reads, one column per layer setting. Lesson 02.

    ``cases`` is a list of dicts with ``n`` (the input's side) and ``f`` (the kernel's),
    and optionally ``stride``, ``padding`` (zeros on each side), ``dilation``, ``title``
    and ``outputs``: the output cells to mark (default ``[(0, 0)]``), each in its own
    colour. Top: the input (zero padding grey, marked "0"); a dot on every cell a marked
    output reads and a box around its span; input cells that *no* output reads are
    crossed out. Bottom: the output grid, on the same cell scale, with the marked cells.
    """
    colours = ("tab:red", "tab:blue", "tab:green")
    fig, axes = plt.subplots(2, len(cases), figsize=(len(cases) * size, 2 * size),
                             squeeze=False, gridspec_kw={"height_ratios": (1.25, 1)})
    for col, case in enumerate(cases):
        n, f = case["n"], case["f"]
        s, p, d = case.get("stride", 1), case.get("padding", 0), case.get("dilation", 1)
        marked = [tuple(cell) for cell in case.get("outputs", [(0, 0)])]
        taps = conv_taps(n, f, s, p, d)
        side, span = n + 2 * p, d * (f - 1) + 1
        size_out = (side - span) // s + 1
        top, bottom = axes[0, col], axes[1, col]
        real = np.zeros((side, side), bool)
        real[p:p + n, p:p + n] = True
        _cells(top, side, colour=lambda r, c, real=real: "white" if real[r, c] else "0.85")
        for r, c in zip(*np.nonzero(~real), strict=True):
            top.text(c, r, "0", ha="center", va="center", fontsize=7, color="0.45")
        read = {cell for cells in taps.values() for cell in cells}
        never = [(r, c) for r, c in zip(*np.nonzero(real), strict=True) if (r, c) not in read]
        for r, c in never:
            top.plot([c - 0.35, c + 0.35], [r - 0.35, r + 0.35], color="0.5", lw=1)
            top.plot([c - 0.35, c + 0.35], [r + 0.35, r - 0.35], color="0.5", lw=1)
        offsets = np.linspace(-0.18, 0.18, len(marked)) if len(marked) > 1 else [0.0]
        for k, cell in enumerate(marked):
            rows, cols = np.array(taps[cell]).T
            top.scatter(cols + offsets[k], rows, s=28, color=colours[k], zorder=3)
            top.add_patch(plt.Rectangle((cols.min() - 0.5, rows.min() - 0.5), span, span,
                                        fill=False, color=colours[k], lw=2))
        _cells(bottom, size_out, colour=lambda r, c: "white", extent=side)
        for k, (r, c) in enumerate(marked):
            bottom.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, color=colours[k]))
        words = [f"{f}x{f} kernel"] + [f"{name} {value}" for name, value, default in
                                       (("stride", s, 1), ("padding", p, 0),
                                        ("dilation", d, 1)) if value != default]
        note = f"; {len(never)} never read" if never else ""
        top.set_title(case.get("title", ", ".join(words)) +
                      f"\ninput {n}x{n}" + (f", padded to {side}x{side}" if p else "") + note,
                      fontsize=8)
        bottom.set_title(f"output {size_out}x{size_out}", fontsize=8)
    fig.tight_layout()
    plt.show()


def _cells(ax, side, colour, extent=None):
    """A ``side`` x ``side`` grid of squares coloured by ``colour(row, col)``, drawn on an
    ``extent`` x ``extent`` canvas (default: ``side``) so that grids share a cell size, with
    a sliver of margin so that the outer lines (and boxes drawn on them) are not clipped."""
    extent = side if extent is None else extent
    for r in range(side):
        for c in range(side):
            ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=colour(r, c),
                                       edgecolor="0.3", lw=0.8))
    margin = (extent - side) / 2 + 0.06
    ax.set_xlim(-0.5 - margin, side - 0.5 + margin)
    ax.set_ylim(side - 0.5 + margin, -0.5 - margin)
    ax.set_aspect("equal")
    ax.axis("off")


def show_channel_links(links, size: float = 2.2):
    """Which input channels each filter reads: one bool ``(filters, channels)`` matrix per
    panel, e.g. measured from a Keras layer for each ``groups`` value. Lesson 02.

    ``links`` maps a panel title to its matrix; filter 0's row is boxed in red.
    """
    fig, axes = plt.subplots(1, len(links), figsize=(len(links) * size, size + 0.4),
                             squeeze=False)
    for ax, (title, matrix) in zip(axes[0], links.items(), strict=True):
        matrix = np.asarray(matrix, bool)
        ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1.4)
        k, c = matrix.shape
        ax.set_xticks(range(c), [str(i) for i in range(c)], fontsize=7)
        ax.set_yticks(range(k), [str(i) for i in range(k)], fontsize=7)
        ax.set_xticks(np.arange(c + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(k + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="0.3", lw=0.8)
        ax.tick_params(which="minor", length=0)
        ax.add_patch(plt.Rectangle((-0.5, -0.5), c, 1, fill=False, color="red", lw=2.5))
        ax.set_xlabel("input channel", fontsize=8)
        ax.set_ylabel("filter (output channel)", fontsize=8)
        ax.set_title(f"{title}\nfilter 0 reads {int(matrix[0].sum())} of {c}", fontsize=8)
    fig.tight_layout()
    plt.show()


def show_channel_sum(x, k, bias: float = 0.0, at=(0, 0), size: float = 1.7):
    """One filter on a multi-channel input, taken apart. Lesson 02.

    ``x`` is ``(H, W, C)`` and ``k`` one filter ``(kh, kw, C)``. Row ``c``: channel ``c``
    of the input with the window at output cell ``at``, the kernel's slice ``c``, and the
    map that slice makes on its channel. Right: the sum of the ``C`` maps plus ``bias``,
    the one output map, with cell ``at`` written out as that sum. Cells are blue where
    positive, red where negative, white at 0.
    """
    from course import ops

    x, k = np.asarray(x, float), np.asarray(k, float)
    channels, (kh, kw) = x.shape[-1], k.shape[:2]
    maps = [ops.correlate2d(x[..., c], k[..., c]) for c in range(channels)]
    total = sum(maps) + bias
    i, j = at
    fig = plt.figure(figsize=(4.5 * size + 0.6, channels * size))
    spec = fig.add_gridspec(channels, 4, width_ratios=(1, 1, 1, 1.5))
    for c in range(channels):
        axes = [fig.add_subplot(spec[c, col]) for col in range(3)]
        _grid(axes[0], x[..., c], highlight=(i, j, kh, kw), signed=True)
        _grid(axes[1], k[..., c], signed=True)
        _grid(axes[2], maps[c], highlight=(i, j, 1, 1), fill=True, signed=True)
        axes[0].set_ylabel(f"channel {c}", fontsize=8)
        for ax, title in zip(axes, (f"input, channel {c}", f"kernel slice {c}",
                                    f"map {c} = input {c} $\\star$ slice {c}"), strict=True):
            ax.set_title(title, fontsize=8)
    out = fig.add_subplot(spec[channels // 2, 3])
    _grid(out, total, highlight=(i, j, 1, 1), fill=True, signed=True)
    terms = " + ".join(f"{m[i, j]:g}" for m in maps)
    out.set_title(f"output = the {channels} maps summed + bias\n"
                  f"[{i}, {j}]: {terms} + {bias:g} = {total[i, j]:g}", fontsize=8)
    fig.tight_layout()
    plt.show()
