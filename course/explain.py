"""Looking inside a trained CNN. Introduced in lesson 09.

Feature maps of chosen layers and the first layer's filters as pictures (here), and,
written in lesson 09 and saved below: Grad-CAM heat maps (with ``tf.GradientTape``),
maximally activating inputs (regularized gradient ascent on the input), receptive
fields and the real patches that excite a channel most. All work on functional Keras
models with channels-last images scaled to [0, 1] (``top_patches``: uint8 images).
"""

from __future__ import annotations

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from course import filters, viz


def last_conv_layer(model: keras.Model) -> str:
    """The name of the last ``Conv2D`` layer: where Grad-CAM usually looks."""
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if not convs:
        raise ValueError(f"model {model.name!r} has no Conv2D layer")
    return convs[-1]


def feature_maps(model: keras.Model, images, layer_names) -> list[np.ndarray]:
    """The outputs of the named layers for ``images`` (a batch), in inference mode."""
    probe = keras.Model(model.input, [model.get_layer(n).output for n in layer_names])
    outputs = probe(np.asarray(images, dtype="float32"), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [np.asarray(o) for o in outputs]


def show_feature_maps(maps, names, channels: int = 8, size: float = 1.1, image=None,
                      image_title: str = "input"):
    """One row per layer: the first ``channels`` feature maps of one image, on one colour
    scale per row (0 to the row's largest value, the bar at its right), so that a dark
    map is a channel that found little, not one stretched to its own range. With
    ``image``, every row starts with that input, to compare the maps with."""
    first = 0 if image is None else 1
    fig, axes = plt.subplots(len(maps), channels + first, squeeze=False, layout="constrained",
                             figsize=((channels + first) * size + 0.8, len(maps) * (size + 0.25)))
    for row, (fmap, name) in zip(axes, zip(maps, names, strict=True), strict=True):
        if image is not None:
            row[0].imshow(image)
            row[0].set_title(image_title, fontsize=7)
            row[0].axis("off")
        top = float(fmap[..., :channels].max()) or 1.0
        for k, ax in enumerate(row[first:]):
            shown = ax.imshow(fmap[..., k], cmap="viridis", vmin=0, vmax=top)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"channel {k}", fontsize=7)
            if k == 0:
                ax.set_ylabel(f"{name}\n{fmap.shape[0]}x{fmap.shape[1]}", fontsize=7)
        fig.colorbar(shown, ax=row[first:].tolist(), shrink=0.9, label="activation")
    plt.show()


def show_map_rows(rows, row_labels, column_titles, size: float = 1.3):
    """Rows of heat maps (each (N, h, w)), each map drawn from 0 to its own maximum."""
    fig, axes = plt.subplots(len(rows), len(column_titles), squeeze=False, layout="constrained",
                             figsize=(len(column_titles) * size + 0.8, len(rows) * size + 0.3))
    for r, (maps, label) in enumerate(zip(rows, row_labels, strict=True)):
        for c, heat in enumerate(maps):
            peak = float(np.max(heat)) or 1.0
            shown = axes[r, c].imshow(heat / peak, cmap="inferno", vmin=0, vmax=1)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
            if r == 0:
                axes[r, c].set_title(column_titles[c], fontsize=7)
        axes[r, 0].set_ylabel(label, fontsize=8)
    fig.colorbar(shown, ax=axes.ravel().tolist(), shrink=0.8, label="fraction of the map's maximum")
    plt.show()


def filter_images(kernel) -> np.ndarray:
    """A (F, F, 3, K) first-layer kernel as K RGB pictures, each scaled to [0, 1]."""
    return viz.unit_scaled(np.asarray(kernel).transpose(3, 0, 1, 2), axis=(1, 2, 3))


def upsample(heatmaps, size) -> np.ndarray:
    """Heat maps (N, h, w) resized bilinearly to (N, size[0], size[1])."""
    maps = tf.image.resize(np.asarray(heatmaps, dtype="float32")[..., None], size)
    return maps.numpy()[..., 0]


