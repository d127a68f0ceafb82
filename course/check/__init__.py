"""Exercise checkers: specific feedback, never the answer. Introduced in lesson 00.

Each lesson's checkers live in ``course.check.lessonNN``; a notebook calls, e.g.,
``course.check.lesson00.count_per_class(count_per_class)``. A checker prints one line,
a hint naming the first difference when the answer is not right yet, and returns a
``Verdict`` (true when it is right); with ``COURSE_GRADING=1`` a wrong answer raises
``AssertionError`` instead, for nbgrader. See ``course.check.core``.

``course.check.done(answer, "4.3")`` guards a lesson cell that uses a student's answer: it
is false, and says so in one line, while the exercise is still a stub
(``course.check.stubs``).
"""

import importlib

from course.check.core import GRADING_VAR, Hint, StudentError, Verdict, checker
from course.check.stubs import done

__all__ = ["GRADING_VAR", "Hint", "StudentError", "Verdict", "checker", "done"]


def __getattr__(name):
    if name.startswith("lesson"):
        return importlib.import_module(f"course.check.{name}")
    raise AttributeError(f"module 'course.check' has no attribute {name!r}")
