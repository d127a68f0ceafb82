"""The checker of exercise 6.4 (predict, then run): right answers pass, blanks are "not
attempted yet", typical mistakes and the obvious shortcuts get hints (7.1 and 7.4's tests
are in test_check_lesson07.py, 8.5's in test_check_lesson08.py)."""

import pytest

from course.check import lesson06

# --- value exercises: predict, then run -------------------------------------------------

NAIVE_THIRD = (864, 1_290_464)

VALUE_CASES = [
    # (checker, wrong prediction, words its hint must contain)
    (lesson06.naive_stack, (640, NAIVE_THIRD[1]), "the second module outputs"),
    (lesson06.naive_stack, (224, NAIVE_THIRD[1]), "the pool branch"),
    (lesson06.naive_stack, (864, NAIVE_THIRD[1] - 224), "bias"),
    (lesson06.naive_stack, (864, 838_880), "the second module's count"),
    (lesson06.naive_stack, (864, 2016 * 864 + 224), "read the channels of its input"),
    (lesson06.naive_stack, 864, "assign two whole numbers"),
]

RIGHT = {lesson06.naive_stack: NAIVE_THIRD}


@pytest.mark.parametrize("check", list(RIGHT), ids=lambda c: c.__name__)
def test_prediction_right_and_blank(check, capsys):
    assert check(RIGHT[check])
    assert f"{check.__name__}: correct - " in capsys.readouterr().out
    assert check(list(RIGHT[check])), "a list is as good as a tuple"
    capsys.readouterr()
    assert not check(...)  # the student version's `name = ...`
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize("check, wrong, hint", VALUE_CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(VALUE_CASES)])
def test_prediction_mistakes_get_hints(check, wrong, hint, capsys):
    assert not check(wrong)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out


@pytest.mark.parametrize("check, copied, hint", [
    # the numbers printed above each exercise, copied instead of predicted
    (lesson06.naive_stack, (416, 387_296), "what the first module outputs"),
    (lesson06.naive_stack, (864, 387_296), "the first module's count"),
], ids=["06-first-module", "06-first-count"])
def test_the_obvious_shortcut_is_not_accepted(check, copied, hint, capsys):
    assert not check(copied)
    out = capsys.readouterr().out
    assert "not yet - " in out and hint in out, out


@pytest.mark.parametrize("check, wrong", [
    (lesson06.naive_stack, (865, 1)),
], ids=["06"])
def test_hints_do_not_give_the_answer_away(check, wrong, capsys):
    check(wrong)
    out = capsys.readouterr().out
    assert "not yet" in out
    for number in RIGHT[check]:
        assert f"{number:,}" not in out and str(number) not in out, out
