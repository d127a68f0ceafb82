"""The networks the lessons train or inspect, each in one screen. Introduced in lesson 05.

Every builder returns an uncompiled Keras model with named layers, so that a summary
reads the same whenever it is printed. The models end in a softmax: train them with
``sparse_categorical_crossentropy`` (``course.train.fit`` does). The softmax layer is
float32 even under mixed precision (a GPU, or bfloat16 on a CPU), as the Keras mixed-precision guide
advises: in float16 the smallest probabilities round to zero.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

# Lessons 05-07 count a model's multiplications with it; the trial runs use it too, from
# the runtime, which imports no teaching module.
from course.runtime.cost import multiplies  # noqa: F401

# --- lesson 05: first CNNs ---------------------------------------------------------------


# >>> from notebooks/05_first_cnns.ipynb: edit the lesson, then `python -m course export`

def mnist_cnn(num_classes=10):
    """The notes' MNIST CNN: conv 1->32 and 32->64 (3x3, same), max-pool 2, FC 3136->10."""
    return keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dense(num_classes, activation="softmax", dtype="float32", name="fc"),
    ], name="mnist_cnn")


def fashion_dnn(num_classes=10):
    """Note 004's dense network for Fashion-MNIST: 784-256-128-10 with dropout 0.25."""
    return keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        layers.Flatten(name="flatten"),
        layers.Dense(256, activation="relu", name="fc1"),
        layers.Dropout(0.25, name="dropout"),
        layers.Dense(128, activation="relu", name="fc2"),
        layers.Dense(num_classes, activation="softmax", dtype="float32", name="fc3"),
    ], name="fashion_dnn")


def fashion_cnn(num_classes=10, batch_norm=True):
    """Note 004's CNN: conv32+BN+ReLU+pool, conv64+BN+ReLU+pool, FC 2304-600-120-10.

    The first convolution is padded (28 -> 28 -> pool 14), the second is not
    (14 -> 12 -> pool 6), hence 6 * 6 * 64 = 2304 features. Batch normalization uses
    PyTorch's default momentum (0.9 in Keras' terms), as the notes did;
    ``batch_norm=False`` leaves it out.
    """
    def stage(filters, padding, i):
        conv = [layers.Conv2D(filters, 3, padding=padding, name=f"conv{i}")]
        if batch_norm:
            conv.append(layers.BatchNormalization(momentum=0.9, name=f"bn{i}"))
        return [*conv, layers.ReLU(name=f"relu{i}"), layers.MaxPooling2D(2, name=f"pool{i}")]

    return keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        *stage(32, "same", 1),
        *stage(64, "valid", 2),
        layers.Flatten(name="flatten"),
        layers.Dense(600, activation="relu", name="fc1"),
        layers.Dropout(0.25, name="dropout"),
        layers.Dense(120, activation="relu", name="fc2"),
        layers.Dense(num_classes, activation="softmax", dtype="float32", name="fc3"),
    ], name="fashion_cnn" if batch_norm else "fashion_cnn_no_bn")

# <<< end of notebooks/05_first_cnns.ipynb


# --- lesson 06: classic architectures -----------------------------------------------------


# >>> from notebooks/06_classic_architectures.ipynb: edit the lesson, then `python -m course export`

def alexnet(num_classes=1000, input_shape=(227, 227, 3)):
    """AlexNet exactly as the notes' table: one layer per row, 227x227x3 in.

    Like the table (and unlike the 2012 paper) it has no local response normalization,
    no split over two GPUs and no dropout, so the summary lists the table's rows.
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc6")(x)
    x = layers.Dense(4096, activation="relu", name="fc7")(x)
    # float32 softmax, even where mixed precision runs the other layers in 16 bits
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="fc8")(x)
    return keras.Model(inputs, outputs, name="alexnet")


def inception_module(x, c1, c3_reduce, c3, c5_reduce, c5, pool_proj, name="inception"):
    """GoogLeNet's inception module: four branches concatenated along the channels.

    1x1; 1x1 reduction then 3x3; 1x1 reduction then 5x5; 3x3 max-pool then 1x1
    projection. A ``*_reduce`` or ``pool_proj`` of 0 leaves that 1x1 convolution out
    (the naive module).
    """

    def conv(y, filters, size, part):
        return layers.Conv2D(filters, size, padding="same", activation="relu",
                             name=f"{name}_{part}")(y)

    def reduce(y, filters, part):
        return conv(y, filters, 1, part) if filters else y

    b1 = conv(x, c1, 1, "1x1")
    b3 = conv(reduce(x, c3_reduce, "3x3_reduce"), c3, 3, "3x3")
    b5 = conv(reduce(x, c5_reduce, "5x5_reduce"), c5, 5, "5x5")
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    bp = reduce(pooled, pool_proj, "pool_proj")
    return layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


def vgg_block(x, convs, filters, name="block"):
    """VGG's block: ``convs`` 3x3 convolutions (padded, each with a ReLU), then a 2x2 max-pool."""
    for i in range(1, convs + 1):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu",
                          name=f"{name}_conv{i}")(x)
    return layers.MaxPooling2D(2, name=f"{name}_pool")(x)

