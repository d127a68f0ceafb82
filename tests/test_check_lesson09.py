"""Lesson 09's checkers against wrong answers of every kind (issue 26, items 7 and 8): a
plausible mistake, a shortcut through the course or Keras, a table of the checker's old
fixed cases, an always-equal object and a type slip. Each must get "not yet" with a hint
that holds no line of the solution; the right answer must pass every time (cases are
drawn afresh). Exercise 9.3 is a debug exercise: the broken `gradcam_map_buggy` the lesson
gives (its rows and columns swapped by `.T`, its map rescaled min..max instead of cut by a
ReLU) must look plausible and be refused with a hint that does not state the fix. The
prediction 9.5 is tested on its values: near misses such as 1/48 and 1/50 are refused,
no hint gives the answer away, and a computed one is refused in a notebook."""

import types
from fractions import Fraction

import keras
import nbformat
import numpy as np
import pytest
import tensorflow as tf
from cheats import AlwaysEqual, cell_source, drawn, draws, refused_every_time

from course import explain
from course.check import lesson09
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "09_what_the_network_sees.ipynb"


def statement(number):
    """The markdown of the lesson's exercise ``number`` ("9.3")."""
    nb = nbformat.read(LESSON, as_version=4)
    (found,) = [c.source for c in nb.cells if c.cell_type == "markdown"
                and f"**Exercise {number} " in c.source]
    return found


def run(check, answer, capsys):
    verdict = check(answer)
    return verdict, capsys.readouterr().out


# --- 9.1 last_conv_layer -------------------------------------------------------------------


