"""Student versions of the lessons: solutions become stubs, hidden tests go.

Introduced for the instructor tooling (``python -m course student``). Each solution
region becomes a stub (:func:`stub_solutions`): ``# YOUR CODE HERE`` + ``raise
NotImplementedError()`` in a function, the names a value exercise assigns set to ``...``
at the top level of a cell, so that Run All goes through a student version (the cells
that use an answer wait for it with ``course.check.done``); the outputs of
solution and checker cells are cleared (a stored "correct" would mislead), cells tagged
``hidden-tests`` are removed, and the notebook's metadata says it is a student version.
Every lesson is converted in memory before anything is written, so a malformed marker
leaves no output behind.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import tempfile
from pathlib import Path

from course.runtime.colab import STUDENT_BRANCH
from course.runtime.errors import UsageError
from course.runtime.paths import BUILD, NOTEBOOKS, ROOT
from course.tools.exercises import (
    HIDDEN_TESTS_TAG,
    declare_answers,
    exercises,
    solution_regions,
    stub_solutions,
)
from course.tools.runner import lessons

DEFAULT_OUT = BUILD / "student"
NBVAL_MARKER = re.compile(r"# NBVAL_[A-Z_]+")
DEFINED = re.compile(r"^def (\w+)\(|^(\w+)\s*=(?!=)", re.MULTILINE)  # top-level names


def student_version(path: Path):
    """The student copy of one lesson notebook (the file itself is not changed)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    found = exercises(path, nb)  # validates every marker first
    solution_cells = {e.cell for e in found}
    checker_cells = {e.checker_cell for e in found}
    derived = uses_of_solutions(nb, found)
    student = copy.deepcopy(nb)
    student.cells = []
    for index, cell in enumerate(nb.cells):
        if HIDDEN_TESTS_TAG in cell.metadata.get("tags", []):
            continue
        cell = copy.deepcopy(cell)
        if index in solution_cells:
            cell.source = stub_solutions(cell.source, solution_regions(cell.source, str(path)))
        if index in solution_cells | checker_cells | derived:
            cell.outputs, cell.execution_count = [], None
        cell.source = for_students(cell)
        student.cells.append(cell)
    student.metadata["course"] = {"version": "student", "source": f"notebooks/{path.name}",
                                  "exercises": len(found)}
    return student


def nbgrader_source(path: Path):
    """The instructor notebook as an nbgrader *source* notebook: each solution cell marked
    as an autograded answer and each checker cell as a graded test worth 1 point (run
    nbgrader with ``COURSE_GRADING=1`` so that a wrong answer fails its test), a value
    exercise's names set to ``...`` above its solution (nbgrader's stub would hide them),
    badges and the Colab clone on the student branch, nbval's markers dropped. ``nbgrader
    generate_assignment`` then writes the student version from it."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    found = exercises(path, nb)  # validates every marker first
    marks = {}
    for ex in found:
        cell = nb.cells[ex.cell]
        cell.source = declare_answers(cell.source, solution_regions(cell.source, str(path)))
        marks[ex.cell] = {"solution": True, "grade": False, "locked": False,
                          "grade_id": f"answer_{ex.checker}"}
        if ex.checker_cell is not None:
            marks[ex.checker_cell] = {"solution": False, "grade": True, "locked": True,
                                      "points": 1, "grade_id": f"check_{ex.checker}"}
    for index, cell in enumerate(nb.cells):
        cell.source = for_students(cell)
        if index in marks:
            cell.metadata["nbgrader"] = {**marks[index], "schema_version": 3, "task": False}
    return nb


def for_students(cell) -> str:
    """A cell's source as a student sees it: without nbval's markers (they are for CI),
    and with its Colab badge and clone on the student branch."""
    source = cell.source
    if cell.cell_type == "code":
        source = "\n".join(line for line in source.split("\n")
                           if not NBVAL_MARKER.fullmatch(line.strip()))
    return to_student_branch(source)


def to_student_branch(source: str) -> str:
    """A cell's Colab badge and Colab clone pointed at the student branch, where the
    lessons are these student versions (``write(..., branch=...)`` publishes it)."""
    return (source.replace("/blob/main/notebooks/", f"/blob/{STUDENT_BRANCH}/notebooks/")
            .replace("git clone -q --depth 1 {repo}",
                     f"git clone -q --depth 1 -b {STUDENT_BRANCH} {{repo}}"))


def uses_of_solutions(nb, found) -> set[int]:
    """The code cells after an exercise that use what its solution defines: their stored
    outputs were computed from the solution, so the student version must not show them."""
    uses = set()
    for ex in found:
        names = [a or b for a, b in DEFINED.findall(nb.cells[ex.cell].source)]
        if not names:
            continue
        used = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
        uses |= {index for index in range(ex.cell + 1, len(nb.cells))
                 if index != ex.checker_cell and nb.cells[index].cell_type == "code"
                 and used.search(nb.cells[index].source)}
    return uses


def write(out: Path = DEFAULT_OUT, only=None, force: bool = False,
          folder: Path | None = None, nbgrader: bool = False) -> list[Path]:
    """Write the student versions of the lessons (``only``: some of them) into ``out``
    (``nbgrader``: nbgrader source notebooks instead, see :func:`nbgrader_source`).

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
    convert = nbgrader_source if nbgrader else student_version
    versions = {path.name: convert(path) for path in lessons(only, folder)}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in versions.items():
        nbformat.write(nb, out / name)
        written.append(out / name)
    return written


def publish(branch: str = STUDENT_BRANCH, repo: Path = ROOT, folder: Path | None = None) -> str:
    """Commit the student versions onto ``branch`` of the git repository ``repo``: the tree
    of its HEAD with each lesson in ``folder`` (default notebooks/) replaced by its student
    version, on top of the branch's last commit. The working tree, the index and the
    checked-out branch are left alone. Returns the commit (the old one when nothing
    changed); ``git push origin <branch>`` publishes it where the badges point."""
    repo, folder = Path(repo).resolve(), Path(folder or NOTEBOOKS).resolve()
    inside = folder.relative_to(repo).as_posix()

    def git(*args, env=None):
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              env=env)
        if done.returncode:
            raise UsageError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
        return done.stdout.strip()

    git("rev-parse", "--verify", "HEAD")  # a repository with a commit, or a clear error
    parent = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet",
                             f"refs/heads/{branch}"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git("read-tree", "HEAD", env=env)
        for path in write(Path(tmp) / "student", folder=folder):
            blob = git("hash-object", "-w", str(path))
            git("update-index", "--add", "--cacheinfo", f"100644,{blob},{inside}/{path.name}",
                env=env)
        tree = git("write-tree", env=env)
    if parent and git("rev-parse", f"{parent}^{{tree}}") == tree:
        return parent
    head = git("rev-parse", "--short", "HEAD")
    named = subprocess.run(["git", "-C", str(repo), "config", "user.name"],
                           capture_output=True, text=True).stdout.strip()
    who = {} if named else {f"GIT_{role}_{part}": value for role in ("AUTHOR", "COMMITTER")
                            for part, value in (("NAME", "python -m course student"),
                                                ("EMAIL", "course@localhost"))}
    commit = git("commit-tree", tree, *(["-p", parent] if parent else []),
                 "-m", f"Student versions of the lessons at {head}", env={**os.environ, **who})
    git("update-ref", f"refs/heads/{branch}", commit)
    return commit
