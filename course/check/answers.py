"""A student's answer as data, for grading outside the student's kernel. Instructor tooling.

When ``python -m course grade`` runs a hand-in, each checker call only *records* the
answer (``COURSE_ANSWERS_DIR``); ``course.check.judge`` then judges the records in a
fresh process that the hand-in's cells never ran in. What crosses is data:

- numbers, strings, tuples, lists and dicts of them, NumPy arrays (no pickles);
- a function as its **source**, with the notebook's functions it calls (their source too),
  the modules and library functions it names (as imports) and the plain values it reads;
- a Keras model as its config and weights.

A value of another type is recorded as unsupported, and the judge answers it with a hint.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import inspect
import io
import json
import sys
import textwrap
import types
from pathlib import Path

import numpy as np

PLAIN = (type(None), bool, int, float, str)
MAX_ARRAY_BYTES = 8 * 2**20


class Unsupported(Exception):
    """A value the grade cannot carry out of the kernel."""


def encode(value, depth: int = 0):
    """``value`` as JSON-able data; subclasses become their plain base type's value."""
    if depth > 20:
        raise Unsupported("a structure nested more than 20 levels deep")
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if np.isfinite(number) else {"float": repr(number)}
    if isinstance(value, str):
        return str(value)
    if value is None:
        return None
    if value is Ellipsis:  # a value exercise's stub, `size = ...`: not attempted
        return {"ellipsis": None}
    if isinstance(value, np.ndarray) or is_tensor(value):
        array = np.asarray(value)
        if array.dtype == object:
            raise Unsupported("an array of Python objects")
        if array.nbytes > MAX_ARRAY_BYTES:
            raise Unsupported(f"an array of {array.nbytes / 2**20:.0f} MB (at most "
                              f"{MAX_ARRAY_BYTES // 2**20} MB is carried)")
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return {"ndarray": base64.b64encode(buffer.getvalue()).decode()}
    if isinstance(value, tuple | list):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise Unsupported("a dict whose keys are not all strings")
        return {"dict": {str(k): encode(v, depth + 1) for k, v in value.items()}}
    if inspect.isfunction(value):
        return {"function": bundle(value)}
    if _is_keras(value, "Model"):
        return {"keras_model": {"config": value.to_json(),
                                "weights": [encode(w) for w in value.get_weights()]}}
    if _is_keras(value, "Layer"):
        import keras

        return {"keras_layer": json.dumps(keras.saving.serialize_keras_object(value))}
    raise Unsupported(f"a value of type {type(value).__name__}")


def decode(data):
    """What :func:`encode` made, back as values (functions stay as their bundle)."""
    if data is None or isinstance(data, PLAIN):
        return data
    (kind, body), = data.items()
    if kind == "float":
        return float(body)
    if kind == "ellipsis":
        return Ellipsis
    if kind == "ndarray":
        return np.load(io.BytesIO(base64.b64decode(body)), allow_pickle=False)
    if kind in ("tuple", "list"):
        items = [decode(v) for v in body]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: decode(v) for k, v in body.items()}
    if kind == "keras_model":
        import keras

        model = keras.models.model_from_json(body["config"])
        model.set_weights([decode(w) for w in body["weights"]])
        return model
    if kind == "keras_layer":
        import keras

        return keras.saving.deserialize_keras_object(json.loads(body))
    if kind == "function":
        return Bundle(**body)
    if kind == "unsupported":
        return UnsupportedAnswer(body)
    raise ValueError(f"not a recorded value: {kind!r}")


class Bundle:
    """A recorded function: its name and the source that defines it and what it uses."""

    def __init__(self, name: str, source: str):
        self.name, self.source = name, source


class UnsupportedAnswer:
    """An answer of a type the grade cannot carry: the judge gives a hint naming it."""

    def __init__(self, what: str):
        self.what = what


def is_tensor(value) -> bool:
    return type(value).__module__.split(".")[0] in ("tensorflow", "jax", "jaxlib", "torch") \
        and hasattr(value, "shape")


