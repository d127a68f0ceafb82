"""The explorers: what they draw is what Keras builds, over a grid of settings."""

import itertools
import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # before pyplot: no display in tests

import matplotlib.pyplot as plt  # noqa: E402

from course import explore  # noqa: E402

SETTINGS = [dict(n=n, f=f, stride=s, padding=p, dilation=d, transposed=t)
            for n, f, s, p, d, t in itertools.product((2, 5, 8), (1, 3, 4), (1, 2, 3), (0, 1),
                                                      (1, 2), (False, True))]


def drawn_output_size(fig) -> int:
    """The side of the output grid in the explorer's figure (0 when it drew none)."""
    grid = fig.axes[1].images[0].get_array()
    return 0 if "no output" in fig.axes[1].get_title() else grid.shape[0]


def test_the_grid_is_large_enough():
    assert len(SETTINGS) >= 200


def test_the_drawn_output_size_is_what_keras_computes():
    refused = 0
    for settings in SETTINGS:
        a = explore.conv_arithmetic(**settings)
        assert a.agree, a.line()
        expected = max(a.size, 0) if a.keras_says else (a.keras or 0)
        assert explore.drawn_output_side(a) == expected, a.line()
        refused += bool(a.keras_says)
    assert refused, "some settings (stride and dilation both > 1) are refused by Keras"


@pytest.mark.slow
def test_the_figure_draws_that_output_grid():
    for settings in SETTINGS[::11]:  # every drawing takes a moment: a spread of 20
        a = explore.conv_arithmetic(**settings)
        fig = explore.draw_arithmetic(a)
        assert drawn_output_size(fig) == explore.drawn_output_side(a), a.line()
        plt.close(fig)


def test_both_grids_have_a_line_between_every_two_rows_and_columns():
    """The output grid of 02's still had column lines only: a major tick on a cell border
    hid the minor tick, and its grid line, there."""
    fig = explore.draw_arithmetic(explore.conv_arithmetic(7, 3, stride=2, padding=1))
    for ax in fig.axes:
        side = ax.images[0].get_array().shape[0]
        for axis in (ax.xaxis, ax.yaxis):
            assert len(axis.get_minorticklocs()) == side + 1, ax.get_title()
    plt.close(fig)


