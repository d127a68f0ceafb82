"""The cached pretrained base and the ImageNet weight loading (course.transfer)."""

import json
import time

import keras
import numpy as np
import pytest

from course import data as course_data
from course import models, train, transfer


def tiny_base():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", name="block1_conv1")(inputs)
    x = keras.layers.BatchNormalization(name="block1_bn1")(x)
    outputs = keras.layers.GlobalAveragePooling2D(name="features")(x)
    return keras.Model(inputs, outputs, name="tiny_base")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(transfer.CACHE_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


RECIPE = train.Recipe(epochs=1, batch_size=32)


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 8, 8, 3), dtype=np.uint8), rng.integers(0, 3, n)


def pretrain(x, y, key="smoke"):
    return transfer.pretrained_base(tiny_base, x, y, recipe=RECIPE, key=key, verbose=False)


def test_split_pets():
    x = np.arange(10)[:, None]
    y = np.arange(10)
    (xo, yo), (xp, yp) = transfer.split_pets(x, y)
    assert list(yo) == list(range(8)) and list(xo[:, 0]) == [0, 1, 2, 4, 6, 7, 8, 9]
    assert list(xp[:, 0]) == [3, 5] and list(yp) == [0, 1]  # cat 0, dog 1


def test_the_base_is_cached_and_reused(cache):
    x, y = data()
    first = pretrain(x, y)
    assert not first.from_cache and first.path.exists() and first.path.parent == cache
    assert not list(cache.glob("*.tmp")) and not list(cache.glob("tmp*"))  # atomic: no leftovers
    second = pretrain(x, y)
    assert second.from_cache and second.path == first.path
    assert second.accuracy == first.accuracy
    for a, b in zip(first.base.get_weights(), second.base.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_the_key_separates_profiles_and_data(cache):
    x, y = data()
    paths = {pretrain(x, y).path, pretrain(x, y, key="quick").path,
             pretrain(*data(seed=1)).path}
    assert len(paths) == 3


def stem_base():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", use_bias=False, name="stem")(inputs)
    x = keras.layers.BatchNormalization(name="stem_bn")(x)
    outputs = keras.layers.GlobalAveragePooling2D(name="features")(x)
    return keras.Model(inputs, outputs, name="stem_base")


@pytest.mark.slow
def test_a_base_trained_in_bfloat16_comes_back_in_the_callers_policy(cache, capsys):
    x, y = data()
    with train.speed.dtype_policy("float32"):
        keras.utils.set_random_seed(0)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(train, "default_policy", lambda: "mixed_bfloat16")
            first = transfer.pretrained_base(tiny_base, x, y, recipe=RECIPE)
        assert "pretraining the base in mixed_bfloat16" in capsys.readouterr().out
        assert first.metadata()["policy"] == "mixed_bfloat16"
        assert first.base.get_layer("block1_conv1").dtype_policy.name == "float32"
        assert keras.config.dtype_policy().name == "float32"  # put back
        again = transfer.pretrained_base(tiny_base, x, y, recipe=RECIPE, verbose=False)
    assert again.from_cache  # trained in bfloat16, loaded in float32: the same key
    for a, b in zip(first.base.get_weights(), again.base.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    moved = [not np.array_equal(w, fresh) for w, fresh in
             zip(first.base.get_weights(), tiny_base().get_weights(), strict=True)]
    assert any(moved)  # the trained weights, not a fresh copy's


@pytest.mark.slow
def test_a_whitened_base_has_its_own_key_and_keeps_its_frozen_stem(cache):
    x, y = data()
    plain = transfer.pretrained_base(stem_base, x, y, recipe=RECIPE, verbose=False)
    whitened = transfer.pretrained_base(stem_base, x, y, recipe=RECIPE, whiten=True,
                                        verbose=False)
    assert plain.path != whitened.path and plain.shipped_name != whitened.shipped_name
    stem = whitened.base.get_layer("stem")
    assert not stem.trainable and plain.base.get_layer("stem").trainable
    expected = stem_base()
    models.whiten_stem(expected, x)  # training leaves a frozen stem as it was whitened
    np.testing.assert_allclose(stem.get_weights()[0], expected.get_layer("stem").get_weights()[0])
    again = transfer.pretrained_base(stem_base, x, y, recipe=RECIPE, whiten=True, verbose=False)
    assert again.from_cache and not again.base.get_layer("stem").trainable


@pytest.mark.parametrize("damage", ["truncate", "garbage", "no checksum file"])
@pytest.mark.slow
def test_a_damaged_cache_file_is_detected_and_rebuilt(cache, capsys, damage):
    x, y = data()
    path = pretrain(x, y).path
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "garbage":
        path.write_bytes(b"not an HDF5 file")
    else:
        path.with_name(path.name.replace(".weights.h5", ".json")).unlink()
    capsys.readouterr()
    again = transfer.pretrained_base(tiny_base, x, y, recipe=RECIPE, key="smoke")
    assert not again.from_cache
    assert "unusable" in capsys.readouterr().out
    assert pretrain(x, y).from_cache  # rebuilt, so the next run loads it


@pytest.mark.slow
def test_a_foreign_weights_file_with_a_matching_checksum_is_rebuilt(cache, capsys):
    x, y = data()
    path = pretrain(x, y).path
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    meta = json.loads(path.with_name(path.name.replace(".weights.h5", ".json")).read_text())
    transfer.save_weights(other, path, path.with_name(path.name.replace(".weights.h5", ".json")),
                          {k: v for k, v in meta.items() if k != "sha256"})
    capsys.readouterr()
    again = transfer.pretrained_base(tiny_base, x, y, recipe=RECIPE, key="smoke")
    assert not again.from_cache and "it does not load" in capsys.readouterr().out


def test_a_bug_while_loading_the_cache_is_raised_and_the_cache_kept(cache, monkeypatch):
    x, y = data()
    path = pretrain(x, y).path

    def broken(_path):
        raise TypeError("a bug, not a bad cache")

    monkeypatch.setattr(transfer.files, "digest", broken)
    with pytest.raises(TypeError, match="a bug"):
        pretrain(x, y)
    assert path.exists() and path.with_name(path.name.replace(".weights.h5", ".json")).exists()


@pytest.mark.slow
def test_imagenet_base_loads_a_local_weights_file(tmp_path):
    reference = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35,
                                               include_top=False, weights=None, pooling="avg")
    path = tmp_path / "mobilenet.weights.h5"
    reference.save_weights(path)
    base = transfer.imagenet_base(96, 0.35, weights=path)
    assert base.output_shape == (None, 1280)
    for a, b in zip(reference.get_weights(), base.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_imagenet_weights_fail_fast_without_network(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    with pytest.raises(transfer.WeightsUnavailable, match="COURSE_OFFLINE"):
        transfer.imagenet_weights()
    monkeypatch.delenv("COURSE_OFFLINE")
    started = time.perf_counter()
    with pytest.raises(transfer.WeightsUnavailable):  # nothing listens on port 9
        transfer.imagenet_weights(url="http://127.0.0.1:9/weights.h5", timeout=2)
    assert time.perf_counter() - started < 5
    assert not list((tmp_path / "models").iterdir())  # no partial file left behind


def test_imagenet_weights_come_from_the_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    name = transfer.MOBILENET_URL.format(alpha="0.35", size=96).rsplit("/", 1)[1]
    cached = tmp_path / "models" / name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x")
    assert transfer.imagenet_weights(96, 0.35) == cached


def loaded(seed):
    """``data(seed)`` as if ``course.data.load`` had served it: a copy of one dataset."""
    x, y = data(seed=seed)
    course_data.remember(x, "toy x_train")
    course_data.remember(y, "toy y_train")
    return x, y


@pytest.mark.slow
def test_a_shipped_base_is_used_for_another_copy_of_its_data_and_other_profiles(
        cache, tmp_path, capsys):
    x, y = loaded(0)
    trained = pretrain(x, y)
    shipped = tmp_path / "shipped"
    transfer.ship(trained, shipped, note="1 epoch on 64 random images")
    for f in cache.iterdir():
        f.unlink()
    capsys.readouterr()
    other = transfer.pretrained_base(tiny_base, *loaded(1), recipe=RECIPE, key="quick",
                                     shipped=shipped)
    assert other.from_cache and other.accuracy == trained.accuracy
    assert "ships this base: 1 epoch on 64 random images" in capsys.readouterr().out
    for a, b in zip(trained.base.get_weights(), other.base.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert other.path.parent == cache  # copied into the cache: the next run loads it from there
    assert not transfer.pretrained_base(tiny_base, *data(seed=1), recipe=RECIPE,
                                        shipped=shipped, verbose=False).from_cache, \
        "data the course did not load is known by its contents"


@pytest.mark.slow
def test_a_shipped_base_of_another_recipe_or_damaged_is_not_used(cache, tmp_path, capsys):
    x, y = data()
    shipped = tmp_path / "shipped"
    weights = transfer.ship(pretrain(x, y), shipped, note="test")
    for f in cache.iterdir():
        f.unlink()
    longer = train.Recipe(epochs=2, batch_size=32)
    assert not transfer.pretrained_base(tiny_base, x, y, recipe=longer, shipped=shipped,
                                        verbose=False).from_cache
    weights.write_bytes(weights.read_bytes()[:100])
    capsys.readouterr()
    again = transfer.pretrained_base(tiny_base, x, y, recipe=RECIPE, key="quick", shipped=shipped)
    assert not again.from_cache
    assert "unusable (checksum or format); training it here" in capsys.readouterr().out


def test_the_course_ships_the_base_that_lesson_08_asks_for(cache):
    """Fails when cifar_base or BASE_RECIPE change: rebuild with data/build_pretrained.py."""
    rng = np.random.default_rng(0)
    x_all, y_all = rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8), np.arange(40) % 10
    course_data.remember(x_all, "cifar10 x_train")  # as course.data.load serves CIFAR-10
    course_data.remember(y_all, "cifar10 y_train")
    (x, y), _ = transfer.split_pets(x_all, y_all)
    shipped = transfer.pretrained_base(transfer.cifar_base, x, y, recipe=transfer.BASE_RECIPE,
                                       key="quick", whiten=True, shipped=transfer.SHIPPED,
                                       verbose=False)
    assert shipped.from_cache  # loaded, not trained
    assert shipped.accuracy > 0.8  # on the 8 classes' test images, when it was built
