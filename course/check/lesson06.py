"""Checkers for lesson 06 (classic architectures).

6.1 and 6.3 run the answer on the edge cases a teacher would probe, then on cases drawn
fresh on every call, so that a table of the checker's inputs cannot pass; 6.2 compares
every layer's settings with the notes' table, then runs each row on a batch of images and
compares it with what the table's layer computes with the row's own weights; 6.4 is a
prediction.
"""

import numpy as np

from course import ops
from course.check import libraries
from course.check.core import Hint, checker, numbers, whole

# Keras' shape inference, the course's formula and its AlexNet answer 6.1 for the student;
# so does any convolution, pooling or sliding window run on zeros whose output's length is
# read (Keras' ops, TensorFlow's kernels in 2 and 3 dimensions and its framing, NumPy's 1-D
# convolution and windows, the course's NumPy ones and their helpers); and any TensorFlow
# op at all: the sizes are arithmetic
_TF = "tensorflow.python.ops.gen_nn_ops."
SHAPE_SHORTCUTS = ("course.ops.output_size", "course.models.alexnet",
                   "course.ops.pool2d", "course.ops.correlate2d", "course.ops.correlate1d",
                   "course.ops.convolve2d", "course.ops._axis_padding",
                   "course.ops._pool_windows", "course.ops._correlate_core",
                   "keras.layers.Conv2D.compute_output_shape",
                   "keras.layers.MaxPooling2D.compute_output_shape",
                   "keras.src.ops.operation_utils.compute_conv_output_shape",
                   "keras.src.ops.operation_utils.compute_pooling_output_shape",
                   "keras.ops.conv", "keras.ops.depthwise_conv", "keras.ops.separable_conv",
                   "keras.ops.max_pool", "keras.ops.average_pool", "keras.ops.extract_sequences",
                   "keras.ops.image.extract_patches",
                   _TF + "max_pool", _TF + "max_pool_v2", _TF + "avg_pool",
                   _TF + "max_pool_with_argmax", _TF + "conv2d", _TF + "depthwise_conv2d_native",
                   _TF + "max_pool3d", _TF + "avg_pool3d", _TF + "conv3d", _TF + "dilation2d",
                   "tensorflow.python.ops.gen_array_ops.extract_image_patches",
                   "tensorflow.python.ops.gen_array_ops.extract_volume_patches",
                   "tensorflow.python.ops.signal.shape_ops.frame",
                   "numpy.convolve", "numpy.correlate",
                   "numpy.lib.stride_tricks.sliding_window_view", *libraries.TENSORFLOW,
                   "course.check.lesson06._expected_sizes")
# the course's inception module and its count, Keras counting the parameters of what it
# builds, or any layer's weights, created to be counted (Layer.add_weight: every build)
PARAM_SHORTCUTS = ("course.models.inception_module", "course.ops.conv_params",
                   "keras.layers.Layer.count_params", "keras.layers.Layer.add_weight",
                   "keras.layers.Conv2D.build", "keras.layers.Conv2DTranspose.build",
                   "keras.layers.DepthwiseConv2D.build", "keras.layers.SeparableConv2D.build",
                   "keras.layers.Dense.build", "keras.layers.EinsumDense.build",
                   "keras.src.utils.summary_utils.count_params")


@checker(without=SHAPE_SHORTCUTS)
def alexnet_sizes(answer):
    """``answer(n)``: height of AlexNet's output after each conv and pool, for an n x n input."""
    answer = libraries.refusing(answer, "work the sizes out with arithmetic, not by running "
                                        "an op and reading the shape of what it returns")
    rows = (("conv1", 11, 4, "valid"), ("pool1", 3, 2, "valid"), ("conv2", 5, 1, "same"),
            ("pool2", 3, 2, "valid"), ("conv3", 3, 1, "same"), ("conv4", 3, 1, "same"),
            ("conv5", 3, 1, "same"), ("pool5", 3, 2, "valid"))
    # 67 is the smallest input pool5 still fits; the others leave remainders at each stride
    # (230 comes early: rounding to the nearest, round(), shows there at conv1 as rounding
    # up, before 224 where it gives what 2x2 pools give)
    edges = [227, 230, 224, 67, 68, 70, 228, 229, 235, 259, 320]
    cases = (*edges, *(int(n) for n in np.random.default_rng().integers(67, 600, 12)))
    # worked out before the answer runs, as tuples: nothing the answer does changes them
    expected_sizes = tuple(_expected_sizes(n, rows) for n in cases)
    for n, expected in zip(cases, expected_sizes, strict=True):
        got = answer(n)
        got = numbers(got.tolist() if isinstance(got, np.ndarray) else got,
                      "a list of the eight output sizes")
        if len(got) != len(rows):
            raise Hint(f"for n={n} you return {len(got)} sizes; return one per row of the table "
                       f"from conv1 to pool5 ({', '.join(r[0] for r in rows)})")
        got = tuple(whole(v, "a size", f"n={n}") for v in got)
        if got != expected:
            i = next(i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e)
            two_by_two = _expected_sizes(n, tuple((name, 2, 2, padding) if name.startswith("pool")
                                                  else (name, kernel, stride, padding)
                                                  for name, kernel, stride, padding in rows))
            raise Hint(_size_hint(n, rows[i], n if i == 0 else expected[i - 1], got[i],
                                  pools_2x2=got[:i + 1] == two_by_two[:i + 1]))
    return (f"right for {len(cases)} input sizes ({len(edges)} edge cases, the rest drawn at "
            "random), strides that leave a remainder included")