# <<< end of notebooks/06_classic_architectures.ipynb


# --- lesson 07: plain vs residual ---------------------------------------------------------


def residual_add(shortcut, fx, name=None):
    """``shortcut + F(x)``, after checking that the two shapes match. Lesson 07."""
    if tuple(shortcut.shape[1:]) != tuple(fx.shape[1:]):
        raise ValueError(
            f"cannot add the shortcut of shape {tuple(shortcut.shape[1:])} to F(x) of shape "
            f"{tuple(fx.shape[1:])}: a residual connection needs equal shapes. Use a "
            "convolution block, whose 1x1 convolution shortcut (with the block's stride) "
            "maps x to F(x)'s shape, or keep F(x)'s width and stride equal to x's"
        )
    return layers.Add(name=name)([shortcut, fx])


def conv_bn(x, filters, kernel_size=3, strides=1, name="conv"):
    """A bias-free convolution followed by batch normalization. Lesson 07.

    Momentum 0.9 (PyTorch's default) lets the moving statistics that inference uses
    settle within the few hundred steps of a short run; Keras' 0.99 needs thousands.
    """
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False,
                      name=name)(x)
    return layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)


# >>> from notebooks/07_plain_vs_residual.ipynb: edit the lesson, then `python -m course export`

def cifar_plain(width=128, num_classes=10):
    """The notes' plain network: seven valid 3x3 convolutions, max-pool 2, FC 128-128-10.

    32 -> 30 -> ... -> 18 -> pool 9, so the head sees 9 * 9 * width features.
    """
    return keras.Sequential([
        keras.Input((32, 32, 3), name="image"),
        *[layers.Conv2D(width, 3, activation="relu", name=f"conv{i}") for i in range(1, 8)],
        layers.MaxPooling2D(2, name="pool"),
        layers.Flatten(name="flatten"),
        layers.Dense(128, activation="relu", name="fc1"),
        layers.Dense(128, activation="relu", name="fc2"),
        layers.Dense(num_classes, activation="softmax", dtype="float32", name="fc3"),
    ], name="cifar_plain")


def cifar_residual(width=128, num_classes=10, pool=False, adds=True):
    """The notes' residual networks: four pairs of padded 3x3 convolutions.

    Pairs 2 to 4 add their input back (x + F(x)); ``adds=False`` removes the additions
    and changes nothing else. With ``pool`` a 2x2 max-pool follows pairs 2, 3 and 4
    (32 -> 16 -> 8 -> 4), else one follows pair 4.
    """
    def pair(y, i):
        y = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{i}a")(y)
        return layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{i}b")(y)

    inputs = keras.Input((32, 32, 3), name="image")
    x = pair(inputs, 1)
    for i in (2, 3, 4):
        fx = pair(x, i)
        x = residual_add(x, fx, name=f"add{i}") if adds else fx
        if pool or i == 4:
            x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, activation="relu", name="fc1")(x)
    x = layers.Dense(128, activation="relu", name="fc2")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="fc3")(x)
    name = ("cifar_residual" if adds else "cifar_no_adds") + ("_pool" if pool else "")
    return keras.Model(inputs, outputs, name=name)


def residual_branch(x, filters, strides=1, name="block"):
    """F(x) of ResNet's basic block: conv-BN-ReLU, conv-BN."""
    fx = conv_bn(x, filters, strides=strides, name=f"{name}_conv1")
    fx = layers.ReLU(name=f"{name}_relu1")(fx)
    return conv_bn(fx, filters, name=f"{name}_conv2")


def identity_block(x, filters, name="block"):
    """ReLU(x + F(x)): the shortcut is x itself, so F(x) must keep x's shape."""
    fx = residual_branch(x, filters, name=name)
    return layers.ReLU(name=f"{name}_out")(residual_add(x, fx, name=f"{name}_add"))


def conv_block(x, filters, strides=2, name="block"):
    """ReLU(proj(x) + F(x)): a strided 1x1 convolution shortcut changes width and size."""
    fx = residual_branch(x, filters, strides, name=name)
    shortcut = conv_bn(x, filters, 1, strides, name=f"{name}_shortcut")
    return layers.ReLU(name=f"{name}_out")(residual_add(shortcut, fx, name=f"{name}_add"))


def plain_block(x, filters, strides=1, name="block"):
    """ReLU(F(x)): the residual block without its shortcut."""
    return layers.ReLU(name=f"{name}_out")(residual_branch(x, filters, strides, name=name))


