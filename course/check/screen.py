"""What a recorded answer may not do when the judge runs it. Instructor tooling.

The judge runs a student's function from its source. Before that, :func:`source` reads
the source and refuses what could reach outside the answer:

- reflective builtins (``getattr``, ``exec``, ``__import__``, ...) and the interpreter's
  own modules (``sys``, ``importlib``, ``traceback``, ...), imported or reached as an
  attribute of another module (``course.ops.np`` is fine, ``np.testing.measure`` or
  ``anything.sys`` is not);
- names and attributes with double underscores, attributes with one (``ops._helper``,
  a private function, and the checkers' own references);
- the interpreter's insides as attributes: frames (``.f_back``, ``.f_locals``,
  ``.gi_frame``, ``.tb_frame``, ...), ``.modules``, ``.setprofile``, ``.exec``, ...;
- ``.check`` (the course's checkers: the grade runs them, an answer may not);
- ``str.format`` on anything but a string written in the source with plain fields
  (``"{0.f_back}".format(...)`` reads attributes by name);
- assignments to an attribute of a module, or of a name that holds one
  (``np.array_equal = ...``, ``m = np; m.array_equal = ...``);
- code that runs when the source is loaded rather than when the function is called
  (the grade carries functions, imports and recorded values, nothing else).

While it runs, :class:`Untouched` notes every function, class and module that NumPy,
Keras, the course, the judge and the modules they work with hold (and the methods of
their classes), so that a change the screen missed is found, undone, and scores 0.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import types

FORBIDDEN_NAMES = frozenset({
    "__import__", "eval", "exec", "compile", "globals", "locals", "vars", "getattr",
    "setattr", "delattr", "open", "breakpoint", "input", "exit", "quit", "help",
    "memoryview", "__builtins__", "__loader__", "__spec__"})
FORBIDDEN_MODULES = frozenset({
    "sys", "os", "importlib", "builtins", "ctypes", "gc", "inspect", "subprocess",
    "threading", "_thread", "multiprocessing", "concurrent", "asyncio", "signal", "socket",
    "shutil", "pathlib", "io", "tempfile", "pickle", "marshal", "copyreg", "types", "code",
    "codeop", "runpy", "pdb", "bdb", "trace", "traceback", "faulthandler", "tracemalloc",
    "cProfile", "profile", "timeit", "doctest", "unittest", "atexit", "weakref", "string",
    "logging", "platform", "site", "sysconfig", "pkgutil", "zipimport", "mmap", "resource",
    "IPython", "ipykernel", "course.check",
    # code from strings or names: typing.get_type_hints evaluates annotations, pydoc.locate
    # hands over any object by its dotted name, dataclasses compiles the code it writes
    "typing", "typing_extensions", "annotationlib", "pydoc", "dataclasses",
    # files, the network and the terminal
    "codecs", "linecache", "tokenize", "zipfile", "tarfile", "shelve", "dbm", "sqlite3",
    "urllib", "http", "webbrowser", "ftplib", "smtplib", "select", "selectors", "fcntl",
    "pty", "tty", "glob"})
# Attributes that lead to the interpreter, whatever object they are read from: a module
# that imported `sys` holds it as `.sys`, a generator holds its frame as `.gi_frame`.
FORBIDDEN_ATTRIBUTES = frozenset({
    # modules an answer may not import, reached through another module
    "sys", "os", "builtins", "importlib", "ctypes", "ctypeslib", "gc", "inspect",
    "subprocess", "threading", "multiprocessing", "pickle", "marshal", "types", "runpy",
    "traceback", "atexit", "weakref", "f2py", "distutils",
    # the interpreter's insides
    "modules", "import_module", "reload", "exec_module", "load_module", "f_back",
    "f_locals", "f_globals", "f_builtins", "f_code", "f_trace", "gi_frame", "gi_code",
    "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code", "tb_frame",
    "tb_next", "setprofile", "settrace", "getprofile", "gettrace", "monitoring",
    "exec", "eval", "getattr", "setattr", "delattr", "globals", "locals", "vars",
    "attrgetter", "methodcaller", "CodeType", "FunctionType", "LambdaType",
    # code from a string, the process, its files and its streams
    "measure", "func_load", "system", "popen", "spawn", "fork", "kill", "argv",
    "environ", "stdout", "stderr", "stdin", "open", "save", "savez", "savez_compressed",
    "savetxt", "tofile", "fromfile", "memmap", "write_file", "GFile",
    # the course's checkers
    "check"})
LOADERS = frozenset({"_recorded", "_unavailable"})  # what the judge lends a recorded source
# The modules whose functions and classes :class:`Untouched` watches: what the checkers
# compare with, what the judge and the checkers' watch run on (not every loaded module:
# some, such as typing_extensions, change others as they load).
PROTECTED = ("numpy", "keras", "course", "tensorflow", "scipy", "cv2", "math", "builtins",
             "__main__", "sys", "json", "io", "contextlib", "signal", "threading", "functools",
             "inspect", "dis", "importlib", "operator", "copy")
CLASSES = ("numpy", "keras", "course", "tensorflow", "json")  # their classes' methods too
_FIELD_WITH_ACCESS = re.compile(r"\{[^{}!:]*[.\[]")  # "{0.attr}", "{0[key]}"


class Refused(Exception):
    """The answer's source does something the grade does not allow; the message says what."""


