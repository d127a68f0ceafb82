"""Lesson 05's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut through the course, Keras or TensorFlow, a table of the checker's old
fixed cases, an always-equal object and a type slip. Each must get "not yet" with a hint
that holds no line of the solution; the right answer must pass every time (cases are drawn
afresh), and a stub reads "not attempted yet". Exercise 5.5 (meet a target) trains a model:
its tests pin the smoke profile, a few seconds on the bundled samples."""

import contextlib
import io
import re
import sys
import types

import keras
import numpy as np
import pytest
from cheats import calls, drawn, draws, refused_every_time, right_the_first_time
from frame_edits import editing
from keras import layers

from course import models, ops
from course.check import lesson05
from course.ops import output_size  # imported by name: the shortcut is still caught
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "05_first_cnns.ipynb"


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __iter__(self):
        return iter((AlwaysEqual(), AlwaysEqual()))

    def __len__(self):
        return 2


def always_equal(*args, **kwargs):
    return AlwaysEqual()


def stub(*args, **kwargs):
    raise NotImplementedError


@pytest.fixture
def smoke(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")


# --- 5.1 flatten_size -------------------------------------------------------------------

def flatten_size(n, convs, conv=lambda n, k, p: n - k + 1 if p == "valid" else n,
                 pool=lambda n: n // 2, channels=lambda convs: convs[-1][0]):
    for _, k, padding in convs:
        n = pool(conv(n, k, padding))
    return n * n * channels(convs)


def flatten_by_keras(n, convs):
    model = keras.Sequential([keras.Input((n, n, 1))])
    for filters, k, padding in convs:
        model.add(layers.Conv2D(filters, k, padding=padding))
        model.add(layers.MaxPooling2D(2))
    model.add(layers.Flatten())
    return model.output_shape[-1]


def flatten_by_ops(n, convs):
    for _, k, padding in convs:
        n = ops.output_size(ops.output_size(n, k, padding=padding), 2, 2)
    return n * n * convs[-1][0]


def flatten_by_output_size(input_size, convs):
    n = input_size
    for _, kernel, padding in convs:
        n = output_size(n, kernel, padding=padding)
    return (n // 2) ** 2 * convs[-1][0]


def flatten_by_tensorflow(n, convs):  # TensorFlow's kernels on zeros, read the shape
    import tensorflow as tf

    x = tf.zeros((1, n, n, 1))
    for filters, kernel, padding in convs:
        x = tf.nn.conv2d(x, tf.zeros((kernel, kernel, x.shape[-1], filters)), 1, padding.upper())
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")
    return int(np.prod(x.shape[1:]))


OLD_FLATTEN = [(28, [(32, 3, "same"), (64, 3, "same")]), (28, [(32, 3, "same"), (64, 3, "valid")]),
               (32, [(16, 5, "valid"), (8, 3, "same")]), (28, [(8, 3, "valid"), (16, 3, "valid")]),
               (64, [(4, 3, "same"), (8, 3, "same"), (16, 3, "valid")])]
FLATTEN_TABLE = {(n, tuple(convs)): flatten_size(n, convs) for n, convs in OLD_FLATTEN}


def flatten_mutates(n, convs):
    size = flatten_size(n, convs)
    convs.clear()
    return size


# --- 5.2 dense_params -------------------------------------------------------------------

def dense_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def dense_weights(sizes):
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def dense_by_keras(sizes):
    model = keras.Sequential([keras.Input((sizes[0],))] + [layers.Dense(n) for n in sizes[1:]])
    return model.count_params()


def dense_by_layers_of(build):
    """A 5.2 answer that sums the weights of a layer ``build(a, b)`` builds per pair."""
    def answer(sizes):
        return sum(int(sum(np.prod(w.shape) for w in build(a, b).weights))
                   for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    return answer


def einsum_dense(a, b):
    layer = layers.EinsumDense("ab,bc->ac", output_shape=b, bias_axes="c")
    layer.build((None, a))
    return layer


def conv1d_1x1(a, b):
    layer = layers.Conv1D(b, 1)
    layer.build((None, 1, a))
    return layer


OLD_DENSE = [[784, 256, 128, 10], [784, 10], [2, 3, 1], [2304, 600, 120, 10]]
DENSE_TABLE = {tuple(s): dense_params(s) for s in OLD_DENSE}


def dense_mutates(sizes):
    count = dense_params(sizes)
    sizes.reverse()
    return count


# --- 5.3 confusion_matrix ---------------------------------------------------------------

def confusion(y_true, y_pred, classes):
    counts = np.zeros((classes, classes), int)
    for t, p in zip(y_true, y_pred, strict=True):
        counts[t, p] += 1
    return counts


def confusion_fancy_add(y_true, y_pred, classes):
    counts = np.zeros((classes, classes), int)
    counts[y_true, y_pred] += 1  # a repeated pair adds once
    return counts


def confusion_by_labels_seen(y_true, y_pred, classes):
    return confusion(y_true, y_pred, int(max(y_true.max(), y_pred.max())) + 1)


def confusion_histogram(y_true, y_pred, classes):
    return np.histogram2d(y_true, y_pred, bins=classes, range=[[0, classes], [0, classes]])[0]


def confusion_by_tensorflow(y_true, y_pred, classes):
    import tensorflow as tf

    return tf.math.confusion_matrix(y_true, y_pred, classes).numpy()


def confusion_sorts(y_true, y_pred, classes):
    counts = confusion(y_true, y_pred, classes)
    y_true.sort()
    return counts


def confusion_in(dtype):
    """A count matrix of ``dtype``: uint8 (the labels' own type) wraps at 256."""
    def answer(y_true, y_pred, classes):
        counts = np.zeros((classes, classes), dtype)
        np.add.at(counts, (y_true, y_pred), 1)
        return counts
    return answer


def confusion_from_the_checkers_frame(y_true, y_pred, classes):
    """Reads the checker's `expected` from the frames above it (an attacker's cheat)."""
    frame = sys._getframe(1)
    while frame is not None:
        if "expected" in frame.f_locals:
            return frame.f_locals["expected"]
        frame = frame.f_back
    return np.zeros((classes, classes), int)


OLD_CONFUSION = {((0, 1, 2, 2), (0, 2, 2, 1), 3): confusion([0, 1, 2, 2], [0, 2, 2, 1], 3),
                 ((1, 1, 1), (0, 0, 1), 4): confusion([1, 1, 1], [0, 0, 1], 4)}


def confusion_table(y_true, y_pred, classes):
    key = (tuple(y_true.tolist()), tuple(y_pred.tolist()), classes)
    return OLD_CONFUSION.get(key, np.zeros((classes, classes), int))


# --- 5.4 most_confused ------------------------------------------------------------------

def most_confused(m):
    off = m - np.diag(np.diag(m))
    return tuple(int(v) for v in np.unravel_index(np.argmax(off), m.shape))


def confused_in_place(m):
    np.fill_diagonal(m, 0)
    return tuple(int(v) for v in np.unravel_index(np.argmax(m), m.shape))


def confused_upper_only(m):
    upper = np.triu(m, 1)
    return tuple(int(v) for v in np.unravel_index(np.argmax(upper), m.shape))


def confused_worst_row(m):
    off = m - np.diag(np.diag(m))
    row = int(np.argmax(off.sum(axis=1)))
    return row, int(np.argmax(off[row]))


OLD_CONFUSED = {((9, 1, 0), (4, 8, 0), (0, 2, 7)): (1, 0), ((1, 0), (3, 0)): (1, 0)}


# --- 5.5 small_cnn ----------------------------------------------------------------------

def conv_stack(filters=(8, 16), dense=10, activation="softmax"):
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(filters[0], 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(filters[1], 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(dense, activation=activation),
    ])


def small_cnn():
    model = conv_stack()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def linear_behind_a_1x1_conv():
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 1),
                             layers.Flatten(), layers.Dense(10, activation="softmax")])


def logits():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(10)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def a_dense_layer_in_disguise():  # a 28x28 kernel: one position, a linear classifier
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(10, 28), layers.Flatten(),
                             layers.Softmax()])


