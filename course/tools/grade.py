"""Grading hand-ins: ``python -m course grade HAND-INS...``. Instructor tooling.

A hand-in is a student version that a student filled in, saved as
``<folder>/<student>/NN_lesson.ipynb`` (the folder holding it names the student, as in
nbgrader's ``submitted/<student>/``). Each one runs top to bottom in a fresh kernel, in
the ``notebooks/`` folder, with ``COURSE_GRADING=1`` (so every checker raises on a
wrong answer) and a time limit per cell; the instructor's hidden tests (cells tagged
``hidden-tests`` in the instructor notebook, never in a student version) run right
after the checker of the exercise they follow. Each checker cell runs as the instructor
notebook has it, whatever the student changed in it. The checkers only record the
answers; ``course.check.judge`` judges them in a process of its own (:func:`judged`), only the
record each checker cell wrote, with a prediction read from the hand-in's cells. An
exercise scores 1 point when the judge's status is "correct" and its hidden tests pass,
else 0 with the reason.

The result is ``gradebook.csv`` (student, lesson, exercise, points, hint) and one
feedback page per hand-in, ``feedback/<student>_<lesson>.html``. A hand-in that hangs,
crashes its kernel or the judge, or lost a checker cell gets rows that say so; grading
goes on.

A hand-in runs the student's code: grade in a throwaway machine or container. The judge
loads nothing the hand-in could have planted beside the course (``python -I``, compiled
code from a read-only cache filled before any hand-in ran: :func:`judge_cache`), each
answer is judged in a child process of its own, and a hand-in that changes a file of the
course or of Python's libraries while it runs (seen from the files' change times, which
no program can set back) scores 0 and stops the grading: the judge could not be trusted
after it.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import html
import io
import json
import sys
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


def _watched_roots() -> list[Path]:
    """Where the judge loads code from: the course package, the site-packages of this
    Python and its standard library."""
    import site
    import sysconfig

    return [ROOT / "course", *map(Path, site.getsitepackages()),
            Path(sysconfig.get_paths()["stdlib"])]


def disk_state(roots=None) -> dict[str, int]:
    """Every file and folder under ``roots`` (compiled-code caches aside) with the time its
    content or metadata last changed (``st_ctime_ns``: setting a file's times back changes
    it too)."""
    import os

    state = {}
    for root in roots or _watched_roots():
        for folder, names, found in os.walk(root):
            names[:] = [n for n in names if n != "__pycache__"]
            for path in [folder, *(os.path.join(folder, name) for name in found)]:
                with contextlib.suppress(OSError):
                    state[path] = os.lstat(path).st_ctime_ns
    return state


def changed_on_disk(before: dict[str, int], roots=None) -> list[str]:
    """The files and folders of :func:`disk_state` that changed, appeared or went."""
    now = disk_state(roots)
    return sorted({p for p in before.keys() | now.keys() if before.get(p) != now.get(p)})


class Tampered(Exception):
    """A hand-in changed files the judge loads; ``rows`` are its zeros."""

    def __init__(self, hand_in: Path, changed: list[str], rows: list[Row]):
        super().__init__(
            f"{hand_in} changed {changed[0]}" + (f" and {len(changed) - 1} more files"
                                                 if len(changed) > 1 else "")
            + " while it ran: the course or Python's libraries on this machine can no longer "
            "be trusted. Reinstall them (a fresh checkout and `make install`, or a fresh "
            "container) and grade the hand-ins after this one again")
        self.rows = rows


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
    # compiled code from the judges' read-only cache (TensorFlow, Keras, Jupyter, the
    # course: about 8 s a hand-in not spent compiling them again), writing none there; a
    # hand-in that writes there anyway gets the cache replaced before its answers are judged
    variables.update(PYTHONPYCACHEPREFIX=str(judge_cache()), PYTHONDONTWRITEBYTECODE="1")
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


def _python(source: str) -> str:
    """A cell's source as the kernel runs it (IPython's magics turned into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - a cell IPython cannot read ran as nothing
        return ""


