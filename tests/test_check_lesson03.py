"""Lesson 03's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut through the course, Keras, TensorFlow or OpenCV, a table of the checker's
old fixed cases, an always-equal object and a type slip. Each must get "not yet" with a hint
that holds no line of the solution; the right answer must pass every time (cases are drawn
afresh). The prediction 3.5 is tested on its values, and on its limit of tries."""

import math

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from cheats import AlwaysEqual, solution_lines

from course import ops
from course.check import lesson03
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "03_pooling.ipynb"


def forget_tries(check):
    """Start ``check``'s count of different wrong answers afresh (it lives in its closure)."""
    for cell in check.__closure__ or ():
        if isinstance(cell.cell_contents, set):
            cell.cell_contents.clear()


class AlwaysEqualArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), bool)


def table(cases, fallback):
    """An answer that looks its inputs up in a table of the old checker's fixed ones."""
    def answer(*args, **kwargs):
        key = tuple(a.tobytes() if isinstance(a, np.ndarray) else a
                    for a in args + tuple(kwargs.values()))
        return cases[key] if key in cases else fallback(*args, **kwargs)
    return answer


def old_key(*args):
    return tuple(a.tobytes() if isinstance(a, np.ndarray) else a for a in args)


# ---------------------------------------------------------------- right answers


