"""The exercises of lessons 00 and 01 that ask for more than a function the lesson describes:
0.2 (debug: uint8 brightening) and 1.5 (predict, then run: which panel shows which kernel).
Right answers pass, stubs read "not attempted yet", typical mistakes get their own hint, and
the lesson never shows the answer of 1.5 to a student (lesson 02's 2.5 is tested in
test_check_lesson02)."""

import re

import numpy as np
import pytest

from course.check import lesson00, lesson01
from course.runtime.paths import NOTEBOOKS
from course.tools import student


def stub(*args, **kwargs):
    raise NotImplementedError


def said(check, answer, capsys, *args):
    verdict = check(answer, *args)
    return verdict, capsys.readouterr().out


# --- 0.2 brighten (debug) ---------------------------------------------------------------


def brighten_right(images, amount):
    return np.clip(images.astype(np.int16) + amount, 0, 255).astype(np.uint8)


def brighten_in_place(images, amount):
    np.copyto(images, brighten_right(images, amount))
    return images


def brighten_top_only(images, amount):  # saturates at 255 but wraps below 0
    return (np.minimum(images.astype(np.int16) + amount, 255) % 256).astype(np.uint8)


def brighten_clip_first(images, amount):  # right for amount >= 0, NumPy 2 refuses < 0
    return np.clip(images, 0, 255 - max(amount, 0)) + amount


@pytest.mark.parametrize("wrong, hint", [
    (lambda images, amount: images + amount, "wraps around past 255"),  # the lesson's bug
    (lambda images, amount: np.clip(images + amount, 0, 255), "clipping the uint8 result is "
                                                             "too late"),
    (lambda images, amount: images.astype(np.int16) + amount, "cannot go above 255"),
    (lambda images, amount: np.clip(images.astype(np.int16) + amount, 0, 255), "return uint8"),
    (lambda images, amount: np.clip(images / 255 + amount / 255, 0, 1), "0..255 scale"),
    (brighten_top_only, "wraps around below 0"),
    (brighten_clip_first, "raised OverflowError"),
    (brighten_in_place, "changed the images it was given"),
    (lambda images, amount: brighten_right(images, amount).ravel(), "not the shape"),
])
def test_brighten(wrong, hint, capsys):
    ok, out = said(lesson00.brighten, brighten_right, capsys)
    assert ok and "brighten_right: correct - " in out
    ok, out = said(lesson00.brighten, stub, capsys)
    assert not ok and "not attempted yet" in out
    ok, out = said(lesson00.brighten, wrong, capsys)
    assert not ok and " not yet - " in out and hint in out, out


def test_brighten_tries_both_edges_and_both_directions(capsys):
    seen = []

    def spy(images, amount):
        seen.append((images.copy(), amount))
        return brighten_right(images, amount)

    assert said(lesson00.brighten, spy, capsys)[0]
    amounts = {amount for _, amount in seen}
    pixels = np.concatenate([images.ravel() for images, _ in seen])
    assert {0, 255} <= set(pixels.tolist()) and min(amounts) < 0 < max(amounts)
    assert {-255, 255} <= amounts, "the extremes of the amount"
    assert all(images.dtype == np.uint8 for images, _ in seen)
    assert {images.ndim for images, _ in seen} >= {1, 3, 4}, "a batch and colour images"


# --- 1.5 kernel_panels (predict, then run) ------------------------------------------------


