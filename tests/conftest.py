"""Shared test set-up: nbval compares stdout and results, never stderr (TensorFlow's logs)."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_collection_modifyitems(items):
    for item in items:
        parent = getattr(item, "parent", None)
        skip = getattr(parent, "skip_compare", None)
        if skip is not None and "stderr" not in skip:
            parent.skip_compare = (*skip, "stderr")


@pytest.fixture
def no_env(monkeypatch):
    """A clean slate: no profile, data dir or offline switch from the caller's shell."""
    for var in ("COURSE_PROFILE", "COURSE_DATA_DIR", "COURSE_OFFLINE", "COURSE_RECORD_FILE"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch
