"""Checkers for lesson 05 (first CNNs).

Each checker of 5.1-5.4 runs the answer on the edge cases a teacher would probe, then on
cases drawn fresh on every call, so that a table of the checker's inputs cannot pass.
"""

import types

import numpy as np

from course import ops
from course.check import core, libraries
from course.check.core import Hint, checker, numbers
from course.check.frozen import frozen
from course.check.lesson02 import BY_ARITHMETIC, WINDOW_SHORTCUTS, whole_size

# Keras' shape inference, the course's own formula and anything that slides a window (run
# on zeros, TensorFlow's and Keras' convolutions and poolings give the shape) answer 5.1
SHAPE_SHORTCUTS = (*WINDOW_SHORTCUTS, "keras.layers.Flatten.compute_output_shape")
# Keras counts the parameters of a network it builds, of any layer that holds as many
# weights as a dense one (EinsumDense, a 1x1 Conv1D): whatever creates a weight; the course
# counts a convolution's, and a dense layer is a 1x1 convolution
PARAM_SHORTCUTS = ("course.ops.conv_params", "course.ops.conv_macs",
                   "keras.layers.Layer.count_params", "keras.layers.Dense.build",
                   "keras.layers.EinsumDense.build", "keras.layers.Conv1D.build",
                   "keras.src.utils.summary_utils.count_params", "keras.layers.Layer.add_weight")
# TensorFlow's public functions share one wrapper: watch the function inside it
CONFUSION_SHORTCUTS = ("sklearn.metrics.confusion_matrix",
                       "tensorflow.math.confusion_matrix.__wrapped__",
                       "keras.src.metrics.metrics_utils.confusion_matrix",
                       "course.train.evaluate")


def _likely(mistakes, answers):
    """The note of the first mistake that explains every one of ``answers`` ((args, got),
    the first wrong one first), else of the first that explains that one; None if none
    does. ``mistakes``: (function of args, note) pairs."""
    def explains(wrong, args, got):
        try:
            return wrong(*args) == got
        except (ValueError, IndexError):  # the mistake cannot even build this case
            return False

    for seen in (answers, answers[:1]):
        for wrong, note in mistakes:
            if all(explains(wrong, args, got) for args, got in seen):
                return note
    return None


def _first_wrong(answers, expected):
    """``answers`` ((args, got) pairs) with the first whose got is not ``expected(*args)``
    moved to the front, or None when all are right."""
    wrong = next((i for i, (args, got) in enumerate(answers) if got != expected(*args)), None)
    return None if wrong is None else [answers[wrong], *answers[:wrong], *answers[wrong + 1:]]


@checker(without=SHAPE_SHORTCUTS)
def flatten_size(answer):
    """``answer(input_size, convs)``: the features Flatten gives for a square image passed
    through ``convs``, each (filters, kernel, padding) and each followed by a 2x2 max-pool."""
    answer = libraries.refusing(answer, BY_ARITHMETIC)

    def features(n, convs, conv=None, pool=None, channels=None):
        """Flatten's size; ``conv``, ``pool``, ``channels``: a mistake to follow instead."""
        for _, kernel, padding in convs:
            n = conv(n, kernel, padding) if conv else ops.output_size(n, kernel, 1, padding)
            n = pool(n) if pool else ops.output_size(n, 2, 2)
        return n * n * (channels(convs) if channels else convs[-1][0])

    def drawn(rng):
        cases = []
        while len(cases) < 12:
            convs = [(int(rng.integers(1, 257)), int(rng.integers(1, 8)),
                      str(rng.choice(["same", "valid"]))) for _ in range(rng.integers(1, 5))]
            n = int(rng.integers(6, 97))
            try:  # a kernel or a pool that no longer fits: Keras refuses the stack
                features(n, convs)
            except ValueError:
                continue
            cases.append((n, convs))
        return cases

    edges = [(28, [(32, 3, "same"), (64, 3, "same")]),  # the statement's MNIST CNN
             (28, [(32, 3, "same"), (64, 3, "valid")]),  # lesson 05's FashionCNN: 2304
             (32, [(16, 5, "valid"), (8, 3, "same")]),
             (27, [(6, 3, "same"), (10, 3, "same")]),  # odd sizes pooled
             (30, [(6, 4, "valid"), (10, 4, "valid")]),  # even kernels: k - 1, not
             # 2 * (k // 2), is what 'valid' takes off (the pools hide it for some sizes)
             (30, [(12, 4, "same"), (5, 7, "valid")]),
             (64, [(4, 3, "same"), (8, 3, "same"), (16, 3, "valid")]),
             (9, [(128, 1, "valid")]),  # one 1x1 convolution, many channels
             (6, [(3, 5, "valid")])]  # down to a single pixel
    # tuples, the checker's own: the answer gets a list it may do with as it likes
    cases = tuple((n, tuple(convs)) for n, convs in edges + drawn(np.random.default_rng()))
    answers = ()  # ((n, convs), what the answer returned), a tuple nothing can empty
    for n, convs in cases:
        given = list(convs)
        got = answer(n, given)
        if tuple(given) != convs:
            raise Hint("your function changed the list `convs` it was given: read it, leave "
                       "it as it is")
        answers += (((n, convs), whole_size(got, "the number of features",
                                            f"a {n}x{n} input and convs={list(convs)}")),)
    if wrong := _first_wrong(answers, features):
        raise Hint(_flatten_hint(wrong, features))
    return (f"right on {len(cases)} stacks ({len(edges)} edge cases, the rest drawn at random), "
            "odd sizes, 1x1 and even kernels included")


