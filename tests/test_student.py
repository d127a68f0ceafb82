"""Student versions and checkers: stubs, marker errors, and every lesson's exercises.

The lesson tests apply to every notebook in notebooks/. Each lesson's student version is
executed after nbval runs the lesson, in its kernel (``StudentRun`` in conftest.py,
tests/student_run.py); the tests here check that way of running it on a small lesson.
"""

import functools
import json
import re

import nbformat
import pytest
import student_run
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from student_run import near_miss

from course.tools import student
from course.tools.cli import main
from course.tools.exercises import (
    BEGIN,
    END,
    exercises,
    solution_regions,
)
from course.tools.runner import lessons
from course.tools.student import stub_solutions

LESSONS = lessons()


def notebook(path, *cells):
    """Write a notebook of (kind, source) cells."""
    nb = new_notebook(cells=[(new_code_cell if kind == "code" else new_markdown_cell)(source)
                             for kind, source in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


FUNCTION = "def twice(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"


@pytest.fixture
def lessons_dir(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = new_notebook(cells=[
        new_markdown_cell("# Lesson\n\n**Exercise 9.1.** Write `twice(x)`: twice x. More."),
        new_code_cell(FUNCTION, execution_count=1, outputs=[
            nbformat.v4.new_output("stream", text="stale\n")]),
        new_code_cell("course.check.lesson09.twice(twice)", execution_count=2, outputs=[
            nbformat.v4.new_output("stream", text="twice: correct - right\n")]),
        new_code_cell("print('kept')", execution_count=3, outputs=[
            nbformat.v4.new_output("stream", text="kept\n")]),
        new_code_cell("assert twice(4) == 8  # instructor only"),
    ])
    nb.cells[-1].metadata["tags"] = ["hidden-tests"]
    nbformat.write(nb, folder / "09_demo.ipynb")
    return folder


# --- stubs and markers ---------------------------------------------------------------


def test_function_solution_becomes_an_indented_stub():
    stubbed = stub_solutions(FUNCTION, solution_regions(FUNCTION, "x"))
    assert stubbed == "def twice(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def test_value_solution_stub_sets_its_names_to_ellipsis():
    """A value exercise's stub raises nothing: the cell runs (Run All goes on), its names
    are `...`, and the checker says "not attempted yet" to them."""
    source = f"n = 3\n### {BEGIN}\nsize, (h, w) = 14, (1, 2)\nk: int = 64\n### {END}\nprint(n)"
    stubbed = stub_solutions(source, solution_regions(source, "x"))
    assert stubbed.splitlines() == ["n = 3", "# YOUR CODE HERE", "size = ...", "h = ...",
                                    "w = ...", "k = ...", "print(n)"]
    scope = {}
    exec(stubbed, scope)
    assert (scope["size"], scope["h"], scope["w"], scope["k"]) == (...,) * 4


def test_a_top_level_solution_that_assigns_nothing_still_raises():
    source = f"### {BEGIN}\nmodel.fit(x, y)\n### {END}"
    assert stub_solutions(source, solution_regions(source, "x")).splitlines() == [
        "# YOUR CODE HERE", "raise NotImplementedError()"]


@pytest.mark.parametrize("kind, source, problem", [
    ("code", f"x = 1\n### {BEGIN}\ny = 2", f"{BEGIN} on line 2 has no {END}"),
    ("code", f"y = 2\n### {END}", f"{END} on line 2 has no {BEGIN}"),
    ("code", f"### {BEGIN}\n### {BEGIN}\n### {END}\n### {END}",
     f"{BEGIN} on line 2 is inside the region opened on line 1"),
    ("markdown", f"Answer:\n### {BEGIN}\nsecret\n### {END}", "markers in a markdown cell"),
])
def test_malformed_markers_name_file_and_cell_and_write_nothing(tmp_path, capsys, kind, source,
                                                                problem, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook(folder / "00_fine.ipynb", ("code", FUNCTION))
    path = notebook(folder / "01_bad.ipynb", ("markdown", "# Bad"), ("code", "x = 0"),
                    (kind, source))
    monkeypatch.setattr(student, "NOTEBOOKS", folder)
    out = tmp_path / "out"
    assert main(["student", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"error: {path}:cell 2: " in err and problem in err and "Fix:" in err
    assert not out.exists()


def test_exercises_find_checker_and_statement(lessons_dir):
    (ex,) = exercises(lessons_dir / "09_demo.ipynb")
    assert (ex.lesson, ex.number, ex.cell, ex.checker, ex.checker_module, ex.checker_cell) == (
        "09", "9.1", 1, "twice", "lesson09", 2)
    assert ex.statement == "Write `twice(x)`: twice x." and ex.title == "9.1 `twice`"


# --- the student version -------------------------------------------------------------


def test_student_version_stubs_clears_and_removes_hidden_tests(lessons_dir):
    path = lessons_dir / "09_demo.ipynb"
    before = path.read_bytes()
    nb = student.student_version(path)
    assert path.read_bytes() == before
    sources = [c.source for c in nb.cells]
    assert "return 2 * x" not in "".join(sources) and "raise NotImplementedError()" in sources[1]
    assert len(nb.cells) == 4, "the hidden-tests cell is removed"
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None
    assert nb.cells[2].outputs == [], "a stored 'correct' must not reach the student"
    assert nb.cells[3].outputs[0].text == "kept\n", "other outputs stay"
    assert nb.metadata["course"] == {"version": "student", "source": "notebooks/09_demo.ipynb",
                                     "exercises": 1}


def test_student_cli_refuses_to_overwrite_and_force_writes(lessons_dir, tmp_path, capsys,
                                                           monkeypatch):
    monkeypatch.setattr(student, "NOTEBOOKS", lessons_dir)
    out = tmp_path / "student"
    assert main(["student", "--out", str(out)]) == 0
    written = out / "09_demo.ipynb"
    assert f"wrote {written}" in capsys.readouterr().out
    written.write_text("edited by hand")
    assert main(["student", "--out", str(out)]) == 2
    assert "already exists and is not empty; nothing was written" in capsys.readouterr().err
    assert written.read_text() == "edited by hand"
    assert main(["student", "--out", str(out), "--force"]) == 0
    assert json.loads(written.read_text())["metadata"]["course"]["version"] == "student"


@pytest.mark.parametrize("out", [".", "sub"])
def test_student_never_writes_into_the_notebooks(lessons_dir, capsys, monkeypatch, out):
    monkeypatch.setattr(student, "NOTEBOOKS", lessons_dir)
    before = {p: p.read_bytes() for p in lessons_dir.iterdir()}
    assert main(["student", "--out", str(lessons_dir / out), "--force"]) == 2
    assert "the instructor notebooks. Fix: choose another --out" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in lessons_dir.iterdir()} == before


# --- every lesson --------------------------------------------------------------------


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    """The student versions of every lesson; the instructor notebooks must not change."""
    before = {path: path.read_bytes() for path in LESSONS}
    out = tmp_path_factory.mktemp("student")
    student.write(out)
    assert {path: path.read_bytes() for path in LESSONS} == before
    return out


def public_text(path):
    """What a student may see of the instructor notebook: sources outside solutions."""
    nb = nbformat.read(path, as_version=4)
    lines = []
    for index, cell in enumerate(nb.cells):
        if "hidden-tests" in cell.metadata.get("tags", []):
            continue
        source = cell.source.splitlines()
        inside = set()
        if cell.cell_type == "code":
            for begin, end in solution_regions(cell.source, f"{path}:cell {index}"):
                inside.update(range(begin, end + 1))
        lines += [line for n, line in enumerate(source)
                  if n not in inside and not line.startswith("# NBVAL_")]
    return "\n".join(lines)


def solution_lines(path):
    nb = nbformat.read(path, as_version=4)
    found = []
    for ex in exercises(path, nb):
        source = nb.cells[ex.cell].source.splitlines()
        for begin, end in solution_regions(nb.cells[ex.cell].source, ""):
            found += [line.strip() for line in source[begin + 1:end] if line.strip()]
    return found


def all_text(node):
    """Every string in a notebook, joined: sources, outputs, metadata."""
    if isinstance(node, str):
        return node
    values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    return "\n".join(all_text(value) for value in values)


def test_there_are_exercises():
    assert any(exercises(path) for path in LESSONS)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_exercise_has_a_statement_and_a_checker(path):
    import importlib

    for ex in exercises(path):
        where = f"{path.name}, cell {ex.cell}"
        assert ex.number and ex.statement, (
            f"{where}: put the statement before it, starting **Exercise {path.name[:2]}.N.**")
        assert ex.checker, f"{where}: call course.check.lesson{ex.lesson}.<name>(...) after it"
        assert ex.checker_module == f"lesson{ex.lesson}", f"{where}: wrong checker module"
        module = importlib.import_module(f"course.check.{ex.checker_module}")
        assert hasattr(getattr(module, ex.checker, None), "__wrapped__"), (
            f"{where}: course.check.{ex.checker_module}.{ex.checker} must be an @checker")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_instructor_notebook_passes_every_checker(path):
    nb = nbformat.read(path, as_version=4)
    for ex in exercises(path, nb):
        assert ex.checker_cell is not None, f"{path.name}, cell {ex.cell}: no checker call"
        printed = "".join(o.get("text", "") for o in nb.cells[ex.checker_cell].outputs)
        assert f"{ex.checker}: correct - " in printed, (
            f"{path.name}, cell {ex.checker_cell}: the stored checker output is {printed!r}")


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_student_version_contains_no_solution_line(path, student_dir):
    text = all_text(nbformat.read(student_dir / path.name, as_version=4))
    public = public_text(path)
    leaked = [line for line in solution_lines(path) if line in text and line not in public]
    assert not leaked, f"{path.name}: solution lines in the student version: {leaked}"
    assert BEGIN not in text and END not in text
    assert "NBVAL_" not in text, "nbval's markers are CI's business, not the student's"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_outputs_computed_from_a_solution_are_not_shown(path, student_dir):
    nb = nbformat.read(path, as_version=4)
    derived = student.uses_of_solutions(nb, exercises(path, nb))
    def key(source):  # the student version has no nbval markers
        return [line for line in source.split("\n") if not line.startswith("# NBVAL_")]

    shown = {tuple(key(cell.source)): cell.get("outputs", [])
             for cell in nbformat.read(student_dir / path.name, as_version=4).cells}
    for index in derived:
        assert shown[tuple(key(nb.cells[index].source))] == [], (
            f"{path.name} cell {index} keeps its outputs")
    if path.name.startswith(("05", "06")):  # the confusion figure; AlexNet's sizes, printed
        assert derived, f"{path.name}: a cell uses a solution, and none was found"


# --- executing the student versions (after nbval: StudentRun in conftest.py) ----------

BRIGHTEN = ("def brighten(images, amount):\n    ### BEGIN SOLUTION\n"
            "    return np.clip(images.astype(np.int16) + amount, 0, 255).astype(np.uint8)\n"
            "    ### END SOLUTION")


def demo_lesson(folder, *uses):
    """Lesson 00 cut to exercise 0.2 and its checker, then the cells ``uses``."""
    return notebook(folder / "00_demo.ipynb",
                    ("markdown", "**Exercise 0.2.** Write `brighten(images, amount)`."),
                    ("code", "import course\nimport numpy as np\n"
                             "pixels = np.array([0, 100, 250], np.uint8)"),
                    ("code", BRIGHTEN), ("code", "course.check.lesson00.brighten(brighten)"),
                    ("code", "slow = sum(range(10))  # the lesson's own: not run again"),
                    *(("code", use) for use in uses))


def test_the_check_runs_what_reads_an_answer_and_forgets_what_only_answers_define(tmp_path):
    guarded = ('if course.check.done(brighten, "0.2"):\n    bright = brighten(pixels, 10)\n'
               "else:\n    bright = pixels")
    path = demo_lesson(tmp_path, f"{guarded}\nextra = 1", "print(bright, slow)",
                       "bright = pixels  # the lesson's own value", "print(bright)")
    steps, forget = student_run.plan(path)
    assert [(s.cell, s.checker, s.probe) for s in steps] == [
        (2, None, False), (3, "brighten", False), (3, "brighten", True), (5, None, False),
        (6, None, False)]
    assert steps[3].source == guarded  # `extra = 1` reads no answer
    assert forget == {"brighten", "bright"}  # `slow` is the lesson's own, read as it left it


@pytest.mark.parametrize("source, reads", [
    ("for i in range(2):\n    bright = bright + 1", {"bright"}),  # the loop's i is its own
    ("del bright", {"bright"}),
    ("%time out = brighten(pixels, 1)", {"brighten", "pixels"}),  # magics hold code as text
    ("[(last := f(x)) for x in xs]", {"f", "xs"}),
    ("with open(name) as handle:\n    text = handle.read()", {"open", "name"}),
])
def test_a_statement_reads_what_it_uses_before_it_gives_it_a_value(source, reads):
    [statement] = student_run.statements(source)
    assert reads <= statement.reads
    assert not {"i", "x", "handle"} & statement.reads
    if "last" in source:
        assert "last" in statement.writes  # a walrus in a comprehension binds outside it


@pytest.mark.parametrize("uses, error", [
    (["print(brighten(pixels, 10))"], "NotImplementedError"),
    (['if course.check.done(brighten, "0.2"):\n    bright = brighten(pixels, 10)\n'
      "print(bright)"], "NameError"),
    # given the lesson's own value only later: Run All fails before it
    (['if course.check.done(brighten, "0.2"):\n    bright = brighten(pixels, 10)',
      "print(bright)", "bright = pixels"], "NameError"),
    # filled only where the answer is done
    (["results = {}", 'if course.check.done(brighten, "0.2"):\n'
      '    results["mine"] = brighten(pixels, 10)', 'print(results["mine"])'], "KeyError"),
])
def test_the_check_finds_a_cell_that_fails_in_the_student_version(tmp_path, uses, error):
    from jupyter_client.manager import start_new_kernel
    from nbclient import NotebookClient

    path = demo_lesson(tmp_path, *uses)
    nb = nbformat.read(path, as_version=4)
    if error == "KeyError":  # the lesson's full run fills it: the check must empty it again
        nb.cells[-1].source = 'print(results["mine"].max())'
        nbformat.write(nb, path)
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        runner = NotebookClient(nb, km=manager, allow_errors=True)
        runner.kc = client
        for index, cell in enumerate(nb.cells):  # the lesson, as nbval runs it
            if cell.cell_type == "code":
                runner.execute_cell(cell, index)
        assert not [o for c in nb.cells for o in c.get("outputs", [])
                    if o.output_type == "error"]
        ran = student_run.run(client, path)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert [(step.checker, step.probe) for step, _, _ in ran[:3]] == [
        (None, False), ("brighten", False), ("brighten", True)]
    assert ran[1][1].startswith("brighten: not attempted yet")
    assert re.match(r"brighten: not yet - \S", ran[2][1])
    assert [err for _, _, err in ran[:-1]] == [None] * (len(ran) - 1)
    assert ran[-1][2] is not None and ran[-1][2]["ename"] == error, ran[-1]


def test_near_miss_changes_each_kind_of_answer():
    import numpy as np

    assert near_miss(14) == 15 and near_miss(2.0) == 4.0 and near_miss(True) is False
    assert near_miss((14, 14, 64)) == (15, 14, 64)
    np.testing.assert_array_equal(near_miss(np.array([255, 3], np.uint8)), [254, 3])
    wrapped = near_miss(functools.partial(np.zeros, 2))
    np.testing.assert_array_equal(wrapped(), [1, 0])
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])
    assert near_miss(model).output_shape == (None, 3)
    with pytest.raises(TypeError, match="teach near_miss"):
        near_miss(object())


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_badge_link_or_setup_cell_opens_an_instructor_notebook(path, student_dir):
    nb = nbformat.read(student_dir / path.name, as_version=4)
    text = "\n".join(cell.source for cell in nb.cells)
    assert f"/blob/student/notebooks/{path.name}" in text, "the badge opens the student branch"
    assert "/blob/main/" not in text and "tree/main/notebooks" not in text
    assert "git clone -q --depth 1 -b student {repo}" in nb.cells[1].source


def test_publish_commits_the_student_versions_to_a_branch(tmp_path):
    import shutil
    import subprocess

    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path), *args], check=True,
                              capture_output=True, text=True).stdout

    lesson = LESSONS[2]
    (tmp_path / "notebooks").mkdir()
    shutil.copy(lesson, tmp_path / "notebooks" / lesson.name)
    (tmp_path / "README.md").write_text("course\n")
    git("init", "-q", "-b", "main")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", "lessons")
    before = (tmp_path / "notebooks" / lesson.name).read_bytes()
    commit = student.publish("student", repo=tmp_path, folder=tmp_path / "notebooks")
    published = git("show", f"student:notebooks/{lesson.name}")
    assert "raise NotImplementedError()" in published and BEGIN not in published
    assert f"/blob/student/notebooks/{lesson.name}" in published
    assert git("show", "student:README.md") == "course\n"  # the rest of the tree is main's
    assert (tmp_path / "notebooks" / lesson.name).read_bytes() == before
    assert git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert git("status", "--porcelain") == ""  # working tree and index untouched
    assert student.publish("student", repo=tmp_path, folder=tmp_path / "notebooks") == commit


