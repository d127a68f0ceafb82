"""The machinery every checker shares. Introduced in lesson 00.

One contract for self-study and for grading. In a notebook a checker prints one line,
"correct - ...", "not yet - <hint>" or "not attempted yet", and returns a
:class:`Verdict` (true when the answer is right; it shows nothing more under the cell).
In grading mode (``COURSE_GRADING=1``, or ``strict=True`` in the call) a wrong or
missing answer raises an ``AssertionError`` whose message is that line, so that an
nbgrader or otter-grader test cell scores it.

Only the student's own code is treated as the student's: an exception raised while the
student's function runs is reported as "your code raised ...", while an exception in
the checker itself is a bug in the course and propagates with its traceback. A checker
can name the course functions that would answer its exercise (``without=``); a student's
function that calls one of them, however it imported it, gets "not yet" with a hint.
"""

from __future__ import annotations

import decimal
import dis
import fractions
import functools
import importlib
import inspect
import sys
import threading
from dataclasses import dataclass

from course.runtime import settings

GRADING_VAR = settings.GRADING
ANSWERS_VAR = settings.ANSWERS_DIR
MAX_BITS = 256  # a returned whole number longer than this is no answer to any exercise


class Hint(Exception):
    """Raised inside a checker with a message that tells the student what to look at."""


def numbers(value, what: str) -> tuple:
    """A returned sequence as a tuple, or a Hint that says what was returned instead."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise Hint(f"you returned {type(value).__name__} {value!r:.40}; return {what}")
    return tuple(value)


def plain(value, depth: int = 0):
    """A student's value as plain data: Python numbers, strings, tuples, lists and dicts of
    them and NumPy arrays (a NumPy scalar becomes a Python number, a subclass of ``int`` or
    of ``np.ndarray`` its plain value, a tensor an array). Keras objects pass as they are;
    anything else, such as an object with its own ``__eq__``, is a :class:`Hint`."""
    import numpy as np

    from course.check.answers import is_tensor

    if isinstance(value, np.bool_ | np.integer | np.floating):  # a NumPy scalar: a Python one
        value = (bool if isinstance(value, np.bool_) else
                 int if isinstance(value, np.integer) else float)(value)
    if value is None or value is Ellipsis or isinstance(value, bool):  # Ellipsis: a stub
        return value if value is None or value is Ellipsis else bool(value)
    if type(value) in (fractions.Fraction, decimal.Decimal):
        value = float(value)
    if isinstance(value, int):
        number = int.__index__(value)  # a subclass's plain value: its own __eq__ is gone
        if number.bit_length() > MAX_BITS:
            raise Hint(f"you returned a whole number of {number.bit_length():,} bits; no "
                       "answer here is that large")
        return number
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, complex | np.complexfloating):
        raise Hint("you returned a complex number; return real numbers")
    if isinstance(value, np.ma.MaskedArray) and np.ma.getmaskarray(value).any():
        raise Hint("you returned a masked array with hidden values; return a plain NumPy "
                   "array")
    if isinstance(value, np.ndarray) or is_tensor(value):
        array = np.asarray(value)
        if array.dtype == object:
            raise Hint("you returned an array of Python objects; return an array of numbers")
        if np.iscomplexobj(array):
            raise Hint("you returned an array of complex numbers; return real numbers")
        return array
    if isinstance(value, tuple | list) and depth < 20:  # the items, not what __iter__ says
        items = [plain(v, depth + 1) for v in (tuple.__iter__(value) if isinstance(value, tuple)
                                               else list.__iter__(value))]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, set | frozenset) and depth < 20:  # the checker says what to give
        items = {plain(v, depth + 1) for v in frozenset.__iter__(frozenset(value))}
        return frozenset(items) if isinstance(value, frozenset) else items
    if isinstance(value, dict) and depth < 20:
        return {plain(k, depth + 1): plain(v, depth + 1) for k, v in dict.items(value)}
    if type(value).__module__.split(".")[0] == "keras":
        return value
    raise Hint(f"you returned an object of type {type(value).__name__}; return plain values "
               "(numbers, tuples, lists or a NumPy array)")


def filled(cell) -> bool:
    """Whether a closure cell holds a value (an empty one raises on reading)."""
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def whole(value, what: str, case: str) -> int:
    """``value`` as an int, or a :class:`Hint` saying what it was (``what``: "a size"; ``case``:
    the inputs it was returned for)."""
    import numpy as np

    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = f"a {type(value).__name__}" if not isinstance(value, np.ndarray) else (
            f"an array of shape {value.shape}")
        raise Hint(f"for {case} you gave {shown} as {what}; give a plain whole number (an int)")
    if isinstance(value, float):
        raise Hint(f"for {case} {what} is the float {value!r}; sizes and counts are whole "
                   "numbers, ints (a float often comes from `/`, where `//` keeps an int)")
    return value


def keras_model(value, what: str = "a keras.Model"):
    """A returned model, or a Hint that says what was returned instead."""
    import keras

    if not isinstance(value, keras.Model):
        raise Hint(f"you returned {type(value).__name__}, not {what}")
    return value


class StudentError(Exception):
    """The student's function raised ``error``; a checker may catch it to give a hint."""

    def __init__(self, error: BaseException):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error


