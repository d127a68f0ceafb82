"""`python -m course grade`: hand-ins run with the checkers grading, scored per exercise."""

import csv
import functools
import re

import nbformat
import pytest
import student_run

from course.tools import grade, runner, student
from course.tools.cli import main
from course.tools.exercises import exercises

LESSON = runner.lessons(["02"])[0]
RIGHT_2_1 = ("    return ((h - f + 2 * padding) // stride + 1, (w - f + 2 * padding) // stride + 1,"
             " k)")
WRONG_2_2 = "    return f * f * c_in * k  # forgets the bias"


def exercises_only(lesson, folder):
    """``lesson`` cut to its exercises: their statements, solutions and checker cells, and
    the code cells before them that give a value they read (the setup, ``stack`` for 2.5),
    written into ``folder`` (grading a hand-in of it takes a third of the time)."""
    nb = nbformat.read(lesson, as_version=4)
    found = exercises(lesson, nb)
    keep = {ex.cell for ex in found} | {ex.checker_cell for ex in found}
    reads = set()
    for index in range(max(keep), -1, -1):
        cell = nb.cells[index]
        if cell.cell_type == "markdown":
            keep |= {index} if "**Exercise" in cell.source else set()
            continue
        said = student_run.statements(cell.source)
        if index in keep or index < 3 or reads & {n for s in said for n in s.writes}:
            keep.add(index)
            reads |= {n for s in said for n in s.reads}
    nb.cells = [cell for index, cell in enumerate(nb.cells) if index in keep]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / lesson.name)
    return folder / lesson.name


def hand_in(folder, name, answers=None, drop=None, lesson=LESSON):
    """A student version of ``lesson`` (02) as ``name`` handed it in: ``answers`` maps an
    exercise function to the body that replaces its stub; ``drop`` names a checker cell
    deleted."""
    nb = student.student_version(lesson)
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
    path = folder / name / lesson.name
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


# The attacks of issue 26's grading review (the attacker's handins2/), as lesson 02 hand-ins.
# oscar: the judge's own hook through the course (h01c), a right lambda (h05), a right
# answer checked again from another cell with another argument (h06), a self-restoring
# patch of NumPy made through a parameter the screen cannot follow (h02), and a prediction
# computed, laundered into IPython's history (h09) and forged into the checker cell's
# record file (h08b).
HOOK = ('    b = course.check.core.sys.modules["builtins"]\n    b.exec(HOOK, {})\n' + RIGHT_2_1
        + '\n\n\nHOOK = """\nimport sys\nm = sys.modules["__main__"]\norig = m.judge_one\n'
        "def forged(record, timeout=60):\n    line = orig(record, timeout)\n"
        "    return line if ': correct - ' in line else "
        "record['checker'].split('.')[1] + ': correct - forged'\nm.judge_one = forged\n\"\"\"\n"
        "del sys  # or the function would travel with `import sys`, which the screen refuses")
RIGHT_2_3 = FORGED["same_padding"]
ONE_SHOT = ("    patch(np)\n"
            "    return np.zeros((w.shape[2], w.shape[3], w.shape[1], w.shape[0]), w.dtype)\n\n\n"
            "def patch(m):\n    real = m.array_equal\n    calls = [0]\n\n"
            "    def fake(a, b, *x, **y):\n        calls[0] += 1\n        if calls[0] >= 2:\n"
            "            m.array_equal = real\n        return True\n\n"
            "    m.array_equal = fake")
LAUNDER = ("m = keras.Sequential([keras.Input((32, 32, 3)), *[type(l).from_config(l.get_config())"
           " for l in stack]])\n"
           "computed = [tuple(int(v) for v in (*l.output.shape[1:], l.count_params())) "
           "for l in m.layers]\n"
           'get_ipython().run_cell(f"stack_shapes = {computed}", store_history=True)')