def show_grad_cam(images, heatmaps, titles=None, colors=None, row_labels=None,
                  size: float = 1.5):
    """Each image above its Grad-CAM heat map(s) laid over it (jet colours, half transparent).

    ``heatmaps``: an (N, h, w) array, or a list of them for several rows of maps (say,
    the predicted and the true class), labelled by ``row_labels``.
    """
    images = np.asarray(images)
    rows = [heatmaps] if isinstance(heatmaps, np.ndarray) else list(heatmaps)
    rows = [upsample(maps, images.shape[1:3]) for maps in rows]
    n = len(images)
    fig, axes = plt.subplots(1 + len(rows), n, squeeze=False,
                             figsize=(n * size, (1 + len(rows)) * size + 0.4))
    for i in range(n):
        axes[0, i].imshow(images[i])
        for r, maps in enumerate(rows, start=1):
            axes[r, i].imshow(images[i])
            axes[r, i].imshow(maps[i], cmap="jet", alpha=0.5, vmin=0, vmax=1)
        if titles is not None:
            axes[0, i].set_title(str(titles[i]), fontsize=8,
                                 color=colors[i] if colors else "black")
        for ax in axes[:, i]:
            ax.set_xticks([])
            ax.set_yticks([])
    for r, label in enumerate(row_labels or [], start=1):
        axes[r, 0].set_ylabel(label, fontsize=8)
    fig.tight_layout()
    plt.show()


# >>> from notebooks/09_what_the_network_sees.ipynb: edit the lesson, then `python -m course export`

def grad_cam(model: keras.Model, images, layer_name: str, class_index=None) -> np.ndarray:
    """Grad-CAM heat maps (N, h, w) in [0, 1] at the resolution of ``layer_name``.

    For each image: the gradient of the class score (the predicted class unless
    ``class_index`` is given, one class for all or one per image) with respect to the
    layer's feature maps A_k, averaged over space, weights each map:
    ``relu(sum_k w_k A_k)``, then scaled so its maximum is 1 (all zeros when nothing
    speaks for the class). Selvaraju et al., 2017.

    The class score is the logit, before the softmax, as in the paper: when the model
    ends in a softmax ``Dense`` layer, its pre-activation is used.
    """
    images = tf.convert_to_tensor(np.asarray(images, dtype="float32"))
    head = model.layers[-1]
    softmax_head = (isinstance(head, keras.layers.Dense)
                    and getattr(head.activation, "__name__", "") == "softmax")
    scored = head.input if softmax_head else model.output
    probe = keras.Model(model.input, [model.get_layer(layer_name).output, scored])
    with tf.GradientTape() as tape:
        features, scores = probe(images, training=False)
        if softmax_head:  # the logits: the softmax layer's own affine map, no softmax
            scores = tf.matmul(scores, head.kernel) + (head.bias if head.use_bias else 0.0)
        if class_index is None:
            chosen = tf.argmax(scores, axis=1)
        else:
            chosen = tf.broadcast_to(tf.cast(class_index, tf.int64), tf.shape(scores)[:1])
        score = tf.gather(scores, chosen, axis=1, batch_dims=1)
    grads = tape.gradient(score, features)  # (N, h, w, K)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)  # (N, 1, 1, K)
    cam = tf.nn.relu(tf.reduce_sum(weights * features, axis=-1)).numpy()
    peak = cam.max(axis=(1, 2), keepdims=True)
    return np.where(peak > 0, cam / np.where(peak > 0, peak, 1), 0.0)


