"""What the per-lesson checker tests share: the instructor's solution lines (no hint may
show one) and the simplest cheat, an object equal to everything."""

from pathlib import Path

import nbformat

from course.tools.exercises import exercises


def solution_lines(lesson: Path, checker: str) -> list[str]:
    """The code lines of the instructor's solution to ``checker``'s exercise in ``lesson``."""
    nb = nbformat.read(lesson, as_version=4)
    [ex] = [e for e in exercises(lesson, nb) if e.checker == checker]
    lines = [line.split("#")[0].strip() for line in nb.cells[ex.cell].source.splitlines()]
    return [line for line in lines if len(line) > 12 and not line.startswith(("def ", "###"))]


class AlwaysEqual:
    """A cheat: equal to anything it is compared with."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


def refused_every_time(check, answer, capsys, lesson: Path, checker: str, kind: str,
                       draws: int = 3) -> None:
    """``answer`` gets "not yet" from ``check`` on every draw, with a hint that neither
    blames a crash nor shows a line of the solution."""
    for _ in range(draws):  # fresh cases each time: refused on every draw
        assert not check(answer)
        line = capsys.readouterr().out.strip()
        assert line.startswith(f"{getattr(answer, '__name__', checker)}: not yet - "), line
        assert "raised" not in line, f"{kind}: {line}"
        for solution in solution_lines(lesson, checker):
            assert solution not in line, f"{kind}: the hint shows the solution: {line}"