def source(text: str) -> None:
    """Raise :class:`Refused` naming the first thing in ``text`` the judge will not run."""
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise Refused(f"its source does not parse: {error.msg} (line {error.lineno})") from None
    for statement in tree.body:
        _top_level(statement)
    modules = {alias.asname or alias.name.split(".")[0]  # every name an import binds
               for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
               for alias in node.names}
    holders = _aliases(tree, modules)
    found = []  # (where it ends, what): the first in reading order is named
    for node in ast.walk(tree):
        try:
            _node(node, holders)
        except Refused as why:
            found.append(((node.lineno, node.end_col_offset or 0), str(why)))
    if found:
        raise Refused(min(found)[1])


def _node(node, holders: set[str]) -> None:
    annotations = ([node.annotation] if isinstance(node, ast.arg | ast.AnnAssign) else
                   [node.returns] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                   else [])
    for annotation in filter(None, annotations):
        if any(isinstance(part, ast.Constant) and isinstance(part.value, str)
               for part in ast.walk(annotation)):
            raise Refused(f"it writes a type annotation as a string (line {node.lineno}), "
                          "which code can evaluate: leave it out")
    if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
        raise Refused(f"it uses `{node.id}` (line {node.lineno})")
    if isinstance(node, ast.Name) and node.id.startswith("__"):
        raise Refused(f"it uses `{node.id}` (line {node.lineno})")
    if isinstance(node, ast.Attribute):
        _attribute(node)
    if isinstance(node, ast.Import | ast.ImportFrom):
        _import(node)
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
        targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
        for target in targets:
            for part in _targets(target):
                root = _root(part)
                if root in holders and root != target_name(part):
                    raise Refused(f"it assigns to `{ast.unparse(part)}`, part of a module "
                                  f"(line {node.lineno})")
    if isinstance(node, ast.Global):
        raise Refused(f"it declares `global {', '.join(node.names)}` (line {node.lineno})")


def _attribute(node: ast.Attribute) -> None:
    name = node.attr
    if name == "__init__" and isinstance(node.value, ast.Call) and isinstance(
            node.value.func, ast.Name) and node.value.func.id == "super":
        return  # `super().__init__(...)`: a Keras layer or model of the student's own
    if name.startswith("__"):
        raise Refused(f"it reads `.{name}` (line {node.lineno})")
    if name.startswith("_"):
        raise Refused(f"it reads `.{name}` (line {node.lineno}), a private name: an answer "
                      "uses the public names of the course and the libraries")
    if name == "check":
        raise Refused(f"it reads `.check` (line {node.lineno}): the course's checkers judge "
                      "the answer, an answer may not use them")
    if name in FORBIDDEN_ATTRIBUTES:
        raise Refused(f"it reads `.{name}` (line {node.lineno}), which reaches the "
                      "interpreter, the process or its files")
    if name in ("format", "format_map") and not (
            isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            and not _FIELD_WITH_ACCESS.search(node.value.value)):
        raise Refused(f"it calls `.{name}` (line {node.lineno}) on something other than a "
                      "string with plain fields: write an f-string")


def _import(node: ast.Import | ast.ImportFrom) -> None:
    if isinstance(node, ast.ImportFrom):
        if node.level or not node.module:
            raise Refused(f"it imports relative to a package (line {node.lineno})")
        names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for alias in node.names:
            if alias.name.startswith("_") or alias.name in FORBIDDEN_ATTRIBUTES:
                raise Refused(f"it imports `{alias.name}` from `{node.module}` "
                              f"(line {node.lineno})")
    else:
        names = [alias.name for alias in node.names]
    for name in names:
        if _forbidden_module(name):
            raise Refused(f"it imports `{name}` (line {node.lineno})")


def _top_level(node) -> None:
    """A recorded source defines functions and classes, imports, and binds names to
    recorded values (``_recorded(...)``), library objects or lambdas; a statement that
    does something as it is loaded is refused."""
    if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef
                  | ast.ClassDef | ast.Pass):
        return
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return  # a docstring
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None and all(
            isinstance(part, ast.Name) for target in targets for part in _targets(target)):
        lambdas = {id(inner) for lam in ast.walk(node.value) if isinstance(lam, ast.Lambda)
                   for inner in ast.walk(lam.body)}
        for call in ast.walk(node.value):
            if not isinstance(call, ast.Call) or id(call) in lambdas:
                continue
            if not (isinstance(call.func, ast.Name) and call.func.id in LOADERS
                    and all(isinstance(a, ast.Constant) for a in call.args)
                    and not call.keywords):
                break
        else:
            return
    raise Refused(f"its line {node.lineno} runs code when the source is loaded "
                  f"(`{ast.unparse(node).splitlines()[0][:60]}`): the grade carries "
                  "functions and the values they use, not statements")