def _flatten_hint(answers, features):
    """What the likely mistake is; ``answers[0]`` is the first wrong one."""
    (n, convs), got = answers[0]
    expected = features(n, convs)

    def follows(conv=lambda m, k, p: m - k + 1 if p == "valid" else m, pool=lambda m: m // 2,
                channels=lambda convs: convs[-1][0]):  # one step done wrong, the rest right
        return lambda n, convs: features(n, convs, conv, pool, channels)

    mistakes = [
        (follows(conv=lambda m, k, p: m), "you treated every convolution as 'same': a 'valid' "
         "convolution has no padding, so the map shrinks"),
        (follows(conv=lambda m, k, p: m - k + 1), "you treated every convolution as 'valid': a "
         "'same' convolution pads its input, so the map keeps its size"),
        (follows(conv=lambda m, k, p: m - k if p == "valid" else m), "one pixel off for each "
         "'valid' convolution: count the positions a k x k window can take in n pixels (try "
         "n = k)"),
        (follows(pool=lambda m: -(-m // 2)), "a 2x2 pool of an odd size drops the last row and "
         "column: it rounds down"),
        (follows(pool=lambda m: m), "each convolution is followed by a 2x2 max-pool, which "
         "halves the size"),
        (follows(pool=lambda m: m - 1), "the 2x2 pool moves 2 pixels at a time, not 1"),
        (follows(channels=lambda convs: 1), "that counts the positions of the last map: "
         "Flatten also lays out every channel of every position"),
        (follows(channels=lambda convs: convs[0][0]), "the channels that are flattened are "
         "those of the last convolution"),
    ]
    why = _likely(mistakes, answers) or (
        f"{'more' if got > expected else 'fewer'} than Flatten gives: follow the size "
        "convolution by convolution and pool by pool, then multiply by the channels")
    return f"for a {n}x{n} input and convs={list(convs)} you return {got:,}: {why}"


@checker(without=PARAM_SHORTCUTS)
def dense_params(answer):
    """``answer(sizes)``: trainable parameters of a dense network with those layer sizes."""

    def count(sizes, weights=True, biases=lambda sizes: sizes[1:]):
        """The count; ``weights``, ``biases``: a mistake to follow instead."""
        pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
        return weights * sum(a * b for a, b in pairs) + sum(biases(sizes))

    rng = np.random.default_rng()
    edges = ((2, 3, 1), (784, 10), (784, 256, 128, 10), (1, 1), (5, 1, 7, 1, 3),
             (2304, 600, 120, 10), (10, 10, 10, 10, 10, 10))
    drawn = tuple(tuple(int(v) for v in rng.integers(1, 3000, rng.integers(2, 8)))
                  for _ in range(12))
    answers = ()  # ((sizes,), what the answer returned), a tuple nothing can empty
    for sizes in edges + drawn:  # tuples, the checker's own: the answer gets a list
        given = list(sizes)
        got = answer(given)
        if tuple(given) != sizes:
            raise Hint("your function changed the list `sizes` it was given: read it, leave it "
                       "as it is")
        answers += (((sizes,), whole_size(got, "the count", f"sizes={list(sizes)}")),)
    if not (wrong := _first_wrong(answers, count)):
        return (f"right on {len(answers)} networks ({len(edges)} edge cases, the rest drawn at "
                "random), single layers and deep stacks included")
    (sizes,), got = wrong[0]
    mistakes = [
        (lambda s: count(s, biases=lambda s: ()), "that counts the weights only; every unit "
         "also has a bias"),
        (lambda s: count(s, biases=lambda s: s), "you gave the input units biases too, but the "
         "input is data, not a layer"),
        (lambda s: count(s, biases=lambda s: s[:-1]), "a bias belongs to the unit that "
         "receives the weighted sum, so to a layer's outputs, not its inputs"),
        (lambda s: count(s, biases=lambda s: [1] * (len(s) - 1)), "there is one bias per "
         "unit, not one per layer"),
        (lambda s: count(s, biases=lambda s: [a + b + 1 for a, b in zip(s, s[1:], strict=False)]),
         "you counted a bias on both sides of each layer"),
        (lambda s: count(s[:2]), "you counted only the first layer; every pair of neighbouring "
         "sizes is one"),
        (lambda s: count(s[:-1]) if len(s) > 2 else 0, "you left out the last layer"),
    ]
    why = _likely(mistakes, wrong) or (
        f"{'more' if got > count(sizes) else 'fewer'} than the network has: count each layer's "
        "weights and biases, then add up the layers")
    raise Hint(f"for sizes={list(sizes)} you return {got:,}: {why}")


@checker(without=CONFUSION_SHORTCUTS)
def confusion_matrix(answer):
    """``answer(y_true, y_pred, classes)``: a (classes, classes) integer array whose
    [t, p] counts the examples labelled t and predicted as p."""
    rng = np.random.default_rng()

    def labels(*values):
        return np.array(values, np.int64)

    def drawn():
        classes = int(rng.integers(1, 16))
        seen = rng.choice(classes, int(rng.integers(1, classes + 1)), replace=False)
        n = int(rng.integers(1, 300))
        dtype = (np.int64, np.int32, np.uint8)[rng.integers(3)]
        return (rng.choice(seen, n).astype(dtype), rng.integers(0, classes, n).astype(dtype),
                classes)

    edges = [(labels(0, 1, 2, 2), labels(0, 2, 2, 1), 3),
             (labels(1, 1, 1, 0), labels(0, 0, 0, 0), 2),  # one pair three times
             (labels(0, 0, 1), labels(1, 0, 1), 5),  # classes 2-4 never occur
             (labels(0, 0, 0, 2), labels(3, 1, 0, 2), 4),  # 1 and 3 predicted, never true
             (labels(3, 3), labels(3, 0), 4),
             (labels(0, 0, 0), labels(0, 0, 0), 1),  # a single class
             (rng.integers(0, 10, 60).astype(np.uint8), rng.integers(0, 10, 60).astype(
                 np.uint8), 10),  # the datasets' uint8 labels
             (rng.integers(0, 12, 80), rng.integers(0, 12, 80), 12),  # two-digit classes
             (labels(), labels(), 3)]  # no examples: nothing to count
    # drawn: one where a cell counts past 255, as on MNIST's 10,000 test images, one with
    # more classes than uint8 labels can number pairs of, and 10 more; the labels are the
    # checker's own, read-only (the answer gets copies)
    cases = tuple((frozen(y_true), frozen(y_pred), classes) for y_true, y_pred, classes in
                  edges + [_many(rng), _many_classes(rng)] + [drawn() for _ in range(10)])
    for y_true, y_pred, classes in cases:
        given = y_true.copy(), y_pred.copy()
        got = answer(*given, classes)
        if not (np.array_equal(given[0], y_true) and np.array_equal(given[1], y_pred)):
            raise Hint("your function changed the labels it was given: read them, leave them "
                       "as they are")
        shown = f"y_true={y_true.tolist()}, y_pred={y_pred.tolist()}" if len(y_true) <= 6 else (
            f"{len(y_true)} labels")
        _confusion_hint(got, f"{shown} and classes={classes}", y_true, y_pred, classes)
    return (f"right on {len(cases)} cases ({len(edges)} edge cases: classes never seen, pairs "
            "that repeat, no examples; the rest drawn at random), an integer array each time")


def _many(rng):
    """uint8 labels of 3 classes, 700 to 900 of them, most of them right, and at least 300
    of one class predicted right: a count past 255, where a uint8 counter wraps."""
    n = int(rng.integers(700, 901))
    y_true = rng.integers(0, 3, n)
    y_pred = np.where(rng.random(n) < 0.9, y_true, rng.integers(0, 3, n))
    y_true[:300] = y_pred[:300] = rng.integers(0, 3)
    order = rng.permutation(n)
    return y_true[order].astype(np.uint8), y_pred[order].astype(np.uint8), 3


def _many_classes(rng):
    """uint8 labels of 17 to 30 classes, the last class among them: true * classes +
    predicted, worked out in uint8, wraps past 255 (a flat index for np.bincount)."""
    classes, n = int(rng.integers(17, 31)), int(rng.integers(50, 300))
    y_true, y_pred = rng.integers(0, classes, n), rng.integers(0, classes, n)
    y_true[0] = y_pred[0] = classes - 1
    order = rng.permutation(n)
    return y_true[order].astype(np.uint8), y_pred[order].astype(np.uint8), classes


def _confusion_hint(got, case, y_true, y_pred, classes):
    """A hint unless ``got`` is the confusion matrix of ``y_true`` and ``y_pred`` (worked
    out here, after the answer has run: no local of the checker holds it while it runs):
    shape, dtype, then the values."""
    expected = np.zeros((classes, classes), np.int64)
    np.add.at(expected, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    if not isinstance(got, np.ndarray):
        raise Hint(f"for {case} you returned {type(got).__name__}; return a NumPy array")
    if got.shape != expected.shape:
        seen = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
        why = (f"one row per true class and one column per predicted class, {classes} of each, "
               "even for classes that never occur")
        if got.shape == (seen, seen):
            why = f"you sized it by the labels that occur; it needs {why}"
        raise Hint(f"for {case} your matrix has shape {got.shape}; {why}")
    if not np.issubdtype(got.dtype, np.integer):
        raise Hint(f"for {case} your matrix is {got.dtype}; the statement asks for an integer "
                   "array: counts are whole numbers")
    if np.array_equal(got, expected):
        return
    if np.array_equal(got, expected.T):
        raise Hint(f"for {case} your matrix is transposed: rows are the true class, columns "
                   "the prediction")
    if np.array_equal(got, np.minimum(expected, 1)):
        raise Hint(f"for {case} a pair that occurs several times counts once in yours: NumPy's "
                   "`+=` on an array of indices adds once per distinct cell, however often it "
                   "repeats")
    if _wrapped_index(got, y_true, y_pred, classes):
        raise Hint(f"for {case} your counts are in the wrong cells: an index you computed from "
                   f"the labels wrapped around. The labels are {y_true.dtype}, which holds "
                   f"0 to {np.iinfo(y_true.dtype).max}, and arithmetic on them keeps that type: "
                   f"with {classes} classes, true * {classes} + predicted goes past it")
    i, j = np.argwhere(got != expected)[0]
    if got.dtype.itemsize < 8 and expected[i, j] > np.iinfo(got.dtype).max:
        raise Hint(f"for {case} cell [true={i}, predicted={j}] holds {got[i, j]}, but more "
                   f"than {np.iinfo(got.dtype).max} examples are labelled {i} and predicted as "
                   f"{j}: your counts are {got.dtype} (the labels' type?), which only counts to "
                   f"{np.iinfo(got.dtype).max} and then wraps around")
    raise Hint(f"for {case} cell [true={i}, predicted={j}] holds {got[i, j]}; it should count "
               f"the examples labelled {i} that were predicted as {j}")


def _wrapped_index(got, y_true, y_pred, classes) -> bool:
    """Whether ``got`` counts the flat index true * classes + predicted worked out in the
    labels' own small type, where it wrapped around (uint8 labels of 17 classes or more)."""
    if y_true.dtype.kind != "u" or y_true.dtype.itemsize > 2 or not len(y_true):
        return False
    exact = y_true.astype(np.int64) * classes + y_pred
    wrapped = exact % (int(np.iinfo(y_true.dtype).max) + 1)
    if np.array_equal(wrapped, exact):
        return False
    counts = np.bincount(wrapped, minlength=classes * classes)[:classes * classes]
    return np.array_equal(got, counts.reshape(classes, classes))


@checker
def most_confused(answer):
    """``answer(confusion)``: the (true, predicted) pair of the largest off-diagonal count;
    with a tie, any of the tied pairs."""
    rng = np.random.default_rng()

    def drawn():
        n = int(rng.integers(2, 13))
        m = rng.integers(0, 31, (n, n)) + np.diag(rng.integers(0, 201, n))
        i, j = rng.choice(n, 2, replace=False)
        m[i, j] = rng.integers(1, 40)  # a mistake at least
        if rng.random() < 0.4:  # a tie
            off = m - np.diag(np.diag(m))
            k, t = rng.choice(n, 2, replace=False)
            m[k, t] = off.max()
        return m

    twelve = np.diag(np.full(12, 300)) + np.eye(12, k=1, dtype=int)
    twelve[11, 10] = 9
    edges = [np.array([[9, 1, 0], [4, 8, 0], [0, 2, 7]]),
             np.array([[1, 0], [3, 0]]),
             np.array([[50, 2, 1], [0, 60, 7], [3, 0, 40]]),  # above the diagonal
             np.array([[0, 9], [2, 1]]),  # a mistake larger than every diagonal count
             np.array([[5, 0, 0, 1], [0, 5, 0, 0], [0, 0, 5, 0], [0, 0, 6, 5]]),  # last row
             np.array([[5, 3, 0], [0, 5, 3], [3, 0, 5]]),  # a three-way tie
             np.array([[20, 4, 4, 4], [6, 20, 0, 0], [0, 0, 20, 0], [0, 0, 0, 20]]),  # the row
             # with the most mistakes does not hold the largest
             twelve]  # two-digit classes
    # the checker's own matrices, read-only (the answer gets copies)
    cases = tuple(frozen(confusion) for confusion in edges + [drawn() for _ in range(12)])
    answers = ()  # (where, off-diagonal counts, tied largest pairs, got) for each matrix
    for confusion in cases:
        given = confusion.copy()
        got = answer(given)
        if not np.array_equal(given, confusion):
            raise Hint("your function changed the matrix it was given (setting its diagonal, "
                       "say): work on a copy, the notebook still needs the counts")
        n = len(confusion)
        where = f"for the {n}x{n} matrix {confusion.tolist()}" if n <= 4 else (
            f"for a {n}x{n} matrix")
        got = numbers(got.tolist() if isinstance(got, np.ndarray) else got,
                      "a pair (true class, predicted class)")
        if len(got) != 2:
            raise Hint(f"{where} you return {len(got)} value(s); return a pair (true class, "
                       "predicted class)")
        got = tuple(whole_size(v, "a class", where.removeprefix("for ")) for v in got)
        if not all(0 <= v < n for v in got):
            raise Hint(f"{where} you return {got}: the classes are 0 to {n - 1}")
        off = frozen(confusion - np.diag(np.diag(confusion)))
        tied = frozenset((int(i), int(j)) for i, j in np.argwhere(off == off.max()))
        answers += ((where, off, tied, got),)
    wrong = [(where, off, got) for where, off, tied, got in answers if got not in tied]
    if not wrong:
        return (f"right on {len(cases)} matrices ({len(edges)} edge cases, the rest drawn at "
                "random); with a tie any of the tied pairs counts")
    where, off, got = wrong[0]
    if got[0] == got[1]:
        raise Hint(f"{where} you return {got}, a cell on the diagonal: those are the correct "
                   "predictions; look only at cells where true != predicted")
    if all(got[::-1] in tied for _, _, tied, got in answers):
        raise Hint(f"{where} you return {got}: the order is (row, column) = (true, predicted)")
    raise Hint(f"{where} you return {got}, which holds {off[got]} mistakes; another "
               "off-diagonal cell holds more")


# Exercise 5.5: what the checker trains a small CNN with, and the test accuracy it must reach.
SMALL_CNN_PARAMS = 10_000
# (read-only: what small_cnn() does cannot lower them)
SMALL_CNN_EPOCHS = types.MappingProxyType({"smoke": 10, "quick": 3, "full": 3})  # smoke's
# 512 images make short epochs
SMALL_CNN_TARGET = types.MappingProxyType({"smoke": 0.80, "quick": 0.96, "full": 0.975})
# A freshly drawn network is right about one time in ten; one right this often before any
# training does not owe its answers to what it learns
UNTRAINED_AT_MOST = 0.5


def _layers(model):
    """Every layer of ``model``, nested models opened."""
    import keras

    for layer in model.layers:
        yield from _layers(layer) if isinstance(layer, keras.Model) else (layer,)


def _activation(layer):
    """'relu', 'softmax', 'linear', ... of a layer that has one, else None."""
    from keras import layers

    if isinstance(layer, layers.Softmax):
        return "softmax"
    if isinstance(layer, layers.ReLU):
        return "relu"
    name = getattr(getattr(layer, "activation", None), "__name__", None)
    return "softmax" if name and name.startswith("softmax") else name


def _from_logits(model):
    """Whether the model was compiled with a loss that takes logits."""
    config = getattr(model.loss, "get_config", lambda: {})()
    return bool(model.compiled and isinstance(config, dict) and config.get("from_logits"))


def _slides(conv):
    """Whether ``conv`` has more than one position on its input (a kernel as large as the
    map is a dense layer in disguise)."""
    try:
        return int(np.prod(conv.output.shape[1:3])) > 1
    except (AttributeError, ValueError, TypeError):  # a layer used twice: no one shape
        return True


def _sees_neighbours(layers):
    """None if a convolution with a kernel larger than 1x1 slides over the image before any
    layer that flattens it or mixes all of it; else a hint saying what the model does."""
    import keras

    whole_map = (keras.layers.Flatten, keras.layers.Dense, keras.layers.GlobalAveragePooling2D,
                 keras.layers.GlobalMaxPooling2D)
    stop = next((i for i, la in enumerate(layers) if isinstance(la, whole_map)), len(layers))
    convs = [la for la in layers[:stop] if isinstance(la, keras.layers.Conv2D)]
    spatial = [conv for conv in convs if max(conv.kernel_size) > 1]
    if any(_slides(conv) for conv in spatial):
        return None
    if spatial:
        return (f"your convolution '{spatial[0].name}' covers the whole map at once: that is a "
                "dense layer in disguise; a CNN slides a small kernel over the image")
    if convs:
        return ("your convolutions are 1x1: a 1x1 kernel mixes the channels of each pixel but "
                "never looks at its neighbours, so the network reads the image pixel by "
                "pixel, like a dense one")
    return (f"your model reaches '{layers[stop].name}' before any convolution has looked at the "
            "image: a CNN's convolutions read the image itself, before anything flattens it")


def _without_convolutions(model, x, y) -> float:
    """The test accuracy of ``model`` with the kernel of every Conv2D set to zero (its
    biases kept), its weights put back after."""
    import keras

    from course import train

    convs = [layer for layer in _layers(model) if isinstance(layer, keras.layers.Conv2D)]
    kept = [layer.get_weights() for layer in convs]
    try:
        for layer, weights in zip(convs, kept, strict=True):
            layer.set_weights([np.zeros_like(weights[0]), *weights[1:]])
        return train.evaluate(model, x, y).accuracy
    finally:
        for layer, weights in zip(convs, kept, strict=True):
            layer.set_weights(weights)


# Where a model's own code comes from when it is not the student's (not searched)
_LIBRARIES = ("keras", "tensorflow", "numpy", "jax", "torch", "course", "builtins")


def _library(value) -> bool:
    module = getattr(value, "__module__", None) or type(value).__module__ or ""
    return module.split(".")[0] in _LIBRARIES


def _numbers_held(start, weights) -> int:
    """How many numbers ``start`` (a layer's attributes, a function of the student's) holds
    in arrays, tensors and variables that are not among ``weights`` (their ids): looked for
    in lists, tuples, dicts, objects of the student's, and what a function of the student's
    reaches (its closure, its defaults, the globals its code names)."""
    import keras

    count, todo, seen = 0, [(start, 0)], set()
    while todo and len(seen) < 5000:
        value, depth = todo.pop()
        if id(value) in seen or depth > 6 or isinstance(value, str | bytes | int | float):
            continue
        seen.add(id(value))
        if isinstance(value, keras.layers.Layer | types.ModuleType | type):
            continue  # a layer is looked at on its own
        if isinstance(value, np.ndarray) or keras.ops.is_tensor(value):
            count += 0 if id(value) in weights else _size(value)
        elif isinstance(value, list | tuple | set | frozenset | dict):
            items = value.values() if isinstance(value, dict) else value
            todo += [(item, depth + 1) for item in list(items)[:10_000]]
        elif isinstance(value, types.FunctionType | types.MethodType) and not _library(value):
            function = getattr(value, "__func__", value)
            todo += [(cell.cell_contents, depth + 1) for cell in function.__closure__ or ()
                     if core.filled(cell)]
            todo += [(v, depth + 1) for v in (*(function.__defaults__ or ()),
                                              *(function.__kwdefaults__ or {}).values())]
            todo += [(function.__globals__[name], depth + 1)
                     for name in _globals_read(function.__code__) if name in function.__globals__]
        elif hasattr(value, "__dict__") and not _library(value):
            todo += [(v, depth + 1) for v in vars(value).values()]
    return count


def _size(value) -> int:
    """How many numbers an array or a tensor holds (an axis of unknown length: none)."""
    try:
        return int(np.prod([int(n or 0) for n in value.shape]))
    except (TypeError, ValueError):
        return 0


def _globals_read(code) -> set[str]:
    """The global names that ``code`` (and the functions defined in it) read."""
    import dis

    names = {i.argval for i in dis.get_instructions(code)
             if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _globals_read(const)
    return names


def _holds_no_data(model, params):
    """A hint if ``model`` computes with more numbers than SMALL_CNN_PARAMS allows, counting
    with its weights the arrays and tensors it holds outside them: those its layers keep as
    attributes, those a Lambda's function or the code of a layer class of the student's
    reaches (a table of images, their labels)."""
    weights = {id(v) for layer in [model, *_layers(model)] for v in layer.variables}
    held = []
    for layer in [model, *_layers(model)]:
        found = _numbers_held(list(vars(layer).values()), weights)
        if not _library(type(layer)):  # a class of the student's: what its methods reach
            found += _numbers_held([value for cls in type(layer).__mro__ if not _library(cls)
                                    for value in vars(cls).values()], weights)
        if found:  # a Lambda's function is among its attributes
            held.append((found, layer.name))
    if held and params + sum(n for n, _ in held) > SMALL_CNN_PARAMS:
        count, name = max(held)
        raise Hint(f"{'your model' if name == model.name else f'layer {name!r}'} holds "
                   f"{count:,} numbers outside its weights (arrays or tensors it computes "
                   f"with); counted with the {params:,} parameters they come to more than "
                   f"{SMALL_CNN_PARAMS:,}, the most this exercise allows a model to keep")


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


def _count(layer) -> int:
    """The number of values in ``layer``'s weights (a model is a layer), counted here."""
    return sum(int(np.prod(weight.shape)) for weight in layer.weights)


# What Keras itself keeps on a model or a layer that shadows a method of its class
_KERAS_OWN = {"build", "quantize", "loss"}


def _keras_classes():
    """The Keras classes a model's training and evaluation go through: the models', the
    layers' and the optimizers' (with their bases)."""
    import keras
    from keras.src.models.functional import Functional

    found = {keras.Model, keras.Sequential, Functional}
    for module in (keras.layers, keras.optimizers, keras.losses, keras.activations):
        found |= {value for value in vars(module).values() if isinstance(value, type)}
    return {cls for found_cls in found for cls in found_cls.__mro__
            if cls.__module__.split(".")[0] == "keras"}


def _method(value) -> bool:
    return callable(value) or isinstance(value, property | classmethod | staticmethod)


def _class_methods(classes):
    """Each class's own methods and properties, to see later whether an answer replaced one
    (its other attributes, such as the ``__annotations__`` Python fills in, may change)."""
    return {cls: {name: value for name, value in vars(cls).items() if _method(value)}
            for cls in classes}


def _put_back(before) -> list[str]:
    """The Keras methods an answer replaced (``before``: the classes' attributes before it
    ran), each put back."""
    changed = []
    for cls, attributes in before.items():
        added = {name for name, value in vars(cls).items() if _method(value)} - set(attributes)
        for name in added | set(attributes):
            if name in added:  # a method added: it shadows a base class's
                delattr(cls, name)
            elif vars(cls).get(name) is not attributes[name]:
                setattr(cls, name, attributes[name])
            else:
                continue
            changed.append(f"{cls.__module__.split('.')[0]}.{cls.__name__}.{name}")
    return changed


def _shadowed(model):
    """A hint if an attribute of ``model`` or of one of its layers shadows a method of its
    class (``model.count_params = ...``, ``model.predict = ...``)."""
    for layer in [model, *_layers(model)]:
        shadows = sorted(name for name in vars(layer) if name not in _KERAS_OWN
                         and callable(getattr(type(layer), name, None)))
        if shadows:
            raise Hint(f"your code replaces the method `{shadows[0]}` of "
                       f"{'your model' if layer is model else f'layer {layer.name!r}'}: the "
                       "checker trains and measures the model as Keras builds it; leave its "
                       "methods alone")


def _retrained(model):
    """A hint if ``model`` cannot be trained from a fresh start: a frozen layer, or an
    optimizer that has taken steps already. Else its weights are drawn afresh, as its
    layers' initializers draw them (seeded): what ``small_cnn()`` may have learned, on any
    images, is gone, and the checker's training is the only one."""
    import keras
    from keras.src.saving import serialization_lib

    frozen = [layer for layer in [model, *_layers(model)] if not layer.trainable and
              layer.weights]
    if frozen:
        which = "your model" if frozen[0] is model else f"layer '{frozen[0].name}'"
        raise Hint(f"{which} is frozen (trainable=False): the checker trains your model from "
                   "its initial weights, and a frozen layer would keep them")
    optimizer = getattr(model, "optimizer", None)
    steps = getattr(optimizer, "iterations", None)
    steps = 0 if steps is None else int(keras.ops.convert_to_numpy(steps))
    if steps > 0:
        raise Hint(f"small_cnn() has trained the model already ({steps} steps of its "
                   "optimizer): return it built and compiled but untrained; the checker "
                   "trains it")
    keras.utils.set_random_seed(0)
    try:
        with serialization_lib.SafeModeScope(False):  # a Lambda layer of the student's own
            fresh = keras.models.clone_model(model)
    except Exception as error:  # a layer Keras cannot rebuild from its config
        raise Hint(f"the checker rebuilds your model from its layers' configs to train it "
                   f"from a fresh start, and Keras could not ({_gist(error)}): build it from "
                   "Keras' own layers") from None
    model.set_weights(fresh.get_weights())


def _small_cnn_shape(model):
    """A hint unless ``model`` is a CNN as the statement asks: 28x28x1 in, a 10-way softmax
    out, a convolution that looks at neighbouring pixels, at most SMALL_CNN_PARAMS."""
    import keras

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
                   "probability per digit, (None, 10)")
    layers = list(_layers(model))
    if not any(isinstance(layer, keras.layers.Conv2D) for layer in layers):
        raise Hint("your model has no Conv2D layer: this exercise asks for a CNN (a dense "
                   "network this small stays near 90% on MNIST)")
    if why := _sees_neighbours(layers):
        raise Hint(why)
    if (last := _activation(layers[-1])) != "softmax":
        raise Hint(f"your model's last layer '{layers[-1].name}' has "
                   f"{'no' if last in (None, 'linear') else f'a {last}'} activation, so its "
                   "outputs are not probabilities: the statement asks for a model that ends in "
                   "a 10-way softmax")
    params = _count(model)  # from the weights: a model's count_params can be replaced
    if params > SMALL_CNN_PARAMS:
        biggest = max(layers, key=_count)
        raise Hint(f"your model has {params:,} parameters, more than {SMALL_CNN_PARAMS:,}; "
                   f"{_count(biggest):,} of them sit in layer '{biggest.name}'. Like "
                   "the MNIST CNN's, most are usually in the dense layer after Flatten: fewer "
                   "filters in the last convolution, or more pooling, shrinks it")
    if _from_logits(model):
        raise Hint("your model ends in a softmax, but you compiled it with a loss told to "
                   "expect logits (from_logits=True): it would apply a second softmax")
    return params


@checker
def small_cnn(answer):
    """``answer()``: a CNN for MNIST with at most SMALL_CNN_PARAMS parameters, ending in a
    10-way softmax, that reaches the profile's SMALL_CNN_TARGET test accuracy after
    SMALL_CNN_EPOCHS epochs of the checker's training, from freshly drawn weights."""
    import keras

    if isinstance(answer, keras.Model | keras.layers.Layer):
        raise Hint(f"you passed a {type(answer).__name__}, what small_cnn() returns, not the "
                   "function: pass `small_cnn` itself (no parentheses); the checker calls it")
    classes, modules = _class_methods(_keras_classes()), core._kept()
    try:
        return _small_cnn_judged(answer)
    finally:  # the student's layers (an activation, a Lambda) run while the model trains
        if changed := _put_back(classes) or core._restore(modules):
            raise Hint(f"your code replaces `{changed[0]}`; the checker does not judge a model "
                       "whose Keras, NumPy or course has been changed (it has put it back)")


def _small_cnn_judged(answer):
    """The verdict of :func:`small_cnn` on ``answer``, a note or a Hint."""
    import keras

    from course import train
    from course.runtime.profiles import resolve_profile

    # the profile, its target and its images, the checker's own, before small_cnn() runs
    profile = resolve_profile()
    epochs, target = SMALL_CNN_EPOCHS[profile.name], SMALL_CNN_TARGET[profile.name]
    x_train, y_train, x_test, y_test = (frozen(a) for a in _mnist_for_small_cnn(profile))
    keras.utils.set_random_seed(0)  # the same initial weights every time
    model = answer()
    params = _small_cnn_shape(model)
    _holds_no_data(model, params)
    _shadowed(model)
    _retrained(model)
    sample = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    try:
        out = np.asarray(model(sample, training=False), dtype=np.float64)
    except Exception as error:  # the student's layers failed on a batch of images
        raise Hint(f"your model raised {type(error).__name__} on a batch of four 28x28x1 "
                   f"images ({_gist(error)})") from None
    if not (np.all(out >= 0) and np.allclose(out.sum(axis=1), 1, atol=1e-3)):
        raise Hint("your model's outputs are not probabilities (they do not add up to 1 for "
                   "each image): the softmax must turn each image's 10 scores into them")
    untrained = train.evaluate(model, x_test, y_test).accuracy
    if untrained > UNTRAINED_AT_MOST:
        raise Hint(f"with freshly drawn weights, before any training, your model gets "
                   f"{untrained:.0%} of the test images right: its answers do not come from "
                   "what it learns from the training images (a model that holds images or "
                   "labels of its own is no answer here)")
    try:  # an uncompiled model gets Adam(1e-3), as course.train.fit gives it
        run = train.fit(model, x_train, y_train, epochs=epochs, batch_size=profile.batch_size,
                        seed=0, verbose=False)
    except Exception as error:  # the student's model and compile settings failed to train
        raise Hint(f"training your model raised {type(error).__name__} ({_gist(error)}); "
                   "check the loss you compiled it with") from None
    _shadowed(model)  # an activation of the student's ran while it trained
    accuracy = train.evaluate(model, x_test, y_test).accuracy
    trained = (f"trained {epochs} epochs on {len(y_train):,} images, it got {accuracy:.2%} of "
               f"the {len(y_test):,} test images right; the target here is {target:.1%}")
    if accuracy >= target:
        if (without := _without_convolutions(model, x_test, y_test)) >= target:
            raise Hint(f"{trained}, but with every Conv2D kernel set to zero it still gets "
                       f"{without:.2%}: it reaches the target without its convolutions. The "
                       "exercise asks for a network whose convolutions do the work")
        return (f"{params:,} parameters (at most {SMALL_CNN_PARAMS:,}), a convolution over "
                f"neighbouring pixels, a softmax at the end, and {trained}")
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
