"""Lesson 06's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut through the course or Keras, a table of the checker's old fixed cases
(for 6.2, models the old checker passed: it compared only layer types and output shapes),
an always-equal object and a type slip. Each must get "not yet" with a hint that holds no
line of the solution; the right answer must pass every time, and a stub reads "not attempted
yet". 6.4 is a prediction: its values are tested directly, and no hint may give its answer
away."""

import functools
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from cheats import calls, drawn, draws, refused_every_time, solution_lines
from keras import layers

from course import models, ops
from course.check import lesson06
from course.ops import output_size  # imported by name: the shortcut is still caught
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "06_classic_architectures.ipynb"


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __iter__(self):
        return iter([AlwaysEqual()] * 8)

    def __len__(self):
        return 8


def always_equal(*args, **kwargs):
    return AlwaysEqual()


def stub(*args, **kwargs):
    raise NotImplementedError


# --- 6.1 alexnet_sizes ------------------------------------------------------------------

ROWS = [(11, 4, "valid"), (3, 2, "valid"), (5, 1, "same"), (3, 2, "valid"), (3, 1, "same"),
        (3, 1, "same"), (3, 1, "same"), (3, 2, "valid")]


def alexnet_sizes(n, valid=lambda n, k, s: (n - k) // s + 1, same=lambda n, k, s: n,
                  rows=ROWS):
    sizes = []
    for kernel, stride, padding in rows:
        n = (same if padding == "same" else valid)(n, kernel, stride)
        sizes.append(n)
    return sizes


def sizes_by_keras(n):
    x = keras.Input((n, n, 3))
    sizes = []
    for kernel, stride, padding in ROWS:
        layer = (layers.Conv2D(8, kernel, strides=stride, padding=padding) if padding == "same"
                 or kernel == 11 else layers.MaxPooling2D(kernel, stride))
        x = layer(x)
        sizes.append(x.shape[1])
    return sizes


def sizes_by_output_size(n):
    sizes = []
    for kernel, stride, padding in ROWS:
        n = output_size(n, kernel, stride=stride, padding=padding, strict=False)
        sizes.append(n)
    return sizes


def sizes_by_course_alexnet(n):
    model = models.alexnet(input_shape=(n, n, 3))
    return [layer.output.shape[1] for layer in model.layers[1:9]]


def sizes_by_tf_pooling(n):
    x, sizes = tf.zeros((1, n, n, 1)), []
    for kernel, stride, padding in ROWS:
        x = tf.nn.max_pool2d(x, kernel, stride, padding.upper())
        sizes.append(int(x.shape[1]))
    return sizes


def sizes_by_keras_average_pool(n):
    x, sizes = np.zeros((1, n, n, 1), "float32"), []
    for kernel, stride, padding in ROWS:
        x = keras.ops.average_pool(x, kernel, stride, padding)
        sizes.append(int(x.shape[1]))
    return sizes


def sizes_by_course_padding(n):  # the course's private helper pads 'same' for the student
    sizes = []
    for kernel, stride, padding in ROWS:
        before, after = ops._axis_padding(padding, n, kernel, stride, strict=False)
        n = (n + before + after - kernel) // stride + 1
        sizes.append(n)
    return sizes


def sizes_by_numpy_convolution(n):  # a 1-D 'valid' convolution on zeros: its length
    sizes = []
    for kernel, stride, padding in ROWS:
        if padding == "valid":
            n = len(np.convolve(np.zeros(n), np.zeros(kernel), mode="valid")[::stride])
        sizes.append(n)
    return sizes


def sizes_by_numpy_windows(n):
    sizes = []
    for kernel, stride, padding in ROWS:
        if padding == "valid":
            n = len(np.lib.stride_tricks.sliding_window_view(np.zeros(n), kernel)[::stride])
        sizes.append(n)
    return sizes


def sizes_by_tf_pooling_3d(n):
    x, sizes = tf.zeros((1, n, n, 1, 1)), []
    for kernel, stride, padding in ROWS:
        x = tf.nn.max_pool3d(x, [kernel, kernel, 1], [stride, stride, 1], padding.upper())
        sizes.append(int(x.shape[1]))
    return sizes


def sizes_by_tf_convolution_3d(n):
    x, sizes = tf.zeros((1, n, n, 1, 1)), []
    for kernel, stride, padding in ROWS:
        x = tf.nn.conv3d(x, tf.zeros((kernel, kernel, 1, 1, 1)), [1, stride, stride, 1, 1],
                         padding.upper())
        sizes.append(int(x.shape[1]))
    return sizes


def sizes_by_tf_frames(n):  # tf.signal.frame cuts a signal into windows: count them
    sizes = []
    for kernel, stride, padding in ROWS:
        if padding == "valid":
            n = int(tf.signal.frame(np.zeros(n, "float32"), kernel, stride).shape[0])
        sizes.append(n)
    return sizes


def sizes_by_tf_arithmetic(n):  # any TensorFlow op: the sizes are arithmetic
    return [int(v) for v in tf.constant(alexnet_sizes(n)) + 0]


def sizes_rounded_to_the_nearest(n):
    return alexnet_sizes(n, valid=lambda n, k, s: round((n - k) / s) + 1)


class SizesByTheCourse:  # a callable object, not a function: watched all the same
    def __call__(self, n):
        return sizes_by_course_alexnet(n)