def test_the_sliding_grid_gives_the_output_size():
    for settings in SETTINGS:
        a = explore.conv_arithmetic(**settings)
        side, step = explore.sliding_grid(a).shape[0], 1 if a.transposed else a.stride
        assert max((side - a.span) // step + 1, 0) == max(a.size, 0), a.line()


def test_the_line_fills_in_the_numbers_and_names_keras_refusals():
    a = explore.conv_arithmetic(7, 3, stride=2, padding=1)
    assert a.line() == ("convolution: ⌊(7 + 2·1 - 3) / 2⌋ + 1 = 4; Keras: 4; they agree")
    t = explore.conv_arithmetic(4, 2, stride=3, transposed=True)
    assert "+ 1 (Keras fills up to n·S) = 12" in t.line() and t.keras == 12
    refused = explore.conv_arithmetic(9, 3, stride=2, dilation=2)
    assert refused.keras is None and "not supported in conjunction" in refused.line()


def test_explore_shows_one_setting_without_a_front_end_and_says_why(capsys):
    assert explore.explore_arithmetic(n=7) is None  # nothing more under the cell
    assert capsys.readouterr().out.splitlines() == [
        explore.conv_arithmetic(**{**explore.DEFAULTS, "n": 7}).line(),
        "static picture: not in a notebook kernel"]
    explore.explore_pooling(mode="avg")
    assert capsys.readouterr().out.startswith("avg pooling, 3x3 windows, stride 2")


POOLINGS = [dict(size=k, stride=s, padding=p, mode=m)
            for k, s, p, m in itertools.product((1, 2, 3, 4), (1, 2, 3), ("valid", "same"),
                                                ("max", "avg"))]


def test_the_pooling_explorer_draws_what_keras_computes():
    for settings in POOLINGS:
        p = explore.pooling(**settings)
        assert p.agree, p.line()
    for settings in POOLINGS[::7]:
        p = explore.pooling(**settings)
        fig = explore.draw_pooling(p)
        assert fig.axes[1].images[0].get_array().shape == p.keras.shape, p.line()
        plt.close(fig)


def test_the_kernel_editor_shows_what_a_same_padded_conv2d_computes():
    import numpy as np

    from course import data, filters

    photo = data.photo("cat")[::4, ::4].mean(axis=2) / 255
    kernels = [np.eye(3)[::-1], np.full((3, 3), 1 / 9), filters.SOBEL_X,
               np.random.default_rng(0).normal(size=(3, 3))]
    for kernel in kernels:
        shown, by_keras = explore.filtered(photo, kernel)
        assert shown.shape == photo.shape
        np.testing.assert_allclose(shown, by_keras, atol=1e-4)
    fig = explore.draw_kernel(photo, filters.SOBEL_X)
    assert fig.axes[2].images[0].get_array().shape == photo.shape
    plt.close(fig)


# --- live explorers in a real kernel ----------------------------------------------------
#
# A front end shows an explorer's figure inside an ``ipywidgets.Output``: the kernel sets the
# widget's ``msg_id`` to the request it is answering, and the front end puts every output of
# that request into the widget instead of under the cell (``FrontEnd`` below does what
# JupyterLab's widget manager does with the kernel's messages). A change of a control must
# leave one figure in that widget, the new one, and none under the cell.

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class Area:
    """A list of outputs, with ``clear_output(wait=True)``: cleared by the next output."""

    def __init__(self):
        self.items, self.clear_next = [], False

    def add(self, kind, content):
        if kind == "clear_output":
            self.items, self.clear_next = ([], False) if not content["wait"] else (
                self.items, True)
            return
        if self.clear_next:
            self.items, self.clear_next = [], False
        if kind == "stream" and self.items and self.items[-1][0] == "stream":
            self.items[-1] = ("stream", self.items[-1][1] + content["text"])
        else:
            self.items.append((kind, content["text"] if kind == "stream" else content.get(
                "data", content)))

    def images(self):
        return [data["image/png"] for kind, data in self.items
                if kind == "display_data" and "image/png" in data]

    def text(self):
        return "".join(text for kind, text in self.items if kind == "stream")


class FrontEnd:
    """The widget models a kernel opened, and where each output of a request lands."""

    def __init__(self):
        self.models, self.outputs = {}, {}  # comm id -> state; OutputModel's id -> Area

    def feed(self, messages) -> Area:
        """Take one request's iopub messages; return what lands under the cell."""
        cell = Area()
        for msg in messages:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "comm_open":
                self.models[content["comm_id"]] = dict(content["data"]["state"])
                if content["data"]["state"]["_model_name"] == "OutputModel":
                    self.outputs[content["comm_id"]] = Area()
            elif kind == "comm_msg" and content["data"].get("method") == "update":
                self.models[content["comm_id"]].update(content["data"]["state"])
            elif kind in ("stream", "display_data", "clear_output", "execute_result",
                          "error"):
                parent = msg["parent_header"].get("msg_id")
                widget = [i for i in self.outputs if self.models[i].get("msg_id") == parent]
                (self.outputs[widget[0]] if parent and widget else cell).add(kind, content)
        return cell

    def find(self, model, **state) -> str:
        """The comm id of the one widget of ``model`` (e.g. "IntSliderModel") with ``state``."""
        ids = [i for i, s in self.models.items() if s["_model_name"] == model
               and all(s.get(k) == v for k, v in state.items())]
        assert len(ids) == 1, (model, state, ids)
        return ids[0]


def answer(kc, msg_id, timeout=300):
    """Every iopub message of request ``msg_id``, up to the kernel going idle."""
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        messages.append(msg)
        if (msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"
                and msg["parent_header"].get("msg_id") == msg_id):
            return messages


def execute(kc, code, allow_stdin=False):
    """Run ``code`` as a front end would (``allow_stdin``: one a person answers input in)."""
    messages = answer(kc, kc.execute(code, allow_stdin=allow_stdin))
    errors = [m["content"] for m in messages if m["msg_type"] == "error"]
    assert not errors, "\n".join(errors[0]["traceback"])
    return messages


def move(kc, comm_id, **state):
    """Change a widget as the browser does when a person moves it (a menu sends ``index``)."""
    msg = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {
        "method": "update", "state": state, "buffer_paths": []}})
    kc.shell_channel.send(msg)
    return answer(kc, msg["header"]["msg_id"])


