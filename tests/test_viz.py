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
