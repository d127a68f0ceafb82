"""The data layer: each source, checksums, corrupt and missing files, the final error."""

import gzip
import hashlib
import io
import os
import tarfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from course import data
from course.setup import Profile

QUICK, SMOKE = Profile.named("quick"), Profile.named("smoke")
SMALL = {"mnist": (30, 10), "fashion_mnist": (30, 10), "cifar10": (20, 10)}


def fake_arrays(name, seed=0):
    """Small random arrays shaped like ``name``, with every label 0..9 present."""
    rng = np.random.default_rng(seed)
    n_train, n_test = SMALL[name]
    shape = data.IMAGE_SHAPES[name]
    return (rng.integers(0, 256, (n_train, *shape), dtype=np.uint8), np.arange(n_train) % 10,
            rng.integers(0, 256, (n_test, *shape), dtype=np.uint8), np.arange(n_test) % 10)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_npz(path, arrays):
    data.save_npz(path, **dict(zip(data.KEYS, arrays, strict=True)))
    return path


@pytest.fixture
def small(monkeypatch, no_env, tmp_path):
    """Small 'full' sizes, no known checksums, an empty Keras cache and no samples."""
    monkeypatch.setattr(data, "FULL_SIZES", dict(SMALL))
    monkeypatch.setattr(data, "KNOWN_NPZ_SHA256", {})
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "SAMPLES_DIR", tmp_path / "samples")
    no_env.setenv("COURSE_OFFLINE", "1")
    return tmp_path


# --- COURSE_DATA_DIR -----------------------------------------------------------------


def test_data_dir_serves_first_and_says_so(small, monkeypatch, capsys):
    expected = fake_arrays("cifar10")
    write_npz(small / "dir" / "cifar10.npz", expected)
    monkeypatch.setenv("COURSE_DATA_DIR", str(small / "dir"))  # undone after the test
    got = data.load("cifar10", QUICK)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    assert got[1].dtype == np.uint8 and got[1].ndim == 1
    assert "from COURSE_DATA_DIR" in capsys.readouterr().out


def test_checksum_mismatch_is_not_used(small, monkeypatch, capsys):
    write_npz(small / "dir" / "mnist.npz", fake_arrays("mnist"))
    monkeypatch.setattr(data, "KNOWN_NPZ_SHA256", {"mnist": {"0" * 64}})
    monkeypatch.setenv("COURSE_DATA_DIR", str(small / "dir"))
    write_npz(small / "samples" / "mnist.npz", fake_arrays("mnist", seed=1))
    x_train = data.load("mnist", QUICK)[0]
    np.testing.assert_array_equal(x_train, fake_arrays("mnist", seed=1)[0])  # the sample
    assert "from the bundled samples" in capsys.readouterr().out
    with pytest.raises(data.DataError, match="wrong SHA-256.*not used"):
        data.DataDirSource().load("mnist")


def test_known_checksum_is_accepted(small, monkeypatch):
    path = write_npz(small / "dir" / "mnist.npz", fake_arrays("mnist"))
    monkeypatch.setattr(data, "KNOWN_NPZ_SHA256", {"mnist": {sha256(path)}})
    monkeypatch.setenv("COURSE_DATA_DIR", str(small / "dir"))
    assert len(data.DataDirSource().load("mnist")[0]) == SMALL["mnist"][0]


def test_truncated_file_is_reported(small, monkeypatch):
    path = write_npz(small / "dir" / "cifar10.npz", fake_arrays("cifar10"))
    path.write_bytes(path.read_bytes()[:300])
    monkeypatch.setenv("COURSE_DATA_DIR", str(small / "dir"))
    with pytest.raises(data.DataError, match="not a readable .npz"):
        data.DataDirSource().load("cifar10")


def test_a_damaged_file_is_named_when_load_falls_back(small, monkeypatch, capsys):
    path = write_npz(small / "dir" / "mnist.npz", fake_arrays("mnist"))
    path.write_bytes(path.read_bytes()[:300])  # truncated, as an interrupted copy leaves it
    monkeypatch.setenv("COURSE_DATA_DIR", str(small / "dir"))
    write_npz(small / "samples" / "mnist.npz", fake_arrays("mnist", seed=1))
    data.load("mnist", QUICK)
    out = capsys.readouterr().out
    assert out.startswith(f"mnist: rejected COURSE_DATA_DIR ({small / 'dir'}): {path} is not "
                          "a readable .npz")
    assert "Fix: replace the file" in out and "using the bundled samples" in out
    assert "from the bundled samples" in out and data.last_source("mnist") == "bundled samples"


