"""Lesson 08's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut through Keras, a table of the checker's old fixed cases, an
always-equal object and a type slip. Each must get "not yet" with a hint that holds no
line of the solution; the right answer must pass every time (cases are drawn afresh). 8.3 is
a debug exercise: the lesson's own `to_mobilenet_range_buggy` is refused with a hint that
names the wrap-around, not the fix. The prediction 8.5 is tested on its values: wrong ones
are refused without giving the numbers away, and a computed one is refused in a notebook.
(The tests of these checkers that lived in test_check_lessons_08_09.py,
test_check_new_exercises_06_08.py and test_check_shortcuts.py are here now.)"""

import functools
import re
import types

import keras
import numpy as np
import pytest
from cheats import AlwaysEqual, drawn, draws, lesson_function, refused_every_time, solution_lines

from course.check import lesson08
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "08_transfer_learning.ipynb"


def stub(*args, **kwargs):
    raise NotImplementedError()


def echoed(out, wrong):
    """``out`` without the student's own values, which it may echo: they are no answer."""
    for value in [wrong, *(wrong if isinstance(wrong, tuple | list) else [])]:
        out = out.replace(repr(value), "")
        if isinstance(value, int):
            out = out.replace(f"{value:,}", "")
    return out


# --- 8.1 count_trainable -------------------------------------------------------------------


