"""course.monitor: event files read back, resume from a checkpoint, LR range test, live plot."""

import hashlib

import keras
import matplotlib
import numpy as np
import pytest
import tensorflow as tf

from course import monitor, train, viz

EPOCHS = 3
# the tf.data pipelines here are not shuffled by Keras: its warning says so
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")


@pytest.fixture(scope="module")
def data():
    """64 tiny 8x8 grey images; the label says whether the left half is brighter."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (64, 8, 8), dtype=np.uint8)
    y = (x[:, :, :4].mean(axis=(1, 2)) > x[:, :, 4:].mean(axis=(1, 2))).astype("int64")
    return x, y


def tiny_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(2, activation="softmax", name="classifier"),
    ], name="tiny")
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def batches(data, size=16):
    return train.dataset(*data, size)


@pytest.mark.slow
def test_event_files_hold_scalars_histograms_and_images(data, tmp_path):
    logdir = monitor.fresh_dir(tmp_path / "logs")
    tiny_model().fit(batches(data), validation_data=batches(data), epochs=EPOCHS, verbose=0,
                     callbacks=[keras.callbacks.TensorBoard(logdir),
                                monitor.WeightHistograms(logdir / "weights"),
                                monitor.ImageLogger(logdir / "images", data[0])])
    events = monitor.read_events(logdir)
    scalars = monitor.read_scalars(logdir)
    for key in ("train/epoch_loss", "train/epoch_accuracy", "validation/epoch_loss"):
        assert scalars[key][0] == list(range(EPOCHS)), key
        assert all(np.isfinite(scalars[key][1]))
    curves = monitor.scalar_curves(logdir)
    assert curves["loss"][0] == curves["val_loss"][0] == [1, 2, 3]
    assert curves["loss"][1] == scalars["train/epoch_loss"][1]
    histograms = {k: s for k, s in events.items() if s.kind == "histograms"}
    model = tiny_model()
    assert sorted(histograms) == sorted(f"weights/{w.path}/{when}" for w in model.weights
                                        for when in ("initial", "histogram")), \
        "two tags per weight (at the start, after every epoch), named by its path"
    for weight in model.weights:
        initial = histograms[f"weights/{weight.path}/initial"]
        assert initial.steps == [0], "the start is logged once"
        left, right, count = np.asarray(initial.values[0]).T
        assert count.sum() == np.prod(weight.shape), "every value of the weight is counted"
        values = np.asarray(weight)  # tiny_model() starts from the same initial weights
        assert left.min() == pytest.approx(values.min(), abs=1e-6)
        assert right.max() == pytest.approx(values.max(), abs=1e-6)
        assert histograms[f"weights/{weight.path}/histogram"].steps == list(range(EPOCHS))
    assert all(np.shape(v)[1] == 3 for s in histograms.values() for v in s.values)
    images = {k: s for k, s in events.items() if s.kind == "images"}
    # after epoch e at step e - 1, where Keras puts that epoch's scalars; the start apart
    assert images["images/first_conv_filters"].steps == scalars["train/epoch_loss"][0]
    assert images["images/first_conv_filters_init"].steps == [0]
    assert monitor.decode_image(images["images/first_conv_filters"].values[0]).shape == (
        8, 8, 1), "4 filters of 3x3 with a 1-pixel gap: a 2x2 grid of 4x4 cells"
    assert monitor.decode_image(images["images/inputs"].values[0]).shape == (8, 8, 1)


def test_fresh_dir_removes_the_previous_run(tmp_path):
    old = tmp_path / "run" / "old.txt"
    old.parent.mkdir()
    old.write_text("previous run")
    assert monitor.fresh_dir(tmp_path / "run") == tmp_path / "run"
    assert list((tmp_path / "run").iterdir()) == []


def test_read_scalars_reads_plain_tf_summaries(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        for step in range(4):
            tf.summary.scalar("x", step * 0.5, step=step)
    assert monitor.read_scalars(tmp_path) == {"x": ([0, 1, 2, 3], [0.0, 0.5, 1.0, 1.5])}


def test_resume_from_checkpoint_continues_at_the_saved_epoch(data, tmp_path):
    folder = monitor.fresh_dir(tmp_path / "checkpoints")
    model = tiny_model()
    save = keras.callbacks.ModelCheckpoint(str(folder / "epoch-{epoch:02d}.keras"))
    with pytest.raises(monitor.TrainingInterrupted):
        model.fit(batches(data), epochs=4, verbose=0,
                  callbacks=[save, monitor.Interrupt(after=2)])
    at_interrupt = model.get_weights()
    path, epoch = monitor.latest_checkpoint(folder)
    assert (path.name, epoch) == ("epoch-02.keras", 2)

    restored = keras.models.load_model(path)  # a new model, as after a restart
    for saved, loaded in zip(at_interrupt, restored.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, loaded)
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations) == 8
    begun = []
    history = restored.fit(batches(data), epochs=4, initial_epoch=epoch, verbose=0, callbacks=[
        keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: begun.append(e))])
    assert begun == [2, 3] and len(history.history["loss"]) == 2


def test_latest_checkpoint_orders_by_number_not_by_name(tmp_path):
    assert monitor.latest_checkpoint(tmp_path) == (None, 0)
    for name in ("epoch-9.keras", "epoch-10.keras", "epoch-2.keras", "notes.txt"):
        (tmp_path / name).write_text("")
    assert monitor.latest_checkpoint(tmp_path) == (tmp_path / "epoch-10.keras", 10)


def test_lr_range_test_gives_one_loss_per_step_and_a_pick_inside_the_range(data):
    result = monitor.lr_range_test(tiny_model, data, start=1e-4, stop=1.0, batch_size=8,
                                   diverge=None)
    assert len(result.lrs) == len(result.losses) == 64 // 8
    assert result.lrs[0] == pytest.approx(1e-4) and result.lrs[-1] == pytest.approx(1.0)
    assert np.allclose(result.lrs[1:] / result.lrs[:-1], (1e4) ** (1 / 7))
    assert np.all(np.isfinite(result.losses))
    assert result.lrs[0] <= result.suggested <= result.lrs[-1]


@pytest.mark.slow
def test_lr_range_test_losses_are_per_batch_not_running_means(data):
    """With LR 0 nothing changes, so each batch's own loss differs from batch to batch."""
    result = monitor.lr_range_test(tiny_model, data, start=1e-12, stop=2e-12, batch_size=8,
                                   diverge=None)
    model = tiny_model()
    per_batch = [model.evaluate(x, y, verbose=0)[0] for x, y in
                 train.dataset(*data, 8, shuffle=True, seed=0)]
    np.testing.assert_allclose(result.losses, per_batch, rtol=1e-4)