def test_last_source_before_any_load_says_what_to_do(monkeypatch):
    monkeypatch.setattr(data, "LOADED", {})
    with pytest.raises(ValueError, match=r"call course.data.load\('cifar10'\)"):
        data.last_source("cifar10")


def test_wrong_arrays_are_reported(small, monkeypatch):
    x, y, xt, yt = fake_arrays("mnist")
    write_npz(small / "dir" / "mnist.npz", (x.astype(np.float32), y, xt, yt[:3]))
    monkeypatch.setenv("COURSE_DATA_DIR", str(small / "dir"))
    with pytest.raises(data.DataError, match=r"x_train is float32.*expected uint8.*10 images but"):
        data.DataDirSource().load("mnist")


def test_subset_of_full_data_is_rejected_from_data_dir(small, monkeypatch):
    x, y, xt, yt = fake_arrays("mnist")
    write_npz(small / "dir" / "mnist.npz", (x[:5], y[:5], xt, yt))
    monkeypatch.setenv("COURSE_DATA_DIR", str(small / "dir"))
    with pytest.raises(data.DataError, match="5/10 examples, expected 30/10"):
        data.DataDirSource().load("mnist")


# --- Keras cache and download --------------------------------------------------------


def cache(path_in_cache):
    path = data.KerasSource.cache_dir() / path_in_cache
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def pin(monkeypatch, name, *paths, algorithm="sha256"):
    """Make DOWNLOADS[name] expect the checksums of the given files."""
    pinned = [data.Download(d.path, d.url, f"{algorithm}:" +
                            hashlib.new(algorithm, Path(p).read_bytes()).hexdigest())
              for d, p in zip(data.DOWNLOADS[name], paths, strict=True)]
    monkeypatch.setitem(data.DOWNLOADS, name, pinned)


def test_keras_cache_mnist(small, monkeypatch):
    path = write_npz(cache("mnist.npz"), fake_arrays("mnist"))
    pin(monkeypatch, "mnist", path)
    assert data.load("mnist", QUICK)[0].shape == (30, 28, 28)


def idx_gz(path, array):
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())
    return path


def test_keras_cache_fashion_idx_files(small, monkeypatch):
    x, y, xt, yt = fake_arrays("fashion_mnist")
    paths = [idx_gz(cache(d.path), a) for d, a in
             zip(data.DOWNLOADS["fashion_mnist"], (x, y, xt, yt), strict=True)]
    pin(monkeypatch, "fashion_mnist", *paths, algorithm="md5")
    got = data.load("fashion_mnist", QUICK)
    np.testing.assert_array_equal(got[0], x)
    np.testing.assert_array_equal(got[3], yt)


def cifar_tarball(path, x, y, xt, yt):
    """The CIFAR-10 binary layout: per record one label byte and 3072 bytes, channel-major."""

    def records(images, labels):
        chw = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
        return np.concatenate([labels[:, None].astype(np.uint8), chw], axis=1).tobytes()

    parts = {f"data_batch_{i}.bin": records(x[i - 1::5], y[i - 1::5]) for i in range(1, 6)}
    parts["test_batch.bin"] = records(xt, yt)
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in parts.items():
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def test_keras_cache_cifar_binary_is_read_without_pickle(small, monkeypatch):
    x, y, xt, yt = fake_arrays("cifar10")
    path = cifar_tarball(cache("cifar-10-binary.tar.gz"), x, y, xt, yt)
    pin(monkeypatch, "cifar10", path, algorithm="md5")
    got_x, got_y, got_xt, got_yt = data.load("cifar10", QUICK)
    order = np.concatenate([np.arange(i, 20, 5) for i in range(5)])  # batch order
    np.testing.assert_array_equal(got_x, x[order])  # HWC pixels survive the CHW records
    np.testing.assert_array_equal(got_y, y[order])
    np.testing.assert_array_equal(got_xt, xt)


