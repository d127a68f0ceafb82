"""The checker fixes of exercises 9.1 and 9.3, and the checkers of the predict-then-run
exercises 9.5, 10.5 and 11.5: right answers pass, blanks are "not attempted yet", typical
mistakes and the obvious shortcuts get their hints, and what each prediction is graded
against is what the real thing does."""

import ast

import keras
import nbformat
import numpy as np
import pytest
import tensorflow as tf

from course.check import lesson09, lesson10, lesson11
from course.runtime.paths import NOTEBOOKS


@pytest.fixture(autouse=True)
def fresh_tries():
    """Hints stop after a few different wrong predictions (10.5, 11.5), counted per process:
    each test starts, and leaves, with none counted."""
    def clear():
        for check in (lesson10.gcn_reach, lesson11.early_stopping_prediction):
            cells = dict(zip(check.__code__.co_freevars, check.__closure__, strict=True))
            cells["tried"].cell_contents.clear()

    clear()
    yield
    clear()


def run(check, answer, capsys):
    verdict = check(answer)
    return verdict, capsys.readouterr().out


def cell_source(lesson, start):
    """The source of the one code cell of ``lesson`` ("09_...") that starts with ``start``."""
    (path,) = NOTEBOOKS.glob(f"{lesson}_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    found = [c.source for c in nb.cells if c.cell_type == "code"
             and c.source.removeprefix("# NBVAL_CHECK_OUTPUT\n").startswith(start)]
    assert len(found) == 1, f"{path.name}: {len(found)} cells start with {start!r}"
    return found[0]


