"""Run the lessons headless and write the run report. Introduced in lesson 00.

``python -m course run`` (what ``make course`` calls) executes each notebook in
``notebooks/`` top to bottom in a fresh kernel, prints a progress line per lesson,
writes the executed copies to ``build/executed/`` and the report to
``build/report.md`` and ``build/report.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course.runtime import progress, report, settings, trial
from course.runtime.errors import CourseError, UsageError
from course.runtime.paths import BUILD, NOTEBOOKS

CELL_TIMEOUT_S = 1800


@dataclass
class LessonResult:
    notebook: str
    status: str  # "ok", "failed", or "claims fail" (it ran; a claim's run contradicts it)
    seconds: float
    profile: str
    data: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    error: str = ""
    claims: list = field(default_factory=list)  # [{"statement", "status", "evidence"}]
    curves: dict = field(default_factory=dict)  # name -> per-epoch history (runs.histories)


def lessons(only=None, folder: Path = NOTEBOOKS) -> list[Path]:
    """The lesson notebooks in order; ``only`` keeps those whose name starts with one of them."""
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if any(p.name.startswith(o) for o in only)]
        if not paths:
            raise UsageError(f"no notebook in {folder} starts with {', '.join(only)}")
    return paths


def execute(path: Path, profile: str, out_dir: Path, timeout: int = CELL_TIMEOUT_S,
            trial_steps: int = 0, line: progress.Line | None = None):
    """Execute one notebook in a fresh kernel; return its result and the executed notebook.

    The kernel's own output (TensorFlow's C++ logs) goes to ``out_dir/<lesson>.log``.
    ``trial_steps`` > 0 makes it a trial run (:mod:`course.runtime.trial`), with its own
    throw-away cache so that no half-trained base lands in the real one. ``line``: a
    progress line to keep up to date while it runs (the caller ends it with its status).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    error = ""
    with tempfile.TemporaryDirectory() as tmp, open(out_dir / f"{path.stem}.log", "w") as log:
        figures_file = Path(tmp) / "figures.json"
        env = {settings.PROFILE: profile, report.RECORD_FILE_VAR: str(figures_file),
               trial.ENV_VAR: str(trial_steps or ""),
               progress.FILE_VAR: str(Path(tmp) / "progress.json")}
        if line:
            line.follow([i for i, c in enumerate(nb.cells) if c.cell_type == "code"],
                        Path(env[progress.FILE_VAR]))
        if trial_steps:
            env[settings.CACHE_DIR] = str(Path(tmp) / "cache")
        started = time.perf_counter()
        with environment(env):
            client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}},
                                    # C++ logs go to the log file, not into the lesson
                                    extra_arguments=["--IPKernelApp.capture_fd_output=False"])
            if line:
                client.on_cell_execute = lambda cell, cell_index: line.on_cell(cell_index)
            with line or contextlib.nullcontext():
                try:
                    client.execute(stdout=log, stderr=log)
                except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
                    error = _describe_failure(path, nb, exc, timeout)
        seconds = time.perf_counter() - started
        recorded = report.read(figures_file)
    data = {k[len("data_"):]: v for k, v in recorded.items() if k.startswith("data_")}
    claims = recorded.pop("claims", [])
    curves = recorded.pop("curves", {})
    figures = {k: v for k, v in recorded.items() if not k.startswith("data_")}
    nbformat.write(nb, out_dir / path.name)
    label = f"{profile}-trial" if trial_steps else profile
    status = "failed" if error else "ok"
    if status == "ok" and not trial_steps and any(c["status"] == "does not hold" for c in claims):
        status = "claims fail"
    result = LessonResult(path.name, status, round(seconds, 1), label, data, figures, error,
                          claims, curves)
    return result, nb


def run(only=None, profile: str | None = None, build: Path = BUILD,
        write_back: bool = False, timeout: int = CELL_TIMEOUT_S,
        trial_steps: int = 0) -> list[LessonResult]:
    """Run the lessons, print progress, write the report; return the results.

    ``trial_steps`` > 0: a trial run (every training cut to that many batches), reported
    under the profile name with ``-trial``; its outputs are never written back.
    """
    import nbformat

    from course.runtime.profiles import resolve_profile
    from course.tools import notebook_form

    if trial_steps and write_back:
        raise UsageError("--write-back stores a lesson's outputs, and a trial's outputs mean "
                         "nothing: run the trial without --write-back")
    profile = profile or resolve_profile().name
    paths = lessons(only)
    results = []
    trial_note = f" as a trial ({trial_steps} batches per training)" if trial_steps else ""
    print(f"Running {len(paths)} lessons in the '{profile}' profile{trial_note}", flush=True)
    for i, path in enumerate(paths, 1):
        line = progress.Line(f"[{i}/{len(paths)}] {path.name}")
        result, nb = execute(path, profile, build / "executed", timeout, trial_steps, line)
        results.append(result)
        line.finish(f"{result.status} in {result.seconds:.1f} s")
        if result.error:
            print("    " + result.error.replace("\n", "\n    "), flush=True)
        for failed in (c for c in result.claims if c["status"] == "does not hold"):
            print(f"    claim does not hold: {failed['statement']} ({failed['evidence']})",
                  flush=True)
        if not result.error and write_back:
            notebook_form.normalize(nb)
            nbformat.write(nb, path)
    write_report(results, build)
    print(f"Report: {build / 'report.md'}")
    return results


