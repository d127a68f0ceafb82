"""Watching training: event files, live plots, the learning-rate range test, checkpoints.

Introduced in lesson 11. TensorBoard reads the event files that Keras'
``keras.callbacks.TensorBoard`` writes; ``read_events`` and ``read_scalars`` read the same
files back with TensorBoard's reader, without its server, so a headless run (or a machine
without a browser) can still plot them with matplotlib. ``lr_range_test`` runs
the learning-rate range test with ``RangeTestCallback``; ``latest_checkpoint`` finds where
an interrupted run should resume. ``RangeTestCallback`` and ``WeightHistograms`` (a
``tf.summary`` logger) are written in the lesson and copied here by
``python -m course export``. (The live plot is ``course.train.LivePlot``.)
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util

from course import train, viz
from course.runtime import colab


def fresh_dir(path) -> Path:
    """Delete ``path`` (a previous run's logs or checkpoints) and create it empty. Lesson 11."""
    path = Path(path)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


# --- TensorBoard ---------------------------------------------------------------------


def has_tensorboard_frontend() -> bool:
    """True when ``%tensorboard`` can show its panel: it starts a TensorBoard server and
    embeds its page, so it needs a browser looking at the notebook (Colab, or a Jupyter
    server session; ``course.runtime.colab.person_looking``). Introduced in lesson 11."""
    return colab.person_looking()


# --- TensorBoard: images in, event files out ---------------------------------------------


class ImageLogger(keras.callbacks.Callback):
    """Log images to TensorBoard's IMAGES tab. Introduced in lesson 11.

    At the start, ``images`` (uint8 or floats in [0, 1], grey or colour) as ``inputs``
    and the first ``Conv2D`` layer's filters at initialization as one grid
    (``first_conv_filters_init``); after every epoch the same grid as
    ``first_conv_filters``, at the step Keras' own scalars use for that epoch (the epoch
    counted from 0), so the IMAGES and SCALARS tabs line up.
    """

    def __init__(self, logdir, images, max_images: int = 8):
        super().__init__()
        self.logdir, self.max_images = str(logdir), max_images
        images = np.asarray(images)[:max_images]
        if images.ndim == 3:
            images = images[..., None]
        self.images = images.astype("float32") / (255.0 if images.dtype == np.uint8 else 1.0)

    def on_train_begin(self, logs=None):
        self.writer = tf.summary.create_file_writer(self.logdir)
        with self.writer.as_default():
            tf.summary.image("inputs", self.images, step=0, max_outputs=self.max_images)
        self._log_filters("first_conv_filters_init", 0)

    def on_epoch_end(self, epoch, logs=None):
        self._log_filters("first_conv_filters", epoch)

    def _log_filters(self, tag, step):
        conv = next((layer for layer in self.model.layers
                     if isinstance(layer, keras.layers.Conv2D)), None)
        if conv is None:
            return
        with self.writer.as_default():
            tf.summary.image(tag, filter_grid(conv.kernel)[None], step=step)

    def on_train_end(self, logs=None):
        self.writer.close()


def filter_grid(kernel, pad: int = 1, scale=None, fill: float = 0.0) -> np.ndarray:
    """A conv kernel ``(kh, kw, c_in, n)`` as one grey image, filters side by side.

    Only the first input channel is drawn. Each filter is scaled to [0, 1] on its own,
    or, with ``scale=(low, high)``, all of them on that one range, so that grids of
    different kernels (before and after training) can be compared. ``fill`` is the value
    of the ``pad`` pixels between the filters (and of empty places): 0 draws them black,
    ``np.nan`` in a colour map's "bad" colour, apart from every weight.
    Returns ``(rows * (kh + pad), cols * (kw + pad), 1)`` float32. Lesson 11.
    """
    k = viz.unit_scaled(np.asarray(kernel)[:, :, 0, :], axis=(0, 1), scale=scale)
    kh, kw, n = k.shape
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    grid = np.full((rows * (kh + pad), cols * (kw + pad)), fill, dtype="float32")
    for i in range(n):
        r, c = divmod(i, cols)
        grid[r * (kh + pad):r * (kh + pad) + kh, c * (kw + pad):c * (kw + pad) + kw] = k[..., i]
    return grid[..., None]


class Summary(NamedTuple):
    """One tag of an event file: its plugin (``scalars``, ``histograms``, ``images``)."""

    kind: str
    steps: list
    values: list


def read_events(logdir) -> dict[str, Summary]:
    """Every summary under ``logdir``, keyed ``"<run>/<tag>"`` (run: the sub-folder).

    Reads the event files with TensorBoard's own reader (``EventAccumulator``), one run
    folder at a time, in the order they were written. Values are NumPy arrays: a scalar, a
    histogram's ``(buckets, 3)`` rows of (left edge, right edge, count), or an image's
    ``[width, height, png bytes...]``. Introduced in lesson 11.
    """
    logdir = Path(logdir)
    found: dict[str, Summary] = {}
    for folder in sorted({path.parent for path in logdir.rglob("events.out.tfevents.*")}):
        run = folder.relative_to(logdir).as_posix()
        events = event_accumulator.EventAccumulator(
            str(folder), size_guidance={event_accumulator.TENSORS: 0},  # 0: keep every value
            purge_orphaned_data=False).Reload()  # and a resumed run's earlier steps
        for tag in events.Tags()[event_accumulator.TENSORS]:  # what Keras and tf.summary write
            kind = events.SummaryMetadata(tag).plugin_data.plugin_name or "?"
            tensors = events.Tensors(tag)
            found[tag if run == "." else f"{run}/{tag}"] = Summary(
                kind, [int(e.step) for e in tensors],
                [tensor_util.make_ndarray(e.tensor_proto) for e in tensors])
    return found


def read_scalars(logdir) -> dict[str, tuple[list[int], list[float]]]:
    """The scalar curves under ``logdir``: ``{"train/epoch_loss": (steps, values), ...}``.

    Introduced in lesson 11.
    """
    return {key: (s.steps, [float(v) for v in s.values])
            for key, s in read_events(logdir).items() if s.kind == "scalars"}


def scalar_curves(logdir) -> dict[str, tuple[list[int], list[float]]]:
    """Keras' epoch scalars renamed as ``History`` names them: ``loss``, ``val_loss``, ...

    Steps count epochs from 1, so the curves can go straight to
    ``course.viz.curves_figure({"": curves})``. Lesson 11.
    """
    curves = {}
    for key, (steps, values) in read_scalars(logdir).items():
        run, _, tag = key.rpartition("/")
        if tag.startswith("epoch_") and run in ("train", "validation"):
            name = ("val_" if run == "validation" else "") + tag[len("epoch_"):]
            curves[name] = ([s + 1 for s in steps], values)
    return curves


def decode_image(value) -> np.ndarray:
    """An image summary's value (``[width, height, png...]``) as a uint8 array. Lesson 11."""
    return tf.io.decode_png(np.asarray(value).ravel()[2]).numpy()


# --- written in the lesson: the range test's callback, a weight-histogram logger -----

# >>> from notebooks/11_watching_training.ipynb: edit the lesson, then `python -m course export`

class RangeTestCallback(keras.callbacks.Callback):
    """Train batch `i` at learning rate `lrs[i]` and record each batch's own loss; stop
    once the loss is `diverge` times its lowest so far (never, with `diverge=None`)."""

    def __init__(self, lrs, diverge=4.0):
        super().__init__()
        self.lrs, self.diverge, self.losses = lrs, diverge, []

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate = float(self.lrs[batch])
        self.model.reset_metrics()  # so that the loss logged is this batch's alone

    def on_train_batch_end(self, batch, logs=None):
        loss = float(logs["loss"])
        self.losses.append(loss)
        if self.diverge and (not np.isfinite(loss) or loss > self.diverge * min(self.losses)):
            self.model.stop_training = True


class WeightHistograms(keras.callbacks.Callback):
    """Log a histogram of every weight to TensorBoard: at the start as `<path>/initial`,
    after every epoch as `<path>/histogram` (tagged by path: `small_cnn/conv1/kernel`)."""

    def __init__(self, logdir):
        super().__init__()
        self.logdir = str(logdir)

    def on_train_begin(self, logs=None):
        self.writer = tf.summary.create_file_writer(self.logdir)
        self.log("initial", step=0)

    def on_epoch_end(self, epoch, logs=None):
        self.log("histogram", step=epoch)

    def on_train_end(self, logs=None):
        self.writer.close()

    def log(self, name, step):
        with self.writer.as_default():
            for weight in self.model.weights:
                tf.summary.histogram(f"{weight.path}/{name}", weight, step=step)
        self.writer.flush()

# <<< end of notebooks/11_watching_training.ipynb


# --- the learning-rate range test --------------------------------------------------------


def lr_schedule(start: float, stop: float, steps: int) -> np.ndarray:
    """``steps`` learning rates growing by the same factor from ``start`` to ``stop``.

    Lesson 11: the schedule of the learning-rate range test.
    """
    if not 0 < start < stop or steps < 2:
        raise ValueError(f"need 0 < start < stop and steps >= 2, got start={start}, "
                         f"stop={stop}, steps={steps}")
    return start * (stop / start) ** (np.arange(steps) / (steps - 1))


def suggest_lr(lrs, losses, below: float = 10.0, beta: float = 0.9) -> float:
    """The learning rate ``below`` times smaller than where the smoothed loss is lowest.

    NaN losses (a diverged run) are ignored; the result is never below the first LR
    tried. Lesson 11.
    """
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    finite = np.isfinite(losses)
    if not finite.any():
        raise ValueError("every loss is NaN or infinite: start the range test lower")
    lrs, losses = lrs[finite], losses[finite]
    return float(max(lrs[0], lrs[np.argmin(viz.smooth(losses, beta))] / below))


class RangeTest(NamedTuple):
    """What ``lr_range_test`` returns: the LRs tried, the loss of each batch, the pick."""

    lrs: np.ndarray
    losses: np.ndarray
    suggested: float


def lr_range_test(model_fn, data, *, start: float = 1e-5, stop: float = 1.0,
                  batch_size: int = 64, steps: int | None = None, diverge: float | None = 4.0,
                  seed: int = 0) -> RangeTest:
    """Train a fresh ``model_fn()`` for one epoch with an exponentially growing LR.

    ``data`` is ``(x, y)``: uint8 images and integer labels. Batch ``i`` of ``steps``
    uses ``lr_schedule(start, stop, steps)[i]`` (``steps`` defaults to one epoch of full
    batches) and its loss is recorded (``RangeTestCallback``). With ``diverge``, the test
    stops early once the loss exceeds ``diverge`` times the lowest so far; without it
    there is one loss per step. A model that ``model_fn`` does not compile gets Adam and
    sparse categorical cross-entropy. Introduced in lesson 11.
    """
    x, y = data
    steps = steps or len(y) // batch_size
    if steps < 2 or steps * batch_size > len(y):
        raise ValueError(f"{len(y)} examples make {len(y) // batch_size} batches of "
                         f"{batch_size}; the test needs 2 <= steps <= that, got {steps}")
    model = model_fn()
    if not model.compiled:
        model.compile(optimizer=keras.optimizers.Adam(start),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    lrs = lr_schedule(start, stop, steps)
    callback = RangeTestCallback(lrs, diverge)
    batches = train.dataset(x[:steps * batch_size], y[:steps * batch_size], batch_size,
                            shuffle=True, seed=seed)
    model.fit(batches, epochs=1, callbacks=[callback], shuffle=False, verbose=0)
    losses = np.array(callback.losses)
    lrs = lrs[:len(losses)]
    return RangeTest(lrs, losses, suggest_lr(lrs, losses))


# --- checkpoints -------------------------------------------------------------------------


def latest_checkpoint(folder, pattern: str = "*.keras") -> tuple[Path | None, int]:
    """The newest checkpoint in ``folder`` and its epoch, from the number in its name.

    Names as ``ModelCheckpoint("epoch-{epoch:02d}.keras")`` writes them count epochs from
    1, so the epoch returned is also the ``initial_epoch`` to resume with. Returns
    ``(None, 0)`` when there is none. Introduced in lesson 11.
    """
    found = []
    for path in Path(folder).glob(pattern):
        numbers = re.findall(r"\d+", path.stem)
        if numbers:
            found.append((int(numbers[-1]), path))
    if not found:
        return None, 0
    epoch, path = max(found)
    return path, epoch


class TrainingInterrupted(RuntimeError):
    """Raised by ``Interrupt``: a stand-in for a crash, a closed laptop, a lost Colab."""


class Interrupt(keras.callbacks.Callback):
    """Stop training after epoch ``after`` by raising ``TrainingInterrupted``.

    It raises as the next epoch begins, so every callback (checkpoints, the progress
    line) has finished epoch ``after`` first. Lesson 11.
    """

    def __init__(self, after: int):
        super().__init__()
        self.after = after

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.after:  # epochs count from 0: epoch `after` is number after + 1
            raise TrainingInterrupted(f"interrupted after epoch {self.after}")
