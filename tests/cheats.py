"""What the per-lesson checker tests share: the instructor's solution lines (no hint may
show one), the simplest cheat, an object equal to everything, the words of the hint a
shortcut gets, and a lesson's cells as the checkers' tests read them."""

import ast
import functools
import os
import re
from pathlib import Path

import nbformat
import numpy as np

from course.tools.exercises import exercises

# A right answer must pass every draw of its checker's random cases: twenty draws, or five
# for the checkers whose one call costs about a quarter of a second or more (they build Keras
# models, run TensorFlow, or watch a student's Python loops run): CI's `--durations` showed
# 20 draws of each of these at 6 to 27 s. A right answer refused by one draw in a few
# hundred still shows within a few CI runs.
COSTLY = {
    "corr2d", "corr2d_same", "edge_magnitude", "to_convolution_kernel",  # 01
    "conv_param_count", "same_padding",  # 02
    "pool_output_size", "pool2d_loops", "pool2d_same",  # 03
    "input_gradient_strided", "conv_backward",  # 04
    "flatten_size", "dense_params", "most_confused", "confusion_matrix",  # 05
    "alexnet_sizes", "inception_params",  # 06
    "residual_block",  # 07
    "count_trainable", "unfreeze_top",  # 08
    "normalize_adjacency", "mean_readout", "adjacency_matrix",  # 10
    "exponential_lrs", "resume_epoch", "pick_lr", "epochs_trained",  # 11
}


# `make test-fast` sets COURSE_TEST_ONE_DRAW=1: every answer meets one draw of its checker's
# random cases, so the edit loop runs every test once in about a third of the time; `make
# test` (and CI) keeps the repeated draws that catch what a rare draw alone shows.
ONE_DRAW = os.environ.get("COURSE_TEST_ONE_DRAW") == "1"


def draws(checker: str) -> int:
    """How many times a right answer to ``checker`` is checked (see COSTLY)."""
    return 5 if checker in COSTLY else 20


def drawn(times: int) -> range:
    """The loop over ``times`` fresh draws of a checker's random cases (one in the edit loop)."""
    return range(1 if ONE_DRAW else times)


@functools.cache  # read for every draw of every wrong answer: 06 is read in 55 ms
def solution_lines(lesson: Path, checker: str) -> tuple[str, ...]:
    """The code lines of the instructor's solution to ``checker``'s exercise in ``lesson``."""
    nb = nbformat.read(lesson, as_version=4)
    [ex] = [e for e in exercises(lesson, nb) if e.checker == checker]
    lines = [line.split("#")[0].strip() for line in nb.cells[ex.cell].source.splitlines()]
    return tuple(line for line in lines if len(line) > 12 and not line.startswith(("def ", "###")))


class AlwaysEqual:
    """A cheat: equal to anything it is compared with."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __repr__(self):  # the same in every process: `pytest -n` workers collect one id
        return "AlwaysEqual()"


def calls(name: str) -> str:
    """What the hint says to an answer that calls ``name`` ("ops.output_size", as the hint
    shows it), a function that answers the exercise."""
    return f"calls `{name}`, which answers the exercise for you: write it yourself"


def refused_every_time(check, answer, capsys, lesson: Path, checker: str, kind: str,
                       draws: int = 3, says: str | None = None, never: tuple[str, ...] = (),
                       crash=lambda line: "raised" in line) -> None:
    """``answer`` gets "not yet" from ``check`` on every draw, with a hint that neither
    blames a crash (``crash`` tells one from the line) nor shows a line of the solution, a
    placeholder left unformatted or any of ``never`` (and, given ``says``, holds those
    words: it names the mistake)."""
    for _ in drawn(draws):  # fresh cases each time: refused on every draw
        assert not check(answer)
        line = capsys.readouterr().out.strip()
        assert line.startswith(f"{getattr(answer, '__name__', checker)}: not yet - "), line
        assert not crash(line), f"{kind}: {line}"
        assert not re.search(r"\{[^\s{}]*\}", line), f"{kind}: a hint printed a placeholder: {line}"
        assert says is None or says in line, f"{kind}: the hint does not say {says!r}: {line}"
        for words in (*solution_lines(lesson, checker), *never):
            assert words not in line, f"{kind}: the hint shows {words!r}: {line}"


def lesson_function(lesson: Path, name: str, **names):
    """The function ``name`` as the one code cell of ``lesson`` that defines it does, run
    with NumPy (``np``) and ``names`` in scope: a test follows the lesson's own code."""
    nb = nbformat.read(lesson, as_version=4)
    [source] = [c.source for c in nb.cells if c.cell_type == "code" and f"def {name}(" in c.source]
    namespace = {"np": np, **names}
    exec(source, namespace)
    return namespace[name]


def shown_text(nb) -> str:
    """A notebook's sources and printed outputs, but the setup banner's machine figures."""
    shown = [cell.source for cell in nb.cells]
    for cell in nb.cells:
        if "setup.start(" in cell.source:  # a probe's 1,752 images/s is no answer
            continue
        for out in cell.get("outputs", []):
            shown += [out.get("text", ""), out.get("data", {}).get("text/plain", "")]
    return "\n".join("".join(part) for part in shown)


def cell_source(lesson: Path, start: str) -> str:
    """The source of the one code cell of ``lesson`` that starts with ``start``."""
    nb = nbformat.read(lesson, as_version=4)
    found = [c.source for c in nb.cells if c.cell_type == "code"
             and c.source.removeprefix("# NBVAL_CHECK_OUTPUT\n").startswith(start)]
    assert len(found) == 1, f"{lesson.name}: {len(found)} cells start with {start!r}"
    return found[0]


def assigned(source: str, name: str):
    """The value assigned to ``name`` in ``source`` (at its top level or under the guard of
    a reveal, ``if course.check.done(...):``), evaluated with NumPy."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name
                                                for t in node.targets):
            return eval(ast.unparse(node.value), {"np": np})
    raise AssertionError(f"{name} is not assigned in {source[:80]!r}")


def right_the_first_time(right, wrong):
    """Right on its first call, wrong after it: a checker whose loop, or whose list of
    answers, the answer can empty accepts it."""
    def answer(*args, **kwargs):
        answer.calls += 1
        return (right if answer.calls == 1 else wrong)(*args, **kwargs)
    answer.calls = 0
    return answer
