"""The speed choices on a CPU (XLA, bfloat16): measured by a short probe, cached per machine,
backend and probe network, overridable. Runs on any backend (`make test-jax` too)."""

import json

import keras
import pytest

from course import models, train
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
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    monkeypatch.setattr(speed, "backend_version", lambda: "tensorflow 9.9")
    monkeypatch.setattr(speed, "load_per_core", lambda: 0.1)  # a quiet machine
    for var in (speed.XLA_VAR, speed.BFLOAT16_VAR):
        monkeypatch.delenv(var, raising=False)
    return rates, calls


@pytest.mark.parametrize("xla, chosen", [(1600.0, True), (1050.0, False), (800.0, False)])
def test_xla_is_chosen_only_when_clearly_faster(fake_rates, tmp_path, xla, chosen):
    rates, calls = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): xla,
                  ("mixed_bfloat16", chosen): 1000.0})
    choice = speed.choose(cache=tmp_path / "speed.json")
    assert choice.jit_compile is chosen and not choice.cached
    assert calls[-1] == ("mixed_bfloat16", chosen)  # bfloat16 is timed with XLA's choice
    assert choice.measured == {"float32": 1000.0, "float32 + XLA": xla, "mixed_bfloat16": 1000.0}
    text = choice.describe()
    assert f"float32 + XLA {xla / 1000:.2f}x" in text and "probed now" in text
    assert text.startswith(f"XLA {'on' if chosen else 'off'}, float32 for the fast recipe")


@pytest.mark.parametrize("bf16, chosen", [(1300.0, True), (1080.0, False), (400.0, False)])
def test_bfloat16_is_chosen_only_when_clearly_faster_than_float32(fake_rates, tmp_path, bf16,
                                                                  chosen):
    rates, _ = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): 600.0,
                  ("mixed_bfloat16", False): bf16})
    choice = speed.choose(cache=tmp_path / "speed.json")
    assert choice.bfloat16 is chosen and not choice.jit_compile
    assert choice.policy == ("mixed_bfloat16" if chosen else "float32")
    assert f"{choice.policy} for the fast recipe" in choice.describe()


def test_bfloat16_must_beat_xla_too_when_xla_is_chosen(fake_rates, tmp_path):
    rates, _ = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): 2000.0,
                  ("mixed_bfloat16", True): 2100.0})  # faster than plain, not than XLA
    choice = speed.choose(cache=tmp_path / "speed.json")
    assert choice.jit_compile and not choice.bfloat16


def test_a_cpu_without_bfloat16_instructions_is_not_probed_for_it(fake_rates, tmp_path,
                                                                  monkeypatch):
    rates, calls = fake_rates
    monkeypatch.setattr(speed, "has_bfloat16", lambda: False)
    rates.update({("float32", False): 1000.0, ("float32", True): 500.0})
    choice = speed.choose(cache=tmp_path / "speed.json")
    assert not choice.bfloat16 and "mixed_bfloat16" not in choice.measured
    assert [policy for policy, _ in calls] == ["float32", "float32"]


def test_on_jax_xla_is_not_a_candidate(fake_rates, tmp_path, monkeypatch):
    rates, calls = fake_rates
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    rates.update({("float32", True): 1000.0, ("mixed_bfloat16", True): 1500.0})
    choice = speed.choose(cache=tmp_path / "speed.json")
    assert choice.jit_compile and choice.bfloat16 and calls == [("float32", True),
                                                                 ("mixed_bfloat16", True)]


def test_the_choice_is_cached_per_machine_and_refreshed_on_request(fake_rates, tmp_path):
    rates, calls = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): 500.0,
                  ("mixed_bfloat16", False): 1500.0})
    cache = tmp_path / "speed.json"
    first = speed.choose(cache=cache)
    again = speed.choose(cache=cache)
    assert len(calls) == 3 and again.cached and again == speed.Choice(
        first.jit_compile, first.bfloat16, first.measured, cached=True)
    assert "cached probe" in again.describe()
    [key] = json.loads(cache.read_text())
    # another CPU, backend, library version or probe network probes again
    assert speed.cpu_name() in key and "tensorflow 9.9" in key and "keras " in key
    assert speed.PROBE in key
    speed.choose(cache=cache, refresh=True)
    assert len(calls) == 6
    cache.write_text("{ damaged")
    assert not speed.choose(cache=cache).cached and len(calls) == 9
    cache.write_text(json.dumps({key: {"jit_compile": True}}))  # an older module's entry
    assert not speed.choose(cache=cache).cached and len(calls) == 12


