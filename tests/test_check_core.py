"""The checker contract: one line in a notebook, an AssertionError when grading, and the
checker's own bugs kept apart from the student's."""

import sys

import numpy as np
import pytest

from course.check import GRADING_VAR, Hint, checker


@checker
def double(answer):
    """A checker for ``answer(x) == 2 * x``."""
    for x in (1, 5):
        if answer(x) != 2 * x:
            raise Hint(f"for {x} you returned {answer(x)}")
    return "right for 1 and 5"


@checker
def buggy(answer):
    answer(1)
    return {}["a checker bug"]


def stub(x):
    raise NotImplementedError()


def no_return(x):
    2 * x  # noqa: B018


def test_a_verdict_is_truthy_when_right_and_shows_nothing_more(capsys, monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)
    right, wrong = double(lambda x: 2 * x), double(lambda x: x)
    assert right and not wrong
    assert right._ipython_display_() is None  # Jupyter shows no True/False under the cell
    assert capsys.readouterr().out.splitlines() == [
        "<lambda>: correct - right for 1 and 5", "<lambda>: not yet - for 1 you returned 1"]


@pytest.mark.parametrize("answer, line", [
    (lambda x: x, "<lambda>: not yet - for 1 you returned 1"),
    (stub, "stub: not attempted yet"),
    (..., "double: not attempted yet"),
    (lambda x: x / 0, "<lambda>: your code raised ZeroDivisionError: division by zero"),
    (no_return, "no_return: not yet - no_return returned None: is its `return` missing?"),
])
def test_grading_mode_raises_the_hint_for_every_answer_that_is_not_right(monkeypatch, capsys,
                                                                         answer, line):
    monkeypatch.setenv(GRADING_VAR, "1")
    with pytest.raises(AssertionError) as raised:
        double(answer)
    assert str(raised.value).startswith(line)
    assert capsys.readouterr().out.count("\n") == 1  # one line of feedback, no traceback
    assert double(lambda x: 2 * x)  # a right answer passes silently
    monkeypatch.delenv(GRADING_VAR)
    assert not double(answer)  # self-study: the same answer only prints
    with pytest.raises(AssertionError):
        double(answer, strict=True)


