"""The course site: every lesson as HTML, and an index with the lessons and exercises.

Introduced for the instructor tooling (``python -m course site``). Lessons are rendered
by nbconvert with their stored outputs (figures included, as data URIs). By default the
pages show the student versions, so the site can be published; ``solutions=True`` keeps
the solutions, for instructors. The index's times come from the last ``make course``
report (``build/report.json``) when there is one.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from course.runtime import colab
from course.runtime.paths import BUILD, NOTEBOOKS
from course.runtime.profiles import NAMES
from course.tools.exercises import STATEMENT, Exercise, exercises
from course.tools.runner import ReportUnreadable, lessons, read_report
from course.tools.student import student_version

DEFAULT_OUT = BUILD / "site"
REPORT = BUILD / "report.json"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe,course"
# jupyter-server-mathjax ships only the STIX-Web fonts: MathJax must not look for its TeX
# fonts (without this, a prime in a formula is a "Math Processing Error").
MATHJAX_FONTS = """MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null,
  webFont: "STIX-Web", imageFont: null}});
MathJax.Ajax.loadComplete("[MathJax]/config/course.js");
"""
BADGE = "colab-badge.svg"
COLAB_BADGE_URL = "https://colab.research.google.com/assets/colab-badge.svg"
REQUIRE_JS = re.compile(r'<script src="https://[^"]*/require(\.min)?\.js"></script>\n?')
NBVAL_LINE = re.compile(r"^# NBVAL_\w+[ \t]*\n?", re.MULTILINE)


@dataclass
class Lesson:
    """What the index says about one lesson."""

    page: str  # NN_topic.html
    title: str
    goals: list[str]
    colab: str
    seconds: dict[str, float]  # profile -> seconds in the last report
    exercises: list[Exercise]


def build(out: Path = DEFAULT_OUT, only=None, solutions: bool = False, report: Path = REPORT,
          folder: Path = NOTEBOOKS) -> Path:
    """Write the site into ``out``; return the path of its index page."""
    import nbformat
    from nbconvert import HTMLExporter

    timings, run = _timings(Path(report))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(embed_images=True)
    exporter.mathjax_url = _local_mathjax(out) or exporter.mathjax_url
    (out / BADGE).write_text(_badge_svg(), encoding="utf-8")
    index = []
    for path in lessons(only, folder):
        original = nbformat.read(path, as_version=4)
        nb = original if solutions else student_version(path)
        title, goals = lesson_header(original.cells[0].source)
        _prepare(nb)
        page, _ = exporter.from_notebook_node(
            nb, resources={"metadata": {"path": str(path.parent), "name": title}})
        (out / f"{path.stem}.html").write_text(_offline(page), encoding="utf-8")
        branch = "main" if solutions else colab.STUDENT_BRANCH
        index.append(Lesson(f"{path.stem}.html", title, goals, colab.colab_url(path.name, branch),
                            timings.get(path.name, {}), exercises(path, original)))
    (out / "index.html").write_text(_index_page(index, run, solutions, exporter.mathjax_url),
                                    encoding="utf-8")
    return out / "index.html"


def _local_mathjax(out: Path) -> str | None:
    """Copy MathJax (from the jupyter-server-mathjax package) into the site; its URL there.

    None, after a note, when the package is missing: the pages then load it from a CDN.
    """
    try:
        import jupyter_server_mathjax
    except ImportError:
        print("note: jupyter-server-mathjax is not installed, so the pages load MathJax from "
              "the network; `pip install jupyter-server-mathjax` makes the site work offline")
        return None
    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (out / "mathjax" / "MathJax.js").is_file():
        shutil.copytree(static, out / "mathjax", dirs_exist_ok=True)
    (out / "mathjax" / "config" / "course.js").write_text(MATHJAX_FONTS)
    return f"mathjax/MathJax.js?config={MATHJAX_CONFIG}"


def _badge_svg() -> str:
    """An "Open in Colab" badge drawn here, so the pages need no image from Google."""
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" role="img" '
            'aria-label="Open in Colab"><rect width="117" height="20" rx="3" fill="#555"/>'
            '<rect x="40" width="77" height="20" rx="3" fill="#f9ab00"/>'
            '<rect x="40" width="4" height="20" fill="#f9ab00"/>'
            '<g fill="#fff" font-family="Verdana,sans-serif" font-size="11">'
            '<text x="6" y="14">Open</text><text x="47" y="14" fill="#222">in Colab</text>'
            '</g></svg>\n')


def exercise_link(page: str, exercise: Exercise) -> str:
    """Where the catalogue links an exercise: its statement's anchor on the lesson page
    (``06_classic_architectures.html#exercise-6.1``), or the page for one without a number."""
    return f"{page}#exercise-{exercise.number}" if exercise.number else page


def _prepare(nb) -> None:
    """Make a lesson's cells ready for a page: a link back to the index, an anchor before
    each exercise statement, and no nbval markers in the code."""
    import nbformat

    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = NBVAL_LINE.sub("", cell.source)
        elif cell.cell_type == "markdown":
            cell.source = STATEMENT.sub(
                lambda m: f'<a id="exercise-{m.group(1)}"></a>\n\n{m.group(0)}', cell.source)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("[&larr; all lessons](index.html)"))


