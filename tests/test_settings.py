"""One meaning of an on/off COURSE_* switch."""

import pytest

from course.runtime import settings
from course.runtime.errors import UsageError


@pytest.mark.parametrize("value, on", [("1", True), (" yes ", True), ("TRUE", True),
                                       ("", False), ("0", False), (" No", False),
                                       ("false", False)])
def test_a_switch_is_on_unless_blank_zero_false_or_no(value, on):
    assert settings.flag("COURSE_X", {"COURSE_X": value}) is on
    assert settings.flag("COURSE_X", {}) is False
    assert settings.is_set("COURSE_X", {"COURSE_X": value}) is bool(value.strip())


def test_offline_zero_means_online_for_datasets_and_weights_alike(monkeypatch, tmp_path):
    from course import data, transfer

    assert settings.offline({"COURSE_OFFLINE": "1"})
    assert not settings.offline({"COURSE_OFFLINE": "0"})
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    asked = []
    monkeypatch.setattr(data, "fetch", lambda url, *a, **k: asked.append(url))
    monkeypatch.setattr(transfer.files, "download", lambda url, *a, **k: asked.append(url))
    data.KerasSource()._fetch(data.DOWNLOADS["mnist"][0])
    transfer.imagenet_weights()
    assert len(asked) == 2, "COURSE_OFFLINE=0 must try the download in both places"


@pytest.mark.parametrize("value", ["", "  "])
def test_a_blank_folder_variable_means_its_default(value):
    home = settings.Path.home()
    assert settings.keras_home({"KERAS_HOME": value}) == home / ".keras"
    assert settings.cache_dir({"COURSE_CACHE_DIR": value}) == home / ".cache" / "course"
    assert settings.data_dir({"COURSE_DATA_DIR": value}) is None
    assert settings.keras_home({"KERAS_HOME": "~/k"}) == home / "k"


def test_every_variable_is_read_here_and_nowhere_else():
    """Other modules ask ``settings``; none reads a course variable from os.environ."""
    import re

    package = settings.Path(settings.__file__).parent.parent
    for path in package.rglob("*.py"):
        if path.name == "settings.py":
            continue
        text = path.read_text()
        assert not re.search(r"environ(\.get)?\(?\[?[\"'](COURSE_|KERAS_HOME)", text), path
        assert not re.search(r"os\.environ\.get\(\w+_VAR", text), path
    assert settings.table() in (package.parent / "README.md").read_text(), \
        "README's settings table differs from settings.VARIABLES: paste settings.table()"


def test_described_lists_what_is_set_in_table_order():
    environ = {"COURSE_XLA": "0", "COURSE_PROFILE": " smoke ", "HOME": "/x"}
    assert settings.described(environ) == ["COURSE_PROFILE=smoke", "COURSE_XLA=0"]


@pytest.mark.parametrize("value, seed", [(None, 42), ("", 42), (" 7 ", 7), ("-3", -3)])
def test_the_lessons_seed_is_42_unless_course_seed_says_otherwise(value, seed):
    environ = {} if value is None else {settings.SEED: value}
    assert settings.seed(environ) == seed


def test_a_seed_that_is_not_a_whole_number_says_what_to_set():
    with pytest.raises(UsageError, match=r"COURSE_SEED='seven' is not a whole number: set it"):
        settings.seed({settings.SEED: "seven"})
