"""Grading hand-ins: ``python -m course grade HAND-INS...``. Instructor tooling.

A hand-in is a student version that a student filled in, saved as
``<folder>/<student>/NN_lesson.ipynb`` (the folder holding it names the student, as in
nbgrader's ``submitted/<student>/``). Each one runs top to bottom in a fresh kernel, in
the ``notebooks/`` folder, with ``COURSE_GRADING=1`` (so every checker raises on a
wrong answer) and a time limit per cell; the instructor's hidden tests (cells tagged
``hidden-tests`` in the instructor notebook, never in a student version) run right
after the checker of the exercise they follow. Each checker cell runs as the instructor
notebook has it, whatever the student changed in it. An exercise scores 1 point when its
checker says "correct" and its hidden tests pass, else 0 with the reason.

The result is ``gradebook.csv`` (student, lesson, exercise, points, hint) and one
feedback page per hand-in, ``feedback/<student>_<lesson>.html``. A hand-in that hangs,
crashes its kernel, or lost a checker cell gets rows that say so; grading goes on.
A hand-in runs the student's code: grade in a throwaway machine or container.
"""

from __future__ import annotations

import copy
import csv
import html
import io
import json
import tempfile
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from course.runtime import settings
from course.runtime.errors import UsageError
from course.runtime.paths import BUILD, NOTEBOOKS, ROOT
from course.tools.exercises import HIDDEN_TESTS_TAG, Exercise, exercises
from course.tools.runner import environment, lessons

DEFAULT_OUT = BUILD / "grades"
CELL_TIMEOUT_S = 120


@dataclass(frozen=True)
class Row:
    """One exercise of one hand-in, as the gradebook lists it."""

    student: str
    lesson: str
    exercise: str
    points: int
    hint: str


def instructor_notebook(hand_in: Path, nb, folder: Path = NOTEBOOKS) -> Path:
    """The lesson a hand-in is a student version of: from its metadata, else its name."""
    source = nb.metadata.get("course", {}).get("source", "")
    name = Path(source).name if source else hand_in.name
    found = [p for p in lessons(None, folder) if p.name == name or p.name[:2] == name[:2]]
    if not found:
        raise UsageError(f"{hand_in}: cannot tell which lesson this is (no course metadata, "
                         "and its name does not start with a lesson number). Fix: keep the "
                         "student version's file name, e.g. 02_convolution_arithmetic.ipynb")
    return found[0]


def _checker_call(ex: Exercise) -> str:
    return f"course.check.{ex.checker_module}.{ex.checker}("


def _find(nb, ex: Exercise) -> int | None:
    return next((i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
                 and _checker_call(ex) in cell.source), None)


def plan(hand_in, lesson: Path):
    """The notebook to run (the hand-in plus the lesson's hidden tests) and, per exercise,
    the index of its checker cell (None: the cell is gone) and of its hidden tests."""
    import nbformat

    instructor = nbformat.read(lesson, as_version=4)
    found = exercises(lesson, instructor)
    hidden: dict[int, list] = {}  # exercise number -> the hidden-test cells that follow it
    for index, cell in enumerate(instructor.cells):
        if HIDDEN_TESTS_TAG in cell.metadata.get("tags", []):
            before = [number for number, ex in enumerate(found) if ex.cell < index]
            if before:
                hidden.setdefault(before[-1], []).append(cell)
    nb = copy.deepcopy(hand_in)
    for cell in nb.cells:  # what the student's own run printed counts for nothing
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    for number in reversed(range(len(found))):  # from the end: earlier indices stay valid
        at = _find(nb, found[number])
        if at is not None:  # the checker runs as the instructor wrote it, whatever was edited
            nb.cells[at].source = instructor.cells[found[number].checker_cell].source
            nb.cells[at + 1:at + 1] = copy.deepcopy(hidden.get(number, []))
    slots = []
    for number, ex in enumerate(found):
        at = _find(nb, ex)
        tests = [] if at is None else list(range(at + 1, at + 1 + len(hidden.get(number, []))))
        slots.append((ex, at, tests))
    return nb, slots


def run(nb, timeout: int, profile: str, answers: Path | None = None) -> tuple[str, int | None]:
    """Execute ``nb`` in place in a fresh kernel (its checkers recording into ``answers``
    when given). Returns ("", None), or why the run stopped early and the index of the
    cell it stopped in."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}},
                            extra_arguments=["--IPKernelApp.capture_fd_output=False"])
    variables = {settings.GRADING: "1", settings.PROFILE: profile}
    if answers is not None:
        variables[settings.ANSWERS_DIR] = str(answers)
    with environment(variables):
        try:
            client.execute()
            return "", None
        except CellTimeoutError:
            why = f"it ran longer than the {timeout} s limit"
        except DeadKernelError:
            why = "the kernel died (out of memory, or the code ended the process)"
    ran = [i for i, cell in enumerate(nb.cells)
           if cell.cell_type == "code" and cell.get("execution_count") is not None]
    return why, (ran[-1] if ran else None)


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []))


def _error(cell) -> str:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output['ename']}: {output['evalue']}".strip()
    return ""


def tampering(nb) -> list[str]:
    """"cell N reassigns X" for each statement of the hand-in that assigns to (or deletes)
    an attribute of an imported module, such as the course, NumPy or Keras."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    trees = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            try:
                trees.append((index, ast.parse(TransformerManager().transform_cell(cell.source))))
            except SyntaxError:
                continue
    modules = {alias.asname or alias.name.split(".")[0] for _, tree in trees
               for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
               for alias in node.names}
    found = []
    for index, tree in trees:
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign | ast.Delete):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id in ("setattr", "delattr") and node.args):
                targets = [node.args[0]]
            for target in targets:
                root = target
                while isinstance(root, ast.Attribute | ast.Subscript):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in modules and root is not target:
                    found.append(f"cell {index} reassigns {ast.unparse(target)}")
    return found


