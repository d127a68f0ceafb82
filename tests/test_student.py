"""Student versions and checkers: stubs, marker errors, and every lesson's exercises.

The lesson tests apply to every notebook in notebooks/. `test_student_version_runs`
executes each lesson's student version once, in one kernel, in the smoke profile (the
cost of nbval), as Run All would: no cell may fail; deselect it with
`-k "not student_version_runs"` when iterating.
"""

import ast
import functools
import inspect
import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.runtime.paths import NOTEBOOKS
from course.tools import student
from course.tools.cli import main
from course.tools.exercises import (
    BEGIN,
    CHECK_CALL,
    END,
    exercises,
    solution_regions,
)
from course.tools.runner import lessons
from course.tools.student import stub_solutions

LESSONS = lessons()
STUB_LINE = re.compile(r"^-+> +\d+ (.*)$", re.MULTILINE)  # IPython's "----> 3  code" line
ANSI = re.compile(r"\x1b\[[0-9;]*m")


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


# --- executing the student versions --------------------------------------------------


def near_miss(answer):
    """A slightly wrong copy of a right answer: its first number changed."""
    import functools

    import numpy as np

    if type(answer).__name__ == "KerasTensor":  # a functional-API output: one unit more
        import keras

        return keras.layers.Dense(answer.shape[-1] + 1)(answer)
    if hasattr(answer, "get_config") and hasattr(answer, "layers"):  # a Keras model
        config = answer.get_config()  # one more unit in the last layer that has units
        [layer for layer in config["layers"] if "units" in layer["config"]][-1]["config"][
            "units"] += 1
        return type(answer).from_config(config)
    if callable(answer) and not isinstance(answer, type):

        @functools.wraps(answer)
        def wrong(*args, **kwargs):
            result = answer(*args, **kwargs)
            if result is None and args and hasattr(args[0], "layers"):  # changed a model
                layer = next(la for la in args[0].layers if la.weights)  # in place
                layer.trainable = not layer.trainable
                return None
            return near_miss(result)

        return wrong
    if hasattr(answer, "__array__") and not isinstance(answer, np.ndarray | np.generic):
        answer = np.asarray(answer)  # tensors
    if isinstance(answer, bool | np.bool_):
        return not answer
    if isinstance(answer, int | np.integer):
        return answer + 1
    if isinstance(answer, float | np.floating):
        return answer * 1.5 + 1
    if isinstance(answer, np.ndarray) and answer.size:
        wrong = answer.copy()
        first = wrong.flat[0]
        wrong.flat[0] = (not first) if wrong.dtype == bool else (
            first ^ 1 if wrong.dtype.kind in "iu" else first * 1.5 + 1)
        return wrong
    if isinstance(answer, str):
        return answer + "?"
    if type(answer) in (tuple, list) and answer:
        return type(answer)([near_miss(answer[0]), *answer[1:]])
    raise TypeError(f"no near miss for a {type(answer).__name__}: teach near_miss() in "
                    "tests/test_student.py how to change one")


def probe_source(checker_source, reference):
    """A cell that calls the checker with the reference answer made slightly wrong.

    The reference solutions (instructor cells) run in a copy of the kernel's globals, so
    the student's own state is left as it was.
    """
    tree = ast.parse(checker_source)
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call)
                and CHECK_CALL.match(ast.unparse(node.func) + "("))
    answer = ast.get_source_segment(checker_source, call.args[0])
    rest = "".join(", " + ast.get_source_segment(checker_source, arg)
                   for arg in [*call.args[1:], *call.keywords])
    lines = ["_reference = dict(globals())",
             f"exec(get_ipython().transform_cell({reference!r}), _reference)"]
    checker = _resolve(ast.unparse(call.func))
    if getattr(checker, "prediction", False):  # a prediction is written by hand: type it in
        lines += [f"_probe = _near_miss(eval({answer!r}, _reference))",
                  "get_ipython().run_cell('_prediction = ' + _written(_probe), "
                  "store_history=True)",
                  f"get_ipython().run_cell('{ast.unparse(call.func)}(_prediction{rest})', "
                  "store_history=True)"]
    else:
        lines.append(f"{ast.unparse(call.func)}(_near_miss(eval({answer!r}, _reference)){rest})")
    return "\n".join([*lines, "del _reference"])


