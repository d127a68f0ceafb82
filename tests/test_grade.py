"""`python -m course grade`: hand-ins run with the checkers grading, scored per exercise."""

import csv
import re

import nbformat
import pytest

from course.tools import grade, runner, student
from course.tools.cli import main
from course.tools.exercises import exercises

LESSON = runner.lessons(["02"])[0]
RIGHT_2_1 = ("    return ((h - f + 2 * padding) // stride + 1, (w - f + 2 * padding) // stride + 1,"
             " k)")
WRONG_2_2 = "    return f * f * c_in * k  # forgets the bias"


def hand_in(folder, name, answers=None, drop=None):
    """A student version of lesson 02 as ``name`` handed it in: ``answers`` maps an exercise
    function to the body that replaces its stub; ``drop`` names a checker cell deleted."""
    nb = student.student_version(LESSON)
    for cell in nb.cells:  # outputs a student could have faked: grading must ignore them
        if checker := re.search(r"course\.check\.lesson02\.(\w+)\(", cell.source):
            cell.outputs = [nbformat.v4.new_output(
                "stream", text=f"{checker.group(1)}: correct - faked\n")]
            cell.execution_count = 1
    for function, body in (answers or {}).items():
        [cell] = [c for c in nb.cells if c.cell_type == "code" and f"def {function}(" in c.source
                  and "raise NotImplementedError" in c.source]
        cell.source = cell.source.split("\n")[0] + "\n" + body
    if drop:
        nb.cells = [c for c in nb.cells if f"course.check.lesson02.{drop}(" not in c.source]
    path = folder / name / LESSON.name
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


