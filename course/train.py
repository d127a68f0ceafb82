"""Training and evaluation that the lessons share. Introduced in lesson 05.

``fit`` trains a model on uint8 images, prints one line per epoch and returns a
:class:`Run` (curves, wall time, images per second) that ``course.viz.plot_history``
draws. ``evaluate`` returns the accuracy, the confusion matrix and the mistakes.
``LivePlot`` redraws the curves in the notebook while a model trains.

The module is backend-neutral: on TensorFlow (the course's default) batches come from
a ``tf.data`` pipeline; on JAX or PyTorch (``KERAS_BACKEND``) from :class:`Batches`,
the same pipeline in NumPy, and TensorFlow is never imported.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np

from course.runtime import files, progress, speed


def on_tensorflow() -> bool:
    """Whether Keras runs on TensorFlow (``KERAS_BACKEND``, TensorFlow by default)."""
    return keras.backend.backend() == "tensorflow"


def dataset(x, y, batch_size: int, *, shuffle: bool = False, augment: bool = False,
            seed: int = 0):
    """uint8 images -> float32 in [0, 1] with a channel axis, in batches.

    ``shuffle`` reshuffles every epoch (seeded); ``augment`` flips left-right and
    shifts by up to 4 pixels (pad and random crop), each image independently. A
    prefetched ``tf.data.Dataset`` on TensorFlow, a :class:`Batches` on other backends.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 3:  # grey images: add the channel axis Keras expects
        x = x[..., None]
    if not on_tensorflow():
        return Batches(x, y, batch_size, shuffle=shuffle, augment=augment, seed=seed)
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    if augment:
        ds = ds.map(lambda image, label: (_flip_and_shift(image, seed), label),
                    num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.batch(batch_size)
    ds = ds.map(lambda images, labels: (tf.cast(images, tf.float32) / 255.0, labels),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def _flip_and_shift(image, seed, pad=4):
    import tensorflow as tf

    height, width, channels = image.shape
    image = tf.image.random_flip_left_right(image, seed=seed)
    image = tf.image.resize_with_crop_or_pad(image, height + 2 * pad, width + 2 * pad)
    return tf.image.random_crop(image, (height, width, channels), seed=seed)


def flip_and_shift(images: np.ndarray, rng: np.random.Generator, pad: int = 4) -> np.ndarray:
    """A batch of images (N, H, W, C), each flipped left-right with probability 1/2 and
    shifted by up to ``pad`` pixels each way (zero padding, then a random crop)."""
    n, height, width = images.shape[:3]
    flip = rng.random(n) < 0.5
    images = np.where(flip[:, None, None, None], images[:, :, ::-1], images)
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dy, dx = rng.integers(0, 2 * pad + 1, (2, n))
    rows = (dy[:, None] + np.arange(height))[:, :, None]
    cols = (dx[:, None] + np.arange(width))[:, None, :]
    return padded[np.arange(n)[:, None, None], rows, cols]


class Batches(keras.utils.PyDataset):
    """:func:`dataset` in NumPy, for backends without ``tf.data``: float32 batches in
    [0, 1], reshuffled after every epoch and augmented per batch, seeded."""

    def __init__(self, x, y, batch_size: int, *, shuffle=False, augment=False, seed=0):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, int(batch_size)
        self.shuffle, self.augment = shuffle, augment
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(x)) if shuffle else np.arange(len(x))

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        chosen = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        images = self.x[chosen]
        if self.augment:
            images = flip_and_shift(images, self.rng)
        return images.astype(np.float32) / 255.0, self.y[chosen]

    def on_epoch_end(self):
        if self.shuffle:
            self.order = self.rng.permutation(len(self.x))


def replicas() -> int:
    """How many devices train in sync: TensorFlow's distribution strategy's replicas
    (:func:`distribute`); 1 on other backends."""
    if not on_tensorflow():
        return 1
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync


def distribute(devices=None):
    """Train on every device from here on: ``MirroredStrategy`` when there are several.

    ``devices`` defaults to all GPUs. With fewer than two, nothing changes and the
    default strategy is returned. ``course.setup.start`` calls this, so models that a
    lesson builds afterwards are mirrored and ``fit`` scales the batch and the learning
    rate by the number of replicas: lesson code stays the same. TensorFlow only. Lesson 00.
    """
    import tensorflow as tf

    if devices is None:
        devices = [d.name for d in tf.config.list_logical_devices("GPU")]
    if len(devices) < 2:
        return tf.distribute.get_strategy()
    strategy = tf.distribute.MirroredStrategy(list(devices))
    tf.distribute.experimental_set_strategy(strategy)
    return strategy


def on_gpu() -> bool:
    """Whether Keras' backend computes on a GPU."""
    from course.runtime.devices import gpus

    return bool(gpus())


def xla_pays_off() -> bool:
    """Whether to compile with XLA: on a GPU yes; on a CPU what ``course.runtime.speed``
    measured on this machine (a few timed training steps with and without, cached). On
    JAX always (it compiles everything; uncompiled steps run op by op). Lesson 05.

    ``COURSE_XLA=1`` or ``0`` decides instead of the probe.
    """
    if keras.backend.backend() == "jax" or on_gpu():
        return True
    if not on_tensorflow():
        return False
    return speed.cpu_choice().jit_compile


def default_policy() -> str:
    """The dtype policy of the fast recipe here: on a CPU the speed probe's choice
    (``course.runtime.speed``: mixed_bfloat16 where this CPU trains faster in it), on a GPU
    the policy already set (``course.setup``'s). Lesson 07."""
    return keras.config.dtype_policy().name if on_gpu() else speed.cpu_choice().policy


@contextlib.contextmanager
def precision(policy: str | None = None):
    """Layers built inside the block use the Keras dtype ``policy`` (default:
    :func:`default_policy`); put back after. ``"mixed_bfloat16"`` computes in bfloat16
    and keeps float32 weights. Lesson 07."""
    policy = policy or default_policy()
    with speed.dtype_policy(policy):
        yield policy


@dataclass
class Run:
    """What ``fit`` returns: per-epoch curves and the cost of training. Lesson 05."""

    name: str
    params: int
    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0  # wall time of the training passes (validation not included)
    images: int = 0  # training images processed, over all epochs
    batch_loss: list[float] = field(default_factory=list)  # each batch's own loss, in order
    steps_per_epoch: int = 0

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds if self.seconds else 0.0

    def last(self, key: str) -> float:
        """The final epoch's value of ``key`` (e.g. ``"loss"``, ``"val_accuracy"``)."""
        return self.history[key][-1]


class EpochLog(keras.callbacks.Callback):
    """One line per epoch: the metrics, the epoch's training time and images per second.

    Fills a :class:`Run` as it goes. Lesson 05.
    """

    def __init__(self, run: Run, samples: int, epochs: int, verbose: bool = True,
                 batch_size: int | None = None):
        super().__init__()
        self.run, self.samples, self.epochs, self.verbose = run, samples, epochs, verbose
        self.batch_size = batch_size or samples  # the last batch of an epoch may be smaller
        self.training_since, self.reported, self.epoch = time.time(), 0.0, 0

    def on_train_begin(self, logs=None):
        self.training_since, self.reported = time.time(), 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.started, self.trained, self.mean, self.seen = time.perf_counter(), None, 0.0, 0
        self.epoch = epoch + 1
        self._report(0)

    def _report(self, batch: int) -> None:  # for the runner's progress line, once a second
        if time.time() - self.reported >= 1:
            self.reported = time.time()
            progress.training(self.run.name, self.epoch, self.epochs, batch,
                              self.params.get("steps") or self.run.steps_per_epoch or None,
                              self.training_since)

    def on_train_batch_end(self, batch, logs=None):
        self._report(batch + 1)
        # Keras reports the epoch's running mean, weighted by batch size; undo it to get this
        # batch's own loss (the epoch's last batch holds what is left over)
        mean = float((logs or {}).get("loss", float("nan")))
        seen = min((batch + 1) * self.batch_size, self.samples)
        size = max(seen - self.seen, 1)
        self.run.batch_loss.append((seen * mean - self.seen * self.mean) / size)
        self.mean, self.seen = mean, seen
        self.run.steps_per_epoch = max(self.run.steps_per_epoch, batch + 1)

    def on_test_begin(self, logs=None):  # fit's validation pass: stop the training clock
        self.trained = time.perf_counter() - self.started

    def on_epoch_end(self, epoch, logs=None):
        seconds = self.trained or time.perf_counter() - self.started
        self.run.seconds += seconds
        self.run.images += self.samples
        for key, value in (logs or {}).items():
            self.run.history.setdefault(key, []).append(float(value))
        if self.verbose:
            metrics = "  ".join(f"{k} {float(v):.4f}" for k, v in (logs or {}).items())
            print(f"{self.run.name} epoch {epoch + 1}/{self.epochs}  {metrics}  "
                  f"({seconds:.1f} s, {self.samples / seconds:,.0f} img/s)", flush=True)


def fit(model: keras.Model, x, y, *, epochs: int, batch_size: int, validation_data=None,
        augment: bool = False, callbacks=(), learning_rate: float = 1e-3, seed: int = 0,
        verbose: bool = True) -> Run:
    """Train ``model`` on uint8 images ``x`` with integer labels ``y``; return a :class:`Run`.

    A model that is not compiled yet gets Adam(``learning_rate``), sparse categorical
    cross-entropy and accuracy (and XLA only where :func:`xla_pays_off`).
    ``validation_data=(x_val, y_val)`` is evaluated after every epoch (its time is not
    counted as training). Under several replicas (:func:`distribute`) the global batch
    is ``batch_size`` per replica and the learning rate grows in proportion. Lesson 05.
    """
    scale = replicas()
    batch_size, learning_rate = batch_size * scale, learning_rate * scale
    if not model.compiled:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      jit_compile=xla_pays_off())
    train = dataset(x, y, batch_size, shuffle=True, augment=augment, seed=seed)
    val = None if validation_data is None else dataset(*validation_data, batch_size * 2)
    run = Run(model.name, model.count_params())
    log = EpochLog(run, len(y), epochs, verbose, batch_size=batch_size)
    build_before_tracing(model, train)
    model.fit(train, epochs=epochs, validation_data=val, callbacks=[log, *callbacks],
              shuffle=False, verbose=0)  # `train` shuffles itself, seeded
    return run


