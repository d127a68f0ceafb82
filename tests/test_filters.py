"""course.filters: the named kernels and the three implementations agreeing."""

import cv2
import numpy as np
import pytest

from course import data, filters


@pytest.fixture(scope="module")
def photo():
    return data.photo("coffee")[::4, ::4].astype(np.float32) / 255  # small: fast


@pytest.mark.parametrize("name", list(filters.KERNELS))
@pytest.mark.parametrize("border", list(filters.BORDERS))
def test_three_ways_agree_on_colour_photos(photo, name, border):
    out = filters.apply_three_ways(photo, filters.KERNELS[name], border=border)
    assert {k: v.shape for k, v in out.items()} == dict.fromkeys(out, photo.shape)
    np.testing.assert_allclose(out["numpy"], out["opencv"], atol=1e-5)
    np.testing.assert_allclose(out["keras"], out["opencv"], atol=1e-5)


def test_grey_in_grey_out_and_uint8_accepted():
    grey = cv2.cvtColor(data.photo("cat"), cv2.COLOR_RGB2GRAY)[:40, :50]
    out = filters.apply_three_ways(grey, filters.SOBEL_X)
    assert out["opencv"].shape == grey.shape
    expected = cv2.filter2D(grey.astype(np.float32), cv2.CV_32F, filters.SOBEL_X,
                            borderType=cv2.BORDER_CONSTANT)
    np.testing.assert_allclose(out["numpy"], expected, atol=1e-3)


def test_named_kernels_from_the_notes():
    assert filters.GAUSSIAN_5X5.sum() == pytest.approx(1, abs=1e-6)
    assert (filters.GAUSSIAN_5X5 * 273).round()[2].tolist() == [7, 26, 41, 26, 7]
    assert filters.SOBEL_X.tolist() == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert filters.SOBEL_Y.tolist() == [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
    for edge in ("sobel_x", "sobel_y", "laplacian"):
        assert filters.KERNELS[edge].sum() == 0


def test_gaussian_kernel_is_opencvs_outer_product():
    column = cv2.getGaussianKernel(5, 3)
    np.testing.assert_allclose(filters.gaussian_kernel(5, 3), column @ column.T, rtol=1e-6)


@pytest.mark.parametrize("image, kernel, border, message", [
    (np.zeros((4, 4)), np.ones((2, 2)), "constant", "odd height and width"),
    (np.zeros((4, 4)), np.ones(3), "constant", "expected a 2-D kernel"),
    (np.zeros((4, 4)), np.ones((3, 3)), "wrap", "border='wrap' is not supported"),
    (np.array([["a"]]), np.ones((3, 3)), "constant", "expected a numeric"),
    (np.zeros((2, 2, 2, 2)), np.ones((3, 3)), "constant", r"shape \(2, 2, 2, 2\)"),
])
def test_bad_input_is_explained(image, kernel, border, message):
    with pytest.raises(ValueError, match=message):
        filters.apply_three_ways(image, kernel, border=border)


def test_photos_are_bundled():
    assert data.photo("astronaut").shape == (512, 512, 3)
    with pytest.raises(ValueError, match="use one of astronaut, cat, coffee"):
        data.photo("dog")