def right_size(n, f, stride=None, padding="valid"):
    s = f if stride is None else stride
    return -(-n // s) if padding == "same" else (n - f) // s + 1


def blocks(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[:h * size, :w * size].reshape(h, size, w, size)


def right_min_pool(x, size):
    return blocks(x, size).min(axis=(1, 3))


def right_kernel(size, channels):
    kernel = np.zeros((size, size, channels, channels), np.float32)
    for c in range(channels):
        kernel[:, :, c, c] = 1 / size**2
    return kernel


RIGHT = {
    "pool_output_size": right_size,
    "min_pool": right_min_pool,
    "global_average_pool": lambda x: np.mean(x, axis=(1, 2)),
    "avg_pool_kernel": right_kernel,
}

# ---------------------------------------------------------------- the old fixed cases

OLD_SIZES = [(28, 2, None, "valid"), (24, 2, None, "valid"), (7, 3, None, "valid"),
             (55, 3, 2, "valid"), (13, 3, 2, "valid"), (5, 2, 1, "valid"), (7, 2, None, "same"),
             (9, 4, 3, "same"), (6, 5, 1, "same"), (10, 3, None, "valid")]
OLD_MIN_POOL = [(np.random.default_rng(0).standard_normal((6, 8)), 2),
                (np.random.default_rng(1).standard_normal((5, 7)), 2),
                (np.random.default_rng(2).standard_normal((9, 9)), 3)]
OLD_BATCH = np.random.default_rng(3).standard_normal((2, 3, 5, 4)).astype(np.float32)


# ---------------------------------------------------------------- wrong answers


def min_pool_max_init_zero(x, size):  # a loop whose minimum starts at 0
    h, w = x.shape[0] // size, x.shape[1] // size
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            best = 0.0
            for value in x[i * size:(i + 1) * size, j * size:(j + 1) * size].flat:
                best = min(best, value)
            out[i, j] = best
    return out


def min_pool_in_place(x, size):
    x -= 0  # harmless
    x[:] = np.sort(x, axis=None).reshape(x.shape)  # sorts the caller's array
    return right_min_pool(x, size)


def min_pool_partial_windows(x, size):
    pad = [(0, -x.shape[0] % size), (0, -x.shape[1] % size)]
    return blocks(np.pad(x, pad, constant_values=np.inf), size).min(axis=(1, 3))


def by_erosion(x, size):
    eroded = cv2.erode(x.astype(np.float32), np.ones((size, size), np.uint8), anchor=(0, 0))
    h, w = x.shape[0] // size * size, x.shape[1] // size * size
    return eroded[:h:size, :w:size]


def mean_as_float64(x):
    out = np.zeros((x.shape[0], x.shape[3]))
    for n in range(x.shape[0]):
        for c in range(x.shape[3]):
            out[n, c] = x[n, :, :, c].mean()
    return out


def kernel_int(size, channels):
    kernel = np.zeros((size, size, channels, channels), int)
    for c in range(channels):
        kernel[:, :, c, c] = 1 / size**2
    return kernel


def kernel_one_channel_wrong(size, channels):
    kernel = right_kernel(size, channels)
    kernel[0, 0, -1, -1] *= 2
    return kernel


WRONG = {
    "pool_output_size": [
        ("stride None as 1", lambda n, f, stride=None, padding="valid": right_size(
            n, f, stride or 1, padding)),
        ("rounds up", lambda n, f, stride=None, padding="valid": (
            math.ceil(n / (stride or f)) if padding == "same"
            else math.ceil((n - f) / (stride or f)) + 1)),
        ("same as valid", lambda n, f, stride=None, padding="valid": right_size(
            n, f, stride, "valid")),
        ("same keeps n", lambda n, f, stride=None, padding="valid": (
            n if padding == "same" else right_size(n, f, stride))),
        ("n // stride", lambda n, f, stride=None, padding="valid": n // (stride or f)),
        ("wrong default", lambda n, f, stride=1, padding="valid": right_size(
            n, f, stride, padding)),
        ("course shortcut", lambda n, f, stride=None, padding="valid": ops.output_size(
            n, f, stride or f, padding, strict=False)),
        ("keras shortcut", lambda n, f, stride=None, padding="valid": keras.layers.MaxPooling1D(
            f, stride, padding).compute_output_shape((None, n, 1))[1]),
        ("conv shortcut", lambda n, f, stride=None, padding="valid": keras.layers.Conv1D(
            1, f, stride or f, padding).compute_output_shape((None, n, 1))[1]),
        ("pooled zeros", lambda n, f, stride=None, padding="valid": keras.ops.max_pool(
            np.zeros((1, n, 1)), f, stride, padding).shape[1]),
        ("table", table({old_key(*c): right_size(*c) for c in OLD_SIZES},
                        lambda n, f, stride=None, padding="valid": (n - f) // (stride or f) + 1)),
        ("always equal", lambda *args, **kwargs: AlwaysEqual()),
        ("float", lambda n, f, stride=None, padding="valid": float(
            right_size(n, f, stride, padding))),
        ("tuple", lambda n, f, stride=None, padding="valid": (right_size(n, f, stride, padding),)),
        ("string", lambda n, f, stride=None, padding="valid": str(right_size(n, f, stride,
                                                                               padding))),
    ],
    "min_pool": [
        ("maximum", lambda x, size: blocks(x, size).max(axis=(1, 3))),
        ("average", lambda x, size: blocks(x, size).mean(axis=(1, 3))),
        ("stride 1", lambda x, size: np.lib.stride_tricks.sliding_window_view(
            x, (size, size)).min(axis=(2, 3))),
        ("partial windows kept", min_pool_partial_windows),
        ("minimum starts at 0", min_pool_max_init_zero),
        ("mutates x", min_pool_in_place),
        ("course shortcut", lambda x, size: ops.pool2d(x, size, mode="min")),
        ("keras op", lambda x, size: -keras.ops.convert_to_numpy(
            keras.ops.max_pool(-x[None, :, :, None], size))[0, :, :, 0]),
        ("keras layer", lambda x, size: -np.asarray(keras.layers.MaxPooling2D(size)(
            -x[None, :, :, None].astype(np.float32)))[0, :, :, 0]),
        ("tensorflow", lambda x, size: -tf.nn.max_pool2d(
            -x[None, :, :, None], size, size, "VALID").numpy()[0, :, :, 0]),
        ("opencv", by_erosion),
        ("table", table({old_key(x, s): right_min_pool(x, s) for x, s in OLD_MIN_POOL},
                        lambda x, size: np.zeros((x.shape[0] // size, x.shape[1] // size)))),
        ("always equal", lambda x, size: AlwaysEqual()),
        ("always-equal array", lambda x, size: right_min_pool(x, size)[::-1].view(
            AlwaysEqualArray)),
        ("list", lambda x, size: right_min_pool(x, size).tolist()),
    ],
    "global_average_pool": [
        ("keepdims", lambda x: x.mean(axis=(1, 2), keepdims=True)),
        ("over the channels too", lambda x: x.mean(axis=(1, 2, 3))),
        ("squeezed", lambda x: x.mean(axis=(1, 2)).squeeze()),
        ("maximum", lambda x: x.max(axis=(1, 2))),
        ("sum", lambda x: x.sum(axis=(1, 2))),
        ("float64", mean_as_float64),
        ("mutates x", lambda x: np.mean(np.subtract(x, x.mean(), out=x), axis=(1, 2))),
        ("keras layer", lambda x: np.asarray(keras.layers.GlobalAveragePooling2D()(x))),
        ("keras pooling", lambda x: np.asarray(keras.layers.AveragePooling2D(x.shape[1:3])(x))[
            :, 0, 0]),
        ("keras op", lambda x: keras.ops.convert_to_numpy(keras.ops.average_pool(
            x, x.shape[1:3]))[:, 0, 0]),
        ("tensorflow pooling", lambda x: tf.nn.avg_pool2d(x, x.shape[1:3], 1, "VALID").numpy()[
            :, 0, 0]),
        ("course shortcut", lambda x: ops.pool2d(x, x.shape[1:3], mode="avg")[:, 0, 0]),
        ("table", table({old_key(OLD_BATCH): OLD_BATCH.mean(axis=(1, 2))},
                        lambda x: np.zeros((x.shape[0], x.shape[3]), np.float32))),
        ("always equal", lambda x: AlwaysEqual()),
        ("list", lambda x: x.mean(axis=(1, 2)).tolist()),
    ],
    "avg_pool_kernel": [
        ("mixes channels", lambda size, channels: np.full((size, size, channels, channels),
                                                          1 / size**2)),
        ("sums", lambda size, channels: right_kernel(size, channels) * size**2),
        ("divides by size", lambda size, channels: right_kernel(size, channels) * size),
        ("integer kernel", kernel_int),
        ("one weight off", kernel_one_channel_wrong),
        ("2-D kernel", lambda size, channels: np.full((size, size), 1 / size**2)),
        ("table", table({(2, 3): right_kernel(2, 3), (3, 2): right_kernel(3, 2)},
                        lambda size, channels: np.zeros((size, size, channels, channels)))),
        ("always equal", lambda size, channels: AlwaysEqual()),
        ("list", lambda size, channels: right_kernel(size, channels).tolist()),
        ("keras variable", lambda size, channels: keras.Variable(right_kernel(size, channels))),
    ],
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    for _ in range(3):  # fresh cases each time: refused on every draw
        assert not getattr(lesson03, checker)(answer)
        line = capsys.readouterr().out.strip()
        assert line.startswith(f"{getattr(answer, '__name__', checker)}: not yet - "), line
        assert "raised" not in line, f"{kind}: {line}"
        assert "{" not in line, f"{kind}: a hint printed a placeholder: {line}"
        for solution in solution_lines(LESSON, checker):
            assert solution not in line, f"{kind}: the hint shows the solution: {line}"


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in range(20):
        assert getattr(lesson03, checker)(RIGHT[checker]), capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)} - {"pooled_after_shift"}  # a prediction
    assert checkers == set(WRONG)
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def wrong(checker, kind):
    return next(answer for name, answer in WRONG[checker] if name == kind)


@pytest.mark.parametrize("checker, kind, words", [
    ("pool_output_size", "stride None as 1", "with stride=None the stride equals the pool size"),
    ("pool_output_size", "same as valid", "that is the 'valid' length"),
    ("pool_output_size", "wrong default", "the defaults are stride=None, padding='valid'"),
    ("pool_output_size", "rounds up", "you rounded up"),
    ("min_pool", "minimum starts at 0", "not the smallest value in that window"),
    ("min_pool", "mutates x", "changed the x it was given"),
    ("min_pool", "partial windows kept", "you kept the partial windows"),
    ("min_pool", "stride 1", "you moved the window by 1 pixel"),
    ("global_average_pool", "float64", "keeps the float32 of its input"),
    ("global_average_pool", "squeezed", "np.squeeze drops every axis of length 1"),
    ("global_average_pool", "over the channels too", "over the channels too"),
    ("global_average_pool", "mutates x", "changed the x it was given"),
    ("avg_pool_kernel", "integer kernel", "integer dtype"),
    ("avg_pool_kernel", "one weight off", "the weights differ"),
    ("avg_pool_kernel", "divides by size", "divides by size"),
    ("avg_pool_kernel", "mixes channels", "mixes channels"),
])
def test_the_hint_names_the_mistake(checker, kind, words, capsys):
    assert not getattr(lesson03, checker)(wrong(checker, kind))
    line = capsys.readouterr().out
    assert words in line, line


def test_a_wrong_same_length_hint_names_the_padding(capsys):
    def off_for_same(n, f, stride=None, padding="valid"):
        return right_size(n, f, stride, padding) + 2 * (padding == "same")

    assert not lesson03.pool_output_size(off_for_same)
    line = capsys.readouterr().out
    assert "padding='same'" in line and "{padding" not in line, line


def test_the_checker_module_holds_no_reference_pool():
    assert not hasattr(lesson03, "_pool") and not hasattr(lesson03, "_shift_right")


def test_a_tensorflow_mean_is_the_exercise_not_a_shortcut(capsys):
    assert lesson03.global_average_pool(lambda x: tf.reduce_mean(x, axis=(1, 2)))
    assert lesson03.global_average_pool(lambda x: keras.ops.mean(x, axis=(1, 2)))


# ---------------------------------------------------------------- 3.5, a prediction

AFTER = [[2, 6, 6], [5, 4, 2]]
WRONG_PREDICTIONS = [
    [[6, 6, 3], [5, 4, 2]],  # nothing changes: "pooling is invariant"
    [[3, 6, 6], [5, 4, 2]],  # the last column wrapped around
    [[0, 6, 6], [0, 5, 4]],  # the pooled map moved
    [[6, 6, 3], [4, 2, 1]],  # shifted to the left
    [[2, 6, 3], [5, 4, 2]],  # one output wrong
    [[2, 6, 6], [5, 4, 1]],  # another one
    [[0, 0, 0], [0, 0, 0]],
    [[2, 6, 6], [5, 4]],  # ragged
    "[[2, 6, 6], [5, 4, 2]]",  # a string
    AlwaysEqual(),
    6,
]


@pytest.fixture
def fresh_tries():
    forget_tries(lesson03.pooled_after_shift)
    yield
    forget_tries(lesson03.pooled_after_shift)


@pytest.mark.parametrize("answer", WRONG_PREDICTIONS, ids=repr)
def test_a_wrong_prediction_is_refused_without_the_answer(answer, fresh_tries, capsys):
    assert not lesson03.pooled_after_shift(answer)
    line = capsys.readouterr().out
    assert "not yet - " in line and "raised" not in line, line
    assert "2, 6, 6" not in line.replace(repr(answer), "") and "5, 4, 2" not in line.replace(
        repr(answer), ""), line
    assert "output (" not in line and "correct" not in line, line  # no cell singled out


def test_near_misses_get_the_same_hint_whichever_cell_is_wrong(fresh_tries, capsys):
    lines = set()
    for i, j in np.ndindex(2, 3):
        guess = [row[:] for row in AFTER]
        guess[i][j] += 10  # no misunderstanding gives this: only the general hint
        forget_tries(lesson03.pooled_after_shift)
        assert not lesson03.pooled_after_shift(guess)
        lines.add(capsys.readouterr().out)
    assert len(lines) == 1, lines  # the hint cannot be followed cell by cell


def test_hints_stop_after_three_different_wrong_predictions(fresh_tries, capsys):
    for guess in WRONG_PREDICTIONS[:3]:
        assert not lesson03.pooled_after_shift(guess)
    assert "hints stop" not in capsys.readouterr().out
    assert not lesson03.pooled_after_shift(WRONG_PREDICTIONS[4])
    assert "(hints stop after 3)" in capsys.readouterr().out
    assert lesson03.pooled_after_shift(AFTER)


def test_the_right_prediction_passes(fresh_tries, capsys):
    assert lesson03.pooled_after_shift(AFTER)
    assert lesson03.pooled_after_shift(np.array(AFTER, float))
    assert "correct - 2 of the 6 outputs change" in capsys.readouterr().out
