"""The exercises in a lesson notebook: solution regions, stubs, checkers, statements.

Introduced for the instructor tooling (``python -m course student``, ``site``,
``catalogue``). A solution sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
lines in a code cell (nbgrader's convention: a line *containing* the words is a
marker); its checker is the first ``course.check.lessonNN.<name>(...)`` call after it;
its statement is the markdown paragraph that starts with ``**Exercise N.M.**``, or with
``**Exercise N.M (kind).**`` where ``kind`` is one of ``KINDS`` (default: implement).
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

from course.runtime.errors import UsageError

BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"
HIDDEN_TESTS_TAG = "hidden-tests"
STUB_COMMENT, STUB_RAISE = "# YOUR CODE HERE", "raise NotImplementedError()"
CHECK_CALL = re.compile(r"\bcourse\.check\.(lesson\d\d)\.(\w+)\(")
STATEMENT = re.compile(r"\*\*Exercise\s+(\d+\.\d+)(?:\s*\(([^)]*)\))?\.?\*\*\s*(.*?)(?:\n\s*\n|\Z)",
                       re.DOTALL)
IMPLEMENT = "implement"
KINDS = {  # what an exercise asks of a student; the catalogue lists each exercise's kind
    "transcribe": "write down code or a formula the lesson has just shown (one per lesson at most)",
    IMPLEMENT: "write a function the lesson describes in words, with no worked code nearby",
    "from the formula": "derive it from a rule stated in words; the worked version comes after "
                        "the checker",
    "predict, then run": "commit to a prediction; the next cells measure it",
    "debug": "find and fix what is wrong in a given model or function",
    "meet a target": "choose settings that reach a stated result",
    "explain with a number": "answer a question with a number the student computes or measures",
    "open": "an experiment to run and compare; no checker",
}
TRANSCRIBE = "transcribe"


class MarkerError(UsageError):
    """A malformed solution marker; the message starts with ``file:cell N``."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a lesson: where its solution and checker are, what it asks."""

    lesson: str  # "00"
    number: str  # "0.1", from the statement; "" when there is none
    statement: str  # the sentence of the statement that names the exercise
    cell: int  # index of the code cell holding the solution
    checker: str | None = None  # the checker's name in course.check.<checker_module>
    checker_module: str | None = None  # "lesson00"
    checker_cell: int | None = None
    kind: str = IMPLEMENT  # one of KINDS

    @property
    def title(self) -> str:
        return " ".join(filter(None, [self.number, self.checker and f"`{self.checker}`"]))


def solution_regions(source: str, where: str) -> list[tuple[int, int]]:
    """The ``(begin, end)`` line numbers (0-based) of each solution region in ``source``.

    Raises :class:`MarkerError` naming ``where`` for a BEGIN without END, an END without
    BEGIN, or nested regions.
    """
    regions, begin = [], None
    for number, line in enumerate(source.splitlines()):
        if BEGIN in line:
            if begin is not None:
                raise MarkerError(f"{where}: {BEGIN} on line {number + 1} is inside the region "
                                  f"opened on line {begin + 1}; regions cannot nest. Fix: close "
                                  f"the first with ### {END}")
            begin = number
        elif END in line:
            if begin is None:
                raise MarkerError(f"{where}: {END} on line {number + 1} has no {BEGIN} before "
                                  f"it. Fix: add ### {BEGIN} above the solution, or remove it")
            regions.append((begin, number))
            begin = None
    if begin is not None:
        raise MarkerError(f"{where}: {BEGIN} on line {begin + 1} has no {END}. Fix: add "
                          f"### {END} after the solution")
    return regions


def check_markers(cell, where: str) -> list[tuple[int, int]]:
    """The solution regions of a notebook cell; markers outside code cells are an error."""
    if cell.cell_type != "code":
        if BEGIN in cell.source or END in cell.source:
            raise MarkerError(f"{where}: solution markers in a {cell.cell_type} cell. Fix: "
                              "solutions belong in code cells; reword the text")
        return []
    return solution_regions(cell.source, where)