def write_report(results: list[LessonResult], build: Path) -> None:
    """Write ``report.json`` and ``report.md``: this run's lessons plus earlier entries.

    A lesson's entry is replaced only by a newer run of it in the same profile, so running
    some lessons (or another profile) keeps the figures of the rest.
    """
    from course.runtime import native_logs, speed

    build.mkdir(parents=True, exist_ok=True)
    with native_logs.quiet():  # reading the probe's cache starts the backend
        kind = speed.machine_kind()
    meta = {"finished": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.platform(),
            "cpus": os.cpu_count(), "python": platform.python_version(), "machine_kind": kind}
    fresh = [{**{k: v for k, v in asdict(r).items() if k != "curves"},
              "finished": meta["finished"], "machine_kind": kind} for r in results]
    kept = [e for e in _previous_entries(build / "report.json")
            if (e.get("notebook"), e.get("profile")) not in
            {(r.notebook, r.profile) for r in results}]
    entries = sorted(kept + fresh, key=lambda e: (e["notebook"], e["profile"]))
    (build / "report.json").write_text(json.dumps({**meta, "lessons": entries}, indent=1))
    ok = sum(r.status == "ok" for r in results)
    lines = [
        "# Course run report", "",
        f"This run: {ok} of {len(results)} lessons ran, {sum(r.seconds for r in results):.0f} s, "
        f"finished {meta['finished']} on {meta['machine']} ({speed.describe_machine(kind)}). "
        "Earlier entries for other lessons or profiles are kept, with the time they "
        "finished.", "",
        "| lesson | profile | status | seconds | data | figures | finished |",
        "|---|---|---|---:|---|---|---|",
    ]
    for e in entries:
        data = ", ".join(f"{k}: {v}" for k, v in e.get("data", {}).items()) or "-"
        figures = ", ".join(f"{k} = {_fmt(v)}" for k, v in e.get("figures", {}).items()) or "-"
        lines.append(f"| {e['notebook']} | {e['profile']} | {e['status']} | {e['seconds']:.1f} "
                     f"| {data} | {figures} | {e.get('finished', '-')} |")
    failures = [r for r in results if r.error]
    if failures:
        lines += ["", "## Failures in this run", ""]
        lines += [f"- **{r.notebook}**: {r.error.splitlines()[0]}" for r in failures]
    with_claims = [e for e in entries if e.get("claims")]
    if with_claims:
        lines += ["", "## Claims", "",
                  "What each lesson concludes from its run, checked on that run's numbers "
                  "(`course.claim`).", ""]
        for e in with_claims:
            lines.append(f"**{e['notebook']}** ({e['profile']})")
            lines.append("")
            lines += [f"- {c['status']}: {c['statement']}"
                      + (f" ({c['evidence']})" if c.get("evidence") else "")
                      for c in e["claims"]]
            lines.append("")
    (build / "report.md").write_text("\n".join(lines) + "\n")


class ReportUnreadable(CourseError):
    """A run report that exists but is not a report (damaged, truncated, hand-edited)."""


def read_report(path: Path) -> dict:
    """The run report at ``path``; {} when there is none. Raises ReportUnreadable."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ReportUnreadable(f"{path} cannot be read ({error.strerror})") from None
    try:
        report = json.loads(text)
        if not isinstance(report, dict) or not isinstance(report.get("lessons", []), list):
            raise ValueError("not a run report")
    except ValueError as error:
        raise ReportUnreadable(f"{path} is not a run report ({error})") from None
    return report


def _previous_entries(path: Path) -> list[dict]:
    """The entries of the report at ``path``; a damaged report is kept aside, not lost."""
    try:
        return read_report(path).get("lessons", [])
    except ReportUnreadable as error:
        aside = path.with_name(f"{path.stem}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}.json")
        path.replace(aside)
        print(f"warning: {error}; moved it to {aside} and started a new report",
              file=sys.stderr)
        return []


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _describe_failure(path: Path, nb, exc, timeout: int = CELL_TIMEOUT_S) -> str:
    """Name the notebook, the cell and the error, for the progress line and the report; a
    cell stopped at the time limit says so, and how to give it more."""
    from nbclient.exceptions import CellTimeoutError

    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                where = f"{path.name}, cell {index} (`{first[:60]}`)"
                if isinstance(exc, CellTimeoutError):
                    return (f"{where}: stopped after {timeout} s, the limit a cell may run: "
                            "rerun with a longer one, e.g. --timeout 7200")
                return f"{where}: {output['ename']}: {output['evalue']}"
    return f"{path.name}: {type(exc).__name__}: {str(exc).strip().splitlines()[-1]}"


@contextlib.contextmanager
def environment(values):
    """Set environment variables (None: unset one) for the processes started inside the
    block."""
    saved = {k: os.environ.get(k) for k in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