def resnet_stack(depth, width=16, num_classes=10, residual=True):
    """He et al.'s CIFAR-10 network of ``depth = 6n + 2`` layers, with or without shortcuts.

    A stem convolution, three stages of n two-layer blocks (width, 2x, 4x channels),
    global average pooling and a softmax layer. Unlike He et al.'s, the stem has stride 2
    (32x32 -> 16x16, then 8x8 and 4x4): every layer is four times cheaper.
    """
    n, rest = divmod(depth - 2, 6)
    if rest or n < 1:
        raise ValueError(f"depth={depth} is not 6n + 2 for some n >= 1, e.g. 8, 14, 20, 32, 44, "
                         "56 or 110 (a stem, three stages of n two-layer blocks, a classifier)")
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.ReLU(name="stem_relu")(conv_bn(inputs, width, strides=2, name="stem"))
    for stage in range(3):
        filters = width * 2**stage
        for i in range(n):
            name = f"s{stage + 1}b{i + 1}"
            strides = 2 if stage and i == 0 else 1
            if not residual:
                x = plain_block(x, filters, strides, name=name)
            elif strides == 1:
                x = identity_block(x, filters, name=name)
            else:
                x = conv_block(x, filters, strides, name=name)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="fc")(x)
    return keras.Model(inputs, outputs, name=f"{'residual' if residual else 'plain'}{depth}")


def cifar_fast(width=32, num_classes=10):
    """The fast recipe's network: a stride-2 stem, then three stages of two conv-BN-ReLU
    layers (``width``, 2x, 4x channels) each followed by a 2x2 max-pool; global max
    pooling and a softmax."""
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.ReLU(name="stem_relu")(conv_bn(inputs, width, strides=2, name="stem"))
    for stage in range(3):
        filters = width * 2**stage
        for i in (1, 2):
            name = f"s{stage + 1}c{i}"
            x = layers.ReLU(name=f"{name}_relu")(conv_bn(x, filters, name=name))
        x = layers.MaxPooling2D(2, name=f"s{stage + 1}_pool")(x)
    x = layers.GlobalMaxPooling2D(name="gmp")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="fc")(x)
    return keras.Model(inputs, outputs, name="cifar_fast")


def whiten_stem(model, images, samples=5000, eps=5e-4):
    """Set the stem convolution's filters to whiten ``images``' patches, and freeze them.

    The first layer of Keller Jordan's airbench: the patches the stem sees (its kernel
    size, stride and "same" padding) are decorrelated by their principal directions, each
    scaled by 1 / sqrt(variance + eps), so that every direction starts with equal weight;
    half of the filters are the top directions, half their negatives (a ReLU follows, and
    keeps both signs that way). The patches come from the first ``samples`` images.
    """
    stem = model.get_layer("stem")
    size, stride = stem.kernel_size[0], stem.strides[0]
    channels, filters = stem.kernel.shape[2], stem.kernel.shape[3]
    if filters % 2 or filters > 2 * size * size * channels:
        raise ValueError(f"a stem of {filters} filters cannot be whitened: it needs an even "
                         f"number, at most twice the {size * size * channels} directions of "
                         f"its {size}x{size}x{channels} patches")
    x = np.asarray(images[:samples], dtype=np.float64) / 255.0
    out = -(-x.shape[1] // stride)  # "same" padding: ceil(n / stride) positions
    pad = max((out - 1) * stride + size - x.shape[1], 0)
    x = np.pad(x, ((0, 0), (pad // 2, pad - pad // 2), (pad // 2, pad - pad // 2), (0, 0)))
    patches = np.stack([x[:, i:i + stride * out:stride, j:j + stride * out:stride]
                        for i in range(size) for j in range(size)], axis=3)
    variances, directions = np.linalg.eigh(np.cov(patches.reshape(-1, size * size * channels),
                                                  rowvar=False))
    top = np.argsort(variances)[::-1][:filters // 2]
    kernel = directions[:, top] / np.sqrt(variances[top] + eps)
    kernel = np.concatenate([kernel, -kernel], axis=1)
    stem.set_weights([kernel.reshape(size, size, channels, filters).astype(np.float32)])
    stem.trainable = False
    return variances[top]

# <<< end of notebooks/07_plain_vs_residual.ipynb


# >>> from notebooks/09_what_the_network_sees.ipynb: edit the lesson, then `python -m course export`

def xai_net(width=64, num_classes=10):
    """The notes' lesson-09 network: conv-BN-ReLU x 5 (widths w, w, 2w, 2w, 4w; the first
    unpadded), dropout after the 1st and 3rd, max-pooling after the 2nd and 4th, then
    global average pooling and a softmax. Layers are named conv1, bn1, relu1, ..."""
    def conv_bn_relu(x, filters, i, padding="same"):
        x = keras.layers.Conv2D(filters, 3, padding=padding, use_bias=False,
                                name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(momentum=0.9, name=f"bn{i}")(x)
        return keras.layers.ReLU(name=f"relu{i}")(x)

    inputs = keras.Input((32, 32, 3))
    x = conv_bn_relu(inputs, width, 1, padding="valid")
    x = keras.layers.Dropout(0.3)(x)
    x = conv_bn_relu(x, width, 2)
    x = keras.layers.MaxPooling2D()(x)
    x = conv_bn_relu(x, 2 * width, 3)
    x = keras.layers.Dropout(0.4)(x)
    x = conv_bn_relu(x, 2 * width, 4)
    x = keras.layers.MaxPooling2D()(x)
    x = conv_bn_relu(x, 4 * width, 5)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="xai")

# <<< end of notebooks/09_what_the_network_sees.ipynb
