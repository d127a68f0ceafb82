"""Profiles, seeds and the first cell of every lesson (course.setup, course.runtime.colab)."""

import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from course import setup
from course.runtime import colab
from course.setup import Profile, resolve_profile


@pytest.mark.parametrize("name", ["smoke", "quick", "full"])
def test_named_profile_is_chosen(name):
    assert resolve_profile({"COURSE_PROFILE": name}, gpu_visible=False).name == name


def test_profile_name_is_case_and_space_tolerant():
    assert resolve_profile({"COURSE_PROFILE": " Quick "}, gpu_visible=True).name == "quick"


@pytest.mark.parametrize("gpu, expected", [(True, "full"), (False, "quick")])
def test_default_depends_on_gpu(gpu, expected):
    assert resolve_profile({}, gpu_visible=gpu).name == expected
    assert resolve_profile({"COURSE_PROFILE": ""}, gpu_visible=gpu).name == expected


def test_unknown_profile_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'bogus' is not a profile: use one of smoke, quick, full"):
        resolve_profile({"COURSE_PROFILE": "bogus"}, gpu_visible=False)


def test_profiles_grow_from_smoke_to_full():
    smoke, quick, full = (Profile.named(n) for n in ("smoke", "quick", "full"))
    assert smoke.train_samples < quick.train_samples and full.train_samples is None
    assert smoke.epochs <= quick.epochs <= full.epochs
    assert smoke.width < quick.width < full.width == 1.0


def test_pick_and_channels():
    quick = Profile.named("quick")
    assert quick.pick(smoke=1, quick=3, full=5) == 3
    assert quick.channels(64) == 32
    assert Profile.named("smoke").channels(8) == 4  # never below 4
    with pytest.raises(TypeError):
        quick.pick(smoke=1, quick=3)  # every profile must get a value


@pytest.mark.slow
def test_start_prints_profile_and_seeds(no_env):
    """In a fresh interpreter: seeding and op determinism reset TensorFlow's process-wide
    state, and done in a process where earlier tests' TensorFlow threads still run, that
    reset has aborted the whole suite ("Fatal Python error: Aborted" in set_global_seed)."""
    no_env.setenv("COURSE_PROFILE", "smoke")
    no_env.setenv("COURSE_SEED", "7")
    code = ("import numpy as np; from course import setup\n"
            "profile = setup.start(); first = np.random.rand()\n"
            "setup.seed_everything(7); assert np.random.rand() == first, 'seeding'\n"
            "print('chosen:', profile.name)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=Path(setup.__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    for line in ("versions: python", "tensorflow 2.", "keras 3.", "profile:  smoke",
                 "device:", "data:     bundled samples",
                 "seed:     7, deterministic ops (the course's runs are made under 42: this "
                 "lesson trains the runs drawn from it)",
                 "chosen: smoke"):
        assert line in done.stdout


@pytest.fixture
def no_seeding(monkeypatch):
    """setup.start without seeding: the tests using it check other parts of the set-up, and
    seeding in this process is what the test above keeps in a subprocess."""
    monkeypatch.setattr(setup, "seed_everything", lambda *a, **k: None)


def test_full_without_gpu_warns(no_env, monkeypatch, capsys):
    no_env.setenv("COURSE_PROFILE", "full")
    monkeypatch.setattr(setup, "gpus", lambda: [])
    monkeypatch.setattr(setup, "seed_everything", lambda *a, **k: None)
    with pytest.warns(UserWarning, match="needs a GPU"):
        setup.start()


# --- Colab bootstrap, with a stand-in google.colab module ----------------------------


@pytest.fixture
def fake_colab(monkeypatch, tmp_path):
    google = types.ModuleType("google")
    google.colab = types.ModuleType("google.colab")
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", google.colab)
    repo = tmp_path / "cnn-course"
    (repo / "notebooks").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("[project]\nname='course'\n")
    monkeypatch.chdir(tmp_path)
    return repo


def test_bootstrap_does_nothing_outside_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    calls = []
    assert colab.bootstrap(run=lambda *a, **k: calls.append(a)) is False
    assert calls == []


def test_bootstrap_installs_package_and_missing_requirements(fake_colab, monkeypatch):
    calls = []
    monkeypatch.setattr(colab, "missing_requirements", lambda: ["networkx>=3.0"])
    assert colab.bootstrap(run=lambda cmd, check: calls.append(cmd), repo_dir=fake_colab)
    assert calls[0][-3:] == ["--no-deps", "-e", str(fake_colab)]
    assert calls[1][-1] == "networkx>=3.0"
    assert str(fake_colab / "notebooks") == str(__import__("pathlib").Path.cwd())


