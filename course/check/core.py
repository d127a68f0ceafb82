"""The machinery every checker shares. Introduced in lesson 00."""

from __future__ import annotations

import functools


class Hint(Exception):
    """Raised inside a checker with a message that tells the student what to look at."""


def checker(func):
    """Turn ``func(answer)`` into a checker that prints feedback and returns True/False.

    ``func`` raises :class:`Hint` for a wrong answer and returns a short note on what was
    checked when the answer is right. A student's ``NotImplementedError``, or a value the
    student version left at ``...``, reads as "not attempted yet"; any other exception is
    reported by type and message.
    """

    @functools.wraps(func)
    def wrapper(answer, *args, **kwargs):
        name = getattr(answer, "__name__", func.__name__)
        try:
            if answer is Ellipsis:  # the stub of a value exercise: `size = ...`
                raise NotImplementedError
            note = func(answer, *args, **kwargs)
        except NotImplementedError:
            print(f"{name}: not attempted yet - replace the `raise NotImplementedError` stub")
            return False
        except Hint as hint:
            print(f"{name}: not yet - {hint}")
            return False
        except Exception as error:  # the student's code raised: say what and where to look
            print(f"{name}: your code raised {type(error).__name__}: {error}")
            return False
        print(f"{name}: correct - {note}")
        return True

    return wrapper
