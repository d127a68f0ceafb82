"""Where the course's files are. Introduced in lesson 00.

In a checkout (``pip install -e .``, Colab's clone) the lessons, the bundled data and the
benchmark results are folders of the repository. A wheel (``pip install .``) carries the
same files inside the package, as ``course/_files/{notebooks,data,benchmarks}``; then
what the course writes (run reports, student versions, the site) goes to ``./build``
of the current directory, never into site-packages.
"""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
_CHECKOUT = PACKAGE.parent
INSTALLED = not (_CHECKOUT / "notebooks").is_dir() and (PACKAGE / "_files").is_dir()

if INSTALLED:
    ROOT = Path.cwd()
    NOTEBOOKS = PACKAGE / "_files" / "notebooks"
    DATA = PACKAGE / "_files" / "data"
    BENCHMARK_RESULTS = PACKAGE / "_files" / "benchmarks" / "results"
else:
    ROOT = _CHECKOUT
    NOTEBOOKS = ROOT / "notebooks"
    DATA = ROOT / "data"
    BENCHMARK_RESULTS = ROOT / "benchmarks" / "results"
BUILD = ROOT / "build"