def assigned(source, name):
    """The literal value assigned to ``name`` at the top level of ``source``."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in {source[:80]!r}")


# --- 9.1: last_conv_layer, on models whose names give nothing away -----------------------


def last_conv(model):
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)][-1]


def first_conv(model):
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)][0]


def last_named_conv(model):  # trusts the names
    return [layer.name for layer in model.layers if "conv" in layer.name][-1]


@pytest.mark.parametrize("wrong, hint", [
    (first_conv, "first Conv2D"),
    (last_named_conv, "a Dense layer"),
    (lambda model: model.layers[-2].name, "keras.layers.Conv2D (isinstance)"),
    (lambda model: model.name + "_last", "is not the name of one of its layers"),
], ids=["first", "name-contains-conv", "second-to-last", "model-name-last"])
def test_last_conv_layer_hints(wrong, hint, verify_checker):
    verify_checker(lesson09.last_conv_layer, last_conv, wrong, hint)


def test_the_model_name_shortcut_no_longer_passes(capsys):
    verdict, out = run(lesson09.last_conv_layer, lambda model: model.name + "_last", capsys)
    assert not verdict and "not yet - " in out, out


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
    convs = {layer.name for m in models for layer in m.layers
             if isinstance(layer, keras.layers.Conv2D)}
    assert {"top", "features"} <= convs and any(  # a Conv2D in one model, not in another
        layer.name in ("top", "features") and not isinstance(layer, keras.layers.Conv2D)
        for m in models for layer in m.layers)


# --- 9.3: gradcam_map when nothing speaks for the class ----------------------------------


def cam_guarded(features, weights):
    cam = np.maximum(np.asarray(features) @ weights, 0)
    peak = cam.max()
    return cam / peak if peak > 0 else cam


def cam_epsilon(features, weights):
    cam = np.maximum(np.asarray(features) @ weights, 0)
    return cam / max(cam.max(), 1e-12)


def cam_nan(features, weights):  # the old reference: 0 / 0 when every sum is <= 0
    cam = np.maximum(np.asarray(features) @ weights, 0)
    return cam / cam.max()


def cam_ones_when_empty(features, weights):
    cam = np.maximum(np.asarray(features) @ weights, 0)
    return cam / cam.max() if cam.max() > 0 else np.ones_like(cam)


def cam_min_max_when_empty(features, weights):
    raw = np.asarray(features) @ weights
    cam = np.maximum(raw, 0)
    return cam / cam.max() if cam.max() > 0 else (raw - raw.min()) / np.ptp(raw)


@pytest.mark.parametrize("right", [cam_guarded, cam_epsilon])
@pytest.mark.parametrize("wrong, hint", [
    (cam_nan, "divide by the maximum only when it is > 0"),
    (cam_ones_when_empty, "should be all zeros"),
    (cam_min_max_when_empty, "should be all zeros"),
    (lambda f, w: np.asarray(f) @ w, "ReLU"),
    (lambda f, w: np.maximum(np.asarray(f) @ w, 0), "divide by the maximum"),
])
def test_gradcam_map_hints(right, wrong, hint, verify_checker):
    verify_checker(lesson09.gradcam_map, right, wrong, hint)


def test_the_nan_hint_says_where_and_why(capsys):
    verdict, out = run(lesson09.gradcam_map, cam_nan, capsys)
    assert not verdict
    assert "your map is NaN where every weighted sum is <= 0" in out, out
    assert "divide by the maximum only when it is > 0" in out


def test_the_lesson_s_reference_solution_and_statement_handle_the_empty_map(capsys):
    namespace = {"np": np}
    exec(cell_source("09", "def gradcam_map(features, weights):"), namespace)
    verdict, out = run(lesson09.gradcam_map, namespace["gradcam_map"], capsys)
    assert verdict, out
    (path,) = NOTEBOOKS.glob("09_*.ipynb")
    statement = next(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.source.startswith("**Exercise 9.3.**"))
    assert "all-zero" in statement and "greater than 0" in statement


def test_course_grad_cam_gives_zeros_not_nan_when_nothing_speaks_for_the_class():
    from course import explain

    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, name="conv", activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(2, name="head")(x)
    model = keras.Model(inputs, outputs)
    model.get_layer("head").set_weights([np.stack([np.ones(4), -np.ones(4)], 1), np.zeros(2)])
    images = np.random.default_rng(0).random((3, 8, 8, 3)).astype("float32")
    cams = explain.grad_cam(model, images, "conv", class_index=1)  # every weight < 0
    assert np.isfinite(cams).all() and not cams.any()


# --- 9.5: the Grad-CAM weight through global average pooling -----------------------------


@pytest.mark.parametrize("answer", [1 / 49, 0.0204, np.float32(1 / 49)])
def test_gradcam_weight_ratio_passes_one_over_49(answer, capsys):
    verdict, out = run(lesson09.gradcam_weight_ratio, answer, capsys)
    assert verdict and "correct - " in out, out


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
])
def test_gradcam_weight_ratio_hints(answer, hint, capsys):
    verdict, out = run(lesson09.gradcam_weight_ratio, answer, capsys)
    assert not verdict and hint in out, out


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


# --- 10.5: how far a change reaches after two GCN layers ---------------------------------

REACH = [1, 2, 3, 4, 5, 8]


@pytest.mark.parametrize("answer", [REACH, tuple(REACH), set(REACH), np.array(REACH[::-1])])
def test_gcn_reach_passes_the_two_hop_neighbourhood(answer, capsys):
    verdict, out = run(lesson10.gcn_reach, answer, capsys)
    assert verdict and "correct - " in out, out


@pytest.mark.parametrize("answer, hint", [
    (..., "not attempted yet"),
    ([1, 5, 8], "only the farthest nodes"),
    ([2, 3, 4], "reach of one layer"),
    ([2, 4], "node 3's neighbours"),
    ([1, 2, 4, 5, 8], "node 3 itself is missing"),
    ([0, 1, 2, 3, 4, 5, 6, 8, 9], "reach of three layers"),
    (list(range(10)), "not every node"),  # the shortcut: everything is connected
    ([2, 2, 3, 4, 5, 8], "some nodes the change reaches are missing"),  # test_student's
    ([1, 2, 3, 4, 5, 8, 9], "some of your nodes are out of reach"),  # near miss; no node named
    ([0, 1, 2, 3, 4, 8], "misses nodes the change reaches and has nodes out of its reach"),
    ([1, 2, 3, 12], "no node 12"),
    (3, "assign a list"),
])
def test_gcn_reach_hints(answer, hint, capsys):
    verdict, out = run(lesson10.gcn_reach, answer, capsys)
    assert not verdict and hint in out, out


def test_the_nodes_the_checker_expects_are_the_ones_that_change():
    from course import graphs

    a = np.zeros((lesson10.REACH_NODES,) * 2, dtype="float32")
    for i, j in lesson10.REACH_EDGES:
        a[i, j] = a[j, i] = 1
    a_norm = graphs.normalized_adjacency(a)
    h = np.random.default_rng(3).standard_normal((lesson10.REACH_NODES, 4)).astype("float32")
    changed = h.copy()
    changed[lesson10.REACH_SOURCE] += 1.0
    keras.utils.set_random_seed(3)
    layers = [graphs.GCNLayer(4, activation="tanh") for _ in range(lesson10.REACH_LAYERS)]
    before, after = h, changed
    for layer in layers:
        before, after = layer((before, a_norm)), layer((after, a_norm))
    moved = np.abs(np.asarray(after) - np.asarray(before)).max(axis=1)
    assert np.flatnonzero(moved > 1e-6).tolist() == REACH


def test_lesson_10_draws_and_measures_the_checker_s_graph():
    source = cell_source("10", "reach_edges = ")
    assert assigned(source, "reach_edges") == lesson10.REACH_EDGES


# --- 11.5: predicting EarlyStopping with min_delta ---------------------------------------


from test_check_lesson11 import epochs_trained  # noqa: E402  exercise 11.3's answer


def test_early_stopping_prediction_passes_the_right_pair(capsys):
    for answer in [(9, 6), [9, 6], (np.int64(9), 6)]:
        verdict, out = run(lesson11.early_stopping_prediction, answer, capsys)
        assert verdict and "correct - " in out, out


LOSSES = lesson11.SCRIPTED_LOSSES
SHORTCUT = (epochs_trained(LOSSES, 3), int(np.argmin(LOSSES[:epochs_trained(LOSSES, 3)])) + 1)


@pytest.mark.parametrize("answer, hint", [
    ((..., ...), "not attempted yet"),
    ((9, ...), "you have not predicted `predicted_restored` yet"),
    (SHORTCUT, "min_delta"),  # the shortcut: exercise 11.3's function, which has no min_delta
    ((11, 6), "ignores min_delta"),
    ((9, 8), "lowest loss"),
    ((9, 9), "the best epoch, not"),
    ((10, 6), "one epoch too many"),  # test_student's near miss
    ((8, 5), "count the epochs from 1"),
    ((12, 6), "it does stop before the end"),
    ((9, 3), "predicted_restored=3 is off"),
    ((0, 6), "epochs 1 to 12"),
    ((9.0, 6), "whole number"),
    (9, "as a pair"),
])
def test_early_stopping_prediction_hints(answer, hint, capsys):
    verdict, out = run(lesson11.early_stopping_prediction, answer, capsys)
    assert not verdict and hint in out, out


def test_the_shortcut_is_the_min_delta_free_answer():
    assert SHORTCUT == (11, 8) == real_early_stopping(LOSSES, 3, 0.0)


class ScriptedLosses(keras.callbacks.Callback):
    def __init__(self, losses):
        super().__init__()
        self.losses = losses

    def on_epoch_end(self, epoch, logs=None):
        self.model.set_weights([np.full((1, 1), epoch + 1.0)])
        logs["val_loss"] = self.losses[epoch]


def real_early_stopping(losses, patience, min_delta):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=patience,
                                            min_delta=min_delta, restore_best_weights=True)
    history = model.fit(np.zeros((1, 1)), np.zeros((1, 1)), epochs=len(losses), verbose=0,
                        callbacks=[ScriptedLosses(losses), stopper])
    return len(history.history["loss"]), int(model.get_weights()[0][0, 0])


@pytest.mark.parametrize("losses, patience, min_delta", [
    (LOSSES, 3, 0.01),
    (LOSSES, 3, 0.0),
    (LOSSES, 2, 0.01),
    ([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.8], 2, 0.0),
    ([1.0, 0.9, 0.8, 0.85], 3, 0.0),  # never stops, and still restores the best epoch
])
def test_the_checker_s_model_of_early_stopping_is_keras(losses, patience, min_delta):
    """The checker plays the losses to Keras' own EarlyStopping, as fit does."""
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=patience,
                                            min_delta=min_delta, restore_best_weights=True)
    assert lesson11._play(stopper, losses) == real_early_stopping(losses, patience, min_delta)


def test_lesson_11_states_and_plays_the_checker_s_losses():
    source = cell_source("11", "scripted = ")
    assert assigned(source, "scripted") == LOSSES
    assert "patience=3" in source and "min_delta=0.01" in source
    (path,) = NOTEBOOKS.glob("11_*.ipynb")
    statement = next(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.source.startswith("**Exercise 11.5 (predict, then run).**"))
    assert " | ".join(f"{v:g}" for v in LOSSES) in statement
    assert "patience=3, min_delta=0.01" in statement
