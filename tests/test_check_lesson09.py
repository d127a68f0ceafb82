"""Lesson 09's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a shortcut through the course or Keras, a table of the checker's old fixed cases,
an always-equal object and a type slip. Each must get "not yet" with a hint that holds no
line of the solution; the right answer must pass every time (cases are drawn afresh). The
prediction 9.5 is tested on its values: near misses such as 1/48 and 1/50 are refused,
no hint gives the answer away, and a computed one is refused in a notebook."""

import types
from fractions import Fraction

import keras
import numpy as np
import pytest
from cheats import AlwaysEqual, refused_every_time

from course import explain
from course.check import lesson09
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "09_what_the_network_sees.ipynb"


# --- 9.1 last_conv_layer -------------------------------------------------------------------


def convs(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def last_conv(model):
    return convs(model)[-1].name


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


OLD_GRADS = np.random.default_rng(9).normal(size=(5, 4, 3))


# --- 9.3 gradcam_map -----------------------------------------------------------------------


def cam(features, weights):
    c = np.maximum(np.asarray(features) @ np.asarray(weights), 0)
    return c / c.max() if c.max() > 0 else c


def cam_by_magnitude(features, weights):  # passed the old checker
    raw = np.asarray(features) @ np.asarray(weights)
    peak = np.abs(raw).max()
    return np.maximum(raw, 0) / peak if peak > 0 else np.zeros_like(raw)


def cam_nan(features, weights):
    c = np.maximum(np.asarray(features) @ weights, 0)
    return c / c.max()


def cam_relu_last(features, weights):  # normalizes by the raw maximum, then the ReLU
    raw = np.asarray(features) @ weights
    return np.maximum(raw / raw.max(), 0) if raw.max() != 0 else np.zeros_like(raw)


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
        ("first Conv2D", lambda m: convs(m)[0].name),
        ("any class named Conv", last_by_class_name),
        ("sorted names", last_by_sorted_names),
        ("names with conv", last_named_conv),
        ("course shortcut", lambda m: explain.last_conv_layer(m)),
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
        ("table", lambda g: OLD_GRADS.mean(axis=(0, 1))),
        ("always equal", lambda g: AlwaysEqual()),
        ("a string", lambda g: str(weights(g))),
        ("one number", lambda g: float(g.mean())),
    ],
    "gradcam_map": [
        ("divides by the largest magnitude", cam_by_magnitude),
        ("NaN when nothing is positive", cam_nan),
        ("no ReLU", lambda f, w: np.asarray(f) @ w),
        ("no division", lambda f, w: np.maximum(np.asarray(f) @ w, 0)),
        ("ReLU after dividing by the raw maximum", cam_relu_last),
        ("min-max", lambda f, w: (f @ w - (f @ w).min()) / np.ptp(f @ w)),
        ("changes its input", cam_in_place),
        ("table", cam_table),
        ("always equal", lambda f, w: AlwaysEqual()),
        ("the wrong axis", lambda f, w: cam(np.swapaxes(f, 0, 1), w)),
        ("a string", lambda f, w: "heat map"),
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
    for _ in range(20):
        assert getattr(lesson09, checker)(RIGHT[checker]), capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)} - {"gradcam_weight_ratio"}  # predicted
    assert checkers == set(WRONG)
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def test_other_right_answers_pass(capsys):
    def weights_by_sum(grads):
        g = np.asarray(grads)
        return g.sum(axis=0).sum(axis=0) / (g.shape[0] * g.shape[1])

    def cam_epsilon(features, weights):
        c = np.maximum(np.einsum("hwk,k->hw", features, weights), 0)
        return c / max(c.max(), 1e-12)

    for _ in range(3):
        assert lesson09.last_conv_layer(
            lambda m: next(la.name for la in reversed(m.layers)
                           if isinstance(la, keras.layers.Conv2D)))
        assert lesson09.gradcam_weights(weights_by_sum)
        assert lesson09.gradcam_weights(lambda g: list(weights(g)))  # a list of K numbers
        assert lesson09.gradcam_map(cam_epsilon)
    capsys.readouterr()


def test_the_edge_cases_hold_what_the_checkers_are_about():
    rng = np.random.default_rng()
    maps = lesson09._map_cases(rng)
    raws = [features @ w for _, features, w in maps]
    assert any(raw.min() < -raw.max() < 0 for raw in raws), "a negative larger than the peak"
    assert any(raw.max() < 0 for raw in raws) and any(not raw.any() for raw in raws)
    shapes = [g.shape for g in lesson09._grads_cases(rng)]
    assert any(h == k and h != w for h, w, k in shapes) and (1, 1, 6) in shapes
    names = [m for m in lesson09._models() if any(
        not isinstance(la, keras.layers.Conv2D) and "Conv" in type(la).__name__
        for la in m.layers[m.layers.index(convs(m)[-1]):])]
    assert names, "a depthwise or separable convolution after the last Conv2D"


@pytest.mark.parametrize("checker, wrong, hint", [
    ("last_conv_layer", last_by_class_name, "keras.layers.Conv2D (isinstance)"),
    ("last_conv_layer", lambda m: convs(m)[-1], "the layer itself"),
    ("gradcam_weights", lambda g: g.mean(axis=(1, 2)), "columns and the channels"),
    ("gradcam_weights", weights_in_place, "changed the gradients"),
    ("gradcam_map", cam_by_magnitude, "largest magnitude"),
    ("gradcam_map", cam_relu_last, "should be all zeros"),
    ("gradcam_map", cam_in_place, "changed the feature maps"),
])
def test_hints_name_the_mistake(checker, wrong, hint, capsys):
    getattr(lesson09, checker)(wrong)
    out = capsys.readouterr().out
    assert hint in out, out


# --- 9.5 gradcam_weight_ratio: a prediction -----------------------------------------------


@pytest.mark.parametrize("answer", [1 / 49, 0.0204, 0.02041, np.float32(1 / 49),
                                    Fraction(1, 49), 2 / 98])
def test_gradcam_weight_ratio_passes_one_over_49(answer, capsys):
    assert lesson09.gradcam_weight_ratio(answer), capsys.readouterr().out


@pytest.mark.parametrize("answer", [1 / 48, 1 / 50, 0.02, 0.021, 1, 49, 1 / 7, 1 / 64,
                                    1 / (64 * 49), 1 / 900, 0, -1 / 49, 0.5, 1e9,
                                    float("nan"), float("inf"), "1/49", None, (1, 49),
                                    [1 / 49], True])
def test_gradcam_weight_ratio_refuses_without_the_answer(answer, capsys):
    assert not lesson09.gradcam_weight_ratio(answer)
    out = capsys.readouterr().out
    assert "not yet - " in out, out
    told = out.replace(repr(answer), "").replace(f"{answer}", "")
    for shown in ("49", "0.0204", "0.02041"):
        assert shown not in told, out


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


def test_no_answer_is_importable_from_the_checker_module():
    public = {name for name in dir(lesson09) if not name.startswith("__")}
    assert not public & {"GAP_POSITIONS", "_conv_names"}, public
