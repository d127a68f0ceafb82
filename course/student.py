"""Student versions of the lessons: solutions become stubs, hidden tests go.

Introduced for the instructor tooling (``python -m course student``). Each solution
region becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()``; the outputs of
solution and checker cells are cleared (a stored "correct" would mislead), cells tagged
``hidden-tests`` are removed, and the notebook's metadata says it is a student version.
Every lesson is converted in memory before anything is written, so a malformed marker
leaves no output behind.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from course.errors import UsageError
from course.exercises import HIDDEN_TESTS_TAG, exercises, solution_regions, stub_solutions
from course.paths import BUILD, NOTEBOOKS
from course.runner import lessons

DEFAULT_OUT = BUILD / "student"
NBVAL_MARKER = re.compile(r"# NBVAL_[A-Z_]+")


def student_version(path: Path):
    """The student copy of one lesson notebook (the file itself is not changed)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    found = exercises(path, nb)  # validates every marker first
    solution_cells = {e.cell for e in found}
    checker_cells = {e.checker_cell for e in found}
    student = copy.deepcopy(nb)
    student.cells = []
    for index, cell in enumerate(nb.cells):
        if HIDDEN_TESTS_TAG in cell.metadata.get("tags", []):
            continue
        cell = copy.deepcopy(cell)
        if index in solution_cells:
            cell.source = stub_solutions(cell.source, solution_regions(cell.source, str(path)))
        if index in solution_cells | checker_cells:
            cell.outputs, cell.execution_count = [], None
        if cell.cell_type == "code":  # nbval's markers are for CI, not for students
            cell.source = "\n".join(line for line in cell.source.split("\n")
                                    if not NBVAL_MARKER.fullmatch(line.strip()))
        student.cells.append(cell)
    student.metadata["course"] = {"version": "student", "source": f"notebooks/{path.name}",
                                  "exercises": len(found)}
    return student


def write(out: Path = DEFAULT_OUT, only=None, force: bool = False,
          folder: Path | None = None) -> list[Path]:
    """Write the student versions of the lessons (``only``: some of them) into ``out``.

    ``folder`` holds the instructor notebooks (default ``notebooks/``). Refuses to write
    into it and, unless ``force``, into a folder that already holds files.
    """
    import nbformat

    out, folder = Path(out).resolve(), Path(folder or NOTEBOOKS).resolve()
    if out == folder or folder in out.parents:
        raise UsageError(f"{out} is inside {folder}, the instructor notebooks. Fix: choose "
                         "another --out folder (default build/student)")
    if out.is_file():
        raise UsageError(f"{out} is a file. Fix: give --out a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(f"{out} already exists and is not empty; nothing was written. Fix: "
                         "pass --force to write over the lessons in it, or choose another --out")
    versions = {path.name: student_version(path) for path in lessons(only, folder)}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in versions.items():
        nbformat.write(nb, out / name)
        written.append(out / name)
    return written
