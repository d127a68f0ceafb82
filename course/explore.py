"""Explorers: move a setting and see what it does. Introduced in lesson 02.

Three of them, each a function of its settings (what the picture shows, and what Keras
computes for the same settings, so that a test can compare the two), a drawing, and an
``explore_*`` call for the lesson: convolution arithmetic (02), pooling (03) and a kernel
editor on a photo (01).

``conv_arithmetic`` is the convolution-arithmetic explorer's model: for an input size,
kernel, stride, padding and dilation (transposed or not) it computes the output size by
the formula, with the numbers filled in, and the size Keras' layers compute for the same
settings (``compute_output_shape``), and says whether they agree. ``draw_arithmetic``
draws the grid the kernel slides over and the output. ``explore_arithmetic`` shows one
setting as a static picture (what headless runs, nbval and the site show, with one line
saying why it is static) and, in a live notebook with ipywidgets (JupyterLab, Notebook 7,
VS Code, Colab), sliders under one figure that every change redraws in place.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

DEFAULTS = {"n": 5, "f": 3, "stride": 2, "padding": 1, "dilation": 1, "transposed": False}
LIVE: bool | None = None  # None: live where a notebook front end shows widgets; True, False force


@dataclass(frozen=True)
class Arithmetic:
    """One setting of the explorer and what the formula and Keras make of it."""

    n: int
    f: int
    stride: int
    padding: int
    dilation: int
    transposed: bool
    size: int  # the formula's output size (<= 0: the kernel does not fit)
    formula: str  # the formula with the numbers filled in
    keras: int | None  # the size Keras computes; None when Keras refuses the setting
    keras_says: str  # Keras' refusal, or ""

    @property
    def span(self) -> int:
        """How many input cells the dilated kernel covers along one axis."""
        return self.dilation * (self.f - 1) + 1

    @property
    def agree(self) -> bool:
        """The formula and Keras give the same size (or Keras refuses the setting)."""
        return bool(self.keras_says) or self.keras == (self.size if self.size > 0 else None)

    def line(self) -> str:
        """One sentence: the formula, Keras' answer, and whether they agree."""
        kind = "transposed convolution" if self.transposed else "convolution"
        if self.keras_says:
            return (f"{kind}: {self.formula}; Keras refuses: {self.keras_says} (PyTorch "
                    "computes it)")
        verdict = "they agree" if self.agree else "they DIFFER"
        return f"{kind}: {self.formula}; Keras: {self.keras or 'no output'}; {verdict}"


@functools.lru_cache(maxsize=512)
def conv_arithmetic(n, f, stride=1, padding=0, dilation=1, transposed=False) -> Arithmetic:
    """The output size of one axis by the formula and by Keras' layers.

    A convolution is ``ZeroPadding2D(padding)`` then ``Conv2D(f, strides, dilation_rate)``;
    a transposed one is ``Conv2DTranspose(f, strides, dilation_rate)`` then
    ``Cropping2D(padding)``, PyTorch's ``ConvTranspose2d(padding=P)``.
    """
    import keras

    span = dilation * (f - 1) + 1
    if transposed:
        extra = max(stride - span, 0)  # Keras pads the output to n * stride
        size = (n - 1) * stride + span + extra - 2 * padding
        formula = (f"({n} - 1)·{stride} + {span} - 2·{padding}"
                   + (f" + {extra} (Keras fills up to n·S)" if extra else "") + f" = {size}")
        layers = [lambda: keras.layers.Conv2DTranspose(1, f, strides=stride,
                                                       dilation_rate=dilation),
                  lambda: keras.layers.Cropping2D(padding)]
    else:
        size = (n + 2 * padding - span) // stride + 1
        formula = f"⌊({n} + 2·{padding} - {span}) / {stride}⌋ + 1 = {size}"
        layers = [lambda: keras.layers.ZeroPadding2D(padding),
                  lambda: keras.layers.Conv2D(1, f, strides=stride, dilation_rate=dilation)]
    shape, refusal = (None, n, n, 1), ""
    try:  # Keras refuses some settings when it builds the layer, some when it sizes it
        for layer in layers:
            shape = layer().compute_output_shape(shape)
        keras_size = int(shape[1]) if shape[1] and shape[1] > 0 else None
    except ValueError as error:
        keras_size, refusal = None, str(error).split(". Received")[0]
    return Arithmetic(n, f, stride, padding, dilation, transposed, size, formula, keras_size,
                      refusal)


