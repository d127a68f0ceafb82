"""Convolution and pooling in plain NumPy: the reference the lessons build up and reuse.

Layout is NHWC, as in Keras: an image is ``(H, W)`` (one channel), ``(H, W, C)`` or a
batch ``(N, H, W, C)``; a kernel is ``(kh, kw)`` for a one-channel image or
``(kh, kw, C_in, C_out)``, the shape of a Keras ``Conv2D.kernel``. The 1-D and 3-D
versions follow Keras ``Conv1D`` and ``Conv3D`` the same way.

There are no loops over pixels: ``sliding_window_view`` shows every window of the
padded input at once (a view, no copy) and one ``tensordot`` multiplies all the windows
by the kernel. The exceptions are at the end of the file: the lessons' own loop versions,
``corr2d`` (lesson 01) and ``pool2d_loops`` (lesson 03), saved from their cells, which
spell the operations out one output pixel at a time and which the lessons show equal to
the fast ones. Results are float32 for float32 inputs and float64 otherwise. Bool and
integer arrays are accepted as numbers; strings, objects and complex numbers are not.

Like Keras and ``cv2.filter2D``, the "convolutions" here are cross-correlations;
``convolve2d`` flips the kernel to give the textbook convolution.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

PAD_MODES = ("constant", "reflect", "edge", "wrap")
POOL_MODES = ("max", "avg", "min")
_SPATIAL = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
_TAPS = {1: ("kl",), 2: ("kh", "kw"), 3: ("kd", "kh", "kw")}
# Axes added to bring an input to the batched, channels-last layout (N, *spatial, C).
_ADDED = {"single": (0, -1), "image": (0,), "batch": ()}


# ---------------------------------------------------------------- arithmetic (lesson 02)


def output_size(n, f, stride=1, padding="valid", dilation=1, strict=True):
    """Output length of a convolution or pooling along one axis. Introduced in lesson 02.

    ``(N - D*(F-1) - 1 + 2P) / S + 1`` for ``n`` input pixels, ``f`` kernel taps,
    stride ``S``, dilation ``D`` and padding ``P``. ``padding`` is ``"valid"`` (none;
    leftover pixels are dropped, as in Keras), ``"same"`` (Keras: ``ceil(n / stride)``),
    an int, or a ``(before, after)`` pair. With explicit padding the division must be
    exact; ``strict=False`` floors it instead, as Keras and PyTorch do.

    >>> output_size(28, 4, stride=2, padding=1)  # 28x28 image, 4x4 kernel
    14
    >>> output_size(32, 5, padding=2)
    32
    >>> output_size(28, 5)
    24
    """
    n, f = _positive_int(n, "n"), _positive_int(f, "f")
    (s,), (d,) = _ints(stride, "stride", 1), _ints(dilation, "dilation", 1)
    pads = [_axis_padding(padding, n, (f - 1) * d + 1, s, strict)]
    _check_fits((n,), pads, (f,), (d,), names=("input n", "f"))
    return (n + sum(pads[0]) - (f - 1) * d - 1) // s + 1


def conv_params(f, c_in, c_out, bias=True):
    """Trainable parameters of a conv layer: ``f*f*c_in`` weights (+1 bias) per filter.

    ``f`` is an int or a ``(kh, kw)`` pair. Ten 5x5 filters on an RGB image have
    ``5*5*3 + 1 = 76`` parameters each, 760 in all. Introduced in lesson 02.
    """
    kh, kw = _ints(f, "f", 2)
    c_in, c_out = _positive_int(c_in, "c_in"), _positive_int(c_out, "c_out")
    return (kh * kw * c_in + int(bool(bias))) * c_out


def conv_macs(h_out, w_out, f, c_in, c_out):
    """Multiply-accumulates of a conv layer: an ``f*f*c_in`` dot product per output value.

    GoogLeNet's 5x5 branch, 28x28x192 -> 28x28x32, costs ``28*28*32*5*5*192 =
    120,422,400`` (~120M); a 16-channel 1x1 bottleneck first brings it to
    ``28*28*16*192 + 28*28*32*5*5*16 = 12,443,648`` (~12.4M). ``f`` is an int or
    ``(kh, kw)``. Introduced in lesson 02.
    """
    kh, kw = _ints(f, "f", 2)
    names = ("h_out", "w_out", "c_in", "c_out")
    h_out, w_out, c_in, c_out = (_positive_int(v, name) for v, name in
                                 zip((h_out, w_out, c_in, c_out), names, strict=True))
    return h_out * w_out * c_out * kh * kw * c_in


# ---------------------------------------------------------------- padding and filters (lesson 01)


def pad(x, padding, kernel_size, stride=1, dilation=1, mode="constant"):
    """Pad the spatial axes of an ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)`` image.

    ``padding`` is ``"valid"`` (nothing), ``"same"`` (as TensorFlow: when the total is
    odd, the extra pixel goes at the bottom/right), an int, or a ``(before, after)`` pair.
    ``mode`` fills the border: ``"constant"`` zeros, ``"reflect"`` mirrors without
    repeating the edge pixel (OpenCV's BORDER_REFLECT_101), ``"edge"`` repeats the edge
    pixel, ``"wrap"`` tiles the image. Introduced in lesson 01.
    """
    xb, layout = _image(x)
    if mode not in PAD_MODES:
        raise ValueError(f"mode={mode!r} is not a border mode: use {_choices(PAD_MODES)}")
    pads = _padding(padding, xb.shape[1:3], _ints(kernel_size, "kernel_size", 2),
                    _ints(stride, "stride", 2), _ints(dilation, "dilation", 2))
    return _unbatched(np.pad(xb, [(0, 0), *pads, (0, 0)], mode=mode), layout)


def correlate2d(x, k, stride=1, padding="valid", dilation=1):
    """Cross-correlation: what Keras ``Conv2D`` and ``cv2.filter2D`` compute.

    ``y[i, j] = sum over a, b (and input channels) of x[i*s + a*d, j*s + b*d] * k[a, b]``
    on the padded input. ``x`` is ``(H, W)`` with ``k`` ``(kh, kw)`` -> ``(H', W')``, or
    ``(H, W, C)`` / ``(N, H, W, C)`` with ``k`` ``(kh, kw, C, K)`` -> ``(..., H', W', K)``.
    ``stride`` and ``dilation`` are ints or ``(sh, sw)`` pairs; ``padding`` as in ``pad``.
    Introduced in lesson 01.
    """
    return _correlate(x, k, 2, stride, padding, dilation)


def convolve2d(x, k, stride=1, padding="valid", dilation=1):
    """True convolution: ``correlate2d`` with the kernel flipped top-bottom and left-right.

    Same arguments as ``correlate2d``. Introduced in lesson 01.
    """
    return _correlate(x, k, 2, stride, padding, dilation, flip=True)


# ---------------------------------------------------------------- other dimensions (lesson 02)


def correlate1d(x, k, stride=1, padding="valid", dilation=1):
    """1-D cross-correlation, like Keras ``Conv1D``. Introduced in lesson 02.

    ``x`` is ``(L,)`` with ``k`` ``(kl,)``, or ``(L, C)`` / ``(N, L, C)`` with ``k``
    ``(kl, C, K)``. The other arguments are as in ``correlate2d``, with single ints.
    """
    return _correlate(x, k, 1, stride, padding, dilation)


def correlate3d(x, k, stride=1, padding="valid", dilation=1):
    """3-D cross-correlation, like Keras ``Conv3D`` (videos, volumes). Introduced in lesson 02.

    ``x`` is ``(D, H, W)`` with ``k`` ``(kd, kh, kw)``, or ``(D, H, W, C)`` /
    ``(N, D, H, W, C)`` with ``k`` ``(kd, kh, kw, C, K)``. The other arguments are as in
    ``correlate2d``, with triples instead of pairs.
    """
    return _correlate(x, k, 3, stride, padding, dilation)


# ---------------------------------------------------------------- pooling (lesson 03)


def pool2d(x, size=2, stride=None, padding="valid", mode="max"):
    """Max, average or min pooling of each channel of an image. Introduced in lesson 03.

    ``x`` is ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``; ``size`` and ``stride`` are
    ints or pairs, and ``stride`` defaults to ``size`` (as in Keras). ``padding`` is
    ``"valid"`` or ``"same"``; padded cells never win: they count as -inf for max and
    +inf for min, and the average is over the real cells only (as Keras
    ``AveragePooling2D``).
    """
    xb, layout, size, strides, pads, mode = _pool_setup(x, size, stride, padding, mode)
    windows = _pool_windows(xb, size, strides, pads, mode)
    if mode == "avg":
        pooled = windows.sum(axis=(-2, -1)) / _pool_counts(xb, size, strides, pads)
    else:
        pooled = windows.max(axis=(-2, -1)) if mode == "max" else windows.min(axis=(-2, -1))
    return _unbatched(pooled, layout)


# ---------------------------------------------------------------- backward passes (lesson 04)


def correlate2d_backward(x, k, grad_out, stride=1, padding="valid", dilation=1):
    """Gradients ``(grad_x, grad_k)`` of ``correlate2d``, given ``grad_out = dL/dy``.

    - ``dL/dx`` is a *full convolution* of ``grad_out`` with ``k``: spread ``grad_out``
      out by the stride (zeros in between), pad it by the dilated kernel size minus one
      on each side, and correlate it with the flipped kernel (channels in and out swapped).
    - ``dL/dk`` is a *correlation* of the padded input with ``grad_out`` as the kernel,
      summed over the batch, with stride and dilation swapping roles.

    Shapes are as in ``correlate2d``: ``grad_x`` like ``x``, ``grad_k`` like ``k``.
    Introduced in lesson 04.
    """
    xb, kb, layout, strides, pads, dilations = _conv_setup(x, k, 2, stride, padding, dilation)
    xp = _pad_spatial(xb, pads)
    out_shape = (*_windows(xp, kb.shape[:2], strides, dilations).shape[:3], kb.shape[-1])
    g = _grad_out(grad_out, out_shape, layout)
    grad_x = _unpad(_conv_grad_input(g, kb, strides, dilations, xp.shape), pads, xb.shape)
    grad_k = _conv_grad_kernel(xp, g, strides, dilations, kb.shape[:2])
    return _unbatched(grad_x, layout), (grad_k[..., 0, 0] if layout == "single" else grad_k)


def pool2d_backward(x, grad_out, size=2, stride=None, padding="valid", mode="max"):
    """Gradient of ``pool2d`` with respect to ``x``, given ``grad_out = dL/dy``.

    Max and min pooling route each window's gradient to the cell that won it (on a tie,
    the first in row-major order, as TensorFlow does); average pooling shares it evenly
    among the window's real cells. Arguments as in ``pool2d``. Introduced in lesson 04.
    """
    xb, layout, size, strides, pads, mode = _pool_setup(x, size, stride, padding, mode)
    windows = _pool_windows(xb, size, strides, pads, mode)  # (N, H', W', C, fh, fw)
    g = _grad_out(grad_out, windows.shape[:4], layout)
    if mode == "avg":
        share = np.broadcast_to((g / _pool_counts(xb, size, strides, pads))[..., None, None],
                                windows.shape)
    else:
        flat = windows.reshape(*windows.shape[:4], -1)
        winner = flat.argmax(-1) if mode == "max" else flat.argmin(-1)  # first on ties
        one_hot = np.arange(flat.shape[-1]) == winner[..., None]
        share = one_hot.reshape(windows.shape) * g[..., None, None]
    (fh, fw), (sh, sw), (ho, wo) = size, strides, windows.shape[1:3]
    grad_xp = np.zeros_like(_pad_spatial(xb, pads), dtype=share.dtype)
    for a in range(fh):  # tap (a, b) of window (i, j) sits on padded pixel (i*sh + a, j*sw + b)
        for b in range(fw):
            grad_xp[:, a:a + sh * ho:sh, b:b + sw * wo:sw] += share[..., a, b]
    return _unbatched(_unpad(grad_xp, pads, xb.shape), layout)


def _conv_grad_input(g, k, strides, dilations, padded_shape):
    """dL/dxp: the full convolution of ``g`` (N, H', W', K) with ``k`` (kh, kw, C, K).

    Output pixel (i, j) used padded pixel (p, q) = (i*sh + a*dh, j*sw + b*dw) through tap
    (a, b), so dL/dxp[p, q] sums g[i, j] * k[a, b] over those pairs.
    """
    (sh, sw), (dh, dw), (kh, kw) = strides, dilations, k.shape[:2]
    n, ho, wo, k_out = g.shape
    spread = np.zeros((n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, k_out), np.result_type(g, k))
    spread[:, ::sh, ::sw] = g  # the stride's gaps become zeros
    full = _pad_spatial(spread, [((kh - 1) * dh,) * 2, ((kw - 1) * dw,) * 2])
    flipped = k[::-1, ::-1].transpose(0, 1, 3, 2)  # (kh, kw, K, C)
    grad_xp = _correlate_core(full, flipped, (1, 1), dilations)
    # Bottom/right pixels that no window reached (left over by the stride) get no gradient.
    return _pad_spatial(grad_xp, [(0, padded_shape[1] - grad_xp.shape[1]),
                                  (0, padded_shape[2] - grad_xp.shape[2])])


def _conv_grad_kernel(xp, g, strides, dilations, taps):
    """dL/dk[a, b, c, o] = sum over n, i, j of xp[n, i*sh + a*dh, j*sw + b*dw, c] * g[n, i, j, o].

    That is a correlation of the padded input with ``g`` as the kernel: the batch becomes
    the summed channel axis, the channels become the batch, and stride and dilation swap.
    """
    grad_k = _correlate_core(xp.transpose(3, 1, 2, 0), g.transpose(1, 2, 0, 3),
                             dilations, strides)  # (C, kh', kw', K)
    return grad_k[:, :taps[0], :taps[1]].transpose(1, 2, 0, 3)  # crop what a stride left over


# ---------------------------------------------------------------- the shared core


def _correlate(x, k, n, stride, padding, dilation, flip=False):
    """Check the arguments of an n-d correlation, pad, correlate, restore x's layout."""
    xb, kb, layout, strides, pads, dilations = _conv_setup(x, k, n, stride, padding, dilation)
    if flip:
        kb = np.flip(kb, axis=tuple(range(n)))
    return _unbatched(_correlate_core(_pad_spatial(xb, pads), kb, strides, dilations), layout)


