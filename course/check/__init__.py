"""Exercise checkers: specific feedback, never the answer. Introduced in lesson 00.

Each lesson's checkers live in ``course.check.lessonNN``; a notebook calls, e.g.,
``course.check.lesson00.count_per_class(count_per_class)``. A checker returns True when
the answer is right and prints a hint naming the first difference when it is not.
"""

import importlib

from course.check.core import Hint, checker

__all__ = ["Hint", "checker"]


def __getattr__(name):
    if name.startswith("lesson"):
        return importlib.import_module(f"course.check.{name}")
    raise AttributeError(f"module 'course.check' has no attribute {name!r}")