def stub_solutions(source: str, regions: list[tuple[int, int]]) -> str:
    """``source`` with each solution region replaced by its stub, ``# YOUR CODE HERE`` and:
    in a function, ``raise NotImplementedError()``; at the top level of the cell, the names
    the solution assigns set to ``...`` (a value exercise), which raise nothing, so that
    the cell runs and its checker says "not attempted yet". A top-level region that assigns
    no name raises, as in a function."""
    lines = source.splitlines()
    for begin, end in reversed(regions):
        indent = re.match(r"\s*", lines[begin]).group(0)
        stub = [STUB_COMMENT, *(_declarations(lines, begin, end) or [STUB_RAISE])]
        lines[begin:end + 1] = [indent + line for line in stub]
    return "\n".join(lines)


def declare_answers(source: str, regions: list[tuple[int, int]]) -> str:
    """``source`` with the names each top-level solution region assigns set to ``...``
    just before it: nbgrader replaces a region by its own stub, and without these lines a
    value exercise's student version would not say which name to assign."""
    lines = source.splitlines()
    for begin, end in reversed(regions):
        lines[begin:begin] = _declarations(lines, begin, end)
    return "\n".join(lines)


def _declarations(lines: list[str], begin: int, end: int) -> list[str]:
    """``name = ...`` for each name the solution region ``begin..end`` assigns at the top
    level of its cell; none for a region inside a function."""
    if re.match(r"\s*", lines[begin]).group(0):
        return []
    return [f"{name} = ..." for name in _assigned_names(lines[begin + 1:end])]


def exercises(path: Path, nb=None) -> list[Exercise]:
    """The exercises of a lesson notebook, in order (validates the markers on the way).

    Introduced for ``python -m course student``; the site and the catalogue use it too.
    """
    import nbformat

    nb = nb or nbformat.read(path, as_version=4)
    lesson = path.name[:2]
    found, statement = [], ("", "", IMPLEMENT)
    for index, cell in enumerate(nb.cells):
        where = f"{path}:cell {index}"
        if cell.cell_type == "markdown" and (match := STATEMENT.search(cell.source)):
            kind = (match.group(2) or IMPLEMENT).strip()
            if kind not in KINDS:
                raise MarkerError(f"{where}: exercise {match.group(1)} is of kind {kind!r}, which "
                                  f"is not one of {', '.join(map(repr, KINDS))}. Fix: use one "
                                  f"of those in '**Exercise N.M (kind).**'")
            statement = match.group(1), match.group(3), kind
        if check_markers(cell, where) and HIDDEN_TESTS_TAG not in cell.metadata.get("tags", []):
            number, text, kind = statement
            found.append(Exercise(lesson, number, text, index, kind=kind))
            statement = ("", "", IMPLEMENT)
        elif found and found[-1].checker is None and (call := CHECK_CALL.search(cell.source)):
            found[-1] = replace(found[-1], checker=call.group(2), checker_module=call.group(1),
                                checker_cell=index)
    return [replace(e, statement=_summary(e.statement, e.checker)) for e in found]


def catalogue(paths) -> str:
    """The exercise catalogue of the given lessons as a Markdown table.

    Introduced for ``python -m course catalogue`` (the README's copy) and the site.
    """
    rows = ["| lesson | exercise | kind | what it practises |", "|---|---|---|---|"]
    for path in paths:
        topic = path.stem[3:].replace("_", " ")
        for ex in exercises(path):
            cells = [f"{ex.lesson} {topic}", ex.title, ex.kind, ex.statement or "-"]
            rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def _assigned_names(lines: list[str]) -> list[str]:
    """Names a top-level solution assigns (``x = ...``, ``a, b = ...``), in order."""
    try:
        tree = ast.parse(textwrap.dedent("\n".join(lines)))
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and name.id not in names:
                    names.append(name.id)
    return names


def _summary(text: str, name: str | None, limit: int = 240) -> str:
    """The statement's first sentence that names the exercise (else its first sentence)."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z`*$])", " ".join(text.split()))
    sentence = next((s for s in sentences if name and f"`{name}(" in s), sentences[0])
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0]
        while sentence.count("`") % 2 or sentence.count("$") % 2:  # no half code or maths
            sentence = sentence[:max(sentence.rfind("`"), sentence.rfind("$"))].rstrip()
        sentence += " ..."
    return sentence