@dataclass(frozen=True)
class Verdict:
    """What a checker decided: ``passed`` and the line it printed."""

    passed: bool
    line: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Verdict({self.line!r})"

    def _ipython_display_(self) -> None:
        """Nothing under the cell: the checker has printed its line already."""


def grading(environ=None) -> bool:
    """True when ``COURSE_GRADING`` asks checkers to raise instead of returning False."""
    return settings.flag(GRADING_VAR, environ)


def _resolve(name: str):
    """``"course.ops.output_size"`` or ``"course.graphs.GCNLayer.call"`` -> what it names."""
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):  # the longest prefix that is a module
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(f"no module in {name!r}")


def _watching(names):
    """The code objects (Python functions) and builtins (C functions) that ``names`` name,
    each mapped to its name; names not importable here are left out."""
    targets = {}
    for name in names:
        try:  # a decorated function (TensorFlow's): its own code, not the shared wrapper's
            targets[name] = inspect.unwrap(_resolve(name))
        except (ImportError, AttributeError):  # not installed here: nothing to call
            continue
    codes = {_signature(f.__code__): n for n, f in targets.items() if hasattr(f, "__code__")}
    builtins = {f: n for n, f in targets.items() if not hasattr(f, "__code__")}
    return codes, builtins


# How one compilation differs from another of the same source (a notebook cell compiles
# ``layers.ReLU(...)`` with LOAD_METHOD, a module with PUSH_NULL + LOAD_ATTR, and the NULL
# that LOAD_GLOBAL may push is named in its argrepr): ignored.
_NOISE = {"CACHE", "EXTENDED_ARG", "NOP", "PRECALL", "PUSH_NULL", "RESUME"}
_SAME = {"LOAD_METHOD": "LOAD_ATTR", "CALL_METHOD": "CALL"}
_JUMPS = set(dis.hasjrel) | set(dis.hasjabs)


def _bare(argrepr: str) -> str:
    """An instruction's argument without the NULL it may push: "NULL + name" (3.11),
    "name + NULL" and "name + NULL|self" (3.13)."""
    return argrepr.removeprefix("NULL + ").removesuffix(" + NULL|self").removesuffix(" + NULL")


@functools.lru_cache(maxsize=4096)
def _signature(code) -> tuple:
    """What a function's code does, not where it was written: a copy of a course function
    (a lesson's ``#@save`` cell, pasted into a notebook) has the same signature."""
    consts = tuple(_signature(c) if inspect.iscode(c) else (type(c).__name__, repr(c))
                   for c in code.co_consts)
    ops = tuple((_SAME.get(i.opname, i.opname),
                 None if i.opcode in _JUMPS or inspect.iscode(i.argval) else _bare(i.argrepr))
                for i in dis.get_instructions(code) if i.opname not in _NOISE)
    return ops, code.co_names, code.co_varnames, code.co_argcount, consts


# Modules an answer could patch to fool the comparison (``np.allclose = ...``): checked,
# cheaply, at every return from the answer. The judge checks every protected module after.
_KEPT = ("builtins", "math", "numpy", "numpy.linalg", "numpy.testing", "keras", "keras.ops",
         "keras.layers", "cv2", "scipy.signal", "scipy.ndimage")