def judged(answers: Path, timeout: int) -> dict[str, str]:
    """What ``course.check.judge`` says of the recorded answers, in a fresh process."""
    import subprocess
    import sys

    with environment({settings.GRADING: None, settings.ANSWERS_DIR: None}):
        done = subprocess.run([sys.executable, "-m", "course.check.judge", str(answers),
                               "--timeout", str(timeout)], capture_output=True, text=True,
                              cwd=ROOT, timeout=timeout * 20)
    if done.returncode != 0:  # the judge is the course's code: its failure is a bug
        raise RuntimeError(f"the judge failed on {answers}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def score(nb, slots, stopped: tuple[str, int | None], student: str, lesson: str,
          verdicts: dict[str, str] | None = None) -> list[Row]:
    """One row per exercise of an executed hand-in (``stopped``: what ``run`` returned;
    ``verdicts``: the judge's line per checker, where the answers were judged outside)."""
    why, where = stopped
    changed = tampering(nb) if verdicts is not None else []
    rows = []
    for ex, at, tests in slots:
        title = ex.number or ex.checker
        line = None if verdicts is None else verdicts.get(f"{ex.checker_module}.{ex.checker}")
        if at is None:
            points, hint = 0, (f"the checker cell ({_checker_call(ex)}...) is missing from the "
                               "hand-in: it was deleted or changed")
        elif where is not None and at == where:
            points, hint = 0, f"stopped in this exercise's checker: {why}"
        elif nb.cells[at].get("execution_count") is None:
            points, hint = 0, f"not run: the run stopped in cell {where}: {why}"
        elif verdicts is not None and line is None:
            points, hint = 0, ("no answer reached the grade: the checker cell ran, but the "
                               "course's checker did not record anything (was it replaced?)")
        elif verdicts is not None and f"{ex.checker}: correct - " not in line:
            points, hint = 0, line
        elif verdicts is None and (f"{ex.checker}: correct - " not in _text(nb.cells[at])
                                   or _error(nb.cells[at])):
            lines = [line for line in _text(nb.cells[at]).splitlines() if line.strip()]
            points, hint = 0, (lines[-1] if lines else _error(nb.cells[at]))
        elif failed := [_error(nb.cells[t]) for t in tests if _error(nb.cells[t])]:
            points, hint = 0, f"a hidden test failed: {failed[0]}"
        else:
            points, hint = 1, ""
        if not points and changed:
            hint = f"{hint} [{'; '.join(changed)}: the grade ignores such changes]"
        rows.append(Row(student, lesson, title, points, hint))
    return rows


def grade(hand_in: Path, timeout: int = CELL_TIMEOUT_S, profile: str = "smoke",
          folder: Path = NOTEBOOKS) -> list[Row]:
    """Run one hand-in and score it (see the module's docstring)."""
    import nbformat

    hand_in = Path(hand_in)
    try:
        submitted = nbformat.read(hand_in, as_version=4)
    except Exception as error:  # not JSON, not a notebook: a row, not a crash
        return [Row(hand_in.parent.name, hand_in.stem[:2], "-", 0,
                    f"the hand-in cannot be read as a notebook ({type(error).__name__})")]
    lesson = instructor_notebook(hand_in, submitted, folder)
    nb, slots = plan(submitted, lesson)
    with tempfile.TemporaryDirectory(prefix="course-answers-") as answers:
        stopped = run(nb, timeout, profile, Path(answers))
        verdicts = judged(Path(answers), timeout)
    return score(nb, slots, stopped, hand_in.parent.name, lesson.name[:2], verdicts)


def feedback_page(rows: list[Row]) -> str:
    """A short HTML page for one hand-in: each exercise, its points and hint."""
    first = rows[0]
    body = "".join(f"<tr><td>{html.escape(r.exercise)}</td><td>{r.points}</td>"
                   f"<td>{html.escape(r.hint) or 'correct'}</td></tr>" for r in rows)
    total = sum(r.points for r in rows)
    return (f"<!doctype html><meta charset='utf-8'><title>{html.escape(first.student)}: "
            f"lesson {first.lesson}</title><h1>Lesson {first.lesson}: {total} of {len(rows)}"
            f"</h1><table><tr><th>exercise</th><th>points</th><th>feedback</th></tr>{body}"
            "</table>\n")


def grade_all(hand_ins, out: Path = DEFAULT_OUT, timeout: int = CELL_TIMEOUT_S,
              profile: str = "smoke", folder: Path = NOTEBOOKS) -> list[Row]:
    """Grade every hand-in; write ``gradebook.csv`` and the feedback pages into ``out``."""
    from course.runtime import files

    paths = [Path(p) for p in hand_ins]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UsageError(f"no such hand-in: {', '.join(missing)}")
    rows = []
    for path in paths:
        these = grade(path, timeout, profile, folder)
        rows += these
        page = out / "feedback" / f"{these[0].student}_{these[0].lesson}.html"
        files.write_text(page, feedback_page(these))
        print(f"{path}: {sum(r.points for r in these)} of {len(these)}", flush=True)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow([f.name for f in fields(Row)])
    writer.writerows(astuple(r) for r in rows)
    files.write_text(out / "gradebook.csv", table.getvalue())
    print(f"gradebook: {out / 'gradebook.csv'}; feedback pages: {out / 'feedback'}")
    return rows
