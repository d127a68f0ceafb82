"""Judge recorded answers in a process the hand-in never ran in. Instructor tooling.

    python -m course.check.judge ANSWERS_DIR [--timeout S] [--plan]
    python -m course.check.judge --serve

prints one JSON line per answer, ``{"checker": "lesson02.conv_output_shape", "status":
"correct", "line": "<the checker's line>"}``, each after a ``{"checker": ..., "start":
true}`` line (so that whoever runs the judge knows which answer it was on if it stops);
the status is ``correct``, ``not yet``, ``not attempted`` or ``error`` (the judge could
not judge it: a record it cannot use, or a bug in the course), and only ``correct`` scores.
``python -m course grade`` runs it on what a hand-in recorded (``course.check.answers``).
Here the course, NumPy and Keras are the installed ones, untouched by the hand-in's cells;
a recorded function is screened (``course.check.screen``) and then run by the same
checker a student calls in the notebook, with a time limit per exercise; whatever the
answer changed in the loaded modules is put back and scores 0.

With ``--plan`` the standard input says which records to judge, ``{"nonce": "...",
"answers": [{"checker": "lesson02.stack_shapes", "cell": "3f0c...", "extras": 1, "options":
[], "prediction": {...}}]}``: for each checker cell that ran, its key (the file
``<checker>.<cell>.json`` that :func:`course.check.answers.record` wrote in that cell; a
call of the checker from another cell, or any other file, is ignored), how many other
arguments the cell passes (a record with others is refused) and, for a prediction, its
source as the hand-in has it (used instead of the record's). Every line printed then
carries the nonce: a line the answer printed does not. Without a plan, every record in the
folder is judged (the last call of each checker).

With ``--serve`` (and no folder) the judge loads every checker once and then answers one
request per line of its standard input, each a plan with its ``folder`` and ``timeout``
added, until the input ends: ``course grade`` starts it once for all its hand-ins. Each
answer is judged in a child process forked for it (:func:`isolated`), which can reach
neither the judge's input nor its output, so one hand-in's answers cannot touch the
verdicts of the next.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import json
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from course.check import answers, core, predictions, screen

DEFAULT_TIMEOUT_S = 60
CORRECT, NOT_YET, NOT_ATTEMPTED, ERROR = "correct", "not yet", "not attempted", "error"
CHECKER = re.compile(r"lesson\d\d\.[A-Za-z_]\w*")
RECORD = re.compile(r"(lesson\d\d\.[A-Za-z_]\w*)(?:\.([0-9a-f]{16}))?\.json")
MAX_RECORD_BYTES = 256 * 2**20
_quote = json.encoder.encode_basestring_ascii  # bound now: an answer cannot swap it later


class TooLong(Exception):
    """The answer ran past the judge's time limit."""


@dataclass(frozen=True)
class Judged:
    """What the judge decided of one answer: a status (only ``correct`` scores) and the
    line that explains it."""

    status: str
    line: str

    def __bool__(self) -> bool:
        return self.status == CORRECT


class _Unavailable:
    """A notebook value the grade could not carry; using it says so."""

    def __init__(self, name: str, why: str):
        self._name, self._why = name, why

    def _refuse(self, *args, **kwargs):
        raise NameError(f"your function uses the notebook's `{self._name}` ({self._why}), "
                        "which the grade cannot carry out of your notebook: pass it as an "
                        "argument or compute it inside the function")

    __call__ = __getattr__ = __getitem__ = __iter__ = __len__ = __array__ = _refuse


def function(recorded: answers.Bundle, fallback: str | None = None):
    """The recorded function, defined from its source in a fresh namespace: the one named
    as recorded, else ``fallback`` (the exercise's name: a lambda, a renamed function),
    else the last function the source defines."""
    if not (isinstance(recorded.name, str) and isinstance(recorded.source, str)):
        raise screen.Refused("its record holds no source")
    screen.source(recorded.source)
    namespace = {"__name__": "answer",
                 "_recorded": lambda text: answers.decode(json.loads(text)),
                 "_unavailable": _Unavailable}
    exec(compile(recorded.source, "<answer>", "exec"), namespace)  # noqa: S102
    for name in (recorded.name, fallback):
        if isinstance(name, str) and name.isidentifier() and inspect.isfunction(
                namespace.get(name)):
            return namespace[name]
    defined = [value for key, value in namespace.items()
               if inspect.isfunction(value) and not key.startswith("_")]
    if not defined:
        raise screen.Refused("its source defines no function")
    return defined[-1]


def _value(data, fallback: str | None = None):
    value = answers.decode(data)
    if isinstance(value, answers.Bundle):
        return function(value, fallback)
    return value