def _expected_sizes(n, rows):
    """The sizes of ``rows`` (name, kernel, stride, padding) one after the other, from n."""
    sizes = []
    for _, kernel, stride, padding in rows:
        n = ops.output_size(n, kernel, stride, padding, strict=False)
        sizes.append(n)
    return tuple(sizes)


def _size_hint(n, row, before, got, pools_2x2=False):
    """The hint for the first row of AlexNet whose size ``got`` is wrong (``pools_2x2``:
    the answer's sizes up to that row are those of 2x2 pools)."""
    name, kernel, stride, padding = row
    case = (f"for n={n}, {name} ({kernel}x{kernel}, stride {stride}, '{padding}') on its "
            f"{before}x{before} input gives {got} in your list")
    if padding == "same":
        return (f"{case}: it is padded ('same') and moves one pixel at a time; what does that "
                "padding do to the size?")
    span = before - kernel
    if got == before:
        return f"{case}: it is not padded, so it cannot keep its input size"
    # a 2x2 pool gives what a 3x3 one rounded up gives: the hint says 2x2 only when every
    # size so far is a 2x2 pool's (a student who rounds up, or to the nearest, has already
    # failed at conv1 for n=230)
    if pools_2x2 and name.startswith("pool"):
        return f"{case}: the table pools 3x3 windows, not 2x2 ones"
    if span % stride and got == -(-span // stride) + 1:
        return (f"{case}: you rounded up; the window that would stick out past the edge is "
                "dropped, so Keras rounds down")
    if got == span // stride:
        return f"{case}, one short: count the window's first position too"
    if got == before // stride:
        return (f"{case}: dividing by the stride alone overcounts; the {kernel}x{kernel} window "
                "has to fit inside the input at every position")
    return f"{case}, which is not what Keras builds"


def _settings(layer):
    """What the table fixes of ``layer``: its window, stride, padding and width, and the
    settings that would change it (dilation, groups, biases)."""
    config = _config(layer)
    keys = ("filters", "units", "kernel_size", "pool_size", "strides", "padding",
            "dilation_rate", "groups", "use_bias", "data_format")
    return {key: tuple(config[key]) if isinstance(config[key], list) else config[key]
            for key in keys if key in config}


def _activation(layer, seen):
    """'relu', 'softmax', 'linear', ... for a layer that has an activation, else None: what
    the activation computes on numbers drawn here, not what it is called (a function named
    `relu` that computes a sigmoid is a sigmoid). ``seen``: functions judged already."""
    from keras import layers

    if isinstance(layer, layers.ReLU):
        config = layer.get_config()
        plain = not config.get("negative_slope") and config.get("max_value") is None
        if not plain or config.get("threshold"):
            return "a modified ReLU"
    if isinstance(layer, layers.Softmax | layers.ReLU):  # Keras' own class (_rows checks)
        return _computes(layer, type(layer).__name__, trusted=True)
    function = getattr(layer, "activation", None)
    if function is None:
        return None
    if id(function) not in seen:  # by identity: an answer's object may be equal to anything
        seen[id(function)] = function, _computes(function, getattr(function, "__name__",
                                                                   type(function).__name__))
    return seen[id(function)][1]


def _computes(function, name, trusted=False):
    """The name of the activation ``function`` computes, on a batch of 17 scores of both
    signs drawn fresh, else a description of it that says it is none of Keras' or where it
    parts from one. A function of the student's must give the same values in a compiled
    model (as ``fit`` runs it) as when called, and the activation's gradient: one that
    computes relu only when called, or holds its gradient back, cannot train."""
    import keras

    rng = np.random.default_rng()
    x = np.concatenate([[np.linspace(-6, 6, 17)], rng.normal(0, 4, (3, 17))]).astype("float32")
    known = {"linear": lambda v: v, "relu": keras.activations.relu,
             "softmax": keras.activations.softmax}
    for other in ("sigmoid", "tanh", "relu6", "elu", "selu", "gelu", "silu", "softplus",
                  "leaky_relu", "log_softmax"):
        known[other] = getattr(keras.activations, other)
    got = _evaluated(function, x)
    for known_name, keras_function in known.items():
        expected = _evaluated(keras_function, x)
        if got is None or not _close(got[0], expected[0]):
            continue
        if trusted or any(function is own for own in (keras_function,
                                                      getattr(keras.activations, known_name))):
            return known_name  # Keras' own: nothing more to ask of it
        compiled = _evaluated(function, x, compiled=True)
        if compiled is None or not _close(compiled[0], expected[0]):
            return (f"`{_shown_name(name)}`, which computes {known_name} when called on "
                    "numbers but not inside a compiled model, as fit runs it")
        if not (_close(got[1], expected[1]) and _close(compiled[1], expected[1])):
            return (f"`{_shown_name(name)}`, which gives {known_name}'s values but not its "
                    "gradient, so the layers before it cannot learn")
        return known_name
    return (f"`{_shown_name(name)}`, which computes none of Keras' activations (not relu, not "
            "softmax)")


def _shown_name(name):
    return name if isinstance(name, str) and name.isidentifier() else "an activation"


def _close(got, expected):
    return got.shape == expected.shape and np.allclose(got, expected, rtol=1e-4, atol=1e-6)


def _evaluated(function, x, compiled=False):
    """``function(x)`` and the gradient of a weighted sum of it with respect to ``x`` (away
    from 0, where ReLUs written by hand may pick either side), called or in a tf.function;
    None when it fails."""
    import tensorflow as tf

    weights = np.cos(np.arange(x.size, dtype="float32")).reshape(x.shape)
    away = np.where(np.abs(x) < 1e-2, np.float32(0.5), x)

    def values(v, u):
        with tf.GradientTape() as tape:
            tape.watch(u)
            loss = tf.reduce_sum(tf.cast(function(u), tf.float32) * weights)
        gradient = tape.gradient(loss, u)
        return function(v), tf.zeros_like(u) if gradient is None else gradient

    try:
        run = tf.function(values) if compiled else values
        y, gradient = run(tf.constant(x), tf.constant(away))
        return (np.asarray(tf.cast(y, tf.float64)), np.asarray(gradient, dtype=np.float64))
    except Exception:  # noqa: BLE001 - whatever the student's activation does, it is not ours
        return None


def _rows(model):
    """``model``'s layers as the table's rows: each layer that computes something, with the
    ZeroPadding2D layers just before it (lesson 02's ``ZeroPadding2D(p)`` then 'valid' for
    PyTorch's ``padding=p``) and the activations and dropouts that follow it."""
    from keras import layers

    extras = (layers.Activation, layers.ReLU, layers.Softmax, layers.Dropout)
    rows, pads = [], []
    for layer in model.layers:
        if isinstance(layer, layers.InputLayer):
            continue
        keras_class = next((c for c in (layers.ZeroPadding2D, *extras) if isinstance(layer, c)),
                           None)
        if keras_class is not None and type(layer) is not keras_class:
            raise Hint(f"your layer '{layer.name}' is a {type(layer).__name__} of your own "
                       f"(from {type(layer).__module__}); the notes' layers are Keras' own: use "
                       f"keras.layers.{keras_class.__name__}, which computes the same in "
                       "training and in use")
        if isinstance(layer, layers.ZeroPadding2D):
            pads.append(layer)
            continue
        if pads and not isinstance(layer, layers.Conv2D):
            raise Hint(f"your layer '{pads[0].name}' is a ZeroPadding2D before "
                       f"'{layer.name}', a {type(layer).__name__}; in the table only "
                       "convolutions are padded, so put it right before the one it pads")
        if not isinstance(layer, extras):
            rows.append({"layer": layer, "activations": [], "dropouts": [], "pads": pads,
                         "group": [*pads, layer]})
            pads = []
        elif not rows:
            raise Hint(f"your model starts with '{layer.name}', a {type(layer).__name__}; the "
                       "table's first row is conv1")
        elif isinstance(layer, layers.Dropout):
            if layer.get_config().get("noise_shape") is not None:
                raise Hint(f"your dropout '{layer.name}' sets noise_shape, so it drops units "
                           "together, not each one on its own as the notes' does: leave it "
                           "at Keras' default")
            rows[-1]["dropouts"].append(layer.rate)
            rows[-1]["group"].append(layer)
        else:
            rows[-1]["activations"].append(layer)
            rows[-1]["group"].append(layer)
    if pads:
        raise Hint(f"your model ends with '{pads[0].name}', a ZeroPadding2D: it pads the "
                   "input of the layer after it, and there is none")
    seen = {}  # an activation function shared by several layers is judged once
    for row in rows:  # the layer's own activation first, then those of the layers after it
        found = (_activation(layer, seen) for layer in [row["layer"], *row["activations"]])
        row["activations"] = [a for a in found if a not in (None, "linear")]
    return rows


@checker(without=("course.models.alexnet",))
def notes_alexnet_fixed(answer):
    """``answer()``: the notes' Sequential AlexNet, fixed: every row of the table (kernel,
    stride, padding, width, activation), their dropout of 0.4 after fc6 and fc7, 17 classes."""
    import keras

    plain = {"data_format": "channels_last"}  # the images' axes: rows, columns, channels
    conv = {"dilation_rate": (1, 1), "groups": 1, "use_bias": True, **plain}
    pool = {"pool_size": (3, 3), "strides": (2, 2), "padding": "valid", **plain}
    table = [  # (row, kind, settings, activation, dropout)
        ("conv1", "Conv2D", {"filters": 96, "kernel_size": (11, 11), "strides": (4, 4),
                             "padding": "valid", **conv}, "relu", None),
        ("pool1", "MaxPooling2D", pool, None, None),
        ("conv2", "Conv2D", {"filters": 256, "kernel_size": (5, 5), "strides": (1, 1),
                             "padding": "same", **conv}, "relu", None),
        ("pool2", "MaxPooling2D", pool, None, None),
        *[(f"conv{i}", "Conv2D", {"filters": filters, "kernel_size": (3, 3), "strides": (1, 1),
                                  "padding": "same", **conv}, "relu", None)
          for i, filters in ((3, 384), (4, 384), (5, 256))],
        ("pool5", "MaxPooling2D", pool, None, None),
        ("flatten", "Flatten", plain, None, None),
        ("fc6", "Dense", {"units": 4096, "use_bias": True}, "relu", 0.4),
        ("fc7", "Dense", {"units": 4096, "use_bias": True}, "relu", 0.4),
        ("output", "Dense", {"units": 17, "use_bias": True}, "softmax", None),
    ]
    if isinstance(answer, keras.Model | keras.layers.Layer):
        raise Hint(f"you passed a {type(answer).__name__}, the model itself; pass the function "
                   "that builds it (its name, without parentheses), so that the checker can "
                   "build a fresh one")
    policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")  # compare in float32 on any machine
    try:
        return _check_alexnet(answer(), table)
    finally:
        keras.mixed_precision.set_global_policy(policy)


def _check_alexnet(model, table):
    """The checks of :func:`notes_alexnet_fixed` on the model the answer built."""
    import keras

    if not isinstance(model, keras.Sequential):
        kind = "a functional keras.Model" if isinstance(model, keras.Model) else type(
            model).__name__
        raise Hint(f"you returned {kind}; the exercise asks for a keras.Sequential model in the "
                   "notes' style")
    try:
        shape = tuple(model.input_shape[1:])
    except (AttributeError, ValueError):  # a Sequential model without keras.Input
        raise Hint("your model is not built yet, so it has no input shape: start it with "
                   "keras.Input") from None
    if shape != (227, 227, 3):
        raise Hint(f"your model's input is {shape}; the table's is 227 x 227 x 3 (with 224, "
                   "conv1's (224 - 11) / 4 + 1 is not a whole number)")
    rows = _rows(model)
    _same_rows(rows, table)
    for row, (name, _, settings, activation, dropout) in zip(rows, table, strict=True):
        _same_settings(row["layer"], name, settings, row["pads"])
        _same_activation(row, name, activation)
        _same_dropout(row, name, dropout)
    _ready_to_train(model)
    _same_weights(rows, table)
    _same_computation(rows, table)
    _same_training_step(rows, table)
    return ("every row matches the table (kernel, stride, padding, width, activation), the "
            "notes' dropout after fc6 and fc7, 17 classes and one softmax at the end")


def _same_rows(rows, table):
    """A hint unless ``rows`` are the table's rows, kind by kind, each Keras' own class."""
    import keras

    for i, (name, kind, *_) in enumerate(table):
        if i >= len(rows):
            raise Hint(f"your model ends after {len(rows)} layers; the table goes on with "
                       f"{name} (a {kind})")
        layer = rows[i]["layer"]
        if (got := type(layer).__name__) != kind:
            raise Hint(f"the table's row {name} is a {kind}, but your layer {i + 1} "
                       f"('{layer.name}') is {'an' if got[0] in 'AEIOU' else 'a'} {got}")
        if type(layer) is not getattr(keras.layers, kind):
            raise Hint(f"your layer '{layer.name}' (the table's {name}) is a {kind} class of "
                       f"your own, from {type(layer).__module__}; the notes' rows are Keras' "
                       f"own layers: use keras.layers.{kind}")
    if len(rows) > len(table):
        tail = [row["layer"] for row in rows[len(table) - 1:]]
        shown = ", then ".join(f"'{layer.name}' ({type(layer).__name__})" for layer in tail)
        raise Hint(f"after fc7 the table has one output layer, but your model has {len(tail)} "
                   f"there: {shown}; a classifier stacked on another (ImageNet's 1000 classes, "
                   "then the flowers' 17) classifies twice")


def _same_settings(layer, name, settings, pads=()):
    """A hint naming the first setting of ``layer`` that differs from the table's row;
    ``pads``, the ZeroPadding2D layers before it, and 'valid' count as 'same' when they add
    what 'same' adds."""
    got = _settings(layer)
    for key, expected in settings.items():
        value = got.get(key)
        if key == "padding" and pads:  # the window and stride are the table's by now
            value = _padded(layer, name, got, pads, expected)
        if value == expected:
            continue
        where = f"your layer '{layer.name}' (the table's {name})"
        if name == "output" and key == "units":
            raise Hint(f"your output layer has {value} units; the flowers dataset the notes "
                       "used has 17 classes")
        if key in ("kernel_size", "pool_size"):
            raise Hint(f"{where} has a {value[0]}x{value[1]} window; the table's is "
                       f"{expected[0]}x{expected[1]}")
        if key == "strides":
            raise Hint(f"{where} has stride {value[0]}; the table's is {expected[0]}")
        if key == "padding" and expected == "same":
            raise Hint(f"{where} is '{value}': the table keeps its input size on that row, "
                       "which takes padding")
        if key == "padding":
            raise Hint(f"{where} pads ('{value}'); the table's sizes on that row come from an "
                       "unpadded window")
        if key in ("filters", "units"):
            raise Hint(f"{where} has {value} {key}; the table's row has {expected}")
        raise Hint(f"{where} sets {key}={value!r}, which the table does not: leave it at "
                   "Keras' default")


def _padded(layer, name, got, pads, expected):
    """'same' when ``pads`` and ``layer``'s 'valid' pad as the table's 'same' row does
    (stride 1, odd kernel: (k - 1) / 2 zeros on every side), else a hint."""
    where = f"your layer '{layer.name}' (the table's {name})"
    sides = [[0, 0], [0, 0]]  # rows (before, after), columns (before, after)
    for pad in pads:
        config = pad.get_config()
        if config.get("data_format", "channels_last") != "channels_last":
            raise Hint(f"your ZeroPadding2D '{pad.name}' sets data_format="
                       f"'{config['data_format']}', so it pads other axes than the image's "
                       "rows and columns: leave it at Keras' default")
        sides = [[a + int(b) for a, b in zip(side, more, strict=True)]
                 for side, more in zip(sides, config["padding"], strict=True)]
    if expected != "same":
        raise Hint(f"{where} is padded by a ZeroPadding2D; the table's sizes on that row come "
                   "from an unpadded window")
    if got.get("padding") != "valid":
        raise Hint(f"{where} is '{got.get('padding')}' after a ZeroPadding2D, so its input is "
                   "padded twice: with a ZeroPadding2D in front, the convolution is 'valid'")
    kernel = got["kernel_size"]
    same = [[(k - 1) // 2] * 2 for k in kernel]
    if got["strides"] == (1, 1) and all(k % 2 for k in kernel) and sides == same:
        return "same"
    raise Hint(f"{where} is padded by ZeroPadding2D with (before, after) = {tuple(sides[0])} "
               f"rows and {tuple(sides[1])} columns; a {kernel[0]}x{kernel[1]} window keeps its "
               f"input's size, as on the table's row, with {same[0][0]} "
               f"zero{'s' if same[0][0] != 1 else ''} on every side")


def _same_activation(row, name, expected):
    """A hint unless the row's activations are the table's."""
    got, layer = row["activations"], row["layer"]
    if name == "output":
        if "relu" in got:
            raise Hint("your output goes through a ReLU before the softmax: every negative "
                       "score becomes 0, so the model cannot push a wrong class below the "
                       "others")
        if got != ["softmax"]:
            raise Hint("your model should end in one softmax, so that it outputs probabilities")
    elif expected == "relu" and got != ["relu"]:
        if not got:
            raise Hint(f"layer '{layer.name}' ({name}) has no ReLU after it: without a "
                       "non-linearity two layers collapse into one linear map")
        raise Hint(f"layer '{layer.name}' ({name}) uses {', then '.join(map(str, got))}; the "
                   "table's activation on that row is relu")
    elif expected is None and set(got) - {"relu"}:
        raise Hint(f"layer '{layer.name}' ({name}) is followed by {', '.join(map(str, got))}; "
                   "that row of the table has no activation of its own")


def _same_dropout(row, name, expected):
    """A hint unless the row has the notes' dropout (fc6 and fc7) or none (the others)."""
    got, layer = row["dropouts"], row["layer"]
    if expected is None and got:
        raise Hint(f"your model has a dropout after '{layer.name}' ({name}); the notes keep "
                   "dropout only after the first two dense layers")
    if expected is not None and not got:
        raise Hint(f"your model has no dropout after '{layer.name}' ({name}); the statement "
                   "asks to keep the notes' dropout there")
    if expected is not None and got != [expected]:
        raise Hint(f"the dropout after '{layer.name}' ({name}) has rate "
                   f"{', '.join(map(str, got))}; keep the notes' rate")


def _ready_to_train(model):
    """A hint unless ``model`` takes float images in batches of any size and trains as the
    notes' model does: in float32, every weight learning from the start, nothing added to
    the loss and nothing holding a weight back."""
    batch = model.input_shape[0]
    if batch is not None:
        raise Hint(f"your model's input fixes the batch size to {batch}; the notes' model "
                   "takes batches of any size: leave keras.Input's batch size open")
    dtype = str(model.inputs[0].dtype)
    if dtype != "float32":
        raise Hint(f"your model's input has dtype {dtype}; the images go in as float32: leave "
                   "keras.Input's dtype at its default")
    frozen = [layer for layer in model.layers if layer.weights and not layer.trainable]
    if not model.trainable or frozen:
        where = f"layer '{frozen[0].name}'" if frozen else "model"
        raise Hint(f"your {where} is frozen (trainable=False): the notes train AlexNet from "
                   "scratch, so every layer learns")
    output = [layer for layer in model.layers if hasattr(layer, "kernel")][-1]
    for layer in model.layers:
        _trains_as_keras_default(layer, output=layer is output)


# settings that leave what a layer computes alone and change how it trains
_TRAINING_SETTINGS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                      "kernel_constraint", "bias_constraint")


def _config(layer) -> dict:
    """``layer.get_config()``, or a hint where Keras cannot describe the layer."""
    try:
        return layer.get_config()
    except Exception as error:  # noqa: BLE001 - Keras cannot serialize what the student gave
        raise Hint(f"Keras cannot describe your layer '{layer.name}' ({type(error).__name__}: "
                   f"{str(error)[:80]}): give its activation by name ('relu') or as a plain "
                   "function") from None


def _trains_as_keras_default(layer, output=False):
    """A hint if ``layer`` computes in another precision than float32, holds a weight that
    does not learn (LoRA freezes the kernel), penalizes or constrains its weights, or starts
    where it cannot learn (see :func:`_starts_where_it_can_learn`; ``output``: the layer is
    the classifier)."""
    where = f"your layer '{layer.name}'"
    policy = layer.dtype_policy.name
    if policy != "float32":
        raise Hint(f"{where} computes in {policy}; the notes' model computes in float32: "
                   "leave the layer's dtype at its default (a faster precision is set for "
                   "the whole run, with keras.mixed_precision.set_global_policy: lesson 12)")
    config = _config(layer)
    if config.get("lora_rank"):
        raise Hint(f"{where} has LoRA on (lora_rank={config['lora_rank']}): its kernel is "
                   "frozen and only a low-rank update learns; the notes train every weight "
                   "from scratch")
    still = [w for w in layer.weights if not w.trainable]
    if still:
        raise Hint(f"{where} holds a weight that does not learn ({still[0].path}: "
                   "trainable=False); the notes train every weight from scratch")
    held = [key for key in _TRAINING_SETTINGS if config.get(key) is not None]
    held += [f"a {kind} on {w.path}" for w in layer.weights
             for kind in ("constraint", "regularizer") if getattr(w, kind, None) is not None]
    if held:
        raise Hint(f"{where} sets {held[0]}; the notes' layers have none, so training "
                   "changes their weights only by the gradient of the loss: leave it at "
                   "Keras' default (AlexNet's weight decay belongs to the optimizer)")
    if hasattr(layer, "kernel"):
        _starts_where_it_can_learn(layer, where, output)


def _starts_where_it_can_learn(layer, where, output):
    """A hint if ``layer`` starts where training cannot take it: every unit with the same
    weights (they get the same gradient and stay equal; the classifier's units get
    different gradients, so a zero classifier is fine), kernel weights mostly of one sign,
    a spread more than 30 times off Glorot's (Keras' default; AlexNet's N(0, 0.01) and He's
    are within it), or biases beyond 1 in size (AlexNet's are 0 or 1)."""
    kernel = np.asarray(layer.kernel.numpy())  # fc6's 37.7 million weights: no float64 copy
    units = kernel.reshape(-1, kernel.shape[-1])
    if not output and np.all(units[:8] == units[:8, :1]) and np.all(units == units[:, :1]):
        raise Hint(f"{where} starts with every unit's weights the same: they then get the "
                   "same gradient and stay equal; leave kernel_initializer at Keras' "
                   "default, which draws each weight at random")
    fan_in, fan_out = units.shape
    glorot = np.sqrt(2 / (fan_in + fan_out))
    flat = kernel.ravel()  # float32 sums (pairwise, BLAS): accurate to far below the bounds
    size = float(np.sqrt(np.dot(flat, flat) / flat.size))
    mean = float(flat.sum() / flat.size)
    if size and abs(mean) > size / 2:
        raise Hint(f"{where} starts with kernel weights of mean {mean:.3g}, mostly of one "
                   "sign: leave kernel_initializer at Keras' default, centred on 0")
    if size > 30 * glorot or (not output and size < glorot / 30):
        raise Hint(f"{where} starts with kernel weights of size (root mean square) "
                   f"{size:.3g}, more than 30 times off {glorot:.3g}, Glorot's for its "
                   f"{fan_in} inputs and {fan_out} outputs (Keras' default): signals "
                   f"{'vanish' if size < glorot else 'explode'} through the layers; "
                   "leave kernel_initializer at its default")
    bias = np.asarray(layer.bias.numpy(), dtype=np.float64)
    if np.abs(bias).max() > 1:
        raise Hint(f"{where} starts with biases up to {np.abs(bias).max():.3g} in size: "
                   "large negative ones switch ReLUs off for good, large positive ones "
                   "swamp the weights; leave bias_initializer at its default, 0")


def _same_weights(rows, table):
    """A hint unless each row's kernel and biases have the shapes its settings give: a
    layer whose config says 11x11 may hold a 9x9 kernel."""
    size, channels = 227, 3  # the table's input; then what each row makes of it
    for row, (name, kind, settings, _, _) in zip(rows, table, strict=True):
        layer = row["layer"]
        if kind in ("Conv2D", "MaxPooling2D"):
            window = (settings.get("kernel_size") or settings["pool_size"])[0]
            size = ops.output_size(size, window, settings["strides"][0], settings["padding"],
                                   strict=False)
        if kind == "Flatten":
            channels = size * size * channels
        if kind not in ("Conv2D", "Dense"):
            continue
        width = settings.get("filters") or settings["units"]
        kernel = (window, window, channels, width) if kind == "Conv2D" else (channels, width)
        shapes = [tuple(int(v) for v in w.shape) for w in (layer.kernel, layer.bias)]
        if shapes != [kernel, (width,)]:
            raise Hint(f"your layer '{layer.name}' (the table's {name}) holds a kernel of shape "
                       f"{shapes[0]} and biases of shape {shapes[1]}, which are not what its "
                       "settings make: its config does not say what it computes. Use Keras' "
                       "own layer with the table's settings")
        channels = width


def _same_computation(rows, table):
    """A hint unless each row, run on what the row before it output, computes what the
    table's layer computes with the row's own weights: an activation that looks at the
    shape of its input, or a layer after the row's own that does more than its name says,
    shows there."""
    import keras

    rng = np.random.default_rng()
    x = rng.uniform(0, 1, (int(rng.integers(1, 4)), 227, 227, 3)).astype("float32")
    for row, (name, kind, settings, activation, _) in zip(rows, table, strict=True):
        layer = row["layer"]
        try:
            y = x
            for part in row["group"]:  # the row's layer, its activations and dropouts
                y = part(y, training=False)
            got = np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float32)
        except Exception as error:  # noqa: BLE001 - a layer of the student's fails to run
            raise Hint(f"your layer '{layer.name}' (the table's {name}) fails on a batch of "
                       f"images: {type(error).__name__}: {str(error)[:120]}") from None
        expected = _table_row(kind, settings, activation, layer, x)
        # loose enough for a GPU's TensorFloat-32 convolutions, which round each product
        # to 10 bits; a wrong activation is off by far more
        scale = max(1.0, float(np.abs(expected).max()))
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-2,
                                                          atol=1e-3 * scale):
            then = f" then {activation}" if activation else ""
            raise Hint(f"your layer '{layer.name}' (the table's {name}) and what follows it "
                       f"compute something else than a {kind} with the table's settings"
                       f"{then}, given the layer's own weights, on a batch of images: does "
                       "each activation compute the same function of a value whatever the "
                       "shape of the tensor it is given?")
        x = got


