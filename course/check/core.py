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
import itertools
import operator
import os
import sys
import threading
import types
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
    keras_base = next((c for c in type(value).__mro__[1:]
                       if c.__module__.split(".")[0] == "keras"), None)
    if keras_base is not None:
        raise Hint(f"you returned a {type(value).__name__}, a class of your own built on "
                   f"Keras' {keras_base.__name__}; return Keras' own objects, so that what "
                   "the checker reads of them is what they compute")
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
    """The student's function raised ``error``; a checker may catch it to give a hint.
    ``message`` is the error's own message, read once and safely (``str(error)`` runs the
    student's ``__str__``, which may raise): a checker shows it, never ``str(error)``."""

    def __init__(self, error: BaseException):
        self.error = error
        self.message = _message(error)
        super().__init__(f"{_type_name(error)}: {self.message}")


def _type_name(error) -> str:
    name = type.__dict__["__name__"].__get__(type(error))  # not a metaclass's own __name__
    return name if name.isidentifier() else "an exception"


def _message(error) -> str:
    """``str(error)``, or a note when its ``__str__`` (the student's, maybe) fails."""
    try:
        return str(error)
    except Exception:  # the student's __str__ raised: the error still counts, its text not
        return "(its message cannot be shown: its __str__ raised)"


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
# NumPy's comparisons (np.isclose, np.allclose, np.array_equal, an array's .all()) look up
# their helpers in NumPy's inner modules: those are kept too (NumPy 2 and NumPy 1 names).
_KEPT = ("builtins", "math", "numpy", "numpy.linalg", "numpy.testing", "keras", "keras.ops",
         "keras.layers", "cv2", "scipy.signal", "scipy.ndimage",
         *(f"numpy.{core}.{module}" for core in ("_core", "core") for module in (
             "numeric", "fromnumeric", "_methods", "umath", "multiarray", "_ufunc_config")),
         # what the checkers' references cut windows with (ops.correlate2d, ops.pool2d,
         # sliding_window_view): as_strided patched to zeros would make them agree with zeros
         "numpy.lib.stride_tricks", "numpy.lib._stride_tricks_impl")


_CODE = ("__code__", "__defaults__", "__kwdefaults__")
_PARTS = operator.attrgetter(*_CODE)
# Keras' pooling layers all run BasePooling.call (3.1's reference among them)
_KEPT_CLASSES = (("keras", "Model"), ("keras", "Sequential"), ("keras.layers", "Layer"),
                 ("keras.src.layers.pooling.base_pooling", "BasePooling"))


@dataclass(frozen=True)
class _Kept:
    """What an answer could patch, as it was: each module of ``_KEPT`` and ``course`` with a
    copy of its namespace and its functions' code and defaults; each class of
    ``_KEPT_CLASSES`` with a copy of its namespace."""

    modules: tuple  # (name, module, namespace, functions, their parts)
    classes: tuple  # (class, namespace)


def _kept() -> _Kept:
    """What an answer could patch, as it is now: the callables of ``_KEPT``; every value of
    the loaded ``course`` modules; the code and defaults of their functions (a swapped
    ``__code__`` keeps the function object); the methods of Keras' model and layer classes.
    Copies made in C (``dict``, ``map``): the watch takes one before every call of an answer."""
    modules = []
    for name in [*_KEPT, *filter(_ours, list(sys.modules))]:
        module = sys.modules.get(name)
        if module is None:
            continue
        namespace = dict(vars(module))
        functions = ()
        if _ours(name):
            functions = tuple(filter(types.FunctionType.__instancecheck__, namespace.values()))
        parts = tuple(itertools.chain.from_iterable(map(_PARTS, functions)))
        modules.append((name, module, namespace, functions, parts))
    classes = []
    for module, name in _KEPT_CLASSES:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type):
            classes.append((cls, dict(vars(cls))))
    return _Kept(tuple(modules), tuple(classes))


def _ours(name: str) -> bool:
    """Whether the module ``name`` is the course's (``course`` or ``course.*``)."""
    return name == "course" or name.startswith("course.")


