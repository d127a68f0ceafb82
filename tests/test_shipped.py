"""What the course ships is found by what a user means: the keys (course.shipped), the
files in data/runs and data/pretrained, and COURSE_SHIPPED_ONLY."""

import json
import re
from pathlib import Path

import keras
import numpy as np
import pytest
from student_run import statements

from course import data, runs, shipped, train, transfer
from course.runtime import trial
from course.runtime.paths import DATA

FOLDERS = (runs.SHIPPED, transfer.SHIPPED)
SHIPPED_FILES = sorted(p for folder in FOLDERS for p in folder.glob("*.json"))


def small(filters=4, name="small"):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(x))
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalMaxPooling2D()(x))
    return keras.Model(inputs, outputs, name=name)


class Reconfigured:
    """A model whose JSON config is edited, as another Keras release might write it."""

    def __init__(self, model, edit):
        self.name, self.config = model.name, json.loads(model.to_json())
        edit(self.config)

    def to_json(self):
        return json.dumps(self.config)


# --- the canonical architecture ---------------------------------------------------------


def test_the_architecture_ignores_names_and_dtype_policies_and_keeps_the_input_dtype():
    before = shipped.architecture(small())
    assert shipped.architecture(small()) == before, "Keras numbers names per session"
    with train.speed.dtype_policy("mixed_bfloat16"):
        mixed = small()
    assert mixed.layers[1].dtype_policy.name == "mixed_bfloat16"
    assert shipped.architecture(mixed) == before
    assert before[0]["config"]["dtype"] == "float32", "an input's own dtype stays"
    def wrapped(dtype):
        inputs = keras.Input((8, 8, 3), dtype=dtype)
        return shipped.architecture(keras.Model(inputs, small()(inputs)))

    assert wrapped("uint8") != wrapped("float32")


def test_a_nested_model_is_the_same_architecture_however_many_were_built_before():
    """What feeds a nested model (lesson 08's base inside its classifier) is named by
    position: Keras numbers its input layers per session, so the name would tie a shipped
    run to the number of models a lesson happened to build before it."""
    def nested():
        inputs = keras.Input((8, 8, 3))
        return keras.Model(inputs, small()(inputs))

    first = shipped.architecture(nested())
    for _ in range(3):
        keras.Input((8, 8, 3))
    assert shipped.architecture(nested()) == first
    assert '"keras_history": ["' not in json.dumps(first)  # no name is left


def test_a_different_layer_setting_or_wiring_is_a_different_architecture():
    assert shipped.architecture(small(8)) != shipped.architecture(small())
    frozen = small()
    frozen.layers[1].trainable = False
    assert shipped.architecture(frozen) != shipped.architecture(small())
    inputs = keras.Input((8, 8, 3))
    a = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    b = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    c = keras.layers.Conv2D(4, 3, padding="same")(a)
    chained = keras.Model(inputs, keras.layers.Add()([c, b]))
    inputs = keras.Input((8, 8, 3))
    a = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    b = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    c = keras.layers.Conv2D(4, 3, padding="same")(b)
    crossed = keras.Model(inputs, keras.layers.Add()([c, b]))
    assert shipped.architecture(chained) != shipped.architecture(crossed)


def test_cosmetic_config_changes_of_another_keras_release_do_not_move_it():
    model = small()

    def new_options(config):  # a new option left unset, another module path
        for layer in config["config"]["layers"]:
            layer["config"]["lora_rank"] = None
            layer["module"] = "keras.src.layers"
            layer["build_config"] = {"input_shape": [None, 8, 8, 3]}

    assert shipped.architecture(Reconfigured(model, new_options)) == \
        shipped.architecture(model)


def test_a_nested_model_numbers_its_own_layers():
    inner = small()
    inputs = keras.Input((8, 8, 3))
    outer = keras.Model(inputs, keras.layers.Dense(3)(inner(inputs)), name="outer")
    nested = shipped.architecture(outer)[1]["config"]["layers"]
    assert nested == shipped.architecture(inner)


# --- data by name and split -------------------------------------------------------------


class Source:
    """A source serving CIFAR-10-shaped arrays: another copy of the dataset per seed."""

    key = title = "a copy of cifar10"

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.arrays = (rng.integers(0, 256, (1_000, 32, 32, 3), dtype=np.uint8),
                       rng.permutation(np.arange(1_000) % 10).astype(np.uint8),
                       rng.integers(0, 256, (200, 32, 32, 3), dtype=np.uint8),
                       rng.permutation(np.arange(200) % 10).astype(np.uint8))

    def present(self, name):
        return True

    def load(self, name):
        return self.arrays


@pytest.fixture
def loaded(monkeypatch):
    """``data.load("cifar10")`` served by copy ``seed`` of the dataset."""
    def serve(seed=0):
        monkeypatch.setattr(data, "sources", lambda profile=None: [Source(seed)])
        return data.load("cifar10")
    return serve


