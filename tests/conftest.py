"""Shared test set-up: nbval compares stdout and results, never stderr (TensorFlow's logs)."""

import os
import sys
import tempfile
from pathlib import Path

import pytest

ANSWERS_DIR = "COURSE_ANSWERS_DIR"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow 2.21's oneDNN backprop of a strided 1x1 convolution corrupts the heap on
# AVX-512 CPUs ("corrupted size vs. prev_size", wrong gradients, or a crash of the whole
# run, depending on the order tests run in); TensorFlow's own kernels do not. Set before
# TensorFlow is imported, and inherited by the nbval kernels.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# The speed probe (course.runtime.speed) is tested in test_speed.py; everywhere else, and in
# the nbval kernels, models compile without XLA and in float32 instead of each test process
# probing first.
os.environ.setdefault("COURSE_XLA", "0")
os.environ.setdefault("COURSE_BFLOAT16", "0")


@pytest.fixture(autouse=True)
def no_answers_dir(monkeypatch):
    """Checkers called by tests (and kernels they start) record nothing, whatever nbval's
    kernels do."""
    monkeypatch.delenv(ANSWERS_DIR, raising=False)


@pytest.fixture(autouse=True)
def tensorflow_stays_out():
    """On another backend (`make test-jax`), no test may import TensorFlow, even indirectly."""
    yield
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        imported = sorted(name for name in sys.modules if name.split(".")[0] == "tensorflow")
        assert not imported, f"TensorFlow was imported on {os.environ['KERAS_BACKEND']}"


# Test files whose tests start Jupyter kernels or build whole lessons: `make test-fast`
# leaves them (and nbval over notebooks/) out of the edit loop; `make test` runs them.
KERNEL_FILES = {"test_student.py", "test_grade.py", "test_nbgrader.py", "test_wheel.py",
                "test_site.py"}


def _xdist_group(item) -> str | None:
    """What must run on one `pytest -n` worker: a notebook's cells share its kernel, and a
    module's tests share its module-scoped fixtures (built once, not once per worker)."""
    if item.path.suffix == ".ipynb":
        return item.path.name
    info = getattr(item, "_fixtureinfo", None)
    for defs in (info.name2fixturedefs.values() if info else ()):
        if any(d.scope in ("module", "class", "package") for d in defs):
            return item.path.name
    return None


class FullMarks(pytest.Item):
    """Runs after a lesson's cells ran under nbval, their checkers recording each answer
    (``COURSE_ANSWERS_DIR``): the judge, in a fresh process as `course grade` runs it, finds
    every reference answer correct. The lesson is executed once for both checks."""

    def runtest(self):
        import nbformat

        from course.tools import grade
        from course.tools.exercises import exercises

        nb = nbformat.read(self.path, as_version=4)
        found = exercises(self.path, nb)
        plan = [grade.expected_answer(f"{ex.checker_module}.{ex.checker}", nb.cells,
                                      ex.checker_cell) for ex in found]
        verdicts = grade.judged(Path(os.environ[ANSWERS_DIR]), 120, plan,
                                os.environ.get("COURSE_PROFILE", "smoke"))
        wrong = {}
        for ex in found:
            verdict = verdicts.get(f"{ex.checker_module}.{ex.checker}") or {
                "line": "no answer was recorded: did its checker cell run?"}
            if verdict.get("status") != "correct":
                wrong[ex.number] = verdict.get("line")
        assert wrong == {}, f"{self.path.name}: reference answers the judge did not accept"

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: every reference answer, judged"


