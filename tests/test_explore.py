"""The explorers: what they draw is what Keras builds, over a grid of settings."""

import itertools

import matplotlib

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


def test_the_figure_draws_that_output_grid():
    for settings in SETTINGS[::11]:  # every drawing takes a moment: a spread of 20
        a = explore.conv_arithmetic(**settings)
        fig = explore.draw_arithmetic(a)
        assert drawn_output_size(fig) == explore.drawn_output_side(a), a.line()
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


def test_explore_shows_one_setting_without_a_front_end(capsys):
    assert explore.explore_arithmetic(n=7) is None  # nothing more under the cell
    assert capsys.readouterr().out.strip() == explore.conv_arithmetic(
        **{**explore.DEFAULTS, "n": 7}).line()
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