_CODE = ("__code__", "__defaults__", "__kwdefaults__")
_KEPT_CLASSES = (("keras", "Model"), ("keras", "Sequential"), ("keras.layers", "Layer"))


def _kept() -> dict[tuple, object]:
    """What an answer could patch, as it is now: the callables of ``_KEPT``; every value of
    the loaded ``course`` modules; the code and defaults of their functions (a swapped
    ``__code__`` keeps the function object); the methods of Keras' model and layer classes."""
    seen = {}
    for name in [*_KEPT, *(m for m in list(sys.modules) if m.split(".")[0] == "course")]:
        module = sys.modules.get(name)
        if module is None:
            continue
        ours = name.split(".")[0] == "course"
        for attribute, value in list(vars(module).items()):
            if ours or callable(value):
                seen[(name, attribute)] = value
            if ours and inspect.isfunction(value):
                seen.update({(name, attribute, part): getattr(value, part) for part in _CODE})
    for module, name in _KEPT_CLASSES:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type):
            seen.update({(cls, attribute): value for attribute, value in vars(cls).items()})
            seen[(cls,)] = frozenset(vars(cls))  # an attribute added is a patch too
    return seen


def _restore(before: dict) -> list[str]:
    """Put back what differs from ``before``; the names of what did."""
    changed = []
    for key, value in before.items():
        if len(key) == 1:  # the names a class had: one added shadows an inherited method
            for attribute in set(vars(key[0])) - value:
                delattr(key[0], attribute)
                changed.append(f"{key[0].__module__}.{key[0].__name__}.{attribute}")
            continue
        if isinstance(key[0], type):  # a class's method
            cls, attribute = key
            if vars(cls).get(attribute, _MISSING) is not value:
                setattr(cls, attribute, value)
                changed.append(f"{cls.__module__}.{cls.__name__}.{attribute}")
            continue
        module = sys.modules.get(key[0])
        if module is None:
            continue
        if len(key) == 3:  # a function's code or defaults
            function = vars(module).get(key[1])
            if inspect.isfunction(function) and getattr(function, key[2]) is not value:
                setattr(function, key[2], value)
                changed.append(f"{key[0]}.{key[1]}.{key[2]}")
        elif vars(module).get(key[1], _MISSING) is not value:
            setattr(module, key[1], value)
            changed.append(f"{key[0]}.{key[1]}")
    return changed


_MISSING = object()


def _is_keras(value) -> bool:
    return type(value).__module__.split(".")[0] == "keras"


def _introspection() -> set:
    """The C functions that reach the checker's frames, the watch or the traceback machinery
    from inside an answer (``sys._getframe``, ``sys.getprofile``, ``gc.get_referents``, ...)."""
    import gc

    return {sys._getframe, sys._current_frames, sys.getprofile, sys.gettrace, sys.settrace,
            threading.settrace, gc.get_referents, gc.get_referrers, gc.get_objects}


def _library(code) -> bool:
    """Whether ``code`` belongs to an installed library (TensorFlow reads its own frames)."""
    return "site-packages" in code.co_filename or "dist-packages" in code.co_filename


@functools.cache
def _stdlib() -> str:
    import sysconfig

    return sysconfig.get_paths()["stdlib"]


def _students(frame) -> bool:
    """Whether the code that called from ``frame`` is the student's: the first frame out
    of Python's standard library (``inspect.currentframe`` is a way to ``sys._getframe``)
    is neither a library's nor the watch's own."""
    while frame is not None and (frame.f_code.co_filename.startswith(("<frozen", _stdlib()))
                                 and not _library(frame.f_code)):
        frame = frame.f_back
    return (frame is not None and not _library(frame.f_code)
            and frame.f_globals.get("__name__") != __name__)