def _offline(page: str) -> str:
    """The page without the scripts and images it would fetch from the network: the badge is
    the site's own, and require.js (used only by widget outputs, which the lessons do not
    store) is dropped."""
    page = page.replace(COLAB_BADGE_URL, BADGE)
    return REQUIRE_JS.sub("", page)


def lesson_header(markdown: str) -> tuple[str, list[str]]:
    """A lesson's title (its ``# `` line) and learning goals (the bullets after the words).

    Introduced for the site's index (``python -m course site``).
    """
    lines = markdown.splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), "untitled")
    goals, started = [], False
    for line in lines:
        if not started:
            started = "learning goals" in line.lower()
        elif re.match(r"\s*[-*] ", line):
            goals.append(re.sub(r"^\s*[-*] ", "", line).strip())
        elif goals and line.startswith((" ", "\t")) and line.strip():
            goals[-1] += " " + line.strip()
        elif line.strip() and (goals or line.startswith("#")):
            break
    return title, goals


def _timings(report: Path) -> tuple[dict[str, dict[str, float]], str]:
    """Seconds per lesson and profile in a run report, and a line on that run."""
    try:
        data = read_report(report)
    except ReportUnreadable as error:
        return {}, (f"The run report is unreadable: {error}. `make course` writes a new one "
                    "(and keeps the damaged one aside).")
    if not data:
        return {}, "No run report yet: `make course` writes one."
    timings: dict[str, dict[str, float]] = {}
    for lesson in data.get("lessons", []):
        if lesson.get("status") == "ok":
            timings.setdefault(lesson["notebook"], {})[lesson["profile"]] = lesson["seconds"]
    return timings, (f"Times from the last run ({data.get('finished', '?')}, "
                     f"{data.get('cpus', '?')} CPUs, {data.get('machine', '?')}).")


def _inline(text: str) -> str:
    """Escape text and render Markdown's `code`, **bold** and *italics*."""
    parts = []
    for i, part in enumerate(re.split(r"`([^`]+)`", text)):
        part = html.escape(part)
        if i % 2:
            parts.append(f"<code>{part}</code>")
        else:
            part = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", part)
            parts.append(re.sub(r"\*(\S(?:.*?\S)?)\*", r"<em>\1</em>", part))
    return "".join(parts)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "&ndash;"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _index_page(index: list[Lesson], run: str, solutions: bool, mathjax_url: str) -> str:
    lesson_rows = "\n".join(
        f"<tr><td>{lesson.page[:2]}</td>"
        f"<td><a href=\"{lesson.page}\">{_inline(lesson.title)}</a></td>"
        f"<td><ul>{''.join(f'<li>{_inline(g)}</li>' for g in lesson.goals)}</ul></td>"
        + "".join(f"<td class=num>{_duration(lesson.seconds.get(p))}</td>" for p in NAMES)
        + f"<td><a href=\"{lesson.colab}\">Open in Colab</a></td></tr>"
        for lesson in index)
    exercise_rows = "\n".join(
        f"<tr><td><a href=\"{exercise_link(lesson.page, ex)}\">{lesson.page[:2]}</a></td>"
        f"<td>{_inline(ex.title)}</td><td>{ex.kind}</td>"
        f"<td>{_inline(ex.statement or '-')}</td></tr>"
        for lesson in index for ex in lesson.exercises)
    version = "instructor version, with solutions" if solutions else "student version"
    profile_heads = "".join(f"<th>{p}</th>" for p in NAMES)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Convolutional neural networks with Keras 3</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 2rem; }}
th, td {{ border: 1px solid #ccc; padding: .4rem .6rem; vertical-align: top; text-align: left; }}
th {{ background: #f0f4f8; }} td.num {{ text-align: right; white-space: nowrap; }}
td ul {{ margin: 0; padding-left: 1.2rem; }} code {{ background: #f4f4f4; padding: 0 .2rem; }}
.note {{ color: #555; }}
</style>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [["$", "$"]]}}}});
</script>
<script src="{mathjax_url}"></script>
</head>
<body>
<h1>Convolutional neural networks with Keras 3</h1>
<p>Every lesson is a Jupyter notebook that runs top to bottom on a laptop CPU, on Colab,
or on a GPU. The pages below show the lessons with their outputs ({version}).</p>
<h2>Lessons</h2>
<table>
<tr><th rowspan=2>#</th><th rowspan=2>lesson</th><th rowspan=2>learning goals</th>
<th colspan=3>time per profile</th><th rowspan=2>run it</th></tr>
<tr>{profile_heads}</tr>
{lesson_rows}
</table>
<p class="note">{_inline(run)}</p>
<h2>Exercise catalogue</h2>
<table>
<tr><th>lesson</th><th>exercise</th><th>kind</th><th>what it practises</th></tr>
{exercise_rows}
</table>
</body></html>
"""
