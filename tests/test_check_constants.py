"""The crudest shortcut, a constant, gets "not yet" with a hint from every checker.

Function exercises get a function that returns 0 whatever it is given; value exercises
(predict, then run) get 0. Each checker must answer with its one line, "not yet - ...",
and return a false verdict: no traceback, no "correct".
"""

import ast
import importlib

import pytest

from course.tools.exercises import exercises
from course.tools.runner import lessons

CASES = [(path, ex) for path in lessons() for ex in exercises(path) if ex.checker]


def call_and_solution(path, ex):
    """The checker call's arguments (source text), whether it has keywords, and whether
    the solution cell defines the answer as a function."""
    import nbformat

    cells = nbformat.read(path, as_version=4).cells
    call = next(node for node in ast.walk(ast.parse(cells[ex.checker_cell].source))
                if isinstance(node, ast.Call)
                and ast.unparse(node.func).endswith(f"{ex.checker_module}.{ex.checker}"))
    args = [ast.unparse(arg) for arg in call.args]
    defines = bool(args) and f"def {args[0]}(" in cells[ex.cell].source
    return args, bool(call.keywords), defines


@pytest.mark.parametrize("path, ex", CASES, ids=[f"{ex.lesson}-{ex.checker}" for _, ex in CASES])
def test_a_constant_answer_is_not_yet(path, ex, capsys):
    args, keywords, defines_function = call_and_solution(path, ex)
    if len(args) != 1 or keywords:
        pytest.skip(f"{ex.checker} takes more than the answer ({', '.join(args)}); its own "
                    "tests cover constants")
    checker = getattr(importlib.import_module(f"course.check.{ex.checker_module}"), ex.checker)
    constant = (lambda *a, **k: 0) if defines_function else 0
    verdict = checker(constant)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert not verdict and ": not yet - " in line, line