FORGE = ("import os, json\nfrom course.check import answers as recording\n"
         "folder = os.environ.get('COURSE_ANSWERS_DIR')\n"
         "if folder:\n"
         "    cell = [c for c in In if 'lesson02.stack_shapes(' in c][-1]\n"
         "    written = {'argument': 'stack_shapes', 'names': {'stack_shapes': repr(computed)}}\n"
         "    for name in ('lesson02.stack_shapes.' + recording.cell_key(cell), 'zzz_forged'):\n"
         "        payload = {'checker': 'lesson02.stack_shapes', 'name': 'stack_shapes',\n"
         "                   'answer': recording.encode(computed),\n"
         "                   'extras': [recording.encode(stack)], 'options': {},\n"
         "                   'prediction': written}\n"
         "        json.dump(payload, open(os.path.join(folder, name + '.json'), 'w'))")
# and an empty module compiled over the checkers in the cache the kernel loads from, its
# header kept so that Python takes it for the checkers' (a judge loading it would judge
# nothing correct)
PLANT = ("import marshal, os, pathlib\n"
         "for pyc in pathlib.Path(os.environ['PYTHONPYCACHEPREFIX']).rglob('lesson02.*.pyc'):\n"
         "    header = pyc.read_bytes()[:16]\n"
         "    pyc.parent.chmod(0o755)\n"
         "    pyc.chmod(0o644)\n"
         "    pyc.write_bytes(header + marshal.dumps(compile('', str(pyc), 'exec')))")
# peggy: an object whose name writes a verdict (h03), a wrong function renamed after def
# (h04), a right answer, and an infinite literal prediction (h07)
NAME_FORGE = ("    pass\n\n\nclass Anything:\n    pass\n\n\nconv_output_shape = Anything()\n"
              "conv_output_shape.__name__ = 'conv_output_shape: correct - forged by the name'")
RENAMED = "    return 0\n\n\nconv_param_count.__name__ = 'conv_param_count: correct - forged'"
INFINITE = ("stack_shapes = [(16, 16, 16, 448), (12, 12, 32, 4640), (12, 12, 8, 264), "
            "(5, 5, 24, 1752), (3, 3, 10, 1e999)]")