def _same_training_step(rows, table):
    """A hint unless each row with an activation of the student's gives, traced as fit
    traces it (a tf.function, ``training=True``, a batch of 8), the table's values and the
    table's gradients with respect to its input and its own weights: an activation that
    knows it is training, traced or given a bigger batch, or holds a gradient back, shows
    here. (No finite test sees one that changes after its ten-thousandth call.)"""
    import keras
    import tensorflow as tf

    own = {id(getattr(keras.activations, name)) for name in dir(keras.activations)
           if callable(getattr(keras.activations, name))}
    x = np.random.default_rng().uniform(0, 1, (8, 227, 227, 3)).astype("float32")
    for row, (name, kind, settings, activation, _) in zip(rows, table, strict=True):
        if all(id(getattr(part, "activation", None)) in own | {id(None)}
               for part in row["group"]):
            x = _table_row(kind, settings, activation, row["layer"], x)
            continue
        weights = [w for w in (getattr(row["layer"], "kernel", None),
                               getattr(row["layer"], "bias", None)) if w is not None]

        def student(v, group=row["group"]):
            for part in group:
                v = part(v, training=not isinstance(part, keras.layers.Dropout))
            return v

        def table_row(v, row=row, kind=kind, settings=settings, activation=activation):
            return _table_tensor(kind, settings, activation, row["layer"], v)

        # where the row's value before its ReLU is exactly 0, any slope in [0, 1] is a
        # right gradient (keras' relu passes 0, keras.ops.maximum(x, 0) passes 1): no
        # gradient is asked for there, as _evaluated keeps its inputs away from 0 (1 of 20
        # draws of images had such a value at conv1)
        kink = 1.0
        if activation == "relu":
            before = _table_tensor(kind, settings, None, row["layer"], tf.constant(x))
            kink = tf.cast(tf.not_equal(before, 0), tf.float32)

        def step(v, compute, weights=weights, kink=kink):
            with tf.GradientTape() as tape:
                tape.watch(v)
                y = tf.cast(compute(v), tf.float32)
                probe = tf.reshape(tf.cos(tf.range(tf.size(y), dtype=tf.float32)), tf.shape(y))
                loss = tf.reduce_sum(y * probe * kink)
            grads = tape.gradient(loss, [v, *weights])
            return y, [tf.zeros_like(w) if g is None else tf.convert_to_tensor(g)
                       for w, g in zip([v, *weights], grads, strict=True)]

        want = step(tf.constant(x), table_row)  # the table's output is the next row's input
        try:
            got = tf.function(lambda v, student=student, step=step: step(v, student))(
                tf.constant(x))
        except Exception as error:  # noqa: BLE001 - a layer of the student's fails to run
            raise Hint(f"your layer '{row['layer'].name}' (the table's {name}) fails inside a "
                       f"training step (as fit runs it): {type(error).__name__}: "
                       f"{str(error)[:120]}") from None
        parts = [("output", got[0], want[0])] + [
            (what, g, w) for what, g, w in zip(
                ["gradient at its input", "gradient for its kernel", "gradient for its bias"],
                got[1], want[1], strict=False)]
        for what, g, w in parts:
            g, w = np.asarray(g, dtype=np.float32), np.asarray(w, dtype=np.float32)
            scale = max(1e-6, float(np.abs(w).max()))
            if g.shape != w.shape or not np.allclose(g, w, rtol=1e-2, atol=1e-3 * scale):
                raise Hint(f"your layer '{row['layer'].name}' (the table's {name}) and what "
                           f"follows it give another {what} than the "
                           "table's inside a training step (as fit runs it: traced, "
                           "training=True, a batch of 8): does each activation compute, and "
                           "pass gradients, the same whether training or not, traced or not, "
                           "whatever the batch?")
        x = np.asarray(want[0], dtype=np.float32)