def _correlate_core(xp, k, strides, dilations):
    """Valid correlation of a padded ``(N, *spatial, C)`` with ``(*taps, C, K)``."""
    n = k.ndim - 2
    windows = _windows(xp, k.shape[:n], strides, dilations)  # (N, *out, C, *taps)
    # Sum over channel and taps; in 2-D: np.einsum("nhwcij,ijck->nhwk", windows, k).
    return np.tensordot(windows, k, axes=(list(range(n + 1, 2 * n + 2)), [n, *range(n)]))


def _windows(xp, taps, strides, dilations):
    """Every window of ``xp`` (N, *spatial, C) as a view ``(N, *out, C, *taps)``."""
    spans = [(f - 1) * d + 1 for f, d in zip(taps, dilations, strict=True)]
    view = sliding_window_view(xp, spans, axis=tuple(range(1, len(taps) + 1)))
    every = [slice(None)]
    return view[tuple(every + [slice(None, None, s) for s in strides]
                      + every + [slice(None, None, d) for d in dilations])]


def _pool_windows(xb, size, strides, pads, mode):
    """Pooling windows of ``xb``, padded with a value that never wins for ``mode``."""
    fill = {"max": -np.inf, "min": np.inf, "avg": 0.0}[mode]
    return _windows(_pad_spatial(xb, pads, fill), size, strides, (1, 1))


