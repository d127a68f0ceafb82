"""One meaning of an on/off COURSE_* switch."""

import pytest

from course import settings


@pytest.mark.parametrize("value, on", [("1", True), (" yes ", True), ("TRUE", True),
                                       ("", False), ("0", False), (" No", False),
                                       ("false", False)])
def test_a_switch_is_on_unless_blank_zero_false_or_no(value, on):
    assert settings.flag("COURSE_X", {"COURSE_X": value}) is on
    assert settings.flag("COURSE_X", {}) is False
    assert settings.is_set("COURSE_X", {"COURSE_X": value}) is bool(value.strip())