class _Clock:
    """The time limit of one answer: past it, TooLong is raised in whatever runs, and
    again every half second (an answer that catches it does not outrun it); ``fired``
    says whether the limit was reached, whoever caught the exception."""

    def __init__(self, seconds: int):
        self.seconds, self.fired, self.active, self.previous = seconds, False, False, None

    def _ring(self, signum, frame):
        if not self.active:  # rang after the answer was done: nothing to stop
            signal.setitimer(signal.ITIMER_REAL, 0)
            return
        self.fired = True
        raise TooLong(f"it ran longer than the grade's {self.seconds} s limit")

    def __enter__(self):
        self.previous = signal.signal(signal.SIGALRM, self._ring)
        self.active = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds, 0.5)
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self) -> None:
        while True:  # the alarm may ring while it is being switched off
            try:
                self.active = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                if self.previous is not None:
                    signal.signal(signal.SIGALRM, self.previous)
                    self.previous = None
                return
            except TooLong:
                self.fired = True


def _malformed(record, expected: dict | None) -> str | None:
    """What makes ``record`` something the course's checker did not write (None: nothing)."""
    if not isinstance(record, dict):
        return "it is not a record"
    if not (isinstance(record.get("extras"), list) and isinstance(record.get("options"), dict)
            and "answer" in record and isinstance(record.get("name"), str | type(None))
            and isinstance(record.get("prediction"), dict | type(None))):
        return "it lacks what a checker records"
    if expected is None:
        return None
    if record.get("checker") != expected["checker"]:
        return f"it is a record of {str(record.get('checker'))[:40]!r}"
    if expected.get("extras") is not None and len(record["extras"]) != expected["extras"]:
        return (f"it holds {len(record['extras'])} other arguments where the checker cell "
                f"passes {expected['extras']}")
    if expected.get("options") is not None and sorted(record["options"]) != sorted(
            expected["options"]):
        return "its keyword arguments are not the checker cell's"
    return None


def judge_one(record: dict, timeout: int = DEFAULT_TIMEOUT_S,
              expected: dict | None = None) -> Judged:
    """What the judge decides of one recorded answer (``expected``: its entry of the plan).
    Whatever the record holds, this returns a :class:`Judged`."""
    key = expected["checker"] if expected is not None else (
        record.get("checker") if isinstance(record, dict) else None)
    if not (isinstance(key, str) and CHECKER.fullmatch(key)):
        return Judged(ERROR, "answer: not yet - the grade cannot tell which checker this "
                             "record is for")
    module, name = key.split(".")
    try:
        check = getattr(importlib.import_module(f"course.check.{module}"), name, None)
    except ImportError:
        check = None
    if not (callable(check) and hasattr(check, "forget_tries")):
        return Judged(ERROR, f"{name}: not yet - the course has no checker {key}")
    label = record.get("name") if isinstance(record, dict) else None
    shown = label if isinstance(label, str) and label.isidentifier() else name
    if problem := _malformed(record, expected):
        return Judged(NOT_YET, f"{shown}: not yet - the grade cannot use the record of this "
                               f"answer ({problem}): it was not written by the course's "
                               "checker in the checker cell")
    check.forget_tries()
    untouched = screen.Untouched()  # before the answer's source is even loaded
    clock = _Clock(timeout)
    judged, failed = None, None
    try:
        with contextlib.redirect_stdout(io.StringIO()), clock:
            judged = _judge(check, name, shown, record, expected)
    except TooLong:
        clock.fired = True
    except (Exception, SystemExit, KeyboardInterrupt) as error:  # noqa: BLE001
        failed = error
    finally:
        clock.stop()
    touched = untouched.changed()
    if touched:
        return Judged(NOT_YET, f"{shown}: not yet - your answer changed {touched[0]} while "
                               "it ran; the grade does not allow changing the libraries or "
                               "the course")
    if clock.fired:
        return Judged(NOT_YET, f"{shown}: not yet - your code ran longer than the grade's "
                               f"{timeout} s limit")
    if failed is not None or judged is None:
        why = f"{type(failed).__name__}: {_sentence(failed)}" if failed else "no verdict"
        return Judged(ERROR, f"{shown}: not yet - the grade could not judge this answer "
                             f"({why})")
    return judged