def _table_tensor(kind, settings, activation, layer, x):
    """What the table's row computes on ``x`` with ``layer``'s weights, as a tensor."""
    import keras

    if kind == "MaxPooling2D":
        y = keras.ops.max_pool(x, settings["pool_size"], settings["strides"], settings["padding"])
    elif kind == "Flatten":
        y = keras.ops.reshape(x, (x.shape[0], -1))
    elif kind == "Conv2D":
        y = keras.ops.conv(x, layer.kernel, settings["strides"], settings["padding"]) + layer.bias
    else:
        y = keras.ops.matmul(x, layer.kernel) + layer.bias
    if activation == "relu":
        y = keras.ops.relu(y)
    elif activation == "softmax":
        y = keras.ops.softmax(y, axis=-1)
    return y


def _table_row(kind, settings, activation, layer, x):
    """What the table's row computes on ``x`` with ``layer``'s weights, inference mode."""
    import keras

    y = _table_tensor(kind, settings, activation, layer, x)
    return np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float32)


@checker(without=PARAM_SHORTCUTS)
def inception_params(answer):
    """``answer(c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj)``: the module's parameters."""
    names = ("c_in", "c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj")
    edges = [(192, 64, 96, 128, 16, 32, 32),  # GoogLeNet's 3a
             (256, 128, 128, 192, 32, 96, 64),  # 3b
             (480, 192, 96, 208, 16, 48, 64),  # 4a
             (832, 384, 192, 384, 48, 128, 128),  # 5b
             (3, 2, 1, 2, 1, 2, 1), (1, 1, 1, 1, 1, 1, 1),
             (7, 11, 13, 17, 19, 23, 29)]  # all different: each argument counts in its place
    rng = np.random.default_rng()
    cases = edges + [tuple(int(v) for v in rng.choice(np.arange(1, 513), 7, replace=False))
                     for _ in range(12)]
    for case in cases:
        c_in, c1, c3r, c3, c5r, c5, pp = case
        convs = {  # each convolution: (kernel, channels in, filters)
            "1x1": (1, c_in, c1), "3x3 reduction": (1, c_in, c3r), "3x3": (3, c3r, c3),
            "5x5 reduction": (1, c_in, c5r), "5x5": (5, c5r, c5), "pool projection": (1, c_in, pp)}
        counts = {name: k * k * a * b + b for name, (k, a, b) in convs.items()}
        shown = ", ".join(f"{name}={v}" for name, v in zip(names, case, strict=True))
        got = whole(answer(*case), "the count", shown)
        expected = sum(counts.values())
        if got != expected:
            said = f"{got:,}" if abs(got) < 10**15 else f"a number of {len(str(abs(got)))} digits"
            raise Hint(f"for {shown} you return {said}"
                       + _inception_hint(got, expected, convs, counts))
    return (f"right on {len(cases)} modules ({len(edges)} edge cases, GoogLeNet's 3a, 3b, 4a "
            "and 5b among them; the rest drawn at random)")


