"""How far a lesson run headless has got: the cell it is in and, while it trains, the epoch.

``python -m course run`` sets ``COURSE_PROGRESS_FILE``; ``course.train``'s epoch log
writes its training progress there (:func:`training`), and the runner shows it, with the
cell, on one updating line per lesson (:class:`Line`).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

from course.runtime import settings

FILE_VAR = settings.PROGRESS_FILE


def training(model: str, epoch: int, epochs: int, batch: int, steps: int | None,
             started: float) -> None:
    """Say that ``model`` is in ``epoch`` (1-based) of ``epochs``, after ``batch`` of
    ``steps`` batches, training since ``started`` (``time.time()``). Does nothing unless
    ``COURSE_PROGRESS_FILE`` is set."""
    path = settings.text(FILE_VAR)
    if not path:
        return
    state = {"model": model, "epoch": epoch, "epochs": epochs, "batch": batch,
             "steps": steps, "started": started, "updated": time.time()}
    partial = Path(f"{path}.partial")
    partial.write_text(json.dumps(state))
    os.replace(partial, path)  # the runner never reads half a file


def read(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def describe_training(state: dict, now: float) -> str:
    """"cifar_plain epoch 2/5, 0:41, about 1:10 left" from a :func:`training` state."""
    epoch, epochs = state["epoch"], state["epochs"]
    text = f"{state['model']} epoch {epoch}/{epochs}"
    elapsed = now - state["started"]
    done = (epoch - 1 + (state["batch"] / state["steps"] if state.get("steps") else 0)) / epochs
    left = f", about {_clock(elapsed * (1 - done) / done)} left" if done > 0.02 else ""
    return f"{text}, {_clock(elapsed)}{left}"


class Line:
    """The runner's line for one lesson: ``[8/12] 07_plain_vs_residual.ipynb ... ok in 98 s``.

    While the lesson runs, a terminal sees the line rewritten every second with the cell
    and any training; a log (not a terminal) gets the same text on its own line once a
    minute, so CI logs show progress without a line per second.
    """

    def __init__(self, prefix: str, stream=None, every: float | None = None):
        self.prefix, self.state_file = prefix, None
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.every = every or (1.0 if self.tty else 60.0)
        self.ordinal, self.total = {}, 0
        self.cell, self.cell_started = 0, time.time()
        self.started, self.shown = time.time(), False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def follow(self, code_cells: list[int], state_file: Path) -> None:
        """The notebook's code cells (their indices) and where its training reports."""
        self.ordinal = {index: n for n, index in enumerate(code_cells, 1)}
        self.total, self.state_file = len(code_cells), Path(state_file)

    def __enter__(self):
        self.stream.write(f"{self.prefix} ... ")
        self.stream.flush()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def on_cell(self, cell_index: int) -> None:
        """nbclient's ``on_cell_execute`` hook: a code cell starts."""
        self.cell = self.ordinal.get(cell_index, self.cell)
        self.cell_started = time.time()

    def describe(self, now: float | None = None) -> str:
        now = now or time.time()
        text = f"cell {self.cell}/{self.total}, {_clock(now - self.started)}"
        state = read(self.state_file) if self.state_file else {}
        if state and state.get("updated", 0) >= self.cell_started:
            text += f"; {describe_training(state, now)}"
        return text

    def _loop(self):
        while not self._stop.wait(self.every):
            if self.tty:
                self.stream.write(f"\r{self.prefix} {self.describe()}\x1b[K")
            else:
                self.stream.write(("\n" if not self.shown else "") + f"    {self.describe()}\n")
            self.shown = True
            self.stream.flush()

    def finish(self, status: str) -> None:
        """End the line with the lesson's status (call after leaving the ``with``)."""
        if self.tty:
            self.stream.write(f"\r{self.prefix} ... {status}\x1b[K\n")
        elif self.shown:
            self.stream.write(f"{self.prefix} ... {status}\n")
        else:
            self.stream.write(f"{status}\n")
        self.stream.flush()