def test_a_bug_in_the_checker_is_not_blamed_on_the_student(capsys):
    with pytest.raises(KeyError, match="a checker bug"):
        buggy(lambda x: x)
    assert "your code raised" not in capsys.readouterr().out


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class EqualInt(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


@pytest.mark.parametrize("returned, hint", [
    (lambda x: AlwaysEqual(), "you returned an object of type AlwaysEqual; return plain values"),
    (lambda x: EqualInt(x), "for 1 you returned 1"),  # its plain value, not its __eq__
    (lambda x: __import__("numpy").array([AlwaysEqual()]), "an array of Python objects"),
])
def test_an_answer_cannot_pass_by_redefining_equality(returned, hint, capsys, monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)
    assert not double(returned)
    assert hint in capsys.readouterr().out


def test_numpy_scalars_and_tensors_arrive_as_plain_numbers_and_arrays():
    import numpy as np

    from course.check.core import plain

    assert type(plain(np.int64(3))) is int and type(plain(np.float32(0.5))) is float
    assert plain((np.int8(1), [np.bool_(True)])) == (1, [True])
    assert type(plain(np.ma.masked_array([1, 2]))) is np.ndarray
    assert type(plain(np.longdouble(0.5))) is float


@pytest.mark.parametrize("value, said", [
    (10 ** 5000, "a whole number of 16,610 bits"), ([1, 2 ** 300], "bits"),
    (1 + 2j, "complex"), (np.array([1 + 0j]), "complex"), (np.complex64(1), "complex"),
    (np.ma.masked_array([1.0, 2.0], mask=[True, False]), "masked array"),
], ids=["huge-int", "huge-in-list", "complex", "complex-array", "complex64", "masked"])
def test_values_no_answer_takes_are_hints_not_crashes(value, said):
    from course.check.core import plain

    with pytest.raises(Hint, match=said):
        plain(value)


def test_a_sequence_is_read_from_its_items_not_from_what_its_methods_say():
    from course.check.core import plain

    class Lying(tuple):
        def __iter__(self):
            return iter((7, 7, 7))

    class Loud(list):
        def __repr__(self):
            return "guess"

    assert plain(Lying((1, 2, 3))) == (1, 2, 3)
    assert plain(Loud([1, 2])) == [1, 2] and type(plain(Loud([1, 2]))) is list


def test_hints_stop_after_a_few_different_tries_where_answers_are_few(capsys, monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)

    @checker(prediction=True, tries=2)
    def pick(answer):
        if answer != 3:
            raise Hint("look again at the third panel")
        return "right"

    for guess in (1, 1, 2):
        assert not pick(guess)
    assert capsys.readouterr().out.count("look again") == 3  # the same wrong guess again
    assert not pick(4)
    assert "3 different answers tried (hints stop after 2)" in capsys.readouterr().out
    assert not pick(3)  # no search by loop: the right one is not told apart now
    assert "hints stop after 2" in capsys.readouterr().out
    pick.forget_tries()  # a fresh count (a new kernel)
    assert pick(3)


def test_an_answer_that_switches_the_watch_off_is_told_so(capsys, monkeypatch):
    import sys

    from course import ops

    monkeypatch.delenv(GRADING_VAR, raising=False)

    @checker(without=("course.ops.output_size",))
    def size(answer):
        if answer(28, 5) != 24:
            raise Hint("not 24")
        return "right"

    def sneaky(n, f):
        sys.setprofile(None)
        return ops.output_size(n, f)

    assert not size(sneaky)
    assert "switches off the checker's watch" in capsys.readouterr().out
    assert sys.getprofile() is None  # the hook is gone after the call, as before it


def test_a_shortcut_is_named_even_when_the_answer_then_fails(capsys, monkeypatch):
    from course import ops

    monkeypatch.delenv(GRADING_VAR, raising=False)

    @checker(without=("course.ops.output_size",))
    def size(answer):
        answer(28, 5)
        return "right"

    def shortcut_then_crash(n, f):
        return ops.output_size(n, f) + "x"

    assert not size(shortcut_then_crash)
    assert "calls `ops.output_size`" in capsys.readouterr().out


def test_a_tensorflow_function_is_watched_by_its_own_code_not_its_wrapper(capsys, monkeypatch):
    import numpy as np
    import tensorflow as tf

    monkeypatch.delenv(GRADING_VAR, raising=False)

    @checker(without=("tensorflow.math.confusion_matrix",))
    def confusion(answer):
        answer([0, 1], [1, 1])
        return "right"

    assert confusion(lambda t, p: np.asarray(tf.one_hot(t, 2)))  # another TF call: fine
    assert not confusion(lambda t, p: np.asarray(tf.math.confusion_matrix(t, p)))
    assert "calls `tf.math.confusion_matrix`" in capsys.readouterr().out


def test_a_checker_with_a_watch_says_so_under_cprofile_instead_of_judging(capsys,
                                                                            monkeypatch):
    import cProfile

    monkeypatch.delenv(GRADING_VAR, raising=False)

    @checker(without=("course.ops.output_size",))
    def size(answer):
        if answer(28, 5) != 24:
            raise Hint("not 24")
        return "right"

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        verdict = size(lambda n, f: n - f + 1)
        shortcut = size(_shortcut)
    finally:
        profiler.disable()
    out = capsys.readouterr().out
    if sys.version_info < (3, 12):  # cProfile holds the hook: a shortcut could not be seen
        assert not verdict and not shortcut
        assert "while a profiler such as cProfile or %prun runs" in out
    else:  # cProfile uses sys.monitoring: the watch works beside it
        assert verdict and not shortcut and "calls `ops.output_size`" in out
    assert size(lambda n, f: n - f + 1)  # and without it, judged as usual


def _saved_functions():
    """(lesson, module, name, code) for every function (not class) a lesson's ``#@save``
    cell defines, compiled as a notebook compiles the cell."""
    import inspect
    import json

    from course.runtime.paths import NOTEBOOKS
    from course.tools.export import MARKER

    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] == "code" and (mark := MARKER.match(text.split("\n")[0])):
                code = compile(text, "<cell>", "exec")
                for const in code.co_consts:
                    if inspect.iscode(const) and const.co_flags & inspect.CO_OPTIMIZED:
                        yield path.name[:2], mark.group(1), const.co_name, const