def _pool_counts(xb, size, strides, pads):
    """How many real (not padded) cells each pooling window holds, as ``(1, H', W', 1)``."""
    ones = np.ones((1, *xb.shape[1:3], 1), xb.dtype)
    return _windows(_pad_spatial(ones, pads), size, strides, (1, 1)).sum(axis=(-2, -1))


def _pad_spatial(xb, pads, value=0.0):
    return np.pad(xb, [(0, 0), *pads, (0, 0)], constant_values=value)


def _unpad(xp, pads, shape):
    """Cut the padding ``pads`` off ``xp``, leaving the original ``(N, H, W, C)`` ``shape``."""
    (top, _), (left, _) = pads
    return xp[:, top:top + shape[1], left:left + shape[2]]


def _batched(a, layout):
    return np.expand_dims(a, _ADDED[layout])


def _unbatched(a, layout):
    return np.squeeze(a, _ADDED[layout])


# ---------------------------------------------------------------- checks


def _as_float(a, name):
    """``a`` as a float32 (if it is float32) or float64 array; reject non-numbers."""
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} has dtype {a.dtype}: use a real numeric array "
                         "(bool, int or float)")
    return a.astype(np.float32 if a.dtype == np.float32 else np.float64, copy=False)


def _prepare(x, k, n):
    """Check x and k for an n-d correlation; return ``(N, *spatial, C)``, ``(*taps, C, K)``."""
    x, k = _as_float(x, "x"), _as_float(k, "k")
    if x.ndim == n and k.ndim == n:
        layout, k = "single", k[..., None, None]
    elif x.ndim in (n + 1, n + 2) and k.ndim == n + 2:
        layout = "image" if x.ndim == n + 1 else "batch"
    else:
        space, taps = _SPATIAL[n], _TAPS[n]
        raise ValueError(
            f"x has shape {x.shape} and k has shape {k.shape}: correlate{n}d takes x "
            f"{_shape_text(space)} with k {_shape_text(taps)}, or x {_shape_text(space + ('C',))}"
            f" or {_shape_text(('N', *space, 'C'))} with k {_shape_text(taps + ('C', 'K'))}")
    xb = _batched(x, layout)
    if xb.shape[-1] != k.shape[-2]:
        raise ValueError(f"x has {xb.shape[-1]} channels but k has shape {k.shape}, i.e. "
                         f"{k.shape[-2]} input channels: the channel counts must match")
    return xb, k, layout