def test_a_probe_taken_on_a_busy_machine_is_used_not_cached(fake_rates, tmp_path, monkeypatch):
    rates, calls = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): 1600.0,
                  ("mixed_bfloat16", True): 900.0})
    cache = tmp_path / "speed.json"
    monkeypatch.setattr(speed, "load_per_core", lambda: 0.9)
    busy = speed.choose(cache=cache)
    assert busy.jit_compile and busy.busy == 0.9 and not cache.exists()
    assert "busy (load 0.9 per core): not cached" in busy.describe()
    monkeypatch.setattr(speed, "load_per_core", lambda: 0.2)
    rates.update({("float32", True): 900.0,  # a second probe would now answer otherwise
                  ("mixed_bfloat16", False): 900.0})
    assert speed.choose(cache=cache) is busy and len(calls) == 3  # one answer per process
    monkeypatch.setattr(speed, "_BUSY", {})  # the next process (lesson) probes again
    quiet = speed.choose(cache=cache)
    assert quiet.busy is None and not quiet.jit_compile and len(calls) == 6
    assert speed.choose(cache=cache).cached


def test_variables_decide_without_probing(monkeypatch, fake_rates):
    _, calls = fake_rates
    for value, expected in (("1", True), ("0", False)):
        monkeypatch.setenv(speed.XLA_VAR, value)
        monkeypatch.setenv(speed.BFLOAT16_VAR, value)
        choice = speed.cpu_choice()
        assert choice.jit_compile is expected and choice.bfloat16 is expected
        assert "COURSE_XLA says so" in choice.describe()
        assert "COURSE_BFLOAT16 says so" in choice.describe()
    assert not calls


def test_one_variable_decides_its_choice_and_the_probe_the_other(monkeypatch, fake_rates,
                                                                tmp_path):
    rates, calls = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): 2000.0,
                  ("mixed_bfloat16", True): 3000.0})
    monkeypatch.setattr(speed, "_cache_file", lambda: tmp_path / "speed.json")
    monkeypatch.setenv(speed.BFLOAT16_VAR, "0")
    choice = speed.cpu_choice()
    assert choice.jit_compile and not choice.bfloat16 and len(calls) == 3
    assert "float32 for the fast recipe (COURSE_BFLOAT16 says so)" in choice.describe()


@pytest.mark.slow
def test_the_probe_really_trains_in_each_setting():
    for jit in (False, True):
        assert speed.images_per_second(jit_compile=jit, steps=2, batch=8) > 0
    assert speed.images_per_second("mixed_bfloat16", steps=2, batch=8) > 0
    assert keras.config.dtype_policy().name == "float32"  # put back as it was


def test_an_unwritable_cache_does_not_stop_a_lesson(fake_rates, tmp_path):
    rates, _ = fake_rates
    rates.update({("float32", False): 1000.0, ("float32", True): 500.0,
                  ("mixed_bfloat16", False): 900.0})
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert not speed.choose(cache=blocked / "speed.json").jit_compile  # a file is in the way


def test_precision_builds_the_recipe_in_the_chosen_policy(monkeypatch):
    monkeypatch.setenv(speed.BFLOAT16_VAR, "1")
    monkeypatch.setenv(speed.XLA_VAR, "0")
    with train.precision() as policy:
        model = models.cifar_fast(8)
    assert policy == "mixed_bfloat16" and keras.config.dtype_policy().name == "float32"
    stem = model.get_layer("stem")
    assert stem.compute_dtype == "bfloat16" and stem.kernel.dtype == "float32"
    assert model.get_layer("fc").compute_dtype == "float32"  # the softmax stays float32
    assert models.cifar_fast(8).get_layer("stem").compute_dtype == "float32"
    monkeypatch.setenv(speed.BFLOAT16_VAR, "0")
    with train.precision() as policy:
        assert policy == "float32"