def sliding_grid(a: Arithmetic) -> np.ndarray:
    """What the kernel slides over, one axis by the other: 1 for input cells, 0 for zeros
    (padding, and for a transposed convolution the zeros between input cells)."""
    if not a.transposed:
        grid = np.zeros((a.n + 2 * a.padding,) * 2, int)
        grid[a.padding:a.padding + a.n, a.padding:a.padding + a.n] = 1
        return grid
    spread = (a.n - 1) * a.stride + 1  # the input with stride - 1 zeros between its cells
    border = a.span - 1 - a.padding
    extra = max(a.stride - a.span, 0)
    line = np.zeros(spread + 2 * max(border, 0) + extra, int)
    line[max(border, 0):max(border, 0) + spread:a.stride] = 1
    if border < 0:  # padding crops more than the border adds: cut the same from each end
        line = line[-border:len(line) + border]
    return np.outer(line, line)


def drawn_output_side(a: Arithmetic) -> int:
    """The output grid's side as the picture counts it: the kernel's positions on
    ``sliding_grid`` (0 when it does not fit)."""
    step = 1 if a.transposed else a.stride
    return max((sliding_grid(a).shape[0] - a.span) // step + 1, 0)


def _grid_lines(ax, side: int) -> None:
    """Thin lines between the cells of a ``side`` x ``side`` image, no ticks or labels.
    (No major ticks: where one falls on a cell border, matplotlib drops that minor tick
    and its line.)"""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xticks(np.arange(-0.5, side), minor=True)
    ax.set_yticks(np.arange(-0.5, side), minor=True)
    ax.grid(which="minor", color="0.4", lw=0.6)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)


def draw_arithmetic(a: Arithmetic, size: float = 3.2):
    """The grid the kernel slides over, with output (0, 0)'s window, and the output grid."""
    grid, out = sliding_grid(a), drawn_output_side(a)
    colours = ("tab:red", "tab:blue")[:min(out, 2)]  # outputs (0, 0) and (0, 1), if any
    fig, (top, bottom) = plt.subplots(1, 2, figsize=(2 * size, size))
    top.imshow(grid, cmap="Greys_r", vmin=-0.6, vmax=1)
    _grid_lines(top, grid.shape[0])
    step = 1 if a.transposed else a.stride
    taps = np.arange(a.f) * a.dilation
    offsets = (-0.18, 0.18) if len(colours) > 1 else (0.0,)  # a cell both windows read
    for j, colour in enumerate(colours):                      # shows both dots side by side
        rows, cols = np.meshgrid(taps, j * step + taps, indexing="ij")
        top.scatter(cols + offsets[j], rows, s=18, color=colour, zorder=3)
    what = "input with zeros between cells" if a.transposed else "input"
    top.set_title(f"{what} ({a.n}x{a.n}; grey: zeros)\nkernel {a.f}x{a.f}, dilation "
                  f"{a.dilation}, moving {step}", fontsize=8)
    bottom.imshow(np.ones((max(out, 1),) * 2), cmap="Blues", vmin=0, vmax=3 if out else 1)
    _grid_lines(bottom, max(out, 1))
    for j, colour in enumerate(colours):
        bottom.add_patch(plt.Rectangle((j - 0.5, -0.5), 1, 1, color=colour))
    bottom.set_title(f"output {out}x{out}: the red and blue cells read the dots" if out else
                     "no output: the kernel does not fit", fontsize=8)
    fig.suptitle(a.line(), fontsize=8)
    fig.tight_layout()
    return fig


def show_arithmetic(**settings) -> None:
    """Draw one setting and print its line (what the explorer shows for it)."""
    a = conv_arithmetic(**settings)
    draw_arithmetic(a)
    plt.show()
    print(a.line())


def explore_arithmetic(**settings) -> None:
    """Show one setting (default: ``DEFAULTS``) as a picture and a line of text; in a live
    notebook with ipywidgets, sliders under it redraw it for any other setting."""
    values = {**DEFAULTS, **settings}

    def controls(widgets):
        sliders = {"n": (1, 12), "f": (1, 7), "stride": (1, 4), "padding": (0, 4),
                   "dilation": (1, 3)}
        made = {name: widgets.IntSlider(value=values[name], min=low, max=high,
                                        description=name, continuous_update=False)
                for name, (low, high) in sliders.items()}
        made["transposed"] = widgets.Checkbox(value=values["transposed"],
                                              description="transposed")
        names = list(made)
        return made, widgets.HBox([widgets.VBox([made[k] for k in names[:3]]),
                                   widgets.VBox([made[k] for k in names[3:]])])

    _explore(show_arithmetic, values, controls)


# --- pooling (lesson 03) -------------------------------------------------------------