def _guarded(answer, returns: bool, without=()):
    """``answer`` with its exceptions marked as the student's, a hint when it returns None
    (``returns``), when it calls one of the functions ``without`` names or reaches for the
    checker's frames or its watch, or when it changes a function of NumPy, Keras or the
    course. Its result becomes :func:`plain` data while the watch is still on (an object's
    ``__array__`` or ``__iter__`` is the answer's code too). Values and Keras objects pass
    as they are; a class is a :class:`Hint`."""
    if inspect.isclass(answer) and not _is_keras(answer):
        raise Hint(f"you passed the class {_label(answer, 'of your answer')}; write a function "
                   "(`def`) and pass it")
    if not callable(answer) or _is_keras(answer):
        return answer
    codes, builtins = _watching(without)  # resolved once, however often the checker calls
    label = _label(answer, "your function")
    switches = {sys.setprofile, threading.setprofile,
                *(getattr(threading, f) for f in ("setprofile_all_threads", "settrace_all_threads")
                  if hasattr(threading, f))}
    peeks = _introspection()

    @functools.wraps(answer)
    def call(*args, **kwargs):
        called: list[str] = []
        switched: list[bool] = []
        peeked: list[str] = []

        def profile(frame, event, arg):
            if event == "call" and (found := codes.get(_signature(frame.f_code))):
                called.append(found)
            elif event == "c_call" and arg in builtins:
                called.append(builtins[arg])
            elif event == "c_call" and arg in switches:
                switched.append(True)
            elif event == "c_call" and arg in peeks and _students(frame):
                peeked.append(f"{getattr(arg, '__module__', None) or 'sys'}.{arg.__name__}")

        previous, previous_threads = sys.getprofile(), threading.getprofile()
        if without and previous is not None and not callable(previous):
            raise Hint("the checker watches what your function calls, and it cannot while a "
                       "profiler such as cProfile or %prun runs: run the checker cell "
                       "without it")
        if without:
            sys.setprofile(profile)
            threading.setprofile(profile)  # threads the answer starts are watched too
            if hasattr(threading, "setprofile_all_threads"):  # 3.12+: and those running
                threading.setprofile_all_threads(profile)  # already (a pool's workers)
        kept = _kept()
        raised = hint = result = None
        try:
            result = plain(answer(*args, **kwargs))
        except NotImplementedError:
            raise
        except Hint as error:  # what the answer returned is not plain data
            hint = error
        except Exception as error:
            raised = error
        finally:
            switched_off = without and (switched or sys.getprofile() is not profile)
            if without:
                if hasattr(threading, "setprofile_all_threads"):
                    threading.setprofile_all_threads(None)
                sys.setprofile(previous)
                threading.setprofile(previous_threads)
            changed = _restore(kept)
        if switched_off:
            raise Hint(f"{label} switches off the checker's watch (sys.setprofile), so the "
                       "checker cannot tell what it calls: leave the profiler alone")
        if peeked:
            raise Hint(f"{label} calls `{peeked[0]}`, which reads the checker's own frames or "
                       "its watch: an answer computes from its arguments")
        if changed:
            raise Hint(f"{label} changes `{changed[0]}`; the checker does not judge an answer "
                       "that changes NumPy, Keras or the course (it has put it back)")
        if called:  # a shortcut is named even when the answer went on to fail
            shown = _shown(called[0])
            raise Hint(f"{label} calls `{shown}`, which answers the exercise for you: write it "
                       "yourself, the point is to see how it works")
        if raised is not None:
            raise StudentError(raised) from raised
        if hint is not None:
            raise hint
        if result is None and returns:
            raise Hint(f"{label} returned None: is its `return` missing?")
        return result

    return call


def _label(answer, otherwise: str) -> str:
    """The answer's own name when it is an identifier or ``<lambda>`` (not a line of text
    dressed as a name, ``"f: correct - "``), else ``otherwise``."""
    name = getattr(answer, "__name__", None)
    return name if isinstance(name, str) and (name.isidentifier() or name == "<lambda>") \
        else otherwise


def _shown(name: str) -> str:
    """A watched function's name as a student would write it: ``ops.output_size`` for the
    course's, ``keras.ops.conv``, ``tf.math.confusion_matrix``, ``cv2.filter2D``; the last
    two parts for a library's internals."""
    name = name.removesuffix(".__wrapped__")
    if name.startswith("course."):
        return name.removeprefix("course.")
    if ".src." in name or ".python." in name:
        return ".".join(name.split(".")[-2:])
    return "tf." + name.removeprefix("tensorflow.") if name.startswith("tensorflow.") else name


