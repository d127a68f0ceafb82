"""Claims: printed with their verdict, recorded for the report, and never stored failing."""

import json
from pathlib import Path

import numpy as np
import pytest

from course import claims
from course.runtime import report
from course.tools import runner

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Lessons whose conclusions from trained results are stated as claims (issue 13 adds the
# rest of 05 and 08-11 as they are reworked).
CLAIMING = ("05", "07", "08", "09", "10", "11", "12")


@pytest.fixture(autouse=True)
def fresh_record(monkeypatch):
    monkeypatch.setattr(report, "RECORDED", {})
    monkeypatch.delenv(report.RECORD_FILE_VAR, raising=False)


def test_a_claim_prints_its_verdict_and_evidence(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert claims.claim("deeper trains worse", 1.7 > 1.4, "1.700 > 1.400").holds
    claims.claim("the residual stack wins", np.float32(2.0) < np.float32(1.0))
    out = capsys.readouterr().out.splitlines()
    assert out == ["[claim holds] deeper trains worse (1.700 > 1.400)",
                   "[claim does not hold at this scale] the residual stack wins"]
    assert claims.stored("\n".join(out)) == [("holds", "deeper trains worse (1.700 > 1.400)"),
                                             ("does not hold at this scale",
                                              "the residual stack wins")]


def test_claims_are_recorded_for_the_report(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    record_file = tmp_path / "figures.json"
    monkeypatch.setenv(report.RECORD_FILE_VAR, str(record_file))
    claims.claim("a", True, "1 > 0")
    claims.claim("b", False)
    assert json.loads(record_file.read_text())["claims"] == [
        {"statement": "a", "status": "holds", "evidence": "1 > 0"},
        {"statement": "b", "status": "does not hold", "evidence": ""}]


def test_smoke_prints_claims_unchecked(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    result = claims.claim("noise says nothing", False, "0.1 > 0.2")
    assert result.status == "not checked"
    assert capsys.readouterr().out.startswith(f"{claims.UNCHECKED} noise says nothing")
    assert claims.stored(f"{claims.UNCHECKED} x") == [("not checked in a smoke or trial run", "x")]


def test_trial_runs_print_claims_unchecked(monkeypatch, capsys):
    from course.runtime import trial

    monkeypatch.setenv("COURSE_PROFILE", "full")
    monkeypatch.setenv(trial.ENV_VAR, "3")
    assert claims.claim("a trial's accuracy", False).status == "not checked"
    assert capsys.readouterr().out.startswith(f"{claims.UNCHECKED} a trial's accuracy")


def test_a_claim_needs_a_computed_bool():
    with pytest.raises(TypeError, match="must be a bool computed from the run"):
        claims.claim("accuracy is high", 0.9)


def test_spread_of_repeated_runs():
    s = claims.spread([0.5, 0.7, 0.6])
    assert (s.low, s.high) == (0.5, 0.7) and s.mean == pytest.approx(0.6)
    assert s.format() == "60.0% (range 50.0% to 70.0%, 3 runs)"
    with pytest.raises(ValueError, match="at least one"):
        claims.spread([])


def test_report_lists_claims_and_marks_failing_ones(tmp_path):
    ok = runner.LessonResult("07_x.ipynb", "ok", 1.0, "quick",
                             claims=[{"statement": "a", "status": "holds", "evidence": "2 > 1"}])
    bad = runner.LessonResult("08_y.ipynb", "claims fail", 1.0, "quick",
                              claims=[{"statement": "b", "status": "does not hold",
                                       "evidence": ""}])
    runner.write_report([ok, bad], tmp_path)
    text = (tmp_path / "report.md").read_text()
    assert "## Claims" in text
    assert "- holds: a (2 > 1)" in text and "- does not hold: b" in text
    assert "| 08_y.ipynb | quick | claims fail |" in text


def _stored_claims(path):
    found = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            found += [(index, status, statement) for status, statement in claims.stored(text)]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_stored_claim_holds(path):
    failing = [f"cell {i}: {statement}" for i, status, statement in _stored_claims(path)
               if status != "holds"]
    assert not failing, "the committed run contradicts the lesson: " + "; ".join(failing)


@pytest.mark.parametrize("lesson", CLAIMING)
def test_lessons_state_their_conclusions_as_claims(lesson):
    path = next(p for p in NOTEBOOKS if p.name.startswith(lesson))
    assert len(_stored_claims(path)) >= 3, f"{path.name} states no claims on its run"


def test_a_cell_ending_in_a_claim_shows_it_once(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("import course.claims\ncourse.claims.claim('x', True, 'y')")
    finally:  # a shell left behind makes get_ipython() answer in every later test
        InteractiveShell.clear_instance()
    out = capsys.readouterr().out
    assert out.count("] x (y)") == 1 and "Claim(" not in out  # the line, not its repr


def test_a_claim_the_reference_run_refutes_says_so(monkeypatch, tmp_path, capsys):
    from course.runtime import paths

    (tmp_path / "reference.json").write_text(json.dumps({"05": {
        "profile": "full", "date": "2026-12-01",
        "claims": [{"statement": "bn changes little", "status": "does not hold",
                    "evidence": "-1.73 points"},
                   {"statement": "the cnn wins", "status": "holds", "evidence": "89%"}]}}))
    monkeypatch.setattr(paths, "BENCHMARK_RESULTS", tmp_path)
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    claims.claim("bn changes little", True, "-0.03 points")
    claims.claim("the cnn wins", True, "90%")
    assert capsys.readouterr().out.splitlines() == [
        "[claim holds] bn changes little (-0.03 points)",
        "    but in the reference run (full, 2026-12-01) it does not hold (-1.73 points): see "
        "the text on what that means",
        "[claim holds] the cnn wins (90%)"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_stored_claim_shows_the_reference_s_other_verdict(path):
    """A claim the stored reference run decides otherwise carries that verdict in the
    committed output: re-execute the lesson after a reference run."""
    for cell in json.loads(path.read_text())["cells"]:
        text = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
        for status, statement in claims.stored(text):
            reference = claims.reference_verdict(statement.rsplit(" (", 1)[0])
            if reference and reference["status"] != ("holds" if status == "holds" else
                                                      "does not hold"):
                assert "but in the reference run" in text, (path.name, statement)