def _aliases(tree, modules: set[str]) -> set[str]:
    """The names that may hold a module or something of it (``m = np``, ``C =
    keras.layers.Conv2D``, ``for m in (np,)``), with the names imports bind."""
    held = set(modules)

    def holds(value) -> bool:
        if isinstance(value, ast.Name):
            return value.id in held
        if isinstance(value, ast.Attribute | ast.Subscript | ast.Starred):
            return holds(value.value)
        if isinstance(value, ast.Tuple | ast.List | ast.Set):
            return any(holds(v) for v in value.elts)
        if isinstance(value, ast.Dict):
            return any(holds(v) for v in value.values if v is not None)
        if isinstance(value, ast.IfExp):
            return holds(value.body) or holds(value.orelse)
        if isinstance(value, ast.BoolOp):
            return any(holds(v) for v in value.values)
        if isinstance(value, ast.NamedExpr):
            return holds(value.value)
        return False

    while True:
        before = len(held)
        for node in ast.walk(tree):
            pairs = []
            if isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                pairs = [(node.target, node.value)]
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                pairs = [(node.target, node.iter)]
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                pairs = [(node.optional_vars, node.context_expr)]
            for target, value in pairs:
                if holds(value):  # the names bound, not `out[0] = np.pi`'s `out`
                    held |= {t.id for t in _targets(target) if isinstance(t, ast.Name)}
        if len(held) == before:
            return held


def _targets(target):
    """The single targets of an assignment target (``a.x, b[0] = ...`` has two)."""
    if isinstance(target, ast.Tuple | ast.List):
        for item in target.elts:
            yield from _targets(item)
    elif isinstance(target, ast.Starred):
        yield from _targets(target.value)
    else:
        yield target


def _forbidden_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)


def _root(node) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def target_name(node) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _loaded(old, new) -> bool:
    """Whether ``old`` is a lazily loaded module (TensorFlow's), which replaces itself with
    the real module on first use, or a module that an import replaced with the module
    Python registered under its name (``tensorflow.math`` once imported as such): a change
    nobody made."""
    if not isinstance(old, types.ModuleType):
        return False
    if type(old) is not types.ModuleType:
        return True
    return isinstance(new, types.ModuleType) and sys.modules.get(
        getattr(new, "__name__", None)) is new


class Untouched:
    """The functions, classes and modules that the protected modules and the builtins
    hold, and the methods of the classes of NumPy, Keras, TensorFlow, JSON and the course,
    as they were;
    ``changed()`` names what differs now and puts it back."""

    def __init__(self):
        self.before = self._now()
        self.profile = sys.getprofile()
        self.trace = sys.gettrace()

    @staticmethod
    def _now() -> dict[tuple, object]:
        seen = {}
        classes = {}
        for name, module in list(sys.modules.items()):
            if not isinstance(module, types.ModuleType) or name.split(".")[0] not in PROTECTED:
                continue
            try:
                attributes = dict(vars(module))
            except TypeError:
                continue
            for attribute, value in attributes.items():
                if callable(value) or isinstance(value, types.ModuleType):  # not caches
                    seen["module", name, attribute] = value
                    if isinstance(value, type) and (getattr(value, "__module__", "") or ""
                                                    ).split(".")[0] in CLASSES:
                        classes[id(value)] = value
        for cls in classes.values():
            try:
                attributes = dict(vars(cls))
            except TypeError:
                continue
            for attribute, value in attributes.items():
                if callable(value) or isinstance(value, staticmethod | classmethod | property):
                    seen["class", cls, attribute] = value
        seen.update({("module", "builtins", k): v for k, v in vars(builtins).items()
                     if callable(v)})
        return seen

    def changed(self) -> list[str]:
        now = self._now()
        touched = sorted({key for key in self.before.keys() & now.keys()
                          if now[key] is not self.before[key]
                          and not _loaded(self.before[key], now[key])}
                         | (self.before.keys() - now.keys()), key=_shown)
        names = []
        for key in touched:
            kind, owner, attribute = key
            try:
                if kind == "module":
                    setattr(sys.modules[owner], attribute, self.before[key])
                else:
                    setattr(owner, attribute, self.before[key])
            except (KeyError, AttributeError, TypeError):
                pass  # a module that is gone, an attribute that cannot be set back
            names.append(_shown(key))
        if sys.getprofile() is not self.profile:
            sys.setprofile(self.profile)
            names.append("the profiler hook (sys.setprofile)")
        if sys.gettrace() is not self.trace:
            sys.settrace(self.trace)
            names.append("the trace hook (sys.settrace)")
        return names


def _shown(key) -> str:
    kind, owner, attribute = key
    if kind == "module":
        return f"{owner}.{attribute}"
    return f"{getattr(owner, '__module__', '?')}.{getattr(owner, '__qualname__', '?')}.{attribute}"