def count(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def count_flagged(model):  # trusts each weight's own flag, not a frozen model's
    return int(sum(np.prod(w.shape) for w in model.weights if w.trainable))


def count_trainable_layers(model):  # BatchNormalization's statistics counted
    return sum(layer.count_params() for layer in model.layers if layer.trainable)


def count_by_summing(model):  # np.sum of an empty list is the float 0.0
    return np.sum([np.prod(w.shape) for w in model.trainable_weights])


def count_and_unfreeze(model):
    model.trainable = True
    return count(model)


def count_by_walking(model):  # right for models, but a single layer has no .layers
    if not model.trainable:
        return 0
    return int(sum(np.prod(w.shape) for layer in model.layers for w in layer.trainable_weights))


def count_by_the_flags_of_models(model):
    """Walks the layers and skips a frozen model whole: inside another model, Keras trains
    the layers of a frozen model that were switched back on one by one."""
    if not model.trainable:
        return 0
    if hasattr(model, "layers"):
        return sum(count_by_the_flags_of_models(layer) for layer in model.layers)
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def count_table(model):
    """The old checker's three models, told apart by their number of layers."""
    return {8: 1086, 11: 548, 4: 27}.get(len(model.layers), 0)


# --- 8.2 unfreeze_top ----------------------------------------------------------------------


def unfreeze(base, prefix):
    base.trainable = True
    for layer in base.layers:
        layer.trainable = (layer.name.startswith(prefix)
                           and not isinstance(layer, keras.layers.BatchNormalization))


def unfreeze_with_bn(base, prefix):
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer.name.startswith(prefix)


def unfreeze_only(base, prefix):  # forgets to freeze the rest
    for layer in base.layers:
        if layer.name.startswith(prefix) and not isinstance(
                layer, keras.layers.BatchNormalization):
            layer.trainable = True


def unfreeze_layers_only(base, prefix):  # forgets the base's own flag
    for layer in base.layers:
        layer.trainable = (layer.name.startswith(prefix)
                           and not isinstance(layer, keras.layers.BatchNormalization))


def unfreeze_by_block(base, prefix):  # block1 is not block10
    base.trainable = True
    for layer in base.layers:
        layer.trainable = (layer.name.split("_")[0] == prefix
                           and not isinstance(layer, keras.layers.BatchNormalization))


def unfreeze_containing(base, prefix):
    base.trainable = True
    for layer in base.layers:
        layer.trainable = (prefix in layer.name
                           and not isinstance(layer, keras.layers.BatchNormalization))


def unfreeze_a_clone(base, prefix):
    copy = keras.models.clone_model(base)
    unfreeze(copy, prefix)
    return copy


def unfreeze_table(base, prefix):
    """Right on the old checker's two cases: the small model, prefixes block3 and block2."""
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer.name in {f"{prefix}_conv"}


def unfreeze_bn_by_name(base, prefix):  # MobileNetV2 names its BatchNormalization *_BN
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer.name.startswith(prefix) and "bn" not in layer.name


def unfreeze_bn_by_lower_name(base, prefix):  # right for *_BN, wrong for a conv "..._bneck"
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer.name.startswith(prefix) and "bn" not in layer.name.lower()


def unfreeze_variables(base, prefix):
    """Sets the flags of the variables, not of the layers: the weights train as asked, but
    every layer's own flag still says trainable."""
    base.trainable = True  # every layer, and every weight that trains, switched on
    for layer in base.layers:
        wanted = layer.name.startswith(prefix) and not isinstance(
            layer, keras.layers.BatchNormalization)
        for variable in layer.trainable_weights:
            variable.trainable = wanted


def unfreeze_names(base, prefix):  # returns the names instead of changing the base
    return [layer.name for layer in base.layers if layer.name.startswith(prefix)]


# --- 8.3 to_mobilenet_range ----------------------------------------------------------------


def to_range(images):
    return np.asarray(images, dtype="float32") / 127.5 - 1.0


def to_range_in_place(images):
    result = to_range(images)
    images -= images  # uint8, in place
    return result


def to_range_wrapped(images):  # images - 128 wraps in uint8: dark pixels become bright
    return ((images - 128) / 128).astype("float32")


def to_range_by_tensorflow(images):  # the statement asks for NumPy
    import tensorflow as tf

    return np.asarray(tf.image.convert_image_dtype(images, tf.float32) * 2 - 1)


def to_range_by_keras_ops(images):
    return np.asarray(keras.ops.cast(images, "float32") / 127.5 - 1)


def to_range_masked(images):  # every value masked: nothing left to compare
    return np.ma.masked_all(images.shape, np.float32)


def to_range_min_max(images):
    x = images.astype("float32")
    return (x - x.min()) / (x.max() - x.min()) * 2 - 1


WRONG = {
    "count_trainable": [
        ("every parameter", lambda m: m.count_params()),
        ("weight tensors", lambda m: len(m.trainable_weights)),
        ("trusts the weights' own flags", count_flagged),
        ("trainable layers' count_params", count_trainable_layers),
        ("a float from np.sum", count_by_summing),
        ("walks model.layers, so fails on a layer", count_by_walking),
        ("changes the model", count_and_unfreeze),
        ("skips a frozen model whose layers train inside another",
         count_by_the_flags_of_models),
        ("table", count_table),
        ("always equal", lambda m: AlwaysEqual()),
        ("a list", lambda m: [count(m)]),
        ("a string", lambda m: f"{count(m):,}"),
    ],
    "unfreeze_top": [
        ("BatchNormalization trainable", unfreeze_with_bn),
        ("forgets to freeze the rest", unfreeze_only),
        ("forgets the base's own flag", unfreeze_layers_only),
        ("block1 is not block10", unfreeze_by_block),
        ("prefix anywhere in the name", unfreeze_containing),
        ("returns a changed clone", unfreeze_a_clone),
        ("table", unfreeze_table),
        ("always equal", lambda base, prefix: AlwaysEqual()),
        ("returns names", unfreeze_names),
        ("BatchNormalization told by 'bn' in its name", unfreeze_bn_by_name),
        ("BatchNormalization told by 'bn' in its name, any case", unfreeze_bn_by_lower_name),
        ("the variables' flags set, not the layers'", unfreeze_variables),
    ],
    "to_mobilenet_range": [
        ("the lesson's to_mobilenet_range_buggy",
         lesson_function(LESSON, "to_mobilenet_range_buggy")),
        ("subtracts 128 in uint8", to_range_wrapped),
        ("uint8 left as it is", lambda x: x - 128),
        ("float64", lambda x: x / 127.5 - 1),
        ("[0, 1]", lambda x: (x / 255).astype("float32")),
        ("divides by 128", lambda x: x.astype("float32") / 128 - 1),
        ("uint8 overflow", lambda x: (x * 2).astype("float32") / 255 - 1),
        ("min-max scaling", to_range_min_max),
        ("changes its input", to_range_in_place),
        ("keras shortcut", lambda x: keras.applications.mobilenet_v2.preprocess_input(
            x.astype("float32"))),
        ("Rescaling layer", lambda x: np.asarray(keras.layers.Rescaling(1 / 127.5, -1)(
            x.astype("float32")))),
        ("TensorFlow's convert_image_dtype", to_range_by_tensorflow),
        ("keras.ops", to_range_by_keras_ops),
        ("a masked array", to_range_masked),
        ("table", lambda x: np.array([[-1.0, -0.6, 0.0, 1.0]], np.float32)),
        ("always equal", lambda x: AlwaysEqual()),
        ("a list", lambda x: to_range(x).tolist()),
        ("int8", lambda x: (x.astype(np.int16) - 128).astype(np.int8)),
        ("float16", lambda x: x.astype(np.float16) / 127.5 - 1),
    ],
}
RIGHT = {
    "count_trainable": count,
    "unfreeze_top": unfreeze,
    "to_mobilenet_range": to_range,
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson08, checker), answer, capsys, LESSON, checker, kind)


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in drawn(draws(checker)):
        assert getattr(lesson08, checker)(RIGHT[checker]), capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)} - {"s3_trainable"}  # a prediction
    assert checkers == set(WRONG)
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


