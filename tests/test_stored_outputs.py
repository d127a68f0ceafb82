"""The committed notebooks show what today's code prints: the setup banner's format, the
shipped-run message and the reference figures. A change to any of them fails here until
the lessons are re-executed (`python -m course run --write-back`)."""

import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from course import runs, setup, train
from course.runtime import speed
from course.tools import runner

LESSONS = runner.lessons()


def outputs(path: Path) -> list[str]:
    """Each code cell's printed text."""
    cells = json.loads(path.read_text())["cells"]
    return ["".join("".join(o.get("text", "")) for o in c.get("outputs", []))
            for c in cells if c["cell_type"] == "code"]


def shape(line: str) -> str:
    """A line with its numbers as N: what stays the same from machine to machine."""
    return re.sub(r"\d[\d,.]*", "N", line.rstrip())


@pytest.fixture(scope="module")
def banner(tmp_path_factory) -> dict[str, str]:
    """What ``setup.start()`` prints now in the quick profile, line by line, by its label."""
    patch = pytest.MonkeyPatch()
    patch.setenv("COURSE_PROFILE", "quick")
    patch.setattr(speed, "cpu_choice", lambda: speed.Choice(False, False, {}))
    patch.setattr(setup, "gpus", lambda: [])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        setup.start()
    patch.undo()
    return {line.split(":", 1)[0]: line for line in printed.getvalue().splitlines()}


def speed_shapes() -> set[str]:
    """Every form the speed line takes on a CPU: each choice, with and without bfloat16."""
    rates = [{"float32": 1.0, "float32 + XLA": 1.0},
             {"float32": 1.0, "float32 + XLA": 1.0, "mixed_bfloat16": 1.0}]
    return {shape("speed:    " + speed.Choice(jit, bf16, measured, cached).describe())
            for jit in (True, False) for bf16 in (True, False) for measured in rates
            for cached in (True, False)}


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_the_stored_setup_banner_is_what_setup_prints_now(path, banner):
    stored = {line.split(":", 1)[0]: line
              for line in next(text for text in outputs(path) if "profile:" in text).splitlines()}
    assert list(stored) == list(banner), f"{path.name}: the banner's lines changed"
    for label in ("device", "seed"):
        assert shape(stored[label]) == shape(banner[label]), (path.name, stored[label])

    def libraries(line):
        return [part.split()[0] for part in line.removeprefix("versions: ").split(", ")]

    assert libraries(stored["versions"]) == libraries(banner["versions"]), path.name
    assert stored["profile"] == banner["profile"], f"{path.name} was not run in quick"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_stored_speed_line_is_what_course_train_prints_now(path):
    """On a CPU the speed probe's line comes from ``course.train`` when training asks."""
    said = [line for text in outputs(path) for line in text.splitlines()
            if line.startswith("speed:")]
    assert all(shape(line) in speed_shapes() for line in said), (path.name, said)


