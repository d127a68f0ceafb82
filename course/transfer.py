"""Transfer learning: a cached pretrained base and ImageNet weights. Introduced in lesson 08.

Offline, lesson 08 pretrains a base network on the eight CIFAR-10 classes that are
neither cat nor dog, and transfers it to cat vs dog. ``pretrained_base`` trains that
base once and keeps its weights on disk (``COURSE_CACHE_DIR``, default
``~/.cache/course``), keyed by the profile, the data, the architecture and the recipe,
so a re-run loads it in a second; a missing, truncated or corrupt file is rebuilt. The
course ships one such base (``SHIPPED``, made by ``data/build_pretrained.py``) that the
quick profile loads instead of spending several CPU minutes on it.

Online, ``imagenet_base`` builds a ``keras.applications`` MobileNetV2 with ImageNet
weights. Its download has a timeout, so without network it fails in seconds with
:class:`WeightsUnavailable` and the lesson carries on without it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from course import data, models, train
from course import shipped as artefacts
from course.runtime import files, settings
from course.runtime.errors import CourseError
from course.runtime.paths import DATA

CACHE_VAR = settings.CACHE_DIR
CAT, DOG = 3, 5  # CIFAR-10 labels
OTHER_CLASSES = (0, 1, 2, 4, 6, 7, 8, 9)  # airplane ... truck without cat and dog
WEIGHTS_TIMEOUT_S = 10
SHIPPED = DATA / "pretrained"
BASE_RECIPE = train.Recipe(epochs=18)  # lesson 07's; the shipped base's (data/pretrained/)
MOBILENET_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
                 "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{size}_no_top.h5")


class WeightsUnavailable(CourseError, RuntimeError):
    """Pretrained weights could not be downloaded (no network, a proxy, a timeout)."""


# >>> from notebooks/08_transfer_learning.ipynb: edit the lesson, then `python -m course export`

def cifar_base() -> keras.Model:
    """Lesson 07's ``cifar_fast`` up to its global max pooling: 128 features per image."""
    network = models.cifar_fast()
    return keras.Model(network.input, network.get_layer("gmp").output, name="base")

# <<< end of notebooks/08_transfer_learning.ipynb


def split_pets(x, y):
    """Split CIFAR-10 into the eight other classes (labels 0..7) and cat (0) vs dog (1)."""
    y = np.asarray(y)
    other = np.isin(y, OTHER_CLASSES)
    remap = np.full(10, -1)
    remap[list(OTHER_CLASSES)] = np.arange(len(OTHER_CLASSES))
    pets = (y == CAT) | (y == DOG)
    split = (x[other], remap[y[other]]), (x[pets], (y[pets] == DOG).astype(np.int64))
    for (part_x, part_y), which in zip(split, ("8 other classes", "cat vs dog"), strict=True):
        for whole, part in ((x, part_x), (y, part_y)):
            if known := data.origin(whole):
                data.remember(part, f"{known} {which}")
    return split


@dataclass
class Pretrained:
    """What ``pretrained_base`` returns: the base and how it was obtained."""

    base: keras.Model
    path: Path
    from_cache: bool
    seconds: float  # training time, or load time when it came from the cache
    accuracy: float  # on the test images of the eight other classes
    shipped_name: str  # its name in a folder of shipped bases (see ``ship``)

    def metadata(self) -> dict:
        """What the cache keeps beside the weights: checksum, accuracy, training seconds."""
        return json.loads(self.path.with_name(
            self.path.name.replace(".weights.h5", ".json")).read_text())


