"""Switches the course reads from the environment (``COURSE_*``), with one meaning of on.

A switch is on when it is set to anything but "", "0", "false" or "no" (any case, any
surrounding spaces). Introduced for ``COURSE_RETRAIN``, ``COURSE_GRADING`` and
``COURSE_XLA``.
"""

from __future__ import annotations

import os

OFF = ("", "0", "false", "no")


def is_set(name: str, environ=None) -> bool:
    """Whether ``name`` is set to something other than blanks."""
    return bool((os.environ if environ is None else environ).get(name, "").strip())


def flag(name: str, environ=None) -> bool:
    """Whether the switch ``name`` is on."""
    return (os.environ if environ is None else environ).get(name, "").strip().lower() not in OFF