def convs(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def last_conv(model):
    return convs(model)[-1].name


def first_conv(model):
    return convs(model)[0].name


def last_by_class_name(model):  # DepthwiseConv2D and Conv2DTranspose are not Conv2D
    return [la.name for la in model.layers if "Conv" in type(la).__name__][-1]


def last_by_sorted_names(model):  # conv10 sorts before conv2
    return sorted(layer.name for layer in convs(model))[-1]


def last_named_conv(model):  # trusts the names
    return [layer.name for layer in model.layers if "conv" in layer.name][-1]


OLD_LASTS = {"gamma": "stage_b", "alpha": "mixed7", "net": "features"}


# --- 9.2 gradcam_weights -------------------------------------------------------------------


def weights(grads):
    return np.asarray(grads).mean(axis=(0, 1))


def weights_in_place(grads):
    result = weights(grads)
    grads -= result
    return result


def weights_by_pooling(grads):
    return np.asarray(keras.layers.GlobalAveragePooling2D()(grads[None]))[0]


def weights_by_1d_pooling(grads):  # the map flattened into a sequence, pooled by Keras
    h, w, k = grads.shape
    flat = np.asarray(grads, "float32").reshape(1, h * w, k)
    return np.asarray(keras.layers.GlobalAveragePooling1D()(flat))[0]


def weights_by_window_pooling(grads):  # one average pooling window as large as the map
    h, w, _ = grads.shape
    pooled = keras.layers.AveragePooling2D(pool_size=(h, w))(np.asarray(grads, "float32")[None])
    return np.asarray(pooled)[0, 0, 0]


class LastConvByTheCourse:  # a callable object, not a function: watched all the same
    def __call__(self, model):
        return explain.last_conv_layer(model)


OLD_GRADS = np.random.default_rng(9).normal(size=(5, 4, 3))


# --- 9.3 gradcam_map (debug) ---------------------------------------------------------------


def cam(features, weights):
    c = np.maximum(np.asarray(features) @ np.asarray(weights), 0)
    return c / c.max() if c.max() > 0 else c


def cam_epsilon(features, weights):
    c = np.maximum(np.einsum("hwk,k->hw", features, weights), 0)
    return c / max(c.max(), 1e-12)


def lesson_buggy():
    """The lesson's own ``gradcam_map_buggy``, run from its cell."""
    namespace = {"np": np}
    exec(cell_source(LESSON, "def gradcam_map_buggy(features, weights):"), namespace)
    return namespace["gradcam_map_buggy"]


def cam_min_max(features, weights):  # the buggy version with its .T fixed
    raw = np.moveaxis(np.asarray(features), -1, 0)
    raw = (np.asarray(weights)[:, None, None] * raw).sum(axis=0)
    raw = raw - raw.min()
    return raw / raw.max()


def cam_transposed(features, weights):  # the buggy version with its scaling fixed
    return cam(features, weights).T


def cam_relu_then_min_max(features, weights):  # ReLU added, the shift by the minimum kept
    c = np.maximum(np.asarray(features) @ weights, 0) - np.maximum(
        np.asarray(features) @ weights, 0).min()
    return c / c.max() if c.max() > 0 else c


def cam_by_magnitude(features, weights):  # passed the old checker once
    raw = np.asarray(features) @ np.asarray(weights)
    peak = np.abs(raw).max()
    return np.maximum(raw, 0) / peak if peak > 0 else np.zeros_like(raw)


def cam_nan(features, weights):  # the old reference: 0 / 0 when every sum is <= 0
    c = np.maximum(np.asarray(features) @ weights, 0)
    return c / c.max()


def cam_relu_last(features, weights):  # normalizes by the raw maximum, then the ReLU
    raw = np.asarray(features) @ weights
    return np.maximum(raw / raw.max(), 0) if raw.max() != 0 else np.zeros_like(raw)


def cam_abs(features, weights):
    raw = np.abs(np.asarray(features) @ weights)
    return raw / raw.max() if raw.max() > 0 else raw


def cam_relu_on_features(features, weights):
    return cam(np.maximum(features, 0), weights)


def cam_relu_on_weights(features, weights):
    return cam(features, np.maximum(weights, 0))


def cam_ones_when_empty(features, weights):
    c = np.maximum(np.asarray(features) @ weights, 0)
    return c / c.max() if c.max() > 0 else np.ones_like(c)


def cam_min_max_when_empty(features, weights):
    raw = np.asarray(features) @ weights
    c = np.maximum(raw, 0)
    return c / c.max() if c.max() > 0 else (raw - raw.min()) / np.ptp(raw)


def cam_in_place(features, weights):
    result = cam(features, weights)
    features *= 0
    return result


def cam_table(features, weights):
    """Right on the old checker's two weight vectors only."""
    known = [[0.8, -1.2, 0.5], [-0.5, -1.0, -0.2]]
    if np.asarray(weights).tolist() in known:
        return cam(features, weights)
    return np.ones(np.shape(features)[:2])


WRONG = {
    "last_conv_layer": [
        ("first Conv2D", first_conv),
        ("any class named Conv", last_by_class_name),
        ("sorted names", last_by_sorted_names),
        ("names with conv", last_named_conv),
        ("course shortcut", lambda m: explain.last_conv_layer(m)),
        ("course shortcut in a callable object", LastConvByTheCourse()),
        ("table", lambda m: OLD_LASTS.get(m.name, "conv")),
        ("always equal", lambda m: AlwaysEqual()),
        ("the layer itself", lambda m: convs(m)[-1]),
        ("its index", lambda m: m.layers.index(convs(m)[-1])),
        ("a list of names", lambda m: [layer.name for layer in convs(m)]),
    ],
    "gradcam_weights": [
        ("sum", lambda g: g.sum(axis=(0, 1))),
        ("absolute values", lambda g: np.abs(g).mean(axis=(0, 1))),
        ("over the channels", lambda g: g.mean(axis=-1)),
        ("wrong axes, right shape when h = K", lambda g: g.mean(axis=(1, 2))),
        ("maximum", lambda g: g.max(axis=(0, 1))),
        ("changes its input", weights_in_place),
        ("keras pooling layer", weights_by_pooling),
        ("keras 1-D pooling of the flattened map", weights_by_1d_pooling),
        ("keras average pooling with a window the size of the map", weights_by_window_pooling),
        ("a number too large for a float", lambda g: 10**400),
        ("table", lambda g: OLD_GRADS.mean(axis=(0, 1))),
        ("always equal", lambda g: AlwaysEqual()),
        ("a string", lambda g: str(weights(g))),
        ("one number", lambda g: float(g.mean())),
        # float64 would keep the real part of a complex number and drop the rest
        ("complex, the real part right", lambda g: weights(g) + 1j * g.max(axis=(0, 1))),
        ("a list of complex numbers", lambda g: [complex(v, 1) for v in weights(g)]),
    ],
    "gradcam_map": [
        ("the lesson's buggy version", lesson_buggy()),
        ("min-max, its .T fixed", cam_min_max),
        ("transposed, its scaling fixed", cam_transposed),
        ("ReLU, then min-max", cam_relu_then_min_max),
        ("divides by the largest magnitude", cam_by_magnitude),
        ("NaN when nothing is positive", cam_nan),
        ("no ReLU", lambda f, w: np.asarray(f) @ w),
        ("no division", lambda f, w: np.maximum(np.asarray(f) @ w, 0)),
        ("ReLU after dividing by the raw maximum", cam_relu_last),
        ("absolute values", cam_abs),
        ("ReLU on the feature maps", cam_relu_on_features),
        ("negative weights dropped", cam_relu_on_weights),
        ("min-max", lambda f, w: (f @ w - (f @ w).min()) / np.ptp(f @ w)),
        ("changes its input", cam_in_place),
        ("table", cam_table),
        ("always equal", lambda f, w: AlwaysEqual()),
        ("the wrong axis", lambda f, w: cam(np.swapaxes(f, 0, 1), w)),
        ("the checker's own helper", lambda f, w: lesson09._cam(np.asarray(f) @ w)),
        ("a string", lambda f, w: "heat map"),
        ("a number too large for a float", lambda f, w: 10**400),
        ("complex, the real part right", lambda f, w: cam(f, w) + 1j),
    ],
}
RIGHT = {
    "last_conv_layer": last_conv,
    "gradcam_weights": weights,
    "gradcam_map": cam,
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson09, checker), answer, capsys, LESSON, checker, kind)


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in drawn(draws(checker)):
        assert getattr(lesson09, checker)(RIGHT[checker]), capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)} - {"gradcam_weight_ratio"}  # predicted
    assert checkers == set(WRONG)
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def test_the_exercises_name_their_kinds():
    kinds = {e.number: e.kind for e in exercises(LESSON)}
    assert kinds == {"9.1": "implement", "9.2": "transcribe", "9.3": "debug",
                     "9.5": "predict, then run"}


