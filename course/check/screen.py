"""What a recorded answer may not do when the judge runs it. Instructor tooling.

The judge runs a student's function from its source. Before that, :func:`source` reads
the source and refuses what could reach outside the answer: reflective builtins
(``getattr``, ``exec``, ``__import__``, ...), the interpreter's own modules (``sys``,
``importlib``, ...), names and attributes with double underscores, and assignments to
an attribute of a module (``np.array_equal = ...``). While it runs, :class:`Untouched`
notes every attribute of NumPy, Keras, the course and the builtins, so that a change the
screen missed is found, undone, and scores 0.
"""

from __future__ import annotations

import ast
import builtins
import sys
import types

FORBIDDEN_NAMES = frozenset({
    "__import__", "eval", "exec", "compile", "globals", "locals", "vars", "getattr",
    "setattr", "delattr", "open", "breakpoint", "input", "exit", "quit", "help",
    "memoryview", "__builtins__", "__loader__", "__spec__"})
FORBIDDEN_MODULES = frozenset({
    "sys", "os", "importlib", "builtins", "ctypes", "gc", "inspect", "subprocess",
    "threading", "multiprocessing", "signal", "socket", "shutil", "pathlib", "pickle",
    "marshal", "types", "code", "codeop", "runpy", "pdb", "trace", "atexit", "weakref",
    "course.check"})
PROTECTED = ("numpy", "keras", "course", "tensorflow", "scipy", "cv2", "math", "builtins")


class Refused(Exception):
    """The answer's source does something the grade does not allow; the message says what."""


def source(text: str) -> None:
    """Raise :class:`Refused` naming the first thing in ``text`` the judge will not run."""
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise Refused(f"its source does not parse: {error.msg} (line {error.lineno})") from None
    modules = {alias.asname or alias.name.split(".")[0]  # every name an import binds
               for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
               for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            raise Refused(f"it uses `{node.id}` (line {node.lineno})")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise Refused(f"it uses `{node.id}` (line {node.lineno})")
        if isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            raise Refused(f"it reads `.{node.attr}` (line {node.lineno})")
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                alias.name for alias in node.names]
            for name in names:
                if _forbidden_module(name):
                    raise Refused(f"it imports `{name}` (line {node.lineno})")
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [
                node.target]
            for target in targets:
                root = _root(target)
                if root in modules and root != target_name(target):
                    raise Refused(f"it assigns to `{ast.unparse(target)}`, part of a module "
                                  f"(line {node.lineno})")
        if isinstance(node, ast.Global):
            raise Refused(f"it declares `global {', '.join(node.names)}` (line {node.lineno})")


def _forbidden_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)


def _root(node) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def target_name(node) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _loaded(old) -> bool:
    """Whether ``old`` is a lazily loaded module (TensorFlow's), which replaces itself with
    the real module on first use: a change nobody made."""
    return isinstance(old, types.ModuleType) and type(old) is not types.ModuleType


class Untouched:
    """The functions, classes and modules that the protected modules and the builtins
    hold, as they were; ``changed()`` names what differs now and puts it back."""

    def __init__(self):
        self.before = self._now()
        self.profile = sys.getprofile()

    @staticmethod
    def _now() -> dict[tuple[str, str], object]:
        seen = {}
        for name, module in list(sys.modules.items()):
            if module is None or name.split(".")[0] not in PROTECTED:
                continue
            try:
                attributes = dict(vars(module))
            except TypeError:
                continue
            for attribute, value in attributes.items():
                if callable(value) or isinstance(value, types.ModuleType):  # not caches
                    seen[name, attribute] = value
        seen.update({("builtins", k): v for k, v in vars(builtins).items() if callable(v)})
        return seen

    def changed(self) -> list[str]:
        now = self._now()
        touched = sorted({key for key in self.before.keys() & now.keys()
                          if now[key] is not self.before[key] and not _loaded(self.before[key])}
                         | (self.before.keys() - now.keys()))
        for module, attribute in touched:
            setattr(sys.modules[module], attribute, self.before[module, attribute])
        names = [f"{module}.{attribute}" for module, attribute in touched]
        if sys.getprofile() is not self.profile:
            sys.setprofile(self.profile)
            names.append("the profiler hook (sys.setprofile)")
        return names