def sigmoid_output():
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.MaxPooling2D(4),
                             layers.Flatten(), layers.Dense(10, activation="sigmoid")])


def tiny_at_the_default_rate():  # 750 parameters, uncompiled: Adam(1e-3) for 10 short epochs
    return keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(2, 3, activation="relu"),
                             layers.MaxPooling2D(4), layers.Flatten(),
                             layers.Dense(10, activation="softmax")])


def diverging():
    model = small_cnn()
    model.compile(optimizer=keras.optimizers.Adam(10.0), loss="sparse_categorical_crossentropy")
    return model


def mse_loss():
    model = small_cnn()
    model.compile(optimizer="adam", loss="mse")
    return model


WRONG = {
    "flatten_size": [
        ("'valid' ignored", lambda n, convs: flatten_size(n, convs, conv=lambda n, k, p: n)),
        ("'valid' takes k off", lambda n, convs: flatten_size(
            n, convs, conv=lambda n, k, p: n - k if p == "valid" else n)),
        ("pool rounds up", lambda n, convs: flatten_size(n, convs, pool=lambda n: -(-n // 2))),
        ("first conv's channels", lambda n, convs: flatten_size(
            n, convs, channels=lambda convs: convs[0][0])),
        ("no channels", lambda n, convs: flatten_size(n, convs, channels=lambda convs: 1)),
        ("course shortcut", flatten_by_ops),
        ("course shortcut imported by name", flatten_by_output_size),
        ("tf.nn.conv2d and tf.nn.max_pool2d on zeros", flatten_by_tensorflow),
        ("an int too large to print", lambda n, convs: 10**5000),
        ("'valid' takes 2 * (k // 2) off", lambda n, convs: flatten_size(  # right for odd k
            n, convs, conv=lambda n, k, p: n - 2 * (k // 2) if p == "valid" else n)),
        ("keras shortcut", flatten_by_keras),
        ("table", lambda n, convs: FLATTEN_TABLE.get((n, tuple(convs)), 3136)),
        ("always equal", always_equal),
        ("a list", lambda n, convs: [flatten_size(n, convs)]),
        ("a float", lambda n, convs: flatten_size(n, convs) / 1),
        ("changes convs", flatten_mutates),
    ],
    "dense_params": [
        ("weights only", dense_weights),
        ("biases on the input", lambda s: dense_weights(s) + sum(s)),
        ("one bias per layer", lambda s: dense_weights(s) + len(s) - 1),
        ("first layer only", lambda s: s[0] * s[1] + s[1]),
        ("keras shortcut", dense_by_keras),
        ("EinsumDense layers built", dense_by_layers_of(einsum_dense)),
        ("1x1 Conv1D layers built", dense_by_layers_of(conv1d_1x1)),
        ("an int too large to print", lambda sizes: 10**5000),
        ("table", lambda s: DENSE_TABLE.get(tuple(s), 0)),
        ("always equal", always_equal),
        ("a list", lambda s: [dense_params(s)]),
        ("a float", lambda s: float(dense_params(s))),
        ("changes sizes", dense_mutates),
    ],
    "confusion_matrix": [
        ("transposed", lambda t, p, c: confusion(t, p, c).T),
        ("fancy +=", confusion_fancy_add),
        ("sized by the labels seen", confusion_by_labels_seen),
        ("histogram2d's floats", confusion_histogram),
        ("rows normalized", lambda t, p, c: confusion(t, p, c) // np.maximum(
            confusion(t, p, c).sum(axis=1, keepdims=True), 1)),
        ("tensorflow shortcut", confusion_by_tensorflow),
        ("uint8 counts", confusion_in(np.uint8)),
        ("int8 counts", confusion_in(np.int8)),
        ("the checker's expected, read from its frame", confusion_from_the_checkers_frame),
        ("table", confusion_table),
        ("always equal", always_equal),
        ("nested lists", lambda t, p, c: confusion(t, p, c).tolist()),
        ("changes y_true", confusion_sorts),
    ],
    "most_confused": [
        ("reversed", lambda m: most_confused(m)[::-1]),
        ("diagonal included", lambda m: tuple(
            int(v) for v in np.unravel_index(np.argmax(m), m.shape))),
        ("upper triangle only", confused_upper_only),
        ("the worst row", confused_worst_row),
        ("fills the diagonal in place", confused_in_place),
        ("table", lambda m: OLD_CONFUSED.get(tuple(map(tuple, m.tolist())), (1, 0))),
        ("always equal", always_equal),
        ("a flat index", lambda m: int(np.argmax(m - np.diag(np.diag(m))))),
        ("floats", lambda m: tuple(float(v) for v in most_confused(m))),
        ("an int too large to print", lambda m: (10**5000, 0)),
    ],
    "small_cnn": [
        ("linear classifier behind a 1x1 conv", linear_behind_a_1x1_conv),
        ("logits", logits),
        ("a dense layer in disguise", a_dense_layer_in_disguise),
        ("sigmoid", sigmoid_output),
        ("the course's MNIST CNN", models.mnist_cnn),
        ("always equal", always_equal),
        ("a list of layers", lambda: [layers.Conv2D(8, 3), layers.Dense(10)]),
        ("a colour input", lambda: keras.Sequential([
            keras.Input((28, 28, 3)), layers.Conv2D(4, 3), layers.GlobalMaxPooling2D(),
            layers.Dense(10, activation="softmax")])),
        ("too many filters", lambda: conv_stack(filters=(32, 64))),
        ("11 outputs", lambda: conv_stack(dense=11)),  # the near miss of test_student
        ("no softmax", lambda: conv_stack(activation=None)),
        ("no convolution", lambda: keras.Sequential([
            keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(12, activation="relu"),
            layers.Dense(10, activation="softmax")])),
        ("flat input", lambda: keras.Sequential([keras.Input((784,)),
                                                 layers.Dense(10, activation="softmax")])),
        ("not built", lambda: keras.Sequential([layers.Conv2D(4, 3), layers.Flatten(),
                                                layers.Dense(10)])),
        ("a number", lambda: 0.97),
        ("None", lambda: None),
    ],
}
# The words the hint must hold for some of them: it names the mistake, or the shortcut.
# small_cnn's come before any training.
NAMED = {
    ("flatten_size", "'valid' ignored"): "'valid' convolution",
    ("flatten_size", "course shortcut imported by name"): calls("ops.output_size"),
    ("dense_params", "weights only"): "bias",
    ("confusion_matrix", "transposed"): "transposed",
    ("confusion_matrix", "tensorflow shortcut"): calls("tf.math.confusion_matrix"),
    ("confusion_matrix", "uint8 counts"): "which only counts to 255 and then wraps around",
    ("confusion_matrix", "int8 counts"): "which only counts to 127 and then wraps around",
    # 5.1 refuses every TensorFlow op: the hint names the library
    ("flatten_size", "tf.nn.conv2d and tf.nn.max_pool2d on zeros"): "runs TensorFlow",
    ("dense_params", "EinsumDense layers built"): calls("keras.layers.EinsumDense.build"),
    ("dense_params", "1x1 Conv1D layers built"): calls("keras.layers.Conv1D.build"),
    ("most_confused", "reversed"): "(true, predicted)",
    ("most_confused", "diagonal included"): "diagonal",
    ("small_cnn", "logits"): "ends in a 10-way softmax",  # the statement asks for one
    ("small_cnn", "the course's MNIST CNN"): "50,186 parameters, more than 10,000; 31,370 of "
                                             "them sit in layer 'fc'",
    ("small_cnn", "too many filters"): "more than 10,000",
    ("small_cnn", "11 outputs"): "(None, 10)",
    ("small_cnn", "no softmax"): "not probabilities",
    ("small_cnn", "no convolution"): "no Conv2D layer",
    ("small_cnn", "flat input"): "keras.Input((28, 28, 1))",
    ("small_cnn", "not built"): "not built yet",
    ("small_cnn", "a number"): "return a Keras model",
    ("small_cnn", "None"): "returned None",
}
RIGHT = {
    "flatten_size": flatten_size,
    "dense_params": dense_params,
    "confusion_matrix": confusion,
    "most_confused": most_confused,
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson05, checker), answer, capsys, LESSON, checker, kind,
                       says=NAMED.get((checker, kind)))


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in drawn(draws(checker)):
        verdict = getattr(lesson05, checker)(RIGHT[checker])
        line = capsys.readouterr().out
        assert verdict and line.startswith(f"{RIGHT[checker].__name__}: correct - "), line


@pytest.mark.parametrize("checker", [*RIGHT, "small_cnn"])
def test_a_stub_is_not_attempted(checker, capsys):
    assert not getattr(lesson05, checker)(stub)
    assert capsys.readouterr().out.startswith("stub: not attempted yet - ")


def test_a_tie_accepts_any_of_the_tied_pairs(capsys):
    def last_of_the_largest(m):  # the last tied cell, where argmax gives the first
        off = m - np.diag(np.diag(m))
        i, j = np.argwhere(off == off.max())[-1]
        return int(i), int(j)

    for _ in drawn(5):
        assert lesson05.most_confused(last_of_the_largest), capsys.readouterr().out


def test_a_sum_of_one_hot_products_is_not_a_shortcut(capsys):
    def one_hot(y_true, y_pred, classes):
        eye = np.eye(classes, dtype=int)
        return eye[y_true].T @ eye[y_pred]

    assert lesson05.confusion_matrix(one_hot), capsys.readouterr().out


@pytest.mark.slow
def test_the_right_small_cnn_meets_the_target(smoke, capsys):
    for _ in drawn(2):  # seeded training, no random cases: the same run each time
        assert lesson05.small_cnn(small_cnn)
        out = capsys.readouterr().out.splitlines()
        said = re.fullmatch(r"small_cnn: correct - 9,098 parameters \(at most 10,000\), a "
                            r"convolution over neighbouring pixels, a softmax at the end, and "
                            r"trained \d+ epochs? on [\d,]+ images, it got ([\d.]+)% of the "
                            r"[\d,]+ test images right; the target here is ([\d.]+)%", out[0])
        assert said and float(said[1]) >= float(said[2]), out


@pytest.mark.parametrize("answer, hint", [
    (tiny_at_the_default_rate, "a larger learning rate pays"),
    (diverging, "It hardly learned"),
    (mse_loss, "Incompatible shapes"),
])
@pytest.mark.slow
def test_models_that_miss_the_target_say_what_they_reached(smoke, answer, hint, capsys):
    assert not lesson05.small_cnn(answer)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out
    if answer is not mse_loss:
        assert "the target here is 80.0%" in out and "of the 256 test images right" in out


def a_big_model_that_says_it_is_small():
    """402,000 parameters, and a count_params that says 9,999 (an attacker's cheat)."""
    model = keras.Sequential([keras.Input((28, 28, 1)),
                              layers.Conv2D(32, 3, padding="same", activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(),
                              layers.Dense(64, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    model.count_params = lambda: 9_999
    return model


def smoke_test_images():
    from course import data
    from course.runtime.profiles import resolve_profile

    profile = resolve_profile()
    with contextlib.redirect_stdout(io.StringIO()):
        _, _, x_test, y_test = data.load("mnist", profile)
    return data.subset(x_test, y_test, profile.test_samples)


def tiny_cnn():
    return keras.Sequential([keras.Input((28, 28, 1)),
                             layers.Conv2D(4, 3, padding="same", activation="relu"),
                             layers.MaxPooling2D(4), layers.Flatten(),
                             layers.Dense(10, activation="softmax")])


def trained_on_the_test_images(freeze):
    """An attacker's cheat: train a tiny CNN on the checker's own test images inside
    small_cnn(), then freeze it (or compile it afresh) so that the checker's training does
    not undo what it memorised."""
    def small_cnn():
        x_test, y_test = smoke_test_images()
        model = tiny_cnn()
        model.compile(optimizer=keras.optimizers.Adam(1e-2),
                      loss="sparse_categorical_crossentropy")
        model.fit(x_test[..., None].astype("float32") / 255, y_test, epochs=40, batch_size=32,
                  verbose=0)
        for layer in model.layers:
            layer.trainable = not freeze
        model.compile(optimizer=keras.optimizers.Adam(1e-2),
                      loss="sparse_categorical_crossentropy")
        return model
    return small_cnn


def trained_already():
    model = small_cnn()
    model.fit(np.zeros((64, 28, 28, 1), "float32"), np.zeros(64), epochs=1, verbose=0)
    return model


def predicts_the_labels():
    """An attacker's cheat: a model whose predict looks the test images up."""
    x_test, y_test = smoke_test_images()
    answers = {image.tobytes(): label for image, label in zip(x_test, y_test, strict=True)}
    model = small_cnn()

    def predict(data, **kwargs):
        images = np.concatenate([np.asarray(x) for x, _ in data])
        labels = [answers.get((image[..., 0] * 255).round().astype(np.uint8).tobytes(), 0)
                  for image in images]
        return np.eye(10)[labels]

    model.predict = predict
    return model


def replaces_keras_predict():
    keras.Model.predict = lambda self, *args, **kwargs: np.eye(10)[np.zeros(256, int)]
    return small_cnn()


@pytest.mark.parametrize("cheat, hint", [
    (a_big_model_that_says_it_is_small, "402,442 parameters, more than 10,000"),
    (trained_on_the_test_images(freeze=True), "is frozen (trainable=False)"),
    (trained_already, "small_cnn() has trained the model already (2 steps"),
    (predicts_the_labels, "your code replaces the method `predict` of your model"),
    (replaces_keras_predict, "changes `keras.src.models.model.Model.predict`"),
], ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.slow
def test_small_cnn_judges_the_model_keras_builds_and_trains_it_afresh(smoke, cheat, hint,
                                                                     capsys):
    """The attacker's cheats on 5.5: a count_params that lies, a model trained on the
    checker's test images and frozen; and their cousins (a model trained already, a
    predict that looks the labels up, Keras' own predict replaced)."""
    predict = keras.Model.predict
    assert not lesson05.small_cnn(cheat)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out
    assert keras.Model.predict is predict, "the checker puts Keras back"


@pytest.mark.slow
def test_a_model_trained_on_the_test_images_is_trained_again_from_fresh_weights(
        smoke, monkeypatch, capsys):
    """Not frozen, compiled afresh, the model that memorised the test images has its weights
    drawn again: with no epochs of the checker's training left (patched here), it knows
    nothing, where the weights it came with got most test images right."""
    monkeypatch.setattr(lesson05, "SMALL_CNN_EPOCHS",  # read-only: a whole new table
                        types.MappingProxyType({**lesson05.SMALL_CNN_EPOCHS, "smoke": 0}))
    assert not lesson05.small_cnn(trained_on_the_test_images(freeze=False))
    out = capsys.readouterr().out
    assert "not yet - " in out and "It hardly learned" in out, out


def test_a_model_passed_instead_of_the_function_gets_a_hint(capsys):
    assert not lesson05.small_cnn(small_cnn())
    out = capsys.readouterr().out
    assert "not yet - you passed a Sequential" in out and "pass `small_cnn` itself" in out, out


@pytest.mark.slow
def test_a_lambda_layer_is_no_obstacle_to_the_fresh_start(smoke, capsys):
    def with_a_lambda():
        model = keras.Sequential([keras.Input((28, 28, 1)), layers.Lambda(lambda t: t * 1.0),
                                  *conv_stack().layers])
        model.compile(optimizer=keras.optimizers.Adam(1e-2),
                      loss="sparse_categorical_crossentropy")
        return model

    assert lesson05.small_cnn(with_a_lambda), capsys.readouterr().out


def test_the_confusion_checker_counts_past_255(capsys):
    """A uint8 count matrix is right on small cases; one edge case of every draw counts more
    than 255 examples in a cell (issue 26: accepted in most calls before)."""
    for _ in range(5):
        assert not lesson05.confusion_matrix(confusion_in(np.uint8))
        assert "wraps around" in capsys.readouterr().out
    assert lesson05.confusion_matrix(confusion_in(np.int16))


def test_the_targets_cover_every_profile():
    from course.runtime.profiles import NAMES

    assert set(lesson05.SMALL_CNN_TARGET) == set(lesson05.SMALL_CNN_EPOCHS) == set(NAMES)


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    assert {e.checker for e in exercises(LESSON)} == set(WRONG)
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def test_every_shortcut_the_checkers_refuse_can_be_found():
    from course.check.core import _resolve

    installed = [name for name in (*lesson05.SHAPE_SHORTCUTS, *lesson05.PARAM_SHORTCUTS,
                                   *lesson05.CONFUSION_SHORTCUTS)
                 if not name.startswith(("sklearn.", "scipy."))]  # not installed here
    for name in installed:
        assert callable(_resolve(name)), name


def test_tensorflows_confusion_matrix_in_a_worker_thread_is_seen(capsys):
    """The attacker ran tf.math.confusion_matrix in a thread (now watched too)."""
    import concurrent.futures

    def threaded(y_true, y_pred, classes):
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(confusion_by_tensorflow, y_true, y_pred, classes).result()

    assert not lesson05.confusion_matrix(threaded)
    assert calls("tf.math.confusion_matrix") in capsys.readouterr().out


# --- what an independent attacker found (issue: checker-specific holes) ----------------


def flatten_by_tf_signal_frame(n, convs):
    """tf.signal.frame on zeros counts each convolution's and each pool's windows."""
    import tensorflow as tf

    def count(m, f, stride):
        return int(tf.signal.frame(tf.zeros(m), f, stride).shape[0])
    for _, k, padding in convs:
        n = count(n, k, 1) if padding == "valid" else n
        n = count(n, 2, 2)
    return n * n * convs[-1][0]


def dense_by_conv_params(sizes):  # a dense layer is a 1x1 convolution
    return sum(ops.conv_params(1, a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def dense_by_conv_macs(sizes):
    return sum(ops.conv_macs(1, 1, 1, a, b) + b for a, b in zip(sizes[:-1], sizes[1:],
                                                                  strict=True))


@pytest.mark.parametrize("checker, answer, name", [
    ("flatten_size", flatten_by_tf_signal_frame, "TensorFlow"),  # tf.zeros runs first
    ("dense_params", dense_by_conv_params, "ops.conv_params"),
    ("dense_params", dense_by_conv_macs, "ops.conv_macs"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_the_attackers_shortcuts_are_named(checker, answer, name, capsys):
    says = "runs TensorFlow" if name == "TensorFlow" else calls(name)
    refused_every_time(getattr(lesson05, checker), answer, capsys, LESSON, checker, name,
                       says=says)


def confusion_by_flat_index(y_true, y_pred, classes):
    """np.bincount of true * classes + predicted, worked out in the labels' own type."""
    return np.bincount(y_true * classes + y_pred, minlength=classes * classes).reshape(
        classes, classes)


def test_a_flat_index_that_wraps_in_uint8_is_refused(capsys):
    """The attacker's right-looking answer: it wraps for uint8 labels of 17 classes or more,
    which every draw now holds, and the hint says what wrapped, not the fix."""
    assert lesson05.confusion_matrix(lambda t, p, c: confusion_by_flat_index(
        t.astype(np.int64), p.astype(np.int64), c))  # in int64 the same index is right
    capsys.readouterr()
    refused_every_time(lesson05.confusion_matrix, confusion_by_flat_index, capsys, LESSON,
                       "confusion_matrix", "uint8 flat index", says="wrapped around")


WRONG_AFTER = {
    "flatten_size": lambda n, convs: 1,
    "dense_params": lambda sizes: 1,
    "confusion_matrix": lambda y_true, y_pred, classes: np.zeros((classes, classes), int),
    "most_confused": lambda m: (0, 0),
}


@pytest.mark.parametrize("checker", RIGHT)
def test_an_answer_that_edits_the_checkers_cases_or_arrays_is_refused(checker, capsys):
    """R3: the answer empties the lists, dicts and sets and zeroes the arrays it finds in
    the checker's frames (the attacker zeroed 5.3's labels and set 5.4's matrix) and those
    it was given; the checker's cases and the answers it collects are tuples, its arrays
    read-only, and what is right is worked out from them."""
    for _ in range(3):
        cheat = editing(lesson05, right_the_first_time(RIGHT[checker], WRONG_AFTER[checker]))
        assert not getattr(lesson05, checker)(cheat)
        line = capsys.readouterr().out
        assert "correct" not in line, line  # (5.1's answer empties its own `convs` too)


def decorative_convolution():
    """The attacker's: logistic regression on the raw pixels, beside a Conv2D that slides
    over them and whose output is multiplied by 0 (7,860 parameters)."""
    image = keras.Input((28, 28, 1))
    conv = layers.Conv2D(1, 3, padding="same")(image)
    same = layers.Lambda(lambda t: t[0] + 0.0 * t[1])([image, conv])
    model = keras.Model(image, layers.Softmax()(layers.Dense(10)(layers.Flatten()(same))))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.slow
def test_a_model_that_meets_the_target_without_its_convolutions_is_refused(smoke, capsys):
    assert not lesson05.small_cnn(decorative_convolution)
    out = capsys.readouterr().out
    assert "not yet - " in out and "reaches the target without its convolutions" in out, out


def nearest_test_image(x_test, y_test):
    """Keras ops that give each image the label of the nearest of ``x_test``."""
    table = keras.ops.convert_to_tensor(x_test.reshape(len(x_test), -1).astype("float32") / 255)
    labels = keras.ops.convert_to_tensor(np.eye(10, dtype="float32")[y_test] * 50)

    def lookup(images):
        flat = keras.ops.reshape(images, (-1, 784))
        distance = keras.ops.sum(flat**2, 1, keepdims=True) - 2 * flat @ keras.ops.transpose(
            table)
        return keras.ops.one_hot(keras.ops.argmin(distance, axis=1), len(x_test)) @ labels
    return lookup


class Lookup(layers.Layer):
    """The attacker's layer: the test images as a constant (not a weight)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.nearest = nearest_test_image(*smoke_test_images())

    def call(self, inputs):
        images, beside = inputs
        return self.nearest(images) + 0.0 * keras.ops.mean(beside)


def memorises_in_a_layer():
    image = keras.Input((28, 28, 1))
    conv = layers.Conv2D(2, 3, padding="same")(image)
    return keras.Model(image, layers.Softmax()(Lookup()([image, conv])))


def memorises_in_a_lambda():
    nearest = nearest_test_image(*smoke_test_images())  # held by the Lambda's closure
    image = keras.Input((28, 28, 1))
    conv = layers.Conv2D(2, 3, padding="same")(image)
    looked_up = layers.Lambda(lambda t: nearest(t[0]) + 0.0 * keras.ops.mean(t[1]))
    return keras.Model(image, layers.Softmax()(looked_up([image, conv])))


class LooksUp(layers.Layer):
    """Holds nothing: it loads the test images each time it is traced."""

    def call(self, inputs):
        images, beside = inputs
        return nearest_test_image(*smoke_test_images())(images) + 0.0 * keras.ops.mean(beside)


def looks_up_when_it_runs():
    image = keras.Input((28, 28, 1))
    conv = layers.Conv2D(2, 3, padding="same")(image)
    return keras.Model(image, layers.Softmax()(LooksUp()([image, conv])))


@pytest.mark.parametrize("cheat, hint", [
    (memorises_in_a_layer, "layer 'lookup' holds 403,968 numbers outside its weights"),
    (memorises_in_a_lambda, "numbers outside its weights"),
    (looks_up_when_it_runs, "before any training, your model gets"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_model_that_looks_the_test_images_up_is_refused(smoke, cheat, hint, capsys):
    """The attacker's nearest-neighbour lookup of the test images (a CNN in name only):
    the numbers a model holds outside its weights count against its 10,000, and a model
    right before any training does not owe its answers to what it learns."""
    assert not lesson05.small_cnn(cheat)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out


def test_the_right_small_cnn_holds_no_numbers_outside_its_weights(smoke, capsys):
    lesson05._holds_no_data(small_cnn(), 9_098)  # no hint
    with_a_lambda = keras.Sequential([keras.Input((28, 28, 1)),
                                      layers.Lambda(lambda t: t / 1.0), *conv_stack().layers])
    lesson05._holds_no_data(with_a_lambda, 9_098)


@pytest.mark.slow
def test_the_profile_and_the_target_are_the_checkers_before_small_cnn_runs(smoke, monkeypatch,
                                                                           capsys):
    """small_cnn() may set COURSE_PROFILE or try the target tables: the checker has read
    its profile, target and images before it runs, and the tables are read-only."""
    import os

    def switches_the_profile():
        os.environ["COURSE_PROFILE"] = "full"
        return small_cnn()

    monkeypatch.setenv("COURSE_PROFILE", "smoke")  # put back after the test
    assert lesson05.small_cnn(switches_the_profile)
    out = capsys.readouterr().out
    assert "on 512 images" in out and "the target here is 80.0%" in out, out
    for table in (lesson05.SMALL_CNN_TARGET, lesson05.SMALL_CNN_EPOCHS):
        with pytest.raises(TypeError):
            table["smoke"] = 0
