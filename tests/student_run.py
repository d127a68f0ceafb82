"""Run All of a lesson's student version, checked in the kernel nbval has just run it in.

A student version differs from its lesson only where the exercises are: their cells are
stubs, and whatever reads an answer (or something computed from one) computes something
else. Every other statement is the lesson's own, and nbval has just run it. So after
nbval (``StudentRun`` in tests/conftest.py) the kernel forgets the names that only
answers define and runs, in the lesson's order, the stubs, each checker cell followed by
a near-miss probe of its checker (the reference answer with one number changed), and
every statement that reads an answer or a value computed from one: what Run All of the
student version would run differently, without executing each lesson a second time.

The statements left out keep the values the lesson's full run gave them, not the values
they had at that point of the notebook; an answer-reading statement that depends on that
difference is where this check is weaker than a second Run All.
"""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass, replace

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from course.tools import student
from course.tools.exercises import CHECK_CALL, HIDDEN_TESTS_TAG, exercises, solution_regions

_PYTHON = TransformerManager()  # a cell's magics and shell lines, as the Python IPython runs
ANSI = re.compile(r"\x1b\[[0-9;]*m")
MUTATORS = {"append", "extend", "insert", "update", "add", "setdefault", "pop", "remove",
            "clear", "discard", "sort", "reverse", "compile", "fit", "set_weights"}


@dataclass(frozen=True)
class Statement:
    """One top-level statement of a cell: its source, the global names it reads, the
    names it gives values to, and the names of objects it changes in place."""

    source: str
    reads: frozenset
    writes: frozenset
    changes: frozenset
    passes: tuple = ()  # per call: (names each argument reads, the argument's name or None)


@dataclass(frozen=True)
class Step:
    """What the check runs for one cell of the lesson (``cell``; ``student_cell`` in the
    student version): the whole student cell, or its statements that read an answer; a
    checker cell is followed by a probe of its checker."""

    cell: int
    student_cell: int
    source: str
    checker: str | None = None
    probe: bool = False


class _Names(ast.NodeVisitor):
    """The global names a piece of code reads and assigns; a function's, lambda's or
    comprehension's own names are its business."""

    def __init__(self):
        self.reads, self.writes = set(), set()

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Del | ast.Load):  # `del x` fails where x was never given
            self.reads.add(node.id)
        if isinstance(node.ctx, ast.Store | ast.Del):
            self.writes.add(node.id)

    def _inner(self, nodes, local):
        inner = _Names()
        for node in nodes:
            inner.visit(node)
        declared = {name for node in nodes for n in ast.walk(node)
                    if isinstance(n, ast.Global) for name in n.names}
        self.reads |= inner.reads - (inner.writes - declared) - local
        self.writes |= inner.writes & declared

    def visit_FunctionDef(self, node):
        for part in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if part is not None:
                self.visit(part)
        self.writes.add(node.name)
        self._inner(node.body, {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)})

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        for part in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(part)
        self.writes.add(node.name)
        self._inner(node.body, set())

    def visit_Lambda(self, node):
        for part in node.args.defaults:
            self.visit(part)
        self._inner([node.body], {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)})

    def _comprehension(self, node):
        self.visit(node.generators[0].iter)  # evaluated outside
        inner = _Names()
        for generator in node.generators:
            inner.visit(generator.target)
            for condition in generator.ifs:
                inner.visit(condition)
        for generator in node.generators[1:]:
            inner.visit(generator.iter)
        for part in ([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]):
            inner.visit(part)
        walrus = {n.target.id for n in ast.walk(node) if isinstance(n, ast.NamedExpr)}
        self.reads |= inner.reads - (inner.writes - walrus)
        self.writes |= walrus  # `[(last := f(x)) for x in xs]` gives `last` a value outside

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_Import(self, node):
        self.writes |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}

    visit_ImportFrom = visit_Import


def _names(node) -> _Names:
    names = _Names()
    names.visit(node)
    return names