def build_before_tracing(model: keras.Model, data) -> None:
    """Create a compiled model's optimizer and metric variables before ``fit`` traces.

    On TensorFlow without a distribution strategy Keras creates them inside the first
    trace of the training step, and ``tf.function`` then traces the step a second time:
    about 2 s more per ``fit`` of a 14-layer ResNet on 2 CPU cores, for the same
    numbers. This runs Keras' own build (``Model._symbolic_build``, which Keras runs
    itself under a strategy and on JAX) on the shapes of ``data``, a ``tf.data`` dataset
    of ``(images, labels)`` batches; ``tests/test_train.py`` fails if a Keras release
    drops it.
    """
    if not on_tensorflow() or getattr(model, "_distribute_strategy", None) is not None:
        return
    model._symbolic_build(data_batch=data.element_spec)


@dataclass
class Evaluation:
    """What ``evaluate`` returns. Lesson 05."""

    accuracy: float
    confusion: np.ndarray  # confusion[true, predicted] = count
    predicted: np.ndarray  # the predicted class of every example
    mistakes: np.ndarray  # indices of the misclassified examples, most confident first


def evaluate(model: keras.Model, x, y, batch_size: int = 256) -> Evaluation:
    """Accuracy, confusion matrix and mistakes of ``model`` on uint8 images. Lesson 05."""
    y = np.asarray(y)
    probabilities = model.predict(dataset(x, y, batch_size), verbose=0)
    predicted = probabilities.argmax(axis=1)
    classes = probabilities.shape[1]
    confusion = np.bincount(y * classes + predicted, minlength=classes * classes)
    wrong = np.flatnonzero(predicted != y)
    confidence = probabilities[wrong, predicted[wrong]]
    return Evaluation(accuracy=float(np.mean(predicted == y)),
                      confusion=confusion.reshape(classes, classes),
                      predicted=predicted,
                      mistakes=wrong[np.argsort(-confidence, kind="stable")])