def test_corrupt_cache_file_is_not_used(small, monkeypatch):
    path = write_npz(cache("mnist.npz"), fake_arrays("mnist"))
    pin(monkeypatch, "mnist", path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(data.DataError, match="fails its checksum.*Fix: delete it"):
        data.KerasSource().load("mnist")


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_download_is_verified_and_atomic(small, monkeypatch):
    monkeypatch.delenv("COURSE_OFFLINE")
    blob = (small / "blob.npz")
    write_npz(blob, fake_arrays("mnist"))
    payload = blob.read_bytes()
    pin(monkeypatch, "mnist", blob)
    urls = []
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, timeout: urls.append(url) or FakeResponse(payload))
    assert data.load("mnist", QUICK)[0].shape == (30, 28, 28)
    assert urls == [data.DOWNLOADS["mnist"][0].url]
    assert cache("mnist.npz").read_bytes() == payload
    assert not list(cache("mnist.npz").parent.glob("*.part"))


def test_download_with_wrong_checksum_keeps_nothing(small, monkeypatch):
    monkeypatch.delenv("COURSE_OFFLINE")
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, timeout: FakeResponse(b"not the dataset"))
    with pytest.raises(data.DataError, match="fails its checksum; nothing was kept"):
        data.KerasSource().load("mnist")
    assert not list(data.KerasSource.cache_dir().glob("mnist.npz*"))


def test_offline_download_fails_fast(small):
    started = time.perf_counter()
    with pytest.raises(data.DataError, match="downloading http://.*failed"):
        data.fetch("http://course-test.invalid/mnist.npz", small / "x.npz", "sha256:00")
    assert time.perf_counter() - started < data.DOWNLOAD_TIMEOUT_S + 5
    assert not (small / "x.npz").exists()


def test_offline_switch_skips_downloads(small, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("download"))
    with pytest.raises(data.DataError, match="COURSE_OFFLINE is set"):
        data.KerasSource().load("mnist")


# --- bundled samples, and nothing at all ---------------------------------------------


def test_bundled_samples_are_verified(small, monkeypatch):
    path = write_npz(small / "samples" / "mnist.npz", fake_arrays("mnist"))
    (small / "samples" / "SHA256SUMS").write_text(f"{sha256(path)}  mnist.npz\n")
    assert len(data.SamplesSource().load("mnist")[1]) == 30
    (small / "samples" / "SHA256SUMS").write_text(f"{'1' * 64}  mnist.npz\n")
    with pytest.raises(data.DataError, match="does not match data/samples/SHA256SUMS"):
        data.SamplesSource().load("mnist")


def test_nothing_available_lists_every_place(small):
    with pytest.raises(data.DataNotFoundError) as error:
        data.load("fashion_mnist", QUICK)
    message = str(error.value)
    assert "could not load 'fashion_mnist' from any source" in message
    assert "1. COURSE_DATA_DIR: not set. Fix:" in message
    assert "2. the Keras cache" in message and "COURSE_OFFLINE is set" in message
    assert "3. the bundled samples" in message and "git checkout data/samples" in message


def test_smoke_uses_only_the_samples(small, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(small))
    assert [s.key for s in data.sources(SMOKE)] == ["bundled samples"]
    assert [s.key for s in data.sources(QUICK)] == [
        "COURSE_DATA_DIR", "Keras cache/download", "bundled samples"]


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'cifar100': use one of mnist"):
        data.load("cifar100", QUICK)


def test_committed_samples_load_with_every_class(no_env):
    for name in data.CLASS_NAMES:
        x_train, y_train, x_test, y_test = data.load(name, SMOKE)
        assert x_train.dtype == np.uint8 and x_train.shape[1:] == data.IMAGE_SHAPES[name]
        counts = np.bincount(y_train, minlength=10)  # stratified: each class keeps its share
        assert counts.min() > 0.8 * len(y_train) / 10
        assert len(y_test) == 1000


# --- subset --------------------------------------------------------------------------


