"""Judge recorded answers in a process the hand-in never ran in. Instructor tooling.

    python -m course.check.judge ANSWERS_DIR [--timeout S]

prints one JSON object, ``{"lesson02.conv_output_shape": "<the checker's line>", ...}``.
``python -m course grade`` runs it on what a hand-in recorded (``course.check.answers``).
Here the course, NumPy and Keras are the installed ones, untouched by the hand-in's cells;
a recorded function is screened (``course.check.screen``) and then run by the same
checker a student calls in the notebook, with a time limit per exercise.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import signal
import sys
from pathlib import Path

from course.check import answers, predictions, screen

DEFAULT_TIMEOUT_S = 60


class TooLong(Exception):
    """The answer ran past the judge's time limit."""


class _Unavailable:
    """A notebook value the grade could not carry; using it says so."""

    def __init__(self, name: str, why: str):
        self._name, self._why = name, why

    def _refuse(self, *args, **kwargs):
        raise NameError(f"your function uses the notebook's `{self._name}` ({self._why}), "
                        "which the grade cannot carry out of your notebook: pass it as an "
                        "argument or compute it inside the function")

    __call__ = __getattr__ = __getitem__ = __iter__ = __len__ = __array__ = _refuse


def function(recorded: answers.Bundle):
    """The recorded function, defined from its source in a fresh namespace."""
    screen.source(recorded.source)
    namespace = {"__name__": "answer",
                 "_recorded": lambda text: answers.decode(json.loads(text)),
                 "_unavailable": _Unavailable}
    exec(compile(recorded.source, f"<answer {recorded.name}>", "exec"), namespace)  # noqa: S102
    return namespace[recorded.name]


def _value(data):
    value = answers.decode(data)
    if isinstance(value, answers.Bundle):
        return function(value)
    return value


@contextlib.contextmanager
def _time_limit(seconds: int):
    def stop(signum, frame):
        raise TooLong(f"it ran longer than the grade's {seconds} s limit")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def judge_one(record: dict, timeout: int = DEFAULT_TIMEOUT_S) -> str:
    """The line the checker prints for one recorded answer, judged here."""
    module, name = record["checker"].split(".")
    check = getattr(importlib.import_module(f"course.check.{module}"), name)
    shown = record.get("name") or name
    try:
        answer = answers.decode(record["answer"])
        written = record.get("prediction") or {"names": {}}
        if answer is Ellipsis or "..." in written["names"].values():  # a stub: not attempted
            return check(Ellipsis, strict=False).line
        if getattr(check, "prediction", False):  # the value as written, not as computed
            if record.get("prediction") is None:
                return (f"{shown}: not yet - no prediction written by hand was found before "
                        "the checker cell")
            answer = predictions.evaluate(record["prediction"])
        elif isinstance(answer, answers.Bundle):
            answer = function(answer)
        extras = [_value(e) for e in record["extras"]]
        options = {k: _value(v) for k, v in record.get("options", {}).items()}
    except screen.Refused as why:
        return f"{shown}: not yet - the grade does not run this answer: {why}"
    except predictions.NotLiteral as why:
        return (f"{shown}: not yet - a prediction is values you write, not code that computes "
                f"them ({why})")
    for value in (answer, *extras, *options.values()):
        if isinstance(value, answers.UnsupportedAnswer):
            return (f"{shown}: not yet - you gave {value.what}, which is not an answer the grade "
                    "can read: give numbers, tuples, lists, arrays or a function")
    untouched = screen.Untouched()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), _time_limit(timeout):
        verdict = check(answer, *extras, strict=False, **options)
    if touched := untouched.changed():
        return (f"{shown}: not yet - your answer changed {touched[0]} while it ran; the grade "
                "does not allow changing the libraries or the course")
    return verdict.line


def judge(folder: Path, timeout: int = DEFAULT_TIMEOUT_S) -> dict[str, str]:
    """Every record in ``folder``, judged: ``{"lessonNN.checker": line}``."""
    lines = {}
    for path in sorted(Path(folder).glob("*.json")):
        record = json.loads(path.read_text())
        lines[record["checker"]] = judge_one(record, timeout)
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_S)
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(judge(args.folder, args.timeout)) + "\n")


if __name__ == "__main__":
    main()