def _conv_setup(x, k, n, stride, padding, dilation):
    """Check the arguments of an n-d correlation; return them in the batched layout."""
    xb, kb, layout = _prepare(x, k, n)
    strides, dilations = _ints(stride, "stride", n), _ints(dilation, "dilation", n)
    pads = _padding(padding, xb.shape[1:n + 1], kb.shape[:n], strides, dilations)
    _check_fits(xb.shape[1:n + 1], pads, kb.shape[:n], dilations)
    return xb, kb, layout, strides, pads, dilations


def _image(x):
    """Check an image for ``pad``/``pool2d``; return it as ``(N, H, W, C)`` and its layout."""
    x = _as_float(x, "x")
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"x has shape {x.shape}: expected (H, W), (H, W, C) or (N, H, W, C)")
    layout = {2: "single", 3: "image", 4: "batch"}[x.ndim]
    return _batched(x, layout), layout


def _pool_setup(x, size, stride, padding, mode):
    """Check the arguments of ``pool2d``; return them in the batched layout."""
    xb, layout = _image(x)
    if mode not in POOL_MODES:
        raise ValueError(f"mode={mode!r} is not a pooling mode: use {_choices(POOL_MODES)}")
    if not (isinstance(padding, str) and padding in ("valid", "same")):
        raise ValueError(f"padding={padding!r} is not a pooling padding: use 'valid' or 'same'")
    size = _ints(size, "size", 2)
    strides = size if stride is None else _ints(stride, "stride", 2)
    pads = _padding(padding, xb.shape[1:3], size, strides, (1, 1))
    _check_fits(xb.shape[1:3], pads, size, (1, 1), names=("x", "size"))
    return xb, layout, size, strides, pads, mode


