"""Shipped runs: saved with their settings and a checksum, loaded only when everything matches."""

import json

import keras
import numpy as np
import pytest

from course import runs, train, trial

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
    for var in (runs.RETRAIN_VAR, runs.SAVE_VAR, trial.ENV_VAR):
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
    assert stored["settings"]["epochs"] == 2 and stored["made_by"] == "data/build_runs.py"
    loaded = runs.fit(tiny(), X, Y, x_test=X_TEST, y_test=Y_TEST, epochs=2, batch_size=16,
                      shipped=shipped)
    assert loaded.shipped and loaded.where.startswith("shipped: trained by data/build_runs.py")
    assert loaded.accuracy == made.accuracy
    assert loaded.run.history == made.run.history and loaded.run.batch_loss == made.run.batch_loss
    assert "tiny: loaded the run the course ships (2 epochs" in capsys.readouterr().out


def test_other_settings_or_data_train_again(shipped, monkeypatch):
    save(shipped, monkeypatch)
    assert not fit(shipped, epochs=1).shipped
    assert not fit(shipped, learning_rate=1e-2).shipped
    other = runs.fit(tiny(), X[::-1], Y[::-1], x_test=X_TEST, y_test=Y_TEST, epochs=2,
                     batch_size=16, shipped=shipped, verbose=False)
    assert not other.shipped
    assert fit(shipped).shipped


def test_retrain_and_trials_never_load(shipped, monkeypatch):
    save(shipped, monkeypatch)
    monkeypatch.setenv(runs.RETRAIN_VAR, "1")
    assert not fit(shipped).shipped
    monkeypatch.setenv(runs.RETRAIN_VAR, "0")
    assert fit(shipped).shipped
    monkeypatch.setenv(trial.ENV_VAR, "2")
    assert not fit(shipped).shipped


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


def test_a_recipe_run_ignores_speed_only_settings(shipped, monkeypatch):
    recipe = train.Recipe(epochs=1, batch_size=16)
    save(shipped, monkeypatch, recipe=recipe, epochs=None)
    xla = train.Recipe(epochs=1, batch_size=16, jit_compile=False)
    assert fit(shipped, recipe=xla, epochs=None).shipped
    assert not fit(shipped, recipe=train.Recipe(epochs=1, batch_size=16, label_smoothing=0.2),
                   epochs=None).shipped


def test_the_reference_note_says_what_has_not_run(tmp_path, monkeypatch):
    assert runs.reference("07_notes", folder=tmp_path) is None
    assert runs.reference_note("07_notes", folder=tmp_path).startswith("not run yet: needs a GPU")
    (tmp_path / "reference.json").write_text(json.dumps({"07_notes": {"summary": "72% on A100"}}))
    assert runs.reference_note("07_notes", folder=tmp_path) == "72% on A100"


def test_benchmark_results_are_read_or_none(tmp_path):
    assert runs.benchmark("recipe", folder=tmp_path) is None
    (tmp_path / "recipe.json").write_text(json.dumps({"recipe": {"curve": []}, "machine": "x"}))
    (tmp_path / "training.json").write_text(json.dumps({"models": {"a": 1}}))
    (tmp_path / "broken.json").write_text("{")
    assert runs.benchmark("recipe", folder=tmp_path) == {"curve": []}
    assert runs.benchmark("training", folder=tmp_path) == {"models": {"a": 1}}
    assert runs.benchmark("broken", folder=tmp_path) is None