POOL_MAP = np.array([[1, 4, 2, 0, 3, 1, 5], [2, 1, 1, 1, 0, 2, 2], [1, 0, 3, 1, 4, 0, 1],
                     [1, 0, 2, 2, 1, 3, 0], [0, 5, 1, 0, 2, 2, 4], [3, 1, 0, 4, 1, 0, 2],
                     [2, 2, 3, 1, 0, 1, 1]], dtype=np.float32)  # 7x7: odd, so "same" pads


@dataclass(frozen=True)
class Pooling:
    """One pooling setting on ``POOL_MAP``: the course's result and Keras' layer's."""

    size: int
    stride: int
    padding: str
    mode: str
    ours: np.ndarray  # course.ops.pool2d's output
    keras: np.ndarray  # the Keras layer's output on the same map

    @property
    def agree(self) -> bool:
        return self.ours.shape == self.keras.shape and bool(np.allclose(self.ours, self.keras))

    def line(self) -> str:
        h, w = self.ours.shape
        return (f"{self.mode} pooling, {self.size}x{self.size} windows, stride {self.stride}, "
                f"padding {self.padding!r}: output {h}x{w}; Keras "
                + ("computes the same numbers" if self.agree else "computes something else"))


def pooling(size=2, stride=None, padding="valid", mode="max") -> Pooling:
    """Pool ``POOL_MAP`` with ``course.ops.pool2d`` and with Keras' pooling layer."""
    import keras

    from course import ops

    stride = stride or size
    layer = {"max": keras.layers.MaxPooling2D, "avg": keras.layers.AveragePooling2D}[mode]
    keras_out = keras.ops.convert_to_numpy(
        layer(size, strides=stride, padding=padding)(POOL_MAP[None, :, :, None]))[0, :, :, 0]
    ours = ops.pool2d(POOL_MAP, size, stride=stride, padding=padding, mode=mode)
    return Pooling(size, stride, padding, mode, np.asarray(ours), keras_out)


