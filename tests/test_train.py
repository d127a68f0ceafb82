"""course.train: the input pipeline, fit's record of a run, evaluate, the live plot."""

import os

import matplotlib
import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
matplotlib.use("Agg")
import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402
from tensorflow.python.framework import config as tf_config  # noqa: E402

from course import train, viz  # noqa: E402
from course.setup import Profile  # noqa: E402

SMOKE = Profile.named("smoke")


def tiny_data(n=96, size=8, channels=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n, size, size) if channels is None else (n, size, size, channels)
    return rng.integers(0, 256, shape, dtype=np.uint8), rng.integers(0, 3, n).astype(np.uint8)


def tiny_model(size=8, channels=1):
    return keras.Sequential([
        keras.Input((size, size, channels)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(3, activation="softmax"),
    ], name="tiny")


@pytest.fixture
def deterministic():
    """What the smoke profile's setup does, undone afterwards so other tests keep XLA."""
    tf.config.experimental.enable_op_determinism()
    yield
    tf_config.disable_op_determinism()


def test_dataset_normalizes_adds_channels_and_batches():
    x, y = tiny_data(10)
    batches = list(train.dataset(x, y, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    images = np.concatenate([b[0].numpy() for b in batches])
    assert images.dtype == np.float32 and images.shape == (10, 8, 8, 1)
    np.testing.assert_allclose(images[..., 0], x / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), y)


def test_dataset_shuffles_every_epoch_but_keeps_pairs():
    x = np.arange(32, dtype=np.uint8).reshape(32, 1, 1, 1)
    ds = train.dataset(x, np.arange(32), batch_size=32, shuffle=True, seed=1)
    first, second = ([b for b in ds][0] for _ in range(2))
    for images, labels in (first, second):
        np.testing.assert_allclose(images.numpy().ravel() * 255, labels.numpy(), atol=1e-4)
    assert sorted(first[1].numpy()) == list(range(32))
    assert not np.array_equal(first[1].numpy(), second[1].numpy())


def test_augment_flips_and_shifts_but_keeps_shape_and_range():
    x, y = tiny_data(64, size=12, channels=3)
    plain = np.concatenate([b[0].numpy() for b in train.dataset(x, y, 64)])
    augmented = np.concatenate([b[0].numpy() for b in train.dataset(x, y, 64, augment=True)])
    assert augmented.shape == plain.shape
    assert augmented.min() >= 0.0 and augmented.max() <= 1.0
    assert not np.allclose(augmented, plain)
    # a flipped, shifted image keeps its pixels apart from the zero border
    assert np.isin(augmented[0][augmented[0] > 0], plain[0]).all()


def test_augment_draws_again_every_epoch():
    """fit iterates one dataset every epoch: each pass must flip and shift anew (seeded
    stateful ops inside Dataset.map have repeated their draws in some TensorFlow releases)."""
    x, y = tiny_data(64, size=12, channels=3)
    batches = train.dataset(x, y, 64, augment=True, seed=1)
    first, second = (np.concatenate([b[0].numpy() for b in batches]) for _ in range(2))
    assert not np.array_equal(first, second)


def test_fit_records_curves_time_and_throughput(capsys):
    x, y = tiny_data()
    run = train.fit(tiny_model(), x, y, epochs=2, batch_size=32, validation_data=tiny_data(20))
    assert set(run.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 2 for v in run.history.values())
    assert run.name == "tiny" and run.params == 4 * 9 + 4 + 4 * 3 + 3
    assert run.images == 2 * 96 and run.seconds > 0
    assert run.images_per_second == pytest.approx(run.images / run.seconds)
    assert run.last("loss") == run.history["loss"][-1]
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("tiny epoch 2/2  ")
    assert " loss " in lines[0] and " val_accuracy " in lines[0] and "img/s)" in lines[0]


def test_fit_keeps_the_lessons_own_compile():
    x, y = tiny_data()
    model = tiny_model()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    run = train.fit(model, x, y, epochs=1, batch_size=32, verbose=False)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert set(run.history) == {"loss"}


@pytest.mark.slow
def test_fit_is_deterministic_in_the_smoke_profile(deterministic):
    x, y = tiny_data(channels=3)

    def one_run():
        keras.utils.set_random_seed(42)
        model = tiny_model(channels=3)
        run = train.fit(model, x, y, epochs=SMOKE.epochs + 1, batch_size=SMOKE.batch_size // 4,
                        augment=True, verbose=False)
        return run.history, model.get_weights()

    (history1, weights1), (history2, weights2) = one_run(), one_run()
    assert history1 == history2
    for a, b in zip(weights1, weights2, strict=True):
        np.testing.assert_array_equal(a, b)


class CountingTraces(keras.Sequential):
    """tiny_model that counts how often its training step is traced (Python runs once
    per trace)."""

    traces = 0

    def train_step(self, data):
        self.traces += 1
        return super().train_step(data)


@pytest.mark.slow
def test_fit_traces_the_training_step_once_for_the_same_numbers(deterministic, monkeypatch):
    """Without build_before_tracing Keras creates the optimizer's and metrics' variables in
    the first trace and tf.function traces the step again: this fails if a Keras release
    changes either (then the helper may go, or needs another way in)."""
    x, y = tiny_data(channels=3)

    def one_run():
        keras.utils.set_random_seed(42)
        model = CountingTraces([keras.Input((8, 8, 3)), *tiny_model(channels=3).layers])
        run = train.fit(model, x, y, epochs=2, batch_size=32, augment=True, verbose=False,
                        validation_data=tiny_data(20, channels=3))
        return model.traces, run.history, model.get_weights()

    traces, history, weights = one_run()
    monkeypatch.setattr(train, "build_before_tracing", lambda model, data: None)
    keras_traces, keras_history, keras_weights = one_run()
    assert (traces, keras_traces) == (1, 2)
    assert history == keras_history
    for a, b in zip(weights, keras_weights, strict=True):
        np.testing.assert_array_equal(a, b)


def fixed_model():
    """Scores = the 3 pixels of a 1x3 image, so the predictions are known in advance."""
    model = keras.Sequential([keras.Input((1, 3, 1)), layers.Flatten(),
                              layers.Dense(3, activation="softmax")])
    model.set_weights([np.eye(3, dtype=np.float32) * 10, np.zeros(3, np.float32)])
    return model


def test_evaluate_accuracy_confusion_and_mistakes_most_confident_first():
    x = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 255, 0], [0, 0, 128]], np.uint8)
    y = np.array([0, 1, 2, 0, 1])
    result = train.evaluate(fixed_model(), x.reshape(5, 1, 3), y)
    assert result.accuracy == pytest.approx(3 / 5)
    np.testing.assert_array_equal(result.predicted, [0, 1, 2, 1, 2])
    np.testing.assert_array_equal(result.confusion, [[1, 1, 0], [0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(result.mistakes, [3, 4])  # 255 is surer than 128


@pytest.mark.slow
def test_live_plot_draws_into_one_display(monkeypatch):
    shown = []

    class Handle:
        def update(self, fig):
            shown.append(("update", len(fig.axes)))

    def display(fig, display_id):
        shown.append(("display", len(fig.axes)))
        return Handle()

    monkeypatch.setattr("IPython.display.display", display)
    monkeypatch.setattr(viz, "can_display", lambda: True)  # as in a notebook
    before = plt.get_fignums()
    x, y = tiny_data(64)
    train.fit(tiny_model(), x, y, epochs=2, batch_size=16, verbose=False,
              validation_data=tiny_data(16), callbacks=[train.LivePlot(every=2)])
    # 4 batches an epoch: updates after batches 2 and 4 and at each epoch's end
    assert shown == [("display", 2)] + [("update", 2)] * 5
    assert plt.get_fignums() == before  # every figure closed after drawing


def test_viz_draws_runs_and_confusion_matrices():
    run = train.Run("demo", 10, {"loss": [2.0, 1.0], "val_loss": [2.1, 1.5],
                                 "accuracy": [0.3, 0.6], "val_accuracy": [0.2, 0.5]})
    viz.plot_history([run, run])
    viz.plot_confusion(np.array([[5, 1], [2, 7]]), ["a", "b"])
    fig = viz.curves_figure({"demo": {"loss": ([1, 2], [2.0, 1.0])}}, ("loss",))
    assert [line.get_label() for line in fig.axes[0].lines] == ["demo training"]
    plt.close("all")


def test_one_cycle_warms_up_peaks_and_decays_to_zero():
    schedule = train.OneCycle(peak=0.4, total_steps=100, warmup=0.2)
    rates = [float(schedule(step)) for step in (0, 10, 20, 60, 100, 120)]
    np.testing.assert_allclose(rates, [0.0, 0.2, 0.4, 0.2, 0.0, 0.0], atol=1e-6)
    assert train.OneCycle(**schedule.get_config()).get_config() == schedule.get_config()


def test_smoothed_crossentropy_matches_the_formula():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32)
    labels = np.array([0, 2])
    loss = train.smoothed_crossentropy(0.3)(labels, probs).numpy()
    targets = np.full((2, 3), 0.1) + 0.7 * np.eye(3)[labels]  # 1 - 0.3 + 0.3 / 3 on the label
    np.testing.assert_allclose(loss, -(targets * np.log(probs)).sum(axis=1), rtol=1e-5)
    plain = keras.losses.sparse_categorical_crossentropy(labels, probs).numpy()
    np.testing.assert_allclose(train.smoothed_crossentropy(0.0)(labels, probs), plain, rtol=1e-5)


@pytest.mark.slow
def test_fit_fast_compiles_the_recipe_and_learns():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 192)
    x = rng.integers(0, 60, (192, 8, 8, 3)).astype(np.uint8)
    for label in range(3):  # the class is the bright colour: it survives flips and shifts
        x[y == label, :, :, label] += 150
    keras.utils.set_random_seed(0)
    model = tiny_model(channels=3)
    recipe = train.Recipe(epochs=6, batch_size=32, learning_rate=0.1)
    run = train.fit_fast(model, x, y, recipe, verbose=False)
    assert isinstance(model.optimizer, keras.optimizers.SGD) and model.optimizer.nesterov
    assert run.images == 6 * 192 and len(run.history["loss"]) == 6
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-6)  # ended the cycle
    assert train.evaluate(model, x, y).accuracy > 0.8
