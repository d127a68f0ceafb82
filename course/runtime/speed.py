"""Speed choices measured on the machine at hand: XLA, and bfloat16 on a CPU. Lesson 05.

Whether XLA compilation pays off on a CPU depends on the CPU: on a 2-core AVX2 machine
it trained the fast CIFAR-10 recipe 1.9 times as fast, on a 2-core AVX-512 machine about
twice as slowly (``benchmarks/README.md``). The same holds for training in
``mixed_bfloat16``: CPUs with bfloat16 instructions (AVX512_BF16, AMX) run its
convolutions faster, others emulate it and run slower. A choice measured once and
written into the code is wrong on the next machine, so :func:`choose` times a few
training steps of a small conv-BN-ReLU network here in each setting, keeps a setting
only when it is clearly faster than plain float32 (by ``MARGIN``), and caches the answer
per CPU, backend and library versions and probe network (``~/.cache/course/speed.json``,
or ``COURSE_CACHE_DIR``), so only the first lesson on a machine pays the probe (a few
seconds, most of it XLA's compilation). A probe taken while other work keeps the cores
busy (load average above ``BUSY`` per core) is used but not cached: the other work slows
each setting by a different amount, so its ratios are not the machine's.

XLA applies to every model ``course.train.fit`` compiles. bfloat16 applies only where a
lesson asks for it (``course.train.precision``: the fast recipe of lessons 07 and 08),
because it changes the numbers a model computes; ``benchmarks/recipe_bench.py``
measures the recipe's accuracy in both at equal epochs.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from course.runtime import settings

MARGIN = 1.10  # a setting must be this much faster than plain float32 to be chosen
XLA_VAR = settings.XLA  # "1" or "0": decide without probing
BFLOAT16_VAR = settings.BFLOAT16
BUSY = 0.5  # the 1-minute load average per core above which a probe is not cached
BATCH, STEPS = 64, 6
PROBE = "conv-BN-ReLU 32-32-64, batch 64"  # part of the cache key: change it with the network


@dataclass(frozen=True)
class Choice:
    """What the probe chose, and the images per second it measured for each setting."""

    jit_compile: bool
    bfloat16: bool
    measured: dict  # setting name -> training images per second
    cached: bool = False
    forced: tuple = ()  # the choices a variable made (COURSE_XLA, COURSE_BFLOAT16)
    busy: float | None = None  # the load per core when it was probed busy (not cached)

    @property
    def policy(self) -> str:
        """The Keras dtype policy for the fast recipe: mixed_bfloat16 or float32."""
        return "mixed_bfloat16" if self.bfloat16 else "float32"

    def describe(self) -> str:
        xla = f"XLA {'on' if self.jit_compile else 'off'}"
        bf16 = f"{self.policy} for the fast recipe"
        if XLA_VAR in self.forced:
            xla += f" ({XLA_VAR} says so)"
        if BFLOAT16_VAR in self.forced:
            bf16 += f" ({BFLOAT16_VAR} says so)"
        if not self.measured:
            return f"{xla}, {bf16}"
        plain = self.measured.get("float32")
        rates = ", ".join(f"{name} {rate:,.0f}" for name, rate in self.measured.items())
        ratios = "; ".join(f"{name} {rate / plain:.2f}x" for name, rate in self.measured.items()
                           if plain and name != "float32")
        source = "cached probe" if self.cached else "probed now"
        if self.busy is not None:
            source += (f" while other work kept the cores busy (load {self.busy:.1f} per core): "
                       "not cached, the next lesson probes again")
        return (f"{xla}, {bf16} (training images/s of a small conv-BN network: {rates}"
                f"{'; ' + ratios if ratios else ''}; {source})")


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


def machine_kind(probe_now: bool = False) -> dict:
    """What decides this CPU's speed class: model, AVX-512 and bfloat16 instructions, and
    the probe's float32 rate (the cached figure, None when nothing is cached, unless
    ``probe_now``)."""
    flags = cpu_flags()
    stored = choose() if probe_now else cached()
    rate = stored.measured.get("float32") if stored else None
    return {"cpu": cpu_name(), "cores": os.cpu_count(), "avx512": "avx512f" in flags,
            "avx512_bf16": "avx512_bf16" in flags,
            "float32_images_per_s": round(rate) if rate else None}


def describe_machine(kind: dict) -> str:
    """"AMD EPYC 9B14, 2 cores, AVX-512 + AVX512_BF16, probe float32 1,738 images/s"."""
    extensions = ("AVX-512" + (" + AVX512_BF16" if kind.get("avx512_bf16") else "")
                  if kind.get("avx512") else "no AVX-512")
    rate = kind.get("float32_images_per_s")
    probe = f"probe float32 {rate:,} images/s" if rate else "not probed"
    return f"{kind['cpu']}, {kind['cores']} cores, {extensions}, {probe}"


def backend_version() -> str:
    """Keras' backend and its version, e.g. ``"tensorflow 2.21.0"`` or ``"jax 0.10.2"``."""
    import keras

    name = keras.backend.backend()
    return f"{name} {getattr(importlib.import_module(name), '__version__', '?')}"