def _call_arguments(source: str, checker: str) -> tuple[int | None, list[str] | None]:
    """How many arguments after the answer, and which keywords, the call to ``checker``
    (``lessonNN.name``) in a checker cell passes; (None, None) where it cannot be told."""
    import ast

    module, name = checker.split(".")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None, None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == name and ast.unparse(node.func.value).endswith(module)):
            if any(isinstance(a, ast.Starred) for a in node.args) or any(
                    k.arg is None for k in node.keywords) or not node.args:
                return None, None
            return len(node.args) - 1, sorted(k.arg for k in node.keywords if k.arg != "strict")
    return None, None


def expected_answer(checker: str, cells, at: int) -> dict:
    """What the judge may accept for the checker cell ``cells[at]`` (``checker``:
    ``lessonNN.name``): that cell's record only, with the other arguments the cell passes,
    and for a prediction the source of its values as the notebook's cells have it (not as
    the kernel's history says)."""
    from course.check import answers, predictions

    sources = [_python(c.source) for c in cells[:at + 1] if c.cell_type == "code"]
    extras, options = _call_arguments(sources[-1], checker)
    return {"checker": checker, "cell": answers.cell_key(sources[-1]), "extras": extras,
            "options": options,
            "prediction": predictions.sources([s for s in sources if s], checker.split(".")[1])}


def expected_answers(nb, slots) -> list[dict]:
    """The plan of the judge for an executed hand-in: one entry per checker cell that ran."""
    return [expected_answer(f"{ex.checker_module}.{ex.checker}", nb.cells, at)
            for ex, at, _ in slots
            if at is not None and nb.cells[at].get("execution_count") is not None]


JUDGE_START_S = 300  # the judge's own start (TensorFlow's import on a busy machine)
ENDED = "the process judging it ended (out of memory, or the code ended it)"
JUDGE_GRACE_S = 60  # past an answer's time limit, before the judge is deemed stuck in it


def judged(answers: Path, timeout: int, plan: list[dict], profile: str = "smoke"
           ) -> dict[str, dict]:
    """What ``course.check.judge`` says of the recorded answers, in a process of its own
    (one for every call of this process, :class:`Judge`): ``{"lessonNN.checker":
    {"status": ..., "line": ...}}``. ``plan``: the checker cells that ran
    (:func:`expected_answers`); other records are not judged.

    An answer that stops the judge (it hangs past the limit, ends the process, uses up the
    memory) gets a verdict saying so, and a fresh judge goes on with the answers after it.
    A judge that fails before it judges anything is a bug in the course: RuntimeError."""
    import secrets
    from queue import Empty

    entries = list(plan)
    results: dict[str, dict] = {}
    while entries:
        judge = Judge.running(profile)
        nonce = secrets.token_hex(16)  # the judge's lines carry it; an answer cannot know it
        asked = judge.ask({"nonce": nonce, "folder": str(answers), "timeout": timeout,
                           "answers": entries})
        ready, current, done, line = False, None, False, ""
        why = "" if asked else ENDED
        while asked and not done:
            limit = JUDGE_START_S if not ready else 3 * timeout + JUDGE_GRACE_S
            try:
                line = judge.lines.get(timeout=limit)
            except Empty:
                line, why = "", f"it ran longer than the grade's {timeout} s limit"
                break
            if line is None:  # the judge's output ended
                why = ENDED
                break
            message = _message(line, nonce)
            if message.get("ready"):
                ready = True
            elif message.get("start") and isinstance(message.get("checker"), str):
                current = message["checker"]
            elif isinstance(message.get("status"), str) and isinstance(
                    message.get("checker"), str) and message["checker"] not in results:
                results[message["checker"]] = {"status": message["status"],
                                               "line": str(message.get("line", ""))}
                current = None
            elif message.get("done"):
                done = True
        if done:
            break
        stderr = judge.stop(now=True)
        if not ready or current is None or current in results:  # not an answer's doing
            raise RuntimeError(f"the judge failed on {answers}: {why}\n{stderr}")
        name = current.split(".")[1]
        results[current] = {"status": "not yet" if line is not None else "error",
                            "line": f"{name}: not yet - the grade stopped while judging this "
                                    f"answer: {why}"}
        entries = [e for e in entries if e["checker"] not in results]
    return results


