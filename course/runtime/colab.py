"""Colab support: make a fresh Colab runtime ready for a lesson. Introduced in lesson 00.

A lesson's first code cell clones the repository into ``/content`` when it runs on
Colab (that is the only step that cannot live in this package, which is not there
yet). ``bootstrap()`` then installs whatever the course needs that the Colab image
lacks and moves into the ``notebooks/`` folder, so relative paths work as they do
on a laptop.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.runtime import supported

REPO_URL = "https://github.com/keras-cnn-course/cnn-course"
CLONE_DIR = Path("/content/cnn-course")
STUDENT_BRANCH = "student"  # the student versions, published by `course student --branch`


def colab_url(notebook: str, branch: str = "main") -> str:
    """The *Open in Colab* address of a lesson on ``branch`` (``STUDENT_BRANCH``: the
    student version, without solutions)."""
    repo = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/notebooks/{notebook}"

def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules


def person_looking() -> bool:
    """True when a person is looking at the notebook: Colab, or a Jupyter server session.

    Jupyter servers tell their kernels the session (``JPY_SESSION_NAME``); a headless run
    (nbclient, nbval, ``python -m course run``) has no session and no browser.
    ``%tensorboard`` (lesson 11) goes live only then; explorers ask ``no_live_front_end``.
    """
    return in_colab() or bool(os.environ.get("JPY_SESSION_NAME"))


def no_live_front_end() -> str:
    """Why no live notebook front end is running this cell, in a few words; "" when one is.

    Asked of the kernel itself, not of an environment variable: JupyterLab, Notebook 7,
    VS Code and Colab send each cell with ``allow_stdin`` true (a person can answer
    ``input()``); a headless run (nbclient, nbconvert, papermill, nbval, ``python -m course
    run``) sends it false, since nobody is there to answer. A script or pytest has no kernel.
    """
    if in_colab():
        return ""
    try:
        from IPython import get_ipython
    except ImportError:
        return "not in a notebook kernel"
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return "not in a notebook kernel"
    request = kernel.get_parent("shell") if hasattr(kernel, "get_parent") else {}
    content = (request or {}).get("content", {})
    if not content.get("allow_stdin", getattr(kernel, "_allow_stdin", False)):
        return "no live notebook front end (headless run)"
    return ""


def missing_requirements() -> list[str]:
    """The pip requirements (``name>=bound``) that are missing here or older than supported."""
    return [f"{name}>={bound}" for name, _, bound in supported.unmet()]


def bootstrap(run=subprocess.run, repo_dir: Path = CLONE_DIR) -> bool:
    """On Colab, install the course package and what is missing or too old; elsewhere nothing.

    Returns True when it ran (on Colab). ``run`` is ``subprocess.run``; tests pass a fake.
    """
    if not in_colab():
        return False
    if not (repo_dir / "pyproject.toml").exists():
        raise RuntimeError(
            f"the course repository is not at {repo_dir}: run the lesson's first cell, which "
            f"clones {REPO_URL} there, then run this cell again"
        )
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    run([*pip, "--no-deps", "-e", str(repo_dir)], check=True)
    missing = missing_requirements()
    if missing:
        run([*pip, *missing], check=True)
    os.chdir(repo_dir / "notebooks")
    return True