def pretrained_base(make_base, x, y, *, recipe: train.Recipe, key: str = "",
                    whiten: bool = False, x_test=None, y_test=None,
                    shipped: Path | None = None, verbose: bool = True) -> Pretrained:
    """``make_base()`` pretrained on ``(x, y)``, loaded from the cache when it is there.

    ``whiten``: first set the base's stem to whiten ``x``'s patches and freeze it
    (``models.whiten_stem``, as lesson 07's recipe does). ``x_test, y_test`` (optional)
    measure the pretrained accuracy once, after training.

    The base is trained by ``train.fit_fast`` with ``recipe`` (lesson 07's fast recipe)
    under a dropout + softmax head that is thrown away afterwards, in the precision the
    recipe trains in here (``train.precision``: bfloat16 where this CPU is faster in it);
    the base returned is built in the caller's dtype policy, with the trained weights,
    which are float32 either way. The cache file name hashes ``key`` (say, the profile),
    the data, the architecture (whitened or not) and the recipe, so changing any of them
    trains a new base. Weights are written to a temporary file and
    renamed (never half a file under the real name); a file that fails its checksum or
    does not load is reported and rebuilt.

    ``shipped``: a folder of bases that :func:`ship` copied out of a cache (the course's
    is ``SHIPPED``). On a cache miss, a shipped base with the same architecture, recipe
    and number of classes is checked, copied into the cache and used instead of
    training: pretraining that takes a CPU many minutes is paid once, by the course.
    """
    base = make_base()
    if whiten:
        models.whiten_stem(base, x)
    classes = int(np.max(y)) + 1
    wanted = artefacts.identity(base, {"recipe": recipe.learned(), "classes": classes},
                                train=artefacts.data(x, y))
    shipped_name = artefacts.name(wanted)
    cached = json.dumps([key, artefacts.fingerprint(x, y), wanted], sort_keys=True)
    name = f"{base.name}-{hashlib.sha256(cached.encode()).hexdigest()[:16]}"
    folder = settings.cache_dir()
    path, meta_path = folder / f"{name}.weights.h5", folder / f"{name}.json"
    started = time.perf_counter()
    meta = _load_cached(base, path, meta_path, verbose)
    if meta is None and shipped is not None:
        meta = _load_shipped(base, Path(shipped) / shipped_name, path, meta_path, verbose)
    if meta is not None:
        seconds = time.perf_counter() - started
        if verbose:
            print(f"loaded the pretrained base from {path} in {seconds:.1f} s")
        return Pretrained(base, path, True, seconds, meta["accuracy"], shipped_name)
    if shipped is not None and artefacts.only():
        raise artefacts.missing(shipped, wanted, "pretrained base")

    with train.precision() as policy:
        trainee = make_base()
        inputs = keras.Input(trainee.input_shape[1:])
        outputs = keras.layers.Dense(classes, activation="softmax", dtype="float32")(
            keras.layers.Dropout(0.3)(trainee(inputs)))
    trainee.set_weights(base.get_weights())  # the base as prepared: its whitened stem
    for built, prepared in zip(trainee.layers, base.layers, strict=True):
        built.trainable = prepared.trainable
    model = keras.Model(inputs, outputs, name="pretraining")
    if verbose:
        print(f"pretraining the base in {policy}")
    run = train.fit_fast(model, x, y, recipe, verbose=verbose)
    if x_test is None:
        accuracy = run.last("accuracy")
    else:
        accuracy = train.evaluate(model, x_test, y_test).accuracy
    base.set_weights(trainee.get_weights())
    save_weights(base, path, meta_path, {"accuracy": accuracy, "seconds": run.seconds,
                                         "policy": policy, "identity": wanted})
    if verbose:
        print(f"pretrained in {run.seconds:.0f} s; saved to {path}")
    return Pretrained(base, path, False, run.seconds, accuracy, shipped_name)


def ship(pretrained: Pretrained, folder: Path, note: str) -> Path:
    """Copy a cached base into ``folder`` for :func:`pretrained_base`'s ``shipped``.

    ``note`` says how and on what it was trained; it is kept in the metadata.
    """
    meta = pretrained.metadata()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{pretrained.shipped_name}.weights.h5"
    shutil.copyfile(pretrained.path, target)
    (folder / f"{pretrained.shipped_name}.json").write_text(
        json.dumps({**meta, "note": note}, indent=1) + "\n")
    return target


