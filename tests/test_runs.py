"""Shipped runs: saved with their settings and a checksum, loaded only when everything matches."""

import json
import os

import keras
import numpy as np
import pytest

from course import runs, train
from course import shipped as artefacts
from course.runtime import settings, trial

RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (64, 4, 4), dtype=np.uint8)
Y = (X.reshape(64, -1).mean(axis=1) > 127).astype(np.int64)
X_TEST, Y_TEST = X[:16], Y[:16]


def tiny():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(2, activation="softmax")], name="tiny")


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    for var in (runs.RETRAIN_VAR, runs.SAVE_VAR, trial.ENV_VAR, settings.SEED,
                artefacts.ONLY_VAR):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def fit(folder, **kwargs):
    settings = {"epochs": 2, "batch_size": 16, **kwargs}
    return runs.fit(tiny(), X, Y, x_test=X_TEST, y_test=Y_TEST, shipped=folder, verbose=False,
                    **settings)


def save(folder, monkeypatch, **kwargs):
    monkeypatch.setenv(runs.SAVE_VAR, "1")
    result = fit(folder, **kwargs)
    monkeypatch.delenv(runs.SAVE_VAR)
    return result


def test_nothing_shipped_trains_here(shipped):
    result = fit(shipped)
    assert result.where == "trained here" and not result.shipped
    assert len(result.run.history["loss"]) == 2 and 0 <= result.accuracy <= 1
    assert list(shipped.iterdir()) == []  # nothing saved without COURSE_SAVE_RUNS


def test_a_saved_run_is_loaded_with_its_provenance(shipped, monkeypatch, capsys):
    made = save(shipped, monkeypatch)
    [path] = shipped.glob("tiny-*.json")
    stored = json.loads(path.read_text())
    assert stored["identity"]["settings"]["epochs"] == 2
    assert stored["made_by"] == "course.runs.fit with COURSE_SAVE_RUNS"
    loaded = runs.fit(tiny(), X, Y, x_test=X_TEST, y_test=Y_TEST, epochs=2, batch_size=16,
                      shipped=shipped)
    assert loaded.shipped and loaded.where.startswith(f"shipped: trained on {stored['machine']}, ")
    assert loaded.trained_on == f"{stored['machine']}, {stored['date']}"
    assert made.trained_on == "this machine"
    assert loaded.accuracy == made.accuracy
    assert loaded.run.history == made.run.history and loaded.run.batch_loss == made.run.batch_loss
    assert "tiny: loaded the run the course ships (2 epochs" in capsys.readouterr().out


@pytest.mark.slow
def test_other_settings_or_data_train_again(shipped, monkeypatch):
    save(shipped, monkeypatch)
    assert not fit(shipped, epochs=1).shipped
    assert not fit(shipped, learning_rate=1e-2).shipped
    other = runs.fit(tiny(), X[::-1], Y[::-1], x_test=X_TEST, y_test=Y_TEST, epochs=2,
                     batch_size=16, shipped=shipped, verbose=False)
    assert not other.shipped
    assert fit(shipped).shipped


@pytest.mark.slow
def test_retrain_and_trials_never_load(shipped, monkeypatch):
    save(shipped, monkeypatch)
    monkeypatch.setenv(runs.RETRAIN_VAR, "1")
    assert not fit(shipped).shipped
    monkeypatch.setenv(runs.RETRAIN_VAR, "0")
    assert fit(shipped).shipped
    monkeypatch.setenv(trial.ENV_VAR, "2")
    assert not fit(shipped).shipped


@pytest.mark.slow
def test_a_tampered_run_is_reported_and_retrained(shipped, monkeypatch, capsys):
    save(shipped, monkeypatch)
    [path] = shipped.glob("tiny-*.json")
    stored = json.loads(path.read_text())
    stored["test_accuracy"] = 0.99
    path.write_text(json.dumps(stored))
    result = runs.fit(tiny(), X, Y, x_test=X_TEST, y_test=Y_TEST, epochs=2, batch_size=16,
                      shipped=shipped)
    assert not result.shipped
    assert "checksum does not match" in capsys.readouterr().out
    path.write_text("{ not json")
    assert not fit(shipped).shipped


