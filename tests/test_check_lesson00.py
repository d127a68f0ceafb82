"""Lesson 00's checkers against wrong answers of every kind (issue 26, item 8): a plausible
mistake, a table of the checker's old fixed cases, an always-equal object and a type slip
(neither exercise has a library shortcut: np.bincount is 0.1's own answer, and 0.2 is a
debug exercise that names no library). Each must get "not yet" with a hint that holds no
line of the solution; the right answer must pass every time (cases are drawn afresh), and a
stub reads "not attempted yet"."""

import re

import numpy as np
import pytest
from cheats import AlwaysEqual, drawn, draws, refused_every_time, solution_lines
from frame_edits import editing

from course.check import lesson00
from course.runtime.paths import NOTEBOOKS

LESSON = NOTEBOOKS / "00_start_here.ipynb"


def right_counts(y):
    return np.bincount(y, minlength=10)


def uint8_counter(y):  # counts in the labels' own type: 300 of one class reads 44
    counts = np.zeros(10, y.dtype)
    np.add.at(counts, y, 1)
    return counts


def sorts_in_place(y):
    y.sort()
    return np.bincount(y, minlength=10)


OLD_LABELS = [np.array([0, 1, 1, 9, 9, 9], np.uint8), np.zeros(4, np.uint8),
              np.arange(10, dtype=np.uint8).repeat(3)]
COUNT_TABLE = {y.tobytes(): right_counts(y) for y in OLD_LABELS}


def right_brighten(images, amount):
    return np.clip(images.astype(np.int16) + amount, 0, 255).astype(np.uint8)


def same_object_for_zero(images, amount):
    return images if amount == 0 else right_brighten(images, amount)


def uint16_widening(images, amount):  # unsigned: NumPy 2 refuses a negative amount
    return np.clip(images.astype(np.uint16) + amount, 0, 255).astype(np.uint8)


def int8_widening(images, amount):  # int8 holds -128..127: 200 is already -56
    return np.clip(images.astype(np.int8) + amount, 0, 255).astype(np.uint8)


def brighten_top_only(images, amount):  # saturates at 255 but wraps below 0
    return (np.minimum(images.astype(np.int16) + amount, 255) % 256).astype(np.uint8)


def brighten_clip_first(images, amount):  # right for amount >= 0, NumPy 2 refuses < 0
    return np.clip(images, 0, 255 - max(amount, 0)) + amount


def brighten_in_place(images, amount):
    np.copyto(images, right_brighten(images, amount))
    return images


_EDGES = np.array([0, 1, 5, 100, 200, 250, 254, 255], np.uint8)
OLD_BRIGHTEN = [(_EDGES, 10), (_EDGES, 0), (_EDGES, -10), (_EDGES, 255), (_EDGES, -255),
                (np.random.default_rng(0).integers(0, 256, (2, 3, 4), dtype=np.uint8), 80),
                (np.random.default_rng(1).integers(0, 256, (1, 2, 2, 3), dtype=np.uint8), -80)]
BRIGHTEN_TABLE = {(images.tobytes(), amount): right_brighten(images, amount)
                  for images, amount in OLD_BRIGHTEN}


