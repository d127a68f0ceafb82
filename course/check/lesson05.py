"""Checkers for lesson 05 (first CNNs)."""

import numpy as np

from course.check.core import Hint, checker


def _keras_flatten_size(input_size, convs):
    """What Keras builds: each (filters, kernel, padding) conv is followed by a 2x2 max-pool."""
    import keras
    from keras import layers

    model = keras.Sequential([keras.Input((input_size, input_size, 1))])
    for filters, kernel, padding in convs:
        model.add(layers.Conv2D(filters, kernel, padding=padding))
        model.add(layers.MaxPooling2D(2))
    model.add(layers.Flatten())
    return model.output_shape[-1]


@checker(without=("course.ops.output_size",))
def flatten_size(answer):
    """``answer(input_size, convs)``: features after the last conv + 2x2 pool is flattened."""
    cases = [(28, [(32, 3, "same"), (64, 3, "same")]),
             (28, [(32, 3, "same"), (64, 3, "valid")]),
             (32, [(16, 5, "valid"), (8, 3, "same")]),
             (28, [(8, 3, "valid"), (16, 3, "valid")]),
             (64, [(4, 3, "same"), (8, 3, "same"), (16, 3, "valid")])]
    for input_size, convs in cases:
        got = answer(input_size, convs)
        expected = _keras_flatten_size(input_size, convs)
        if got == expected:
            continue
        where = f"for a {input_size}x{input_size} input and convs {convs} you return {got}"
        last = convs[-1][0]
        if not isinstance(got, (int, np.integer)):
            raise Hint(f"{where}: return an int, the number of features")
        if got % last:
            raise Hint(f"{where}, which is not a multiple of the last layer's {last} channels: "
                       "flatten multiplies height x width x channels")
        if got > expected:
            raise Hint(f"{where}, too many: a 'valid' convolution with a k x k kernel takes "
                       "k - 1 pixels off, and a 2x2 pool halves the size rounding down")
        raise Hint(f"{where}, too few: 'same' padding keeps the size, and a 2x2 pool of an odd "
                   "size n gives n // 2")
    return f"right on {len(cases)} stacks, 3136 and 2304 included"


@checker
def dense_params(answer):
    """``answer(sizes)``: trainable parameters of a dense network with those layer sizes."""
    import keras
    from keras import layers

    cases = [[784, 256, 128, 10], [784, 10], [2, 3, 1], [2304, 600, 120, 10]]
    for sizes in cases:
        got = answer(sizes)
        model = keras.Sequential([keras.Input((sizes[0],))]
                                 + [layers.Dense(n) for n in sizes[1:]])
        expected = model.count_params()
        if got == expected:
            continue
        weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        where = f"for sizes {sizes} you return {got}"
        if got == weights:
            raise Hint(f"{where}: that counts the weights only; every unit also has a bias")
        if got > expected:
            raise Hint(f"{where}, more than Keras counts: the input layer has no parameters, "
                       "and each layer has (inputs + 1) x outputs")
        raise Hint(f"{where}, fewer than Keras counts: a layer with n inputs and m outputs has "
                   "an n x m weight matrix and m biases")
    return f"right on {len(cases)} networks, the FashionDNN's 784-256-128-10 included"


@checker(without=(
    "course.train.evaluate",
    "tensorflow.math.confusion_matrix",
    "sklearn.metrics.confusion_matrix",
))
def confusion_matrix(answer):
    """``answer(y_true, y_pred, classes)``: a (classes, classes) array of [true, predicted]."""
    rng = np.random.default_rng(5)
    cases = [(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]), 3),
             (np.array([1, 1, 1]), np.array([0, 0, 1]), 4),
             (rng.integers(0, 10, 200), rng.integers(0, 10, 200), 10)]
    for y_true, y_pred, classes in cases:
        got = np.asarray(answer(y_true, y_pred, classes))
        expected = np.zeros((classes, classes), int)
        np.add.at(expected, (y_true, y_pred), 1)
        where = f"for {len(y_true)} labels and {classes} classes"
        if got.shape != expected.shape:
            raise Hint(f"{where} your matrix has shape {got.shape}; it needs one row per true "
                       "class and one column per predicted class, even for classes never seen")
        if np.array_equal(got, expected):
            continue
        if np.array_equal(got, expected.T):
            raise Hint(f"{where} your matrix is transposed: rows are the true class, columns "
                       "the prediction")
        i, j = np.argwhere(got != expected)[0]
        raise Hint(f"{where} cell [true={i}, predicted={j}] holds {got[i, j]}; it should count "
                   f"the examples labelled {i} that were predicted as {j}")
    return f"right on {len(cases)} cases"