@pytest.mark.slow
def test_other_right_answers_pass(capsys):
    def weights_by_sum(grads):
        g = np.asarray(grads)
        return g.sum(axis=0).sum(axis=0) / (g.shape[0] * g.shape[1])

    def cam_channels_first(features, weights):  # the buggy version, both bugs fixed
        maps = np.moveaxis(np.asarray(features), -1, 0)
        c = np.maximum((np.asarray(weights)[:, None, None] * maps).sum(axis=0), 0)
        return c / c.max() if c.max() > 0 else c

    for _ in range(3):
        assert lesson09.last_conv_layer(
            lambda m: next(la.name for la in reversed(m.layers)
                           if isinstance(la, keras.layers.Conv2D)))
        assert lesson09.gradcam_weights(weights_by_sum)
        assert lesson09.gradcam_weights(lambda g: list(weights(g)))  # a list of K numbers
        assert lesson09.gradcam_map(cam_epsilon)
        assert lesson09.gradcam_map(cam_channels_first)
        assert lesson09.gradcam_map(lambda f, w: cam(f, w).astype(np.float32))
    capsys.readouterr()


def test_the_edge_cases_hold_what_the_checkers_are_about():
    rng = np.random.default_rng()
    maps = lesson09._map_cases(rng)
    raws = [features @ w for _, features, w in maps]
    assert any(raw.min() < -raw.max() < 0 for raw in raws), "a negative larger than the peak"
    assert any(raw.max() < 0 for raw in raws) and any(not raw.any() for raw in raws)
    assert any(raw.min() > 0 for raw in raws), "every weighted sum positive"
    assert any((raw == raw.max()).sum() > 1 for raw in raws), "a tie for the maximum"
    assert raws[0].shape[0] != raws[0].shape[1], "the first map is not square"
    assert any(raw.shape[0] == raw.shape[1] > 1 and not np.allclose(raw, raw.T)
               for raw in raws), "a square map that is not symmetric"
    shapes = [g.shape for g in lesson09._grads_cases(rng)]
    assert any(h == k and h != w for h, w, k in shapes) and (1, 1, 6) in shapes
    names = [m for m in lesson09._models() if any(
        not isinstance(la, keras.layers.Conv2D) and "Conv" in type(la).__name__
        for la in m.layers[m.layers.index(convs(m)[-1]):])]
    assert names, "a depthwise or separable convolution after the last Conv2D"


