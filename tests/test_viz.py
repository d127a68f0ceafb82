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
