"""nbgrader's autograde with the answers judged outside the student's kernel. Instructor tooling.

nbgrader runs a hand-in top to bottom in one kernel and scores each test cell by whether it
raised: a hand-in whose cells reassign a checker (or what the checker compares with) would
pass its own tests. With these two preprocessors around nbgrader's ``Execute``, the checker
cells only record each answer as data (``COURSE_ANSWERS_DIR``, as ``python -m course
grade`` does); after the run, ``course.check.judge`` judges the records in a fresh process,
and each test cell's outputs become the judge's verdict, an error where it is not correct.
What the kernel printed in a test cell counts for nothing, except an error (a cell that
failed keeps failing). In ``nbgrader_config.py``::

    from course.tools.nbgrader_judge import judge_outside
    judge_outside(c)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from course.runtime import settings
from course.tools import grade
from course.tools.exercises import CHECK_CALL

FOLDER = "course_answers"


class RecordAnswers(Preprocessor):
    """Before ``Execute``: the kernel it starts records answers into a fresh folder."""

    enabled = Bool(True)  # nbconvert skips a preprocessor that is not

    def preprocess(self, nb, resources):
        resources[FOLDER] = tempfile.mkdtemp(prefix="course-answers-")
        os.environ[settings.ANSWERS_DIR] = resources[FOLDER]  # the kernel inherits it
        return nb, resources


class JudgeOutside(Preprocessor):
    """After ``Execute``: every graded test cell that calls a checker shows the judge's
    verdict on the recorded answer, an error output when it is not "correct"."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        folder = Path(resources.pop(FOLDER))
        os.environ.pop(settings.ANSWERS_DIR, None)
        tests = [(index, call) for index, cell in enumerate(nb.cells) if _graded_test(cell)
                 and (call := CHECK_CALL.search(cell.source))]
        plan = [grade.expected_answer(f"{call[1]}.{call[2]}", nb.cells, index)
                for index, call in tests if nb.cells[index].get("execution_count") is not None]
        try:
            verdicts = grade.judged(folder, grade.CELL_TIMEOUT_S, plan,
                                    settings.profile_name() or "smoke")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        changed = "; ".join(grade.tampering(nb))
        for index, call in tests:
            nb.cells[index].outputs = _verdict(nb.cells[index],
                                               verdicts.get(f"{call[1]}.{call[2]}"), call[2],
                                               changed)
        return nb, resources


def _graded_test(cell) -> bool:
    marks = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(marks.get("grade")) and not marks.get("solution")


def _verdict(cell, verdict: dict | None, checker: str, changed: str) -> list:
    """The test cell's outputs: the judge's line, or an error saying why no point. Only
    the judge's status "correct" gives the point, whatever the line says."""
    from nbformat.v4 import new_output

    failed = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    correct = verdict is not None and verdict.get("status") == "correct"
    line = None if verdict is None else str(verdict.get("line", ""))
    if correct and not failed:
        return [new_output("stream", name="stdout", text=line + "\n")]
    if correct:  # right, but the cell failed after it
        return failed
    if line is None:
        line = (f"{checker}: no answer reached the grade: the checker cell ran, but the "
                "course's checker recorded nothing (was it replaced?)")
    if changed:
        line = f"{line} [{changed}: the grade ignores such changes]"
    return [new_output("error", ename="NotYet", evalue=line, traceback=[line])]


def judge_outside(c) -> None:
    """Put :class:`RecordAnswers` before and :class:`JudgeOutside` after nbgrader's
    ``Execute`` in the config ``c`` of an ``nbgrader_config.py``."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute

    steps = list(Autograde.autograde_preprocessors.default())
    at = steps.index(Execute)
    c.Autograde.autograde_preprocessors = [*steps[:at], RecordAnswers, Execute, JudgeOutside,
                                           *steps[at + 1:]]
