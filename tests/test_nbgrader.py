"""With real nbgrader: the course's nbgrader source notebook, generated and autograded with
the answers judged outside the kernel (`course.tools.nbgrader_judge`), scores a hand-in as
`python -m course grade` does, and a hand-in that forges its checks scores 0 for them.
nbgrader and the packages it needs beyond requirements.txt (requirements-nbgrader.txt) are
installed for this test only, into a folder of its own (by uv where `make install` put it,
a few seconds; by pip otherwise, about 15 s); without a package index the test is skipped."""

import importlib.util
import json
import os
import subprocess
import sys

import nbformat
import pytest
from test_grade import FORGED, exercises_only  # the forged lesson-02 answers; the cut lesson

from course.runtime.paths import ROOT
from course.tools import grade, runner, student
from course.tools.exercises import exercises

LESSON = runner.lessons(["02"])[0]
RIGHT = ("    return ((h - f + 2 * padding) // stride + 1, (w - f + 2 * padding) // stride + 1,"
         " k)")
WRONG = "    return f * f * c_in * k  # forgets the bias"


@pytest.fixture(scope="module")
def nbgrader_env(tmp_path_factory):
    target = tmp_path_factory.mktemp("nbgrader-install")
    installer = ([sys.executable, "-m", "uv", "pip", "install", "--python", sys.executable,
                  "--compile-bytecode"] if importlib.util.find_spec("uv")
                 else [sys.executable, "-m", "pip", "install"])
    done = subprocess.run([*installer, "-q", "--no-deps", "--target", str(target), "-r",
                           str(ROOT / "requirements-nbgrader.txt")],
                          capture_output=True, text=True)  # the rest: requirements.txt's
    if done.returncode:
        pytest.skip(f"nbgrader could not be installed here: {done.stderr.strip()[-300:]}")
    return {**os.environ, "PATH": f"{target / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(target), "COURSE_GRADING": "1", "COURSE_PROFILE": "smoke"}


def answered(nb, answers):
    """``nb`` with each stub of a function in ``answers`` replaced by the given body."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if cell.cell_type == "code" and "raise NotImplementedError" in cell.source:
            for function, body in answers.items():
                if f"def {function}(" in cell.source:
                    cell.source = cell.source.split("\n")[0] + "\n" + body
    return nb


def test_nbgrader_and_course_grade_give_the_same_points(nbgrader_env, tmp_path):
    def nbgrader(*args):
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=tmp_path,
                              env=nbgrader_env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]

    (tmp_path / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(tmp_path)!r}\n"
        "from course.tools.nbgrader_judge import judge_outside\njudge_outside(c)\n")
    # lesson 02 cut to its exercises (and the cells they read): graded in a third of the time
    lessons = exercises_only(LESSON, tmp_path / "lessons").parent
    student.write(tmp_path / "source" / "ps02", ["02"], folder=lessons, nbgrader=True)
    nbgrader("generate_assignment", "ps02", "--force")
    released = nbformat.read(tmp_path / "release" / "ps02" / LESSON.name, as_version=4)
    assert any(cell.source.startswith("stack_shapes = ...\n") and "NotImplementedError" in
               cell.source for cell in released.cells)  # the value exercise names its answer
    hand_ins = {"alice": {"conv_output_shape": RIGHT, "conv_param_count": WRONG},
                "trudy": FORGED}  # trudy: 2.3 right, the rest wrong and forged
    for name, answers in hand_ins.items():
        hand_in = tmp_path / "submitted" / name / "ps02" / LESSON.name
        hand_in.parent.mkdir(parents=True)
        nbformat.write(answered(released, answers), hand_in)
    nbgrader("autograde", "ps02", "--force")
    script = ("import json; from nbgrader.api import Gradebook\n"
              f"with Gradebook('sqlite:///{tmp_path}/gradebook.db') as gb:\n"
              f"    print(json.dumps({{s: {{g.name: g.score for g in gb.find_submission_notebook("
              f"{LESSON.stem!r}, 'ps02', s).grades}} for s in {sorted(hand_ins)!r}}}))\n")
    done = subprocess.run([sys.executable, "-c", script], env=nbgrader_env, capture_output=True,
                          text=True, check=True)
    by_nbgrader = {who: {name.removeprefix("check_"): score for name, score in grades.items()}
                   for who, grades in json.loads(done.stdout.splitlines()[-1]).items()}
    assert by_nbgrader["alice"] == {"conv_output_shape": 1.0, "conv_param_count": 0.0,
                                    "same_padding": 0.0, "torch_to_keras_kernel": 0.0,
                                    "stack_shapes": 0.0}
    assert by_nbgrader["trudy"] == {"conv_output_shape": 0.0, "conv_param_count": 0.0,
                                    "same_padding": 1.0, "torch_to_keras_kernel": 0.0,
                                    "stack_shapes": 0.0}

    checkers = [ex.checker for ex in exercises(LESSON)]
    for name in hand_ins:
        rows = grade.grade(tmp_path / "submitted" / name / "ps02" / LESSON.name, folder=lessons)
        by_course = {c: float(r.points) for c, r in zip(checkers, rows, strict=True)}
        assert by_course == by_nbgrader[name], name