def _load_shipped(model, stem: Path, path: Path, meta_path: Path, verbose: bool):
    """Copy the shipped base at ``stem`` into the cache and load it; None when unusable."""
    shipped, shipped_meta = stem.with_suffix(".weights.h5"), stem.with_suffix(".json")
    if not (shipped.exists() and shipped_meta.exists()):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shipped, path)
    shutil.copyfile(shipped_meta, meta_path)
    meta = _load_cached(model, path, meta_path, verbose=False)
    if verbose and meta:
        print(f"the course ships this base: {meta['note']}\n"
              f"({shipped.parent.name}/{shipped.name}, checksum verified)")
    elif verbose:
        print(f"the shipped base {shipped} is unusable (checksum or format); training it here")
    return meta


def save_weights(model: keras.Model, path: Path, meta_path: Path, meta: dict) -> None:
    """Write weights and their checksum atomically (temporary file, then rename)."""
    with files.atomic(path, suffix=".weights.h5") as tmp:
        model.save_weights(tmp, overwrite=True)
        meta = {**meta, "sha256": files.digest(tmp)}
    files.write_text(meta_path, json.dumps(meta))


def _load_cached(model, path: Path, meta_path: Path, verbose: bool):
    """The cache's metadata after loading its weights into ``model``; None when unusable."""
    if not path.exists():
        return None
    problem = None
    try:
        meta = json.loads(meta_path.read_text())
        if files.digest(path) != meta["sha256"]:
            problem = "its checksum does not match (a truncated or corrupt file)"
        else:
            model.load_weights(path)
            return meta
    except (OSError, ValueError, KeyError) as error:  # unreadable, foreign or half-written
        # (h5py reports an unreadable file as OSError, Keras a foreign one as ValueError);
        # anything else is a bug, and the cache is left as it is
        problem = f"it does not load ({type(error).__name__}: {error})"
    if verbose:
        print(f"the cached base {path} is unusable: {problem}; training it again")
    path.unlink(missing_ok=True)
    meta_path.unlink(missing_ok=True)
    return None


# --- ImageNet weights from keras.applications ------------------------------------------


def imagenet_weights(size: int = 96, alpha: float = 0.35, timeout: float = WEIGHTS_TIMEOUT_S,
                     url: str | None = None) -> Path:
    """The path of MobileNetV2's ImageNet weights (no top), downloading them if needed.

    Uses the Keras cache (``~/.keras/models``, or ``$KERAS_HOME/models``). Raises
    :class:`WeightsUnavailable` within about ``timeout`` seconds when they cannot be
    fetched, and at once when ``COURSE_OFFLINE=1``.
    """
    url = url or MOBILENET_URL.format(alpha=str(float(alpha)), size=size)
    path = settings.keras_home() / "models" / url.rsplit("/", 1)[1]
    if path.exists():
        return path
    if settings.offline():
        raise WeightsUnavailable(f"{settings.OFFLINE} is set, so no download was tried")
    try:
        files.download(url, path, timeout)
    except OSError as error:  # URLError, timeouts and refused connections are OSErrors
        raise WeightsUnavailable(f"could not download {url}: {error}") from None
    return path


def imagenet_base(size: int = 96, alpha: float = 0.35, weights="imagenet") -> keras.Model:
    """MobileNetV2 without its top, global-average pooled, for ``size`` x ``size`` RGB input.

    ``weights`` is ``"imagenet"`` (downloaded by ``imagenet_weights``), a path to a
    weights file of the same architecture, or None for random initial weights. The
    model expects inputs scaled to [-1, 1].
    """
    base = keras.applications.MobileNetV2(input_shape=(size, size, 3), alpha=alpha,
                                          include_top=False, weights=None, pooling="avg")
    if weights == "imagenet":
        weights = imagenet_weights(size, alpha)
    if weights is not None:
        base.load_weights(weights)
    return base