def _same(now, before: dict) -> bool:
    """Whether the namespace ``now`` holds exactly the values of ``before``, in its order."""
    return len(now) == len(before) and not any(map(operator.is_not, now.values(),
                                                    before.values()))


def _restore(before: _Kept) -> list[str]:
    """Put back what differs from ``before``; the names of what did. (Only the callables of
    a library's module count: NumPy and Keras keep state in their modules' other values.)"""
    changed = []
    for name, module, *_ in before.modules:  # first: their values are put back in them
        if sys.modules.get(name) is not module:  # a stand-in in sys.modules is a patch too
            sys.modules[name] = module
            changed.append(f"sys.modules[{name!r}]")
    for name, module, namespace, functions, parts in before.modules:
        now = vars(module)
        if not _same(now, namespace):
            ours = _ours(name)
            for attribute, value in namespace.items():
                if (ours or callable(value)) and now.get(attribute, _MISSING) is not value:
                    setattr(module, attribute, value)
                    changed.append(f"{name}.{attribute}")
        if any(map(operator.is_not, itertools.chain.from_iterable(map(_PARTS, functions)),
                   parts)):
            for index, function in enumerate(functions):
                for offset, part in enumerate(_CODE):
                    saved = parts[len(_CODE) * index + offset]
                    if getattr(function, part) is not saved:
                        setattr(function, part, saved)
                        attribute = next(a for a, v in namespace.items() if v is function)
                        changed.append(f"{name}.{attribute}.{part}")
    for cls, namespace in before.classes:
        now = vars(cls)
        if _same(now, namespace):
            continue
        for attribute in set(now) - set(namespace):  # one added shadows an inherited method
            delattr(cls, attribute)
            changed.append(f"{cls.__module__}.{cls.__name__}.{attribute}")
        for attribute, value in namespace.items():
            if now.get(attribute, _MISSING) is not value:
                setattr(cls, attribute, value)
                changed.append(f"{cls.__module__}.{cls.__name__}.{attribute}")
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


# The checkers' own code, in course/check/lessonNN.py (their references, a nested helper
# rebuilt from its code object): an answer that calls it computes with the checker, not
# from its arguments. (The machinery beside them is not a reference; the grade's stand-ins
# for a notebook's values and its clock's signal handler run inside an answer.)
_OWN = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _own(code) -> bool:
    name = code.co_filename
    return name.startswith(_OWN) and os.path.basename(name).startswith("lesson")


def _by_answer(frame) -> bool:
    """Whether the code that called from ``frame`` is the answer's, not the checker's: the
    first frame out of Python's standard library and the installed libraries (a NumPy or
    functools wrapper) lies outside ``course/check``."""
    while frame is not None and not frame.f_code.co_filename.startswith(_OWN) and (
            _library(frame.f_code) or frame.f_code.co_filename.startswith(("<frozen", _stdlib()))):
        frame = frame.f_back
    return frame is not None and not frame.f_code.co_filename.startswith(_OWN)


def _own_name(code) -> str:
    """``check.lesson01._padded_correlation``: a checker function as the hint shows it (by
    its file: a function rebuilt from its code object may have other globals)."""
    module = os.path.splitext(code.co_filename.removeprefix(_OWN))[0].replace(os.sep, ".")
    return f"check.{module}.{getattr(code, 'co_qualname', code.co_name)}"


# The standard library's modules whose functions hand frames (or a debugger, or a trace) to
# their caller: a call from one of them is its caller's (``inspect.currentframe`` is a way to
# ``sys._getframe``). A call from the rest of the standard library is its own: logging finds
# the line that logged, collections.namedtuple and warnings their caller's module.
_HANDS_FRAMES = frozenset({"inspect.py", "traceback.py", "bdb.py", "pdb.py", "trace.py"})


def _hands_frames(code) -> bool:
    name = os.path.basename(code.co_filename)
    return name in _HANDS_FRAMES or (  # logging.currentframe, a lambda: sys._getframe(1)
        code.co_name == "<lambda>"
        and code.co_filename.endswith(os.path.join("logging", "__init__.py")))


