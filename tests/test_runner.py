"""Headless execution: progress, the report, and failures that name the cell."""

import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.tools import runner


def notebook(path, *sources):
    nb = new_notebook(cells=[new_markdown_cell("# Test")] + [new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def lessons(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook(folder / "00_ok.ipynb",
             "import os, course\nprint(os.environ['COURSE_PROFILE'])",
             "course.record(test_accuracy=0.5, data_mnist='bundled samples')")
    notebook(folder / "01_fails.ipynb", "x = 1", "y = 2", "raise ValueError('kernel too big')")
    return folder


def test_lessons_are_found_in_order_and_filtered(lessons):
    assert [p.name for p in runner.lessons(folder=lessons)] == ["00_ok.ipynb", "01_fails.ipynb"]
    assert [p.name for p in runner.lessons(["01"], folder=lessons)] == ["01_fails.ipynb"]
    with pytest.raises(ValueError, match="no notebook .* starts with 07"):
        runner.lessons(["07"], folder=lessons)


@pytest.mark.slow
def test_run_reports_figures_and_failures(lessons, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner, "lessons", lambda only: sorted(lessons.glob("*.ipynb")))
    build = tmp_path / "build"
    results = runner.run(profile="smoke", build=build)
    out = capsys.readouterr().out
    assert "[1/2] 00_ok.ipynb ... ok in" in out and "[2/2] 01_fails.ipynb ... failed in" in out
    ok, failed = results
    assert ok.status == "ok" and ok.figures == {"test_accuracy": 0.5}
    assert ok.data == {"mnist": "bundled samples"}
    assert failed.status == "failed"
    assert failed.error.startswith("01_fails.ipynb, cell 3 (`raise ValueError")
    assert failed.error.endswith("ValueError: kernel too big")
    executed = nbformat.read(build / "executed" / "00_ok.ipynb", as_version=4)
    assert executed.cells[1].outputs[0].text == "smoke\n"  # the profile reached the kernel
    report = json.loads((build / "report.json").read_text())
    assert [r["status"] for r in report["lessons"]] == ["ok", "failed"]
    md = (build / "report.md").read_text()
    assert "| 00_ok.ipynb | smoke | ok |" in md and "test_accuracy = 0.5" in md
    assert "## Failures in this run" in md and "kernel too big" in md


@pytest.mark.slow
def test_a_cell_past_the_time_limit_says_how_to_give_it_more(tmp_path):
    path = notebook(tmp_path / "02_slow.ipynb", "import time\ntime.sleep(60)")
    result, _ = runner.execute(path, "smoke", tmp_path / "out", timeout=2)
    assert result.status == "failed"
    assert result.error.startswith("02_slow.ipynb, cell 1 (`import time`): stopped after 2 s"), \
        result.error
    assert "--timeout" in result.error


@pytest.mark.slow
def test_later_runs_keep_other_lessons_and_profiles(lessons, tmp_path, monkeypatch):
    build = tmp_path / "build"
    monkeypatch.setattr(runner, "lessons", lambda only: [lessons / "00_ok.ipynb"])
    runner.run(profile="smoke", build=build)
    runner.run(profile="quick", build=build)
    monkeypatch.setattr(runner, "lessons", lambda only: [lessons / "01_fails.ipynb"])
    runner.run(profile="smoke", build=build)
    entries = json.loads((build / "report.json").read_text())["lessons"]
    assert [(e["notebook"], e["profile"]) for e in entries] == [
        ("00_ok.ipynb", "quick"), ("00_ok.ipynb", "smoke"), ("01_fails.ipynb", "smoke")]


@pytest.mark.parametrize("damage", ["{\"lessons\": [", "[1, 2]", "{\"lessons\": 3}"])
@pytest.mark.slow
def test_a_damaged_report_is_kept_aside_and_named(lessons, tmp_path, monkeypatch, capsys, damage):
    build = tmp_path / "build"
    build.mkdir()
    (build / "report.json").write_text(damage)
    monkeypatch.setattr(runner, "lessons", lambda only: [lessons / "00_ok.ipynb"])
    runner.run(profile="smoke", build=build)
    aside = list(build.glob("report.unreadable-*.json"))
    assert len(aside) == 1 and aside[0].read_text() == damage  # nothing lost
    err = capsys.readouterr().err
    assert f"{build / 'report.json'} is not a run report" in err and aside[0].name in err
    entries = json.loads((build / "report.json").read_text())["lessons"]
    assert [e["notebook"] for e in entries] == ["00_ok.ipynb"]


@pytest.mark.slow
def test_write_back_stores_outputs_only_for_lessons_that_ran(lessons, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "lessons", lambda only: sorted(lessons.glob("*.ipynb")))
    before = (lessons / "01_fails.ipynb").read_text()
    runner.run(profile="smoke", build=tmp_path / "build", write_back=True)
    assert nbformat.read(lessons / "00_ok.ipynb", as_version=4).cells[1].outputs
    assert (lessons / "01_fails.ipynb").read_text() == before


def test_cli_rejects_a_bogus_profile():
    cli = subprocess.run([sys.executable, "-m", "course", "run", "--profile", "bogus"],
                         capture_output=True, text=True)
    assert cli.returncode == 2 and "invalid choice: 'bogus'" in cli.stderr


@pytest.mark.slow
def test_cli_reports_a_bogus_profile_variable(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "bogus")
    cli = subprocess.run([sys.executable, "-m", "course", "run"], capture_output=True, text=True)
    assert cli.returncode == 2
    assert "error: COURSE_PROFILE='bogus' is not a profile: use one of smoke, quick, full" in (
        cli.stderr)