# Wrong answers that forge their grade from their own cells (the checker of 2.2, the
# reference of 2.1, NumPy's comparison for 2.4), beside an honest right answer to 2.3.
FORGED = {
    "conv_output_shape": ("    return (h - f) // stride + 1, (w - f) // stride + 1, k\n\n\n"
                          "import course.ops\n\n"
                          "course.ops.output_size = lambda n, f, stride=1, padding=0: "
                          "(n - f) // stride + 1"),
    "conv_param_count": ("    return f * f * c_in * k\n\n\n"
                         "course.check.lesson02.conv_param_count = lambda answer, **options: "
                         "print('conv_param_count: correct - forged')"),
    "same_padding": ("    out = -(-n // stride)\n"
                     "    total = max((out - 1) * stride + f - n, 0)\n"
                     "    return total // 2, total - total // 2"),
    "torch_to_keras_kernel": ("    return w.reshape(w.shape[2], w.shape[3], w.shape[1], w.shape[0])"
                              "\n\n\nnp.array_equal = lambda a, b, equal_nan=False: True"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Four hand-ins graded once: right + wrong + blank, a hang, a lost checker, garbage."""
    root = tmp_path_factory.mktemp("grading")
    hand_ins = [
        hand_in(root, "alice", {"conv_output_shape": RIGHT_2_1, "conv_param_count": WRONG_2_2}),
        hand_in(root, "bob", {"conv_output_shape": "    while True:\n        pass\n\n\n"
                                                   "conv_output_shape(5, 5, 3, 1, 1, 0)"}),
        hand_in(root, "carol", {"conv_output_shape": RIGHT_2_1}, drop="conv_param_count"),
    ]
    hand_ins.append(hand_in(root, "trudy", FORGED))
    mallory = hand_in(root, "mallory")  # edits a checker cell to print a verdict
    nb = nbformat.read(mallory, as_version=4)
    [cell] = [c for c in nb.cells if "course.check.lesson02.same_padding(" in c.source]
    cell.source = ('print("same_padding: correct - trust me")\n'
                   "# course.check.lesson02.same_padding(same_padding)")
    nbformat.write(nb, mallory)
    hand_ins.append(mallory)
    (root / "dave").mkdir()
    (root / "dave" / LESSON.name).write_text("{ not a notebook")
    hand_ins.append(root / "dave" / LESSON.name)
    assert main(["grade", *map(str, hand_ins), "--out", str(root / "out"), "--timeout", "30"]) == 0
    with open(root / "out" / "gradebook.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return root / "out", {(r["student"], r["exercise"]): r for r in rows}


def test_one_right_one_wrong_one_blank_scores_one(graded):
    _, rows = graded
    alice = {ex: rows["alice", ex] for ex in ("2.1", "2.2", "2.3", "2.4")}
    assert [int(r["points"]) for r in alice.values()] == [1, 0, 0, 0]
    assert alice["2.1"]["hint"] == ""
    assert alice["2.2"]["hint"].startswith("conv_param_count: not yet - ")
    assert alice["2.3"]["hint"].startswith("same_padding: not attempted yet")
    assert all(r["lesson"] == "02" for r in alice.values())


def test_a_hand_in_that_forges_its_grade_scores_only_its_honest_answer(graded):
    _, rows = graded
    trudy = {ex: rows["trudy", ex] for ex in ("2.1", "2.2", "2.3", "2.4")}
    assert [int(r["points"]) for r in trudy.values()] == [0, 0, 1, 0]
    assert trudy["2.1"]["hint"].startswith("conv_output_shape: not yet - ")
    assert "cell" in trudy["2.1"]["hint"] and "course.ops.output_size" in trudy["2.1"]["hint"]
    assert "course.check.lesson02.conv_param_count" in trudy["2.2"]["hint"]
    assert trudy["2.4"]["hint"].startswith("torch_to_keras_kernel: not yet - ")
    assert "np.array_equal" in trudy["2.4"]["hint"]


def test_a_hang_a_lost_checker_and_garbage_are_rows_not_crashes(graded):
    out, rows = graded
    bob = [rows["bob", ex] for ex in ("2.1", "2.2", "2.3", "2.4")]
    assert [int(r["points"]) for r in bob] == [0, 0, 0, 0]
    assert all(r["hint"].startswith("not run: the run stopped in cell ") and
               r["hint"].endswith(": it ran longer than the 30 s limit") for r in bob)
    assert int(rows["carol", "2.1"]["points"]) == 1
    assert rows["carol", "2.2"]["hint"].startswith("the checker cell (course.check.lesson02."
                                                    "conv_param_count(...) is missing")
    assert "cannot be read as a notebook" in rows["dave", "-"]["hint"]
    assert rows["mallory", "2.3"]["points"] == "0"  # the checker ran as written by the course
    assert rows["mallory", "2.3"]["hint"].startswith("same_padding: not attempted yet")
    page = (out / "feedback" / "alice_02.html").read_text()
    assert "Lesson 02: 1 of 5" in page and "not yet" in page


def test_hidden_tests_run_after_their_exercise_and_count(tmp_path):
    lessons = tmp_path / "notebooks"
    lessons.mkdir()
    nb = nbformat.read(LESSON, as_version=4)
    [at] = [i for i, c in enumerate(nb.cells)
            if "course.check.lesson02.conv_output_shape(" in c.source]
    test = nbformat.v4.new_code_cell("assert conv_output_shape(1001, 1001, 1, 1) == "
                                     "(1001, 1001, 1), 'a large input'",
                                     metadata={"tags": ["hidden-tests"]})
    nb.cells.insert(at + 1, test)
    nbformat.write(nb, lessons / LESSON.name)
    # right on every case the checker tries, wrong on large inputs
    answer = hand_in(tmp_path, "erin", {"conv_output_shape": "    if h > 500:\n"
                                        "        return (0, 0, k)\n" + RIGHT_2_1})
    rows = grade.grade(answer, timeout=60, folder=lessons)
    assert (rows[0].exercise, rows[0].points) == ("2.1", 0)
    assert rows[0].hint == "a hidden test failed: AssertionError: a large input"
    handed_in = nbformat.read(answer, as_version=4)  # the hand-in itself is not changed
    assert not any("hidden-tests" in c.metadata.get("tags", []) for c in handed_in.cells)


@pytest.mark.parametrize("lesson", runner.lessons(), ids=lambda p: p.stem[:2])
def test_the_instructor_notebook_handed_in_scores_full_marks(lesson, tmp_path):
    """Every reference answer, recorded in the kernel and judged outside it, is correct."""
    import shutil

    hand_in = tmp_path / "instructor" / lesson.name
    hand_in.parent.mkdir()
    shutil.copy(lesson, hand_in)
    rows = grade.grade(hand_in, timeout=120)
    assert [(r.exercise, r.hint) for r in rows if r.points != 1] == []
    assert len(rows) == len(exercises(lesson))