def _changed(node) -> set:
    """Objects ``node`` changes in place: ``x[k] = ...``, ``x.a = ...``, ``x.append(...)``
    and the other methods of ``MUTATORS``."""
    changed = set()
    for n in ast.walk(node):
        target = None
        if isinstance(n, ast.Subscript | ast.Attribute) and isinstance(n.ctx, ast.Store):
            target = n.value
        elif (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
              and n.func.attr in MUTATORS):
            target = n.func.value
        while isinstance(target, ast.Subscript | ast.Attribute):
            target = target.value
        if isinstance(target, ast.Name):
            changed.add(target.id)
    return changed


def statements(source: str) -> list[Statement]:
    """The top-level statements of a cell, as IPython runs it (magics as Python calls)."""
    code = _PYTHON.transform_cell(source)
    try:
        tree = ast.parse(code)
    except SyntaxError:  # it will fail in the kernel as well: run it whole
        return [Statement(source, frozenset(re.findall(r"\w+", source)), frozenset(),
                          frozenset())]
    lines = code.split("\n")
    spans = []  # statements that share a line (`a = 1; b = 2`) run together
    for node in tree.body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], node.end_lineno, [*spans[-1][2], node])
        else:
            spans.append((start, node.end_lineno, [node]))
    found = []
    for start, end, nodes in spans:
        text = "\n".join(lines[start - 1:end])
        reads, writes = set(), set()
        for node in nodes:
            names = _names(node)
            # `x = x + 1` reads the x it replaces; `for ax in axes: ax.plot()` reads no ax of
            # the notebook's, but `for i in r: x = x + i` reads its x
            reads |= names.reads - _bound(node)
            writes |= names.writes
        if "run_line_magic(" in text or "run_cell_magic(" in text:  # the code is a string
            reads |= set(re.findall(r"[A-Za-z_]\w*", text))
        changed = set().union(*(_changed(node) for node in nodes))
        passes = tuple(tuple((frozenset(_names(arg).reads),
                              arg.id if isinstance(arg, ast.Name) else None)
                             for arg in [*call.args, *(k.value for k in call.keywords)])
                       for node in nodes for call in ast.walk(node) if isinstance(call, ast.Call))
        found.append(Statement(text, frozenset(reads), frozenset(writes), frozenset(changed),
                               passes))
    return found


def _bound(node) -> set:
    """The names ``node`` binds before it reads them: loop, ``with ... as`` and ``except
    ... as`` targets (a plain assignment reads its right side first)."""
    bound = set()
    for n in ast.walk(node):
        targets = [n.target] if isinstance(n, ast.For | ast.AsyncFor) else [
            item.optional_vars for item in n.items] if isinstance(n, ast.With | ast.AsyncWith) \
            else []
        bound |= {t.id for target in targets if target is not None for t in ast.walk(target)
                  if isinstance(t, ast.Name)}
        if isinstance(n, ast.ExceptHandler) and n.name:
            bound.add(n.name)
    return bound


