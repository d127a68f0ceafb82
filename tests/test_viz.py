"""Pictures: what the shared plotting helpers put on the axes."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course import viz


@pytest.fixture
def shown(monkeypatch):
    figures = []
    monkeypatch.setattr(plt, "show", lambda: figures.append(plt.gcf()))
    yield figures
    plt.close("all")


def test_grey_panels_share_a_scale_only_when_asked(shown):
    dim, bright = np.full((4, 4), 0.2), np.linspace(0, 1, 16).reshape(4, 4)
    viz.show_images([dim, bright], ncols=2)
    viz.show_images([dim, bright], ncols=2, vrange=(0, 1))
    own, shared = ([ax.images[0].get_clim() for ax in figure.axes] for figure in shown)
    assert own[1] == (0, 1) and own[0] == (0.2, 0.2)  # each panel stretched to its own range
    assert shared == [(0, 1), (0, 1)]


def test_smooth_is_a_bias_corrected_moving_average():
    assert viz.smooth([4.0, 4.0, 4.0]).tolist() == pytest.approx([4.0, 4.0, 4.0])  # no bias
    assert viz.smooth([0.0, 10.0], beta=0.5).tolist() == pytest.approx([0.0, 10 * 0.5 / 0.75])


def test_unit_scaled_per_part_or_on_one_range():
    kernel = np.array([[0.0, 2.0], [-1.0, -1.0]])
    np.testing.assert_allclose(viz.unit_scaled(kernel, axis=1), [[0, 1], [0, 0]])
    np.testing.assert_allclose(viz.unit_scaled(kernel, axis=1, scale=(-1, 1)), [[0.5, 1], [0, 0]])


IMAGE = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                  [0, 1, 1, 0, 0]])
KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
OUT = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]])  # lesson 02's worked example


def test_sliding_window_titles_name_the_window_drawn_and_its_products(shown):
    viz.show_sliding_window(IMAGE, (3, 3), OUT, steps=[(0, 0), (2, 2)], kernel=KERNEL)
    axes = np.array(shown[0].axes).reshape(3, 2)
    titles = [[ax.get_title() for ax in row] for row in axes]
    assert titles[0] == ["window 1 of 9: rows 0-2, cols 0-2", "window 9 of 9: rows 2-4, cols 2-4"]
    assert titles[1][1] == "1 + 0 + 1 + 0 + 1 + 0 + 1 + 0 + 0\n= 4"  # the window times the kernel
    assert titles[2][1].startswith("output[2, 2] = 4")
    weights = [t.get_text() for t in axes[0, 1].texts if t.get_text().startswith("×")]
    assert weights == [f"×{w}" for w in KERNEL.flat]
    with pytest.raises(ValueError, match="not the sum"):
        viz.show_sliding_window(IMAGE, (3, 3), OUT + 1, steps=[(0, 0)], kernel=KERNEL)


def test_conv_taps_follow_stride_padding_and_dilation():
    taps = viz.conv_taps(7, 3, dilation=2)
    assert len(taps) == 9 and taps[(0, 1)][:3] == [(0, 1), (0, 3), (0, 5)]
    assert len(viz.conv_taps(5, 3, padding=1)) == 25
    read = {cell for cells in viz.conv_taps(8, 2, stride=3).values() for cell in cells}
    assert sorted({c for _, c in read}) == [0, 1, 3, 4, 6, 7]  # columns 2 and 5: never read


def test_geometry_counts_the_pixels_no_output_reads(shown):
    viz.show_conv_geometry([dict(n=8, f=2, stride=3), dict(n=5, f=3, padding=1)])
    titles = [ax.get_title() for ax in shown[0].axes]
    assert titles[0].endswith("28 never read") and "padded to 7x7" in titles[1]
    assert titles[2:] == ["output 3x3", "output 5x5"]


def test_channel_sum_writes_out_one_output_value(shown):
    x = np.stack([np.eye(3), np.ones((3, 3)), np.zeros((3, 3))], axis=-1)
    k = np.stack([np.ones((2, 2)), 2 * np.ones((2, 2)), np.ones((2, 2))], axis=-1)
    viz.show_channel_sum(x, k, bias=0.5, at=(0, 1))
    assert shown[0].axes[-1].get_title().endswith("[0, 1]: 1 + 8 + 0 + 0.5 = 9.5")


@pytest.mark.slow
def test_animations_show_a_still_and_play_under_a_megabyte(monkeypatch):
    import numpy as np
    from IPython.display import HTML

    from course import ops

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    image = np.arange(25).reshape(5, 5) % 3
    kernel = np.array([[1, 0], [0, -1]])
    size = viz.animate_sliding_window(image, (2, 2), ops.correlate2d(image, kernel),
                                      kernel=kernel)
    (html,) = shown
    assert isinstance(html, HTML) and "<script" in html.data and size < 1_000_000
    assert "https://" not in html.data and 'class="fa ' not in html.data, "works offline"
    assert html.data.count("data:image/png;base64") == 16, "one frame per window (4 x 4)"