@pytest.mark.slow
def test_other_right_answers_pass(capsys):
    def count_by_layers(model):  # walks nested models, layer by layer, as Keras does
        if not model.trainable:
            return 0
        return _count_nested(model)

    def _count_nested(layer):  # inside the model counted, each layer's own flag decides
        if hasattr(layer, "layers"):
            return sum(_count_nested(sub) for sub in layer.layers)
        return int(sum(np.prod(w.shape) for w in layer.weights if w.trainable))

    def unfreeze_with_weights_only(base, prefix):
        base.trainable = True
        for layer in base.layers:
            if layer.weights:
                layer.trainable = layer.name.startswith(prefix) and not isinstance(
                    layer, keras.layers.BatchNormalization)

    for _ in range(3):
        assert lesson08.count_trainable(count_by_layers)
        assert lesson08.unfreeze_top(unfreeze_with_weights_only)
        assert lesson08.to_mobilenet_range(lambda x: (x.astype(np.float32) - 127.5) / 127.5)
        assert lesson08.to_mobilenet_range(lambda x: x.astype(np.float32) * (2 / 255) - 1)
    capsys.readouterr()


@pytest.mark.parametrize("checker, wrong, hint", [
    ("count_trainable", lambda m: m.count_params(), "do not train"),
    ("count_trainable", lambda m: len(m.trainable_weights), "weight tensors"),
    ("count_trainable", count_by_walking, "a layer is not a model"),
    ("count_trainable", count_flagged, "whatever its layers' flags say"),
    ("count_trainable", count_by_summing, "np.sum of an empty list"),
    ("count_trainable", count_and_unfreeze, "changed the trainable flags"),
    ("count_trainable", count_by_the_flags_of_models, "left out the layers of a frozen model"),
    ("unfreeze_top", unfreeze_by_block, "block10_conv is still frozen"),
    ("unfreeze_top", unfreeze_containing, "only contains"),
    ("unfreeze_top", unfreeze_layers_only, "left the base itself frozen"),
    ("unfreeze_top", unfreeze_a_clone, "in place"),
    ("unfreeze_top", unfreeze_with_bn, "keep BatchNormalization layers frozen"),
    ("unfreeze_top", unfreeze_only, "freeze every other layer"),
    ("unfreeze_top", unfreeze_bn_by_name, "tell them by their class"),
    ("unfreeze_top", unfreeze_bn_by_lower_name, "tell them by their class"),
    ("unfreeze_top", unfreeze_variables, "you set the flags of its variables"),
    ("to_mobilenet_range", lambda x: x / 255, "[0, 1]"),
    ("to_mobilenet_range", lambda x: x - 128, "uint8 overflow"),
    ("to_mobilenet_range", to_range_wrapped, "a value wrapping around"),
    ("to_mobilenet_range", lambda x: x / 127.5 - 1, "float32"),
    ("to_mobilenet_range", lambda x: x.astype(np.float16) / 127.5 - 1, "dtype is float16"),
    ("to_mobilenet_range", to_range_min_max, "fixed numbers"),
    ("to_mobilenet_range", to_range_in_place, "changed the images"),
    ("to_mobilenet_range", to_range_by_tensorflow, "runs TensorFlow"),
    ("to_mobilenet_range", to_range_by_keras_ops, "runs TensorFlow"),
    ("to_mobilenet_range", to_range_masked, "masked array"),
    ("to_mobilenet_range", lambda x: (x * 2).astype("float32") / 255 - 1, "uint8 overflow"),
])
def test_hints_name_the_mistake(checker, wrong, hint, capsys):
    getattr(lesson08, checker)(wrong)
    out = capsys.readouterr().out
    assert hint in out, out


