"""course.train on whatever backend KERAS_BACKEND names: the input pipeline, its
augmentation, fit, fit_fast and evaluate. `make test` runs it on TensorFlow (tf.data),
`make test-jax` on JAX with TensorFlow not installed (train.Batches)."""

import itertools

import keras
import numpy as np
import pytest
from keras import layers

from course import models, train


def as_numpy(ds):
    """Every batch of ``ds`` (tf.data or Batches) as NumPy arrays."""
    return [(keras.ops.convert_to_numpy(x), keras.ops.convert_to_numpy(y)) for x, y in ds]


def test_the_pipeline_matches_the_backend():
    ds = train.dataset(np.zeros((4, 8, 8), np.uint8), np.zeros(4), 2)
    assert isinstance(ds, train.Batches) is (keras.backend.backend() != "tensorflow")


def test_batches_are_float_in_0_1_with_a_channel_axis_and_a_short_last_batch():
    x = np.random.default_rng(0).integers(0, 256, (10, 8, 8), dtype=np.uint8)
    batches = as_numpy(train.dataset(x, np.arange(10), batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    images = np.concatenate([b[0] for b in batches])
    assert images.shape == (10, 8, 8, 1) and images.dtype == np.float32
    np.testing.assert_allclose(images[..., 0], x / 255.0, rtol=1e-6)
    assert np.concatenate([b[1] for b in batches]).tolist() == list(range(10))


def test_batches_reshuffle_every_epoch_and_repeat_for_the_same_seed():
    x, y = np.zeros((32, 4, 4, 1), np.uint8), np.arange(32)
    batches = train.Batches(x, y, 8, shuffle=True, seed=3)
    first = np.concatenate([b[1] for b in as_numpy(batches)])
    batches.on_epoch_end()
    second = np.concatenate([b[1] for b in as_numpy(batches)])
    assert sorted(first) == sorted(second) == list(range(32))  # each image once per epoch
    assert first.tolist() != second.tolist() != list(range(32))
    again = np.concatenate([b[1] for b in as_numpy(train.Batches(x, y, 8, shuffle=True, seed=3))])
    assert again.tolist() == first.tolist()
    with pytest.raises(IndexError, match="batch 4 of 4"):
        batches[4]


def _shifts(original, pad=4):
    """Every flip + shift of ``original`` that the augmentation can produce."""
    h, w = original.shape[:2]
    for flip, dy, dx in itertools.product((False, True), range(2 * pad + 1), range(2 * pad + 1)):
        image = np.pad(original[:, ::-1] if flip else original, ((pad, pad), (pad, pad), (0, 0)))
        yield (flip, dy - pad, dx - pad), image[dy:dy + h, dx:dx + w]


@pytest.mark.parametrize("pipeline", ["dataset", "numpy"])
def test_augmentation_flips_and_shifts_each_image_by_at_most_4_pixels(pipeline):
    rng = np.random.default_rng(1)
    x = rng.integers(1, 256, (48, 12, 12, 3), dtype=np.uint8)  # no zeros: padding shows
    if pipeline == "dataset":
        augmented = np.concatenate([b[0] for b in as_numpy(
            train.dataset(x, np.zeros(48), 16, augment=True, seed=0))])
        augmented = np.rint(augmented * 255).astype(np.uint8)
    else:
        augmented = train.flip_and_shift(x, np.random.default_rng(0))
    found = []
    for original, image in zip(x, augmented, strict=True):
        matches = [how for how, candidate in _shifts(original) if np.array_equal(candidate, image)]
        assert matches, "an augmented image is no flip + shift of its original"
        found.append(matches[0])
    flips = sum(flip for flip, _, _ in found)
    assert 10 <= flips <= 38  # about half flipped
    assert len({(dy, dx) for _, dy, dx in found}) > 15  # many different shifts


def small_cnn():
    return keras.Sequential([
        keras.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="tanh"),
        layers.GlobalAveragePooling2D(), layers.Dense(2, activation="softmax")])


def bright_or_dark(n=256, seed=0):
    """Images whose class is their brightness: 0 dark, 1 bright."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = np.where(y[:, None, None] == 1, rng.integers(150, 256, (n, 8, 8)),
                 rng.integers(0, 100, (n, 8, 8))).astype(np.uint8)
    return x, y


def test_fit_learns_and_reports_its_run():
    keras.utils.set_random_seed(0)
    x, y = bright_or_dark()
    model = small_cnn()
    run = train.fit(model, x, y, epochs=4, batch_size=32, validation_data=bright_or_dark(64, 1),
                    learning_rate=0.02, verbose=False)
    assert run.name == model.name and run.params == model.count_params()
    assert set(run.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(run.history["loss"]) == 4 and run.history["loss"][-1] < run.history["loss"][0]
    assert run.images == 4 * 256 and run.seconds > 0 and run.steps_per_epoch == 8
    assert len(run.batch_loss) == 32
    assert run.last("val_accuracy") > 0.9
    evaluation = train.evaluate(model, *bright_or_dark(64, 2))
    assert evaluation.confusion.sum() == 64 and evaluation.accuracy > 0.9
    assert evaluation.confusion.trace() == round(evaluation.accuracy * 64)


def test_evaluate_lists_the_mistakes_most_confident_first():
    x, y = bright_or_dark(32, 3)
    model = small_cnn()
    evaluation = train.evaluate(model, x, 1 - y)  # labels flipped: most answers are wrong
    probabilities = keras.ops.convert_to_numpy(model.predict(x / 255.0, verbose=0))
    wrong = evaluation.mistakes
    assert set(wrong) == set(np.flatnonzero(evaluation.predicted != 1 - y))
    confidence = probabilities[wrong, evaluation.predicted[wrong]]
    assert np.all(np.diff(confidence) <= 1e-6)


@pytest.mark.slow
def test_fit_fast_trains_the_recipe_network_under_the_one_cycle_schedule():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (128, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 128)
    model = models.cifar_fast(8)
    run = train.fit_fast(model, x, y, train.Recipe(epochs=2, batch_size=64), verbose=False)
    assert run.images == 256 and run.steps_per_epoch == 2 and np.isfinite(run.batch_loss).all()
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 4
    # the one-cycle schedule over 2 x 2 steps has come down to 0
    assert abs(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))) < 1e-7


def test_one_cycle_rises_then_falls_to_zero():
    schedule = train.OneCycle(0.2, 100, warmup=0.2)
    rates = keras.ops.convert_to_numpy(schedule(np.arange(101)))
    assert rates[0] == 0 and abs(rates[20] - 0.2) < 1e-7 and abs(rates[100]) < 1e-7
    assert np.all(np.diff(rates[:21]) > 0) and np.all(np.diff(rates[20:]) < 0)


def test_smoothed_crossentropy_is_the_formula():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32)
    y = np.array([0, 2])
    loss = keras.ops.convert_to_numpy(train.smoothed_crossentropy(0.3)(y, p))
    target = np.full((2, 3), 0.1)
    target[[0, 1], y] += 0.7
    np.testing.assert_allclose(loss, -(target * np.log(p)).sum(axis=1), rtol=1e-5)


def test_one_replica_off_tensorflow():
    if keras.backend.backend() != "tensorflow":
        assert train.replicas() == 1
    assert train.replicas() >= 1


def test_epoch_log_recovers_each_batch_loss_from_keras_running_mean():
    # Keras' loss tracker is a Mean weighted by batch size; the last batch of 100 images in
    # batches of 32 holds 4. Each batch's own loss must come back, the small one included.
    losses, sizes = [0.9, 0.7, 0.8, 3.0], [32, 32, 32, 4]
    tracker, run = keras.metrics.Mean(), train.Run("m", 0)
    log = train.EpochLog(run, samples=100, epochs=1, verbose=False, batch_size=32)
    log.set_params({"epochs": 1, "steps": 4})  # as fit sets them
    log.on_epoch_begin(0)
    for batch, (loss, size) in enumerate(zip(losses, sizes, strict=True)):
        tracker.update_state(loss, sample_weight=size)
        log.on_train_batch_end(batch, {"loss": float(tracker.result())})
    np.testing.assert_allclose(run.batch_loss, losses, rtol=1e-5)


def test_fit_batch_losses_average_to_the_epoch_loss_weighted_by_batch_size():
    keras.utils.set_random_seed(0)
    x, y = bright_or_dark(100)  # batches of 32, 32, 32 and 4
    run = train.fit(small_cnn(), x, y, epochs=2, batch_size=32, verbose=False)
    sizes = np.array([32, 32, 32, 4])
    for epoch, loss in enumerate(run.history["loss"]):
        batches = np.array(run.batch_loss[4 * epoch:4 * epoch + 4])
        np.testing.assert_allclose((batches * sizes).sum() / 100, loss, rtol=1e-4)
