"""Reference runs at the source notes' scale: lessons executed in the ``full`` profile.

    COURSE_DATA_DIR=~/course-datasets python benchmarks/reference_runs.py 05 08 11  # 2 CPU cores
    COURSE_DATA_DIR=~/course-datasets python benchmarks/reference_runs.py 07 09     # a GPU

Each lesson runs top to bottom in a fresh kernel with ``COURSE_PROFILE=full``: the code
a student runs, at the sizes of the notes (full datasets, full widths, the notes'
epochs). The figures it records (``course.record``), its claims and the per-epoch curves it
passes to ``runs.compare_with_reference`` are written to
``results/reference.json`` under the lesson's number, with the machine, the Keras
backend, the date and the wall time of the run. Lessons show them beside their own run
with ``course.runs.compare_with_reference``; a lesson whose reference has not run says
so and what it needs. Nothing here is estimated: a part that has not run has no entry.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course import runs  # noqa: E402
from course.runtime import files  # noqa: E402
from course.runtime.paths import BENCHMARK_RESULTS, BUILD  # noqa: E402
from course.tools import runner  # noqa: E402

OUT = BENCHMARK_RESULTS / "reference.json"


def run(lesson: str) -> dict:
    [path] = runner.lessons([lesson])
    result, _ = runner.execute(path, "full", BUILD / "reference")
    if result.status == "failed":
        raise SystemExit(f"{path.name} failed in the full profile: {result.error}")
    return runs.reference_entry(path.name, "full", result.figures, result.curves,
                                result.claims, result.status, result.seconds / 60)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="+", choices=sorted(runs.REFERENCE_NEEDS),
                        help="lesson numbers; course.runs.REFERENCE_NEEDS says what each needs")
    args = parser.parse_args(argv)
    if not os.environ.get("COURSE_DATA_DIR"):
        raise SystemExit("reference runs use the full datasets: set COURSE_DATA_DIR")
    stored = json.loads(OUT.read_text()) if OUT.exists() else {}
    for lesson in args.lessons:
        stored[lesson] = run(lesson)
        files.write_text(OUT, json.dumps(stored, indent=1, sort_keys=True) + "\n")
        print(f"{lesson}: {stored[lesson]['summary']}")


if __name__ == "__main__":
    main()