def rank_correlation(a, b) -> float:
    """Spearman's rank correlation of two maps with the same number of values: 1 for the
    same ordering of places, about 0 for unrelated ones; tied values share their mean
    rank. 0 when either map is constant (it orders nothing)."""
    def ranks(x):
        _, inverse, counts = np.unique(np.ravel(x), return_inverse=True, return_counts=True)
        return (np.cumsum(counts) - (counts - 1) / 2)[inverse]

    ra, rb = ranks(a), ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def reinitialize(model: keras.Model, layer_names, seed: int = 0) -> None:
    """Re-draw the named layers' weights in place from their own initializers, as a new
    model would get them (kernels random, biases 0, batch-norm statistics reset)."""
    for i, name in enumerate(layer_names):
        layer = model.get_layer(name)
        for variable in layer.weights:
            kind = variable.path.split("/")[-1]  # kernel, bias, gamma, beta, moving_mean, ...
            initializer = getattr(layer, f"{kind}_initializer")
            config = initializer.get_config()
            if "seed" in config:  # a random initializer: a fresh draw for this seed
                initializer = type(initializer).from_config({**config, "seed": 1000 * seed + i})
            variable.assign(initializer(variable.shape, dtype=variable.dtype))


def guided_backprop(model: keras.Model, images, class_index) -> np.ndarray:
    """Guided backpropagation (Springenberg et al., 2015) for a chain of layers whose
    ReLUs are ``ReLU`` layers and whose last layer is a ``Dense`` one: the gradient of
    the class logit (before any softmax) with respect to the input, where every ReLU
    passes back only positive gradients at positive inputs. Returns (N, H, W): the
    absolute gradient summed over the colour channels."""
    @tf.custom_gradient
    def guided_relu(x):
        def grad(dy):
            return dy * tf.cast(dy > 0, dy.dtype) * tf.cast(x > 0, dy.dtype)
        return tf.nn.relu(x), grad

    x = tf.convert_to_tensor(np.asarray(images, dtype="float32"))
    head = model.layers[-1]
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = x
        for layer in model.layers[1:-1]:
            relu = isinstance(layer, keras.layers.ReLU)
            h = guided_relu(h) if relu else layer(h, training=False)
        logits = tf.matmul(h, head.kernel) + (head.bias if head.use_bias else 0.0)
        chosen = tf.broadcast_to(tf.cast(class_index, tf.int64), tf.shape(logits)[:1])
        score = tf.gather(logits, chosen, axis=1, batch_dims=1)
    return np.abs(tape.gradient(score, x).numpy()).sum(axis=-1)


def grey_out(images, heatmaps, fraction: float = 0.2, seed: int = 0) -> np.ndarray:
    """The images (N, H, W, C) in [0, 1] with exactly ``round(fraction * H * W)`` pixels
    set to grey (0.5): those where each heat map, upsampled to (H, W), is highest; ties
    broken at random (``seed``)."""
    images = np.asarray(images, dtype="float32")
    maps = tf.image.resize(np.asarray(heatmaps, dtype="float32")[..., None], images.shape[1:3])
    maps = maps.numpy().reshape(len(images), -1)
    count = round(fraction * maps.shape[1])
    tie_break = np.random.default_rng(seed).random(maps.shape)
    mask = np.zeros(maps.shape, dtype=bool)
    for row, values, ties in zip(mask, maps, tie_break, strict=True):
        row[np.lexsort((ties, -values))[:count]] = True  # highest first, ties at random
    return np.where(mask.reshape(images.shape[:3])[..., None], 0.5, images).astype("float32")