def checker(func=None, *, returns: bool = True, without: tuple[str, ...] = (),
            prediction: bool = False, tries: int | None = None):
    """Turn ``func(answer)`` into a checker with the contract above.

    ``func`` raises :class:`Hint` for a wrong answer and returns a short note on what was
    checked when the answer is right. A student's ``NotImplementedError``, or a value the
    student version left at ``...``, reads as "not attempted yet". ``returns=False``
    (``@checker(returns=False)``) is for exercises whose function changes its argument in
    place and may return None. ``without`` names the functions (``"course.ops.pool2d"``)
    that would answer the exercise: a student's function that calls one gets a hint.
    ``prediction=True`` is for "predict, then run": in a notebook, the names passed must
    have been assigned values written by hand (``course.check.predictions``). ``tries``
    limits the different wrong answers that get a hint, where the possible answers are few
    enough to try them all.
    """
    if func is None:
        return functools.partial(checker, returns=returns, without=without,
                                 prediction=prediction, tries=tries)
    tried: set[str] = set()

    @functools.wraps(func)
    def wrapper(answer, *args, strict: bool | None = None, **kwargs):
        name = _label(answer, func.__name__)
        written = None
        if prediction:
            from course.check import predictions

            written = predictions.sources(predictions.notebook_cells(), func.__name__)
        if folder := settings.folder(ANSWERS_VAR, None):  # graded elsewhere (course.check.judge)
            from course.check import answers

            lesson = func.__module__.rsplit(".", 1)[-1]
            answers.record(folder, f"{lesson}.{func.__name__}", answer, args, kwargs, name,
                           written)
            verdict = Verdict(False, f"{name}: recorded for grading")
            print(verdict.line)
            return verdict
        try:
            if answer is Ellipsis or (written and "..." in written["names"].values()):
                raise NotImplementedError  # the stub of a value exercise: `size = ...`
            if written is not None:
                by_hand(written, answer)
            if not callable(answer) and not _is_keras(answer):
                answer = plain(answer)  # a value: its plain data, whatever its type says
            note = func(_guarded(answer, returns, without), *args, **kwargs)
            verdict = Verdict(True, f"{name}: correct - {note}")
        except NotImplementedError:
            verdict = Verdict(False, f"{name}: not attempted yet - replace the "
                                     "`raise NotImplementedError` stub")
        except Hint as hint:
            verdict = Verdict(False, f"{name}: not yet - {hint}")
        except StudentError as raised:  # say what the student's code raised, where to look
            verdict = Verdict(False, f"{name}: your code raised {raised}")
        except TypeError as error:  # a value where the checker calls a function
            if callable(answer) or "not callable" not in str(error):
                raise
            verdict = Verdict(False, f"{name}: not yet - you passed {type(answer).__name__} "
                                     f"{answer!r:.40}, not a function: pass the function "
                                     "itself, its name without parentheses")
        if tries and (verdict or "not yet - " in verdict.line):
            if not verdict:
                tried.add(_key(answer))
            if len(tried) > tries or (verdict and len(tried) >= tries):  # no search by loop
                verdict = Verdict(False, f"{name}: not yet - {len(tried)} different answers tried "
                                         f"(hints stop after {tries}): run the cells below to "
                                         "see what happens, then find where your reasoning "
                                         "and the result part")
        print(verdict.line)
        if not verdict and (grading() if strict is None else strict):
            raise AssertionError(verdict.line)
        return verdict

    wrapper.prediction = prediction
    wrapper.forget_tries = tried.clear  # a fresh count, e.g. between tests
    return wrapper


def _key(answer) -> str:
    """What a try is counted as: its plain value (not what its own ``__repr__`` says)."""
    try:
        return repr(plain(answer))
    except Hint:
        return f"<{type(answer).__name__}>"


def by_hand(written: dict, answer=None) -> None:
    """A hint unless every name of a prediction was assigned values written by hand, and
    ``answer`` (what the checker cell passed) is still what was written."""
    from course.check import predictions

    try:
        literal = predictions.evaluate(written)
    except predictions.NotLiteral as why:
        raise Hint(f"a prediction is values you write, not code that computes them ({why}): "
                   "write the numbers (arithmetic between numbers is fine), then run the "
                   "cells below to compare") from None
    try:
        same = predictions.same(plain(answer), literal)
    except Hint:
        same = False
    if not same:
        raise Hint(f"`{written['argument']}` is not what its cell wrote ({literal!r:.60}): "
                   "code changed it after you wrote it. A prediction is the values you write; "
                   "run the cell that writes it again, then this one")
