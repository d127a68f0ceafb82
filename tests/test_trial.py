"""Trial runs: training cut to a few batches, the full work still counted, nothing kept."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from course import models
from course.runtime import cost, trial
from course.tools import runner
from tests.test_runner import notebook


class Batches(keras.callbacks.Callback):
    """Counts the training and test batches Keras runs."""

    def __init__(self):
        super().__init__()
        self.train, self.test = [], 0

    def on_epoch_begin(self, epoch, logs=None):
        self.train.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.train[-1] += 1

    def on_test_batch_end(self, batch, logs=None):
        self.test += 1


@pytest.fixture
def trial_on(monkeypatch):
    for name in ("fit", "evaluate", "predict"):  # put Keras back after the test
        monkeypatch.setattr(keras.Model, name, getattr(keras.Model, name))
    monkeypatch.setattr(trial, "WORK", dict.fromkeys(trial.WORK, 0))
    trial.install(3)
    return trial.WORK


@pytest.fixture
def tiny():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(2)])
    model.compile("sgd", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    return model, rng.normal(size=(1000, 4)).astype("float32"), rng.integers(0, 2, 1000)


def test_steps_reads_the_variable_and_rejects_nonsense(monkeypatch):
    monkeypatch.delenv(trial.ENV_VAR, raising=False)
    assert trial.steps() == 0
    monkeypatch.setenv(trial.ENV_VAR, "5")
    assert trial.steps() == 5
    for bad in ("0", "-2", "lots"):
        monkeypatch.setenv(trial.ENV_VAR, bad)
        with pytest.raises(ValueError, match=f"{trial.ENV_VAR}=.* positive number of batches"):
            trial.steps()


def test_fit_stops_early_but_counts_the_whole_training(trial_on, tiny):
    model, x, y = tiny
    batches = Batches()
    history = model.fit(x, y, batch_size=10, epochs=5, validation_data=(x[:500], y[:500]),
                        callbacks=[batches], verbose=0)
    assert len(history.history["loss"]) == trial.MAX_EPOCHS
    assert batches.train == [3, 3]
    assert batches.test == 2 * 3  # validation cut too
    flop = 2 * (4 * 8 + 8 * 2)
    assert trial_on["trial_train_flop"] == 3 * flop * 1000 * 5  # 5 epochs of 1,000 images
    assert trial_on["trial_train_steps"] == 100 * 5
    assert trial_on["trial_eval_flop"] == flop * 500 * 5


def test_evaluate_is_cut_and_predict_keeps_its_shape(trial_on, tiny):
    model, x, y = tiny
    batches = Batches()
    model.evaluate(x, y, batch_size=10, callbacks=[batches], verbose=0)
    assert batches.test == 3
    predicted = model.predict(x, batch_size=100, verbose=0)
    assert predicted.shape == (1000, 2)  # 3 batches computed, repeated to the 1,000 asked for
    np.testing.assert_array_equal(predicted[300:600], predicted[:300])
    assert trial_on["trial_eval_flop"] == 2 * 2 * (4 * 8 + 8 * 2) * 1000
    assert model.predict(x[:250], batch_size=100, verbose=0).shape == (250, 2)  # 3 batches: all
    batched = tf.data.Dataset.from_tensor_slices((x[:995], y[:995])).batch(100)
    assert model.predict(batched, verbose=0).shape == (995, 2)  # a short last batch


def test_course_fit_on_a_dataset_is_cut_too(trial_on):
    from course import train

    model = models.fashion_dnn()
    x = np.zeros((640, 28, 28), np.uint8)
    run = train.fit(model, x, np.zeros(640, int), epochs=4, batch_size=64, verbose=False)
    assert len(run.history["loss"]) == trial.MAX_EPOCHS
    assert trial_on["trial_train_steps"] == 10 * 4
    assert trial_on["trial_train_flop"] == 3 * 2 * cost.multiplies(model) * 640 * 4


def test_installing_twice_does_not_wrap_twice(trial_on):
    fit = keras.Model.fit
    trial.install(3)
    assert keras.Model.fit is fit
    trial.install(5)
    assert keras.Model.fit.trial_limit == 5 and keras.Model.fit.__wrapped__ is fit.__wrapped__


def test_a_trial_run_is_reported_apart_and_never_written_back(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    lesson = notebook(folder / "00_trial.ipynb",
                      "import os\nprint(os.environ['COURSE_TRIAL_STEPS'], "
                      "os.environ['COURSE_CACHE_DIR'])")
    monkeypatch.setattr(runner, "lessons", lambda only: [lesson])
    with pytest.raises(ValueError, match="trial's outputs mean nothing"):
        runner.run(profile="full", build=tmp_path / "build", write_back=True, trial_steps=3)
    [result] = runner.run(profile="full", build=tmp_path / "build", trial_steps=3)
    assert result.status == "ok" and result.profile == "full-trial"
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    assert report["lessons"][0]["profile"] == "full-trial"
    out = (tmp_path / "build" / "executed" / "00_trial.ipynb").read_text()
    assert '"3 ' in out and "cache" in out  # the limit and a throw-away cache reached it
