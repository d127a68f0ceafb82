"""Lesson 02's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut through the course or Keras, a table of the checker's old fixed cases,
an always-equal object and a type slip. Each must get "not yet" with a hint that holds no
line of the solution; the right answer must pass every time (cases are drawn afresh).
2.4 is a debug exercise: the lesson's own broken port is refused with a hint that names
the mistake, not the fix. 2.5 is a prediction: its values are tested directly. And the
lesson keeps its exercises honest (issue 26, item 7): 2.2 and 2.3 are derived, their worked
formulas only after the checker, and no lesson cell shows the answer to 2.5."""

import json
import re
import types

import keras
import nbformat
import numpy as np
import pytest
from cheats import drawn, draws, lesson_function, refused_every_time, shown_text
from frame_edits import editing

from course import ops
from course.check import lesson02
from course.ops import output_size  # imported by name: the watch still sees it
from course.runtime.paths import NOTEBOOKS
from course.tools import student
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "02_convolution_arithmetic.ipynb"


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __iter__(self):
        return iter((AlwaysEqual(), AlwaysEqual(), AlwaysEqual()))

    def __len__(self):
        return 3


def table(cases, fallback):
    """An answer that looks its cases up in a table of the old checker's fixed ones."""
    def answer(*args, **kwargs):
        key = args + tuple(kwargs.values())
        return cases.get(key, fallback)
    return answer


def right_shape(h, w, f, k, stride=1, padding=0):
    return (h - f + 2 * padding) // stride + 1, (w - f + 2 * padding) // stride + 1, k


OLD_SHAPES = [(28, 28, 4, 64, 2, 1), (32, 32, 5, 10, 1, 2), (5, 5, 3, 1, 1, 0),
              (28, 28, 5, 5, 1, 0), (30, 20, 3, 8, 1, 1)]


