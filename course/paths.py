"""Where the course's files are: the repository root and its folders. Introduced in lesson 00."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DATA = ROOT / "data"
BENCHMARK_RESULTS = ROOT / "benchmarks" / "results"
