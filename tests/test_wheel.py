"""``pip install .`` (a wheel, not editable) gives a course that works away from the checkout."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(out)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "No module named pip" in done.stderr:
        pytest.skip("this Python has no pip")
    assert done.returncode == 0, done.stderr
    [built] = out.glob("course-*.whl")
    return built


@pytest.fixture(scope="module")
def site(wheel, tmp_path_factory):
    """The wheel installed (``--target``) into a folder of its own."""
    site = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True, capture_output=True, timeout=300)
    return site


def test_the_wheel_holds_the_subpackages_and_the_files_the_course_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "course/check/__init__.py" in names and "course/check/lesson09.py" in names
    for lesson in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        assert f"course/_files/notebooks/{lesson.name}" in names
    for sample in (ROOT / "data" / "samples").iterdir():
        assert f"course/_files/data/samples/{sample.name}" in names
    for shipped in [*(ROOT / "data" / "runs").iterdir(), *(ROOT / "data" / "pretrained").iterdir()]:
        assert f"course/_files/data/{shipped.parent.name}/{shipped.name}" in names


def test_an_installed_wheel_runs_away_from_the_checkout(site, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    script = (
        f"site = {str(site)!r}\n"
        "import course, course.check\n"
        "from course import data, runs\nfrom course.runtime import paths\n"
        "from course.tools import student\n"
        "assert course.__file__.startswith(site), course.__file__\n"
        "assert paths.INSTALLED and paths.BUILD == paths.Path.cwd() / 'build'\n"
        "x, y, xt, yt = data.load('mnist')\n"
        "assert len(x) == 6000 and data.SAMPLES_DIR.is_relative_to(paths.PACKAGE)\n"
        "assert runs.SHIPPED.is_dir() and any(runs.SHIPPED.glob('*.json'))\n"
        "written = student.write()\n"
        "assert written and all(p.is_relative_to(paths.Path.cwd()) for p in written)\n"
        "print('ok', len(written))\n")
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "COURSE_OFFLINE": "1",
           "COURSE_PROFILE": "smoke", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lessons = len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    assert done.stdout.splitlines()[-1] == f"ok {lessons}"  # every student version written


def test_doctor_and_a_smoke_lesson_run_from_the_installed_wheel(site, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "COURSE_OFFLINE": "1",
           "HOME": str(tmp_path), "COURSE_XLA": "0", "TF_CPP_MIN_LOG_LEVEL": "2"}

    def course(*args):
        return subprocess.run([sys.executable, "-m", "course", *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)

    doctor = course("doctor")
    assert doctor.returncode == 0, doctor.stdout[-3000:] + doctor.stderr[-2000:]
    assert "0 error(s)" in doctor.stdout
    lesson = course("run", "00", "--profile", "smoke")
    assert lesson.returncode == 0, lesson.stdout[-3000:] + lesson.stderr[-2000:]
    assert "00_start_here.ipynb ... ok" in lesson.stdout
    assert (work / "build" / "report.md").is_file()  # written where the course was run
