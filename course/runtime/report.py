"""Figures a lesson records for the run report. Introduced in lesson 00.

A lesson calls ``course.record(test_accuracy=0.991)`` next to the number it teaches.
Run headless by ``python -m course run``, the figures land in ``build/report.md``;
in Jupyter, ``record`` only remembers them in ``RECORDED``.
"""

from __future__ import annotations

import json
from pathlib import Path

from course.runtime import settings

RECORD_FILE_VAR = settings.RECORD_FILE
RECORDED: dict[str, object] = {}


def record(**figures) -> None:
    """Remember figures (numbers or short strings) for the run report."""
    for key, value in figures.items():
        if hasattr(value, "item"):  # numpy / tensor scalars
            value = value.item()
        if isinstance(value, float):
            value = float(f"{value:.6g}")  # six significant digits, so 1.7e-08 survives
        RECORDED[key] = value
    path = settings.text(RECORD_FILE_VAR)
    if path:
        Path(path).write_text(json.dumps(RECORDED, indent=1, default=str))


def read(path: Path) -> dict:
    """The figures a lesson recorded into ``path`` (empty when it recorded none)."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
