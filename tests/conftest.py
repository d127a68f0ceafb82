"""Shared test set-up: nbval compares stdout and results, never stderr (TensorFlow's logs)."""

import os
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow 2.21's oneDNN backprop of a strided 1x1 convolution corrupts the heap on
# AVX-512 CPUs ("corrupted size vs. prev_size", wrong gradients, or a crash of the whole
# run, depending on the order tests run in); TensorFlow's own kernels do not. Set before
# TensorFlow is imported, and inherited by the nbval kernels.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# The speed probe (course.runtime.speed) is tested in test_speed.py; everywhere else, and in
# the nbval kernels, models compile without XLA and in float32 instead of each test process
# probing first.
os.environ.setdefault("COURSE_XLA", "0")
os.environ.setdefault("COURSE_BFLOAT16", "0")


@pytest.fixture(autouse=True)
def tensorflow_stays_out():
    """On another backend (`make test-jax`), no test may import TensorFlow, even indirectly."""
    yield
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        imported = sorted(name for name in sys.modules if name.split(".")[0] == "tensorflow")
        assert not imported, f"TensorFlow was imported on {os.environ['KERAS_BACKEND']}"


# Test files whose tests start Jupyter kernels or build whole lessons: `make test-fast`
# leaves them (and nbval over notebooks/) out of the edit loop; `make test` runs them.
KERNEL_FILES = {"test_student.py", "test_grade.py", "test_nbgrader.py", "test_wheel.py",
                "test_site.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        name = item.path.name
        if (name in KERNEL_FILES or name.endswith(".ipynb")
                or "loads_every_shipped_run" in item.name):
            item.add_marker(pytest.mark.kernel)
        parent = getattr(item, "parent", None)
        skip = getattr(parent, "skip_compare", None)
        if skip is not None and "stderr" not in skip:
            parent.skip_compare = (*skip, "stderr")


@pytest.fixture
def no_env(monkeypatch):
    """A clean slate: no profile, data dir or offline switch from the caller's shell."""
    for var in ("COURSE_PROFILE", "COURSE_DATA_DIR", "COURSE_OFFLINE", "COURSE_RECORD_FILE",
                "COURSE_PROGRESS_FILE", "COURSE_SHIPPED_ONLY"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def _stub(*args, **kwargs):
    raise NotImplementedError()


@pytest.fixture
def verify_checker(capsys):
    """``verify(check, right, wrong, hint)``: the checker passes the right answer, says "not
    attempted yet" to a stub, and answers the typical wrong one with a hint containing
    ``hint`` (or names the error the wrong answer raised)."""

    def verify(check, right, wrong, hint):
        assert check(right)
        assert "correct - " in capsys.readouterr().out
        assert not check(_stub)
        assert "not attempted yet" in capsys.readouterr().out
        assert not check(wrong)
        out = capsys.readouterr().out
        assert ("not yet - " in out or "your code raised" in out) and hint in out, out

    return verify
