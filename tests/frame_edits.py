"""An answer that edits what its checker holds (R3): it walks up to the checker's frames and
fills every array it finds there (and those it was given) with one value, empties every list,
dict and set, then answers for what it has made of its inputs. A checker that worked out what
is right after the answer ran, from its own arrays, or that loops over a list, would take a
wrong answer for a right one; the checkers keep what is right, and their cases, out of reach.

The frames are found through a traceback, not ``sys._getframe`` (which the checker's watch
may refuse by name): what is tested here is that the checker has nothing left to edit."""

import contextlib

import numpy as np


def _edit(value, fill, depth=0):
    """Fill ``value`` if it is an array, empty it if it is a list, dict or set (what they
    hold edited first); tuples are opened. Whatever refuses (a read-only array) is left."""
    if depth > 3:
        return
    if isinstance(value, tuple):
        for item in value:
            _edit(item, fill, depth + 1)
    elif isinstance(value, list | dict | set):
        for item in list(value.values() if isinstance(value, dict) else value):
            _edit(item, fill, depth + 1)
        with contextlib.suppress(Exception):
            value.clear()
    elif isinstance(value, np.ndarray):
        with contextlib.suppress(Exception):
            value[...] = fill


def checker_frames():
    """The frames above the caller's caller, innermost first."""
    try:
        raise RuntimeError
    except RuntimeError as error:
        frame = error.__traceback__.tb_frame.f_back.f_back
    while frame is not None:
        yield frame
        frame = frame.f_back


def editing(module, answer, fill=0):
    """``answer``, after it has edited the locals of every frame of ``module`` above it and
    its own array arguments (filled with ``fill``)."""
    def cheat(*args, **kwargs):
        for frame in checker_frames():
            if frame.f_globals.get("__name__") == module.__name__:
                for value in list(frame.f_locals.values()):
                    _edit(value, fill)
        for value in (*args, *kwargs.values()):
            if isinstance(value, np.ndarray):
                _edit(value, fill)
        return answer(*args, **kwargs)

    name = getattr(answer, "__name__", "answers").strip("<>")
    cheat.__name__ = f"edits_the_checker_then_{name}"
    return cheat