WRONG = {
    "count_per_class": [
        ("no minlength", lambda y: np.bincount(y)),
        ("only the classes that occur", lambda y: np.unique(y, return_counts=True)[1]),
        ("a uint8 counter", uint8_counter),
        ("classes 1 to 10", lambda y: np.bincount(y, minlength=11)[1:]),
        ("sorts the labels in place", sorts_in_place),
        ("table", lambda y: COUNT_TABLE.get(y.tobytes(), np.zeros(10, int))),
        ("always equal", lambda y: AlwaysEqual()),
        ("a list", lambda y: right_counts(y).tolist()),
        ("float counts", lambda y: right_counts(y).astype(float)),
        ("a column", lambda y: right_counts(y)[:, None]),
    ],
    "brighten": [
        ("the lesson's bug", lambda images, amount: images + amount),
        ("clips the wrapped uint8", lambda images, amount: np.clip(images + amount, 0, 255)),
        ("no clip", lambda images, amount: images.astype(np.int16) + amount),
        ("not back to uint8", lambda images, amount: np.clip(
            images.astype(np.int16) + amount, 0, 255)),
        ("0..1 scale", lambda images, amount: np.clip(images / 255 + amount / 255, 0, 1)),
        ("uint16", uint16_widening),
        ("int8", int8_widening),
        ("the input itself for 0", same_object_for_zero),
        ("saturates at 255 only", brighten_top_only),
        ("clips before adding", brighten_clip_first),
        ("brightens in place", brighten_in_place),
        ("table", lambda images, amount: BRIGHTEN_TABLE.get((images.tobytes(), amount),
                                                            images.copy())),
        ("always equal", lambda images, amount: AlwaysEqual()),
        ("a list", lambda images, amount: right_brighten(images, amount).tolist()),
        ("flattened", lambda images, amount: right_brighten(images, amount).ravel()),
    ],
}
RIGHT = {"count_per_class": right_counts, "brighten": right_brighten}
# The words the hint must hold for some of them: it names the mistake.
NAMED = {
    ("brighten", "the lesson's bug"): "wraps around past 255",
    ("brighten", "clips the wrapped uint8"): "clipping the uint8 result is too late",
    ("brighten", "no clip"): "cannot go above 255",
    ("brighten", "0..1 scale"): "0..255 scale",
    ("brighten", "saturates at 255 only"): "wraps around below 0",
    ("brighten", "clips before adding"): "raised OverflowError",
    ("brighten", "brightens in place"): "changed the images it was given",
    ("brighten", "flattened"): "not the shape",
}


