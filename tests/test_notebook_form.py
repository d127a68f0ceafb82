"""The committed notebooks are in normal form (course.tools.notebook_form) and small."""

import base64
import io

import matplotlib
import nbformat
import numpy as np
import pytest
from PIL import Image

from course.tools import notebook_form, runner

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LESSONS = runner.lessons()


def figure_png(draw) -> str:
    fig = plt.figure(figsize=(4, 3), dpi=100)
    draw(fig.add_subplot())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode() + "\n"


def line_plot(ax):
    ax.plot([1, 2, 3], [3, 1, 2], "o-", label="loss")
    ax.set(title="a line plot", xlabel="epoch")
    ax.legend()


def photo(ax):
    ax.imshow(np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8))


def executed_notebook(png: str):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plot()", execution_count=1)
    cell.metadata["execution"] = {"iopub.execute_input": "2026-12-01T18:55:39.883354Z"}
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
    nb.cells = [cell]
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7",
                                    "codemirror_mode": {"name": "ipython", "version": 3}}
    return nb


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_the_committed_lesson_is_in_normal_form(path):
    assert not notebook_form.normalize_files([path], check=True), (
        f"{path.name} is not in normal form: run `make notebooks`")


def test_the_lessons_are_small():
    sizes = {p.name: p.stat().st_size for p in LESSONS}
    big = {name: size for name, size in sizes.items() if size > notebook_form.MAX_NOTEBOOK_BYTES}
    assert not big, f"over {notebook_form.MAX_NOTEBOOK_BYTES:,} bytes: {big}"
    assert sum(sizes.values()) <= notebook_form.MAX_COURSE_BYTES


def test_normalizing_drops_timestamps_and_python_version_and_is_idempotent():
    nb = executed_notebook(figure_png(line_plot))
    assert notebook_form.normalize(nb)
    assert "execution" not in nb.cells[0].metadata
    assert nb.metadata["language_info"] == {"name": "python"}
    assert nb.cells[0].execution_count == 1, "execution counts stay: they show the order"
    assert not notebook_form.normalize(nb), "a second pass changes nothing"


def test_a_line_plot_becomes_a_smaller_palette_png_of_the_same_size():
    png = figure_png(line_plot)
    mime, small = notebook_form.small_figure(png)
    before, after = (Image.open(io.BytesIO(base64.b64decode(d))) for d in (png, small))
    assert mime == "image/png" and after.mode == "P" and len(small) < len(png) / 2
    assert after.size == before.size, "the resolution is kept"
    difference = np.abs(np.asarray(after.convert("RGB"), float)
                        - np.asarray(before.convert("RGB"), float))
    assert difference.mean() < 2, "a palette keeps a plot's few colours"


def test_a_photograph_becomes_a_jpeg():
    mime, small = notebook_form.small_figure(figure_png(photo))
    assert mime == "image/jpeg"
    assert Image.open(io.BytesIO(base64.b64decode(small))).format == "JPEG"


def test_streams_printed_in_several_flushes_become_one_output():
    nb = executed_notebook(figure_png(line_plot))
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="a\n"),
                           nbformat.v4.new_output("stream", name="stdout", text="b\n"),
                           nbformat.v4.new_output("stream", name="stderr", text="warn\n"),
                           nbformat.v4.new_output("stream", name="stdout", text="c\n")]
    notebook_form.normalize(nb)
    assert [(o.name, "".join(o.text)) for o in nb.cells[0].outputs] == [
        ("stdout", "a\nb\n"), ("stderr", "warn\n"), ("stdout", "c\n")]


def test_an_animation_keeps_its_id_from_one_run_to_the_next():
    def animation(uuid):
        return (f'<img id="_anim_img{uuid}"><input id="_anim_radio1_{uuid}">'
                f'<script>var anim{uuid} = new Animation(frames); anim{uuid}.play();</script>')

    runs = []
    for uuid in ("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"):
        nb = executed_notebook(figure_png(line_plot))
        nb.cells[0].outputs = [nbformat.v4.new_output("display_data",
                                                      data={"text/html": animation(uuid)})]
        notebook_form.normalize(nb)
        runs.append(nb.cells[0].outputs[0].data["text/html"])
    assert runs[0] == runs[1] and "0123456789abcdef" not in runs[0]
    [new] = set(notebook_form.ANIMATION_ID.findall(runs[0]))
    assert runs[0].count(new) == 4, "every element of the animation is renamed alike"