def test_origins_name_the_dataset_its_split_and_rows(loaded):
    x, y, x_test, y_test = loaded()
    assert data.origin(x) == "cifar10 x_train"
    assert data.origin(x[:-100]) == "cifar10 x_train[0:900]"
    assert data.origin(y[-100:]) == "cifar10 y_train[900:1000]"
    picked, _ = data.subset(x_test, y_test, 50)
    assert data.origin(picked) == "cifar10 x_test subset 50 seed 0"
    assert data.origin(picked[10:]) == "cifar10 x_test subset 50 seed 0[10:50]"
    for unknown in (x.copy(), x[::2], x.astype("float32"), x[0], list(y)):
        assert data.origin(unknown) is None


def test_another_copy_of_the_dataset_gets_the_same_key_and_other_data_does_not(loaded):
    def key(x, y, x_test, y_test):
        return shipped.name(shipped.identity(small(), {"epochs": 5},
                                             train=shipped.data(x[:-100], y[:-100]),
                                             test=shipped.data(x_test, y_test)))

    mirror = key(*loaded(seed=0))
    assert key(*loaded(seed=1)) == mirror, "other pixels and order: the same CIFAR-10"
    x, y, x_test, y_test = loaded(seed=0)
    assert key(x.copy(), y.copy(), x_test, y_test) != mirror, "data it did not load: contents"
    assert key(x[:-1], y[:-1], x_test, y_test) != mirror, "another split"


# --- COURSE_SHIPPED_ONLY ----------------------------------------------------------------


@pytest.fixture
def folder(tmp_path, monkeypatch):
    for var in (runs.RETRAIN_VAR, runs.SAVE_VAR, trial.ENV_VAR, shipped.ONLY_VAR):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_shipped_only_raises_with_the_nearest_run_instead_of_training(folder, monkeypatch):
    x = np.random.default_rng(0).integers(0, 256, (32, 8, 8, 3), dtype=np.uint8)
    y = np.arange(32) % 2
    monkeypatch.setenv(runs.SAVE_VAR, "1")
    runs.fit(small(), x, y, x_test=x, y_test=y, epochs=1, batch_size=16, shipped=folder,
             verbose=False)
    monkeypatch.delenv(runs.SAVE_VAR)
    [made] = folder.glob("small-*.json")
    monkeypatch.setenv(shipped.ONLY_VAR, "1")
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("trained in shipped-only"))
    assert runs.fit(small(), x, y, x_test=x, y_test=y, epochs=1, batch_size=16,
                    shipped=folder, verbose=False).shipped
    with pytest.raises(shipped.NotShipped) as error:
        runs.fit(small(8), x, y, x_test=x, y_test=y, epochs=2, batch_size=16, shipped=folder,
                 verbose=False)
    message = str(error.value)
    assert f"nearest shipped: {made.stem}" in message and "small-" in message
    assert "architecture differs at layer 1" in message
    assert "settings.epochs: 1 shipped, 2 asked for" in message
    assert shipped.ONLY_VAR in message and "Fix:" in message


def test_shipped_only_raises_for_a_missing_pretrained_base(folder, monkeypatch):
    monkeypatch.setenv(shipped.ONLY_VAR, "1")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(folder / "cache"))
    x = np.zeros((8, 32, 32, 3), np.uint8)
    with pytest.raises(shipped.NotShipped, match="ships no pretrained base base-"):
        transfer.pretrained_base(transfer.cifar_base, x, np.arange(8) % 8,
                                 recipe=transfer.BASE_RECIPE, shipped=transfer.SHIPPED)


# --- the files the course ships ---------------------------------------------------------


def test_the_course_ships_files_with_identities():
    assert len(SHIPPED_FILES) >= 9, [p.name for p in SHIPPED_FILES]


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_a_shipped_file_is_named_by_its_identity_of_this_key_version(path):
    stored = json.loads(path.read_text())
    identity = stored["identity"]
    assert identity["version"] == shipped.KEY_VERSION, (
        f"{path.relative_to(DATA)} has key version {identity['version']}: rebuild it")
    assert shipped.name(identity) == path.stem, f"{path.name} is not named by its identity"
    dataset, split = identity["data"]["train"].split(" ")[:2]
    assert dataset in data.CLASS_NAMES and split.startswith("x_train"), "by name and split"


# --- the lessons find every shipped run (slow: executes the cells that ask for them) ----