def test_bootstrap_installs_nothing_more_when_all_present(fake_colab, monkeypatch):
    calls = []
    monkeypatch.setattr(colab, "missing_requirements", lambda: [])
    colab.bootstrap(run=lambda cmd, check: calls.append(cmd), repo_dir=fake_colab)
    assert len(calls) == 1


def test_bootstrap_without_clone_says_what_to_run(fake_colab, tmp_path):
    with pytest.raises(RuntimeError, match="run the lesson's first cell"):
        colab.bootstrap(run=lambda *a, **k: None, repo_dir=tmp_path / "nowhere")


def test_missing_requirements_come_from_the_package_metadata():
    from course.runtime import supported

    bounds = supported.lower_bounds()
    assert bounds["tensorflow"] and bounds["keras"] and "opencv-python-headless" in bounds
    assert colab.missing_requirements() == []  # this environment meets them all


class FakeMetadata:
    PackageNotFoundError = __import__("importlib.metadata").metadata.PackageNotFoundError

    def __init__(self, versions):
        self.versions = versions

    def requires(self, name):
        return ["tensorflow>=2.20", "opencv-python-headless>=4.8", "networkx>=3.0",
                'pytest>=8; extra == "test"']

    def version(self, name):
        if name not in self.versions:
            raise self.PackageNotFoundError(name)
        return self.versions[name]


def test_unmet_names_missing_and_old_and_accepts_colabs_opencv():
    from course.runtime import supported

    meta = FakeMetadata({"tensorflow": "2.19.1", "opencv-python": "5.0.0.93"})
    assert supported.unmet(meta) == [("tensorflow", "2.19.1", "2.20"), ("networkx", None, "3.0")]
    assert supported.older("2.20.0rc1", "2.20") is False and supported.older("3.9", "3.10")


# --- GPU speed-ups, exercised on the CPU ----------------------------------------------


@pytest.fixture
def restore_policy():
    import keras

    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("count, replicas", [(1, ""), (2, "MirroredStrategy over 2 GPUs")])
@pytest.mark.slow
def test_a_gpu_turns_on_mixed_precision_and_several_mirror(no_env, monkeypatch, capsys,
                                                           restore_policy, no_seeding, count,
                                                           replicas):
    import keras

    from course import train

    no_env.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(setup, "gpus", lambda: ["NVIDIA A100-SXM4-40GB"] * count)
    mirrored = types.SimpleNamespace(num_replicas_in_sync=count)
    monkeypatch.setattr(train, "distribute", lambda devices=None: mirrored)
    setup.start()
    speed = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("speed"))
    assert "XLA" in speed and "mixed precision (mixed_float16)" in speed and replicas in speed
    assert keras.mixed_precision.global_policy().name == "mixed_float16"
    # a model built now computes in float16 and still trains with course.train.fit
    x = np.random.default_rng(0).integers(0, 255, (32, 8, 8, 1), dtype=np.uint8)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
                              keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    assert model.layers[0].compute_dtype == "float16"
    run = train.fit(model, x, np.arange(32) % 2, epochs=1, batch_size=16, verbose=False)
    assert np.isfinite(run.last("loss"))


def test_mixed_precision_can_be_turned_off(no_env, monkeypatch, restore_policy, no_seeding):
    import keras

    no_env.setenv("COURSE_PROFILE", "smoke")
    no_env.setenv("COURSE_MIXED_PRECISION", "0")
    monkeypatch.setattr(setup, "gpus", lambda: ["NVIDIA T4"])
    setup.start()
    assert keras.mixed_precision.global_policy().name == "float32"


def test_start_silences_tensorflow_retracing_warnings(no_env, no_seeding):
    import logging

    no_env.setenv("COURSE_PROFILE", "smoke")
    setup.start()
    setup.start()  # twice: still one filter
    tf_logger = logging.getLogger("tensorflow")
    assert sum(isinstance(f, setup._QuietRetracing) for f in tf_logger.filters) == 1
    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    tf_logger.addHandler(handler)
    try:
        tf_logger.warning("5 out of the last 5 calls to <f> triggered tf.function retracing.")
        tf_logger.warning("something else")
    finally:
        tf_logger.removeHandler(handler)
    assert seen == ["something else"]


def test_start_on_a_cpu_leaves_the_speed_probe_to_what_asks_for_it(no_env, monkeypatch,
                                                                     capsys):
    """The probe runs when training asks (``course.train.xla_pays_off``, ``precision``)."""
    from course.runtime import speed

    asked = []
    monkeypatch.setattr(setup, "gpus", lambda: [])
    monkeypatch.setattr(setup, "seed_everything", lambda *a, **k: None)
    monkeypatch.setattr(speed, "cpu_choice",
                        lambda: asked.append(1) or speed.Choice(True, False, {}))
    setup.start()
    assert not asked and "speed:" not in capsys.readouterr().out