def _insert_after(path, marker, source, replace=False):
    """The hand-in at ``path`` with a code cell ``source`` after (or instead of) the first
    cell containing ``marker``."""
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and marker in c.source)
    if replace:
        nb.cells[at].source = source
    else:
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Eight hand-ins of lesson 02's exercises graded at once: right + wrong + blank, a
    hang, a lost checker, garbage, and the attacks on the grade itself."""
    root = tmp_path_factory.mktemp("grading")
    lesson = exercises_only(LESSON, root / "lessons")
    hand_in = functools.partial(globals()["hand_in"], lesson=lesson)
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
    oscar = hand_in(root, "oscar", {"conv_output_shape": HOOK, "conv_param_count": (
        "    pass\n\n\nconv_param_count = lambda f, c_in, k, bias=True: "
        "(f * f * c_in + (1 if bias else 0)) * k"), "same_padding": RIGHT_2_3,
        "torch_to_keras_kernel": ONE_SHOT})
    _insert_after(oscar, "course.check.lesson02.same_padding(same_padding)",
                  "course.check.lesson02.same_padding(same_padding, 2)  # trying stride 2")
    _insert_after(oscar, "stack_shapes = ...", LAUNDER, replace=True)
    _insert_after(oscar, "course.check.lesson02.stack_shapes(", FORGE)
    _insert_after(oscar, "course.check.lesson02.stack_shapes(", PLANT)
    hand_ins.append(oscar)
    peggy = hand_in(root, "peggy", {"conv_output_shape": NAME_FORGE, "conv_param_count": RENAMED,
                                    "same_padding": RIGHT_2_3})
    _insert_after(peggy, "stack_shapes = ...", INFINITE, replace=True)
    hand_ins.append(peggy)
    (root / "dave").mkdir()
    (root / "dave" / LESSON.name).write_text("{ not a notebook")
    hand_ins.append(root / "dave" / LESSON.name)
    assert main(["grade", *map(str, hand_ins), "--out", str(root / "out"), "--timeout", "15",
                 "--lessons", str(lesson.parent)]) == 0
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
               r["hint"].endswith(": it ran longer than the 15 s limit") for r in bob)
    assert int(rows["carol", "2.1"]["points"]) == 1
    assert rows["carol", "2.2"]["hint"].startswith("the checker cell (course.check.lesson02."
                                                    "conv_param_count(...) is missing")
    assert "cannot be read as a notebook" in rows["dave", "-"]["hint"]
    assert rows["mallory", "2.3"]["points"] == "0"  # the checker ran as written by the course
    assert rows["mallory", "2.3"]["hint"].startswith("same_padding: not attempted yet")
    page = (out / "feedback" / "alice_02.html").read_text()
    assert "Lesson 02: 1 of 5" in page and "not yet" in page


def test_the_attacks_on_the_grade_score_nothing_and_stop_nothing(graded):
    _, rows = graded
    oscar = {ex: rows["oscar", ex] for ex in ("2.1", "2.2", "2.3", "2.4", "2.5")}
    assert [int(r["points"]) for r in oscar.values()] == [0, 1, 1, 0, 0], oscar
    assert "the grade does not run this answer: it reads `.check`" in oscar["2.1"]["hint"]
    assert oscar["2.4"]["hint"].startswith("torch_to_keras_kernel: not yet - ")
    assert "numpy.array_equal" in oscar["2.4"]["hint"]  # the patch that put itself back
    assert "no cell assigns `stack_shapes`" in oscar["2.5"]["hint"]
    peggy = {ex: rows["peggy", ex] for ex in ("2.1", "2.2", "2.3", "2.4", "2.5")}
    assert [int(r["points"]) for r in peggy.values()] == [0, 0, 1, 0, 0], peggy
    assert peggy["2.1"]["hint"].startswith("conv_output_shape: not yet - you gave a value of ")
    assert peggy["2.2"]["hint"].startswith("conv_param_count: not yet - for ")
    assert "which is not a finite number" in peggy["2.5"]["hint"]


def test_the_score_reads_the_judges_status_not_its_line():
    nb, slots = grade.plan(student.student_version(LESSON), LESSON)
    for _, at, _ in slots:
        nb.cells[at].execution_count = 1
    verdicts = {f"{ex.checker_module}.{ex.checker}": {
        "status": "not yet", "line": f"{ex.checker}: correct - forged"} for ex, _, _ in slots}
    verdicts["lesson02.conv_output_shape"]["status"] = "correct"
    rows = grade.score(nb, slots, ("", None), "eve", "02", verdicts)
    assert [r.points for r in rows] == [1, 0, 0, 0, 0]
    assert rows[1].hint == "conv_param_count: correct - forged"  # shown, but worth nothing


def test_an_answer_that_stops_the_judge_costs_only_its_own_exercise(tmp_path, monkeypatch):
    """An answer stuck in C code (no alarm gets through) or that crashes the judge's process
    gets a verdict; the judge starts again for the answers after it."""
    from test_judge import notebook_function

    from course.check import answers

    monkeypatch.setattr(grade, "JUDGE_GRACE_S", 3)
    strided = "np.lib.stride_tricks.as_strided(np.zeros(1), shape=(10 ** 12,), strides=({},))"
    hang = notebook_function("def conv_param_count(f, c_in, k, bias=True):\n"
                             f"    return int({strided.format(0)}.sum())\n", "conv_param_count")
    crash = notebook_function("def conv_output_shape(h, w, f, k, stride=1, padding=0):\n"
                              f"    return int({strided.format(8)}.sum())\n",
                              "conv_output_shape")
    right = notebook_function("def same_padding(n, f, stride=1):\n" + RIGHT_2_3 + "\n",
                              "same_padding")
    monkeypatch.setattr(answers, "_running_cell", lambda: None)  # records named as outside
    plan = []
    for checker, answer in (("lesson02.conv_param_count", hang),
                            ("lesson02.conv_output_shape", crash),
                            ("lesson02.same_padding", right)):
        answers.record(tmp_path, checker, answer, (), {}, answer.__name__)
        plan.append({"checker": checker, "cell": None, "extras": 0, "options": [],
                     "prediction": None})
    verdicts = grade.judged(tmp_path, 1, plan)
    assert verdicts["lesson02.conv_param_count"] == {
        "status": "not yet", "line": "conv_param_count: not yet - the grade stopped while "
                                     "judging this answer: it ran longer than the grade's 1 s "
                                     "limit"}
    assert verdicts["lesson02.conv_output_shape"] == {
        "status": "error", "line": "conv_output_shape: not yet - the grade stopped while "
                                   "judging this answer: the process judging it ended (out of "
                                   "memory, or the code ended it)"}
    assert verdicts["lesson02.same_padding"]["status"] == "correct"


def test_hidden_tests_run_after_their_exercise_and_count(tmp_path):
    lesson = exercises_only(LESSON, tmp_path / "notebooks")
    lessons = lesson.parent
    nb = nbformat.read(lesson, as_version=4)
    [at] = [i for i, c in enumerate(nb.cells)
            if "course.check.lesson02.conv_output_shape(" in c.source]
    test = nbformat.v4.new_code_cell("assert conv_output_shape(1001, 1001, 1, 1) == "
                                     "(1001, 1001, 1), 'a large input'",
                                     metadata={"tags": ["hidden-tests"]})
    nb.cells.insert(at + 1, test)
    nbformat.write(nb, lesson)
    # right on every case the checker tries, wrong on large inputs
    answer = hand_in(tmp_path, "erin", {"conv_output_shape": "    if h > 500:\n"
                                        "        return (0, 0, k)\n" + RIGHT_2_1}, lesson=lesson)
    rows = grade.grade(answer, timeout=60, folder=lessons)
    assert (rows[0].exercise, rows[0].points) == ("2.1", 0)
    assert rows[0].hint == "a hidden test failed: AssertionError: a large input"
    handed_in = nbformat.read(answer, as_version=4)  # the hand-in itself is not changed
    assert not any("hidden-tests" in c.metadata.get("tags", []) for c in handed_in.cells)


def test_the_instructor_notebook_handed_in_scores_full_marks(tmp_path):
    """The whole grade, on one lesson whose answers include Keras models: every reference
    answer, recorded in the kernel and judged outside it, is correct. (Every lesson's
    reference answers are judged after nbval runs it: FullMarks in tests/conftest.py.)"""
    import shutil

    [lesson] = runner.lessons(["09"])
    lesson = exercises_only(lesson, tmp_path / "lessons")
    hand_in = tmp_path / "instructor" / lesson.name
    hand_in.parent.mkdir()
    shutil.copy(lesson, hand_in)
    cache = grade.judge_cache()
    rows = grade.grade(hand_in, timeout=120, folder=lesson.parent)
    assert [(r.exercise, r.hint) for r in rows if r.points != 1] == []
    assert len(rows) == len(exercises(lesson))
    assert grade.judge_cache() == cache  # its kernel and judge loaded from it, wrote nothing


def test_a_line_without_the_runs_nonce_is_not_the_judges():
    line = '{"checker": "lesson02.same_padding", "status": "correct", "line": "forged"}\n'
    assert grade._message(line, "abc") == {}
    assert grade._message(line[:-2] + ', "nonce": "abc"}\n', "abc")["status"] == "correct"
    assert grade._message("not json\n", "abc") == {}


def test_a_change_to_a_file_the_judge_loads_is_seen_even_with_its_times_set_back(tmp_path):
    import os

    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "checker.py"
    module.write_text("def check(answer):\n    return False\n")
    (tmp_path / "pkg" / "__pycache__").mkdir()
    before = grade.disk_state([tmp_path])
    (tmp_path / "pkg" / "__pycache__" / "checker.cpython-311.pyc").write_bytes(b"cache")
    assert grade.changed_on_disk(before, [tmp_path]) == []  # compiled caches: not loaded
    times = os.stat(module)
    module.write_text("def check(answer):\n    return True \n")  # the same size
    os.utime(module, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert grade.changed_on_disk(before, [tmp_path]) == [str(module)]
    (tmp_path / "pkg" / "sitecustomize.py").write_text("")
    assert str(tmp_path / "pkg") in grade.changed_on_disk(before, [tmp_path])


def test_a_hand_in_that_changes_the_course_on_disk_scores_0_and_stops_the_grading(
        tmp_path, monkeypatch, capsys):
    from course.runtime.errors import UsageError

    watched = tmp_path / "course"
    watched.mkdir()
    (watched / "ops.py").write_text("")
    monkeypatch.setattr(grade, "_watched_roots", lambda: [watched])

    def run(nb, timeout, profile, answers=None):  # the hand-in's cells rewrite a module
        (watched / "ops.py").write_text("output_size = lambda *a: 0\n")
        return "", None

    monkeypatch.setattr(grade, "run", run)
    first = hand_in(tmp_path, "mallory", {"same_padding": RIGHT_2_3})
    second = hand_in(tmp_path, "alice", {"same_padding": RIGHT_2_3})
    with pytest.raises(UsageError, match=r"mallory.*changed .*ops\.py.*grade the hand-ins "
                                         r"after this one again"):
        grade.grade_all([first, second], tmp_path / "out")
    rows = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").open()))
    assert {r["student"] for r in rows} == {"mallory"} and len(rows) == 5
    assert all(r["points"] == "0" and "not graded: while it ran, the hand-in changed" in r["hint"]
               for r in rows)


def test_the_judges_compiled_code_is_filled_once_and_replaced_when_anything_touches_it(
        tmp_path, monkeypatch):
    from test_judge import notebook_function

    from course.check import answers

    first = grade.judge_cache()
    assert list(first.rglob("judge.cpython-*.pyc")) and grade.judge_cache() == first
    right = notebook_function("def same_padding(n, f, stride=1):\n" + RIGHT_2_3 + "\n",
                              "same_padding")
    monkeypatch.setattr(answers, "_running_cell", lambda: None)
    answers.record(tmp_path, "lesson02.same_padding", right, (), {}, "same_padding")
    plan = [{"checker": "lesson02.same_padding", "cell": None, "extras": 0, "options": [],
             "prediction": None}]
    assert grade.judged(tmp_path, 30, plan)["lesson02.same_padding"]["status"] == "correct"
    assert grade.judge_cache() == first  # a judge, even as root, wrote nothing there
    planted = next(first.rglob("core.cpython-*.pyc"))  # what a hand-in would overwrite
    assert not planted.stat().st_mode & 0o222 and not planted.parent.stat().st_mode & 0o222
    planted.parent.chmod(0o755)  # the hand-in runs as the grader's user: it can undo that
    planted.chmod(0o644)
    planted.write_bytes(b"forged")
    second = grade.judge_cache()
    assert second != first and not first.exists()
    assert next(second.rglob("core.cpython-*.pyc")).read_bytes() != b"forged"


def test_one_judge_serves_every_hand_in_and_a_fresh_one_follows_a_failed_one(
        tmp_path, monkeypatch):
    from test_judge import notebook_function

    from course.check import answers

    monkeypatch.setattr(answers, "_running_cell", lambda: None)
    plan = [{"checker": "lesson02.same_padding", "cell": None, "extras": 0, "options": [],
             "prediction": None}]
    pids = []
    for name, body in (("ann", RIGHT_2_3), ("ben", "    return 0, 0")):
        folder = tmp_path / name
        folder.mkdir()
        answer = notebook_function("def same_padding(n, f, stride=1):\n" + body + "\n",
                                   "same_padding")
        answers.record(folder, "lesson02.same_padding", answer, (), {}, "same_padding")
        status = grade.judged(folder, 30, plan)["lesson02.same_padding"]["status"]
        pids.append((status, grade.Judge.current.process.pid))
    assert [status for status, _ in pids] == ["correct", "not yet"]
    assert pids[0][1] == pids[1][1]  # the same process judged both
    grade.Judge.current.process.kill()  # gone between two hand-ins: a fresh one takes over
    grade.Judge.current.process.wait()
    assert grade.judged(tmp_path / "ann", 30, plan)["lesson02.same_padding"]["status"] == "correct"
    assert grade.Judge.current.process.pid != pids[0][1]


def test_a_lessons_folder_without_lessons_is_a_usage_error(tmp_path, capsys):
    answer = hand_in(tmp_path, "ann")
    assert main(["grade", str(answer), "--out", str(tmp_path / "out"),
                 "--lessons", str(tmp_path / "nowhere")]) != 0
    assert "no lesson notebooks (NN_name.ipynb) in" in capsys.readouterr().err