class Judge:
    """A ``course.check.judge --serve`` process, started once and asked again for each
    hand-in (about 4 s of loading TensorFlow and the checkers each time otherwise): it
    never runs an answer itself, each one is judged in a child forked for it."""

    current = None  # this process's judge

    def __init__(self, profile: str):
        import subprocess
        import threading
        from queue import Queue

        self.profile, self.cache = profile, judge_cache()
        self.where = tempfile.mkdtemp(prefix="course-judge-")
        self.errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed by stop()
        # isolated (-I): no current folder, user site or PYTHON* variables on the path;
        # compiled code from the judges' own cache, which they only read (-B: even as
        # root), not from __pycache__ folders a hand-in wrote
        arguments = [sys.executable, "-I", "-B", "-X", f"pycache_prefix={self.cache}",
                     "-m", "course.check.judge", "--serve"]
        with environment({settings.GRADING: None, settings.ANSWERS_DIR: None,
                          settings.PROFILE: profile}):
            self.process = subprocess.Popen(arguments, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=self.errors,
                                            text=True, cwd=self.where, start_new_session=True)
        self.lines: Queue = Queue()
        threading.Thread(target=_lines, args=(self.process.stdout, self.lines),
                         daemon=True).start()

    @classmethod
    def running(cls, profile: str) -> Judge:
        """The judge of this process, started (again) if it is not running, or runs
        another profile, or loads from a judge cache that has been replaced since."""
        import atexit

        judge = cls.current
        if judge is not None and (judge.process.poll() is not None or judge.profile != profile
                                  or judge.cache != judge_cache()):
            judge.stop()
            judge = None
        if judge is None:
            judge = cls.current = cls(profile)
            atexit.register(judge.stop)
        return judge

    def ask(self, request: dict) -> bool:
        """Send one request; False if the judge is no longer there to read it."""
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            return True
        except OSError:
            return False

    def stop(self, now: bool = False) -> str:
        """End the process (``now``: killed, with what it started) and return the last of
        what it wrote to its standard error."""
        if Judge.current is self:
            Judge.current = None
        if self.errors.closed:
            return ""
        with contextlib.suppress(OSError):
            self.process.stdin.close()  # a judge waiting for the next request ends
        _stop(self.process, done=not now)
        self.errors.seek(0)
        stderr = self.errors.read()[-3000:]
        self.errors.close()
        _remove(Path(self.where))
        return stderr


_JUDGE_CACHE: dict = {}  # this process's judges' compiled code: {"path", "state"}


def judge_cache() -> Path:
    """The folder the judges and the hand-ins' kernels this process starts load their
    compiled code from.

    Filled once, before any hand-in runs, by compiling what they load (Keras, every
    checker, the Jupyter kernel, matplotlib; about 9 s), then made read-only; judges run
    with ``-B`` and kernels with ``PYTHONDONTWRITEBYTECODE``, so they load from it and
    write nothing there, even as root. If anything changed it since (a hand-in planting
    compiled code for a judge or the next hand-in to load), a fresh one replaces it."""
    import atexit
    import os
    import subprocess

    path = _JUDGE_CACHE.get("path")
    if path is None or changed_on_disk(_JUDGE_CACHE["state"], [path]):
        if path is not None:
            _remove(path)
        path = Path(tempfile.mkdtemp(prefix="course-judge-cache-"))
        atexit.register(_remove, path)
        load = ("import ipykernel.kernelapp, matplotlib.pyplot, matplotlib_inline.backend_inline; "
                "import course.check.judge as judge; judge.prepare_all()")
        subprocess.run([sys.executable, "-I", "-X", f"pycache_prefix={path}", "-c", load],
                       cwd=path, capture_output=True, check=True)
        for folder, _, names in os.walk(path):
            for name in names:
                os.chmod(os.path.join(folder, name), 0o444)
            os.chmod(folder, 0o555)
        _JUDGE_CACHE.update(path=path, state=disk_state([path]))
    return path


