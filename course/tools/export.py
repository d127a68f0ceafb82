"""Lesson code saved into the package, d2l's ``#@save`` way. First used in lesson 01.

A code cell whose first line is ``#@save models`` holds code that is the point of its
lesson (a network, a block, a training step) and that later lessons, tests or
benchmarks also need. The lesson is the one source: ``python -m course export`` copies
every such cell, in notebook order, into ``course/models.py`` between two marker lines
that name the notebook, and ``python -m course export --check`` (run by the tests)
fails when the package's copy and the lesson's differ. Edit the lesson, then export.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from course.runtime.errors import UsageError
from course.runtime.paths import NOTEBOOKS, PACKAGE
from course.tools.exercises import BEGIN, END

MARKER = re.compile(r"^#@save (\w+)\s*$")


def _begin(notebook: str) -> str:
    return f"# >>> from notebooks/{notebook}: edit the lesson, then `python -m course export`"


def _end(notebook: str) -> str:
    return f"# <<< end of notebooks/{notebook}"


def saved_cells(notebook: Path) -> dict[str, list[str]]:
    """Module name -> the sources of the notebook's saved cells, without the marker line
    and without an exercise's solution markers (the package holds the solution's code)."""
    found: dict[str, list[str]] = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        text = "".join(cell["source"])
        first, _, rest = text.partition("\n")
        match = MARKER.match(first)
        if cell["cell_type"] == "code" and match:
            code = "\n".join(line for line in rest.split("\n")
                             if BEGIN not in line and END not in line)
            found.setdefault(match.group(1), []).append(code.strip("\n"))
    return found


def region(notebook: str, sources: list[str]) -> str:
    """The block of module text that holds one notebook's saved cells."""
    return "\n".join([_begin(notebook), "", "\n\n\n".join(sources), "", _end(notebook)])


def _with_region(module_text: str, notebook: str, block: str) -> str:
    begin, end = module_text.find(_begin(notebook)), module_text.find(_end(notebook))
    if begin < 0 or end < begin:
        return module_text.rstrip("\n") + "\n\n\n" + block + "\n"
    return module_text[:begin] + block + module_text[end + len(_end(notebook)):]


def export(notebooks=None, package: Path = PACKAGE, check: bool = False) -> list[str]:
    """Copy saved cells into the package; return the modules that were (or would be) changed.

    With ``check``, write nothing: the returned list names the modules whose copy of a
    lesson's code is out of date.
    """
    stale = []
    for notebook in sorted(Path(n) for n in notebooks or NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for module, sources in saved_cells(notebook).items():
            path = package / f"{module}.py"
            if not path.exists():
                raise UsageError(f"{notebook.name} saves cells to course/{module}.py, which "
                                 f"does not exist: use the name of a course module "
                                 f"(e.g. '#@save models')")
            text = path.read_text()
            new = _with_region(text, notebook.name, region(notebook.name, sources))
            if new != text:
                stale.append(f"course/{module}.py <- {notebook.name}")
                if not check:
                    path.write_text(new)
    return stale
