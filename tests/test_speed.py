"""The XLA choice on a CPU: measured by a short probe, cached per machine, overridable."""

import json

import pytest

from course.runtime import speed


@pytest.fixture
def fake_rates(monkeypatch):
    """images_per_second answers from a table; ``calls`` counts the probes."""
    rates, calls = {}, []

    def measured(policy="float32", jit_compile=False, **kwargs):
        calls.append((policy, jit_compile))
        return rates[policy, jit_compile]

    monkeypatch.setattr(speed, "images_per_second", measured)
    monkeypatch.setattr(speed, "has_bfloat16", lambda: True)
    monkeypatch.delenv(speed.XLA_VAR, raising=False)
    return rates, calls


@pytest.mark.parametrize("xla, chosen", [(1600.0, True), (1050.0, False), (800.0, False)])
def test_xla_is_chosen_only_when_clearly_faster(fake_rates, tmp_path, xla, chosen):
    rates, _ = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): xla,
                  ("mixed_bfloat16", False): 1200.0})
    choice = speed.choose(cache=tmp_path / "speed.json")
    assert choice.jit_compile is chosen and not choice.cached
    assert choice.measured == {"float32": 1000.0, "float32 + XLA": xla, "mixed_bfloat16": 1200.0}
    assert f"XLA {xla / 1000:.2f}x" in choice.describe() and "probed now" in choice.describe()


def test_the_choice_is_cached_per_machine_and_refreshed_on_request(fake_rates, tmp_path):
    rates, calls = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): 500.0,
                  ("mixed_bfloat16", False): 900.0})
    cache = tmp_path / "speed.json"
    first = speed.choose(cache=cache)
    again = speed.choose(cache=cache)
    assert len(calls) == 3 and again.cached and again.jit_compile == first.jit_compile
    assert "cached probe" in again.describe()
    [key] = json.loads(cache.read_text())
    assert "tf " in key and "keras " in key  # another CPU or library version probes again
    speed.choose(cache=cache, refresh=True)
    assert len(calls) == 6
    cache.write_text("{ damaged")
    assert not speed.choose(cache=cache).cached and len(calls) == 9


def test_course_xla_decides_without_probing(monkeypatch, fake_rates):
    _, calls = fake_rates
    for value, expected in (("1", True), ("0", False)):
        monkeypatch.setenv(speed.XLA_VAR, value)
        choice = speed.cpu_choice()
        assert choice.jit_compile is expected and "COURSE_XLA says so" in choice.describe()
    assert not calls


def test_the_probe_really_trains_in_each_setting():
    for jit in (False, True):
        assert speed.images_per_second(jit_compile=jit, steps=2, batch=8) > 0
    import keras

    assert keras.mixed_precision.global_policy().name == "float32"  # put back as it was


def test_an_unwritable_cache_does_not_stop_a_lesson(fake_rates, tmp_path):
    rates, _ = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): 500.0,
                  ("mixed_bfloat16", False): 900.0})
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert not speed.choose(cache=blocked / "speed.json").jit_compile  # a file is in the way