def test_nbgrader_source_marks_each_answer_and_its_test():
    lesson = LESSONS[2]
    nb = student.nbgrader_source(lesson)
    marked = {index: cell.metadata["nbgrader"] for index, cell in enumerate(nb.cells)
              if "nbgrader" in cell.metadata}
    found = exercises(lesson)
    assert sorted(marked) == sorted([e.cell for e in found] + [e.checker_cell for e in found])
    for ex in found:
        assert marked[ex.cell]["solution"] and not marked[ex.cell]["grade"]
        assert marked[ex.checker_cell]["grade"] and marked[ex.checker_cell]["points"] == 1
        assert BEGIN in nb.cells[ex.cell].source  # nbgrader itself strips the solution
    assert len({m["grade_id"] for m in marked.values()}) == len(marked)


def test_the_student_command_writes_nbgrader_sources_with_its_flag(tmp_path, capsys):
    assert main(["student", "02", "--nbgrader", "--out", str(tmp_path)]) == 0
    written = nbformat.read(tmp_path / LESSONS[2].name, as_version=4)
    expected = student.nbgrader_source(LESSONS[2])
    assert [c.metadata.get("nbgrader") for c in written.cells] == [
        c.metadata.get("nbgrader") for c in expected.cells]
    assert "(nbgrader source)" in capsys.readouterr().out


def test_nbgrader_source_names_what_a_value_exercise_assigns():
    nb = student.nbgrader_source(LESSONS[2])
    [cell] = [c for c in nb.cells if BEGIN in c.source and "stack_shapes = [" in c.source]
    assert cell.source.startswith("stack_shapes = ...\n### " + BEGIN)
    scope = {}
    exec(cell.source, scope)  # the instructor's answer still sets it
    assert len(scope["stack_shapes"]) == 5
    functions = [c for c in nb.cells if BEGIN in c.source and "def " in c.source]
    assert functions and not any(c.source.splitlines()[0].endswith("= ...")
                                 for c in functions)  # a function stub says its own name


def test_an_unknown_exercise_kind_is_an_error_that_lists_the_kinds(tmp_path):
    import nbformat

    from course.tools.exercises import MarkerError, exercises

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("**Exercise 9.9 (guess).** Write `f`."),
        nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n"
                                  "    ### END SOLUTION")])
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(MarkerError, match="'guess', which is not one of 'transcribe', 'implement'"):
        exercises(path)
    nb.cells[0].source = "**Exercise 9.9 (debug).** Fix `f`."
    nbformat.write(nb, path)
    (found,) = exercises(path)
    assert (found.number, found.kind) == ("9.9", "debug")