OLD_SIZES = {n: alexnet_sizes(n) for n in (227, 224, 235, 259, 320)}

# --- 6.2 notes_alexnet_fixed ------------------------------------------------------------


def named(function, name):
    """``function`` under another name: what Keras shows of an activation is its name."""
    function.__name__ = name
    return function


def alexnet(conv1=11, pool=3, dropout=0.4, conv3_padding="same", output=17, head=(),
            relu_in_output=False, input_size=227, sequential=True, pooling=layers.MaxPooling2D,
            activation="relu", softmax="softmax", noise_shape=None, conv=layers.Conv2D,
            pool5=None, flatten=None, inputs=None):
    stack = [
        conv(96, conv1, strides=4, activation=activation),
        pooling(pool, strides=2),
        layers.Conv2D(256, 5, padding="same", activation="relu"),
        pooling(pool, strides=2),
        layers.Conv2D(384, 3, padding=conv3_padding, activation="relu"),
        layers.Conv2D(384, 3, padding="same", activation="relu"),
        layers.Conv2D(256, 3, padding="same", activation="relu"),
        pool5 or pooling(3, strides=2),
        flatten or layers.Flatten(),
        layers.Dense(4096, activation="relu"),
        *([layers.Dropout(dropout, noise_shape=noise_shape)] if dropout else []),
        layers.Dense(4096, activation="relu"),
        *([layers.Dropout(dropout)] if dropout else []),
        *head,
        layers.Dense(output, activation="relu" if relu_in_output else None),
        layers.Activation(softmax),
    ]
    if sequential:
        first = keras.Input((input_size, input_size, 3)) if inputs is None else inputs
        return keras.Sequential([first, *stack])
    x = inputs = keras.Input((input_size, input_size, 3))
    for layer in stack:
        x = layer(x)
    return keras.Model(inputs, x)


class Conv2D(layers.Conv2D):
    """A Conv2D of one's own (by Keras' name) whose config says 11x11 whatever its kernel."""

    def get_config(self):
        return {**super().get_config(), "kernel_size": (11, 11)}


def alexnet_with_a_config_that_lies(own_class=True):
    """conv1 with a 9x9 kernel (stride 4 on 227 still gives 55) whose config says 11x11: in a
    class of its own, or on the layer itself."""
    if own_class:
        return alexnet(conv1=9, conv=Conv2D)
    model = alexnet(conv1=9)
    conv1, config = model.layers[0], model.layers[0].get_config
    conv1.get_config = lambda: {**config(), "kernel_size": (11, 11)}
    return model


def relu_for_the_probe_only(x):
    """ReLU on a (4, 17) batch (what an activation checked on its own is often tried on),
    a sigmoid on anything else."""
    if tuple(x.shape) == (4, 17):
        return keras.activations.relu(x)
    return keras.activations.sigmoid(x)


def alexnet_frozen():
    model = alexnet()
    for layer in model.layers:
        layer.trainable = False
    return model


class DropsOnlyInUse(layers.Dropout):
    """Says rate 0.4, and never drops: the same as Keras' Dropout whenever it is not
    training (an attack on 6.2 found the checker looked only then)."""

    def call(self, x, training=False):
        return x


def alexnet_with_own_dropout():
    return keras.Sequential([keras.Input((227, 227, 3)), *[
        DropsOnlyInUse(layer.rate) if type(layer) is layers.Dropout else layer
        for layer in alexnet().layers]])


def alexnet_with(**settings):
    """The right AlexNet with ``settings`` given to every Conv2D and Dense layer: what it
    computes stays the table's, how it trains changes."""
    stack = [keras.Input((227, 227, 3))]
    for layer in alexnet().layers:
        config = layer.get_config()
        if isinstance(layer, layers.Conv2D | layers.Dense):
            config.update(settings)
        stack.append(type(layer).from_config({**config, "name": None}))
    return keras.Sequential(stack)


def alexnet_with_frozen_kernels():
    """Every layer trainable, every kernel not: only the biases learn."""
    model = alexnet()
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            layer.kernel.trainable = False
    return model


def alexnet_with_lora(kind=layers.Dense):
    """LoRA on the first layer of ``kind``: its kernel frozen, a rank-4 update learns."""
    model = alexnet()
    next(layer for layer in model.layers if isinstance(layer, kind)).enable_lora(4)
    return model


def alexnet_held_by_its_variables(kind):
    """conv1's kernel constrained to non-negative values, or every kernel penalized by
    L2(100), set on the variables themselves: the layers' configs say nothing."""
    model = alexnet()
    for layer in model.layers:
        if hasattr(layer, "kernel") and kind == "constraint" and layer is model.layers[0]:
            layer.kernel.constraint = keras.constraints.NonNeg()
        elif hasattr(layer, "kernel") and kind == "regularizer":
            layer.kernel.regularizer = keras.regularizers.L2(100.0)
    return model


class SameColumn(keras.initializers.Initializer):
    """One random column of weights, repeated for every unit."""

    def __call__(self, shape, dtype=None):
        column = np.random.default_rng().normal(0, 0.02, (*shape[:-1], 1))
        return keras.ops.convert_to_tensor(np.repeat(column, shape[-1], -1), dtype or "float32")