def _students(frame) -> bool:
    """Whether the code that called from ``frame`` is the student's: the first frame out
    of the standard library's frame-handing functions (``inspect.currentframe``,
    ``inspect.stack``, ``traceback.walk_stack``, ``logging.currentframe``) is neither a
    library's nor the watch's own, and no other function of the standard library (logging's
    ``findCaller``, ``collections.namedtuple``) made the call for its own use."""
    while frame is not None and (frame.f_code.co_filename.startswith(("<frozen", _stdlib()))
                                 and not _library(frame.f_code)):
        if not _hands_frames(frame.f_code):
            return False  # the standard library's own use of the frame, not handed on
        caller = frame.f_back
        if (frame.f_code.co_name == "<lambda>" and caller is not None
                and caller.f_code.co_filename == frame.f_code.co_filename):
            return False  # logging.currentframe called by logging itself (findCaller)
        frame = caller
    return (frame is not None and not _library(frame.f_code)
            and frame.f_globals.get("__name__") != __name__)


# Packages whose functions the search below does not open: libraries, and the course (whose
# Python functions the watch sees when they run)
_OPAQUE = {"numpy", "cv2", "scipy", "keras", "tensorflow", "skimage", "sklearn", "course",
           "PIL", "matplotlib", "jax", "torch", *sys.stdlib_module_names}


def reaches(start, builtins: dict, names: dict) -> str | None:
    """The name of the first function of ``builtins`` (function -> name) found from
    ``start``, or None. ``names``: their ``__name__``s, as the code that names them reads.

    The watch sees a C function only when Python code calls it; ``map(cv2.Sobel, ...)``,
    ``functools.partial(cv2.Sobel)(...)`` and ``cv2.Sobel.__call__(...)`` call it from C.
    So this reads the code of ``start``, and that of the notebook's functions it uses (their
    closures, defaults, partials and the values they name), for those functions or their
    names."""
    todo, seen = [start], set()
    while todo and len(seen) < 5000:
        value = todo.pop()
        if id(value) in seen or isinstance(value, str | bytes | int | float | complex):
            continue
        seen.add(id(value))
        if type(value).__module__ == "numpy":  # an array: data, not code
            continue
        if _one_of(value, builtins):
            return builtins[value]
        if isinstance(value, functools.partial):
            todo += [value.func, *value.args, *value.keywords.values()]
        elif isinstance(value, types.MethodType):
            todo += [value.__func__, value.__self__]
        elif isinstance(value, types.MethodWrapperType | types.BuiltinMethodType):
            todo.append(getattr(value, "__self__", None))  # cv2.Sobel.__call__
        elif isinstance(value, types.FunctionType) and not _opaque(value):
            parts, named = _function_parts(value, builtins, names)
            if named:  # its code reads the name of one
                return named
            todo += parts
        elif isinstance(value, tuple | list | set | frozenset | dict) and len(value) < 1000:
            todo += list(value.values() if isinstance(value, dict) else value)
        elif callable(value) and not isinstance(value, type | types.ModuleType) and not (
                _opaque(type(value))):  # an object with __call__, defined in the notebook
            todo += [type(value).__call__, *getattr(value, "__dict__", {}).values()]
    return None


def _opaque(function) -> bool:
    module = getattr(function, "__module__", None)
    return isinstance(module, str) and module.split(".")[0] in _OPAQUE


def _one_of(value, builtins) -> bool:
    try:
        return value in builtins
    except Exception:  # an unhashable value, or one whose comparison fails: not one of them
        return False


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _function_parts(function, builtins, names):
    """What ``function`` can reach (the values its code names in its globals, its closure,
    its defaults, what it wraps), and the name of a function of ``builtins`` that its code
    reads (``cv2.Sobel``, or ``Sobel`` imported from cv2), or None."""
    namespace = function.__globals__
    parts = [cell.cell_contents for cell in function.__closure__ or () if filled(cell)]
    parts += [*(function.__defaults__ or ()), *(function.__kwdefaults__ or {}).values()]
    parts.append(vars(function).get("__wrapped__"))
    for code in _code_objects(function.__code__):
        for name in code.co_names:
            if name in names and (name not in namespace or _one_of(namespace[name], builtins)):
                return parts, names[name]
            if name in namespace:
                parts.append(namespace[name])
    return parts, None