class LivePlot(keras.callbacks.Callback):
    """Training curves redrawn in the notebook as the model trains. Lesson 05; lesson 11.

    The notes watched training in visdom, a separate web server; this draws into the
    cell's output instead, every ``every`` batches and at the end of each epoch (the
    running epoch averages that Keras reports, plus the validation metrics, labelled
    ``val_label``: "test" when a lesson watches its test set). Where nothing can be shown
    (a script, ``MPLBACKEND=Agg``: see ``viz.can_display``) it writes the figure to
    ``save_to`` (default ``live_plot.png`` in the current folder) after every redraw, so
    you can watch the file in an image viewer; with an explicit ``save_to`` it does both.
    ``saves`` counts the writes. ``title`` names what is trained (one lesson may watch
    several models).
    """

    def __init__(self, metrics=("loss", "accuracy"), every: int = 50,
                 val_label: str = "validation", save_to=None, title: str | None = None):
        super().__init__()
        self.metrics, self.every, self.val_label = tuple(metrics), every, val_label
        self.title = title
        self.save_to = None if save_to is None else Path(save_to)
        self.saves = 0

    def on_train_begin(self, logs=None):
        from course import viz

        self.curves, self.handle, self.epoch = {}, None, 0
        self.display = viz.can_display()
        if not self.display and self.save_to is None:
            self.save_to = Path("live_plot.png")
        if not self.display:
            print(f"no notebook display here: the live plot is written to {self.save_to}",
                  flush=True)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0:
            self._add(self.epoch + (batch + 1) / self.params["steps"], logs)
            self._draw()

    def on_epoch_end(self, epoch, logs=None):
        self._add(epoch + 1, logs)
        self._draw()

    def _add(self, at, logs):
        for key, value in (logs or {}).items():
            xs, ys = self.curves.setdefault(key, ([], []))
            xs.append(at)
            ys.append(float(value))

    def _draw(self):
        from course import viz

        fig = viz.curves_figure({"": self.curves}, self.metrics, val_label=self.val_label)
        if self.title:
            fig.suptitle(self.title)
            fig.tight_layout()
        if self.display:
            from IPython.display import display

            if self.handle is None:
                self.handle = display(fig, display_id=True)
            else:
                self.handle.update(fig)
        if self.save_to is not None:
            with files.atomic(self.save_to, suffix=".png") as partial:
                fig.savefig(partial, dpi=80)  # a viewer never sees a half-written file
            self.saves += 1
        viz.plt.close(fig)


