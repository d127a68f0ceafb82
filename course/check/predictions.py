"""A "predict, then run" answer must be a prediction: values written by hand.

The checker cell passes names (``course.check.lesson11.early_stopping_prediction(
(predicted_stop, predicted_restored))``); each name must be assigned, in the cell that
ran last before it, numbers, strings and tuples or lists of them, with arithmetic between
numbers allowed (``1 / 49``, ``(16 * 32 + 4 * 32,) * 2``: a derivation written out), and
no names or calls, and nothing no one writes by hand (``1e999``, a number of more than
MAX_BITS bits, more than MAX_ITEMS values). In a notebook the cells come from IPython's
history; in grading, from the hand-in's cells as submitted (``course.tools.grade``: a
history the hand-in wrote into, with ``run_cell`` or ``In.append``, counts for nothing),
and the judge takes the value from that source, not from the kernel.
"""

from __future__ import annotations

import ast
import math
import operator

OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
             ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
             ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}
MAX_POWER = 64
MAX_BITS = 1024  # a whole number written out is not longer than this
MAX_ITEMS = 10_000  # nor a list of predictions


class NotLiteral(Exception):
    """The prediction was computed, not written; the message says what was found."""


def value(node: ast.AST, names: dict | None = None):
    """The value of a literal expression (``names``: values the expression may name)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
        return _sized(node.value, node)
    if isinstance(node, ast.Tuple | ast.List):
        items = [value(item, names) for item in node.elts]
        return _sized(tuple(items) if isinstance(node, ast.Tuple) else items, node)
    if isinstance(node, ast.UnaryOp) and type(node.op) in OPERATORS:
        return OPERATORS[type(node.op)](_number(value(node.operand, names)))
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = value(node.left, names), value(node.right, names)
        if isinstance(node.op, ast.Pow) and abs(_number(right)) > MAX_POWER:
            raise NotLiteral(f"a power above {MAX_POWER}")
        if isinstance(left, tuple | list) and isinstance(node.op, ast.Mult) and type(right) is int:
            return _sized(left * min(right, 1000), node)
        try:
            return _sized(OPERATORS[type(node.op)](_number(left), _number(right)), node)
        except (ArithmeticError, ValueError) as error:  # 1 / 0, 10.0 ** 400
            raise NotLiteral(f"`{ast.unparse(node)}`, which is not a number ({error})") from None
    if isinstance(node, ast.Name) and names is not None and node.id in names:
        return names[node.id]
    raise NotLiteral(f"`{ast.unparse(node)}`")


def _sized(x, node):
    """``x``, unless it is a number no one writes by hand (infinite, not a number, longer
    than MAX_BITS) or a sequence of more than MAX_ITEMS items, counted all the way down."""
    if isinstance(x, complex) or (isinstance(x, float) and not math.isfinite(x)):
        raise NotLiteral(f"`{ast.unparse(node)}`, which is not a finite number")
    if isinstance(x, int) and x.bit_length() > MAX_BITS:
        raise NotLiteral(f"`{ast.unparse(node)}`, a number of more than {MAX_BITS} bits")
    if isinstance(x, tuple | list) and _items(x) > MAX_ITEMS:
        raise NotLiteral(f"`{ast.unparse(node)}`, more than {MAX_ITEMS:,} values")
    return x


def _items(x, limit: int = MAX_ITEMS) -> int:
    """How many values ``x`` holds (stops counting past ``limit``)."""
    if not isinstance(x, tuple | list):
        return 1
    total = 0
    for item in x:
        total += _items(item, limit - total)
        if total > limit:
            break
    return total


def _number(x):
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise NotLiteral(f"arithmetic on {type(x).__name__}")
    return x


def assigned(cells: list[str], name: str) -> str | None:
    """The source of the value the last cell assigning ``name`` gives it (None: no cell).
    The assignment must be a statement of its own, at the cell's top level: one inside an
    ``if``, a loop or a function may not be the one that ran."""
    for source in reversed(cells):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        values = [value for node in tree.body if isinstance(node, ast.Assign)
                  for target in node.targets for value in _given(target, node.value, name)]
        stores = [node for node in ast.walk(tree) if isinstance(node, ast.Name)
                  and node.id == name and isinstance(node.ctx, ast.Store)]
        if stores and len(stores) == len(values):
            return ast.unparse(values[-1])  # the last one written
        if stores:
            return f"<{name} bound inside another statement, a loop or a condition>"
    return None


def _given(target: ast.AST, value: ast.AST, name: str) -> list[ast.AST]:
    """What ``target = value`` gives ``name``: ``p = 1`` and ``p, q = 1, 2`` alike."""
    if isinstance(target, ast.Name):
        return [value] if target.id == name else []
    if (isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List)
            and len(target.elts) == len(value.elts)):
        return [v for t, v in zip(target.elts, value.elts, strict=True)
                for v in _given(t, v, name)]
    return []


def argument(cell: str, checker: str) -> str | None:
    """The source of the first argument of the call to ``checker`` in ``cell``."""
    try:
        tree = ast.parse(cell)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == checker and node.args):
            return ast.unparse(node.args[0])
    return None


def sources(cells: list[str], checker: str) -> dict | None:
    """From a notebook's executed cells (the checker cell last): the checker's argument and,
    for each name in it, the source of the value it was assigned. None outside a notebook.
    A checker cell that assigns one of the names, or that calls the checker under another
    name, names no source (:func:`evaluate` then says why)."""
    if not cells:
        return None
    expression = argument(cells[-1], checker)
    if expression is None:
        return {"argument": None, "names": {}, "checker": checker}
    names = sorted({n.id for n in ast.walk(ast.parse(expression)) if isinstance(n, ast.Name)})
    return {"argument": expression, "names": {
        n: (f"<{n} assigned in the checker's own cell>" if assigned(cells[-1:], n) is not None
            else assigned(cells[:-1], n)) for n in names}}


def same(a, b) -> bool:
    """Whether two predictions hold the same values (a tuple and a list of them alike)."""
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, tuple | list) or isinstance(b, tuple | list):
        return False
    return type(a) is type(b) and a == b or (
        isinstance(a, int | float) and isinstance(b, int | float)
        and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


def evaluate(recorded: dict):
    """The prediction's value from its sources; :class:`NotLiteral` when one was computed."""
    if recorded["argument"] is None:
        raise NotLiteral(f"the checker is called under another name: call it as written, "
                         f"`course.check.lessonNN.{recorded.get('checker', 'name')}(...)`")
    names = {}
    for name, source in recorded["names"].items():
        if source is None:
            raise NotLiteral(f"no cell assigns `{name}`")
        try:
            names[name] = value(ast.parse(source, mode="eval").body)
        except SyntaxError:
            raise NotLiteral(f"`{name}` is {source}") from None
        except NotLiteral as why:
            raise NotLiteral(f"`{name} = {source}` uses {why}") from None
    return value(ast.parse(recorded["argument"], mode="eval").body, names)


def notebook_cells() -> list[str]:
    """The cells this IPython kernel has run, oldest first ([] outside IPython)."""
    try:
        import IPython
    except ImportError:
        return []
    shell = IPython.get_ipython()
    history = shell.user_ns.get("In", []) if shell is not None else []
    return [cell for cell in history if isinstance(cell, str) and cell]
