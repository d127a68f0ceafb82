"""How long a lesson takes a student, as README's lesson table and lesson 00's give it:
reading, exercises and running, in minutes. Instructor tooling;
``tests/test_student_time.py`` fails when either table drifts from the lessons.

The running minutes are the quick profile's lesson times in ``RUN_TIMES``, which
``python benchmarks/run.py`` collects from the run report of ``make course``."""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

from course.tools.exercises import IMPLEMENT, STATEMENT

WORDS_PER_MINUTE = 150
QUICK_KINDS = {"transcribe", "predict, then run", "explain with a number"}
QUICK_MINUTES = 5
EXERCISE_MINUTES = 10  # every other kind: code to write, a bug to find, a target to meet
RUN_TIMES = Path(__file__).resolve().parents[2] / "benchmarks" / "results.json"
IN_ALL = re.compile(r"(\d+)\s+minutes \(about [\d.]+ hours\) in all")  # both tables' total


def reading_minutes(lesson: Path) -> int:
    """The words of the lesson's text cells at ``WORDS_PER_MINUTE``, rounded up."""
    cells = json.loads(lesson.read_text())["cells"]
    words = sum(len("".join(c["source"]).split()) for c in cells if c["cell_type"] == "markdown")
    return math.ceil(words / WORDS_PER_MINUTE)


def exercise_minutes(lesson: Path) -> int:
    """``QUICK_MINUTES`` for each exercise statement of a ``QUICK_KINDS`` kind,
    ``EXERCISE_MINUTES`` for the others: open exercises, which have no solution cell,
    included."""
    cells = json.loads(lesson.read_text())["cells"]
    kinds = [(match.group(2) or IMPLEMENT).strip() for c in cells if c["cell_type"] == "markdown"
             for match in STATEMENT.finditer("".join(c["source"]))]
    return sum(QUICK_MINUTES if kind in QUICK_KINDS else EXERCISE_MINUTES for kind in kinds)


@functools.cache
def _run_times() -> dict:
    """The lessons' times in ``RUN_TIMES``, read once."""
    return json.loads(RUN_TIMES.read_text())["lessons"]


def running_minutes(lesson: Path) -> int:
    """The lesson's quick-profile seconds in ``RUN_TIMES``, rounded up to a minute."""
    seconds = _run_times().get(lesson.stem, {}).get("quick")
    if seconds is None:
        raise SystemExit(f"{RUN_TIMES} has no quick-profile time for {lesson.stem}: run "
                         "`make course` on a quiet machine, then `python benchmarks/run.py`")
    return math.ceil(seconds / 60)


def update_tables() -> list[str]:
    """Rewrite the reading, exercise and running minutes (and totals) in lesson 00's table
    and README's from the lessons and ``RUN_TIMES``. Returns the lessons whose row changed.
    ``python -m course.tools.student_time`` runs it."""
    from course.runtime.paths import ROOT
    from course.tools.runner import lessons

    paths = {p.name[:2]: p for p in lessons(None)}
    start = paths["00"]
    text, totals, changed = start.read_text(), {}, []

    def row(match: re.Match) -> str:
        number = match[2]
        reading, doing = reading_minutes(paths[number]), exercise_minutes(paths[number])
        running = running_minutes(paths[number])
        totals[number] = reading + doing + running
        if (reading, doing, running) != (int(match[3]), int(match[4]), int(match[5])):
            changed.append(number)
        return f"{match[1]}{reading} + {doing} + {running} = **{totals[number]}** |"

    text = re.sub(r"(\| (\d\d) \|[^\n]*?\| )(\d+) \+ (\d+) \+ (\d+) = \*\*\d+\*\* \|", row,
                  text)
    readme = ROOT / "README.md"
    text_readme = re.sub(r"^(\| (\d\d) \| \[.*\| )\d+( min \|)$",
                         lambda m: f"{m[1]}{totals[m[2]]}{m[3]}", readme.read_text(),
                         flags=re.MULTILINE)
    total = sum(totals.values())
    in_all = f"{total} minutes (about {total / 60:.1f} hours) in all"
    for path, new in ((start, text), (readme, text_readme)):
        path.write_text(IN_ALL.sub(in_all, new))
    return changed


if __name__ == "__main__":
    print("changed:", ", ".join(update_tables()) or "nothing")
