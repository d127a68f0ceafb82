"""Looking inside a trained CNN. Introduced in lesson 09.

Feature maps of chosen layers, the first layer's filters as pictures, Grad-CAM heat
maps (computed with ``tf.GradientTape``) and maximally activating inputs (gradient
ascent on the input). All work on functional Keras models with channels-last images
scaled to [0, 1].
"""

from __future__ import annotations

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf


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


def show_feature_maps(maps, names, channels: int = 8, size: float = 1.1):
    """One row per layer: the first ``channels`` feature maps of one image."""
    fig, axes = plt.subplots(len(maps), channels, squeeze=False,
                             figsize=(channels * size, len(maps) * (size + 0.25)))
    for row, (fmap, name) in zip(axes, zip(maps, names, strict=True), strict=True):
        for k, ax in enumerate(row):
            ax.imshow(fmap[..., k], cmap="viridis")
            ax.set_xticks([])
            ax.set_yticks([])
            if k == 0:
                ax.set_ylabel(f"{name}\n{fmap.shape[0]}x{fmap.shape[1]}", fontsize=7)
    fig.tight_layout()
    plt.show()


def filter_images(kernel) -> np.ndarray:
    """A (F, F, 3, K) first-layer kernel as K RGB pictures, each scaled to [0, 1]."""
    kernel = np.asarray(kernel, dtype=np.float64).transpose(3, 0, 1, 2)  # (K, F, F, 3)
    low = kernel.min(axis=(1, 2, 3), keepdims=True)
    high = kernel.max(axis=(1, 2, 3), keepdims=True)
    return (kernel - low) / np.maximum(high - low, 1e-12)


def grad_cam(model: keras.Model, images, layer_name: str, class_index=None) -> np.ndarray:
    """Grad-CAM heat maps (N, h, w) in [0, 1] at the resolution of ``layer_name``.

    For each image: the gradient of the class score (the predicted class unless
    ``class_index`` is given) with respect to the layer's feature maps A_k, averaged
    over space, weights each map: ``relu(sum_k w_k A_k)``, then scaled so its maximum
    is 1 (all zeros when nothing speaks for the class). Selvaraju et al., 2017.

    The class score is the logit, before the softmax, as in the paper: when the model
    ends in a softmax ``Dense`` layer, its pre-activation is used. (The softmax
    probability's gradient also carries every other class's score.)
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


def upsample(heatmaps, size) -> np.ndarray:
    """Heat maps (N, h, w) resized bilinearly to (N, size[0], size[1])."""
    maps = tf.image.resize(np.asarray(heatmaps, dtype="float32")[..., None], size)
    return maps.numpy()[..., 0]


def show_grad_cam(images, heatmaps, titles=None, colors=None, size: float = 1.5):
    """Each image above its Grad-CAM heat map laid over it (jet colours, half transparent)."""
    images = np.asarray(images)
    heatmaps = upsample(heatmaps, images.shape[1:3])
    n = len(images)
    fig, axes = plt.subplots(2, n, squeeze=False, figsize=(n * size, 2 * size + 0.4))
    for i in range(n):
        axes[0, i].imshow(images[i])
        axes[1, i].imshow(images[i])
        axes[1, i].imshow(heatmaps[i], cmap="jet", alpha=0.5, vmin=0, vmax=1)
        if titles is not None:
            axes[0, i].set_title(str(titles[i]), fontsize=8,
                                 color=colors[i] if colors else "black")
        for ax in axes[:, i]:
            ax.axis("off")
    fig.tight_layout()
    plt.show()


def max_activation(model: keras.Model, layer_name: str, channel: int, steps: int = 40,
                   step_size: float = 0.05, seed: int = 0) -> np.ndarray:
    """An input that strongly activates one channel: gradient ascent from grey noise.

    Each step moves the image along the sign-free, normalized gradient of the channel's
    mean activation and keeps it in [0, 1]. Returns the (H, W, C) image.
    """
    probe = keras.Model(model.input, model.get_layer(layer_name).output)
    rng = np.random.default_rng(seed)
    shape = (1, *model.input_shape[1:])
    image = tf.Variable(0.5 + 0.05 * rng.standard_normal(shape).astype("float32"))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            activation = tf.reduce_mean(probe(image, training=False)[..., channel])
        grad = tape.gradient(activation, image)
        grad /= tf.math.reduce_std(grad) + 1e-8
        image.assign(tf.clip_by_value(image + step_size * grad, 0.0, 1.0))
    return image.numpy()[0]