@checker
def most_confused(answer):
    """``answer(confusion)``: the (true, predicted) pair of the largest off-diagonal count."""
    rng = np.random.default_rng(7)
    big = rng.integers(0, 20, (10, 10)) + np.diag(np.full(10, 500))
    big[6, 0] = 90
    cases = [np.array([[9, 1, 0], [4, 8, 0], [0, 2, 7]]),
             np.array([[1, 0], [3, 0]]),
             big]
    for confusion in cases:
        got = answer(confusion)
        off = confusion - np.diag(np.diag(confusion))
        expected = tuple(int(v) for v in np.unravel_index(np.argmax(off), off.shape))
        try:
            got = tuple(int(v) for v in got)
        except (TypeError, ValueError):
            raise Hint(f"you return {got!r}; return a pair (true class, predicted class)") from None
        if got == expected:
            continue
        where = f"for the {len(confusion)}x{len(confusion)} matrix {confusion.tolist()}"
        if len(got) != 2:
            raise Hint(f"{where} you return {got}; return a pair (true class, predicted class)")
        if got[0] == got[1]:
            raise Hint(f"{where} you return {got}, a cell on the diagonal: those are the correct "
                       "predictions; look only at cells where true != predicted")
        if got[::-1] == expected:
            raise Hint(f"{where} you return {got}: the order is (row, column) = (true, "
                       "predicted)")
        raise Hint(f"{where} you return {got}, which holds {off[got]} mistakes; another "
                   "off-diagonal cell holds more")
    return f"right on {len(cases)} matrices"


# Exercise 5.5: what the checker trains a small CNN with, and the test accuracy it must reach.
SMALL_CNN_PARAMS = 10_000
SMALL_CNN_EPOCHS = {"smoke": 10, "quick": 3, "full": 3}  # smoke's 512 images make short epochs
SMALL_CNN_TARGET = {"smoke": 0.80, "quick": 0.96, "full": 0.975}


def _layers(model):
    """Every layer of ``model``, nested models opened."""
    import keras

    for layer in model.layers:
        yield from _layers(layer) if isinstance(layer, keras.Model) else (layer,)


def _from_logits(model):
    """Whether the model was compiled with a loss that takes logits."""
    config = getattr(model.loss, "get_config", lambda: {})()
    return bool(model.compiled and isinstance(config, dict) and config.get("from_logits"))


def _mnist_for_small_cnn(profile):
    """The profile's MNIST training and test images, loaded without printing (the checker's
    line must read the same in every profile)."""
    import contextlib
    import io

    from course import data

    with contextlib.redirect_stdout(io.StringIO()):
        x_train, y_train, x_test, y_test = data.load("mnist", profile)
    return (*data.subset(x_train, y_train, profile.train_samples),
            *data.subset(x_test, y_test, profile.test_samples))


def _gist(error):
    """The line of an error message that says what went wrong (TensorFlow's come with a
    traceback of the graph before it)."""
    lines = [line.strip() for line in str(error).splitlines()]
    said = [line for line in lines if line and not line.startswith(("File ", "[[", "Detected "))]
    return (said[-1] if said else type(error).__name__)[:200]


