"""Checkers for lesson 06 (classic architectures)."""

from course.check.core import Hint, checker, keras_model, numbers

# AlexNet's convolution and pooling rows in the notes' table: (name, kernel, stride, padding).
ALEXNET_ROWS = [("conv1", 11, 4, "valid"), ("pool1", 3, 2, "valid"), ("conv2", 5, 1, "same"),
                ("pool2", 3, 2, "valid"), ("conv3", 3, 1, "same"), ("conv4", 3, 1, "same"),
                ("conv5", 3, 1, "same"), ("pool5", 3, 2, "valid")]
# The notes' table, one (kind, output shape) per row after the input.
ALEXNET_TABLE = [("conv1", "Conv2D", (55, 55, 96)), ("pool1", "MaxPooling2D", (27, 27, 96)),
                 ("conv2", "Conv2D", (27, 27, 256)), ("pool2", "MaxPooling2D", (13, 13, 256)),
                 ("conv3", "Conv2D", (13, 13, 384)), ("conv4", "Conv2D", (13, 13, 384)),
                 ("conv5", "Conv2D", (13, 13, 256)), ("pool5", "MaxPooling2D", (6, 6, 256)),
                 ("flatten", "Flatten", (9216,)), ("fc6", "Dense", (4096,)),
                 ("fc7", "Dense", (4096,))]


def _sizes(n):
    sizes = []
    for _, kernel, stride, padding in ALEXNET_ROWS:
        n = -(-n // stride) if padding == "same" else (n - kernel) // stride + 1
        sizes.append(n)
    return sizes


@checker(without=("course.ops.output_size",))
def alexnet_sizes(answer):
    """``answer(n)``: height of AlexNet's output after each conv and pool, for an n x n input."""
    cases = [227, 224, 235, 259, 320]
    for n in cases:
        got = list(numbers(answer(n), "a list of the eight output sizes"))
        expected = _sizes(n)
        if len(got) != len(expected):
            raise Hint(f"for n={n} you return {len(got)} sizes; return one per row of the table "
                       f"from conv1 to pool5 ({', '.join(r[0] for r in ALEXNET_ROWS)})")
        for (name, kernel, stride, padding), g, e in zip(ALEXNET_ROWS, got, expected,
                                                         strict=True):
            if g != e:
                raise Hint(f"for n={n}, {name} ({kernel}x{kernel}, stride {stride}, padding "
                           f"'{padding}') gives {g} in your list, which is not what Keras "
                           "builds: 'valid' is (n - k) // s + 1, rounded down as Keras does; "
                           "'same' with stride 1 keeps n")
    return f"right for inputs {', '.join(map(str, cases))}"


def _activation(layer):
    """'relu', 'softmax', 'linear', ... for Dense/Conv2D/Activation/ReLU/Softmax, else None."""
    from keras import layers

    if isinstance(layer, layers.ReLU):
        return "relu"
    if isinstance(layer, layers.Softmax):
        return "softmax"
    return getattr(getattr(layer, "activation", None), "__name__", None)


@checker(without=("course.models.alexnet",))
def notes_alexnet_fixed(answer):
    """``answer()``: the notes' Sequential AlexNet, fixed: the table's shapes, 17 classes."""
    from keras import layers

    model = keras_model(answer(), "a keras.Sequential model")
    if tuple(model.input_shape[1:]) != (227, 227, 3):
        raise Hint(f"your model's input is {tuple(model.input_shape[1:])}; the table's is "
                   "227 x 227 x 3 (with 224, conv1's (224 - 11) / 4 + 1 is not a whole number)")
    extras = (layers.InputLayer, layers.Dropout, layers.Activation, layers.ReLU, layers.Softmax)
    body = [layer for layer in model.layers if not isinstance(layer, extras)]
    for i, (row, kind, shape) in enumerate(ALEXNET_TABLE):
        if i >= len(body):
            raise Hint(f"your model ends after {len(body)} layers; the table goes on with "
                       f"{row} ({kind}, {shape})")
        layer = body[i]
        got = tuple(layer.output.shape[1:])
        if type(layer).__name__ != kind:
            raise Hint(f"the table's row {row} is a {kind}, but your layer {i + 1} "
                       f"('{layer.name}') is a {type(layer).__name__}")
        if got != shape:
            raise Hint(f"the table's row {row} is {' x '.join(map(str, shape))}, but your "
                       f"layer '{layer.name}' outputs {' x '.join(map(str, got))}: check its "
                       "kernel size, stride and padding against the table")
    rest = body[len(ALEXNET_TABLE):]
    if len(rest) != 1 or not isinstance(rest[0], layers.Dense):
        names = ", ".join(f"'{layer.name}'" for layer in rest) or "nothing"
        raise Hint(f"after fc7 the table has one output layer, but your model has {names}: "
                   "a 1000-way layer followed by a 17-way one classifies twice")
    if rest[0].units != 17:
        raise Hint(f"your output layer has {rest[0].units} units; the flowers dataset the "
                   "notes used has 17 classes")
    tail = model.layers[model.layers.index(rest[0]):]
    activations = [a for a in map(_activation, tail) if a not in (None, "linear")]
    if "relu" in activations:
        raise Hint("your output goes through a ReLU before the softmax: every negative score "
                   "becomes 0, so the model cannot push a wrong class below the others")
    if activations != ["softmax"]:
        raise Hint("your model should end in one softmax, so that it outputs probabilities")
    for layer in body[:-1]:
        if not isinstance(layer, (layers.Conv2D, layers.Dense)) or _activation(layer) == "relu":
            continue
        after = model.layers[model.layers.index(layer) + 1:]
        following = next((a for a in after if not isinstance(a, layers.Dropout)), None)
        if following is None or _activation(following) != "relu":
            raise Hint(f"layer '{layer.name}' has no ReLU after it: without a non-linearity "
                       "two layers collapse into one linear map")
    return "every row matches the table, 17 classes, one softmax at the end"


@checker(without=("course.models.inception_module",))
def inception_params(answer):
    """``answer(c_in, c1, c3_reduce, c3, c5_reduce, c5, pool_proj)``: the module's parameters."""
    import keras

    from course.models import inception_module

    cases = [(192, 64, 96, 128, 16, 32, 32),  # GoogLeNet's 3a
             (256, 128, 128, 192, 32, 96, 64),  # 3b
             (480, 192, 96, 208, 16, 48, 64),  # 4a
             (3, 2, 1, 2, 1, 2, 1)]
    for case in cases:
        got = answer(*case)
        inputs = keras.Input((8, 8, case[0]))
        expected = keras.Model(inputs, inception_module(inputs, *case[1:])).count_params()
        if got == expected:
            continue
        c_in, c1, c3r, c3, c5r, c5, pp = case
        weights_only = c_in * c1 + c_in * c3r + 9 * c3r * c3 + c_in * c5r + 25 * c5r * c5 \
            + c_in * pp
        where = f"for {case} you return {got}"
        if got == weights_only:
            raise Hint(f"{where}: those are the weights; each of the six convolutions also has "
                       "one bias per output channel")
        raise Hint(f"{where}, {'more' if got > expected else 'fewer'} than Keras counts: add up "
                   "the six convolutions, each k x k x (its input channels) x (its filters) + "
                   "filters; the 3x3 and 5x5 see the reductions' channels, and the max-pool "
                   "has no parameters")
    return f"right on {len(cases)} modules, GoogLeNet's 3a, 3b and 4a included"


def _pair_of_counts(answer, name, what):
    """``answer`` as two whole numbers, else a hint saying what to assign."""
    import numpy as np

    if (not isinstance(answer, (tuple, list)) or len(answer) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in answer)):
        raise Hint(f"assign two whole numbers, {name} = ({what}); you assigned {answer!r}")
    return tuple(int(v) for v in answer)


