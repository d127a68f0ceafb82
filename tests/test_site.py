"""The course site: lesson pages, the index, and what a browser shows of them.

The browser test needs Debian's `chromium` (`.ci/run` installs it) and saves its
screenshots in build/screenshots/ so that a person can look at them.
"""

import base64
import io
import json
import re
import shutil
import subprocess

import nbformat
import pytest

from course.runtime import colab
from course.runtime.paths import ROOT
from course.tools import site
from course.tools.exercises import exercises
from course.tools.runner import lessons

LESSONS = lessons()
SCREENSHOTS = ROOT / "build" / "screenshots"
DATA_PNG = re.compile(r'<img[^>]+src="data:image/(?:png|jpeg);base64,([^"]+)"')


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The site of every lesson, with a run report that timed lesson 00 in two profiles."""
    tmp = tmp_path_factory.mktemp("site")
    report = tmp / "report.json"
    report.write_text(json.dumps({"finished": "2026-01-02 03:04:05", "cpus": 2, "machine": "m",
                                  "lessons": [
        {"notebook": LESSONS[0].name, "status": "ok", "seconds": 17.7, "profile": "quick"},
        {"notebook": LESSONS[0].name, "status": "ok", "seconds": 4.2, "profile": "smoke"},
        {"notebook": LESSONS[-1].name, "status": "failed", "seconds": 1.0, "profile": "full"},
    ]}))
    index = site.build(tmp / "out", report=report)
    return index, index.read_text()


def test_index_lists_every_lesson(built):
    index, page = built
    for path in LESSONS:
        title, goals = site.lesson_header(nbformat.read(path, as_version=4).cells[0].source)
        assert f'<a href="{path.stem}.html">' in page
        assert (index.parent / f"{path.stem}.html").is_file()
        assert site._inline(title) in page and goals, f"{path.name}: title and learning goals"
        assert all(site._inline(goal) in page for goal in goals)
        assert colab.colab_url(path.name, "student") in page  # students open their version
        assert "/blob/main/" not in page
    assert colab.colab_url("00_x.ipynb") == ("https://colab.research.google.com/github/"
                                             "keras-cnn-course/cnn-course/blob/main/notebooks/"
                                             "00_x.ipynb")


def test_index_shows_times_from_the_report(built):
    row = re.search(rf'<a href="{LESSONS[0].stem}.html">.*?</tr>', built[1], re.DOTALL).group(0)
    assert re.findall(r"<td class=num>(.*?)</td>", row) == ["4 s", "18 s", "&ndash;"]
    assert "Times from the last run (2026-01-02 03:04:05, 2 CPUs, m)" in built[1]


def test_index_has_the_exercise_catalogue(built):
    page = built[1]
    catalogue = page[page.index("Exercise catalogue"):]
    for path in LESSONS:
        for ex in exercises(path):
            assert site._inline(ex.title) in catalogue and site._inline(ex.statement) in catalogue


def test_lesson_pages_are_student_versions_with_figures(built):
    index, _ = built
    for path in LESSONS:
        page = (index.parent / f"{path.stem}.html").read_text()
        assert "BEGIN SOLUTION" not in page and '<a href="index.html">' in page
        if exercises(path):
            assert "YOUR CODE HERE" in page
    first = (index.parent / f"{LESSONS[0].stem}.html").read_text()
    assert DATA_PNG.search(first), "lesson 00's figures are embedded as data URIs"


def test_solutions_on_request_and_no_report(tmp_path):
    index = site.build(tmp_path, only=["00"], solutions=True, report=tmp_path / "none.json")
    assert "BEGIN SOLUTION" in (tmp_path / f"{LESSONS[0].stem}.html").read_text()
    assert "No run report yet: " in index.read_text()
    assert str(tmp_path) not in index.read_text(), "no machine path on the page"
    assert "instructor version, with solutions" in index.read_text()


def test_a_damaged_report_is_named_not_taken_for_a_missing_one(tmp_path):
    report = tmp_path / "report.json"
    report.write_text('{"lessons": [')
    index = site.build(tmp_path / "site", only=["00"], report=report).read_text()
    assert "The run report is unreadable" in index and "No run report yet" not in index


@pytest.mark.parametrize("markdown, goals", [
    ("# T\n\n**Learning goals**\n\n- one `x`;\n  still one\n- two\n\nMore text.\n- not",
     ["one `x`; still one", "two"]),
    ("# T\n\n## Learning goals\nBy the end you can:\n* one\n## Next\n* not", ["one"]),
    ("# T\n\nNo goals here.\n- not a goal", []),
])
def test_lesson_header(markdown, goals):
    assert site.lesson_header(markdown) == ("T", goals)


def test_pages_need_nothing_from_the_network(built):
    index, _ = built
    for page in index.parent.glob("*.html"):
        fetched = re.findall(r'<(?:script|img|link)[^>]+(?:src|href)="(https?://[^"]+)"',
                             page.read_text())
        assert not fetched, f"{page.name} fetches {fetched}"
    assert (index.parent / "mathjax" / "MathJax.js").is_file()
    assert (index.parent / site.BADGE).read_text().startswith("<svg")


def test_catalogue_links_each_exercise_to_its_statement(built):
    index, text = built
    links = re.findall(r'<a href="(\d\d_\w+\.html)#(exercise-[\d.]+)">', text)
    numbered = [ex for path in LESSONS for ex in exercises(path) if ex.number]
    assert len(links) == len(numbered) > 20
    for page, anchor in links:
        assert f'id="{anchor}"' in (index.parent / page).read_text(), (page, anchor)


def test_no_nbval_markers_on_any_page(built, tmp_path):
    index, _ = built
    solutions = site.build(tmp_path, only=["05"], solutions=True)
    for page in [*index.parent.glob("*.html"), *solutions.parent.glob("*.html")]:
        assert "NBVAL" not in page.read_text(), page.name


# --- in a browser --------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(url, png, tmp_path, height):
    """Open ``url`` in headless Chromium and save what it shows."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browse(url, tmp_path, f"--window-size=1280,{height}", f"--screenshot={png}")
    return png