@checker
def small_cnn(answer):
    """``answer()``: a CNN for MNIST with at most SMALL_CNN_PARAMS parameters that reaches
    the profile's SMALL_CNN_TARGET test accuracy after SMALL_CNN_EPOCHS epochs."""
    import keras

    from course import train
    from course.runtime.profiles import resolve_profile

    keras.utils.set_random_seed(0)  # the same initial weights every time
    model = answer()
    if not isinstance(model, keras.Model):
        raise Hint(f"small_cnn() returned {type(model).__name__}; return a Keras model, e.g. "
                   "keras.Sequential([...])")
    try:
        shapes = tuple(model.input_shape), tuple(model.output_shape)
    except (AttributeError, ValueError):  # a Sequential model without keras.Input
        raise Hint("your model is not built yet, so it has no input shape: start it with "
                   "keras.Input((28, 28, 1))") from None
    if shapes[0] != (None, 28, 28, 1):
        raise Hint(f"your model takes inputs of shape {model.input_shape}; MNIST images are "
                   "28x28 with one channel: start with keras.Input((28, 28, 1))")
    if shapes[1] != (None, 10):
        raise Hint(f"your model outputs shape {model.output_shape}; it should give one "
                   "probability per digit, (None, 10): end with Dense(10, activation='softmax')")
    if not any(isinstance(layer, keras.layers.Conv2D) for layer in _layers(model)):
        raise Hint("your model has no Conv2D layer: this exercise asks for a CNN (a dense "
                   "network this small stays near 90% on MNIST)")
    params = model.count_params()
    if params > SMALL_CNN_PARAMS:
        biggest = max(_layers(model), key=lambda layer: layer.count_params())
        raise Hint(f"your model has {params:,} parameters, more than {SMALL_CNN_PARAMS:,}; "
                   f"{biggest.count_params():,} of them sit in layer '{biggest.name}'. Like "
                   "the MNIST CNN's, most are usually in the dense layer after Flatten: fewer "
                   "filters in the last convolution, or more pooling, shrinks it")
    sample = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    try:
        out = np.asarray(model(sample, training=False), dtype=np.float64)
    except Exception as error:  # the student's layers failed on a batch of images
        raise Hint(f"your model raised {type(error).__name__} on a batch of four 28x28x1 "
                   f"images ({_gist(error)})") from None
    if not _from_logits(model) and not (np.all(out >= 0) and np.allclose(out.sum(axis=1), 1,
                                                                             atol=1e-3)):
        raise Hint("your model's outputs are not probabilities (they do not add up to 1), and "
                   "it is trained with sparse_categorical_crossentropy, which expects them: end "
                   "with Dense(10, activation='softmax')")
    profile = resolve_profile()
    epochs, target = SMALL_CNN_EPOCHS[profile.name], SMALL_CNN_TARGET[profile.name]
    x_train, y_train, x_test, y_test = _mnist_for_small_cnn(profile)
    try:  # an uncompiled model gets Adam(1e-3), as course.train.fit gives it
        run = train.fit(model, x_train, y_train, epochs=epochs, batch_size=profile.batch_size,
                        seed=0, verbose=False)
    except Exception as error:  # the student's model and compile settings failed to train
        raise Hint(f"training your model raised {type(error).__name__} ({_gist(error)}); "
                   "check the loss you compiled it with") from None
    accuracy = train.evaluate(model, x_test, y_test).accuracy
    if accuracy >= target:
        return (f"{params:,} parameters (at most {SMALL_CNN_PARAMS:,}), and it reached this "
                "profile's target test accuracy")
    trained = (f"trained {epochs} epochs on {len(y_train):,} images, it got {accuracy:.2%} of "
               f"the {len(y_test):,} test images right; the target here is {target:.1%}")
    losses = run.history.get("loss", [])
    if not losses or not np.isfinite(losses[-1]) or accuracy < 0.2:
        raise Hint(f"{trained}. It hardly learned: with a learning rate too large the loss "
                   "blows up, with one too small it barely moves; try Adam with 1e-3 to 1e-2")
    try:
        rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    except (AttributeError, TypeError, ValueError):  # a schedule: no single rate to judge
        rate = None
    if rate is not None and rate < 2e-3:  # float32: Adam(1e-3) holds 0.0010000000475
        raise Hint(f"{trained}. With so few epochs a larger learning rate pays: compile your "
                   f"model with a larger one than {rate:g} (try 3e-3 to 1e-2)")
    raise Hint(f"{trained}. Spend the parameters on convolutions rather than on the dense "
               "layer (more filters, fewer features after the last pooling), or tune the "
               "learning rate")