def _named(functions) -> tuple[dict, dict]:
    """``functions`` as ``reaches`` takes them: function -> "sys._getframe", and each one's
    ``__name__`` -> that name."""
    found = {f: f"{getattr(f, '__module__', None) or 'sys'}.{f.__name__}" for f in functions}
    return found, {f.__name__: name for f, name in found.items()}


def _peek_hint(label: str, name: str) -> str:
    return (f"{label} calls `{name}`, which reads the checker's own frames or its watch: an "
            "answer computes from its arguments")


def _switch_hint(label: str) -> str:
    return (f"{label} switches off the checker's watch (sys.setprofile), so the checker cannot "
            "tell what it calls: leave the profiler alone")


def _refuse_hidden_peeks(answer, label, peeks, switches) -> None:
    """A Hint when the answer's code (or a notebook function it uses) names a function that
    reads the checker's frames or turns its watch off: ``map(sys._getframe, [3])`` calls it
    from C, where the watch does not see it."""
    try:
        start = answer.__wrapped__ if "__wrapped__" in getattr(answer, "__dict__", {}) else answer
    except Exception:  # an object whose __dict__ raises: read it as it is
        start = answer
    if reaches(start, *_named(switches)):  # as the watch does: switching it off comes first
        raise Hint(_switch_hint(label))
    if found := reaches(start, *_named(peeks)):
        raise Hint(_peek_hint(label, found))


def _guarded(answer, returns: bool, without=()):
    """``answer`` with its exceptions marked as the student's, a hint when it returns None
    (``returns``), when it calls one of the functions ``without`` names or a lesson checker's
    own code, reaches for the checker's frames or its watch (named in its code, where ``map``
    would call them from C), or when it changes a function of NumPy, Keras or the
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
    if without:
        _refuse_hidden_peeks(answer, label, peeks, switches)
    # what each code object the watch sees is, by id (hashing a code object hashes its
    # contents, on every call the answer makes): the dict holds the code, so no other code
    # takes its id
    known: dict[int, tuple] = {}

    @functools.wraps(answer)
    def call(*args, **kwargs):
        called: list[str] = []
        switched: list[bool] = []
        peeked: list[str] = []
        own: list[str] = []

        def profile(frame, event, arg):
            if event == "call":
                code = frame.f_code
                if (seen := known.get(id(code))) is None:
                    seen = known[id(code)] = (code, codes.get(_signature(code)), _own(code))
                if seen[1]:
                    called.append(seen[1])
                elif seen[2] and _by_answer(frame.f_back):
                    own.append(_own_name(code))
            elif event == "c_call" and arg in builtins:
                called.append(builtins[arg])
            elif event == "c_call" and arg in switches:
                switched.append(True)
            elif event == "c_call" and arg in peeks and _students(frame):
                peeked.append(f"{getattr(arg, '__module__', None) or 'sys'}.{arg.__name__}")

        kept = _kept()  # before the watch starts: it would see every call made to copy
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
        raised = hint = result = None
        try:
            try:
                returned = answer(*args, **kwargs)
            except NotImplementedError:
                raise
            except Exception as error:  # a Hint it raises too: it is the student's, not ours
                raised = error
            else:
                result = plain(returned)
        except Hint as error:  # what the answer returned is not plain data
            hint = error
        except NotImplementedError:
            raise
        except SystemExit:  # sys.exit() ends a script, not the checker (KeyboardInterrupt does)
            hint = Hint(f"{label} called sys.exit() (raised SystemExit), which would stop the "
                        "checker: a function hands its result back with `return`")
        except Exception as error:  # an error in its result's __array__ or __iter__
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
            raise Hint(_switch_hint(label))
        if peeked:
            raise Hint(_peek_hint(label, peeked[0]))
        if own:
            raise Hint(f"{label} calls `{own[0]}`, the checker's own code: an answer computes "
                       "from its arguments, the checker's reference is not yours to call")
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
                                     "stub (`raise NotImplementedError()`, or `...` for a value)")
        except Hint as hint:  # a student's Hint subclass (from an __array__) too: read safely
            verdict = Verdict(False, f"{name}: not yet - {_message(hint)}")
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