def browse(url, tmp_path, *args):
    """Headless Chromium on ``url`` with the network off (every request goes to a closed
    port), after its scripts had 15 s of virtual time; what it printed."""
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-quic", "--no-first-run", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                           "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                           f"--user-data-dir={tmp_path / 'chromium'}",
                           "--virtual-time-budget=15000", *args, url],
                          check=True, capture_output=True, text=True, timeout=120).stdout


def ink(png):
    """The share of pixels that are not (nearly) white."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("RGB"))
    return float((pixels.min(axis=2) < 235).mean())


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y "
                    "chromium; .ci/run does it)")
def test_site_in_a_browser(built, tmp_path):
    index, _ = built
    shot = screenshot(index.as_uri(), SCREENSHOTS / "index.png", tmp_path, 1000)
    assert ink(shot) > 0.03, f"{shot} is (nearly) blank"
    lesson = index.parent / f"{LESSONS[0].stem}.html"
    figure = DATA_PNG.search(lesson.read_text()).group(1)
    assert ink(io.BytesIO(base64.b64decode(figure))) > 0.05, "the lesson's first figure is blank"
    shot = screenshot(lesson.as_uri(), SCREENSHOTS / "lesson.png", tmp_path, 6000)
    assert ink(shot) > 0.05, f"{shot}: the lesson page shows too little"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y "
                    "chromium; .ci/run does it)")
def test_the_maths_renders_with_the_network_off(built, tmp_path):
    index, _ = built
    page = index.parent / "04_backpropagation.html"
    assert page.read_text().count("$") > 10, "the lesson should have maths to render"
    dom = browse(page.as_uri(), tmp_path, "--dump-dom")
    rendered = dom.count('class="MathJax"') + dom.count('class="MathJax_Display"')
    assert rendered > 10, "MathJax did not typeset the formulas"
    assert 'class="MathJax_Error"' not in dom and "Math Processing Error" not in dom
    screenshot(page.as_uri(), SCREENSHOTS / "maths.png", tmp_path, 3000)