def right_same(n, f, stride=1):
    total = max((-(-n // stride) - 1) * stride + f - n, 0)
    return total // 2, total - total // 2


def split(total):
    return total // 2, total - total // 2


def same_padding_by_pad(n, f, stride=1):
    column = ops.pad(np.ones((n, 1)), "same", (f, 1), stride=(stride, 1))[:, 0]
    ones = np.flatnonzero(column)
    return int(ones[0]), int(len(column) - 1 - ones[-1])


def padded_zeros(h, w, padding, channels=1):
    return np.zeros((1, h + 2 * padding, w + 2 * padding, channels), np.float32)


def shape_by_tf_conv(h, w, f, k, stride=1, padding=0):  # tf.nn.conv2d on zeros
    import tensorflow as tf

    y = tf.nn.conv2d(padded_zeros(h, w, padding), tf.zeros((f, f, 1, 1)), stride, "VALID")
    return int(y.shape[1]), int(y.shape[2]), k


def shape_by_pool_layer(h, w, f, k, stride=1, padding=0):  # a pooling window is a window
    return tuple(keras.layers.MaxPooling2D(f, stride).compute_output_shape(
        (1, h + 2 * padding, w + 2 * padding, k))[1:])


def shape_by_max_pool(h, w, f, k, stride=1, padding=0):
    y = keras.ops.max_pool(padded_zeros(h, w, padding), f, stride)
    return y.shape[1], y.shape[2], k


def shape_by_keras_rule(h, w, f, k, stride=1, padding=0):  # the function Conv2D uses
    from keras.src.ops.operation_utils import compute_conv_output_shape

    return tuple(int(v) for v in compute_conv_output_shape(
        (1, h + 2 * padding, w + 2 * padding, 1), k, (f, f), stride)[1:])


def shape_by_patches(h, w, f, k, stride=1, padding=0):
    import tensorflow as tf

    y = tf.image.extract_patches(padded_zeros(h, w, padding), [1, f, f, 1],
                                 [1, stride, stride, 1], [1, 1, 1, 1], "VALID")
    return int(y.shape[1]), int(y.shape[2]), k


def shape_by_course_correlation(h, w, f, k, stride=1, padding=0):
    y = ops.correlate2d(padded_zeros(h, w, padding)[0, :, :, 0], np.zeros((f, f)), stride=stride)
    return (*y.shape, k)


def count_by_transposed_convolution(f, c_in, k, bias=True):  # as many weights as Conv2D
    layer = keras.layers.Conv2DTranspose(k, f, use_bias=bias)
    layer.build((None, 8, 8, c_in))
    return int(sum(np.prod(v.shape) for v in layer.weights))


def count_by_dense(f, c_in, k, bias=True):  # a dense layer on the F*F*C_in window
    layer = keras.layers.Dense(k, use_bias=bias)
    layer.build((None, f * f * c_in))
    return int(sum(np.prod(v.shape) for v in layer.weights))


WRONG = {
    "conv_output_shape": [
        ("tf.nn.conv2d on zeros", shape_by_tf_conv),
        ("MaxPooling2D.compute_output_shape", shape_by_pool_layer),
        ("keras.ops.max_pool on zeros", shape_by_max_pool),
        ("Keras' compute_conv_output_shape", shape_by_keras_rule),
        ("tf.image.extract_patches on zeros", shape_by_patches),
        ("ops.correlate2d on zeros", shape_by_course_correlation),
        ("an int too large to print", lambda h, w, f, k, stride=1, padding=0: (10**5000, 1, k)),
        ("n // stride", lambda h, w, f, k, stride=1, padding=0: (
            (h - f + 2 * padding) // stride + 1 if stride == 1 else h // stride,
            (w - f + 2 * padding) // stride + 1 if stride == 1 else w // stride, k)),
        ("rounds up", lambda h, w, f, k, stride=1, padding=0: (
            -(-(h - f + 2 * padding) // stride) + 1, -(-(w - f + 2 * padding) // stride) + 1,
            k)),
        ("float sizes", lambda h, w, f, k, stride=1, padding=0: (
            (h - f + 2 * padding) / stride + 1, (w - f + 2 * padding) / stride + 1, k)),
        ("one padding", lambda h, w, f, k, stride=1, padding=0: (
            (h - f + padding) // stride + 1, (w - f + padding) // stride + 1, k)),
        ("course shortcut", lambda h, w, f, k, stride=1, padding=0: (
            ops.output_size(h, f, stride, padding, strict=False),
            ops.output_size(w, f, stride, padding, strict=False), k)),
        ("keras shortcut", lambda h, w, f, k, stride=1, padding=0: tuple(
            keras.layers.Conv2D(k, f, strides=stride).compute_output_shape(
                (None, h + 2 * padding, w + 2 * padding, 3))[1:])),
        ("table", table({c: right_shape(*c) for c in OLD_SHAPES}, (1, 1, 1))),
        ("always equal", lambda *args, **kwargs: AlwaysEqual()),
        ("array", lambda h, w, f, k, stride=1, padding=0: np.array(
            right_shape(h, w, f, k, stride, padding))[None]),
        ("a number", lambda h, w, f, k, stride=1, padding=0: h * w * k),
    ],
    "conv_param_count": [
        ("a built Conv2DTranspose", count_by_transposed_convolution),
        ("a built Dense", count_by_dense),
        ("an int too large to print", lambda f, c_in, k, bias=True: 10**5000),
        ("no bias", lambda f, c_in, k, bias=True: f * f * c_in * k),
        ("bias ignores the flag", lambda f, c_in, k, bias=True: (f * f * c_in + 1) * k),
        ("course shortcut", lambda f, c_in, k, bias=True: ops.conv_params(f, c_in, k, bias)),
        ("keras shortcut", lambda f, c_in, k, bias=True: keras.Sequential([
            keras.Input((8, 8, c_in)), keras.layers.Conv2D(k, f, use_bias=bias)]).count_params()),
        ("table", table({(f, c, k, b): (f * f * c + b) * k for f, c, k in
                         [(5, 3, 1), (5, 3, 10), (3, 64, 128), (1, 192, 16)]
                         for b in (True, False)}, 0)),
        ("always equal", lambda *args, **kwargs: AlwaysEqual()),
        ("a list", lambda f, c_in, k, bias=True: [(f * f * c_in + bias) * k]),
        ("a float", lambda f, c_in, k, bias=True: float((f * f * c_in + bias) * k)),
        ("one filter", lambda f, c_in, k, bias=True: f * f * c_in + bias),
        ("a bias per channel", lambda f, c_in, k, bias=True: (f * f + bias) * c_in * k),
        ("no window", lambda f, c_in, k, bias=True: (c_in + bias) * k),
    ],
    "same_padding": [
        ("no max(..., 0)", lambda n, f, stride=1: (
            ((-(-n // stride) - 1) * stride + f - n) // 2,
            ((-(-n // stride) - 1) * stride + f - n) - ((-(-n // stride) - 1) * stride + f - n)
            // 2)),
        ("extra pixel before", lambda n, f, stride=1: right_same(n, f, stride)[::-1]),
        ("f - 1 always", lambda n, f, stride=1: ((f - 1) // 2, f - 1 - (f - 1) // 2)),
        ("table", table({c: right_same(*c) for c in [(28, 3, 1), (28, 4, 1), (28, 5, 1),
                                                      (28, 3, 2), (27, 4, 2), (7, 1, 1),
                                                      (5, 7, 3)]}, (0, 0))),
        ("always equal", lambda *args, **kwargs: AlwaysEqual()),
        ("a number", lambda n, f, stride=1: sum(right_same(n, f, stride))),
        ("floats", lambda n, f, stride=1: tuple(v / 1 for v in right_same(n, f, stride))),
        ("n // stride windows", lambda n, f, stride=1: split(max((n // stride - 1) * stride
                                                                 + f - n, 0))),
        ("one window too many", lambda n, f, stride=1: split(max(-(-n // stride) * stride
                                                                 + f - n, 0))),
        ("course shortcut", same_padding_by_pad),
        ("the course's private helper", lambda n, f, stride=1: ops._axis_padding(
            "same", n, f, stride)),
    ],
    "torch_to_keras_kernel": [
        ("the lesson's buggy port", lesson_function(LESSON, "torch_to_keras_kernel_buggy")),
        ("reshape", lambda w: w.reshape(w.shape[2], w.shape[3], w.shape[1], w.shape[0])),
        ("w.T", lambda w: w.T.copy()),
        ("flipped", lambda w: w.transpose(2, 3, 1, 0)[::-1, ::-1].copy()),
        ("in and out swapped", lambda w: w.transpose(2, 3, 0, 1)),
        ("float64", lambda w: w.transpose(2, 3, 1, 0).astype(np.float64)),
        ("in place", lambda w: np.moveaxis(w, [0, 1], [3, 2]).copy() if w.fill(0) is None
         else None),
        ("table", lambda w: np.zeros((2, 5, 3, 4), np.float32)),
        ("always equal", lambda w: AlwaysEqual()),
        ("a list", lambda w: w.transpose(2, 3, 1, 0).tolist()),
    ],
}
RIGHT = {
    "conv_output_shape": right_shape,
    "conv_param_count": lambda f, c_in, k, bias=True: (f * f * c_in + int(bias)) * k,
    "same_padding": right_same,
    "torch_to_keras_kernel": lambda w: np.transpose(w, (2, 3, 1, 0)),
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson02, checker), answer, capsys, LESSON, checker, kind)


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in drawn(draws(checker)):
        assert getattr(lesson02, checker)(RIGHT[checker]), capsys.readouterr().out


NAMED_SHORTCUTS = {  # the hint names what the shortcut calls
    ("conv_output_shape", "tf.nn.conv2d on zeros"): "runs TensorFlow",  # any of its ops
    ("conv_output_shape", "MaxPooling2D.compute_output_shape"): "calls `",
    ("conv_output_shape", "keras.ops.max_pool on zeros"): "calls `keras.ops.max_pool`",
    ("conv_output_shape", "Keras' compute_conv_output_shape"):
        "calls `operation_utils.compute_conv_output_shape`",
    ("conv_output_shape", "tf.image.extract_patches on zeros"): "calls `",
    ("conv_output_shape", "ops.correlate2d on zeros"): "calls `ops.correlate2d`",
    ("conv_param_count", "a built Conv2DTranspose"): "calls `",
    ("conv_param_count", "a built Dense"): "calls `keras.layers.Dense.build`",
    ("same_padding", "the course's private helper"): "calls `ops._axis_padding`",
}


@pytest.mark.parametrize("checker, kind", NAMED_SHORTCUTS, ids=lambda v: v)
def test_a_shortcut_of_another_kind_gets_a_hint_that_names_it(checker, kind, capsys):
    """Keras layers and ops, TensorFlow's kernels and the course's private helpers that
    answer the exercise (issue 26: an attacker's shortcuts), refused on every draw."""
    [answer] = [a for k, a in WRONG[checker] if k == kind]
    refused_every_time(getattr(lesson02, checker), answer, capsys, LESSON, checker, kind,
                       says=NAMED_SHORTCUTS[checker, kind])


def test_the_same_padding_checker_keeps_no_reference_to_call():
    """The attacker called the checker's own reference, `lesson02._same`; the checker now
    works the padding out inline, after the answer has run."""
    assert not [name for name, value in vars(lesson02).items()
                if callable(value) and name.lstrip("_") in ("same", "same_padding_reference")]


@pytest.mark.parametrize("form", [
    lambda *shape: np.array(shape), lambda *shape: tuple(np.int64(v) for v in shape),
    lambda *shape: list(np.array(shape, np.int32))], ids=["array", "np.int64", "np.int32"])
def test_numpy_integers_are_whole_numbers(form, capsys):
    assert lesson02.conv_output_shape(
        lambda h, w, f, k, stride=1, padding=0: form(*right_shape(h, w, f, k, stride, padding)))
    assert lesson02.same_padding(lambda n, f, stride=1: form(*right_same(n, f, stride)))
    assert "correct - " in capsys.readouterr().out


def test_a_float_array_of_whole_sizes_is_still_refused(capsys):
    assert not lesson02.conv_output_shape(lambda h, w, f, k, stride=1, padding=0: np.array(
        right_shape(h, w, f, k, stride, padding), float))
    assert "the float" in capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)} - {"stack_shapes"}  # a prediction: its
    assert checkers == set(WRONG)  # own tests below
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def stub(*args, **kwargs):
    raise NotImplementedError


def said(check, answer, capsys, *args):
    verdict = check(answer, *args)
    return verdict, capsys.readouterr().out


@pytest.mark.parametrize("checker, wrong, hint", [
    ("conv_output_shape", lambda h, w, f, k, stride=1, padding=0: (
        (h - f + padding) // stride + 1, (w - f + padding) // stride + 1, k),
     "expected 14x14x64, got 13x13x64"),
    ("conv_param_count", lambda f, c, k, bias=True: f * f * c * k, "forgot the bias"),
    ("conv_param_count", lambda f, c, k, bias=True: f * f * c + bias,
     "you counted the parameters of one filter; the layer has 10"),
    ("conv_param_count", lambda f, c, k, bias=True: (f * f + bias) * c * k,
     "one per filter, not one per input channel"),
    ("conv_param_count", lambda f, c, k, bias=True: (c + bias) * k,
     "each of the 5x5 positions of the window has weights of its own"),
    ("same_padding", lambda n, f, stride=1: right_same(n, f, stride)[::-1],
     "extra pixel goes after"),
    ("same_padding", lambda n, f, stride=1: split(f - 1),
     "n=28, f=3, stride=2: you padded 2 pixels, what stride 1 needs"),
    ("same_padding", lambda n, f, stride=1: split(max((n // stride - 1) * stride + f - n, 0)),
     "n=27, f=4, stride=2: you padded for n // stride = 13 windows"),
    ("same_padding", lambda n, f, stride=1: split(max(-(-n // stride) * stride + f - n, 0)),
     "n=28, f=3, stride=1: your padding has room for 29 windows"),
    ("torch_to_keras_kernel", lambda w: w.transpose(2, 3, 0, 1),
     "you returned shape (2, 5, 4, 3); Keras wants (kh, kw, in, out)"),
    ("torch_to_keras_kernel", lambda w: w.T.copy(), "(5, 2, 3, 4) (every axis reversed"),
    ("torch_to_keras_kernel", lambda w: w.T.copy() if w.shape[2] == w.shape[3] else
     w.transpose(2, 3, 1, 0), "for a weight of shape (6, 4, 3, 3) the shape is right, but "
                              "kernel[0, 1, 0, 0] should hold w[0, 0, 0, 1]"),
    ("torch_to_keras_kernel", lambda w: w.T.copy() if w.shape[2] == w.shape[3] else
     w.transpose(2, 3, 1, 0), "each filter comes out mirrored about its diagonal"),
    ("torch_to_keras_kernel", lambda w: w.transpose(2, 3, 1, 0)[::-1, ::-1].copy(),
     "turned by 180 degrees"),
    ("torch_to_keras_kernel", lambda w: np.transpose(w, (2, 3, 0, 1)) if w.shape[0] == w.shape[1]
     else np.transpose(w, (2, 3, 1, 0)), "the input and output channel axes are swapped"),
    ("torch_to_keras_kernel", lambda w: w.transpose(2, 3, 1, 0).astype(np.float64),
     "keep its dtype"),
])
def test_a_typical_mistake_gets_its_own_hint(checker, wrong, hint, capsys):
    check = getattr(lesson02, checker)
    ok, out = said(check, RIGHT[checker], capsys)
    assert ok and "correct" in out
    ok, out = said(check, stub, capsys)
    assert not ok and "not attempted yet" in out
    ok, out = said(check, wrong, capsys)
    assert not ok and hint in out, out


@pytest.mark.parametrize("check, shortcut, name", [
    (lesson02.conv_output_shape, lambda h, w, f, k, stride=1, padding=0: (
        output_size(h, f, stride, padding), output_size(w, f, stride, padding), k),
     "ops.output_size"),
    (lesson02.conv_param_count, lambda f, c_in, k, bias=True: ops.conv_params(f, c_in, k, bias),
     "ops.conv_params"),
    (lesson02.same_padding, same_padding_by_pad, "ops.pad"),
], ids=["conv_output_shape", "conv_param_count", "same_padding"])
def test_the_shortcut_gets_a_hint_that_names_it(check, shortcut, name, capsys):
    assert not check(shortcut)
    out = capsys.readouterr().out
    assert "calls `" in out and f"{name}`" in out, out
    assert "write it yourself" in out


# --- 2.4 torch_to_keras_kernel (debug) --------------------------------------------------


def test_the_lessons_buggy_port_gets_the_right_shape_and_the_wrong_weights(capsys):
    buggy = lesson_function(LESSON, "torch_to_keras_kernel_buggy")
    w = np.arange(2 * 3 * 3 * 3, dtype=np.float32).reshape(2, 3, 3, 3)
    assert buggy(w).shape == (3, 3, 3, 2) and not np.array_equal(buggy(w),
                                                                  RIGHT["torch_to_keras_kernel"](w))
    ok, out = said(lesson02.torch_to_keras_kernel, buggy, capsys)
    assert not ok and out.startswith("torch_to_keras_kernel_buggy: not yet - "), out
    assert "the shape is right, but kernel[0, 0, 0, 1] should hold w[1, 0, 0, 0]" in out, out
    assert "a reshape regroups the flat sequence of values, it never reorders it" in out
    assert "transpose" not in out and "(2, 3, 1, 0)" not in out, "the hint states the fix"


def test_the_port_is_tried_where_a_wrong_axis_order_keeps_the_shape():
    shapes = lesson02.TORCH_EDGES
    assert any(len(set(s)) == 4 for s in shapes), "four different sizes: a swap shows"
    assert any(s[2] == s[3] > 1 and s[0] != s[1] for s in shapes), "square: w.T keeps it"
    assert any(s[0] == s[1] and s[2] == s[3] > 1 for s in shapes), "in == out: a swap keeps it"
    assert any(s[2] == s[3] == 1 for s in shapes), "1x1"


# --- 2.5 stack_shapes (predict, then run) -----------------------------------------------


def lesson_stack():
    """The layer stack as lesson 02's cell writes it (so the test follows the lesson)."""
    nb = json.loads(LESSON.read_text())
    [source] = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
                and "".join(c["source"]).startswith("stack = [")]
    scope = {"keras": keras}
    exec(source, scope)
    return scope["stack"]


@pytest.fixture
def stack():
    """The lesson's stack, with a fresh count of the tries (hints stop after five different
    wrong predictions)."""
    lesson02.stack_shapes.forget_tries()
    yield lesson_stack()
    lesson02.stack_shapes.forget_tries()


def by_keras(stack):
    """What model.summary() shows, one (height, width, channels, parameters) per layer."""
    rebuilt = [type(layer).from_config(layer.get_config()) for layer in stack]
    model = keras.Sequential([keras.Input(lesson02.STACK_INPUT), *rebuilt])
    return [(*layer.output.shape[1:], layer.count_params()) for layer in model.layers]


def test_the_lesson_stack_mixes_the_cases_the_exercise_is_about(stack):
    strides = [layer.strides[0] for layer in stack]
    paddings = [layer.padding for layer in stack]
    assert 2 in strides and {"same", "valid"} <= set(paddings)
    assert any(layer.dilation_rate[0] > 1 for layer in stack)
    assert any(layer.kernel_size == (1, 1) for layer in stack)
    shapes = by_keras(stack)
    sizes = [lesson02.STACK_INPUT[0]] + [s[0] for s in shapes]
    odd_same = [n % 2 for n, layer in zip(sizes, stack, strict=False)
                if layer.padding == "same" and layer.strides[0] == 2]
    assert 1 in odd_same, "'same' with stride 2 on an odd size (rounds up)"
    floored = [(n - layer.kernel_size[0]) % 2 for n, layer in zip(sizes, stack, strict=False)
               if layer.padding == "valid" and layer.strides[0] == 2]
    assert 1 in floored, "'valid' with stride 2 where (N - F) / S is not whole (rounds down)"


def test_stack_shapes_right_and_stub(stack, capsys):
    ok, out = said(lesson02.stack_shapes, by_keras(stack), capsys, stack)
    assert ok and "stack_shapes: correct - " in out
    ok, out = said(lesson02.stack_shapes, [list(map(float, row)) for row in by_keras(stack)],
                   capsys, stack)
    assert ok, "16.0 is a whole number too"
    ok, out = said(lesson02.stack_shapes, ..., capsys, stack)
    assert not ok and "not attempted yet" in out


def changed(rows, layer, **values):
    """``rows`` with layer ``layer`` (1-based) given other values."""
    rows = [list(row) for row in rows]
    for name, value in values.items():
        rows[layer - 1]["hwcp".index(name)] = value
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("mistake, hint", [
    (dict(layer=1, h=32, w=32), "layer 1 (16 filters 3x3, stride 2, 'same') on its 32x32x3 "
                                "input: you said 32x32; with stride 2"),
    (dict(layer=5, h=2, w=2), "rounds an odd size up"),
    (dict(layer=1, h=15, w=15), "'same' pads the border with zeros"),
    (dict(layer=2, h=14, w=14), "dilation 2 spreads the 3x3 taps apart"),
    (dict(layer=4, h=6, w=6), "Keras drops the last, partial window"),
    (dict(layer=4, h=10, w=10), "stride 2: the window moves 2 pixels"),
    (dict(layer=3, c=32), "one output channel per filter"),
    (dict(layer=2, p=3 * 3 * 16 * 32), "you left out the biases"),
    (dict(layer=4, p=3 * 3 * 8 * 24 + 1), "one bias per filter, not one per layer"),
    (dict(layer=2, p=(5 * 5 * 16 + 1) * 32), "it adds no parameters"),
    (dict(layer=2, p=(3 * 3 * 3 + 1) * 32), "its input has 16 channels"),
    (dict(layer=5, p=(3 * 3 + 1) * 10), "a weight for every input channel"),
])
def test_stack_shapes_hints(stack, mistake, hint, capsys):
    mistake = dict(mistake)
    layer = mistake.pop("layer")
    ok, out = said(lesson02.stack_shapes, changed(by_keras(stack), layer, **mistake), capsys,
                   stack)
    assert not ok and "stack_shapes: not yet - " in out and hint in out, out


def test_stack_shapes_form_and_an_edited_stack(stack, capsys):
    right = by_keras(stack)
    for answer, hint in [(right[:4], "give a list of 5 tuples"),
                         ([row[:3] for row in right], "you gave 3 numbers; give four"),
                         ([(1.5, *right[0][1:]), *right[1:]], "whole numbers")]:
        ok, out = said(lesson02.stack_shapes, answer, capsys, stack)
        assert not ok and hint in out, out
    edited = [keras.layers.Conv2D(16, 3, padding="same"), *stack[1:]]  # stride 2 dropped
    ok, out = said(lesson02.stack_shapes, by_keras(edited), capsys, edited)
    assert not ok and "not the lesson's stack" in out


@pytest.mark.parametrize("kind, typed, hint", [
    ("a string", lambda rows: [(*rows[0][:3], str(rows[0][3])), *rows[1:]], "a str"),
    ("an infinite float", lambda rows: [(*rows[0][:3], 1e999), *rows[1:]],
     "sizes and counts are whole numbers"),
    ("an int with 400 digits", lambda rows: [(*rows[0][:3], 10**400), *rows[1:]],
     "no answer here is that large"),
    ("an int too large to print", lambda rows: [(10**5000, *rows[0][1:]), *rows[1:]],
     "no answer here is that large"),
    ("a bool", lambda rows: [(True, *rows[0][1:]), *rows[1:]], "a bool"),
    ("a dict", lambda rows: {i: row for i, row in enumerate(rows)}, "give a list of 5 tuples"),
])
def test_stack_shapes_takes_numbers_only(stack, kind, typed, hint, capsys):
    """A string, inf, a huge int, a bool or a dict is refused with a hint, not accepted or
    crashed on (issue 26: attacks)."""
    ok, out = said(lesson02.stack_shapes, typed(by_keras(stack)), capsys, stack)
    assert not ok and "stack_shapes: not yet - " in out and hint in out, (kind, out)


class OneFilterConv2D(keras.layers.Conv2D):
    """A Conv2D look-alike whose copies (from_config) have one filter: with predictions to
    match, it fooled a checker that rebuilt the layers it was given."""

    @classmethod
    def from_config(cls, config):
        return keras.layers.Conv2D(**{**config, "filters": 1})


def test_stack_shapes_judges_the_lessons_layers_not_look_alikes(stack, capsys):
    fake = [OneFilterConv2D(**layer.get_config()) for layer in stack]
    predictions = [(h, w, 1, (f * f * c + 1)) for (h, w, _, _), f, c in zip(
        by_keras(stack), [3, 3, 1, 3, 3], [3, 1, 1, 1, 1], strict=True)]
    ok, out = said(lesson02.stack_shapes, predictions, capsys, fake)
    assert not ok and "not the lesson's stack" in out, out
    ok, out = said(lesson02.stack_shapes, predictions, capsys, stack)
    assert not ok, out


def test_stack_shapes_leaves_the_lessons_layers_unbuilt(stack, capsys):
    said(lesson02.stack_shapes, by_keras(stack), capsys, stack)
    assert not any(layer.built for layer in stack)


@pytest.mark.parametrize("cell", [
    "stack_shapes = [(ops.output_size(32, 3, 2, 'same'), 16, 16, 448)]",
    "from course.ops import conv_params as count\nstack_shapes = [count(3, 3, 16)]",
    "stack_shapes = [layer.compute_output_shape(s) for layer in stack]",
    "m = keras.Sequential(stack)\nstack_shapes = [la.output_shape for la in m.layers]",
    "stack_shapes = ANSWER",
])
def test_stack_shapes_computed_instead_of_predicted_is_refused(stack, cell, capsys,
                                                              monkeypatch):
    import IPython

    history = ["", "stack = [...]", cell, "course.check.lesson02.stack_shapes(stack_shapes, "
                                          "stack)"]
    shell = types.SimpleNamespace(user_ns={"In": history})
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    ok, out = said(lesson02.stack_shapes, by_keras(stack), capsys, stack)
    assert not ok and "a prediction is values you write, not code" in out, out
    right = by_keras(stack)
    assert right[0] == (16, 16, 16, 448)
    history[2] = ("stack_shapes = [  # on paper, not with output_size() or the summary\n"
                  "    (16, 16, 16, (3 * 3 * 3 + 1) * 16),\n"
                  + "".join(f"    {tuple(int(v) for v in row)!r},\n" for row in right[1:]) + "]")
    ok, out = said(lesson02.stack_shapes, right, capsys, stack)
    assert ok, f"numbers typed in, arithmetic included, are the student's own: {out}"
    ok, out = said(lesson02.stack_shapes, right[:1], capsys, stack)  # changed after it was written
    assert not ok and "is not what its cell wrote" in out, out



# --- what the lesson shows a student ----------------------------------------------------


def test_the_student_version_never_shows_the_answer_to_2_5():
    answer = r"\b1,?752\b"  # layer 4's parameters
    assert re.search(answer, shown_text(nbformat.read(LESSON, as_version=4))), (
        "the instructor version has the answer")
    assert not re.search(answer, shown_text(student.student_version(LESSON))), (
        "the answer is visible to a student")


def test_the_exercises_ask_for_thought_and_reveal_their_formulas_after_the_checker():
    found = {ex.checker: ex for ex in exercises(LESSON)}
    assert {name: ex.kind for name, ex in found.items()} == {
        "conv_output_shape": "transcribe", "conv_param_count": "from the formula",
        "same_padding": "from the formula", "torch_to_keras_kernel": "debug",
        "stack_shapes": "predict, then run"}
    assert [ex.number for ex in found.values()] == ["2.1", "2.2", "2.3", "2.4", "2.5"]
    cells = nbformat.read(LESSON, as_version=4).cells
    worked = {"conv_param_count": [r"\(F \\cdot F \\cdot C_\{in\} \+ 1\)", r"\b76\b",
                                   r"conv_params\("],
              "same_padding": [r"\(N_\{out\} - 1\)S \+ F", r"\\max\("]}
    for name, patterns in worked.items():
        before = "\n".join(c.source for c in cells[:found[name].checker_cell])
        after = "\n".join(c.source for c in cells[found[name].checker_cell:])
        for pattern in patterns:
            assert not re.search(pattern, before), f"{name}: the lesson shows {pattern} first"
        assert re.search(patterns[0], after), f"{name}: the reveal lost {patterns[0]}"
    port = found["torch_to_keras_kernel"]
    before = "\n".join(c.source for c in cells[:port.checker_cell])
    assert "(2, 3, 1, 0)" not in before.replace(cells[port.cell].source, ""), (
        "the lesson shows the fix before the debug exercise")
    assert "def torch_to_keras_kernel_buggy(" in before


def test_a_conv2d_built_in_a_worker_thread_is_seen(capsys):
    """The attacker built the Conv2D in a thread, out of the watch's sight (now watched)."""
    import concurrent.futures

    def count_in_a_thread(f, c_in, k, bias=True):
        def count():
            layer = keras.layers.Conv2D(k, f, use_bias=bias)
            layer.build((None, 8, 8, c_in))
            return int(sum(np.prod(v.shape) for v in layer.weights))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(count).result()

    assert not lesson02.conv_param_count(count_in_a_thread)
    assert "calls `keras.layers.Conv2D.build`" in capsys.readouterr().out


# --- what an independent attacker found (issue: checker-specific holes) ----------------


def shape_by_tf_signal_frame(h, w, f, k, stride=1, padding=0):
    """tf.signal.frame on zeros: the number of frames is the number of windows."""
    import tensorflow as tf

    def count(n):
        return int(tf.signal.frame(tf.zeros(n + 2 * padding), f, stride).shape[0])
    return count(h), count(w), k


def shape_by_np_convolve(h, w, f, k, stride=1, padding=0):
    """np.convolve on zeros ('valid'), every stride-th position kept."""
    def count(n):
        return len(np.convolve(np.zeros(n + 2 * padding), np.ones(f), "valid")[::stride])
    return count(h), count(w), k


def shape_by_window_view(h, w, f, k, stride=1, padding=0):
    """NumPy's window view on zeros, every stride-th window kept."""
    from numpy.lib.stride_tricks import sliding_window_view

    def count(n):
        return len(sliding_window_view(np.zeros(n + 2 * padding), f)[::stride])
    return count(h), count(w), k


@pytest.mark.parametrize("answer, says", [
    (shape_by_tf_signal_frame, "runs TensorFlow"),  # tf.zeros runs first: any op is refused
    (shape_by_np_convolve, "calls `numpy.convolve`"),
    (shape_by_window_view, "calls `numpy.lib.stride_tricks.sliding_window_view`"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_counting_the_windows_on_zeros_is_not_the_formula(answer, says, capsys):
    """2.1 asks for the formula: a routine that slides a window and is run on zeros answers
    it by counting (tf.signal.frame was the attacker's; every TensorFlow op is refused)."""
    assert right_shape(28, 20, 3, 8, 2, 1) == answer(28, 20, 3, 8, 2, 1)  # it would answer
    refused_every_time(lesson02.conv_output_shape, answer, capsys, LESSON,
                       "conv_output_shape", says, says=says)


def shape_by_tf_signal_frame_of_numpy(h, w, f, k, stride=1, padding=0):
    """tf.signal.frame on a NumPy array: no op runs before the frame."""
    import tensorflow as tf

    def count(n):
        return int(tf.signal.frame(np.zeros(n + 2 * padding), f, stride).shape[0])
    return count(h), count(w), k


def test_tf_signal_frame_is_named_where_it_is_the_first_thing_run(capsys):
    refused_every_time(lesson02.conv_output_shape, shape_by_tf_signal_frame_of_numpy, capsys,
                       LESSON, "conv_output_shape", "tf.signal.frame",
                       says="calls `tf.signal.frame`")


def params_by_conv_macs(f, c_in, k, bias=True):
    """The course's count of multiply-adds, for a 1x1 output, is the weights' count."""
    return ops.conv_macs(1, 1, f, c_in, k) + k * int(bias)


def test_the_courses_count_of_multiply_adds_is_a_shortcut(capsys):
    assert params_by_conv_macs(3, 64, 128) == RIGHT["conv_param_count"](3, 64, 128)
    refused_every_time(lesson02.conv_param_count, params_by_conv_macs, capsys, LESSON,
                       "conv_param_count", "ops.conv_macs", says="calls `ops.conv_macs`")


def right_the_first_time(right, wrong):
    """An answer right on its first call and wrong after it (a fresh one for each call of
    the checker): a checker whose loop the answer can end after one case accepts it."""
    def answer(*args, **kwargs):
        answer.calls += 1
        return (right if answer.calls == 1 else wrong)(*args, **kwargs)
    answer.calls = 0
    return answer


WRONG_AFTER = {  # what the answer returns from its second call on
    "conv_output_shape": lambda h, w, f, k, stride=1, padding=0: (1, 1, k),
    "conv_param_count": lambda f, c_in, k, bias=True: 1,
    "same_padding": lambda n, f, stride=1: (0, 0),
    "torch_to_keras_kernel": lambda w: np.zeros(w.shape[::-1], w.dtype),
}


@pytest.mark.parametrize("checker", RIGHT)
def test_an_answer_that_edits_the_checkers_cases_or_arrays_is_refused(checker, capsys):
    """R3: the answer empties the lists and zeroes the arrays it finds in the checker's
    frames (the attacker rewrote 2.4's `original`); the checker's cases are tuples, its
    weights read-only, and what is right is worked out from them."""
    for _ in range(3):
        cheat = editing(lesson02, right_the_first_time(RIGHT[checker], WRONG_AFTER[checker]))
        assert not getattr(lesson02, checker)(cheat)
        line = capsys.readouterr().out
        assert "not yet - " in line, line


def some_wrong_predictions(stack):
    """Wrong predictions that no named mistake explains, for every layer and field."""
    right = by_keras(stack)
    for layer in range(1, 6):
        for field in "hcp":
            yield changed(right, layer, **({"h": 1, "w": 1} if field == "h" else {field: 7}))


def test_stack_shapes_hints_name_the_mistake_not_the_formula(stack, capsys):
    """2.5's hints point to the lesson's sections; none states a size or a parameter
    formula (the attacker read ceil(N / S), (N - F_eff) / S + 1 and (F * F * C_in + 1) * K
    off them)."""
    formulas = re.compile(r"ceil|\(N -|N / S|F_eff|F \* F|\+ 1\) \*|C_in|d\(F")
    for prediction in [*some_wrong_predictions(stack), *(
            changed(by_keras(stack), layer, **mistake) for layer, mistake in [
                (1, dict(h=32, w=32)), (5, dict(h=2, w=2)), (1, dict(h=15, w=15)),
                (2, dict(h=14, w=14)), (4, dict(h=6, w=6)), (4, dict(h=10, w=10)),
                (2, dict(p=(5 * 5 * 16 + 1) * 32))])]:
        lesson02.stack_shapes.forget_tries()
        ok, out = said(lesson02.stack_shapes, prediction, capsys, stack)
        assert not ok and "stack_shapes: not yet - layer " in out, out
        assert not formulas.search(out), out


def test_stack_shapes_stops_hinting_after_five_wrong_predictions(stack, capsys):
    """The attacker found the numbers by a loop (186 calls): each hint names the first
    wrong layer. After five different wrong predictions the hints stop, and the right one
    is refused too (no search by loop)."""
    right = by_keras(stack)
    for size in range(1, 6):
        ok, out = said(lesson02.stack_shapes, changed(right, 1, h=size, w=size), capsys, stack)
        assert not ok and "layer 1 " in out, out
    ok, out = said(lesson02.stack_shapes, changed(right, 1, h=6, w=6), capsys, stack)
    assert not ok and "6 different answers tried (hints stop after 5)" in out, out
    assert "layer" not in out, out
    ok, out = said(lesson02.stack_shapes, right, capsys, stack)
    assert not ok and "hints stop after 5" in out, out