def max_activation(model: keras.Model, layer_name: str, channel: int, steps: int = 40,
                   step_size: float = 0.05, jitter: int = 0, blur: float = 0.0,
                   seed: int = 0) -> np.ndarray:
    """An input that strongly activates one channel: gradient ascent from grey noise.

    Each step moves the image along the normalized gradient of the channel's mean
    activation and keeps it in [0, 1]. ``jitter``: first roll the image by up to that
    many pixels at random; ``blur``: after the step, smooth it with a 5x5 Gaussian of
    that sigma (reflected at the border). Returns the (H, W, C) image.
    """
    probe = keras.Model(model.input, model.get_layer(layer_name).output)
    rng = np.random.default_rng(seed)
    shape = (1, *model.input_shape[1:])
    image = tf.Variable(0.5 + 0.05 * rng.standard_normal(shape).astype("float32"))
    if blur > 0:
        kernel = filters.gaussian_kernel(5, blur)[:, :, None, None]
        kernel = tf.constant(np.repeat(kernel, shape[-1], axis=2))
    for _ in range(steps):
        shift = rng.integers(-jitter, jitter + 1, size=2) if jitter else (0, 0)
        with tf.GradientTape() as tape:
            shifted = tf.roll(image, shift=[int(s) for s in shift], axis=[1, 2])
            activation = tf.reduce_mean(probe(shifted, training=False)[..., channel])
        grad = tape.gradient(activation, image)
        updated = image + step_size * grad / (tf.math.reduce_std(grad) + 1e-8)
        if blur > 0:
            padded = tf.pad(updated, [[0, 0], [2, 2], [2, 2], [0, 0]], mode="REFLECT")
            updated = tf.nn.depthwise_conv2d(padded, kernel, [1, 1, 1, 1], "VALID")
        image.assign(tf.clip_by_value(updated, 0.0, 1.0))
    return image.numpy()[0]


def receptive_field(model: keras.Model, layer_name: str) -> tuple[int, int, float]:
    """(size, jump, first) of ``layer_name``'s units in input pixels, for a chain of layers.

    ``size``: the side of the square one unit sees; ``jump``: the distance between two
    neighbouring units' fields; ``first``: the centre of unit 0's field. A convolution
    or pooling with kernel k and stride s adds (k - 1) * jump to the size and multiplies
    the jump by s; "same" padding moves the fields back by the padding.
    """
    size, jump, first = 1, 1, 0.0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            if tuple(layer.dilation_rate) != (1, 1):
                raise ValueError(f"{layer.name} is dilated: receptive_field assumes it is not")
            k = layer.kernel_size[0]
        elif isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
            k = layer.pool_size[0]
        else:
            k = None
        if k is not None:
            pad = (k - 1) // 2 if layer.padding == "same" else 0
            first += ((k - 1) / 2 - pad) * jump
            size += (k - 1) * jump
            jump *= layer.strides[0]
        if layer.name == layer_name:
            return size, jump, first
    raise ValueError(f"model {model.name!r} has no layer {layer_name!r}")


def top_patches(model: keras.Model, images, layer_name: str, channels, count: int = 8,
                batch_size: int = 500) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For each of ``channels``: the ``count`` uint8 ``images`` whose strongest unit of the
    channel fires most, cut to that unit's receptive field (grey beyond the border), as
    (patches, activations, the images' indices). One pass over ``images`` serves every
    channel."""
    size, jump, first = receptive_field(model, layer_name)
    probe = keras.Model(model.input, model.get_layer(layer_name).output)
    peaks, places = [], []
    for start in range(0, len(images), batch_size):
        batch = np.asarray(images[start:start + batch_size], dtype="float32") / 255.0
        maps = np.asarray(probe(batch, training=False))[..., list(channels)]
        flat = maps.reshape(len(maps), -1, len(channels))  # (image, position, channel)
        peaks.append(flat.max(axis=1))
        rows, cols = np.unravel_index(flat.argmax(axis=1), maps.shape[1:3])
        places.append(np.stack([rows, cols], -1))  # (image, channel, 2)
    peaks, places = np.concatenate(peaks), np.concatenate(places)
    found = []
    for k in range(len(channels)):
        best = np.argsort(-peaks[:, k], kind="stable")[:count]
        padded = np.pad(np.asarray(images)[best], ((0, 0), (size, size), (size, size), (0, 0)),
                        constant_values=128)
        patches = []
        for image, (row, col) in zip(padded, places[best, k], strict=True):
            top, left = (round(first + p * jump - (size - 1) / 2) + size for p in (row, col))
            patches.append(image[top:top + size, left:left + size])
        found.append((np.stack(patches), peaks[best, k], best))
    return found

# <<< end of notebooks/09_what_the_network_sees.ipynb