def test_the_buggy_function_gets_a_hint_that_does_not_say_the_fix(capsys):
    """Exercise 8.3 (debug): the lesson's broken version is refused, on every draw, with a
    hint that shows the jump at 128 and asks where a value wraps around, not the fixed line."""
    buggy = lesson_function(LESSON, "to_mobilenet_range_buggy")
    for _ in range(3):
        assert not lesson08.to_mobilenet_range(buggy)
        line = capsys.readouterr().out
        assert line.startswith("to_mobilenet_range_buggy: not yet - for every pixel value "
                               "0..255"), line
        assert "pixel 127 became" in line and "pixel 128 became -1" in line, line
        assert "a value wrapping around (uint8 overflow)" in line, line
        for fix in ("astype", "convert", "float first", "float32 first", "127.5", "divide "
                    "first", "/ 255"):
            assert fix not in line, line


def test_the_lesson_shows_the_symptom_it_asks_about():
    """The buggy function keeps shape, dtype and range, so only its values give it away."""
    buggy = lesson_function(LESSON, "to_mobilenet_range_buggy")
    images = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3), np.uint8)
    got = buggy(images)
    assert got.shape == images.shape and got.dtype == np.float32
    assert got.min() >= -1 and got.max() <= 1 and got.max() < 0  # nothing comes out positive


@pytest.mark.parametrize("checker", RIGHT)
def test_a_stub_is_not_attempted_yet(checker, capsys):
    assert not getattr(lesson08, checker)(stub)
    assert "not attempted yet" in capsys.readouterr().out


def keras_preprocessing(images):
    return keras.applications.mobilenet_v2.preprocess_input(images.astype("float32"))


class KerasPreprocessing:  # a callable object, not a function: watched all the same
    def __call__(self, images):
        return keras_preprocessing(images)


@pytest.mark.parametrize("shortcut", [
    keras_preprocessing, functools.partial(keras_preprocessing), KerasPreprocessing(),
    lambda images: keras.applications.imagenet_utils.preprocess_input(
        images.astype("float32"), mode="tf")], ids=["function", "partial", "object", "imagenet"])
def test_the_keras_shortcut_gets_a_hint_that_names_it(shortcut, capsys):
    assert not lesson08.to_mobilenet_range(shortcut)
    out = capsys.readouterr().out
    assert "calls `" in out and ".preprocess_input`" in out, out
    assert "write it yourself" in out


def test_a_wrong_count_is_not_given_away(capsys):
    lesson08.count_trainable(lambda m: 7)
    out = capsys.readouterr().out
    assert "not yet" in out and not any(ch.isdigit() for ch in out.replace("returned 7", ""))


# --- 8.5 s3_trainable: a prediction -------------------------------------------------------

S3 = (222_210, 222_722)


