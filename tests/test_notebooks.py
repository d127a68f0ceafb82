"""Static checks of every lesson notebook: the things nbval cannot see."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PLOT_REPR = re.compile(r"^\[?<(Figure size|matplotlib\.|Axes)|^Text\(")
MAX_STREAM_CHARS = 20_000


def cells(path, kind=None):
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if kind is None or c["cell_type"] == kind]


def source(cell):
    return "".join(cell["source"])


def test_there_are_lessons():
    assert NOTEBOOKS and NOTEBOOKS[0].name.startswith("00_")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_badge_and_setup_cell(path):
    first, second = cells(path)[:2]
    head = source(first)
    assert first["cell_type"] == "markdown" and head.startswith("# "), "first cell: '# Title'"
    assert sum(line.startswith("# ") for line in head.splitlines()) == 1, "one title only"
    assert "colab.research.google.com/github/" in head and f"notebooks/{path.name})" in head
    assert second["cell_type"] == "code" and "P = course.setup.start()" in source(second)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_without_errors(path):
    code = [c for c in cells(path, "code") if source(c).strip()]
    counts = [c["execution_count"] for c in code]
    assert None not in counts, "every code cell must be executed (nbval needs the counts)"
    assert counts == list(range(1, len(counts) + 1)), "run top to bottom once, in a new kernel"
    for i, cell in enumerate(code):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"code cell {i} stored an error"
            text = "".join(out.get("data", {}).get("text/plain", ""))
            if out["output_type"] == "execute_result":
                assert not PLOT_REPR.match(text), f"code cell {i}: end it with plt.show()"
            if out["output_type"] == "stream":
                assert len("".join(out["text"])) < MAX_STREAM_CHARS, f"code cell {i} floods"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not p.name.startswith("00_")],
                         ids=lambda p: p.name)
def test_lessons_check_their_teaching_outputs(path):
    assert any("# NBVAL_CHECK_OUTPUT" in source(c) for c in cells(path, "code"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solution_markers_are_balanced_and_in_code(path):
    for i, cell in enumerate(cells(path)):
        text = source(cell)
        begins, ends = text.count("### BEGIN SOLUTION"), text.count("### END SOLUTION")
        if cell["cell_type"] != "code":
            assert begins == ends == 0, f"cell {i}: solution markers belong in code cells"
        assert begins == ends, f"cell {i}: {begins} BEGIN vs {ends} END SOLUTION markers"


def test_readme_catalogue_is_current():
    from course.tools.exercises import catalogue

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert catalogue(NOTEBOOKS) in readme, "run `python -m course catalogue` into README.md"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_statement_names_its_kind_and_at_most_one_transcribes(path):
    from course.tools.exercises import STATEMENT, TRANSCRIBE, exercises

    unnamed = [m.group(1) for c in cells(path, "markdown")
               for m in STATEMENT.finditer(source(c)) if not m.group(2)]
    assert not unnamed, f"{path.name}: say the kind, e.g. **Exercise {unnamed[0]} (implement).**"
    copies = [ex.number for ex in exercises(path) if ex.kind == TRANSCRIBE]
    assert len(copies) <= 1, f"{path.name}: {copies} all transcribe; at most one may (issue 26)"


def _code_lines(text):
    """A cell's code lines without comments or blanks, spaces removed: what a copy shares."""
    lines = (re.sub(r"\s+", "", line.split("#")[0]) for line in text.splitlines())
    return {re.sub(r"^return", "", line) for line in lines}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_is_copied_from_the_cells_a_student_sees(path):
    """An exercise that is not labelled transcribe (or debug, whose broken version shares
    lines with the fix) has no solution line in a code cell of the student version before
    its checker: the lesson does not show the answer it asks for (a reveal after it may)."""
    from course.tools.exercises import TRANSCRIBE, exercises, solution_regions
    from course.tools.student import student_version

    student = [c for c in student_version(path).cells if c.cell_type == "code"]
    nb = json.loads(path.read_text())
    for ex in exercises(path):
        if ex.kind in (TRANSCRIBE, "debug"):
            continue
        call = f"course.check.{ex.checker_module}.{ex.checker}("
        before = next(i for i, c in enumerate(student) if call in c.source)
        shown = ["\n".join(_code_lines(c.source)) for c in student[:before]]
        text = source(nb["cells"][ex.cell])
        lines = text.splitlines()
        solution = _code_lines("\n".join(line for begin, end in solution_regions(text, "")
                                          for line in lines[begin + 1:end]))
        solution = {line for line in solution if len(line) >= 12 and not line.startswith("def")}
        copied = sorted(line for line in solution for cell in shown if line in cell)
        assert not copied, (f"{path.name} exercise {ex.number} ({ex.kind}): the lesson shows "
                            f"{copied[0]!r} before the checker; move it after, or call the "
                            "exercise transcribe")
