"""How a lesson's request finds what the course ships: the runs in ``data/runs`` and the
pretrained base in ``data/pretrained``. Machinery under ``course.runs`` and
``course.transfer``; a student never calls it.

A shipped artefact is named ``<model>-<key>``, the key a hash of its **identity**: what a
user means by "the same experiment", written out in ``identity()``:

- the architecture in a canonical form (:func:`architecture`): the layers' classes and
  settings and how they connect, without names, dtype policies, unset options or Keras'
  module paths, so neither mixed precision nor a Keras release that adds an option moves it;
- the data by name and split (``course.data.origin``: "cifar10 x_train[0:45000]"), so the
  offline mirror's JPEG CIFAR-10 and the publisher's files find the same run; data the
  course did not load is identified by its contents instead;
- the training settings.

``KEY_VERSION`` is part of every key: changing what goes into one is deliberate, and the
shipped files are rebuilt (or re-keyed) in the same change. ``tests/test_shipped.py``
executes the lessons' cells that ask for them with ``COURSE_SHIPPED_ONLY=1``, where a miss
is :class:`NotShipped`, naming the key asked for and the nearest file the course ships.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from course.runtime import settings
from course.runtime.errors import CourseError

KEY_VERSION = 2
ONLY_VAR = settings.SHIPPED_ONLY
COSMETIC = ("name", "module", "registered_name", "build_config", "compile_config")


class NotShipped(CourseError, LookupError):
    """``COURSE_SHIPPED_ONLY`` is set and the course ships nothing under the key asked for."""


def architecture(model) -> list:
    """``model``'s configuration in canonical form (a JSON-able list, one entry a layer).

    Kept: each layer's class, its settings, whether it trains, and which layers feed it (by
    position). Dropped: names (Keras numbers them per session), dtype policies and the
    tensors' compute dtypes (weights are float32 under float32 and mixed_bfloat16 alike),
    options left unset (None), module paths and build information. An input's dtype stays.
    """
    return _canonical(json.loads(model.to_json()))["config"]["layers"]


def _canonical(value):
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "__keras_tensor__":  # a tensor: its compute dtype goes
        value = {**value, "config": {k: v for k, v in value["config"].items() if k != "dtype"}}
    if _is_model(value):
        value = {**value, "config": _numbered(value["config"])}
    return {k: _canonical(v) for k, v in value.items()
            if k not in COSMETIC and v is not None
            and not (k == "dtype" and isinstance(v, dict))}  # a dict here is a layer's policy


def _numbered(config: dict) -> dict:
    """A model's config with its layers referred to by position instead of by name."""
    position = {layer.get("name", layer["config"].get("name")): i
                for i, layer in enumerate(config["layers"])}

    def renamed(value):
        if isinstance(value, list):
            return [renamed(v) for v in value]
        if not isinstance(value, dict):
            return value
        if _is_model(value):  # a nested model numbers its own layers; what feeds it is ours
            return {**value, **({"inbound_nodes": renamed(value["inbound_nodes"])}
                                if "inbound_nodes" in value else {})}
        out = {k: renamed(v) for k, v in value.items()}
        history = out.get("config", {}).get("keras_history") if "config" in out else None
        if value.get("class_name") == "__keras_tensor__" and history:
            out["config"] = {**out["config"], "keras_history": [position.get(history[0]),
                                                                *history[1:]]}
        return out

    def end(e):  # ["conv2d", 0, 0] -> [position, 0, 0]
        return [position.get(e[0]), *e[1:]] if isinstance(e, list) and e else e

    ends = {k: end(v) if v and isinstance(v[0], str) else [end(e) for e in v]
            for k in ("input_layers", "output_layers")
            if isinstance(v := config.get(k), list)}
    return {**config, "layers": [renamed(layer) for layer in config["layers"]], **ends}


def _is_model(value: dict) -> bool:
    config = value.get("config")
    return isinstance(config, dict) and isinstance(config.get("layers"), list)


def data(*arrays) -> str:
    """The identity of ``arrays`` (say ``x, y``): their origins when ``course.data`` loaded
    them, else a hash of their shapes and contents."""
    from course import data as datasets

    origins = [datasets.origin(a) for a in arrays]
    if all(origins):
        return " | ".join(origins)
    return f"contents {fingerprint(*arrays)}"


def fingerprint(*arrays) -> str:
    """A short hash of arrays' shapes and (a stride of) their contents."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode())
        flat = a.reshape(-1)
        h.update(np.ascontiguousarray(flat[:: max(1, flat.size // 1_000_000)]).tobytes())
    return h.hexdigest()[:16]


def identity(model, settings: dict, **data_parts: str) -> dict:
    """What names a shipped artefact: key version, model name, architecture, settings, data."""
    return {"version": KEY_VERSION, "model": model.name, "architecture": architecture(model),
            "settings": settings, "data": data_parts}


def name(identity: dict) -> str:
    """The file stem ``<model>-<16 hex digits>`` for ``identity``."""
    text = json.dumps(identity, sort_keys=True, default=str)
    return f"{identity['model']}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def only() -> bool:
    """Whether ``COURSE_SHIPPED_ONLY`` is on: a miss raises instead of training."""
    return settings.flag(ONLY_VAR)


def missing(folder: Path, wanted: dict, what: str) -> NotShipped:
    """The error for a miss: the name asked for, the nearest shipped file, what differs."""
    folder = Path(folder)
    asked = name(wanted)
    candidates = []
    for path in sorted(folder.glob("*.json")):
        try:
            stored = json.loads(path.read_text()).get("identity")
        except (OSError, ValueError):
            continue
        if isinstance(stored, dict):
            candidates.append((len(differences(stored, wanted)), path, stored))
    if not candidates:
        nearest = f"the course ships no {what} with a recorded identity in {folder}"
    else:
        _, path, stored = min(candidates, key=lambda c: (c[0], c[1].name))
        nearest = (f"nearest shipped: {path.stem} ({'; '.join(differences(stored, wanted))})")
    return NotShipped(
        f"{ONLY_VAR} is set and the course ships no {what} {asked}; {nearest}. Fix: rebuild "
        f"the shipped {what}s (data/README.md), or unset {ONLY_VAR} to train it here")


def differences(stored: dict, wanted: dict) -> list[str]:
    """What differs between two identities, one phrase a part ("architecture: layer 3")."""
    out = []
    for part in sorted(set(stored) | set(wanted)):
        mine, theirs = stored.get(part), wanted.get(part)
        if mine == theirs:
            continue
        if part == "architecture" and isinstance(mine, list) and isinstance(theirs, list):
            layers = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b]
            if len(mine) != len(theirs):
                layers.append(f"{len(mine)} layers shipped, {len(theirs)} asked for")
            out.append(f"architecture differs at layer {', '.join(map(str, layers[:5]))}")
        elif isinstance(mine, dict) and isinstance(theirs, dict):
            keys = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            out.append(", ".join(f"{part}.{k}: {mine.get(k)!r} shipped, {theirs.get(k)!r} "
                                 "asked for" for k in keys))
        else:
            out.append(f"{part}: {mine!r} shipped, {theirs!r} asked for")
    return out or ["the same identity: the file is damaged"]
