"""The course's own errors: problems the user can fix, whose message says how.

``python -m course`` prints a ``CourseError``'s message and exits with status 2; any
other exception is a bug in the course and shows its traceback.
"""


class CourseError(Exception):
    """A problem the user can fix (a setting, a file, an argument); the message says how."""


class UsageError(CourseError, ValueError):
    """A wrong argument, name or setting (also a ValueError, as Python's own are)."""