@pytest.fixture(scope="module")
def loaded_message(tmp_path_factory) -> re.Pattern:
    """The line ``runs.fit`` prints for a shipped run now, as a pattern of its fixed words."""
    folder = tmp_path_factory.mktemp("shipped")
    run = train.Run("MODEL", 1, {"loss": [1.0, 0.5]}, 12.0)
    identity = {"data": {"train": "cifar10 x_train"}}
    path = folder / "MODEL.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        runs._save(path, run, train.Evaluation(0.5, np.eye(2, dtype=int), np.array([0, 1]),
                                               np.array([], dtype=int)), identity)
        runs._load(path, "MODEL", None, verbose=True)
    line = next(line for line in printed.getvalue().splitlines() if "MODEL:" in line)
    payload = json.loads(path.read_text())
    pattern = re.escape(line)
    for value in ("MODEL", "2", "12", payload["machine"], payload["data_source"]):
        pattern = pattern.replace(re.escape(value), "(.+)", 1)
    return re.compile(pattern)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_stored_shipped_run_message_is_what_runs_prints_now(path, loaded_message):
    for text in outputs(path):
        for line in text.splitlines():
            if "loaded the run the course ships" in line:
                assert loaded_message.fullmatch(line), (path.name, line)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_stored_reference_figures_are_the_reference_runs(path):
    key = path.name[:2]
    stored = runs.reference(key)
    for text in outputs(path):
        lines = text.splitlines()
        header = next((i for i, line in enumerate(lines) if re.search(
            r"  this run +reference \(full", line)), None)
        if header is None:
            continue
        if stored is None:
            assert lines[header].endswith("reference (full)"), path.name
            continue
        assert lines[header].endswith(f"reference (full, {stored['date']})"), (
            f"{path.name} shows another reference run: re-execute it")
        for line in lines[header + 1:]:
            name = line.split(" ", 1)[0]
            if not name or name.startswith("reference:"):
                break
            expected = runs._shown(name, stored["figures"][name]) \
                if name in stored["figures"] else "-"
            assert line.rstrip().endswith(f"  {expected}"), (path.name, line, expected)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_text_that_quotes_the_reference_run_quotes_its_figures(path):
    """A markdown paragraph citing results/reference.json quotes only that lesson's
    figures: percentages to one decimal, other figures (training losses) to two."""
    cells = [("".join(c["source"])) for c in json.loads(path.read_text())["cells"]
             if c["cell_type"] == "markdown"]
    citing = [paragraph for text in cells for paragraph in text.split("\n\n")
              if "results/reference.json" in paragraph]
    if not citing:
        return
    figures = runs.reference(path.name[:2])["figures"]
    shown = {f"{v:.1%}" if "accuracy" in k else f"{v:.2f}" for k, v in figures.items()
             if isinstance(v, float)}
    for text in citing:
        for number in re.findall(r"\d+\.\d+%?", text):
            assert number in shown, (path.name, number, sorted(shown))


# Where a lesson's text says how long runs it ships took to train: the lesson, its words
# (the minutes a group) and how many runs they add up: the first ones the next cell that
# loads shipped runs prints.
STATED_TIMES = [
    ("07", r"Training the four takes about (\d+) minutes", 4),
    ("07", r"the next cell trains ten runs, about (\d+) minutes", 10),
    ("07", r"Those are nine runs, about (\d+) minutes", 9),
    ("09", r"That takes about (\d+) minutes", 1),
    ("12", r"Eight epochs took ([\d.]+) minutes", 1),
]


@pytest.mark.parametrize("lesson, words, count", STATED_TIMES,
                         ids=[f"{lesson}-{count}" for lesson, _, count in STATED_TIMES])
def test_the_minutes_a_lesson_states_are_the_training_times_it_prints(lesson, words, count,
                                                                      loaded_message):
    """"about N minutes" is within a tenth (or a minute) of the printed seconds' sum; a
    decimal is that sum, rounded to its digits. The seconds are read from the lines
    ``runs.fit`` prints now for a shipped run (``loaded_message``: name, epochs, seconds)."""
    [path] = [p for p in LESSONS if p.name.startswith(lesson)]
    cells = json.loads(path.read_text())["cells"]
    at, stated = next((i, m.group(1)) for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                      and (m := re.search(words, " ".join("".join(c["source"]).split()))))
    printed = ("".join("".join(o.get("text", "")) for o in c["outputs"])
               for c in cells[at + 1:] if c["cell_type"] == "code")
    seconds = next(([int(m.group(3)) for m in found] for text in printed if (found := [
        m for line in text.splitlines() if (m := loaded_message.fullmatch(line))])), [])
    assert len(seconds) >= count, f"{path.name}: the cell after {words!r} loads {seconds}"
    minutes = sum(seconds[:count]) / 60
    if "." in stated:
        assert f"{minutes:.{len(stated.split('.')[1])}f}" == stated, (path.name, minutes)
    else:
        assert abs(int(stated) - minutes) <= max(1, minutes / 10), (path.name, stated, minutes)
