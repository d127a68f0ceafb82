"""Speed choices measured on the machine at hand: XLA or not on a CPU. Lesson 05.

Whether XLA compilation pays off on a CPU depends on the CPU: on one 2-core AVX-512
machine it made the fast CIFAR-10 recipe 1.9 times slower, on an earlier machine of the
same kind it made it faster. A choice measured once and written into the code is wrong
on the next machine, so :func:`choose` times a few training steps of a small CNN with and
without XLA here, keeps XLA only when it is clearly faster (by ``MARGIN``), and caches the
answer per CPU and library versions (``~/.cache/course/speed.json``, or
``COURSE_CACHE_DIR``), so only the first lesson on a machine pays the probe (a few
seconds, most of it XLA's compilation). The probe also measures training in
``mixed_bfloat16`` where the CPU has bfloat16 instructions, and reports it; whether
bfloat16 keeps the accuracy is the recipe benchmark's question, so it is not switched on.
"""

from __future__ import annotations

import contextlib
import json
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from course.runtime import settings

MARGIN = 1.10  # a setting must be this much faster than plain float32 to be chosen
XLA_VAR = settings.XLA  # "1" or "0": decide without probing
BATCH, STEPS = 64, 6


@dataclass(frozen=True)
class Choice:
    """What the probe chose, and the images per second it measured for each setting."""

    jit_compile: bool
    measured: dict  # setting name -> training images per second
    cached: bool = False
    forced: bool = False  # set by COURSE_XLA, not measured

    def describe(self) -> str:
        if self.forced:
            return f"XLA {'on' if self.jit_compile else 'off'} ({XLA_VAR} says so)"
        plain, xla = self.measured.get("float32"), self.measured.get("float32 + XLA")
        verdict = "XLA on" if self.jit_compile else "XLA off"
        parts = [f"{name} {rate:,.0f}" for name, rate in self.measured.items()]
        source = "cached probe" if self.cached else "probed now"
        faster = (f"{xla / plain:.2f}x" if plain and xla else "n/a")
        return (f"{verdict} (training images/s: {', '.join(parts)}; XLA {faster}; "
                f"{source})")


def cpuinfo(field: str) -> str:
    """The first processor's ``field`` in Linux's ``/proc/cpuinfo`` ("" where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    for line in text.splitlines():
        if line.split(":", 1)[0].strip() == field:
            return line.split(":", 1)[1].strip()
    return ""


def cpu_flags() -> set[str]:
    """The CPU's feature flags (empty where the system does not list them)."""
    return set(cpuinfo("flags").split())


def has_bfloat16() -> bool:
    """True when the CPU has bfloat16 instructions (AVX512_BF16 or AMX)."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def cpu_name() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo), else what ``platform`` knows."""
    return cpuinfo("model name") or platform.processor() or platform.machine()


def _key() -> str:
    import keras
    import tensorflow as tf

    return f"{cpu_name()}|{platform.machine()}|tf {tf.__version__}|keras {keras.__version__}"


def _cache_file() -> Path:
    from course.runtime.settings import cache_dir

    return cache_dir() / "speed.json"


def images_per_second(policy: str = "float32", jit_compile: bool = False,
                      steps: int = STEPS, batch: int = BATCH) -> float:
    """Training images per second of a small 32x32 CNN under ``policy`` and ``jit_compile``
    (two warm-up steps, which compile, are not timed)."""
    import keras
    import numpy as np

    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(policy)
    try:
        layers = keras.layers
        model = keras.Sequential([
            keras.Input((32, 32, 3)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(10, activation="softmax", dtype="float32"),
        ])
        model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy",
                      jit_compile=jit_compile)
        rng = np.random.default_rng(0)
        x = rng.random((batch, 32, 32, 3), dtype=np.float32)
        y = rng.integers(0, 10, batch)
        for _ in range(2):
            model.train_on_batch(x, y)
        started = time.perf_counter()
        for _ in range(steps):
            model.train_on_batch(x, y)
        return steps * batch / (time.perf_counter() - started)
    finally:
        keras.mixed_precision.set_global_policy(previous)


def probe() -> Choice:
    """Time each candidate setting now (a few seconds) and choose."""
    measured = {"float32": images_per_second(), "float32 + XLA": images_per_second(
        jit_compile=True)}
    if has_bfloat16():
        measured["mixed_bfloat16"] = images_per_second("mixed_bfloat16")
    return Choice(measured["float32 + XLA"] > MARGIN * measured["float32"], measured)


def choose(refresh: bool = False, cache: Path | None = None) -> Choice:
    """The cached choice for this machine, or a fresh probe (stored for next time)."""
    from course.runtime import files

    cache = Path(cache or _cache_file())
    key = _key()
    try:
        stored = json.loads(cache.read_text())
    except (OSError, ValueError):
        stored = {}
    if not refresh and isinstance(stored.get(key), dict):
        try:
            return Choice(**{**stored[key], "cached": True})
        except TypeError:  # written by another version of this module: probe again
            pass
    choice = probe()
    entry = {k: v for k, v in asdict(choice).items() if k not in ("cached", "forced")}
    with contextlib.suppress(OSError):  # a read-only home: probe again next time, go on
        files.write_text(cache, json.dumps({**stored, key: entry}, indent=1) + "\n")
    return choice


def cpu_choice() -> Choice:
    """``COURSE_XLA`` when it is set, else :func:`choose`."""
    if settings.is_set(XLA_VAR):
        return Choice(settings.flag(XLA_VAR), {}, forced=True)
    return choose()