def _key() -> str:
    import keras

    return (f"{cpu_name()}|{platform.machine()}|{backend_version()}|keras {keras.__version__}"
            f"|{PROBE}")


def _cache_file() -> Path:
    return settings.cache_dir() / "speed.json"


@contextlib.contextmanager
def dtype_policy(policy):
    """Keras' global dtype policy is ``policy`` inside the block (layers built there take
    it), and what it was before afterwards."""
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def images_per_second(policy: str = "float32", jit_compile: bool = False,
                      steps: int = STEPS, batch: int = BATCH) -> float:
    """Training images per second of a small 32x32 conv-BN-ReLU network under ``policy``
    and ``jit_compile`` (two warm-up steps, which compile, are not timed)."""
    import keras
    import numpy as np

    layers = keras.layers

    def conv_bn_relu(filters):
        return [layers.Conv2D(filters, 3, padding="same", use_bias=False),
                layers.BatchNormalization(), layers.ReLU()]

    with dtype_policy(policy):
        model = keras.Sequential([
            keras.Input((32, 32, 3)), *conv_bn_relu(32), *conv_bn_relu(32),
            layers.MaxPooling2D(), *conv_bn_relu(64), layers.GlobalAveragePooling2D(),
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


def probe() -> Choice:
    """Time each candidate setting now (a few seconds) and choose.

    XLA is a candidate on TensorFlow (JAX always compiles); bfloat16 where the CPU has
    bfloat16 instructions, timed with the XLA setting just chosen.
    """
    import keras

    backend = keras.backend.backend()
    jit = backend == "jax"
    measured = {"float32": images_per_second(jit_compile=jit)}
    best = measured["float32"]  # the float32 setting that will be used
    if backend == "tensorflow":
        xla = measured["float32 + XLA"] = images_per_second(jit_compile=True)
        jit = xla > MARGIN * best
        best = xla if jit else best
    bfloat16 = False
    if has_bfloat16():
        measured["mixed_bfloat16"] = images_per_second("mixed_bfloat16", jit_compile=jit)
        bfloat16 = measured["mixed_bfloat16"] > MARGIN * best
    return Choice(jit, bfloat16, measured)


def load_per_core() -> float:
    """The 1-minute load average per core (0 where the system does not say)."""
    try:
        return os.getloadavg()[0] / (os.cpu_count() or 1)
    except (OSError, AttributeError):
        return 0.0


def cached(cache: Path | None = None) -> Choice | None:
    """The probe's stored choice for this machine, or None (nothing is probed)."""
    try:
        stored = json.loads(Path(cache or _cache_file()).read_text())[_key()]
        return Choice(**{**stored, "cached": True})
    except (OSError, ValueError, KeyError, TypeError):
        return None


_BUSY: dict = {}  # (cache, key) -> a probe taken busy: this process's answer, not stored


def choose(refresh: bool = False, cache: Path | None = None) -> Choice:
    """The cached choice for this machine, or a fresh probe (stored for next time; one
    taken while other work kept the cores busy is kept for this process only, so that a
    lesson gets one answer however often it asks, and the next lesson probes again)."""
    from course.runtime import files

    cache = Path(cache or _cache_file())
    key = _key()
    found = None if refresh else cached(cache) or _BUSY.get((str(cache), key))
    if found is not None:
        return found
    try:
        stored = json.loads(cache.read_text())
    except (OSError, ValueError):
        stored = {}
    if not isinstance(stored, dict):
        stored = {}
    load = load_per_core()
    choice = probe()
    if load > BUSY:
        _BUSY[str(cache), key] = replace(choice, busy=round(load, 2))
        return _BUSY[str(cache), key]
    entry = {k: v for k, v in asdict(choice).items() if k not in ("cached", "forced", "busy")}
    with contextlib.suppress(OSError):  # a read-only home: probe again next time, go on
        files.write_text(cache, json.dumps({**stored, key: entry}, indent=1) + "\n")
    return choice


def cpu_choice() -> Choice:
    """:func:`choose`, with ``COURSE_XLA`` and ``COURSE_BFLOAT16`` deciding where they are
    set (when both are, nothing is probed)."""
    forced = tuple(var for var in (XLA_VAR, BFLOAT16_VAR) if settings.is_set(var))
    choice = Choice(False, False, {}) if len(forced) == 2 else choose()
    return replace(choice, forced=forced,
                   jit_compile=settings.flag(XLA_VAR) if XLA_VAR in forced
                   else choice.jit_compile,
                   bfloat16=settings.flag(BFLOAT16_VAR) if BFLOAT16_VAR in forced
                   else choice.bfloat16)