class StudentRun(pytest.Item):
    """Runs after :class:`FullMarks`, in the kernel nbval ran the lesson in: Run All of the
    student version fails at no cell, not even beside a stub; its checkers say "not
    attempted yet" and give a specific hint for a near miss (tests/student_run.py says
    which cells run and why the lesson need not run a second time)."""

    def runtest(self):
        import re

        import student_run

        kernel = self.parent.kernel
        assert kernel is not None and kernel.is_alive(), "the lesson's kernel is gone"
        probed = []
        for step, printed, error in student_run.run(kernel.kc, self.path):
            where = f"{self.path.name} (student version), cell {step.student_cell}"
            if step.probe:
                where = f"the near-miss probe after {where}"
            if error is not None:
                trace = student_run.ANSI.sub("", "\n".join(error["traceback"]))[-1500:]
                assert not step.probe, f"{where} failed with {error['ename']}\n{trace}"
                used = student_run.answers_used(step.source, self.path)
                why = (f"It uses the answer of exercise {' and '.join(used)}, a stub until the "
                       "student writes it: guard what uses the answer with `if course.check."
                       "done(<answer>, \"<N.M>\"):` (and an `else:` for a fallback the lesson "
                       "needs)" if used else "No exercise's answer appears in it by name: find "
                       "the stub it depends on, and guard the cell with course.check.done")
                pytest.fail(f"{where} failed with {error['ename']}: {error['evalue']}, and Run "
                            f"All stops there. {why}\n{trace}")
            if step.checker and not step.probe:
                assert "not attempted yet" in printed, f"{where}: {printed!r}"
            if step.probe:
                line = printed.strip()
                assert re.match(r"\w+: not yet - \S", line), (
                    f"{where}: the checker {step.checker} should give a specific hint for a "
                    f"near miss of the solution; it printed {line!r}")
                probed.append(step.checker)
        from course.tools.exercises import exercises

        assert probed == [ex.checker for ex in exercises(self.path)]

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: its student version, run as Run All would"


def _has_exercises(path: Path) -> bool:
    from course.tools.exercises import exercises

    return bool(exercises(path))


def _with_lesson_checks(items) -> list:
    """``items`` with a :class:`FullMarks` (unless ``COURSE_TEST_GRADING=0``: make
    test-colab) and a :class:`StudentRun` after the last cell of each lesson with exercises
    run by nbval."""
    grading = os.environ.get("COURSE_TEST_GRADING", "1") != "0"
    out = []
    for index, item in enumerate(items):
        out.append(item)
        following = items[index + 1] if index + 1 < len(items) else None
        if (item.path.suffix == ".ipynb" and (following is None or following.path != item.path)
                and _has_exercises(item.path)):
            if grading:
                out.append(FullMarks.from_parent(item.parent, name="full_marks"))
            out.append(StudentRun.from_parent(item.parent, name="student_version"))
    return out


def _execute_with_history(self, cell_input, allow_stdin=None):
    """nbval's execute, keeping the history as Jupyter does (`In`, which predictions and the
    answers' cell keys read) instead of ``store_history=False``."""
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin,
                           stop_on_error=False)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    if any(item.path.suffix == ".ipynb" for item in items):  # nbval's (not in make test-jax)
        from nbval.kernel import RunningKernel

        RunningKernel.execute_cell_input = _execute_with_history
    items[:] = _with_lesson_checks(items)
    if any(isinstance(item, FullMarks) for item in items):
        # nbval's kernels inherit it and record every checker call there; tests under
        # tests/ run without it (the fixture below)
        os.environ[ANSWERS_DIR] = tempfile.mkdtemp(prefix="course-nbval-answers-")
    for item in items:
        name = item.path.name
        if group := _xdist_group(item):
            item.add_marker(pytest.mark.xdist_group(group))
        if (name in KERNEL_FILES or name.endswith(".ipynb")
                or "loads_every_shipped_run" in item.name):
            item.add_marker(pytest.mark.kernel)
        parent = getattr(item, "parent", None)
        skip = getattr(parent, "skip_compare", None)
        if skip is not None and "stderr" not in skip:
            parent.skip_compare = (*skip, "stderr")


@pytest.fixture
def no_env(monkeypatch):
    """A clean slate: no profile, data dir or offline switch from the caller's shell."""
    for var in ("COURSE_PROFILE", "COURSE_DATA_DIR", "COURSE_OFFLINE", "COURSE_RECORD_FILE",
                "COURSE_PROGRESS_FILE", "COURSE_SHIPPED_ONLY", "COURSE_SEED"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def _stub(*args, **kwargs):
    raise NotImplementedError()


@pytest.fixture
def verify_checker(capsys):
    """``verify(check, right, wrong, hint)``: the checker passes the right answer, says "not
    attempted yet" to a stub, and answers the typical wrong one with a hint containing
    ``hint`` (or names the error the wrong answer raised)."""

    def verify(check, right, wrong, hint):
        assert check(right)
        assert "correct - " in capsys.readouterr().out
        assert not check(_stub)
        assert "not attempted yet" in capsys.readouterr().out
        assert not check(wrong)
        out = capsys.readouterr().out
        assert ("not yet - " in out or "your code raised" in out) and hint in out, out

    return verify