@pytest.fixture(scope="module")
def kernel():
    from jupyter_client.manager import start_new_kernel

    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's inline
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT), env=env)
    execute(kc, "import numpy as np\nimport course.explore as ex")
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


@pytest.mark.kernel
def test_a_front_end_a_person_uses_goes_live_and_a_headless_run_does_not(kernel):
    ask = "from course.runtime import colab\nprint(repr(colab.no_live_front_end()))"
    said = [FrontEnd().feed(execute(kernel, ask, allow_stdin=stdin)).text()
            for stdin in (True, False)]
    assert said == ["''\n", "'no live notebook front end (headless run)'\n"]
    front = FrontEnd()
    headless = front.feed(execute(kernel, "ex.LIVE = None\nex.explore_pooling(size=2)"))
    assert len(headless.images()) == 1 and not front.outputs
    assert headless.text().splitlines()[-1] == (
        "static picture: no live notebook front end (headless run)")
    live = front.feed(execute(kernel, "ex.explore_pooling(size=2)", allow_stdin=True))
    assert not live.images() and "static picture" not in live.text()
    assert len(front.outputs) == 1 and len(next(iter(front.outputs.values())).images()) == 1


@pytest.mark.kernel
def test_moving_a_slider_redraws_the_one_figure_in_place(kernel):
    front = FrontEnd()
    cell = front.feed(execute(kernel, "ex.LIVE = True\nex.explore_arithmetic(n=7)"))
    (out_id, shown), = front.outputs.items()
    views = [data[WIDGET_VIEW]["model_id"] for kind, data in cell.items]
    assert views[0] == out_id and not cell.images() and not cell.text()  # figure on top
    before = shown.images()
    assert len(before) == 1
    assert shown.text() == explore.conv_arithmetic(**{**explore.DEFAULTS, "n": 7}).line() + "\n"

    n = front.find("IntSliderModel", description="n")
    after = front.feed(execute(kernel, "from ipywidgets.widgets.widget import _instances\n"
                                       f"_instances[{n!r}].value = 9"))
    assert not after.items  # nothing new under the cell
    assert len(shown.images()) == 1 and shown.images() != before
    assert shown.text() == explore.conv_arithmetic(**{**explore.DEFAULTS, "n": 9}).line() + "\n"

    stride = front.find("IntSliderModel", description="stride")
    assert not front.feed(move(kernel, stride, value=1)).items
    assert shown.text().startswith("convolution: ⌊(9 + 2·1 - 3) / 1⌋ + 1 = 9;")
    assert len(shown.images()) == 1


@pytest.mark.kernel
def test_the_kernel_editor_redraws_the_figure_above_its_boxes(kernel):
    front = FrontEnd()
    code = ("ex.LIVE = True\nrng = np.random.default_rng(0)\n"
            "ex.explore_kernel({'a': rng.random((24, 24)), 'b': rng.random((24, 24))})")
    cell = front.feed(execute(kernel, code))
    (out_id, shown), = front.outputs.items()
    assert [data[WIDGET_VIEW]["model_id"] for kind, data in cell.items][0] == out_id
    first = shown.images()
    assert len(first) == 1 and not cell.images()
    centre = front.find("FloatTextModel", value=5.0)
    assert not front.feed(move(kernel, centre, value=1.0)).items
    second = shown.images()
    assert len(second) == 1 and second != first
    assert not front.feed(move(kernel, front.find("DropdownModel"), index=1)).items
    assert len(shown.images()) == 1 and shown.images() not in (first, second)