def _judge(check, name: str, shown: str, record: dict, expected: dict | None) -> Judged:
    """Rebuild the answer from ``record`` and run the checker on it (in the time limit)."""
    try:
        answer = answers.decode(record["answer"])
        if check.prediction:  # the value as written, not as computed
            written = expected["prediction"] if expected is not None else record["prediction"]
            if written is None:
                return Judged(NOT_YET, f"{shown}: not yet - no prediction written by hand "
                                       "was found before the checker cell")
            if "..." in written["names"].values():  # the stub: not attempted
                return Judged(NOT_ATTEMPTED, check(Ellipsis, strict=False).line)
            answer = predictions.evaluate(written)
        elif answer is Ellipsis:
            return Judged(NOT_ATTEMPTED, check(Ellipsis, strict=False).line)
        elif isinstance(answer, answers.Bundle):
            answer = function(answer, name)
        extras = [_value(e) for e in record["extras"]]
        options = {k: _value(v) for k, v in record["options"].items()}
    except screen.Refused as why:
        return Judged(NOT_YET, f"{shown}: not yet - the grade does not run this answer: {why}")
    except predictions.NotLiteral as why:
        return Judged(NOT_YET, f"{shown}: not yet - a prediction is values you write, not code "
                               f"that computes them ({why})")
    except TooLong:
        raise
    except Exception as error:  # noqa: BLE001 - a model Keras will not load, a bad record
        return Judged(NOT_YET, f"{shown}: not yet - the grade could not rebuild your answer "
                               f"outside your notebook ({type(error).__name__}: "
                               f"{_sentence(error)}); give plain values, a function, or a "
                               "model of Keras' own layers (not Lambda)")
    for value in (answer, *extras, *options.values()):
        if isinstance(value, answers.UnsupportedAnswer):
            return Judged(NOT_YET, f"{shown}: not yet - you gave {value.what}, which is not an "
                                   "answer the grade can read: give numbers, tuples, lists, "
                                   "arrays or a function")
    verdict = check(answer, *extras, strict=False, **options)
    if not isinstance(verdict, core.Verdict) or not isinstance(verdict.line, str):
        return Judged(ERROR, f"{shown}: not yet - the checker gave no verdict")
    return Judged(CORRECT if verdict.passed is True else NOT_YET, verdict.line)


def _sentence(error: BaseException, limit: int = 160) -> str:
    """The first sentence of an exception's message, at most ``limit`` characters."""
    text = " ".join(str(error).split())
    text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def _read(path: Path):
    """A record file's JSON, or why it cannot be read."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            return f"a record of {path.stat().st_size / 2**20:.0f} MB"
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        return f"{type(error).__name__}"


def records(folder: Path, plan: list[dict] | None = None) -> list[tuple[str, object, dict | None]]:
    """``(checker, record, plan entry)`` for each answer to judge, all read before any is
    judged. With a plan: only the file of each checker cell that ran; without: the last
    call of each checker in ``folder``."""
    folder = Path(folder)
    if plan is not None:
        found = []
        for entry in plan:
            cell = entry.get("cell")
            if cell is not None and not re.fullmatch(r"[0-9a-f]{16}", str(cell)):
                continue
            path = folder / (f"{entry['checker']}.json" if cell is None else
                             f"{entry['checker']}.{cell}.json")
            if path.is_file():
                found.append((entry["checker"], _read(path), entry))
        return found
    last: dict[str, tuple[float, Path]] = {}
    for path in folder.glob("*.json"):
        if match := RECORD.fullmatch(path.name):
            written = path.stat().st_mtime
            if match[1] not in last or written >= last[match[1]][0]:
                last[match[1]] = (written, path)
    return [(key, _read(path), None) for key, (_, path) in sorted(last.items())]


def prepare(plan: list[dict] | None) -> None:
    """Load the checkers the plan names and Keras, before any answer runs: what an answer
    changes in them is then seen, and their loading is not counted in its time limit."""
    with contextlib.suppress(ImportError):
        importlib.import_module("keras")
    for module in sorted({entry["checker"].split(".")[0] for entry in plan or []}):
        importlib.import_module(f"course.check.{module}")


def prepare_all() -> None:
    """:func:`prepare` for every lesson's checkers (a judge that serves many hand-ins)."""
    prepare([{"checker": f"{path.stem}.-"}
             for path in sorted(Path(core.__file__).parent.glob("lesson*.py"))])


def judging(found, timeout: int = DEFAULT_TIMEOUT_S):
    """``(checker, Judged)`` for each of ``found`` (what :func:`records` returned), one at
    a time."""
    for key, record, expected in found:
        name = key.split(".")[1]
        if isinstance(record, str):  # a file that is not JSON
            yield key, Judged(NOT_YET, f"{name}: not yet - the grade cannot read the record of "
                                       f"this answer ({record})")
            continue
        try:
            yield key, judge_one(record, timeout, expected)
        except (Exception, SystemExit, KeyboardInterrupt) as error:  # noqa: BLE001
            yield key, Judged(ERROR, f"{name}: not yet - the grade could not judge this answer "
                                     f"({type(error).__name__})")