def _inception_hint(got, expected, convs, counts):
    """The rest of the hint for a wrong count ``got``."""
    filters = sum(b for _, _, b in convs.values())
    (_, c_in, _), (_, c3r, c3), (_, c5r, c5) = (convs[n] for n in ("1x1", "3x3", "5x5"))
    if got == expected - filters:
        return ": those are the weights; each convolution also has one bias per filter"
    if got == expected - filters + len(convs):
        return ": there is one bias per filter, not one per convolution"
    missing = [name for name, count in counts.items() if got == expected - count]
    if missing:
        return f": you left out the {missing[0]} convolution"
    wide = {"3x3": 9 * (c_in - c3r) * c3, "5x5": 25 * (c_in - c5r) * c5}
    if got in (expected + wide["3x3"], expected + wide["5x5"], expected + sum(wide.values())):
        return (": the 3x3 and 5x5 convolutions read the output of their 1x1 reductions, not "
                "the module's input")
    if got == expected + 8 * c_in * convs["pool projection"][2]:
        return ": the max-pool has no weights, and the projection after it is 1x1"
    return (f", {'more' if got > expected else 'fewer'} than the module has: count its six "
            "convolutions one by one (the max-pool has no weights)")


def _pair_of_counts(answer, name, what):
    """``answer`` as two whole numbers, else a hint saying what to assign."""
    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in answer)):
        raise Hint(f"assign two whole numbers, {name} = ({what}); you assigned {answer!r:.60}")
    return tuple(int(v) for v in answer)


