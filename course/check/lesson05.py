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
