"""`python -m course`: help for every command, errors on stderr, data fetch, catalogue."""

import hashlib
import io
import urllib.request

import pytest

from course import data
from course.tools import exercises, runner
from course.tools.cli import main

COMMANDS = [["run"], ["student"], ["grade"], ["site"], ["catalogue"], ["doctor"], ["data"],
            ["data", "fetch"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m course {' '.join(command)}")


def test_no_or_unknown_command_is_an_error_on_stderr(capsys):
    for argv in ([], ["teach"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 2
        out, err = capsys.readouterr()
        assert out == "" and "usage: python -m course" in err


def test_data_without_action_shows_the_sources(no_env, capsys):
    assert main(["data", "--profile", "smoke"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["mnist", f"  found    the bundled samples ({data.SAMPLES_DIR})"]


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_data_fetch_downloads_verifies_and_reports(no_env, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    sample = data.SAMPLES_DIR / "mnist.npz"  # a valid mnist.npz, with sample sizes
    payload = sample.read_bytes()
    download = data.DOWNLOADS["mnist"][0]
    monkeypatch.setitem(data.DOWNLOADS, "mnist", [data.Download(
        download.path, download.url, "sha256:" + hashlib.sha256(payload).hexdigest())])
    monkeypatch.setattr(data, "FULL_SIZES", {**data.FULL_SIZES, "mnist": (
        len(data.SamplesSource().load("mnist")[1]), 1000)})
    urls = []
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, timeout: urls.append(url) or FakeResponse(payload))
    assert main(["data", "fetch", "mnist"]) == 0
    assert urls == [download.url]
    assert (data.KerasSource.cache_dir() / "mnist.npz").read_bytes() == payload
    assert capsys.readouterr().out.startswith("mnist: 6,000 + 1,000 images, verified, in ")
    assert main(["data", "fetch", "mnist"]) == 0 and len(urls) == 1  # cached: no download


def test_data_fetch_errors_go_to_stderr(no_env, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert main(["data", "fetch", "cifar10"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: cifar10: ") and "COURSE_OFFLINE is set" in err
    assert main(["data", "fetch", "cifar100"]) == 2
    assert "unknown dataset cifar100: use mnist, fashion_mnist, cifar10" in (
        capsys.readouterr().err)


def test_catalogue_lists_every_exercise(capsys):
    assert main(["catalogue"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "| lesson | exercise | kind | what it practises |"
    assert out.strip() == exercises.catalogue(runner.lessons())
    for path in runner.lessons():
        for ex in exercises.exercises(path):
            assert f"| {ex.title} | {ex.kind} | {ex.statement}" in out


def test_site_command(tmp_path, capsys):
    assert main(["site", "00", "--out", str(tmp_path)]) == 0
    assert f"wrote {tmp_path / 'index.html'}" in capsys.readouterr().out
    assert main(["site", "77", "--out", str(tmp_path)]) == 2
    assert "error: no notebook in" in capsys.readouterr().err


def test_a_course_error_is_a_message_and_a_bug_is_a_traceback(monkeypatch, capsys):
    from course.runtime.errors import CourseError
    from course.tools import student

    def refuse(*args, **kwargs):
        raise CourseError("build/students is not empty. Fix: pass --force")

    monkeypatch.setattr(student, "write", refuse)
    assert main(["student"]) == 2
    assert capsys.readouterr().err == "error: build/students is not empty. Fix: pass --force\n"

    def bug(*args, **kwargs):
        raise ValueError("an internal mistake, not the user's")

    monkeypatch.setattr(student, "write", bug)
    with pytest.raises(ValueError, match="internal mistake"):
        main(["student"])
