"""Tooling for instructors, CI and maintainers; lessons never import it.

``cli`` (``python -m course``), ``runner`` (executes lessons), ``student`` (student
versions), ``grade`` (hand-ins), ``exercises`` (answer markers), ``site``, ``doctor``
and ``export`` (``#@save`` cells into the package).
"""

from course import submodule


def __getattr__(name):
    return submodule(__name__, name)