def plan(path) -> tuple[list[Step], set]:
    """The steps of the check for lesson ``path`` and the names the kernel forgets first:
    those an answer (or a statement that reads one, or a hidden test) gives a value, unless
    a statement the check runs reads the lesson's own value of the name (given after the
    last answer's), which the kernel then keeps as the lesson's full run left it. An object
    of the lesson's that such a statement changes in place (``results[k] = answer(x)``) is
    given its value again first: the statement that last gave it runs again."""
    nb = nbformat.read(path, as_version=4)
    found = exercises(path, nb)
    solutions = {ex.cell for ex in found}
    checkers = {ex.checker_cell: ex for ex in found}
    answers = {a or b for ex in found for a, b in student.DEFINED.findall(nb.cells[ex.cell].source)}
    student_nb = student.student_version(path)
    tainted, forget, needed = set(), set(), set()
    own = {}  # name -> the lesson's own statement that last gave it a value, and where
    picked = {}  # order -> (cell, student cell, source, checker, probe)
    order, student_cell = 0, -1
    for index, cell in enumerate(nb.cells):
        if HIDDEN_TESTS_TAG in cell.metadata.get("tags", []):  # not in the student version
            given = {name for s in statements(cell.source) for name in s.writes}
            tainted |= given
            forget |= given
            own = {k: v for k, v in own.items() if k not in given}
            continue
        student_cell += 1
        if cell.cell_type != "code":
            continue
        source = student_nb.cells[student_cell].source
        if index in solutions:
            regions = solution_regions(cell.source, f"{path.name}, cell {index}")
            given = {name for text in (cell.source, student.stub_solutions(cell.source, regions))
                     for s in statements(text) for name in s.writes}
            tainted |= given
            forget |= given
            own = {k: v for k, v in own.items() if k not in given}
            order += 1
            picked[order] = (index, student_cell, source, None, False)
            continue
        for s in statements(source):
            order += 1
            # a function defined before an exercise may call its answer later (`answers`)
            if not (s.reads & (tainted | answers) or index in checkers):
                tainted -= s.writes
                own |= dict.fromkeys(s.writes, (order, index, student_cell, s.source))
                continue
            needed |= s.reads & set(own)
            for name in s.changes & set(own):  # refilled before it is changed again
                at, cell_at, student_at, given = own[name]
                picked[at] = (cell_at, student_at, given, None, False)
            flows = {name for call in s.passes if any(r & tainted for r, _ in call)
                     for _, name in call if name}  # setattr(config, "f", answer)
            tainted |= s.writes | s.changes | flows
            forget |= s.writes
            own = {k: v for k, v in own.items() if k not in s.writes}
            if index not in checkers:
                picked[order] = (index, student_cell, s.source, None, False)
        if index in checkers:
            checker = checkers[index].checker
            done = [ex for ex in found if ex.cell <= checkers[index].cell]
            reference = "\n".join(nb.cells[ex.cell].source for ex in done)
            picked[order] = (index, student_cell, source, checker, False)
            picked[order + 0.5] = (index, student_cell, probe_source(source, reference), checker,
                                   True)
    steps = []
    for at in sorted(picked):  # a cell's statements in one step, in the lesson's order
        cell, student_at, source, checker, probe = picked[at]
        if steps and not (checker or steps[-1].checker) and steps[-1].cell == cell:
            steps[-1] = replace(steps[-1], source=steps[-1].source + "\n" + source)
        else:
            steps.append(Step(cell, student_at, source, checker, probe))
    return steps, forget - needed


def execute(client, source: str, timeout: float) -> tuple[str, dict | None]:
    """Run ``source`` in the kernel of ``client``: what it printed, and its error (``ename``,
    ``evalue``, ``traceback``) if it raised one."""
    printed, error = [], None

    def collect(msg):
        nonlocal error
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            error = msg["content"]

    client.execute_interactive(source, store_history=True, stop_on_error=False,
                               timeout=timeout, output_hook=collect)
    return "".join(printed), error


def run(client, path, timeout: float = 600):
    """Run the steps of lesson ``path`` in the kernel of ``client`` (after the lesson):
    each step with what it printed and its error, if any."""
    steps, forget = plan(path)
    setup = (inspect.getsource(near_miss).replace("near_miss", "_near_miss") + "\n\n"
             + inspect.getsource(written).replace("written", "_written") + "\n\n"
             + f"for _name in {sorted(forget)!r}:\n    globals().pop(_name, None)\n"
             + "__import__('os').environ.pop('COURSE_ANSWERS_DIR', None)  # checkers judge")
    _, error = execute(client, setup, timeout)
    assert error is None, f"the probes' helpers did not load: {error}"
    return [(step, *execute(client, step.source, timeout)) for step in steps]