@pytest.fixture(scope="module")
def photo():
    import cv2

    from course import data

    return cv2.cvtColor(data.photo("astronaut"), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255


def panels_by_looking(photo):
    """The answer, found the way the lesson's last cell shows it: filter with each kernel
    and find the panel that is the same picture."""
    import cv2

    panels = lesson01.mystery_panels(photo)
    found = []
    for kernel in lesson01.MYSTERY_KERNELS.values():
        out = cv2.filter2D(photo, cv2.CV_32F, kernel)
        out = out if kernel.sum() > 0 else np.abs(out) / np.percentile(np.abs(out), 99)
        [panel] = [n for n, p in enumerate(panels, 1) if np.allclose(p, np.clip(out, 0, 1))]
        found.append(panel)
    return tuple(found)


def test_kernel_panels_grades_the_order_the_panels_show(photo, capsys):
    right = panels_by_looking(photo)
    assert sorted(right) == [1, 2, 3, 4] and right != (1, 2, 3, 4), "the order is shuffled"
    ok, out = said(lesson01.kernel_panels, right, capsys)
    assert ok and "correct - " in out
    ok, out = said(lesson01.kernel_panels, [str(p) for p in right], capsys)
    assert ok, "panel numbers typed as strings are accepted"


def swapped(answer, a, b):
    answer = list(answer)
    i, j = "ABCD".index(a), "ABCD".index(b)
    answer[i], answer[j] = answer[j], answer[i]
    return tuple(answer)


@pytest.fixture(autouse=True)
def fresh_tries():
    """kernel_panels stops hinting after three different wrong answers: each test starts
    afresh."""
    check = lesson01.kernel_panels
    tried = dict(zip(check.__code__.co_freevars, check.__closure__, strict=True))["tried"]
    tried.cell_contents.clear()


@pytest.mark.parametrize("change, hint", [
    (lambda right: swapped(right, "A", "B"), "each kernel is on the right kind of panel, "
                                              "blurred or edges, but a direction is off"),
    (lambda right: swapped(right, "C", "D"), "each kernel is on the right kind of panel, "
                                              "blurred or edges, but a direction is off"),
    (lambda right: swapped(right, "A", "C"), "an averaging kernel and an edge kernel have "
                                              "traded places"),
    (lambda right: swapped(right, "B", "D"), "weights that are all positive and sum to 1"),
    (lambda right: (right[0], right[0], *right[2:]), "is given to both A and B"),
    (lambda right: right[:3], "give four panel numbers"),
    (lambda right: "".join(map(str, right)), "give four panel numbers"),
    (lambda right: tuple(p - 1 for p in right), "numbered 1 to 4"),
    (lambda right: ("A", "B", "C", "D"), "give four panel numbers"),
])
def test_kernel_panels_hints(photo, change, hint, capsys):
    ok, out = said(lesson01.kernel_panels, change(panels_by_looking(photo)), capsys)
    assert not ok and "kernel_panels: not yet - " in out and hint in out, out


def test_kernel_panels_stub_is_not_attempted(capsys):
    ok, out = said(lesson01.kernel_panels, ..., capsys)
    assert not ok and "not attempted yet" in out


def test_a_wrong_kernels_hint_never_names_a_panel(photo, capsys):
    right = panels_by_looking(photo)
    for a, b in [("A", "B"), ("C", "D"), ("A", "D"), ("B", "C")]:
        said(lesson01.kernel_panels, swapped(right, a, b), capsys)
    for line in capsys.readouterr().out.splitlines():
        assert not re.search(r"panel \d", line), line


# --- neither answer reaches a student --------------------------------------------------


@pytest.mark.parametrize("lesson, answer", [
    ("01_image_filters.ipynb", lambda: re.escape(", ".join(map(str, panels_by_looking(
        _photo()))))),
])
def test_the_student_version_never_shows_the_answer(lesson, answer):
    import nbformat

    def text(nb):  # sources and printed outputs, but the setup banner's machine figures
        shown = [cell.source for cell in nb.cells]
        for cell in nb.cells:
            if "setup.start(" in cell.source:  # a probe's 1,752 images/s is no answer
                continue
            for out in cell.get("outputs", []):
                shown += [out.get("text", ""), out.get("data", {}).get("text/plain", "")]
        return "\n".join("".join(part) for part in shown)

    instructor = nbformat.read(NOTEBOOKS / lesson, as_version=4)
    assert re.search(answer(), text(instructor)), "the instructor version has the answer"
    shown = text(student.student_version(NOTEBOOKS / lesson))
    assert not re.search(answer(), shown), f"{lesson}: the answer is visible to a student"


def _photo():
    import cv2

    from course import data

    return cv2.cvtColor(data.photo("astronaut"), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