@pytest.mark.slow
def test_a_recipe_run_ignores_speed_only_settings(shipped, monkeypatch):
    recipe = train.Recipe(epochs=1, batch_size=16)
    save(shipped, monkeypatch, recipe=recipe, epochs=None)
    xla = train.Recipe(epochs=1, batch_size=16, jit_compile=False)
    assert fit(shipped, recipe=xla, epochs=None).shipped
    assert not fit(shipped, recipe=train.Recipe(epochs=1, batch_size=16, label_smoothing=0.2),
                   epochs=None).shipped


def test_the_reference_note_says_what_has_not_run(tmp_path, monkeypatch):
    assert runs.reference("07", folder=tmp_path) is None
    assert runs.reference_note("07", folder=tmp_path).startswith("not run yet: needs a GPU")
    (tmp_path / "reference.json").write_text(json.dumps({"07": {"summary": "72% on A100"}}))
    assert runs.reference_note("07", folder=tmp_path) == "72% on A100"


def test_benchmark_results_are_read_or_none(tmp_path):
    assert runs.benchmark("recipe", folder=tmp_path) is None
    (tmp_path / "recipe.json").write_text(json.dumps({"recipe": {"curve": []}, "machine": "x"}))
    (tmp_path / "training.json").write_text(json.dumps({"models": {"a": 1}}))
    (tmp_path / "broken.json").write_text("{")
    assert runs.benchmark("recipe", folder=tmp_path) == {"curve": []}
    assert runs.benchmark("training", folder=tmp_path) == {"models": {"a": 1}}
    assert runs.benchmark("broken", folder=tmp_path) is None
    assert runs.benchmark("recipe", folder=tmp_path, part="machine") == "x"
    assert runs.benchmark("recipe", folder=tmp_path, part="comparison") is None