def answers_used(source: str, path) -> list[str]:
    """The exercises of lesson ``path`` whose answer ``source`` uses: the names each one's
    solution cell defines, loaded by ``source`` (e.g. ``["4.3 `conv_backward`"]``)."""
    nb = nbformat.read(path, as_version=4)
    used = []
    for ex in exercises(path, nb):
        names = [a or b for a, b in student.DEFINED.findall(nb.cells[ex.cell].source)]
        if any(re.search(rf"\b{re.escape(name)}\b", source) for name in names):
            used.append(f"{ex.number} `{'`, `'.join(names)}`")
    return used


def near_miss(answer):
    """A slightly wrong copy of a right answer: its first number changed."""
    import functools

    import numpy as np

    if type(answer).__name__ == "KerasTensor":  # a functional-API output: one unit more
        import keras

        return keras.layers.Dense(answer.shape[-1] + 1)(answer)
    if hasattr(answer, "get_config") and hasattr(answer, "layers"):  # a Keras model
        config = answer.get_config()  # one more unit in the last layer that has units
        [layer for layer in config["layers"] if "units" in layer["config"]][-1]["config"][
            "units"] += 1
        return type(answer).from_config(config)
    if callable(answer) and not isinstance(answer, type):

        @functools.wraps(answer)
        def wrong(*args, **kwargs):
            result = answer(*args, **kwargs)
            if result is None and args and hasattr(args[0], "layers"):  # changed a model
                layer = next(la for la in args[0].layers if la.weights)  # in place
                layer.trainable = not layer.trainable
                return None
            return near_miss(result)

        return wrong
    if hasattr(answer, "__array__") and not isinstance(answer, np.ndarray | np.generic):
        answer = np.asarray(answer)  # tensors
    if isinstance(answer, bool | np.bool_):
        return not answer
    if isinstance(answer, int | np.integer):
        return answer + 1
    if isinstance(answer, float | np.floating):
        return answer * 1.5 + 1
    if isinstance(answer, np.ndarray) and answer.size:
        wrong = answer.copy()
        first = wrong.flat[0]
        wrong.flat[0] = (not first) if wrong.dtype == bool else (
            first ^ 1 if wrong.dtype.kind in "iu" else first * 1.5 + 1)
        return wrong
    if isinstance(answer, str):
        return answer + "?"
    if type(answer) in (tuple, list) and answer:
        return type(answer)([near_miss(answer[0]), *answer[1:]])
    raise TypeError(f"no near miss for a {type(answer).__name__}: teach near_miss() in "
                    "tests/student_run.py how to change one")


def probe_source(checker_source, reference):
    """A cell that calls the checker with the reference answer made slightly wrong.

    The reference solutions (instructor cells) run in a copy of the kernel's globals, so
    the student's own state is left as it was.
    """
    tree = ast.parse(checker_source)
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call)
                and CHECK_CALL.match(ast.unparse(node.func) + "("))
    answer = ast.get_source_segment(checker_source, call.args[0])
    rest = "".join(", " + ast.get_source_segment(checker_source, arg)
                   for arg in [*call.args[1:], *call.keywords])
    lines = ["_reference = dict(globals())",
             f"exec(get_ipython().transform_cell({reference!r}), _reference)"]
    checker = _resolve(ast.unparse(call.func))
    if getattr(checker, "prediction", False):  # a prediction is written by hand: type it in
        lines += [f"_probe = _near_miss(eval({answer!r}, _reference))",
                  "get_ipython().run_cell('_prediction = ' + _written(_probe), "
                  "store_history=True)",
                  f"get_ipython().run_cell('{ast.unparse(call.func)}(_prediction{rest})', "
                  "store_history=True)"]
    else:
        lines.append(f"{ast.unparse(call.func)}(_near_miss(eval({answer!r}, _reference)){rest})")
    return "\n".join([*lines, "del _reference"])


def written(value):
    """``value`` as the literal a student would type."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, tuple | list):
        items = ", ".join(map(written, value))
        return f"({items},)" if isinstance(value, tuple) else f"[{items}]"
    return repr(value)


def _resolve(dotted):
    import importlib

    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)