def draw_pooling(p: Pooling, size: float = 3.0):
    """The map with the first output's window outlined, and the pooled output."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(2 * size, size))
    for ax, values, title in ((left, POOL_MAP, "input 7x7"),
                              (right, p.ours, f"output {p.ours.shape[0]}x{p.ours.shape[1]}")):
        ax.imshow(values, cmap="Blues", vmin=0, vmax=2 * POOL_MAP.max())
        for (r, c), v in np.ndenumerate(values):
            ax.text(c, r, f"{v:.3g}", ha="center", va="center", fontsize=8)
        ax.set_title(title, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    # "same" pads (total // 2) cells before the map: the first window starts there
    total = max((p.ours.shape[0] - 1) * p.stride + p.size - POOL_MAP.shape[0], 0)
    start = -(total // 2) - 0.5 if p.padding == "same" else -0.5
    right.add_patch(plt.Rectangle((-0.5, -0.5), 1, 1, fill=False, color="tab:red", lw=2))
    left.add_patch(plt.Rectangle((start, start), p.size, p.size, fill=False, color="tab:red",
                                 lw=2))
    second = p.ours.shape[1] > 1
    if second:
        left.add_patch(plt.Rectangle((start + p.stride, start), p.size, p.size, fill=False,
                                     color="tab:blue", lw=2, ls="--"))
    # widen the view to hold windows that reach into the padding, clear of the title
    low, edge = min(start, -0.5) - 0.1, POOL_MAP.shape[0] - 0.5
    left.set_xlim(low, max(start + p.stride * second + p.size, edge) + 0.1)
    left.set_ylim(max(start + p.size, edge) + 0.1, low)
    if p.padding == "same" and total:
        left.set_title(f"input 7x7, padded by {total // 2} before and\n{total - total // 2} "
                       "after (outside the grid)", fontsize=8)
    fig.suptitle(p.line(), fontsize=8)
    fig.tight_layout()
    return fig


def show_pooling(**settings) -> None:
    """Draw one pooling setting and print its line."""
    p = pooling(**settings)
    draw_pooling(p)
    plt.show()
    print(p.line())


def explore_pooling(**settings) -> None:
    """Show one pooling setting; in a live notebook, controls under it redraw it."""
    values = {"size": 3, "stride": 2, "padding": "valid", "mode": "max", **settings}
    values["stride"] = values["stride"] or values["size"]

    def controls(widgets):
        made = {name: widgets.IntSlider(value=values[name], min=1, max=4, description=name,
                                        continuous_update=False) for name in ("size", "stride")}
        made.update({name: widgets.Dropdown(options=options, value=values[name],
                                            description=name)
                     for name, options in (("padding", ["valid", "same"]),
                                           ("mode", ["max", "avg"]))})
        return made, widgets.HBox([widgets.VBox([made["size"], made["stride"]]),
                                   widgets.VBox([made["padding"], made["mode"]])])

    _explore(show_pooling, values, controls)


# --- a kernel editor (lesson 01) --------------------------------------------------------


def filtered(image, kernel) -> tuple[np.ndarray, np.ndarray]:
    """``image`` (grey, floats) correlated with ``kernel`` by OpenCV with zero borders, and
    by a Keras ``Conv2D(padding="same")`` holding the kernel: the editor shows the first."""
    import keras

    from course import filters

    grey = np.asarray(image, np.float32)
    kernel = np.asarray(kernel, np.float32)
    conv = keras.layers.Conv2D(1, kernel.shape, padding="same", use_bias=False)
    conv.build((None, *grey.shape, 1))
    conv.set_weights([kernel[:, :, None, None]])
    by_keras = keras.ops.convert_to_numpy(conv(grey[None, :, :, None]))[0, :, :, 0]
    return filters.filter_opencv(grey[..., None], kernel)[..., 0], by_keras


def draw_kernel(image, kernel, size: float = 3.2):
    """The kernel as a heat map, the photo, and the photo filtered with it."""
    out, _ = filtered(image, kernel)
    kernel = np.asarray(kernel, np.float32)
    fig, axes = plt.subplots(1, 3, figsize=(3 * size, size))
    reach = max(np.abs(kernel).max(), 1e-6)
    axes[0].imshow(kernel, cmap="RdBu_r", vmin=-reach, vmax=reach)
    for (r, c), v in np.ndenumerate(kernel):
        axes[0].text(c, r, f"{v:.2g}", ha="center", va="center", fontsize=9,
                     color="white" if abs(v) > 0.6 * reach else "black")
    axes[0].set_title(f"kernel (sum {kernel.sum():.3g})", fontsize=9)
    axes[1].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[1].set_title("input", fontsize=9)
    axes[2].imshow(np.clip(out, 0, 1), cmap="gray", vmin=0, vmax=1)
    axes[2].set_title("filtered (clipped to 0..1)", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def explore_kernel(images, kernel=((0, -1, 0), (-1, 5, -1), (0, -1, 0))) -> None:
    """Show a grey image filtered with ``kernel`` (default: sharpen). ``images`` is one
    image or a dict of them (name -> grey image): the picture shows the first; in a live
    notebook a menu under it picks the image and nine boxes edit the kernel, and the
    picture redraws."""
    images = images if isinstance(images, dict) else {"image": images}
    cells = np.asarray(kernel, float)
    values = {"photo": next(iter(images)), **{f"k{i}": v for i, v in enumerate(cells.flat)}}

    def show(photo, **weights):
        draw_kernel(images[photo], np.reshape([weights[f"k{i}"] for i in range(cells.size)],
                                              cells.shape))
        plt.show()

    def controls(widgets):
        made = {"photo": widgets.Dropdown(options=list(images), value=values["photo"],
                                          description="photo")}
        made.update({name: widgets.FloatText(value=float(v), layout=widgets.Layout(
            width="5em")) for name, v in values.items() if name != "photo"})
        boxes = widgets.GridBox([made[f"k{i}"] for i in range(cells.size)],
                                layout=widgets.Layout(grid_template_columns=(
                                    f"repeat({cells.shape[1]}, 6em)")))
        return made, widgets.VBox([made["photo"], boxes])

    _explore(show, values, controls)


def _explore(show, values: dict, controls) -> None:
    """``show(**values)`` draws the picture (and prints its line).

    Live (``why_static`` says ""): ``controls(ipywidgets)`` gives ``{name: widget}`` and
    their layout; one ``Output`` above the controls holds the picture, and every change
    clears it and draws the new one there, so no stale figure is left. Otherwise the
    picture for ``values``, and one line saying why it is static.
    """
    why = why_static()
    if why:
        show(**values)
        print(f"static picture: {why}")
        return
    import ipywidgets as widgets
    from IPython.display import display

    made, layout = controls(widgets)
    display(widgets.interactive_output(show, made), layout)


def why_static() -> str:
    """Why the explorers show a static picture here, in a few words; "" when they go live:
    in a live notebook front end (``course.runtime.colab.no_live_front_end``) that draws
    figures inline, with ipywidgets installed. ``LIVE`` = True or False forces it."""
    import importlib.util

    import matplotlib

    from course import viz
    from course.runtime import colab

    if LIVE is False:
        return "course.explore.LIVE is False"
    why = "" if LIVE else colab.no_live_front_end()
    if why:
        return why
    if importlib.util.find_spec("ipywidgets") is None:
        return "ipywidgets is not installed"
    if not viz.can_display():
        return f"matplotlib's backend ({matplotlib.get_backend()}) draws outside the notebook"
    return ""