def _remove(path: Path) -> None:
    """Delete a judge cache (read-only folders and all) or a judge's folder."""
    import os
    import shutil

    for folder, _, _ in os.walk(path):
        os.chmod(folder, 0o755)
    shutil.rmtree(path, ignore_errors=True)


def _lines(stream, lines) -> None:
    """Pass on each line the judge prints; None when its output ends."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _message(line: str, nonce: str) -> dict:
    """A line of the judge's, or {} for anything else (a line without the run's nonce)."""
    try:
        message = json.loads(line)
    except ValueError:
        return {}
    if not isinstance(message, dict) or message.get("nonce") != nonce:
        return {}
    return message


def _stop(process, done: bool) -> None:
    """End the judge's process (at once where it did not finish) and whatever it started."""
    import os
    import signal
    import subprocess

    try:
        process.wait(timeout=30 if done else 0.1)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def score(nb, slots, stopped: tuple[str, int | None], student: str, lesson: str,
          verdicts: dict[str, dict]) -> list[Row]:
    """One row per exercise of an executed hand-in (``stopped``: what ``run`` returned;
    ``verdicts``: the judge's verdict per checker, ``{"status": ..., "line": ...}``). An
    exercise scores when its status is "correct", whatever its line says."""
    why, where = stopped
    changed = tampering(nb)
    rows = []
    for ex, at, tests in slots:
        title = ex.number or ex.checker
        verdict = verdicts.get(f"{ex.checker_module}.{ex.checker}")
        if at is None:
            points, hint = 0, (f"the checker cell ({_checker_call(ex)}...) is missing from the "
                               "hand-in: it was deleted or changed")
        elif where is not None and at == where:
            points, hint = 0, f"stopped in this exercise's checker: {why}"
        elif nb.cells[at].get("execution_count") is None:
            points, hint = 0, f"not run: the run stopped in cell {where}: {why}"
        elif verdict is None:
            points, hint = 0, ("no answer reached the grade: the checker cell ran, but the "
                               "course's checker did not record anything (was it replaced?)")
        elif verdict.get("status") != "correct":
            points, hint = 0, str(verdict.get("line", ""))
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
    before = disk_state()
    with tempfile.TemporaryDirectory(prefix="course-answers-") as answers:
        stopped = run(nb, timeout, profile, Path(answers))
        if changed := changed_on_disk(before):
            raise Tampered(hand_in, changed, [
                Row(hand_in.parent.name, lesson.name[:2], ex.number or ex.checker, 0,
                    f"not graded: while it ran, the hand-in changed {changed[0]}, a file of "
                    "the course or of Python's libraries") for ex, _, _ in slots])
        verdicts = judged(Path(answers), timeout, expected_answers(nb, slots), profile)
    for key, verdict in verdicts.items():
        if verdict["status"] == "error":  # the answer's doing, or a bug in the course
            print(f"warning: {hand_in}: {key}: {verdict['line']}", file=sys.stderr, flush=True)
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
    if not lessons(None, Path(folder)):
        raise UsageError(f"no lesson notebooks (NN_name.ipynb) in {folder}: give the folder of "
                         "the instructor notebooks with --lessons")
    rows, stopped = [], None
    for path in paths:
        try:
            these = grade(path, timeout, profile, folder)
        except Tampered as why:
            these, stopped = why.rows, why
        rows += these
        page = out / "feedback" / f"{these[0].student}_{these[0].lesson}.html"
        files.write_text(page, feedback_page(these))
        print(f"{path}: {sum(r.points for r in these)} of {len(these)}", flush=True)
        if stopped:
            break
    write_gradebook(rows, out)
    if stopped:
        raise UsageError(f"grading stopped: {stopped}")
    return rows


def write_gradebook(rows: list[Row], out: Path) -> None:
    """``gradebook.csv`` in ``out``, one row per exercise of each hand-in graded."""
    from course.runtime import files

    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow([f.name for f in fields(Row)])
    writer.writerows(astuple(r) for r in rows)
    files.write_text(out / "gradebook.csv", table.getvalue())
    print(f"gradebook: {out / 'gradebook.csv'}; feedback pages: {out / 'feedback'}")
