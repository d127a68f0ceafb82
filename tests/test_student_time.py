"""README's lesson table and lesson 00's give each lesson's student time from the lessons
themselves (course.tools.student_time): a lesson that grows or loses an exercise must
change both tables."""

import json
import re

import pytest

from course.runtime.paths import NOTEBOOKS, ROOT
from course.tools import runner, student_time

LESSONS = runner.lessons(None)
ROW_00 = re.compile(r"^\| (\d\d) \|.*\| (\d+) \+ (\d+) \+ (\d+) = \*\*(\d+)\*\* \|$", re.MULTILINE)
ROW_README = re.compile(r"^\| (\d\d) \| \[.*\| (\d+) min \|$", re.MULTILINE)


def lesson_00_table() -> dict[str, tuple[int, ...]]:
    [start] = runner.lessons(["00"])
    text = "\n".join("".join(c["source"]) for c in json.loads(start.read_text())["cells"]
                     if c["cell_type"] == "markdown")
    return {m[1]: tuple(map(int, m.groups()[1:])) for m in ROW_00.finditer(text)}


def test_both_tables_list_every_lesson():
    lessons = [p.name[:2] for p in LESSONS]
    assert list(lesson_00_table()) == lessons
    readme = (ROOT / "README.md").read_text()
    assert [m[1] for m in ROW_README.finditer(readme)] == lessons


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name[:2])
def test_lesson_00_gives_the_reading_and_exercise_minutes_of_the_lesson(path):
    reading, doing, running, total = lesson_00_table()[path.name[:2]]
    expected = (student_time.reading_minutes(path), student_time.exercise_minutes(path))
    assert (reading, doing) == expected, (
        f"{NOTEBOOKS.name}/00's row for {path.name}: {reading} + {doing} minutes, the lesson now "
        f"has {expected[0]} + {expected[1]}: `python -m course.tools.student_time` updates "
        "both tables")
    assert running == student_time.running_minutes(path), (
        f"{NOTEBOOKS.name}/00's row for {path.name} runs {running} minutes, "
        f"{student_time.RUN_TIMES.name} says {student_time.running_minutes(path)}: "
        "`python -m course.tools.student_time` updates both tables")
    assert running >= 1 and total == reading + doing + running <= 90


def test_readme_gives_lesson_00s_totals():
    readme = {m[1]: int(m[2]) for m in ROW_README.finditer((ROOT / "README.md").read_text())}
    assert readme == {k: v[-1] for k, v in lesson_00_table().items()}


def test_the_total_is_the_sum_of_the_rows():
    total = sum(row[-1] for row in lesson_00_table().values())
    [start] = runner.lessons(["00"])
    for text in (start.read_text(), (ROOT / "README.md").read_text()):
        [stated] = student_time.IN_ALL.findall(text)
        assert int(stated) == total


def test_an_open_exercise_without_a_solution_cell_is_timed(tmp_path):
    def markdown(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    lesson = tmp_path / "99_demo.ipynb"
    lesson.write_text(json.dumps({"cells": [
        markdown("**Exercise 9.1 (open).** Try a wider network and say what changes."),
        markdown("**Exercise 9.2 (transcribe).** Write the formula as code.")]}))
    assert student_time.exercise_minutes(lesson) == (
        student_time.EXERCISE_MINUTES + student_time.QUICK_MINUTES)