@pytest.mark.parametrize("checker, wrong, hint", [
    ("last_conv_layer", last_by_class_name, "keras.layers.Conv2D (isinstance)"),
    ("last_conv_layer", lambda m: convs(m)[-1], "the layer itself"),
    ("last_conv_layer", lambda m: explain.last_conv_layer(m),
     "calls `explain.last_conv_layer`, which answers the exercise for you: write it yourself"),
    ("gradcam_weights", lambda g: g.mean(axis=(1, 2)), "columns and the channels"),
    ("gradcam_weights", weights_in_place, "changed the gradients"),
    ("gradcam_weights", weights_by_1d_pooling, "calls `keras.layers.GlobalAveragePooling1D"),
    ("gradcam_weights", weights_by_window_pooling, "answers the exercise for you"),
    ("gradcam_weights", lambda g: 10**400, "no answer here is that large"),
    ("gradcam_map", lambda f, w: 10**400, "no answer here is that large"),
    ("gradcam_weights", lambda g: weights(g) + 1j, "complex"),
    ("gradcam_weights", lambda g: [complex(v, 1) for v in weights(g)], "complex"),
    ("gradcam_map", lambda f, w: cam(f, w) + 1j, "complex"),
    ("gradcam_map", lambda f, w: cam(f, w).astype(np.float16), "you returned float16"),
    ("last_conv_layer", LastConvByTheCourse(), "calls `explain.last_conv_layer`"),
    ("gradcam_map", lesson_buggy(), "rows and columns swapped"),
    ("gradcam_map", cam_min_max, "evidence against the class"),
    ("gradcam_map", cam_relu_then_min_max, "shifted the map down by its minimum"),
    ("gradcam_map", cam_by_magnitude, "largest magnitude"),
    ("gradcam_map", cam_relu_last, "divided by the maximum before the ReLU"),
    ("gradcam_map", cam_abs, "absolute values"),
    ("gradcam_map", cam_relu_on_features, "negative values of the feature maps"),
    ("gradcam_map", cam_relu_on_weights, "channels with negative weights"),
    ("gradcam_map", cam_in_place, "changed the feature maps"),
    ("gradcam_map", lambda f, w: lesson09._cam(np.asarray(f) @ w),
     "calls `check.lesson09._cam`, which answers the exercise for you"),
])
def test_hints_name_the_mistake(checker, wrong, hint, capsys):
    getattr(lesson09, checker)(wrong)
    out = capsys.readouterr().out
    assert hint in out, out


def test_a_square_map_with_rows_and_columns_swapped_is_named():
    features = np.random.default_rng(3).random((6, 6, 3))
    w = np.array([1.0, -0.5, 0.3])
    with pytest.raises(lesson09.Hint, match="mirror image across the diagonal"):
        lesson09._map_hint(cam(features, w).T, features, w, "for square maps")
    lesson09._map_hint(cam(features, w), features, w, "for square maps")  # no hint


# The verify_checker cases of the old shared files (lessons 08-09, new exercises 9-11).
CASES = [
    # (checker, right answer, typical wrong answer, words its hint must contain)
    (lesson09.last_conv_layer, last_conv, first_conv, "first Conv2D"),
    (lesson09.last_conv_layer, last_conv, last_named_conv, "a Dense layer"),
    (lesson09.last_conv_layer, last_conv, lambda m: m.layers[-2].name,
     "keras.layers.Conv2D (isinstance)"),
    (lesson09.last_conv_layer, last_conv, lambda m: m.name + "_last",
     "is not the name of one of its layers"),
    (lesson09.gradcam_weights, weights, lambda g: g.mean(axis=-1), "averaged over the channels"),
    (lesson09.gradcam_weights, weights, lambda g: g.sum(axis=(0, 1)), "summed"),
    *[(lesson09.gradcam_map, right, wrong, hint) for right in (cam, cam_epsilon)
      for wrong, hint in [
          (cam_nan, "divide by the maximum only when it is > 0"),
          (cam_ones_when_empty, "should be all zeros"),
          (cam_min_max_when_empty, "should be all zeros"),
          (lambda f, w: np.asarray(f) @ w, "ReLU"),
          (lambda f, w: np.maximum(np.asarray(f) @ w, 0), "divide by the maximum"),
      ]],
]