def _grad_out(grad_out, batched_shape, layout):
    """Check that ``grad_out`` has the forward output's shape; return it batched."""
    g = _as_float(grad_out, "grad_out")
    expected = _unbatched(np.broadcast_to(0, batched_shape), layout).shape
    if g.shape != expected:
        raise ValueError(f"grad_out has shape {g.shape}: expected {expected}, the shape of "
                         "the forward pass's output")
    return _batched(g, layout)


def _padding(padding, spatial, taps, strides, dilations):
    """``(before, after)`` padding for each spatial axis."""
    return [_axis_padding(padding, n, (f - 1) * d + 1, s)
            for n, f, s, d in zip(spatial, taps, strides, dilations, strict=True)]


def _axis_padding(padding, n, span, stride, strict=True):
    """``(before, after)`` padding of an axis of ``n`` pixels for a kernel spanning ``span``."""
    if isinstance(padding, str) and padding == "valid":
        return 0, 0
    if isinstance(padding, str) and padding == "same":  # TensorFlow's rule
        total = max((-(-n // stride) - 1) * stride + span - n, 0)
        return total // 2, total - total // 2
    before, after = _explicit_padding(padding)
    rest = n + before + after - span
    if strict and rest >= 0 and rest % stride:
        sizes = (f"(N - F + 2P) / S + 1 = ({n} - {span} + 2·{before})" if before == after
                 else f"(N - F + P_before + P_after) / S + 1 = ({n} - {span} + {before} + {after})")
        raise ValueError(
            f"output size {sizes} / {stride} + 1 = {rest / stride + 1:g} is not an integer "
            f"(padding={padding!r}, stride={stride}): Keras and PyTorch would floor it to "
            f"{rest // stride + 1} (output_size(..., strict=False) does too); choose a "
            "padding and stride that divide exactly")
    return before, after


def _explicit_padding(padding):
    """An int or ``(before, after)`` pair of ints >= 0, as a pair."""
    pair = (padding, padding) if _is_int(padding) else padding
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(map(_is_int, pair))):
        raise ValueError(f"padding={padding!r} is not a padding mode: use 'valid', 'same', "
                         "an int, or a (before, after) pair")
    if min(pair) < 0:
        raise ValueError(f"padding={padding!r} is negative: explicit padding must be >= 0")
    return int(pair[0]), int(pair[1])


def _check_fits(spatial, pads, taps, dilations, names=("x", "k")):
    """Raise if the (dilated) kernel is larger than the padded input on some axis."""
    padded = tuple(n + sum(p) for n, p in zip(spatial, pads, strict=True))
    spans = tuple((f - 1) * d + 1 for f, d in zip(taps, dilations, strict=True))
    if any(p < s for p, s in zip(padded, spans, strict=True)):
        how = "" if max(dilations) == 1 else (f" ({_size_text(taps)} taps with dilation "
                                              f"{_size_text(dilations)})")
        raise ValueError(
            f"{names[1]} spans {_size_text(spans)} pixels{how} but the padded {names[0]} is only "
            f"{_size_text(padded)}: use a smaller kernel or dilation, or more padding")


def _ints(value, name, n):
    """``value`` as a tuple of ``n`` ints >= 1; a single int is used on every axis."""
    values = value if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n or not all(_is_int(v) and v >= 1 for v in values):
        raise ValueError(f"{name}={value!r} is not allowed: use an int >= 1 or a tuple of "
                         f"{n} such ints")
    return tuple(int(v) for v in values)


def _positive_int(value, name):
    if not (_is_int(value) and value >= 1):
        raise ValueError(f"{name}={value!r} is not allowed: use an int >= 1")
    return int(value)


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _choices(options):
    return ", ".join(repr(o) for o in options[:-1]) + f" or {options[-1]!r}"


def _shape_text(names):
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


def _size_text(sizes):
    return "x".join(str(s) for s in sizes)


# >>> from notebooks/01_image_filters.ipynb: edit the lesson, then `python -m course export`

def corr2d(image, kernel):
    """Valid cross-correlation of a 2-D image with a 2-D kernel, one output pixel at a time."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out

# <<< end of notebooks/01_image_filters.ipynb


# >>> from notebooks/03_pooling.ipynb: edit the lesson, then `python -m course export`

def pool2d_loops(x, size, stride=None, mode="max"):
    """Max, average or min pooling of a 2-D array, "valid", one output cell at a time."""
    stride = size if stride is None else stride
    reduce = {"max": np.max, "avg": np.mean, "min": np.min}[mode]
    out = np.zeros(((x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = reduce(x[i * stride:i * stride + size, j * stride:j * stride + size])
    return out

# <<< end of notebooks/03_pooling.ipynb
