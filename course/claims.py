"""Conclusions bound to the run that draws them. Introduced in lesson 05.

A lesson that concludes something from a trained result states it as a claim on that
run's numbers, right after the result::

    course.claim("the 20-layer plain stack ends with a higher training loss than the "
                 "8-layer one", plain20 > plain8, f"{plain20:.3f} > {plain8:.3f}")

prints ``[claim holds] the 20-layer ... (1.715 > 1.467)`` or ``[claim does not hold at
this scale] ...``, so the stored output says whether the run backs the text. The run
report lists every claim with its status; ``tests/test_claims.py`` fails when a
committed notebook stores a claim that does not hold. In the ``smoke`` profile (a
handful of images, one epoch) and in trial runs (``course.runtime.trial``) results mean
nothing: claims are printed as not checked.

``spread`` summarizes repeated runs (several seeds), for claims about what is robust.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

HOLDS = "[claim holds]"
FAILS = "[claim does not hold at this scale]"
UNCHECKED = "[claim not checked in a smoke or trial run]"
PATTERN = re.compile(r"^\[claim (holds|does not hold at this scale|not checked in a smoke or "
                     r"trial run)\] (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Claim:
    """One conclusion and whether this run's numbers back it."""

    statement: str
    holds: bool
    evidence: str = ""
    checked: bool = True

    @property
    def status(self) -> str:
        if not self.checked:
            return "not checked"
        return "holds" if self.holds else "does not hold"

    def line(self) -> str:
        tag = UNCHECKED if not self.checked else HOLDS if self.holds else FAILS
        return f"{tag} {self.statement}" + (f" ({self.evidence})" if self.evidence else "")

    def _ipython_display_(self) -> None:
        """Nothing: ``claim`` printed the line already, so a cell ending in a claim does
        not show it a second time as ``Claim(statement=...)``."""


def claim(statement: str, holds, evidence: str = "") -> Claim:
    """Print ``statement`` with whether ``holds`` (a bool from this run) is true; record it.

    ``evidence`` is the numbers the verdict rests on, e.g. ``"1.715 > 1.467"``.
    """
    from course.runtime import profiles, report, trial

    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"claim({statement!r}): `holds` must be a bool computed from the run "
                        f"(a comparison such as a > b), not {type(holds).__name__}")
    # neither smoke's nor a trial's figures mean anything
    checked = not (profiles.asked_for_smoke() or trial.steps())
    result = Claim(statement, bool(holds), evidence, checked)
    print(result.line(), flush=True)
    reference = reference_verdict(statement)
    if checked and reference and reference["status"] != result.status:
        print(f"    but in the reference run ({reference['where']}) it {reference['status']} "
              f"({reference['evidence']}): see the text on what that means", flush=True)
    claims = list(report.RECORDED.get("claims", []))
    claims.append({"statement": statement, "status": result.status, "evidence": evidence})
    report.record(claims=claims)
    return result


def reference_verdict(statement: str, folder=None) -> dict | None:
    """The same claim's verdict in a stored reference run (``benchmarks/results/
    reference.json``): ``{"status", "evidence", "where"}``, or None."""
    import json

    from course.runtime.paths import BENCHMARK_RESULTS

    try:
        stored = json.loads(((folder or BENCHMARK_RESULTS) / "reference.json").read_text())
    except (OSError, ValueError):
        return None
    for entry in stored.values():
        for made in entry.get("claims", []):
            if made.get("statement") == statement:
                return {"status": made["status"], "evidence": made.get("evidence", ""),
                        "where": f"{entry.get('profile', 'full')}, {entry.get('date', '')}"}
    return None


@dataclass(frozen=True)
class Spread:
    """Mean, smallest and largest of repeated measurements (one per seed, say)."""

    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def low(self) -> float:
        return float(np.min(self.values))

    @property
    def high(self) -> float:
        return float(np.max(self.values))

    def format(self, spec: str = ".1%") -> str:
        return (f"{self.mean:{spec}} (range {self.low:{spec}} to {self.high:{spec}}, "
                f"{len(self.values)} runs)")


def spread(values) -> Spread:
    """Summarize repeated measurements: ``spread(accuracies).format()``."""
    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError("spread() needs at least one measurement")
    return Spread(values)


def stored(text: str) -> list[tuple[str, str]]:
    """The (status, statement) of every claim printed in ``text`` (a stored cell output)."""
    return PATTERN.findall(text)