def stub(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    for _ in drawn(3):  # fresh cases each time: refused on every draw
        assert not getattr(lesson00, checker)(answer)
        line = capsys.readouterr().out.strip()
        assert line.startswith(f"{answer.__name__}: not yet - "), line
        assert "raised" not in line or "OverflowError" in line, f"{kind}: {line}"
        says = NAMED.get((checker, kind))
        assert says is None or says in line, f"{kind}: the hint does not say {says!r}: {line}"
        for solution in solution_lines(LESSON, checker):
            assert solution not in line, f"{kind}: the hint shows the solution: {line}"


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for _ in drawn(draws(checker)):
        verdict = getattr(lesson00, checker)(RIGHT[checker])
        line = capsys.readouterr().out
        assert verdict and line.startswith(f"{RIGHT[checker].__name__}: correct - "), line


@pytest.mark.parametrize("checker", RIGHT)
def test_a_stub_is_not_attempted(checker, capsys):
    assert not getattr(lesson00, checker)(stub)
    assert capsys.readouterr().out.startswith("stub: not attempted yet - ")


def test_brighten_tries_both_edges_and_both_directions(capsys):
    seen = []

    def spy(images, amount):
        seen.append((images.copy(), amount))
        return right_brighten(images, amount)

    assert lesson00.brighten(spy), capsys.readouterr().out
    amounts = {amount for _, amount in seen}
    pixels = np.concatenate([images.ravel() for images, _ in seen])
    assert {0, 255} <= set(pixels.tolist()) and min(amounts) < 0 < max(amounts)
    assert {-255, 255} <= amounts, "the extremes of the amount"
    assert all(images.dtype == np.uint8 for images, _ in seen)
    assert {images.ndim for images, _ in seen} >= {1, 3, 4}, "a batch and colour images"


@pytest.mark.parametrize("answer, hint", [
    (lambda y: np.bincount(y), "return 10, one per class 0..9"),
    (lambda y: np.unique(y, return_counts=True)[1], "one per class that occurs"),
    (uint8_counter, "wrapped around at 256"),
    (sorts_in_place, "changed the labels it was given"),
    (lambda y: right_counts(y).astype(float), "counts are whole numbers"),
    (lambda y: np.bincount(y, minlength=11)[1:], "one class off"),
])
def test_count_per_class_names_the_mistake(answer, hint, capsys):
    assert not lesson00.count_per_class(answer)
    assert hint in capsys.readouterr().out


@pytest.mark.parametrize("answer, hint", [
    (uint16_widening, "which type could hold every result"),
    (same_object_for_zero, "return a new array"),
    (lambda images, amount: np.clip(images.astype(np.int16) + amount, 0, 255),
     "return uint8, like the input"),
])
def test_brighten_names_the_mistake(answer, hint, capsys):
    assert not lesson00.brighten(answer)
    assert hint in capsys.readouterr().out.lower()


def test_brighten_hints_give_no_recipe(capsys):
    """The hints say what went wrong, not the int16-clip-uint8 fix (issue 26)."""
    for _, answer in WRONG["brighten"]:
        lesson00.brighten(answer)
    out = capsys.readouterr().out
    told = out.replace("returned int16 images", "").replace("uint16", "")
    assert not re.search(r"int16|np\.clip|astype", told), out


class RaisingAnswer:  # a callable object whose call fails, as a student's class might
    def __call__(self, *args):
        raise ValueError("a bug in the student's code")


def patches_numpy(name, value, answer):
    """An answer that replaces ``np.<name>`` (the checker's comparison) before answering."""
    def cheat(*args):
        setattr(np, name, value)
        return answer(*args)
    return cheat


@pytest.mark.parametrize("checker, answer, hint", [
    ("count_per_class", patches_numpy("array_equal", lambda *a, **k: True,
                                      lambda y: np.zeros(10, int)), "changes `numpy.array_equal`"),
    ("brighten", patches_numpy("flatnonzero", lambda x: np.array([], int),
                               lambda images, amount: images.copy()),
     "changes `numpy.flatnonzero`"),
    ("count_per_class", RaisingAnswer(), "your code raised ValueError"),
    ("brighten", RaisingAnswer(), "your code raised ValueError"),
    ("count_per_class", 5, "not a function"),
    ("count_per_class", np.zeros(10, int), "not a function"),
    ("brighten", 5, "not a function"),
], ids=["count patches np.array_equal", "brighten patches np.flatnonzero",
        "count: an object that raises", "brighten: an object that raises",
        "count: an int", "count: the counts", "brighten: an int"])
def test_the_generic_attacks_get_a_line_not_a_pass_or_a_crash(checker, answer, hint, capsys):
    """The attacker's generic attacks on lesson 00 (issue 26), now met by core.checker: an
    answer that patches NumPy is refused and NumPy put back, an object that raises and a
    value where a function is asked get a line."""
    kept = np.array_equal, np.flatnonzero
    assert not getattr(lesson00, checker)(answer)
    out = capsys.readouterr().out
    assert hint in out, out
    assert (np.array_equal, np.flatnonzero) == kept, "NumPy is put back"


# --- what an independent attacker found (issue: checker-specific holes) ----------------


def counts_by_tensorflow(y):  # the right counts, as a tf.Tensor
    import tensorflow as tf

    return tf.math.bincount(tf.constant(y.astype(np.int32)), minlength=10)


def brighten_by_tensorflow(images, amount):  # the right pixels, as a tf.Tensor
    import tensorflow as tf

    wide = tf.cast(images, tf.int32) + amount
    return tf.cast(tf.clip_by_value(wide, 0, 255), tf.uint8)


@pytest.mark.parametrize("checker, answer", [("count_per_class", counts_by_tensorflow),
                                             ("brighten", brighten_by_tensorflow)])
def test_a_tensor_is_not_the_numpy_array_the_statement_asks_for(checker, answer, capsys):
    """Right values in a tf.Tensor: the statement asks for a NumPy array, and the cell after
    0.1's checker calls `.tolist()` on it, which a tensor does not have."""
    refused_every_time(getattr(lesson00, checker), answer, capsys, LESSON, checker, "tensor",
                       says="you returned a tensor")


@pytest.mark.parametrize("checker, answer", [("count_per_class", right_counts),
                                             ("brighten", right_brighten)])
def test_an_answer_that_edits_the_checkers_arrays_is_refused(checker, answer, capsys):
    """R3: the answer zeroes the arrays in the checker's frames and those it was given, then
    answers for zeros. The checker's own arrays are read-only and what is right is worked
    out from them, so the answer is wrong for the inputs the checker drew."""
    cheat = editing(lesson00, answer)
    refused_every_time(getattr(lesson00, checker), cheat, capsys, LESSON, checker,
                       "edits the checker's arrays")