def judge(folder: Path, timeout: int = DEFAULT_TIMEOUT_S,
          plan: list[dict] | None = None) -> dict[str, Judged]:
    """Every record to judge in ``folder`` (see :func:`records`), judged:
    ``{"lessonNN.checker": Judged}``."""
    prepare(plan)
    return dict(judging(records(folder, plan), timeout))


def _line(fields: dict) -> str:
    """One JSON object of strings and booleans, written without the json module's classes
    (which an answer could have changed)."""
    parts = [f"{_quote(k)}: {'true' if v is True else 'false' if v is False else _quote(v)}"
             for k, v in fields.items()]
    return "{" + ", ".join(parts) + "}\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, nargs="?")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_S)
    parser.add_argument("--plan", action="store_true",
                        help="read which records to judge from the standard input")
    parser.add_argument("--serve", action="store_true",
                        help="judge one request per line of the standard input")
    args = parser.parse_args(argv)
    if args.serve:
        prepare_all()
        while line := sys.stdin.readline():
            given = json.loads(line)
            answer(Path(given["folder"]), given["timeout"], given["answers"], given["nonce"])
        return
    if args.folder is None:
        parser.error("give the folder of the records (or --serve)")
    given = json.loads(sys.stdin.read()) if args.plan else {}
    plan = given.get("answers") if args.plan else None
    prepare(plan)
    answer(args.folder, args.timeout, plan, given.get("nonce"))


def answer(folder: Path, timeout: int, plan: list[dict] | None, nonce: str | None) -> None:
    """Judge the records of ``folder`` (see :func:`records`), printing the lines the
    module's docstring describes, each with ``nonce``."""
    write, flush = sys.stdout.write, sys.stdout.flush

    def emit(**fields) -> None:
        if nonce is not None:
            fields["nonce"] = nonce
        write(_line(fields))
        flush()

    found = records(folder, plan)
    emit(ready=True)
    for item in found:  # each answer's start is told before it runs
        emit(checker=item[0], start=True)
        judged = isolated(item, timeout)
        emit(checker=item[0], status=judged.status, line=judged.line)
    emit(done=True)


STATUSES = (CORRECT, NOT_YET, NOT_ATTEMPTED, ERROR)
MAX_LINE = 2000
CHILD_GRACE_S = 2


def isolated(item, timeout: int) -> Judged:
    """Judge one answer in a child process of its own (forked after the loading): whatever
    the answer does there, it cannot reach the judge's output, its nonce's lines, or
    another answer's verdict; the judge reports for the answer it started, and a child that
    hangs or dies is a verdict for that answer alone. Without ``os.fork``: in this process."""
    import os
    import select
    import time

    if not hasattr(os, "fork"):
        return next(judging([item], timeout))[1]
    name = item[0].split(".")[1]
    stopped = f"{name}: not yet - the grade stopped while judging this answer: "
    read, write = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:  # the child: no way back to the judge's output but this pipe, and none
        os.close(read)  # to its input (the requests still to come)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the child ends with os._exit
        try:
            judged = next(judging([item], timeout))[1]
            said = {"status": judged.status, "line": judged.line[:MAX_LINE]}
        except BaseException as error:  # noqa: BLE001 - the child must report, whatever
            said = {"status": ERROR, "line": f"{name}: not yet - the grade could not judge "
                                             f"this answer ({type(error).__name__})"}
        os.write(write, json.dumps(said).encode()[:4 * MAX_LINE])
        os._exit(0)
    os.close(write)
    chunks, deadline, late = [], time.monotonic() + 3 * timeout + CHILD_GRACE_S, False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            late = True
            break
        ready, _, _ = select.select([read], [], [], left)
        if ready:
            data = os.read(read, 65536)
            if not data:
                break
            chunks.append(data)
    os.close(read)
    if late:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    if late:
        return Judged(NOT_YET, f"{stopped}it ran longer than the grade's {timeout} s limit")
    try:
        said = json.loads(b"".join(chunks))
        if said["status"] in STATUSES and isinstance(said["line"], str):
            return Judged(said["status"], said["line"][:MAX_LINE])
    except (ValueError, KeyError, TypeError):
        pass
    return Judged(ERROR, f"{stopped}the process judging it ended (out of memory, or the code "
                         "ended it)")


if __name__ == "__main__":  # run as the course's module, whose functions the judge watches
    from course.check import judge as _judge_module

    _judge_module.main()