def alexnet_with_a_zero_classifier():
    """Common practice: the classifier's units get different gradients all the same."""
    model = alexnet()
    classifier = [layer for layer in model.layers if hasattr(layer, "kernel")][-1]
    classifier.kernel.assign(np.zeros(classifier.kernel.shape, "float32"))
    return model


class OwnSequential(keras.Sequential):
    """keras.Sequential by another name: the checker reads Keras' own objects only."""


def relu_when_called(x):
    """ReLU when called on numbers, a sigmoid inside a compiled model (as fit runs it)."""
    return tf.nn.relu(x) if tf.executing_eagerly() else tf.nn.sigmoid(x)


def relu_without_gradient(x):
    """ReLU's values with its gradient held back: the layers before it never learn."""
    return keras.ops.relu(tf.stop_gradient(x))


def _training():
    from keras.src.backend.common import global_state

    context = global_state.get_global_attribute("current_call_ctx")
    return context is not None and context.get_value("training")


def relu_only_in_use(x):
    """ReLU in inference, the identity while training (helper-75's attacks A to D and G)."""
    return x if _training() else keras.ops.relu(x)


def relu_without_gradient_in_convolutions(x):
    y = keras.ops.relu(x)
    return tf.stop_gradient(y) if len(x.shape) != 2 else y


def relu_unless_traced_on_other_shapes(x):
    if tf.inside_function() and tuple(x.shape) != (4, 17) and None not in tuple(x.shape):
        return keras.ops.sigmoid(x)
    return keras.ops.relu(x)


def relu_in_small_batches(x):
    return tf.where(tf.shape(x)[0] > 4, tf.sigmoid(x), tf.nn.relu(x))


def softmax_only_in_use(x):
    return x if _training() else keras.ops.softmax(x)


class SigmoidEqualToAll:
    """A sigmoid that says it equals any function it is compared with (Keras' relu too)."""

    __name__ = "relu"

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __call__(self, x):
        return keras.ops.sigmoid(x)


def alexnet_in_own_sequential():
    return OwnSequential([keras.Input((227, 227, 3)), *[
        type(layer).from_config({**layer.get_config(), "name": None})
        for layer in alexnet().layers]])


def alexnet_conv3_padded_by_hand(padding=1, conv3_padding="valid", at=4):
    """conv3 (layer 4 of the stack) after ZeroPadding2D(padding), lesson 02's way of writing
    PyTorch's padding=1 in Keras (``at``: another place for it)."""
    fresh = [type(layer).from_config(layer.get_config())
             for layer in alexnet(conv3_padding=conv3_padding).layers]
    pad = padding if isinstance(padding, layers.Layer) else layers.ZeroPadding2D(padding)
    return keras.Sequential([keras.Input((227, 227, 3)), *fresh[:at], pad, *fresh[at:]])