def test_subset_is_stratified_seeded_and_shuffled():
    y = np.repeat(np.arange(10), [100, 200, 300, 400, 500, 100, 200, 300, 400, 500])
    x = np.arange(len(y))
    xs, ys = data.subset(x, y, 300, seed=3)
    np.testing.assert_array_equal(np.bincount(ys), np.bincount(y) * 300 // len(y))
    np.testing.assert_array_equal(y[xs], ys)
    np.testing.assert_array_equal(xs, data.subset(x, y, 300, seed=3)[0])
    assert not np.array_equal(xs, data.subset(x, y, 300, seed=4)[0])
    assert not np.all(np.diff(ys) >= 0)  # mixed, not grouped by class
    assert data.subset(x, y, None)[0] is x
    with pytest.raises(ValueError, match="positive number"):
        data.subset(x, y, 0)



def test_per_class_parts_are_disjoint_balanced_and_named_by_how_they_were_drawn():
    y = np.repeat([0, 1], [500, 700])[np.random.default_rng(1).permutation(1200)]
    x = np.arange(len(y))
    data.remember(x, "pets x")
    (x_a, y_a), (x_b, y_b) = data.per_class(x, y, sizes=(200, 100), seed=0)
    assert np.bincount(y_a).tolist() == [200, 200] and np.bincount(y_b).tolist() == [100, 100]
    assert not set(x_a) & set(x_b)
    np.testing.assert_array_equal(y[x_a], y_a)
    # the same draw written out: one shuffle, then each class's next examples in turn
    order = np.random.default_rng(0).permutation(len(y))
    first, second = (order[y[order] == c] for c in (0, 1))
    np.testing.assert_array_equal(x_a, np.r_[first[:200], second[:200]])
    np.testing.assert_array_equal(x_b, np.r_[first[200:300], second[200:300]])
    assert data.origin(x_b) == "pets x per class (200, 100) seed 0 part 1"
    other = np.random.default_rng(2).permutation(len(y))  # another copy, in another order
    x_copy = x[other]
    data.remember(x_copy, "pets x")
    assert data.origin(data.per_class(x_copy, y[other], (200, 100))[1][0]) == data.origin(x_b)
    with pytest.raises(ValueError, match="need 600 examples of every class"):
        data.per_class(x, y, sizes=(300, 300))

# --- the real offline mirror, where CI provides it -----------------------------------


@pytest.mark.skipif(not os.environ.get("COURSE_DATA_DIR"), reason="COURSE_DATA_DIR not set")
@pytest.mark.parametrize("name", list(data.CLASS_NAMES))
def test_offline_mirror(name):
    x_train, y_train, x_test, y_test = data.DataDirSource().load(name)
    assert (len(y_train), len(y_test)) == data.FULL_SIZES[name]
    assert np.bincount(y_test, minlength=10).min() > 800  # every class, in its usual share


@pytest.mark.slow
def test_lesson_05_names_a_damaged_mnist_in_its_output(tmp_path):
    """The lesson itself, up to its data cell, on a COURSE_DATA_DIR whose mnist.npz is cut."""
    nbformat = pytest.importorskip("nbformat")  # absent from `make test-jax`'s environment
    NotebookClient = pytest.importorskip("nbclient").NotebookClient

    from course.runtime.paths import NOTEBOOKS
    from course.tools.runner import environment

    folder = tmp_path / "mirror"
    damaged = write_npz(folder / "mnist.npz", fake_arrays("mnist"))
    damaged.write_bytes(damaged.read_bytes()[:300])  # as an interrupted copy leaves it
    nb = nbformat.read(NOTEBOOKS / "05_first_cnns.ipynb", as_version=4)
    upto = next(i for i, c in enumerate(nb.cells) if 'data.load("mnist")' in c.source)
    nb.cells = nb.cells[:upto + 1]
    with environment({"COURSE_PROFILE": "quick", "COURSE_DATA_DIR": str(folder),
                      "COURSE_OFFLINE": "1", "KERAS_HOME": str(tmp_path / "keras")}):
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    out = "".join(o.get("text", "") for o in nb.cells[upto].outputs)
    assert f"mnist: rejected COURSE_DATA_DIR ({folder}): {damaged} has the wrong SHA-256 " \
           "(damaged, truncated or not the expected file)" in out
    assert out.count("Fix:") == 1 and "using the bundled samples" in out
    assert "from the bundled samples" in out, "and says what it used instead"