# --- the fast CIFAR-10 recipe: lesson 07, lesson 08's base, benchmarks/ ---------------------


class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """Learning rate rising linearly from 0 to ``peak`` over the first ``warmup`` of the
    steps, then falling linearly to 0 at ``total_steps``. Lesson 07."""

    def __init__(self, peak: float, total_steps: int, warmup: float = 0.2):
        self.peak, self.total_steps, self.warmup = float(peak), int(total_steps), float(warmup)

    def __call__(self, step):
        t = keras.ops.cast(step, "float32") / self.total_steps
        up = t / self.warmup
        down = (1.0 - t) / (1.0 - self.warmup)
        return self.peak * keras.ops.clip(keras.ops.minimum(up, down), 0.0, 1.0)

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps, "warmup": self.warmup}


def smoothed_crossentropy(smoothing: float):
    """Sparse categorical cross-entropy with label smoothing (Keras' sparse loss has none):
    the target puts ``1 - smoothing`` on the true class and spreads ``smoothing`` evenly.
    Lesson 07."""

    def loss(y_true, y_pred):
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        targets = keras.ops.one_hot(labels, keras.ops.shape(y_pred)[-1])
        return keras.losses.categorical_crossentropy(targets, y_pred, label_smoothing=smoothing)

    loss.__name__ = f"crossentropy_smoothed_{smoothing:g}"
    return loss


@dataclass(frozen=True)
class Recipe:
    """How the fast recipe trains: SGD with Nesterov momentum under a one-cycle schedule,
    decoupled weight decay, label smoothing, flip + shift augmentation. Lesson 07.

    benchmarks/README.md measures the precision, XLA, epochs against width, the whitened
    stem and test-time augmentation on a 2-core CPU; the defaults here (batch size,
    learning rate, momentum, weight decay, label smoothing, warmup) follow airbench and
    common practice and were not measured one by one."""

    epochs: int
    batch_size: int = 256
    learning_rate: float = 0.2  # the one-cycle peak, for batches of 256 on one replica
    momentum: float = 0.9
    weight_decay: float = 1e-3
    label_smoothing: float = 0.1
    warmup: float = 0.2
    jit_compile: bool | None = None  # None: XLA where xla_pays_off() (on a GPU)

    def learned(self) -> dict:
        """The fields that decide what is learned, without those that change only speed
        (``jit_compile``): what a cache of weights or of runs is keyed by."""
        return {k: v for k, v in asdict(self).items() if k != "jit_compile"}


# >>> from notebooks/07_plain_vs_residual.ipynb: edit the lesson, then `python -m course export`

def fit_fast(model, x, y, recipe, *, validation_data=None, callbacks=(), verbose=True):
    """Compile ``model`` with ``recipe`` and train it on uint8 images with augmentation.

    Returns :func:`fit`'s :class:`Run`. Like ``fit``, it scales the batch and the peak
    learning rate with the number of replicas.
    """
    scale = replicas()  # devices training in sync: 1 on a CPU
    steps_per_epoch = -(-len(y) // (recipe.batch_size * scale))
    schedule = OneCycle(recipe.learning_rate * scale, recipe.epochs * steps_per_epoch,
                        recipe.warmup)
    model.compile(optimizer=keras.optimizers.SGD(schedule, momentum=recipe.momentum,
                                                 nesterov=True,
                                                 weight_decay=recipe.weight_decay),
                  loss=smoothed_crossentropy(recipe.label_smoothing), metrics=["accuracy"],
                  jit_compile=xla_pays_off() if recipe.jit_compile is None
                  else recipe.jit_compile)
    return fit(model, x, y, epochs=recipe.epochs, batch_size=recipe.batch_size, augment=True,
               validation_data=validation_data, callbacks=callbacks, verbose=verbose)

# <<< end of notebooks/07_plain_vs_residual.ipynb