def test_weights_are_shipped_checked_and_loaded_into_the_model(shipped, monkeypatch, capsys):
    made = save(shipped, monkeypatch, weights=True)
    [weights] = shipped.glob("tiny-*.weights.h5")
    trained = made.run  # the model save() trained is gone; a fresh one gets its weights
    fresh = tiny()
    fresh.layers[-1].kernel.assign(np.zeros(fresh.layers[-1].kernel.shape))
    loaded = runs.fit(fresh, X, Y, x_test=X_TEST, y_test=Y_TEST, epochs=2, batch_size=16,
                      weights=True, shipped=shipped, verbose=False)
    assert loaded.shipped and loaded.run.history == trained.history
    assert train.evaluate(fresh, X_TEST, Y_TEST).accuracy == made.accuracy
    assert np.abs(fresh.layers[-1].kernel.numpy()).sum() > 0
    damaged = bytearray(weights.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    weights.write_bytes(bytes(damaged))
    capsys.readouterr()
    again = runs.fit(tiny(), X, Y, x_test=X_TEST, y_test=Y_TEST, epochs=2, batch_size=16,
                     weights=True, shipped=shipped)
    assert not again.shipped and "does not match its checksum" in capsys.readouterr().out


def test_shipped_weights_hold_the_model_alone_and_load_without_a_warning(shipped, monkeypatch):
    import warnings

    import h5py

    save(shipped, monkeypatch, weights=True)
    [weights] = shipped.glob("tiny-*.weights.h5")
    with h5py.File(weights) as stored:
        assert "optimizer" not in stored, "the optimizer's slots would double the file"
    fresh = tiny()
    fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warns when a file's optimizer does not fit
        assert runs.fit(fresh, X, Y, x_test=X_TEST, y_test=Y_TEST, epochs=2, batch_size=16,
                        weights=True, shipped=shipped, verbose=False).shipped


def test_a_run_shipped_without_weights_is_not_used_where_weights_are_needed(
        shipped, monkeypatch, capsys):
    save(shipped, monkeypatch)
    assert fit(shipped).shipped
    result = fit(shipped, weights=True)
    assert not result.shipped and "it has no weights" in capsys.readouterr().out



@pytest.mark.slow
def test_runs_that_differ_only_in_their_seed_are_different_runs(shipped, monkeypatch):
    for seed in (1, 2):
        save(shipped, monkeypatch, seed=seed)
    save(shipped, monkeypatch)
    stored = [json.loads(p.read_text())["identity"]["settings"]
              for p in sorted(shipped.glob("tiny-*.json"))]
    assert sorted(s.get("seed", -1) for s in stored) == [-1, 1, 2]
    assert all("augment" not in s for s in stored)  # only where set: older keys unchanged
    assert fit(shipped, seed=2).shipped and not fit(shipped, seed=3).shipped


@pytest.mark.slow
def test_a_run_drawn_from_another_session_seed_is_another_run(shipped, monkeypatch):
    """COURSE_SEED re-runs a lesson under another seed: a run drawn from the session's
    random state under 42 does not stand in; a run with a seed of its own is the same run."""
    save(shipped, monkeypatch)
    save(shipped, monkeypatch, seed=1)
    monkeypatch.setenv(settings.SEED, "7")
    assert not fit(shipped).shipped and fit(shipped, seed=1).shipped
    monkeypatch.setenv(artefacts.ONLY_VAR, "1")
    with pytest.raises(artefacts.NotShipped, match="session_seed"):
        fit(shipped)
    monkeypatch.setenv(settings.SEED, "42")
    assert fit(shipped).shipped


def test_augment_with_a_recipe_is_refused_with_what_to_do(shipped):
    with pytest.raises(ValueError, match="a recipe sets its own"):
        runs.fit(tiny(), X, Y, x_test=X_TEST, y_test=Y_TEST, recipe=train.Recipe(epochs=1),
                 augment=True, shipped=shipped, verbose=False)

def test_the_machine_names_its_cpu(shipped, monkeypatch):
    save(shipped, monkeypatch)
    [path] = shipped.glob("tiny-*.json")
    assert runs.cpu_name() in json.loads(path.read_text())["machine"]


def test_the_machine_names_its_gpu_models(monkeypatch):
    from course.runtime import devices

    monkeypatch.setattr(devices, "gpus", lambda: ["NVIDIA T4", "NVIDIA T4"])
    assert runs.machine().startswith("2 GPUs (NVIDIA T4) + ")
    monkeypatch.setattr(devices, "gpus", lambda: ["NVIDIA H100 80GB HBM3"])
    assert runs.machine().startswith("1 GPU (NVIDIA H100 80GB HBM3) + ")


def test_compare_with_reference_prints_both_rows_or_what_is_missing(tmp_path, capsys):
    here = {"mnist_test_accuracy": 0.9878, "mnist_train_seconds": 64.2}
    runs.compare_with_reference("05", here, folder=tmp_path)
    out = capsys.readouterr().out
    assert "this run" in out and "98.78%" in out and "64.2" in out
    assert "not run yet: needs 2 CPU cores (10 min)" in out and "reference_runs.py 05" in out
    (tmp_path / "reference.json").write_text(json.dumps({"05": {
        "figures": {"mnist_test_accuracy": 0.9912}, "date": "2026-12-01", "minutes": 14.6,
        "machine": "2 CPU cores (AMD EPYC, Linux)", "backend": "tensorflow", "summary": "s"}}))
    runs.compare_with_reference("05", here, folder=tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["this", "run", "reference", "(full,", "2026-12-01)"]
    assert lines[1].split() == ["mnist_test_accuracy", "98.78%", "99.12%"]
    assert lines[2].split() == ["mnist_train_seconds", "64.2", "-"]
    assert lines[3] == "reference: 15 min on 2 CPU cores (AMD EPYC, Linux), tensorflow backend"


def test_curves_are_recorded_and_drawn_beside_the_reference_s(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from course.runtime import report

    monkeypatch.setattr(report, "RECORDED", {})
    drawn = []
    monkeypatch.setattr(plt, "show", lambda: drawn.append(plt.gcf()))
    run = train.Run("cnn", 10, {"val_accuracy": [0.5, 0.612345], "loss": [1.0, 0.8]})
    history = keras.callbacks.History()
    history.history = {"val_accuracy": [0.4, 0.5, 0.6]}
    (tmp_path / "reference.json").write_text(json.dumps({"05": {
        "figures": {}, "date": "2026-12-01", "minutes": 10, "machine": "2 CPU cores",
        "backend": "tensorflow", "summary": "s",
        "curves": {"cnn": {"val_accuracy": [0.6, 0.7, 0.8, 0.9]}}}}))
    runs.compare_with_reference("05", {"cnn_test_accuracy": 0.61}, curves={
        "cnn": run, "dnn": history}, folder=tmp_path, differs=("width 16", "width 128"))
    assert report.RECORDED["curves"] == {
        "cnn": {"val_accuracy": [0.5, 0.6123], "loss": [1.0, 0.8]},
        "dnn": {"val_accuracy": [0.4, 0.5, 0.6]}}
    [figure] = drawn
    cnn, dnn = figure.axes
    assert [list(line.get_ydata()) for line in cnn.lines] == [[0.5, 0.6123], [0.6, 0.7, 0.8, 0.9]]
    assert len(dnn.lines) == 1 and "no reference curve yet" in dnn.texts[0].get_text()
    assert cnn.get_ylabel() == "test accuracy"
    assert [line.get_label() for line in cnn.lines] == [
        "this run (smoke), width 16", "reference (full, 2 CPU cores), width 128"]
    plt.close(figure)
    runs.compare_with_reference("11", {"a": 1.0}, curves={"cnn": run}, folder=tmp_path)
    assert len(drawn) == 1, "no reference: no comparison figure, only the note"
    with pytest.raises(TypeError, match="course.train.Run, a Keras History"):
        runs.compare_with_reference("05", {"a": 1.0}, curves={"cnn": [0.5]}, folder=tmp_path)


@pytest.mark.skipif(not os.environ.get("COURSE_DATA_DIR"), reason="COURSE_DATA_DIR not set")
@pytest.mark.slow
def test_lesson_09_s_shipped_weights_give_its_shipped_accuracy():
    """The weights in data/runs/ are the trained network: loaded, they test as stored."""
    from course import data, models, setup

    [stored] = runs.SHIPPED.glob("xai-*.json")
    model = models.xai_net(32)
    accuracy = json.loads(stored.read_text())["test_accuracy"]
    model.load_weights(stored.with_name(stored.name.replace(".json", ".weights.h5")))
    _, _, x_test, y_test = data.load("cifar10", setup.PROFILES["quick"])  # the full test set
    assert train.evaluate(model, x_test, y_test).accuracy == pytest.approx(accuracy, abs=0.005)
    assert accuracy >= 0.75


def test_a_run_keeps_its_test_evaluation_for_lessons_that_need_it(shipped, monkeypatch):
    made = save(shipped, monkeypatch)
    assert made.evaluation.accuracy == made.accuracy
    loaded = fit(shipped, evaluation=True)
    assert loaded.shipped
    for field in ("confusion", "predicted", "mistakes"):
        np.testing.assert_array_equal(getattr(loaded.evaluation, field),
                                      getattr(made.evaluation, field))
    [path] = shipped.glob("tiny-*.json")
    stored = json.loads(path.read_text())
    del stored["evaluation"]
    stored["sha256"] = runs._checksum({k: v for k, v in stored.items() if k != "sha256"})
    path.write_text(json.dumps(stored))
    assert fit(shipped).shipped, "a run without one still serves a lesson that needs none"
    assert not fit(shipped, evaluation=True).shipped


def test_callbacks_see_the_training(shipped):
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    fit(shipped, callbacks=[callback])
    assert seen == [0, 1]