NAIVE = (64, 0, 128, 0, 32, 0)  # the naive module of section 4: no 1x1 reductions


@checker(prediction=True)
def naive_stack(answer):
    """``answer = (channels, params)``: what the third of three stacked naive modules outputs,
    and its parameters; measured by building the stack."""
    import keras

    from course.models import inception_module

    channels, params = _pair_of_counts(answer, "naive_stack", "channels, parameters")
    x = keras.Input((28, 28, 192))
    widths, counts = [192], []
    for i in range(3):
        y = inception_module(x, *NAIVE, name=f"naive{i + 1}")
        widths.append(int(y.shape[-1]))
        counts.append(keras.Model(x, y).count_params())
        x = y
    convolutions = NAIVE[0] + NAIVE[2] + NAIVE[4]  # what the three convolutions output
    per_channel = NAIVE[0] + 9 * NAIVE[2] + 25 * NAIVE[4]  # weights per input channel
    if channels != widths[3]:
        if channels == widths[1]:
            raise Hint(f"{channels} channels is what the first module outputs (section 4 "
                       "printed it); the second and the third each concatenate their own "
                       "branches onto what they receive")
        if channels == widths[2]:
            raise Hint(f"{channels} channels is what the second module outputs, the input of "
                       "the third: add what the third module's branches produce")
        if channels == convolutions:
            raise Hint(f"{channels} channels is what the three convolutions produce; the pool "
                       "branch is concatenated too, and without a 1x1 projection it passes on "
                       "every channel of its input")
        raise Hint(f"the third module does not output {channels} channels: each naive module "
                   "concatenates 64 + 128 + 32 channels from its convolutions with every "
                   "channel of its input, passed on by the pool branch")
    if params != counts[2]:
        if params == counts[0]:
            raise Hint(f"{params:,} parameters is the first module's count; a convolution's "
                       "weights grow with the number of channels it reads, and the third module "
                       "reads more than 192")
        if params == counts[1]:
            raise Hint(f"{params:,} parameters is the second module's count; the third reads "
                       "the second's output")
        if params == counts[2] - convolutions:
            raise Hint(f"{params:,} is the number of weights; each convolution also has one "
                       "bias per filter")
        if params == per_channel * widths[3] + convolutions:
            raise Hint(f"for {params:,} you counted the channels the third module outputs; its "
                       "convolutions read the channels of its input")
        raise Hint(f"the third module does not have {params:,} parameters: add up its three "
                   "convolutions, each k x k x (the channels of the module's input) x filters "
                   "+ filters; the max-pool has none")
    return "the third naive module's width and its parameters, as Keras builds it"
