"""``python -m course doctor``: is this machine ready for the course?

Introduced for the instructor tooling. Checks the Python and package versions, the GPU,
the profile, every dataset source (verifying the files that are there, never
downloading) and write access to the caches. Each problem comes with a fix. No GPU is a
warning (the lessons run on a CPU); a broken ``COURSE_DATA_DIR`` is an error.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from course import data
from course.runtime import profiles, settings, supported
from course.runtime.paths import BUILD, ROOT
from course.runtime.profiles import ENV_VAR

OK, WARNING, ERROR = "ok", "warning", "error"
GPU_PROBE_TIMEOUT_S = 300
INSTALL_FIX = "`make install` (or `pip install -r requirements.txt -e .`) in the course folder"


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report."""

    level: str  # OK, WARNING or ERROR
    topic: str
    message: str
    fix: str = ""


def diagnose(requirements: Path = ROOT / "requirements.txt") -> list[Finding]:
    """Every check, in the order the report prints them."""
    gpu, devices = check_gpu()
    return [*check_versions(requirements), gpu, check_settings(), check_profile(devices),
            *check_data(), *check_write_access()]


def report(findings: list[Finding]) -> int:
    """Print the findings with their fixes; return the exit status (1 if any error)."""
    for f in findings:
        print(f"{f.level:8} {f.topic}: {f.message}")
        if f.fix:
            print(f"{'':8} fix: {f.fix}")
    errors = sum(f.level == ERROR for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    print(f"{errors} error(s), {warnings} warning(s)")
    if errors:
        print(f"error: {errors} problem(s) found; each has its fix above", file=sys.stderr)
    return 1 if errors else 0


def check_versions(requirements: Path) -> list[Finding]:
    """Python's version; every dependency within the supported range; and, in a checkout,
    every package pinned in requirements.txt installed at its pin."""
    findings = [Finding(OK, "python", platform.python_version())]
    for name, version, bound in supported.unmet():
        have = f"{name} {version} is older than" if version else f"{name} is not installed;"
        findings.append(Finding(ERROR, "packages", f"{have} the course needs {name}>={bound}",
                                f"`pip install -U '{name}>={bound}'`, or {INSTALL_FIX}"))
    pins = _pins(requirements)
    if not pins:
        return [*findings, Finding(OK, "packages", "within the supported range (no "
                                   "requirements.txt here to compare with the tested pins)")]
    matching = []
    for name, pinned in pins.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            findings.append(Finding(ERROR, "packages", f"{name} is not installed "
                                    f"(requirements.txt pins {pinned})", INSTALL_FIX))
            continue
        if installed == pinned:
            matching.append(f"{name} {installed}")
        else:
            findings.append(Finding(WARNING, "packages", f"{name} {installed} is installed; "
                                    f"the course is tested with {pinned}",
                                    INSTALL_FIX + " to get the tested versions"))
    if matching:
        shown = ", ".join(matching[:3]) + (f" and {len(matching) - 3} more" if
                                           len(matching) > 3 else "")
        findings.append(Finding(OK, "packages", f"{shown}, as pinned in requirements.txt"))
    return findings


def check_gpu() -> tuple[Finding, list[str]]:
    """The GPU finding, and the GPUs TensorFlow sees."""
    try:
        devices = visible_gpus()
    except RuntimeError as error:
        return Finding(ERROR, "tensorflow", str(error), INSTALL_FIX), []
    if devices:
        return Finding(OK, "GPU", ", ".join(devices)), devices
    return Finding(
        WARNING, "GPU", f"none visible to TensorFlow; lessons run on the CPU "
        f"({os.cpu_count()} cores) and default to the quick profile",
        "nothing to do for the quick profile. For the full profile use a GPU: on Colab "
        "Runtime > Change runtime type > GPU; on Linux with an NVIDIA card "
        "`pip install tensorflow[and-cuda]` at the pinned version"), []


def visible_gpus() -> list[str]:
    """``course.setup.gpus()`` in a child process, so TensorFlow's logs and crashes stay there."""
    probe = "from course.setup import gpus; print(*gpus(), sep='\\n')"
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              cwd=ROOT, timeout=GPU_PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"TensorFlow did not start in {GPU_PROBE_TIMEOUT_S} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise RuntimeError(f"TensorFlow cannot start: {last}")
    return done.stdout.split()


def check_settings() -> Finding:
    """The course's environment variables that are set (``course.runtime.settings``)."""
    found = settings.described()
    return Finding(OK, "settings", ", ".join(found) if found else
                   "no COURSE_* variable is set (every default applies)")


def check_profile(devices: list[str]) -> Finding:
    """The profile the lessons will use, and whether it fits the machine."""
    try:
        profile = profiles.resolve(bool(devices))
    except ValueError as error:
        return Finding(ERROR, "profile", str(error), f"`unset {ENV_VAR}`, or set it to one "
                       f"of {', '.join(profiles.NAMES)}")
    how = f"from {ENV_VAR}" if settings.is_set(ENV_VAR) else "the default here"
    if profile.name == "full" and not devices:
        return Finding(WARNING, "profile", f"full ({how}) without a GPU: lessons will take hours",
                       f"`export {ENV_VAR}=quick`, or use a machine with a GPU")
    return Finding(OK, "profile", f"{profile.name} ({how}): {profile.purpose}")


def check_data() -> list[Finding]:
    """Every source of every dataset: files present are verified; nothing is downloaded."""
    findings = []
    folder = settings.data_dir()
    if folder and not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        findings.append(Finding(
            ERROR, "data", f"{data.DATA_DIR_VAR}={folder} {what}",
            f"point {data.DATA_DIR_VAR} at the folder that holds mnist.npz, fashion_mnist.npz "
            f"and cifar10.npz (e.g. `python ../shared/datasets/unpack.py {folder}`), or "
            f"`unset {data.DATA_DIR_VAR}`"))
    sources = [data.DataDirSource(), data.KerasSource(), data.SamplesSource()]
    for name in data.CLASS_NAMES:
        used = None
        for source in sources:
            if not source.present(name):
                continue
            try:
                source.load(name)
            except data.DataError as error:
                problem, _, fix = str(error).partition(" Fix: ")
                findings.append(Finding(ERROR, f"data {name}", f"{source.title}: {problem}",
                                        fix or "replace the file"))
            else:
                used = used or source
        if used is None:
            findings.append(Finding(ERROR, f"data {name}", "no source has it",
                                    "`git checkout data/samples`, then `python -m course data "
                                    f"fetch {name}` when online"))
        elif isinstance(used, data.SamplesSource):
            findings.append(Finding(OK, f"data {name}", "only the bundled sample so far; the "
                                    "quick and full profiles download the full data on first "
                                    f"use (or now: `python -m course data fetch {name}`)"))
        else:
            findings.append(Finding(OK, f"data {name}", f"from {used.title}, verified"))
    return findings


def check_write_access() -> list[Finding]:
    """The folders the course writes to: the Keras dataset cache and ``build/``."""
    findings = []
    for topic, folder, fix in (
        ("Keras cache", data.KerasSource.cache_dir(),
         "make it writable, or point KERAS_HOME at a writable folder"),
        ("build folder", BUILD, "make it writable (reports and student versions go "
         "there)"),
    ):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            findings.append(Finding(ERROR, topic, f"{folder} is not writable ({error.strerror})",
                                    fix))
        else:
            findings.append(Finding(OK, topic, f"{folder} is writable"))
    return findings


def _pins(requirements: Path) -> dict[str, str]:
    try:
        text = requirements.read_text()
    except OSError:
        return {}
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", text, re.MULTILINE))
