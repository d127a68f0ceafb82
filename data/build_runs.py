"""Train the runs that a lesson ships, into data/runs/. From the repository root:

    COURSE_DATA_DIR=~/course-datasets python data/build_runs.py 07 09   # 15 + 20 min, 2 cores
    COURSE_SAVE_RUNS=cifar_fast python data/build_runs.py 07              # that run only

Executes the lesson in the ``quick`` profile with ``COURSE_SAVE_RUNS=1``: every
``course.runs.fit`` call trains (instead of loading) and writes its run to
``data/runs/<model>-<settings hash>.json``, so the shipped runs come from the lesson's
own code. The notebook itself is not written back; run
``python -m course run 07 --write-back`` afterwards to store outputs that load them.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course import runs  # noqa: E402
from course.tools import runner  # noqa: E402


def main(lessons: list[str]) -> None:
    if not os.environ.get("COURSE_DATA_DIR"):
        raise SystemExit("the shipped runs use the full CIFAR-10: set COURSE_DATA_DIR")
    os.environ.setdefault(runs.SAVE_VAR, "1")
    for path in runner.lessons(lessons or ["07"]):
        result, _ = runner.execute(path, "quick", ROOT / "build" / "runs")
        print(f"{path.name}: {result.status} in {result.seconds:.0f} s {result.error}")


if __name__ == "__main__":
    main(sys.argv[1:])