def test_range_test_callback_sets_each_batch_learning_rate_and_records_its_loss(data):
    lrs = np.array([1e-3, 2e-3, 4e-3, 8e-3])
    seen = []
    model = tiny_model()
    spy = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(
        float(model.optimizer.learning_rate)))
    record = monitor.RangeTestCallback(lrs, diverge=None)
    model.fit(batches(data), epochs=1, callbacks=[record, spy], verbose=0)
    np.testing.assert_allclose(seen, lrs, rtol=1e-6)
    assert len(record.losses) == 4 and np.all(np.isfinite(record.losses))


def test_range_test_callback_with_a_constant_schedule_never_stops(data):
    """diverge=None: a run that blows up is recorded to its end (the lesson's far-too-large
    learning rate)."""
    model = tiny_model()
    record = monitor.RangeTestCallback(np.full(4, 1e4), diverge=None)
    model.fit(batches(data), epochs=1, callbacks=[record], verbose=0)
    assert len(record.losses) == 4


def test_lr_range_test_stops_when_the_loss_explodes(data):
    result = monitor.lr_range_test(tiny_model, data, start=1e-3, stop=1e4, batch_size=4)
    assert len(result.losses) < 16 and len(result.lrs) == len(result.losses)


def test_suggest_lr_ignores_nan_and_stays_in_range():
    lrs = monitor.lr_schedule(1e-4, 1.0, 5)
    assert monitor.suggest_lr(lrs, [2.0, 1.5, 1.0, 3.0, np.nan], beta=0) == pytest.approx(1e-3)
    assert monitor.suggest_lr(lrs, [1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="NaN"):
        monitor.suggest_lr(lrs, [np.nan] * 5)
    with pytest.raises(ValueError, match="start < stop"):
        monitor.lr_schedule(1.0, 1e-4, 5)


@pytest.mark.slow
def test_live_plot_headless_writes_and_updates_its_file_every_epoch(data, tmp_path, capsys):
    matplotlib.use("Agg")
    assert not viz.can_display()
    path = tmp_path / "plots" / "live.png"
    live = train.LivePlot(save_to=path, every=1000)  # redraws only at the ends of epochs
    digests = []
    watch = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: digests.append(
        hashlib.sha256(path.read_bytes()).hexdigest()))
    tiny_model().fit(batches(data), validation_data=batches(data), epochs=EPOCHS, verbose=0,
                     callbacks=[live, watch])
    assert live.saves == EPOCHS
    assert len(set(digests)) == EPOCHS, "the file must change after every epoch"
    assert path.read_bytes().startswith(b"\x89PNG") and not list(path.parent.glob("*.part*"))
    assert f"the live plot is written to {path}" in capsys.readouterr().out


def test_live_plot_headless_without_a_path_writes_in_the_current_folder(data, tmp_path,
                                                                        monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    tiny_model().fit(batches(data), epochs=1, verbose=0, callbacks=[train.LivePlot()])
    assert (tmp_path / "live_plot.png").is_file()


def test_has_tensorboard_frontend(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert not monitor.has_tensorboard_frontend()
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/11_watching_training.ipynb")
    assert monitor.has_tensorboard_frontend()


def test_filter_grid_on_one_scale_keeps_differences_between_kernels():
    kernel = np.zeros((3, 3, 1, 4), "float32")
    kernel[1, 1, 0, :] = [0.5, 1.0, 2.0, -1.0]
    grid = monitor.filter_grid(kernel, scale=(-1.0, 1.0))
    centres = grid[1::4, 1::4, 0].ravel()
    assert np.allclose(centres, [0.75, 1.0, 1.0, 0.0])  # 2.0 clipped to the range
    assert np.allclose(grid[0, 0, 0], 0.5)  # a zero weight sits mid-range


def test_filter_grid_scales_each_filter():
    kernel = np.stack([np.full((3, 3, 2), i, "float32") for i in range(5)], axis=-1)
    kernel[0, 0, 0, :] += 1  # a brighter corner in every filter
    grid = monitor.filter_grid(kernel)
    assert grid.shape == (2 * 4, 3 * 4, 1) and grid.min() == 0 and grid.max() == 1


def test_filter_grid_fills_the_gaps_apart_from_every_weight():
    kernel = np.random.default_rng(0).normal(size=(3, 3, 1, 5)).astype("float32")
    grid = monitor.filter_grid(kernel, fill=np.nan)[..., 0]
    gaps = np.isnan(grid)
    assert gaps[3, :].all() and gaps[:, 3].all()  # the lines between filters
    assert gaps[4:7, 8:11].all()  # the empty sixth place of a 2 x 3 grid
    assert gaps.sum() == grid.size - 5 * 9  # every weight drawn, nothing else