def _is_keras(value, kind: str) -> bool:
    """Whether ``value`` is a ``keras.Model`` or ``keras.layers.Layer`` (``kind``)."""
    keras = sys.modules.get("keras")  # a value of Keras' exists only where Keras is loaded
    if keras is None:
        return False
    return isinstance(value, keras.Model if kind == "Model" else keras.layers.Layer)


# --- functions as source ---------------------------------------------------------------


def _names(code: types.CodeType) -> set[str]:
    """Every global name a code object (and the functions nested in it) may read."""
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _names(const)
    return found


def bundle(func) -> dict:
    """``func`` as source: the notebook's functions and classes it uses (recursively),
    imports for the modules and library objects it names, its plain global values."""
    lines: dict[str, str] = {}  # global name -> the source that binds it
    order: list[str] = []

    def visit(function) -> None:
        scope = function.__globals__
        for name in sorted(_names(function.__code__)):
            if name in lines or name not in scope or (name.startswith("__")
                                                      and name.endswith("__")):
                continue  # a class body's __name__ and the like: the judge's own
            value = scope[name]
            lines[name] = ""  # visiting: a cycle ends here
            lines[name] = _binding(name, value, visit)
            order.append(name)

    visit(func)
    body = [lines[name] for name in order if lines[name]]
    name = func.__name__ if isinstance(func.__name__, str) and func.__name__.isidentifier() \
        else func.__code__.co_name  # a lambda's, or a name changed after `def`
    return {"name": name, "source": "\n\n".join([*body, _source(func)]) + "\n"}


def _binding(name: str, value, visit) -> str:
    """Source that binds ``name`` to ``value`` in the judge."""
    if isinstance(value, types.ModuleType):
        return f"import {value.__name__} as {name}"
    module = getattr(value, "__module__", None)
    if (inspect.isfunction(value) or inspect.isclass(value)) and module == "__main__":
        if inspect.isfunction(value):
            visit(value)
        return _source(value)
    if module and module != "__main__" and callable(value):
        qualname = getattr(value, "__qualname__", "")
        if qualname and "<" not in qualname:
            return f"import {module} as _module_{name}\n{name} = _module_{name}.{qualname}"
    try:
        encoded = encode(value)
    except Unsupported as why:
        return f"{name} = _unavailable({name!r}, {str(why)!r})"
    return f"{name} = _recorded({json.dumps(encoded)!r})"


def _source(obj) -> str:
    try:
        return textwrap.dedent(inspect.getsource(obj)).rstrip()
    except (OSError, TypeError):
        name = getattr(obj, "__name__", "?")
        return f"{name} = _unavailable({name!r}, 'code whose source Python cannot find')"


# --- the kernel's side: recording --------------------------------------------------------


def cell_key(source: str) -> str:
    """A short digest naming a notebook cell by what its code does (comments and layout
    aside): the grader computes it for each checker cell of a hand-in."""
    try:
        text = ast.dump(ast.parse(source))
    except (SyntaxError, ValueError):
        text = source
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _running_cell() -> str | None:
    """The source of the notebook cell running now, as IPython runs it (None outside
    IPython)."""
    if "IPython" not in sys.modules:
        return None
    shell = sys.modules["IPython"].get_ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_parsed", None)
    return history[-1] if history and isinstance(history[-1], str) else None


def record(folder: Path, checker: str, answer, extras: tuple, options: dict, name: str,
           prediction: dict | None = None) -> Path:
    """Write one checker call (its answer, other arguments, the answer's name and, for a
    prediction, the source of its values) as ``folder/<checker>.<cell>.json``, where
    ``cell`` is the :func:`cell_key` of the notebook cell that called the checker
    (``folder/<checker>.json`` outside a notebook): the judge reads only the record of the
    checker cell, not a call of the checker from another cell."""
    def safe(value):
        try:
            return encode(value)
        except Unsupported as why:
            return {"unsupported": str(why)}

    payload = {"checker": checker, "name": name, "answer": safe(answer),
               "extras": [safe(v) for v in extras],
               "options": {k: safe(v) for k, v in options.items()}, "prediction": prediction}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cell = _running_cell()
    path = folder / (f"{checker}.json" if cell is None else f"{checker}.{cell_key(cell)}.json")
    path.write_text(json.dumps(payload))
    return path
