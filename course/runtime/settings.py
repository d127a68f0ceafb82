"""Every environment variable the course reads, parsed here once, with one meaning each.

A switch is on when it is set to anything but "", "0", "false" or "no" (any case, any
surrounding spaces), so ``COURSE_OFFLINE=0`` means online everywhere. A folder variable
set to blanks means its default (``KERAS_HOME=""`` is ``~/.keras``). ``VARIABLES`` lists
them all; ``python -m course doctor`` shows the ones that are set. Introduced in lesson 00.
"""

from __future__ import annotations

import os
from pathlib import Path

OFF = ("", "0", "false", "no")

PROFILE = "COURSE_PROFILE"
DATA_DIR = "COURSE_DATA_DIR"
OFFLINE = "COURSE_OFFLINE"
CACHE_DIR = "COURSE_CACHE_DIR"
KERAS_HOME = "KERAS_HOME"
XLA = "COURSE_XLA"
BFLOAT16 = "COURSE_BFLOAT16"
MIXED_PRECISION = "COURSE_MIXED_PRECISION"
RETRAIN = "COURSE_RETRAIN"
SAVE_RUNS = "COURSE_SAVE_RUNS"
SHIPPED_ONLY = "COURSE_SHIPPED_ONLY"
GRADING = "COURSE_GRADING"
ANSWERS_DIR = "COURSE_ANSWERS_DIR"
TRIAL_STEPS = "COURSE_TRIAL_STEPS"
RECORD_FILE = "COURSE_RECORD_FILE"
PROGRESS_FILE = "COURSE_PROGRESS_FILE"
SEED = "COURSE_SEED"

DEFAULT_SEED = 42  # the seed every shipped run was made under

VARIABLES = {
    PROFILE: "smoke, quick or full (default: full with a GPU, quick without)",
    DATA_DIR: "a folder of <dataset>.npz files, e.g. the unpacked offline mirror",
    OFFLINE: "switch: never download datasets or weights",
    CACHE_DIR: "where pretrained weights and the speed probe are kept (~/.cache/course)",
    KERAS_HOME: "Keras' own cache of datasets and weights (~/.keras)",
    XLA: "1 or 0: compile with XLA or not, instead of the speed probe's choice",
    BFLOAT16: "1 or 0: the fast recipe in mixed_bfloat16 on a CPU or not, instead of the probe's",
    MIXED_PRECISION: "0 keeps float32 on a GPU (default: mixed_float16)",
    RETRAIN: "switch: train the runs a lesson would otherwise load from data/runs",
    SAVE_RUNS: "switch (maintainers): train and save a lesson's runs into data/runs; or model "
               "names, e.g. cifar_fast,xai: those runs only",
    SHIPPED_ONLY: "switch (maintainers, CI): a shipped run or base that is not found is an "
                  "error that names the nearest one, instead of training it here",
    GRADING: "switch: checkers raise AssertionError on a wrong answer (nbgrader, grade)",
    ANSWERS_DIR: "set by `python -m course grade` and the nbgrader judge: checkers record "
                 "answers there, for the judge",
    TRIAL_STEPS: "a trial run: every fit, evaluate and predict stops after this many batches",
    RECORD_FILE: "set by `python -m course run`: where course.record writes a lesson's figures",
    PROGRESS_FILE: "set by `python -m course run`: where training says which epoch it is in",
    SEED: "a whole number (maintainers): the lessons' seed instead of 42, to re-run them with "
          "another: a run drawn from it is trained, not loaded (the course's are made under 42)",
}


def _environ(environ):
    return os.environ if environ is None else environ


def text(name: str, environ=None) -> str:
    """The variable's value without surrounding blanks; "" when unset."""
    return _environ(environ).get(name, "").strip()


def is_set(name: str, environ=None) -> bool:
    """Whether ``name`` is set to something other than blanks."""
    return bool(text(name, environ))


def flag(name: str, environ=None) -> bool:
    """Whether the switch ``name`` is on."""
    return text(name, environ).lower() not in OFF


def folder(name: str, default: Path | None, environ=None) -> Path | None:
    """The folder ``name`` names (``~`` expanded), or ``default`` when it is unset or blank."""
    value = text(name, environ)
    return Path(value).expanduser() if value else default


def profile_name(environ=None) -> str:
    """The profile ``COURSE_PROFILE`` asks for, lower case; "" when unset."""
    return text(PROFILE, environ).lower()


def data_dir(environ=None) -> Path | None:
    """``COURSE_DATA_DIR``, or None when it is unset."""
    return folder(DATA_DIR, None, environ)


def offline(environ=None) -> bool:
    """Whether downloads are off (``COURSE_OFFLINE``)."""
    return flag(OFFLINE, environ)


def keras_home(environ=None) -> Path:
    """Keras' cache folder: ``$KERAS_HOME`` or ``~/.keras``."""
    return folder(KERAS_HOME, Path.home() / ".keras", environ)


def cache_dir(environ=None) -> Path:
    """The course's cache: ``$COURSE_CACHE_DIR`` or ``~/.cache/course``."""
    return folder(CACHE_DIR, Path.home() / ".cache" / "course", environ)


def mixed_precision(environ=None) -> bool:
    """Whether a GPU trains in mixed_float16 (on unless ``COURSE_MIXED_PRECISION`` is off)."""
    return not is_set(MIXED_PRECISION, environ) or flag(MIXED_PRECISION, environ)


def seed(environ=None) -> int:
    """The lessons' seed: ``COURSE_SEED``, or :data:`DEFAULT_SEED` when it is unset."""
    from course.runtime.errors import UsageError

    value = text(SEED, environ)
    if not value:
        return DEFAULT_SEED
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"{SEED}={value!r} is not a whole number: set it to, say, 7, or "
                         f"unset it for the course's seed ({DEFAULT_SEED})") from None


def described(environ=None) -> list[str]:
    """``NAME=value`` for every course variable that is set, in ``VARIABLES`` order."""
    return [f"{name}={text(name, environ)}" for name in VARIABLES if is_set(name, environ)]


def table() -> str:
    """README's table of the variables (a test keeps the two the same)."""
    rows = [f"| `{name}` | {meaning} |" for name, meaning in VARIABLES.items()]
    return "\n".join(["| variable | meaning |", "|---|---|", *rows])