@pytest.mark.parametrize("check, right, wrong, hint", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
@pytest.mark.slow
def test_checker(check, right, wrong, hint, verify_checker):
    verify_checker(check, right, wrong, hint)


def test_hints_do_not_give_the_answer_away(capsys):
    lesson09.gradcam_weights(lambda g: np.full(3, 0.5))
    out = capsys.readouterr().out
    assert "not yet" in out and f"{OLD_GRADS.mean(axis=(0, 1))[0]:.4f}" not in out


def test_last_conv_layer_test_models_follow_no_naming_pattern():
    models = lesson09._models()
    lasts = [last_conv(m) for m in models]
    assert len(set(lasts)) == len(lasts), "each model's last Conv2D has its own name"
    for model, last in zip(models, lasts, strict=True):
        assert model.name not in last and not last.startswith(model.name)
    assert any("conv" not in last for last in lasts), "a last Conv2D without 'conv' in its name"
    trailing = [(m, layer) for m in models
                for layer in m.layers[[la.name for la in m.layers].index(last_conv(m)) + 1:]
                if "conv" in layer.name and not isinstance(layer, keras.layers.Conv2D)]
    assert any(isinstance(layer, keras.layers.Dense) and layer.name == "conv_head"
               for _, layer in trailing), "a Dense named conv_head after the last Conv2D"
    names = {layer.name for m in models for layer in m.layers
             if isinstance(layer, keras.layers.Conv2D)}
    assert {"top", "features"} <= names and any(  # a Conv2D in one model, not in another
        layer.name in ("top", "features") and not isinstance(layer, keras.layers.Conv2D)
        for m in models for layer in m.layers)


# --- 9.3: the lesson's buggy version, its statement and its reference ----------------------


def test_the_buggy_version_looks_plausible_and_is_wrong():
    """On maps like relu5's (7x7, non-negative, weights of both signs): the right shape,
    values in [0, 1] peaking at 1, and still not Grad-CAM's map."""
    buggy = lesson_buggy()
    rng = np.random.default_rng(0)
    for _ in range(5):
        features, w = rng.random((7, 7, 16)), rng.normal(size=16)
        got = buggy(features, w)
        assert got.shape == (7, 7) and got.min() == 0 and np.isclose(got.max(), 1)
        assert not np.allclose(got, cam(features, w))
        assert np.allclose(cam_min_max(features, w).T, got), "two bugs: .T and min-max"


def test_the_hint_to_the_buggy_version_does_not_state_the_fix(capsys):
    for wrong in (lesson_buggy(), cam_min_max, cam_transposed):
        for _ in range(3):
            verdict, out = run(lesson09.gradcam_map, wrong, capsys)
            assert not verdict and "not yet - " in out, out
            for fix in ("moveaxis", "transpose(", "einsum", "np.maximum", "@ weights",
                        "swapaxes", "axes=(2, 0, 1)", "(2, 0, 1)"):
                assert fix not in out, out


def test_the_nan_hint_says_where_and_why(capsys):
    verdict, out = run(lesson09.gradcam_map, cam_nan, capsys)
    assert not verdict
    assert "your map is NaN where every weighted sum is <= 0" in out, out
    assert "divide by the maximum only when it is > 0" in out


def test_the_lesson_s_reference_solution_and_statement_handle_the_empty_map(capsys):
    namespace = {"np": np}
    exec(cell_source(LESSON, "def gradcam_map(features, weights):"), namespace)
    verdict, out = run(lesson09.gradcam_map, namespace["gradcam_map"], capsys)
    assert verdict, out
    text = statement("9.3")
    assert text.startswith("**Exercise 9.3 (debug).**")
    assert "all-zero" in text and "greater than 0" in text and "`(h, w)`" in text


def test_course_grad_cam_gives_zeros_not_nan_when_nothing_speaks_for_the_class():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, name="conv", activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(2, name="head")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("head").set_weights([np.stack([np.ones(4), -np.ones(4)], 1), np.zeros(2)])
    images = np.random.default_rng(0).random((3, 8, 8, 3)).astype("float32")
    cams = explain.grad_cam(model, images, "conv", class_index=1)  # every weight < 0
    assert np.isfinite(cams).all() and not cams.any()


# --- 9.5 gradcam_weight_ratio: a prediction -----------------------------------------------


@pytest.mark.parametrize("answer", [1 / 49, 0.0204, 0.02041, np.float32(1 / 49),
                                    Fraction(1, 49), 2 / 98])
def test_gradcam_weight_ratio_passes_one_over_49(answer, capsys):
    verdict, out = run(lesson09.gradcam_weight_ratio, answer, capsys)
    assert verdict and "correct - " in out, out


@pytest.mark.parametrize("answer", [1 / 48, 1 / 50, 0.02, 0.021, 1, 49, 1 / 7, 1 / 64,
                                    1 / (64 * 49), 1 / 900, 0, -1 / 49, 0.5, 1e9,
                                    float("nan"), float("inf"), "1/49", None, (1, 49),
                                    [1 / 49], True, 10**400, 10**60 * 10**60 * 10**60
                                    * 10**60 * 10**60 * 10**60 * 10**60])
def test_gradcam_weight_ratio_refuses_without_the_answer(answer, capsys):
    assert not lesson09.gradcam_weight_ratio(answer)
    out = capsys.readouterr().out
    assert "not yet - " in out, out
    told = out.replace(repr(answer), "").replace(f"{answer}", "")
    for shown in ("49", "0.0204", "0.02041"):
        assert shown not in told, out


@pytest.mark.parametrize("answer, hint", [
    (..., "not attempted yet"),
    (1, "global average pooling"),  # the shortcut: Grad-CAM weight == classifier weight
    (49, "larger than the classifier's"),
    (1 / 7, "rows and columns both"),
    (0.02, "is off"),  # 1/50: a near miss is not the answer
    (1 / 48, "is off"),
    (1 / 128, "number of channels does not enter"),
    (1 / (30 * 30), "relu1"),
    (0, "not zero"),
    (-1 / 49, "sign"),
    (1 / 49 * 1.5 + 1, "not yet - "),  # test_student's near miss
    (0.3, "derivative of y^c"),
    ("1/49", "assign one number"),
    (10**400, "no answer here is that large"),
])
def test_gradcam_weight_ratio_hints(answer, hint, capsys):
    verdict, out = run(lesson09.gradcam_weight_ratio, answer, capsys)
    assert not verdict and hint in out, out


@pytest.mark.parametrize("cell", [
    "predicted_ratio = grads.mean(axis=(0, 1))[0] / head.kernel.numpy()[0, 0]",
    "predicted_ratio = 1 / (model.get_layer('relu5').output.shape[1] ** 2)",
])
def test_gradcam_weight_ratio_computed_instead_of_predicted_is_refused(cell, capsys,
                                                                        monkeypatch):
    import IPython

    history = ["", cell, "course.check.lesson09.gradcam_weight_ratio(predicted_ratio)"]
    shell = types.SimpleNamespace(user_ns={"In": history})
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert not lesson09.gradcam_weight_ratio(1 / 49)
    assert "a prediction is values you write, not code" in capsys.readouterr().out
    history[1] = "predicted_ratio = 1 / (7 * 7)"
    assert lesson09.gradcam_weight_ratio(1 / 49)


def test_the_ratio_the_checker_expects_is_what_tensorflow_measures():
    """A conv -> 7x7 maps -> global average pooling -> dense network, as xai_net ends."""
    inputs = keras.Input((9, 9, 3))
    maps = keras.layers.Conv2D(5, 3, activation="relu", name="maps")(inputs)  # 7x7x5
    pooled = keras.layers.GlobalAveragePooling2D()(maps)
    logits = keras.layers.Dense(3, name="head")(pooled)
    model = keras.Model(inputs, [maps, logits])
    image = np.random.default_rng(1).random((1, 9, 9, 3)).astype("float32")
    with tf.GradientTape() as tape:
        a, y = model(image)
        score = y[0, 2]
    grads = tape.gradient(score, a)[0].numpy()
    ratio = grads.mean(axis=(0, 1)) / model.get_layer("head").kernel.numpy()[:, 2]
    np.testing.assert_allclose(ratio, 1 / (7 * 7), rtol=1e-5)
    from course.models import xai_net  # where the checker reads the 7x7

    assert tuple(xai_net().get_layer("relu5").output.shape[1:3]) == (7, 7)


def test_no_answer_is_importable_from_the_checker_module():
    public = {name for name in dir(lesson09) if not name.startswith("__")}
    assert not public & {"GAP_POSITIONS", "_conv_names"}, public