@pytest.mark.parametrize("wrong, hint", [
    ((221_184, S3[1]), "the head trains too"),
    ((S3[0] + 256, S3[1]), "bias-free"),
    ((S3[0] + 512, S3[1]), "stay frozen"),
    ((S3[0], S3[0]), "scale and shift"),
    ((S3[0], S3[0] + 1024), "moving mean and variance are not trained"),
    ((277_506, 277_506 + 768), "s2 and s3"),
    ((1, 2), "count the weights"),
    ((1, 1), "scale and shift"),
    ((S3[0], 1), "is not what count_trainable reports"),
    ((S3[0] - 7, S3[0] - 7 + 1024), "moving mean and variance are not trained"),
    ((float(S3[0]), float(S3[1])), "two whole numbers"),
    (S3[0], "two whole numbers"),
    ((S3[0], S3[1], 0), "two whole numbers"),
])
def test_s3_trainable_refuses_without_giving_the_numbers(wrong, hint, capsys):
    assert not lesson08.s3_trainable(wrong)  # measured, not drawn: once is enough
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out
    told = echoed(out, wrong)
    for number in (*S3, 514):  # nor the head's parameters, the fix of a forgotten head
        assert f"{number:,}" not in told and str(number) not in told, out
    for solution in solution_lines(LESSON, "s3_trainable"):
        assert solution not in out


def test_s3_trainable_says_not_which_of_its_two_numbers_is_right(capsys):
    """No oracle (the attack: a hint that named the second number confirmed the first): with
    one number right and the other wrong, the hint reads as with both wrong, and an int that
    says it equals everything is compared as the int it is."""
    class EqInt(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    pairs = [(S3[0], 5), (S3[0] + 1, 5), (7, S3[1]), (7, 5)]
    for pair in pairs:
        assert not lesson08.s3_trainable(pair)
    lines = [re.sub(r"\([\d,]+, [\d,]+\)", "(A, B)", line.split(" - ", 1)[1])
             for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(pairs) and len(set(lines)) == 1, lines
    assert not lesson08.s3_trainable((EqInt(1), EqInt(2)))
    assert "s3_trainable: not yet - " in capsys.readouterr().out


def test_s3_trainable_passes_and_is_measured(capsys):
    assert lesson08.s3_trainable(S3)
    assert "s3_trainable: correct - " in capsys.readouterr().out
    assert lesson08.s3_trainable(list(S3)), "a list is as good as a tuple"
    assert not lesson08.s3_trainable(...)
    assert "not attempted yet" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.parametrize("cell", [
    "s3_trainable = (count_trainable(transferred), count_trainable(transferred))",
    "s3_trainable = S3",
])
def test_s3_trainable_computed_instead_of_predicted_is_refused(cell, capsys, monkeypatch):
    import IPython

    history = ["", cell, "course.check.lesson08.s3_trainable(s3_trainable)"]
    shell = types.SimpleNamespace(user_ns={"In": history})
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert not lesson08.s3_trainable(S3)
    assert "a prediction is values you write, not code" in capsys.readouterr().out
    history[1] = f"s3_trainable = ({S3[0]}, {S3[1]})"
    assert lesson08.s3_trainable(S3)


def test_no_answer_is_importable_from_the_checker_module():
    public = {name for name in dir(lesson08) if not name.startswith("__")}
    assert not public & {"_count", "_unfreeze", "_every_stage_classifier", "TAPS"}, public


def test_the_checkers_take_no_number_from_keras_name_counter(capsys):
    """8.1 is checked before the lesson loads its shipped runs from scratch, and a run's key
    holds the name Keras numbered the classifier's input with: a checker that built an
    unnamed Input would shift that number, and the lesson would miss the runs it ships."""
    def number(name):
        return int(name.rpartition("_")[2]) if name != "input_layer" else 0

    before = number(keras.layers.InputLayer(shape=(2,)).name)
    for checker, answer in RIGHT.items():
        assert getattr(lesson08, checker)(answer)
    assert number(keras.layers.InputLayer(shape=(2,)).name) == before + 1
    capsys.readouterr()