ASKS = ("runs.fit(", "pretrained_base(")
# lesson -> (its cells that ask, how many of them go to data/, what those load, what is
# left out: live training that the asking cells do not need, a section by its "## "
# heading or, by its first line, a code cell and the rest of its section); 08's last call
# reuses the cache its first call filled, and its seeds print "seed k: ... (shipped: ...)"
LESSONS = {"05": (3, 3, 3, ("## 3. Training",)),
           "07": (3, 3, 20, ("def gradient_norms(",)),  # the gradients of section 3
           "08": (4, 3, 6, ()), "09": (1, 1, 1, ()), "12": (1, 1, 1, ())}
LOADED = ("loaded the run the course ships", "the course ships this base",
          r"^seed \d+: .*\(shipped: ")


@pytest.fixture(scope="module")
def publishers_cifar10(tmp_path_factory):
    """A stand-in for the publisher's CIFAR-10: the mirror's images in another order with
    other pixels (each moved by up to 3 levels), or random images where there is no mirror;
    beside it the mirror's MNIST and Fashion-MNIST, which are the publisher's bytes."""
    import os

    folder = tmp_path_factory.mktemp("publisher")
    rng = np.random.default_rng(0)
    mirror = os.environ.get(data.DATA_DIR_VAR)
    if mirror and (Path(mirror) / "cifar10.npz").is_file():
        with np.load(Path(mirror) / "cifar10.npz") as f:
            arrays = {k: f[k] for k in data.KEYS}
        for name in ("mnist", "fashion_mnist"):  # the mirror's are the publisher's bytes
            if (Path(mirror) / f"{name}.npz").is_file():
                (folder / f"{name}.npz").symlink_to(Path(mirror) / f"{name}.npz")
    else:
        arrays = {"x_train": rng.integers(0, 256, (50_000, 32, 32, 3), dtype=np.uint8),
                  "y_train": np.arange(50_000, dtype=np.uint8) % 10,
                  "x_test": rng.integers(0, 256, (10_000, 32, 32, 3), dtype=np.uint8),
                  "y_test": np.arange(10_000, dtype=np.uint8) % 10}
    for split in ("train", "test"):
        order = rng.permutation(len(arrays[f"y_{split}"]))
        x = arrays[f"x_{split}"][order].astype(np.int16)
        x += rng.integers(-3, 4, x.shape, dtype=np.int16)
        arrays[f"x_{split}"] = np.clip(x, 0, 255).astype(np.uint8)
        arrays[f"y_{split}"] = arrays[f"y_{split}"][order]
    np.savez(folder / "cifar10.npz", **arrays)
    return folder


def asking_part(lesson: str, folder: Path) -> Path:
    """The lesson up to its last cell that asks for something shipped, as a notebook."""
    import nbformat

    from course.tools import runner

    [path] = runner.lessons([lesson])
    nb = nbformat.read(path, as_version=4)
    asking = [i for i, cell in enumerate(nb.cells)
              if cell.cell_type == "code" and any(a in cell.source for a in ASKS)]
    cells, shipped_cells, _, left_out = LESSONS[lesson]
    assert len(asking) == cells, f"{path.name} asks in other cells now: update LESSONS here"
    kept, dropped, skipping = [], [], False
    for cell in nb.cells[:asking[shipped_cells - 1] + 1]:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            skipping = cell.source.startswith(left_out)
        skipping = skipping or (cell.cell_type == "code" and cell.source.startswith(left_out))
        (dropped if skipping else kept).append(cell)
    for start in left_out:
        assert any(c.source.startswith(start) for c in nb.cells), f"{path.name}: no {start}"
    given = {n for c in dropped if c.cell_type == "code" for s in statements(c.source)
             for n in s.writes}
    said = [s for c in kept if c.cell_type == "code" for s in statements(c.source)]
    used = {n for s in said for n in s.reads} - {n for s in said for n in s.writes}
    assert not given & used, (f"{path.name}: what LESSONS leaves out gives {sorted(given & used)}"
                              ", which the cells kept read: update LESSONS here")
    nb.cells = kept
    target = folder / path.name
    nbformat.write(nb, target)
    return target


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_lesson_loads_every_shipped_run_from_another_copy_of_cifar10(
        lesson, publishers_cifar10, tmp_path, monkeypatch):
    from course.tools import runner

    if lesson == "05" and not (publishers_cifar10 / "fashion_mnist.npz").exists():
        pytest.skip("lesson 05's runs need the full Fashion-MNIST: set COURSE_DATA_DIR")
    monkeypatch.setenv(shipped.ONLY_VAR, "1")
    monkeypatch.setenv(data.DATA_DIR_VAR, str(publishers_cifar10))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    for var in (runs.RETRAIN_VAR, runs.SAVE_VAR):
        monkeypatch.delenv(var, raising=False)
    result, nb = runner.execute(asking_part(lesson, tmp_path), "quick", tmp_path / "out")
    assert not result.error, result.error
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    found = sum(len(re.findall(message, text, re.MULTILINE)) for message in LOADED)
    assert found == LESSONS[lesson][2], text[-3000:]