@pytest.mark.parametrize("lesson, module, name, code", list(_saved_functions()),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_the_watch_knows_a_lessons_saved_copy_of_a_course_function(lesson, module, name, code):
    """A student who calls the notebook's ``#@save`` copy instead of the course's function
    takes the same shortcut: the watch matches the two by what their code does (a cell and a
    module compile method calls differently)."""
    import importlib
    import inspect

    from course.check.core import _signature

    saved = inspect.unwrap(getattr(importlib.import_module(f"course.{module}"), name))
    assert _signature(code) == _signature(saved.__code__), f"{lesson}: {module}.{name}"


def test_an_answer_that_calls_the_notebooks_copy_is_refused_like_the_course_function(
        capsys, monkeypatch):
    import types

    import keras

    monkeypatch.delenv(GRADING_VAR, raising=False)
    [code] = [s[3] for s in _saved_functions() if s[2] == "plain_block"]
    from course.models import residual_branch

    cell = {"keras": keras, "layers": keras.layers, "residual_branch": residual_branch}
    copy = types.FunctionType(code, cell, argdefs=(1, "block"))  # as the cell defines it

    @checker(without=("course.models.plain_block",))
    def block(answer):
        answer(keras.Input((8, 8, 4)), 4, 1)
        return "right"

    assert not block(lambda x, filters, strides: copy(x, filters, strides))
    assert "calls `models.plain_block`" in capsys.readouterr().out


# --- the generic attacks an independent attacker found (issue 26) ------------------------


@checker(without=("course.ops.output_size",))
def _size(answer):
    """A checker of output sizes that compares with np.array_equal, as many do."""
    import numpy as np

    if not np.array_equal(answer(28, 5), 24):
        raise Hint("not 24")
    return "right"


def _shortcut(n, f):
    from course import ops

    return ops.output_size(n, f)


class _Callable:
    """An answer that is an object, not a function."""

    def __init__(self, body):
        self.body = body

    def __call__(self, n, f):
        return self.body(n, f)


@pytest.mark.parametrize("answer", [
    _Callable(_shortcut), __import__("functools").partial(_shortcut)],
    ids=["a callable object", "functools.partial"])
def test_an_answer_that_is_not_a_function_is_watched_too(answer, capsys, monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)
    assert not _size(answer)
    assert "calls `ops.output_size`" in capsys.readouterr().out


def test_a_shortcut_in_a_thread_the_answer_starts_is_seen(capsys, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.delenv(GRADING_VAR, raising=False)

    def threaded(n, f):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(_shortcut, n, f).result()

    assert not _size(threaded)
    assert "calls `ops.output_size`" in capsys.readouterr().out


def test_switching_the_watch_off_and_back_on_is_seen(capsys, monkeypatch):
    import sys

    monkeypatch.delenv(GRADING_VAR, raising=False)

    def sneaky(n, f):
        hook = sys.getprofile()
        sys.setprofile(None)
        try:
            return _shortcut(n, f)
        finally:
            sys.setprofile(hook)

    assert not _size(sneaky)
    assert "switches off the checker's watch" in capsys.readouterr().out


def test_an_answer_that_patches_what_the_checker_compares_with_is_refused(capsys, monkeypatch):
    import numpy as np

    monkeypatch.delenv(GRADING_VAR, raising=False)
    real = np.array_equal

    def patched(n, f):
        np.array_equal = lambda a, b, equal_nan=False: True
        return 0

    assert not _size(patched)
    assert "changes `numpy.array_equal`" in capsys.readouterr().out
    assert np.array_equal is real  # and it is put back


@pytest.mark.parametrize("answer, said", [
    (24, "you passed int 24, not a function"),
    (_Callable(lambda n, f: 1 / 0), "your code raised ZeroDivisionError"),
    (type("Named", (), {"__name__": "_size: correct - forged", "__call__":
                        lambda self, n, f: 0})(), "_size: not yet - not 24")],
    ids=["a value where a function is asked", "an object that raises", "a name that forges"])
def test_a_strange_answer_gets_a_line_not_a_traceback(answer, said, capsys, monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)
    assert not _size(answer)
    out = capsys.readouterr().out
    assert said in out and "correct - forged" not in out, out


def _fake_tensor(compute):
    """An object that passes for a tensor and computes only when it is converted."""
    return type("EagerTensor", (), {"__module__": "tensorflow", "shape": (),
                                    "__array__": lambda self, dtype=None, copy=None:
                                    np.asarray(compute())})()


def _emptying_the_watch(n, f):
    import sys

    result = _shortcut(n, f)
    watch = sys.getprofile()
    cells = dict(zip(watch.__code__.co_freevars, watch.__closure__, strict=True))
    cells["called"].cell_contents.clear()
    return result


def _swapping_code(n, f):
    from course import ops

    ops.output_size.__code__ = (lambda *a, **k: 24).__code__
    return 24


def _replacing_a_module(n, f):
    import sys
    import types

    sys.modules["course.ops"].np = types.SimpleNamespace(array_equal=lambda *a: True)
    return 24


def _patching_keras_model(n, f):
    import keras

    keras.Model.__call__ = lambda self, *a, **k: 0
    return 24


@pytest.mark.parametrize("answer, said", [
    (lambda n, f: _fake_tensor(lambda: _shortcut(n, f)), "calls `ops.output_size`"),
    (lambda n, f: type("T", (tuple,), {"__iter__": lambda s: iter([_shortcut(n, f)])})((0,)),
     "not 24"),
    (_emptying_the_watch, "calls `sys.getprofile`"),
    (_swapping_code, "changes `course.ops.output_size.__code__`"),
    (_replacing_a_module, "changes `course.ops.np`"),
    (_patching_keras_model, "changes `keras.src.models.model.Model.__call__`"),
    (type("Sized", (), {"__new__": lambda cls, n, f: _shortcut(n, f)}),
     "you passed the class Sized"),
], ids=["a fake tensor converted late", "a tuple whose __iter__ computes", "the watch emptied",
        "a course function's code swapped", "a course module's value replaced",
        "a Keras class patched", "a class instead of a function"])
def test_what_an_answer_does_through_its_result_or_to_the_watch_is_seen(answer, said, capsys,
                                                                         monkeypatch):
    import keras

    from course import ops

    monkeypatch.delenv(GRADING_VAR, raising=False)
    before = (ops.output_size.__code__, ops.np, keras.Model.__call__)
    assert not _size(answer)
    out = capsys.readouterr().out
    assert said in out and "correct" not in out, out
    assert (ops.output_size.__code__, ops.np, keras.Model.__call__) == before  # put back


def test_an_error_raised_while_the_result_is_converted_is_the_students(capsys, monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)
    assert not _size(lambda n, f: _fake_tensor(lambda: 1 / 0))
    assert "your code raised ZeroDivisionError" in capsys.readouterr().out


def test_hints_count_different_values_not_different_reprs(capsys, monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)

    class Same(list):
        def __repr__(self):
            return "guess"

    @checker(prediction=True, tries=2)
    def pick(answer):
        if list(answer) != [3]:
            raise Hint("look again")
        return "right"

    for guess in ([1], [2], [4]):
        pick(Same(guess))
    assert "3 different answers tried" in capsys.readouterr().out
    assert not pick(Same([3]))


@pytest.mark.parametrize("reach", ["inspect.currentframe()", "inspect.stack()",
                                   "sys._getframe(1)"])
def test_reaching_the_checkers_frames_through_the_standard_library_is_seen(reach, capsys,
                                                                           monkeypatch):
    import inspect

    monkeypatch.delenv(GRADING_VAR, raising=False)
    answer = eval(f"lambda n, f: ({reach}, 24)[1]", {"inspect": inspect, "sys": sys})
    assert not _size(answer)
    assert "reads the checker's own frames" in capsys.readouterr().out


def test_a_library_that_reads_its_own_frames_is_not_the_answer_reading_the_checkers(
        capsys, monkeypatch):
    import tensorflow as tf

    monkeypatch.delenv(GRADING_VAR, raising=False)

    @tf.function
    def traced(n):
        return n - 4

    assert _size(lambda n, f: int(traced(tf.constant(n)).numpy()))


@pytest.mark.skipif(sys.version_info < (3, 12), reason="Python 3.11 cannot profile threads "
                    "that are running already (threading.setprofile_all_threads is 3.12+)")
def test_a_shortcut_in_a_thread_started_before_the_checker_is_seen(capsys, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.delenv(GRADING_VAR, raising=False)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: None).result()  # its worker runs before the watch starts
        assert not _size(lambda n, f: pool.submit(_shortcut, n, f).result())
    assert "calls `ops.output_size`" in capsys.readouterr().out


# --- what a second attacker found (the 1.2, 3.2 and 4.3 checkers) -------------------------


class _Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no str")


class _UnprintableHint(Hint):  # raised by the answer: the student's error, not a hint of ours
    def __str__(self):
        raise RuntimeError("no str")


@pytest.mark.parametrize("error", [_Unprintable, _UnprintableHint])
def test_an_error_whose_message_cannot_be_read_is_still_the_students(error, capsys,
                                                                      monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)

    def unprintable(*args):
        raise error()

    for check in (_size, double):  # with a watch and without
        assert not check(unprintable)
        out = capsys.readouterr().out
        assert (f"unprintable: your code raised {error.__name__}: (its message cannot be "
                "shown") in out, out


def _checkers_code():
    """A function of a lesson's checkers, rebuilt from its code object as an answer could
    rebuild a checker's nested reference from its ``co_consts``."""
    import types

    from course.check import lesson01

    return types.FunctionType(lesson01._same_pads.__code__, {})


def _lesson01():
    from course.check import lesson01

    return lesson01


@pytest.mark.parametrize("answer", [
    lambda n, f: (_lesson01()._same_pads((f,)), 24)[1],
    lambda n, f: (list(map(_lesson01()._same_pads, [(f,)])), 24)[1],
    lambda n, f: (_checkers_code()((f,)), 24)[1],
], ids=["called", "called from C, by map", "rebuilt from its code object"])
def test_an_answer_may_not_call_the_checkers_own_code(answer, capsys, monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)
    assert not _size(answer)
    out = capsys.readouterr().out
    assert "calls `check.lesson01._same_pads`, the checker's own code" in out, out


@pytest.mark.parametrize("module, name", [
    ("numpy._core.numeric", "less_equal"),  # what np.isclose and np.allclose compare with
    ("numpy._core.numeric", "isnan"),  # np.array_equal(..., equal_nan=True)
    ("numpy._core.fromnumeric", "_wrapreduction"),  # np.max, np.sum, np.any
    ("numpy._core._methods", "_all"),  # an array's .all()
])
def test_an_answer_that_patches_numpys_insides_is_refused_and_undone(module, name, capsys,
                                                                      monkeypatch):
    import importlib

    monkeypatch.delenv(GRADING_VAR, raising=False)
    inner = pytest.importorskip(module)
    real = getattr(inner, name)

    def patching(n, f):
        setattr(importlib.import_module(module), name, lambda *a, **k: True)
        return 0

    assert not _size(patching)
    assert getattr(inner, name) is real  # put back
    out = capsys.readouterr().out
    assert f"changes `{module}.{name}`" in out, out


def _peek_through_a_helper(n, f, peek=lambda: next(map(sys._getframe, [3]))):
    return (peek(), 24)[1]


@pytest.mark.parametrize("answer", [
    eval("lambda n, f: (next(map(sys._getframe, [1])), 24)[1]", {"sys": sys}),
    eval("lambda n, f: (list(map(getframe, [1])), 24)[1]", {"getframe": sys._getframe}),
    _peek_through_a_helper,
    eval("lambda n, f: (list(map(sys.settrace, [None])), 24)[1]", {"sys": sys}),
], ids=["sys._getframe through map", "sys._getframe imported under another name",
        "a helper that does it", "sys.settrace through map"])
def test_reaching_the_checkers_frames_from_c_is_seen(answer, capsys, monkeypatch):
    """``map`` calls the function from C, which the watch does not see; the answer's code
    names it all the same."""
    monkeypatch.delenv(GRADING_VAR, raising=False)
    assert not _size(answer)
    out = capsys.readouterr().out
    assert "reads the checker's own frames" in out, out


# --- what a third attacker found (the 1.1 and 3.1 checkers) ------------------------------


@pytest.mark.parametrize("leave", [lambda: sys.exit(), lambda: sys.exit(3),
                                   lambda: (_ for _ in ()).throw(SystemExit("bye"))],
                         ids=["sys.exit()", "sys.exit(3)", "raise SystemExit"])
def test_an_answer_that_calls_sys_exit_gets_a_hint_not_a_traceback(leave, capsys,
                                                                    monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)

    def exits(n, f=None):
        leave()

    for check in (_size, double):  # with a watch and without
        assert not check(exits)
        out = capsys.readouterr().out
        assert "exits: not yet - exits called sys.exit() (raised SystemExit)" in out, out


def test_a_keyboard_interrupt_still_stops_the_checker(monkeypatch):
    monkeypatch.delenv(GRADING_VAR, raising=False)

    def stopped(n, f=None):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _size(stopped)


def _logs(n, f):
    import logging

    logging.getLogger("course.test").warning("pooling %s", n)  # findCaller: sys._getframe
    return n - f + 1


def _names_a_tuple(n, f):
    import collections

    size = collections.namedtuple("Size", "n f")(n, f)  # namedtuple: sys._getframe(1)
    return size.n - size.f + 1


def _warns(n, f):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.warn("a note", stacklevel=2)
    return n - f + 1


@pytest.mark.parametrize("answer", [_logs, _names_a_tuple, _warns],
                         ids=["logging.warning", "collections.namedtuple", "warnings.warn"])
def test_the_standard_library_reading_its_own_frames_is_not_the_answer_peeking(
        answer, capsys, monkeypatch):
    """logging finds the line that logged, namedtuple and warnings their caller's module,
    each with sys._getframe: the standard library's own use, not the student's call."""
    monkeypatch.delenv(GRADING_VAR, raising=False)
    assert _size(answer), capsys.readouterr().out


@pytest.mark.parametrize("reach", ["logging.currentframe()", "next(traceback.walk_stack(None))",
                                   "inspect.getouterframes(inspect.currentframe())"])
def test_a_frame_handed_out_by_the_standard_library_is_still_the_answers(
        reach, capsys, monkeypatch):
    import inspect
    import logging
    import traceback

    monkeypatch.delenv(GRADING_VAR, raising=False)
    answer = eval(f"lambda n, f: (list([{reach}]), 24)[1]",
                  {"inspect": inspect, "logging": logging, "traceback": traceback})
    assert not _size(answer)
    assert "reads the checker's own frames" in capsys.readouterr().out


@pytest.mark.parametrize("module, owner, name", [
    ("numpy.lib._stride_tricks_impl", None, "as_strided"),  # what the references cut with
    ("keras.src.layers.pooling.base_pooling", "BasePooling", "call"),  # every Keras pooling
])
def test_an_answer_that_patches_what_the_references_use_is_refused_and_undone(
        module, owner, name, capsys, monkeypatch):
    import importlib

    monkeypatch.delenv(GRADING_VAR, raising=False)
    inner = pytest.importorskip(module)
    holder = getattr(inner, owner) if owner else inner
    real = vars(holder)[name]

    def patching(n, f):
        setattr(getattr(importlib.import_module(module), owner) if owner else
                importlib.import_module(module), name, lambda *a, **k: 0)
        return n - f + 1

    assert not _size(patching)
    assert vars(holder)[name] is real  # put back
    out = capsys.readouterr().out
    assert f"changes `{module}.{owner + '.' if owner else ''}{name}`" in out, out


def test_an_answer_that_puts_a_stand_in_module_in_sys_modules_is_refused_and_undone(
        capsys, monkeypatch):
    import types

    import cv2

    monkeypatch.delenv(GRADING_VAR, raising=False)

    def stand_in(n, f):
        fake = types.ModuleType("cv2")
        fake.filter2D = lambda *a, **k: 0
        sys.modules["cv2"] = fake
        return n - f + 1

    assert not _size(stand_in)
    assert sys.modules["cv2"] is cv2
    assert "changes `sys.modules['cv2']`" in capsys.readouterr().out