def written(value):
    """``value`` as the literal a student would type."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, tuple | list):
        items = ", ".join(map(written, value))
        return f"({items},)" if isinstance(value, tuple) else f"[{items}]"
    return repr(value)


def _resolve(dotted):
    import importlib

    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def with_probes(student_nb, path):
    """The student notebook plus, after each checker cell, a near-miss probe of it."""
    instructor = nbformat.read(path, as_version=4)
    by_checker = {ex.checker: ex for ex in exercises(path, instructor)}
    setup = new_code_cell(inspect.getsource(near_miss).replace("near_miss", "_near_miss")
                          + "\n\n" + inspect.getsource(written).replace("written", "_written"),
                          metadata={"probe": "setup"})
    cells = [setup]
    for index, cell in enumerate(student_nb.cells):
        cell.metadata["student_cell"] = index
        cells.append(cell)
        call = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if call:
            cell.metadata["checker"] = call.group(2)
            done = [e for e in by_checker.values() if e.cell <= by_checker[call.group(2)].cell]
            reference = "\n".join(instructor.cells[e.cell].source for e in done)
            cells.append(new_code_cell(probe_source(cell.source, reference),
                                       metadata={"probe": call.group(2), "student_cell": index}))
    student_nb.cells = cells
    return student_nb


def printed(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def answers_used(source, path):
    """The exercises of lesson ``path`` whose answer ``source`` uses: the names each one's
    solution cell defines, loaded by ``source`` (e.g. ``["4.3 `conv_backward`"]``)."""
    nb = nbformat.read(path, as_version=4)
    used = []
    for ex in exercises(path, nb):
        names = [a or b for a, b in student.DEFINED.findall(nb.cells[ex.cell].source)]
        if any(re.search(rf"\b{re.escape(name)}\b", source) for name in names):
            used.append(f"{ex.number} `{'`, `'.join(names)}`")
    return used


def test_answers_used_names_the_exercise_a_cell_depends_on(lessons_dir):
    path = lessons_dir / "09_demo.ipynb"
    assert answers_used("print(twice(4))", path) == ["9.1 `twice`"]
    assert answers_used("print(thrice(4))", path) == []


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_student_version_runs(path, student_dir, no_env):
    """Run All goes through: no cell fails, not even beside a stub; checkers say "not
    attempted yet", and hint at a near miss."""
    from nbclient import NotebookClient

    no_env.setenv("COURSE_PROFILE", "smoke")
    nb = with_probes(nbformat.read(student_dir / path.name, as_version=4), path)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}},
                   extra_arguments=["--IPKernelApp.capture_fd_output=False"]).execute()
    checked = []
    for cell in nb.cells:
        where = f"{path.name} (student version), cell {cell.metadata.get('student_cell')}"
        if "probe" in cell.metadata:
            where = f"the near-miss probe after {where}"
        for out in cell.get("outputs", []):
            if out.output_type != "error":
                continue
            trace = ANSI.sub("", "\n".join(out.traceback))[-1500:]
            assert "probe" not in cell.metadata, f"{where} failed with {out.ename}\n{trace}"
            used = answers_used(cell.source, path)
            why = (f"It uses the answer of exercise {' and '.join(used)}, a stub until the "
                   "student writes it: guard what uses the answer with `if course.check.done("
                   "<answer>, \"<N.M>\"):` (and an `else:` for a fallback the lesson needs)"
                   if used else "No exercise's answer appears in it by name: find the stub it "
                   "depends on, and guard the cell with course.check.done")
            pytest.fail(f"{where} failed with {out.ename}: {out.evalue}, and Run All stops "
                        f"there. {why}\n{trace}")
        if "checker" in cell.metadata:
            assert "not attempted yet" in printed(cell), f"{where}: {printed(cell)!r}"
        if cell.metadata.get("probe", "setup") != "setup":
            line = printed(cell).strip()
            assert re.match(r"\w+: not yet - \S", line), (
                f"{where}: the checker {cell.metadata['probe']} should give a specific hint for "
                f"a near miss of the solution; it printed {line!r}")
            checked.append(cell.metadata["probe"])
    assert checked == [ex.checker for ex in exercises(path)]


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