def alexnet_padded_by_hand():
    """Every 'same' convolution written as ZeroPadding2D((k - 1) // 2) then 'valid', the
    5x5 one padded in two steps."""
    stack = [keras.Input((227, 227, 3))]
    for layer in alexnet().layers:
        config = layer.get_config()
        if config.get("padding") == "same":
            k = config["kernel_size"][0]
            stack += ([layers.ZeroPadding2D(1), layers.ZeroPadding2D(1)] if k == 5 else
                      [layers.ZeroPadding2D((k - 1) // 2)])
            config["padding"] = "valid"
        stack.append(type(layer).from_config({**config, "name": None}))
    return keras.Sequential(stack)


# --- 6.3 inception_params ---------------------------------------------------------------

def conv(k, a, b):
    return k * k * a * b + b


def inception(c_in, c1, c3r, c3, c5r, c5, pp):
    return (conv(1, c_in, c1) + conv(1, c_in, c3r) + conv(3, c3r, c3) + conv(1, c_in, c5r)
            + conv(5, c5r, c5) + conv(1, c_in, pp))


def inception_by_keras(c_in, c1, c3r, c3, c5r, c5, pp):
    x = keras.Input((8, 8, c_in))
    branches = [layers.Conv2D(c1, 1)(x), layers.Conv2D(c3, 3)(layers.Conv2D(c3r, 1)(x)),
                layers.Conv2D(c5, 5, padding="same")(layers.Conv2D(c5r, 1)(x)),
                layers.Conv2D(pp, 1)(x)]
    return sum(keras.Model(x, b).count_params() for b in branches)


def inception_by_module(c_in, *rest):
    x = keras.Input((8, 8, c_in))
    return keras.Model(x, models.inception_module(x, *rest)).count_params()


def inception_by_conv_params(c_in, c1, c3r, c3, c5r, c5, pp):
    return sum(ops.conv_params(k, a, b) for k, a, b in [
        (1, c_in, c1), (1, c_in, c3r), (3, c3r, c3), (1, c_in, c5r), (5, c5r, c5), (1, c_in, pp)])


def inception_by_transposed_weights(c_in, c1, c3r, c3, c5r, c5, pp):
    total = 0
    for k, a, b in [(1, c_in, c1), (1, c_in, c3r), (3, c3r, c3), (1, c_in, c5r), (5, c5r, c5),
                    (1, c_in, pp)]:
        layer = layers.Conv2DTranspose(b, k)
        layer.build((None, 8, 8, a))
        total += sum(int(np.prod(w.shape)) for w in layer.weights)
    return total


OLD_INCEPTION = {case: inception(*case) for case in [
    (192, 64, 96, 128, 16, 32, 32), (256, 128, 128, 192, 32, 96, 64),
    (480, 192, 96, 208, 16, 48, 64), (3, 2, 1, 2, 1, 2, 1)]}


WRONG = {
    "alexnet_sizes": [
        ("rounds up", lambda n: alexnet_sizes(n, valid=lambda n, k, s: -(-(n - k) // s) + 1)),
        ("'same' treated as 'valid'", lambda n: alexnet_sizes(
            n, same=lambda n, k, s: (n - k) // s + 1)),
        ("the notes' 2x2 pools", lambda n: alexnet_sizes(n, rows=[
            (2, 2, p) if k == 3 and s == 2 else (k, s, p) for k, s, p in ROWS])),
        ("no + 1", lambda n: alexnet_sizes(n, valid=lambda n, k, s: (n - k) // s)),
        ("n // stride", lambda n: alexnet_sizes(n, valid=lambda n, k, s: n // s)),
        ("seven rows", lambda n: alexnet_sizes(n)[:-1]),
        ("course shortcut", lambda n: [n := ops.output_size(n, k, s, p, strict=False)
                                       for k, s, p in ROWS]),
        ("course shortcut imported by name", sizes_by_output_size),
        ("keras shortcut", sizes_by_keras),
        ("the course's AlexNet", sizes_by_course_alexnet),
        ("the course's AlexNet in a callable object", SizesByTheCourse()),
        ("TensorFlow's pooling on zeros", sizes_by_tf_pooling),
        ("Keras' average pooling on zeros", sizes_by_keras_average_pool),
        ("the course's private padding helper", sizes_by_course_padding),
        ("NumPy's convolution on zeros", sizes_by_numpy_convolution),
        ("NumPy's sliding windows on zeros", sizes_by_numpy_windows),
        ("TensorFlow's 3-D pooling on zeros", sizes_by_tf_pooling_3d),
        ("TensorFlow's 3-D convolution on zeros", sizes_by_tf_convolution_3d),
        ("TensorFlow's frames", sizes_by_tf_frames),
        ("TensorFlow's arithmetic", sizes_by_tf_arithmetic),
        ("rounded to the nearest", sizes_rounded_to_the_nearest),
        ("table", lambda n: OLD_SIZES.get(n, [1] * 8)),
        ("always equal", always_equal),
        ("floats", lambda n: [float(v) for v in alexnet_sizes(n)]),
        ("a number", lambda n: alexnet_sizes(n)[-1]),
    ],
    "notes_alexnet_fixed": [  # conv1 9x9, 2x2 pools and no dropout passed the old checker
        ("conv1 9x9", lambda: alexnet(conv1=9)),
        ("2x2 pools", lambda: alexnet(pool=2)),
        ("no dropout", lambda: alexnet(dropout=0)),
        ("dropout 0.5", lambda: alexnet(dropout=0.5)),
        ("average pooling", lambda: alexnet(pooling=layers.AveragePooling2D)),
        ("relu only when called", lambda: alexnet(activation=relu_when_called)),
        ("relu without its gradient", lambda: alexnet(activation=relu_without_gradient)),
        ("a sigmoid equal to every function", lambda: alexnet(activation=SigmoidEqualToAll())),
        ("relu only in use", lambda: alexnet(activation=relu_only_in_use)),
        ("relu without gradient in convolutions",
         lambda: alexnet(activation=relu_without_gradient_in_convolutions)),
        ("relu unless traced on other shapes",
         lambda: alexnet(activation=relu_unless_traced_on_other_shapes)),
        ("relu in small batches", lambda: alexnet(activation=relu_in_small_batches)),
        ("softmax only in use", lambda: alexnet(softmax=softmax_only_in_use)),
        # ZeroPadding2D then 'valid' is right where it adds what 'same' adds, and only there
        ("conv3 padded by 2 by hand", lambda: alexnet_conv3_padded_by_hand(2)),
        ("conv3 padded after only", lambda: alexnet_conv3_padded_by_hand(((0, 2), (0, 2)))),
        ("conv3 padded twice", lambda: alexnet_conv3_padded_by_hand(conv3_padding="same")),
        ("conv1 padded by hand", lambda: alexnet_conv3_padded_by_hand(at=0)),
        ("a pool padded by hand", lambda: alexnet_conv3_padded_by_hand(at=3)),
        ("padding channels first", lambda: alexnet_conv3_padded_by_hand(
            layers.ZeroPadding2D(1, data_format="channels_first"))),
        ("ReLU before softmax", lambda: alexnet(relu_in_output=True)),
        ("1000 then 17", lambda: alexnet(head=[layers.Dense(1000, activation="relu")])),
        ("input 224", lambda: alexnet(input_size=224)),
        ("the course's AlexNet", lambda: models.alexnet(17)),
        ("functional", lambda: alexnet(sequential=False)),
        # an activation is what it computes, not what it is called
        ("a sigmoid named relu", lambda: alexnet(
            activation=named(lambda x: keras.activations.sigmoid(x), "relu"))),
        ("tanh named relu", lambda: alexnet(
            activation=named(lambda x: keras.activations.tanh(x), "relu"))),
        ("a sigmoid named softmax at the output", lambda: alexnet(
            softmax=named(lambda x: keras.activations.sigmoid(x), "softmax"))),
        ("dropout of whole rows (noise_shape)", lambda: alexnet(noise_shape=(1, 1))),
        ("always equal", always_equal),
        ("a list of layers", lambda: alexnet().layers),
        # a config or a name that says one thing while the layer computes another
        ("pool5 channels first", lambda: alexnet(
            pool5=layers.MaxPooling2D(3, strides=2, data_format="channels_first"))),
        ("flatten channels first", lambda: alexnet(
            flatten=layers.Flatten(data_format="channels_first"))),
        ("a class of its own whose config lies", alexnet_with_a_config_that_lies),
        ("a config that lies on the layer", lambda: alexnet_with_a_config_that_lies(False)),
        ("relu only for the probe's shape", lambda: alexnet(
            activation=named(relu_for_the_probe_only, "relu"))),
        ("every layer frozen", alexnet_frozen),
        ("a dropout of its own that never drops", alexnet_with_own_dropout),
        ("a batch size of 1", lambda: alexnet(
            inputs=keras.Input((227, 227, 3), batch_size=1))),
        ("uint8 input", lambda: alexnet(inputs=keras.Input((227, 227, 3), dtype="uint8"))),
        # what the model computes is the table's; how it trains is not the notes'
        ("kernels frozen", alexnet_with_frozen_kernels),
        ("LoRA on fc6", alexnet_with_lora),
        ("LoRA on conv1", lambda: alexnet_with_lora(layers.Conv2D)),
        ("kernels start at zero", lambda: alexnet_with(kernel_initializer="zeros")),
        ("kernels start 150 times too wide", lambda: alexnet_with(
            kernel_initializer=keras.initializers.RandomNormal(stddev=10.0))),
        ("non-negative kernels", lambda: alexnet_with(kernel_constraint="non_neg")),
        ("L2(100) on the kernels", lambda: alexnet_with(
            kernel_regularizer=keras.regularizers.L2(100.0))),
        ("L1(10) on the outputs", lambda: alexnet_with(
            activity_regularizer=keras.regularizers.L1(10.0))),
        ("mixed_float16 layers", lambda: alexnet_with(dtype="mixed_float16")),
        ("float16 layers", lambda: alexnet_with(dtype="float16")),
        ("bfloat16 layers", lambda: alexnet_with(dtype="bfloat16")),
        ("a Sequential of its own", alexnet_in_own_sequential),
        ("a constraint set on conv1's kernel", lambda: alexnet_held_by_its_variables(
            "constraint")),
        ("a regularizer set on every kernel", lambda: alexnet_held_by_its_variables(
            "regularizer")),
        ("kernels centred on 5", lambda: alexnet_with(
            kernel_initializer=keras.initializers.RandomNormal(mean=5.0, stddev=0.01))),
        ("every unit the same random weights", lambda: alexnet_with(
            kernel_initializer=SameColumn())),
        ("biases at -100", lambda: alexnet_with(
            bias_initializer=keras.initializers.Constant(-100.0))),
        ("biases at 10,000", lambda: alexnet_with(
            bias_initializer=keras.initializers.Constant(1e4))),
        ("bfloat16 input", lambda: alexnet(inputs=keras.Input((227, 227, 3), dtype="bfloat16"))),
    ],
    "inception_params": [
        ("weights only", lambda *c: inception(*c) - sum(c[1:])),
        ("3x3 and 5x5 read c_in", lambda c_in, c1, c3r, c3, c5r, c5, pp: inception(
            c_in, c1, c3r, c3, c5r, c5, pp) - conv(3, c3r, c3) - conv(5, c5r, c5)
            + conv(3, c_in, c3) + conv(5, c_in, c5)),
        ("3x3 pool projection", lambda c_in, c1, c3r, c3, c5r, c5, pp: inception(
            c_in, c1, c3r, c3, c5r, c5, pp) + 8 * c_in * pp),
        ("no pool projection", lambda c_in, c1, c3r, c3, c5r, c5, pp: inception(
            c_in, c1, c3r, c3, c5r, c5, pp) - conv(1, c_in, pp)),
        ("reductions swapped", lambda c_in, c1, c3r, c3, c5r, c5, pp: inception(
            c_in, c1, c3, c3r, c5, c5r, pp)),
        ("keras shortcut", inception_by_keras),
        ("course shortcut", inception_by_module),
        ("the course's conv_params per branch", inception_by_conv_params),
        ("transposed convolutions built and their weights summed",
         inception_by_transposed_weights),
        ("table", lambda *c: OLD_INCEPTION.get(c, 0)),
        ("always equal", always_equal),
        ("a list", lambda *c: [inception(*c)]),
        ("a float", lambda *c: inception(*c) / 1),
    ],
}
RIGHT = {
    "alexnet_sizes": alexnet_sizes,
    "notes_alexnet_fixed": alexnet,
    "inception_params": inception,
}
# The words the hint must hold for some of them: it names the mistake, or the shortcut.
NAMED = {
    ("alexnet_sizes", "seven rows"): "one per row",
    ("alexnet_sizes", "course shortcut imported by name"): calls("ops.output_size"),
    ("notes_alexnet_fixed", "ReLU before softmax"): "ReLU before",
    ("notes_alexnet_fixed", "relu only when called"): "not inside a compiled model",
    ("notes_alexnet_fixed", "relu without its gradient"): "not its gradient",
    ("notes_alexnet_fixed", "relu only in use"): "inside a training step",
    ("notes_alexnet_fixed", "relu without gradient in convolutions"): "inside a training step",
    ("notes_alexnet_fixed", "relu unless traced on other shapes"): "inside a training step",
    ("notes_alexnet_fixed", "relu in small batches"): "inside a training step",
    ("notes_alexnet_fixed", "softmax only in use"): "inside a training step",
    ("notes_alexnet_fixed", "1000 then 17"): "classifies twice",
    ("alexnet_sizes", "the course's AlexNet in a callable object"): calls("models.alexnet"),
    # tf.zeros runs an op before the pooling does: the hint names TensorFlow
    ("alexnet_sizes", "TensorFlow's pooling on zeros"): "runs TensorFlow",
    ("alexnet_sizes", "Keras' average pooling on zeros"): calls("keras.ops.average_pool"),
    ("alexnet_sizes", "NumPy's convolution on zeros"): calls("numpy.convolve"),
    ("alexnet_sizes", "NumPy's sliding windows on zeros"): calls(
        "numpy.lib.stride_tricks.sliding_window_view"),
    ("alexnet_sizes", "TensorFlow's 3-D pooling on zeros"): "runs TensorFlow",
    ("alexnet_sizes", "TensorFlow's 3-D convolution on zeros"): "runs TensorFlow",
    ("alexnet_sizes", "TensorFlow's frames"): calls("shape_ops.frame"),
    ("alexnet_sizes", "TensorFlow's arithmetic"): "runs TensorFlow",
    ("alexnet_sizes", "rounded to the nearest"): "you rounded up",
    ("notes_alexnet_fixed", "pool5 channels first"): "data_format='channels_first'",
    ("notes_alexnet_fixed", "flatten channels first"): "data_format='channels_first'",
    ("notes_alexnet_fixed", "a class of its own whose config lies"): "a Conv2D class of your own",
    ("notes_alexnet_fixed", "a config that lies on the layer"): "kernel of shape (9, 9, 3, 96)",
    ("notes_alexnet_fixed", "relu only for the probe's shape"): "whatever the shape",
    ("notes_alexnet_fixed", "every layer frozen"): "frozen (trainable=False)",
    ("notes_alexnet_fixed", "a dropout of its own that never drops"): "DropsOnlyInUse of your",
    ("notes_alexnet_fixed", "a batch size of 1"): "fixes the batch size to 1",
    ("notes_alexnet_fixed", "uint8 input"): "dtype uint8",
    ("notes_alexnet_fixed", "kernels frozen"): "kernel: trainable=False",
    ("notes_alexnet_fixed", "LoRA on fc6"): "LoRA on",
    ("notes_alexnet_fixed", "LoRA on conv1"): "LoRA on",
    ("notes_alexnet_fixed", "kernels start at zero"): "every unit's weights the same",
    ("notes_alexnet_fixed", "a constraint set on conv1's kernel"): "a constraint on",
    ("notes_alexnet_fixed", "a regularizer set on every kernel"): "a regularizer on",
    ("notes_alexnet_fixed", "kernels centred on 5"): "mostly of one sign",
    ("notes_alexnet_fixed", "every unit the same random weights"): "every unit's weights the same",
    ("notes_alexnet_fixed", "biases at -100"): "switch ReLUs off",
    ("notes_alexnet_fixed", "biases at 10,000"): "switch ReLUs off",
    ("notes_alexnet_fixed", "bfloat16 input"): "dtype bfloat16",
    ("notes_alexnet_fixed", "kernels start 150 times too wide"): "explode",
    ("notes_alexnet_fixed", "non-negative kernels"): "sets kernel_constraint",
    ("notes_alexnet_fixed", "L2(100) on the kernels"): "sets kernel_regularizer",
    ("notes_alexnet_fixed", "L1(10) on the outputs"): "sets activity_regularizer",
    ("notes_alexnet_fixed", "mixed_float16 layers"): "computes in mixed_float16",
    ("notes_alexnet_fixed", "float16 layers"): "computes in float16",
    ("notes_alexnet_fixed", "bfloat16 layers"): "computes in bfloat16",
    ("notes_alexnet_fixed", "a Sequential of its own"): "OwnSequential, a class of your own",
    ("notes_alexnet_fixed", "conv3 padded by 2 by hand"): "1 zero on every side",
    ("notes_alexnet_fixed", "conv3 padded after only"): "(0, 2) rows",
    ("notes_alexnet_fixed", "conv3 padded twice"): "padded twice",
    ("notes_alexnet_fixed", "conv1 padded by hand"): "unpadded window",
    ("notes_alexnet_fixed", "a pool padded by hand"): "only convolutions are padded",
    ("notes_alexnet_fixed", "padding channels first"): "data_format='channels_first'",
    ("alexnet_sizes", "the course's private padding helper"): calls("ops._axis_padding"),
    ("notes_alexnet_fixed", "the course's AlexNet"): calls("models.alexnet"),
    ("notes_alexnet_fixed", "a sigmoid named relu"): "uses sigmoid",
    ("notes_alexnet_fixed", "tanh named relu"): "uses tanh",
    ("notes_alexnet_fixed", "a sigmoid named softmax at the output"): "one softmax",
    ("notes_alexnet_fixed", "dropout of whole rows (noise_shape)"): "noise_shape",
    ("inception_params", "the course's conv_params per branch"): calls("ops.conv_params"),
    ("inception_params", "weights only"): "bias",
    ("inception_params", "course shortcut"): calls("models.inception_module"),
}


# each 6.2 answer builds a 62-million-weight AlexNet (about a second): the sweep is slow
@pytest.mark.parametrize("checker, kind, answer",
                         [pytest.param(c, kind, a, marks=pytest.mark.slow
                                       if c == "notes_alexnet_fixed" else ())
                          for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    # 6.2 draws only its probe batch; what refuses these is fixed by the model it builds
    refused_every_time(getattr(lesson06, checker), answer, capsys, LESSON, checker, kind,
                       draws=1 if checker == "notes_alexnet_fixed" else 3,
                       says=NAMED.get((checker, kind)))


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    # 6.2 draws nothing at random (it builds one model): three calls say as much as twenty
    for _ in drawn(3 if checker == "notes_alexnet_fixed" else draws(checker)):
        verdict = getattr(lesson06, checker)(RIGHT[checker])
        line = capsys.readouterr().out
        assert verdict and line.startswith(f"{RIGHT[checker].__name__}: correct - "), line


@pytest.mark.parametrize("checker, blank", [*((checker, stub) for checker in RIGHT),
                                            ("naive_stack", ...)],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_stub_is_not_attempted(checker, blank, capsys):
    """A function left at `raise NotImplementedError`, or 6.4's prediction left at `...`."""
    assert not getattr(lesson06, checker)(blank)
    assert "not attempted yet - " in capsys.readouterr().out


def test_the_inception_hint_does_not_give_the_lesson_s_count_away(capsys):
    lesson06.inception_params(lambda *c: 1)
    out = capsys.readouterr().out
    assert "not yet - " in out and "163,696" not in out, out


def test_rounding_to_the_nearest_is_not_taken_for_2x2_pools(capsys):
    """round() rounds up at some rows and down at others: it shows first where it rounds up
    at conv1, not at a pool where it gives what a 2x2 pool gives; the notes' 2x2 pools get
    their own hint."""
    assert not lesson06.alexnet_sizes(sizes_rounded_to_the_nearest)
    line = capsys.readouterr().out
    assert "you rounded up" in line and "2x2" not in line, line
    assert not lesson06.alexnet_sizes(lambda n: alexnet_sizes(n, rows=[
        (2, 2, p) if k == 3 and s == 2 else (k, s, p) for k, s, p in ROWS]))
    assert "not 2x2 ones" in capsys.readouterr().out


def test_the_model_itself_instead_of_the_function_gets_a_hint(capsys):
    model = alexnet()
    assert not lesson06.notes_alexnet_fixed(model)
    line = capsys.readouterr().out
    assert "notes_alexnet_fixed: not yet - you passed a Sequential" in line, line
    assert "pass the function" in line


@pytest.mark.slow
def test_a_relu_by_maximum_passes_where_a_value_before_it_is_exactly_zero(capsys, monkeypatch):
    """keras.ops.maximum(x, 0) passes a slope of 1 at 0, keras' relu 0: both are right. The
    training step's images all zero make every conv1 value before its ReLU exactly 0 (its
    bias starts at 0), where 1 of 20 draws of random images had one."""
    draw = np.random.default_rng

    class ZeroImages:
        def __init__(self, *args):
            self.rng = draw(*args)

        def uniform(self, low, high, size=None):
            if size == (8, 227, 227, 3):
                return np.zeros(size)
            return self.rng.uniform(low, high, size)

        def __getattr__(self, name):
            return getattr(self.rng, name)

    monkeypatch.setattr(lesson06.np.random, "default_rng", ZeroImages)
    assert lesson06.notes_alexnet_fixed(
        lambda: alexnet(activation=lambda x: keras.ops.maximum(x, 0.0))), capsys.readouterr().out


@pytest.mark.slow
def test_relu_and_softmax_written_by_hand_pass(capsys):
    """An activation is judged by what it computes: the student's own ReLU and softmax,
    whatever their names, are right."""
    def my_relu(x):
        return keras.ops.maximum(x, 0.0)

    def probabilities(x):
        e = keras.ops.exp(x - keras.ops.max(x, axis=-1, keepdims=True))
        return e / keras.ops.sum(e, axis=-1, keepdims=True)

    def by_hand():
        return alexnet(activation=my_relu, softmax=probabilities)

    assert lesson06.notes_alexnet_fixed(by_hand), capsys.readouterr().out
    assert lesson06.notes_alexnet_fixed(lambda: alexnet(activation=tf.nn.relu))


@pytest.mark.parametrize("answer", [alexnet_conv3_padded_by_hand, alexnet_padded_by_hand])
@pytest.mark.slow
def test_zero_padding_then_valid_passes_where_it_pads_as_same(answer, capsys):
    """Lesson 02's table writes PyTorch's padding=p as ZeroPadding2D(p) then 'valid': the
    same output shapes, parameters and numbers as 'same' for these stride-1 odd kernels."""
    assert answer().count_params() == alexnet().count_params()
    assert lesson06.notes_alexnet_fixed(answer), capsys.readouterr().out


def test_a_zero_classifier_passes(capsys):
    assert lesson06.notes_alexnet_fixed(alexnet_with_a_zero_classifier), capsys.readouterr().out


def test_an_activation_keras_cannot_describe_gets_a_hint(capsys):
    def partial_relu():
        return alexnet(activation=functools.partial(keras.activations.relu))

    assert not lesson06.notes_alexnet_fixed(partial_relu)
    assert "give its activation by name" in capsys.readouterr().out


@pytest.mark.parametrize("settings", [
    {"kernel_initializer": "he_normal"},
    # the AlexNet paper's: N(0, 0.01) kernels, biases at 1
    {"kernel_initializer": keras.initializers.RandomNormal(stddev=0.01),
     "bias_initializer": "ones"}], ids=["He", "the paper's"])
@pytest.mark.slow
def test_another_reasonable_initialization_passes(settings, capsys):
    def initialized():
        return alexnet_with(**settings)

    assert lesson06.notes_alexnet_fixed(initialized), capsys.readouterr().out


@pytest.mark.slow
def test_the_notes_style_with_separate_activation_layers_passes(capsys):
    def notes_style():
        model = keras.Sequential([keras.Input((227, 227, 3))])
        for layer in alexnet().layers:
            config = layer.get_config()
            own = isinstance(layer, layers.Conv2D | layers.Dense)
            activation = config.pop("activation") if own else None
            model.add(type(layer).from_config({**config, "name": None}))
            if activation not in (None, "linear"):
                model.add(layers.Activation(activation))
        return model

    assert lesson06.notes_alexnet_fixed(notes_style), capsys.readouterr().out


# --- 6.4 naive_stack: a prediction ------------------------------------------------------

NAIVE_THIRD = (864, 1_290_464)
NAIVE_WRONG = {  # wrong prediction: words its hint must contain (None: any hint)
    (416, 387_296): "what the first module outputs",  # the first module, printed in section 4
    (864, 387_296): "the first module's count",  # its count copied, the channels right
    (640, 838_880): None,  # the second module
    (640, 1_290_464): "the second module outputs",
    (864, 838_880): "the second module's count",
    (224, 1_290_464): "the pool branch",  # the convolutions' channels only
    (672, 1_290_464): None,  # the three modules' convolutions, without the input
    (864, 1_290_464 - 224): "bias",  # no biases
    (864, 2016 * 864 + 224): "read the channels of its input",  # the output's channels read
    (865, 1): None, (1, 1_290_465): None,  # far off
}


@pytest.mark.parametrize("wrong", NAIVE_WRONG, ids=str)
def test_a_wrong_prediction_is_refused_without_the_answer(wrong, capsys):
    assert not lesson06.naive_stack(wrong)
    line = capsys.readouterr().out.strip()
    assert line.startswith("naive_stack: not yet - "), line
    assert NAIVE_WRONG[wrong] is None or NAIVE_WRONG[wrong] in line, line
    for number, given in zip(NAIVE_THIRD, wrong, strict=True):
        if number != given:  # a student's own number may be quoted back
            assert f"{number:,}" not in line and str(number) not in line, line
    for solution in solution_lines(LESSON, "naive_stack"):
        assert solution not in line


@pytest.mark.parametrize("slip", [864, "864, 1290464", (864.0, 1_290_464), (864,),
                                  np.array(NAIVE_THIRD), AlwaysEqual(), None],
                         ids=["a number", "a string", "a float", "one value", "an array",
                              "always equal", "None"])
def test_a_prediction_that_is_not_two_whole_numbers_is_refused(slip, capsys):
    assert not lesson06.naive_stack(slip)
    out = capsys.readouterr().out
    assert "naive_stack: not yet - assign two whole numbers" in out or (
        isinstance(slip, AlwaysEqual) and "return plain values" in out), out


def test_a_prediction_says_not_which_of_its_two_numbers_is_right(capsys):
    """No oracle: with one number right and the other wrong, the hint reads as with both
    wrong, so a loop cannot find one number at a time."""
    pairs = [(864, 5), (865, 5), (863, 1_290_464), (1, 1_290_464), (864, 838_880),
             (865, 838_880)]
    for pair in pairs:
        lesson06.naive_stack(pair)
    lines = [re.sub(r"\(\d+, [\d,]+\)", "(C, P)", line.split(" - ", 1)[1])
             for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(pairs)
    assert lines[0] == lines[1] == lines[2] == lines[3]
    assert lines[4] == lines[5]


def test_the_right_prediction_passes(capsys):
    assert lesson06.naive_stack(NAIVE_THIRD)
    assert lesson06.naive_stack(list(NAIVE_THIRD))
    assert lesson06.naive_stack(tuple(np.int64(v) for v in NAIVE_THIRD))
    assert capsys.readouterr().out.count("naive_stack: correct - ") == 3


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    assert {e.checker for e in exercises(LESSON)} == {*WRONG, "naive_stack"}
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def test_the_module_holds_no_answer_to_import():
    public = {name for name in vars(lesson06) if not name.startswith("__")}
    assert not {"_sizes", "ALEXNET_ROWS", "ALEXNET_TABLE", "NAIVE"} & public


def test_every_shortcut_the_checkers_refuse_can_be_found():
    from course.check.core import _resolve

    for name in (*lesson06.SHAPE_SHORTCUTS, *lesson06.PARAM_SHORTCUTS):
        assert callable(_resolve(name)), name