@checker(prediction=True)
def naive_stack(answer):
    """``answer = (channels, params)``: what the third of three stacked naive modules outputs,
    and its parameters; measured by building the stack. The hints name a recognised mistake
    in either number, or say that the pair is wrong, never which one of the two is right."""
    import keras

    from course.models import inception_module

    naive = (64, 0, 128, 0, 32, 0)  # the naive module of section 4: no 1x1 reductions
    channels, params = _pair_of_counts(answer, "naive_stack", "channels, parameters")
    x = keras.Input((28, 28, 192))
    widths, counts = [192], []
    for i in range(3):
        y = inception_module(x, *naive, name=f"naive{i + 1}")
        widths.append(int(y.shape[-1]))
        counts.append(keras.Model(x, y).count_params())
        x = y
    if (channels, params) == (widths[3], counts[2]):
        return "the third naive module's width and its parameters, as Keras builds it"
    convolutions = naive[0] + naive[2] + naive[4]  # what the three convolutions output
    per_channel = naive[0] + 9 * naive[2] + 25 * naive[4]  # weights per input channel
    wrong_channels = {
        widths[1]: "is what the first module outputs (section 4 printed it); the second and "
                   "the third each concatenate their own branches onto what they receive",
        widths[2]: "is what the second module outputs; the exercise asks for the third's",
        convolutions: "is what the three convolutions produce; the pool branch is "
                      "concatenated too, and without a 1x1 projection it passes on every "
                      "channel of its input",
        3 * convolutions: "is what the convolutions of the three modules produce; the pool "
                          "branches pass the stack's 192 input channels on as well",
    }
    wrong_params = {
        counts[0]: "is the first module's count; a convolution's weights grow with the "
                   "number of channels it reads, and the third module reads more than 192",
        counts[1]: "is the second module's count; the third reads the second's output",
        counts[2] - convolutions: "leaves out the biases: the statement says every "
                                  "convolution has them",
        per_channel * widths[3] + convolutions: "counts the channels the third module "
                                                "outputs; its convolutions read the channels "
                                                "of its input",
    }
    if channels in wrong_channels:
        raise Hint(f"{channels} channels {wrong_channels[channels]}")
    if params in wrong_params:
        raise Hint(f"{params:,} parameters {wrong_params[params]}")
    raise Hint(f"({channels}, {params:,}) is not what the third module has: follow the width "
               "module by module (each concatenates its branches), then count the third "
               "module's convolutions over the channels it reads, biases included; the "
               "max-pool has no weights")
