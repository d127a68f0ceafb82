"""A "predict, then run" answer must be a prediction: values written by hand.

The checker cell passes names (``course.check.lesson11.early_stopping_prediction(
(predicted_stop, predicted_restored))``); each name must be assigned, in the cell that
ran last before it, numbers, strings and tuples or lists of them, with arithmetic between
numbers allowed (``1 / 49``, ``(16 * 32 + 4 * 32,) * 2``: a derivation written out), and
no names or calls. In a notebook the cells come from IPython's history; in grading they
are recorded with the answer, and the judge takes the value from the source, not from the
kernel.
"""

from __future__ import annotations

import ast
import operator

OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
             ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
             ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}
MAX_POWER = 64


class NotLiteral(Exception):
    """The prediction was computed, not written; the message says what was found."""


def value(node: ast.AST, names: dict | None = None):
    """The value of a literal expression (``names``: values the expression may name)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool):
        return node.value
    if isinstance(node, ast.Tuple | ast.List):
        items = [value(item, names) for item in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.UnaryOp) and type(node.op) in OPERATORS:
        return OPERATORS[type(node.op)](_number(value(node.operand, names)))
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = value(node.left, names), value(node.right, names)
        if isinstance(node.op, ast.Pow) and abs(_number(right)) > MAX_POWER:
            raise NotLiteral(f"a power above {MAX_POWER}")
        if isinstance(left, tuple | list) and isinstance(node.op, ast.Mult) and type(right) is int:
            return left * min(right, 1000)
        return OPERATORS[type(node.op)](_number(left), _number(right))
    if isinstance(node, ast.Name) and names is not None and node.id in names:
        return names[node.id]
    raise NotLiteral(f"`{ast.unparse(node)}`")


def _number(x):
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise NotLiteral(f"arithmetic on {type(x).__name__}")
    return x


def assigned(cells: list[str], name: str) -> str | None:
    """The source of the value the last cell assigning ``name`` gives it (None: no cell)."""
    for source in reversed(cells):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        found = [node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)]
        if found:
            return ast.unparse(found[-1])
        if any(isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
               for node in ast.walk(tree)):
            return f"<{name} bound by a loop or another statement>"
    return None


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
    for each name in it, the source of the value it was assigned. None outside a notebook."""
    if not cells:
        return None
    expression = argument(cells[-1], checker)
    if expression is None:
        return None
    names = sorted({n.id for n in ast.walk(ast.parse(expression)) if isinstance(n, ast.Name)})
    return {"argument": expression, "names": {n: assigned(cells[:-1], n) for n in names}}


def evaluate(recorded: dict):
    """The prediction's value from its sources; :class:`NotLiteral` when one was computed."""
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
