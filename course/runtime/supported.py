"""The library versions the course supports, from its package metadata. Introduced in lesson 00.

The one source is ``pyproject.toml``'s ``dependencies`` (lower bounds: Colab's current
image, tested by ``make test-colab``); an installed course (editable or a wheel) carries
them in its metadata. The Colab bootstrap installs what is missing or too old;
``python -m course doctor`` reports it.
"""

from __future__ import annotations

import importlib.metadata

from packaging.requirements import Requirement
from packaging.version import Version

# A requirement is met by any of these distributions (Colab ships opencv-python, and
# installing the headless build beside it would give two copies of cv2).
ALTERNATIVES = {"opencv-python-headless": ("opencv-python-headless", "opencv-python",
                                           "opencv-contrib-python",
                                           "opencv-contrib-python-headless")}


def lower_bounds(metadata=importlib.metadata) -> dict[str, str]:
    """Distribution name -> the oldest version the course supports."""
    bounds = {}
    for line in metadata.requires("course") or []:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra's (tests) or another platform's requirement
        for spec in requirement.specifier:
            if spec.operator == ">=":
                bounds[requirement.name] = spec.version
    return bounds


def installed(name: str, metadata=importlib.metadata) -> str | None:
    """The installed version of ``name`` (or of a distribution that stands in for it)."""
    for candidate in ALTERNATIVES.get(name, (name,)):
        try:
            return metadata.version(candidate)
        except metadata.PackageNotFoundError:
            continue
    return None


def older(version: str, bound: str) -> bool:
    """Whether ``version`` is older than ``bound`` ("2.19.1" < "2.20"; "2.20.0rc1" is 2.20.0:
    Colab may ship a release candidate of a supported version)."""
    return Version(version).release < Version(bound).release


def unmet(metadata=importlib.metadata) -> list[tuple[str, str | None, str]]:
    """``(name, installed version or None, lower bound)`` for each requirement not met."""
    found = []
    for name, bound in lower_bounds(metadata).items():
        version = installed(name, metadata)
        if version is None or older(version, bound):
            found.append((name, version, bound))
    return found
