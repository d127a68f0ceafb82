"""Answers leave the student's kernel as data and are judged elsewhere: the encoding, the
screen a recorded function passes before it runs, and the judge (no kernels here)."""

import json
import linecache
import re

import nbformat
import numpy as np
import pytest

from course.check import answers, judge, predictions, screen


def notebook_function(source: str, name: str, **values):
    """``name`` as defined by running ``source`` in a notebook (``__main__``, with its
    source where ``inspect`` finds it, as IPython keeps it)."""
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace = {"__name__": "__main__", "np": np, **values}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def recorded(checker, answer, tmp_path, *extras):
    path = answers.record(tmp_path, checker, answer, extras, {},
                          getattr(answer, "__name__", checker.split(".")[1]))
    return json.loads(path.read_text())


RIGHT_PARAMS = """
def bias(k):
    return k


def conv_param_count(f, c_in, k, bias=True):
    return f * f * c_in * k + (BIAS_PER_FILTER * k if bias else 0)
"""


def test_values_cross_as_plain_data_and_subclasses_lose_their_eq():
    class AlwaysEqual(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    value = {"a": (1, 2.5, np.float32(0.5), [np.arange(3)], None, float("nan")),
             "b": AlwaysEqual(7)}
    back = answers.decode(json.loads(json.dumps(answers.encode(value))))
    assert type(back["b"]) is int and back["b"] == 7
    assert back["a"][:3] == (1, 2.5, 0.5) and np.isnan(back["a"][5])
    np.testing.assert_array_equal(back["a"][3][0], np.arange(3))
    with pytest.raises(answers.Unsupported, match="a value of type object"):
        answers.encode(object())


def test_a_function_travels_with_the_notebook_code_and_values_it_uses(tmp_path):
    answer = notebook_function(RIGHT_PARAMS, "conv_param_count", BIAS_PER_FILTER=1)
    source = answers.bundle(answer)["source"]
    assert "import numpy as np" not in source  # np is not used, so not carried
    assert "BIAS_PER_FILTER = _recorded(" in source
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path)).line
    assert line.startswith("conv_param_count: correct - ")


def test_a_wrong_function_gets_the_checkers_hint(tmp_path):
    answer = notebook_function(RIGHT_PARAMS, "conv_param_count", BIAS_PER_FILTER=0)
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path)).line
    assert line.startswith("conv_param_count: not yet - ") and "bias" in line


@pytest.mark.parametrize("body, what", [
    ("import sys\n    sys.setprofile(None)", "imports `sys`"),
    ("getattr(np, 'array_equal')", "uses `getattr`"),
    ("np.array_equal = lambda a, b: True", "assigns to `np.array_equal`"),
    ("(1).__class__", "reads `.__class__`"),
    ("from course.check import lesson02", "imports `course.check`"),
    ("__import__('os')", "uses `__import__`"),
    ("exec('x = 1')", "uses `exec`"),
])
def test_the_screen_refuses_what_reaches_outside_the_answer(body, what):
    with pytest.raises(screen.Refused, match=what.replace("(", r"\(")):
        screen.source(f"import numpy as np\n\ndef answer(x):\n    {body}\n    return x\n")


def test_the_screen_lets_an_answer_change_its_own_arguments():
    screen.source("import numpy as np\n\ndef unfreeze(model, out):\n"
                  "    model.layers[0].trainable = False\n    out[0] = np.pi\n"
                  "    np = None\n    return out\n")


def test_a_refused_source_is_a_hint_not_a_crash(tmp_path):
    answer = notebook_function("def conv_param_count(f, c_in, k, bias=True):\n"
                               "    import course.ops\n"
                               "    course.ops.conv_params = lambda *a, **k: 0\n"
                               "    return 0\n", "conv_param_count")
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path)).line
    assert line.startswith("conv_param_count: not yet - the grade does not run this answer: ")
    assert "course.ops.conv_params" in line


def test_a_change_the_screen_missed_is_found_and_undone():
    untouched = screen.Untouched()
    original = np.array_equal
    np.array_equal = lambda a, b: True
    assert untouched.changed() == ["numpy.array_equal"]
    assert np.array_equal is original


def test_an_answer_that_runs_too_long_is_stopped(tmp_path):
    answer = notebook_function("def conv_param_count(f, c_in, k, bias=True):\n"
                               "    while True:\n        pass\n", "conv_param_count")
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path), timeout=1).line
    assert line == "conv_param_count: not yet - your code ran longer than the grade's 1 s limit"


def test_an_answer_of_a_type_the_grade_cannot_read_gets_a_hint(tmp_path):
    line = judge.judge_one(recorded("lesson02.conv_param_count", object(), tmp_path)).line
    assert "you gave a value of type object, which is not an answer the grade can read" in line


def test_a_notebook_value_too_big_to_carry_says_so_when_used(tmp_path):
    big = np.zeros((3000, 1000), dtype=np.float32)  # 11 MB
    answer = notebook_function("def conv_param_count(f, c_in, k, bias=True):\n"
                               "    return int(BIG.sum()) + 1\n", "conv_param_count", BIG=big)
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path)).line
    assert "uses the notebook's `BIG` (an array of 11 MB" in line


# --- predictions are written by hand ------------------------------------------------------


@pytest.mark.parametrize("source, value", [
    ("(2, 4, 3, 1)", (2, 4, 3, 1)), ("1 / 49", 1 / 49), ("-(3 + 4) * 2", -14),
    ("(16 * 32 + 4 * 32,) * 2", (640, 640)), ("[[2, 6, 6], [5, 4, 2]]", [[2, 6, 6], [5, 4, 2]]),
])
def test_a_written_prediction_may_use_arithmetic_between_numbers(source, value):
    recorded = {"argument": "p", "names": {"p": source}}
    assert predictions.evaluate(recorded) == value


@pytest.mark.parametrize("cell", [
    "p = lesson_value", "p = int('9')", "p = [i for i in range(3)]", "for p in range(9): pass",
    "p = 2 ** 1000", "p = ...",
])
def test_a_computed_prediction_is_refused(cell):
    written = predictions.sources([cell, "course.check.lesson11.x(p)"], "x")
    with pytest.raises(predictions.NotLiteral):
        predictions.evaluate(written)


@pytest.mark.slow
def test_the_judge_takes_a_prediction_from_its_source_not_from_the_kernel(tmp_path):
    def judged(cells, kernel_value):
        written = predictions.sources(cells, "early_stopping_prediction")
        path = answers.record(tmp_path, "lesson11.early_stopping_prediction", kernel_value, (),
                              {}, "early_stopping_prediction", written)
        return judge.judge_one(json.loads(path.read_text())).line

    call = "course.check.lesson11.early_stopping_prediction((stop, restored))"
    right = judged(["stop = 9\nrestored = 6", call], (9, 6))
    assert right.startswith("early_stopping_prediction: correct"), right
    forged = judged(["stop = 8\nrestored = 5", call], (9, 6))  # the kernel's value lies
    assert forged.startswith("early_stopping_prediction: not yet"), forged
    computed = judged(["stop = len(history)\nrestored = 6", call], (9, 6))
    assert "a prediction is values you write" in computed and "len(history)" in computed
    assert "not attempted yet" in judged(["stop = ...\nrestored = ...", call], ...)


def test_a_notebook_copy_of_the_reference_is_caught_like_the_reference(tmp_path, capsys):
    import inspect

    from course import ops
    from course.check import lesson02

    copy = inspect.getsource(ops.output_size)  # what a lesson's #@save cell defines
    answer = notebook_function(copy + "\n\ndef conv_output_shape(h, w, f, k, stride=1, "
                               "padding=0):\n    return (output_size(h, f, stride, padding), "
                               "output_size(w, f, stride, padding), k)\n", "conv_output_shape",
                               **{k: v for k, v in vars(ops).items() if not k.startswith("_")})
    assert not lesson02.conv_output_shape(answer)
    assert "calls `ops.output_size`" in capsys.readouterr().out
    record = recorded("lesson02.conv_output_shape", answer, tmp_path)
    assert "def output_size(" in record["answer"]["function"]["source"]  # carried as a copy
    assert "calls `ops.output_size`" in judge.judge_one(record).line


def test_a_prediction_left_at_its_stub_is_not_attempted(tmp_path):
    call = "course.check.lesson11.early_stopping_prediction((stop, restored))"
    written = predictions.sources(["stop = ...\nrestored = ...", call],
                                  "early_stopping_prediction")
    path = answers.record(tmp_path, "lesson11.early_stopping_prediction", (..., ...), (), {},
                          "early_stopping_prediction", written)
    assert "not attempted yet" in judge.judge_one(json.loads(path.read_text())).line


# --- the attacks of issue 26's grading review (hand-ins in the attacker's handins2/) -------

# h01c: the answer reached the builtins through the course and ran a hook that replaced the
# judge's own judge_one (the judge runs as __main__), so every later verdict read "correct"
HOOK_ANSWER = '''import course
HOOK = """
import sys
m = sys.modules["__main__"]
orig = m.judge_one
def forged(record, timeout=60):
    line = orig(record, timeout)
    name = record["checker"].split(".")[1]
    return line if ": correct - " in line else name + ": correct - forged"
m.judge_one = forged
"""
def conv_output_shape(h, w, f, k, stride=1, padding=0):
    b = course.check.core.sys.modules["builtins"]
    b.exec(HOOK, {})
    return ((h - f + 2 * padding) // stride + 1, (w - f + 2 * padding) // stride + 1, k)
'''


@pytest.mark.parametrize("body, what", [
    # h01c, h02b: the interpreter through an attribute chain of the course
    ('course.check.core.sys.modules["builtins"].exec("x = 1", {})', "`.check`"),
    ("course.ops.np.sys", "`.sys`"),
    ('np.sys.modules["builtins"]', "`.sys`"),
    ("course.ops.setprofile(None)", "`.setprofile`"),
    # h02: the checker's own reference, and a private helper of the course
    ("course.check.lesson02._same(3, 2, 1)", "`.check`"),
    ("course.ops._axis_padding('same', 5, 3, 1, False)", "`._axis_padding`"),
    # jt4: the checker's expected value read from its frame
    ("course.ops.np.sys._getframe(1).f_back.f_locals['expected']", "`.sys`"),
    ("(lambda: (yield))().gi_frame.f_back.f_locals", "`.gi_frame`"),
    ('"{0.gi_frame.f_back}".format(x)', "`.format`"),
    ("str.format('{0.f_back}', x)", "`.format`"),
    ("np.testing.measure('import os')", "`.measure`"),
    ("np.save('/tmp/record.npy', x)", "`.save`"),
    ("from course import check", "imports `check` from `course`"),
    ("from course.ops import _axis_padding", "imports `_axis_padding`"),
    ("from numpy.testing import measure", "imports `measure`"),
    ("import traceback", "imports `traceback`"),
    ("import operator\n    operator.attrgetter('f_back')(x)", "`.attrgetter`"),
    # h02: a one-shot patch through an alias of the module
    ("m = np\n    m.array_equal = lambda a, b: True", "assigns to `m.array_equal`"),
    ("for m in (np,):\n        m.array_equal = None", "assigns to `m.array_equal`"),
    ("c = np.ndarray\n    c.sum = None", "assigns to `c.sum`"),
])
def test_the_screen_refuses_attribute_chains_to_the_interpreter(body, what):
    with pytest.raises(screen.Refused, match=re.escape(what)):
        screen.source(f"import numpy as np\nimport course\n\ndef answer(x):\n    {body}\n"
                      "    return x\n")


@pytest.mark.parametrize("source", [
    "import numpy as np\nnp.array_equal = lambda a, b: True\n\ndef answer(x):\n    return x\n",
    "def patch(m):\n    m.x = 1\n\npatch(1)\n\ndef answer(x):\n    return x\n",
    "import numpy as np\n\ndef answer(x, y=print('loaded')):\n    return x\n\nanswer(1)\n",
])
def test_a_recorded_source_runs_nothing_as_it_loads(source):
    with pytest.raises(screen.Refused, match="runs code when the source is loaded"):
        screen.source(source)


def test_what_a_function_travels_with_passes_the_screen():
    screen.source("import keras.layers as layers\n\nimport course.ops as _module_output_size\n"
                  "output_size = _module_output_size.output_size\n\n"
                  "SIZE = _recorded('3')\nBIG = _unavailable('BIG', 'an array of 11 MB')\n\n"
                  "double = lambda x: 2 * x\n\n"
                  "def answer(x, model):\n    model.layers[0].trainable = False\n"
                  "    kernel = np_zeros = None\n    out = [0]\n"
                  "    out[0] = f\"{SIZE:.2f} {'{:d}'.format(3)}\"\n"
                  "    return double(output_size(x, 3)), layers.ReLU()\n")


def test_the_hook_through_the_course_is_refused_and_the_judge_stays_as_it_was(tmp_path):
    answer = notebook_function(HOOK_ANSWER, "conv_output_shape",
                               course=__import__("course"))
    before = judge.judge_one
    judged = judge.judge_one(recorded("lesson02.conv_output_shape", answer, tmp_path))
    assert judged.status == "not yet" and "the grade does not run this answer" in judged.line
    assert judge.judge_one is before


def test_a_change_to_the_judge_or_to_a_checkers_class_is_found_and_undone():
    import sys

    from course.check import core

    untouched = screen.Untouched()
    original, main, verdict_bool = judge.judge_one, sys.modules["__main__"], core.Verdict.__bool__
    judge.judge_one = lambda record, timeout=60: "forged"
    had = vars(main).get("judge_one")
    main.judge_one = lambda record, timeout=60: "forged"
    core.Verdict.__bool__ = lambda self: True
    try:
        changed = untouched.changed()
    finally:
        if had is None:
            del main.judge_one
    assert "course.check.judge.judge_one" in changed
    assert "course.check.core.Verdict.__bool__" in changed
    assert judge.judge_one is original and core.Verdict.__bool__ is verdict_bool


def test_a_module_an_import_puts_in_place_is_not_a_change():
    import types

    real = np.linalg
    np.linalg = types.ModuleType("numpy._api.linalg")  # a stand-in, as TensorFlow's tf.math
    try:
        untouched = screen.Untouched()
        np.linalg = real  # what importing numpy.linalg as a module of its own does
        assert untouched.changed() == []
        np.linalg = types.ModuleType("numpy.linalg")  # a module of the answer's own making
        assert untouched.changed() == ["numpy.linalg"]
    finally:
        np.linalg = real


# --- no hand-in stops the judge ---------------------------------------------------------


def test_a_lambda_answer_is_judged_like_a_function(tmp_path):
    answer = notebook_function("conv_param_count = lambda f, c_in, k, bias=True: "
                               "(f * f * c_in + (1 if bias else 0)) * k\n", "conv_param_count")
    judged = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path))
    assert judged.status == "correct", judged


def test_a_function_renamed_after_def_is_judged_by_its_def(tmp_path):
    answer = notebook_function("def conv_param_count(f, c_in, k, bias=True):\n    return 0\n",
                               "conv_param_count")
    answer.__name__ = "conv_param_count: correct - forged"
    judged = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path))
    assert judged.status == "not yet"
    assert judged.line.startswith("conv_param_count: not yet - for ")


def test_a_name_that_writes_a_verdict_does_not_score(tmp_path):
    class Anything:
        pass

    answer = Anything()
    answer.__name__ = "conv_output_shape: correct - forged by the answer's name"
    judged = judge.judge_one(recorded("lesson02.conv_output_shape", answer, tmp_path))
    assert not judged and judged.status == "not yet"
    assert judged.line.startswith("conv_output_shape: not yet - you gave a value of type")


def test_a_literal_that_is_not_a_finite_number_is_a_hint():
    written = predictions.sources(["stack_shapes = [(3, 3, 10, 1e999)]",
                                   "course.check.lesson02.stack_shapes(stack_shapes, stack)"],
                                  "stack_shapes")
    with pytest.raises(predictions.NotLiteral, match="not a finite number"):
        predictions.evaluate(written)
    for source in ["((2 ** 64) ** 64) ** 64", "[[0] * 1000] * 1000", "1 / 0", "(-8) ** 0.5"]:
        with pytest.raises(predictions.NotLiteral):
            predictions.evaluate({"argument": "p", "names": {"p": source}})


def test_a_prediction_is_the_last_top_level_assignment_and_only_one():
    assert predictions.assigned(["p = 1\np = 2\n"], "p") == "2"
    assert predictions.assigned(["p, q = 1, (2, 3)\n"], "q") == "(2, 3)"
    for cell in ["if False:\n    p = 3\np = 2\n", "p = 2\nif False:\n    p = 3\n",
                 "for p in (1, 2):\n    pass\n", "p = 2\np += 1\n", "p, q = f()\n",
                 "p = 2\n(p := 3)\n"]:
        assert predictions.assigned([cell], "p").startswith("<p bound inside"), cell


def test_a_checker_cell_that_assigns_the_prediction_or_calls_another_name_is_refused():
    found = predictions.sources(["p = 2", "p = 5 * 5\ncourse.check.lesson09.ratio(p)"], "ratio")
    with pytest.raises(predictions.NotLiteral, match="assigned in the checker's own cell"):
        predictions.evaluate(found)
    found = predictions.sources(["p = 2", "from course.check.lesson09 import ratio as r\nr(p)"],
                                "ratio")
    with pytest.raises(predictions.NotLiteral, match="called under another name"):
        predictions.evaluate(found)


@pytest.mark.parametrize("record, problem", [
    ({"checker": "lesson02.stack_shapes", "name": "stack_shapes", "answer": None,
      "options": {}, "prediction": None}, "lacks what a checker records"),  # h08: no extras
    ({"checker": "lesson02.same_padding", "name": "same_padding", "answer": None,
      "extras": [2], "options": {}, "prediction": None}, "1 other arguments"),  # h06
    ({"checker": "lesson02.same_padding", "name": "same_padding", "answer": None,
      "extras": [], "options": {"stride": 2}, "prediction": None}, "keyword arguments"),
    ([1, 2], "not a record"),
])
def test_a_record_the_checker_cell_did_not_write_is_refused(record, problem):
    checker = record["checker"] if isinstance(record, dict) else "lesson02.same_padding"
    expected = {"checker": checker, "cell": None, "extras": 0, "options": [],
                "prediction": None}
    judged = judge.judge_one(record, expected=expected)
    assert judged.status == "not yet" and problem in judged.line, judged


def test_a_stray_call_without_a_plan_is_a_verdict_not_a_crash(tmp_path):
    answer = notebook_function("def same_padding(n, f, stride=1):\n    return 0, 0\n",
                               "same_padding")
    judged = judge.judge_one(recorded("lesson02.same_padding", answer, tmp_path, 2))
    assert judged.status == "error" and "TypeError" in judged.line


def test_a_model_keras_will_not_load_is_a_hint(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda t: t * 1.0),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    judged = judge.judge_one(recorded("lesson05.small_cnn", model, tmp_path))
    assert judged.status == "not yet"
    assert "could not rebuild your answer outside your notebook (ValueError: " in judged.line
    assert "(not Lambda)" in judged.line


def test_an_answer_too_big_to_check_in_time_is_stopped(tmp_path):
    answer = notebook_function("def conv_output_shape(h, w, f, k, stride=1, padding=0):\n"
                               "    return [[h, w, k]] * 5_000_000\n", "conv_output_shape")
    judged = judge.judge_one(recorded("lesson02.conv_output_shape", answer, tmp_path),
                             timeout=1)
    assert judged == judge.Judged("not yet", "conv_output_shape: not yet - your code ran "
                                             "longer than the grade's 1 s limit")


def test_a_slow_answer_under_the_watch_is_told_it_was_slow(tmp_path):
    """The alarm often rings in the watch's profile hook, which Python then drops: that is
    the time limit, not an answer that switched the watch off."""
    answer = notebook_function("def step(i):\n    return i + 1\n\n\n"
                               "def conv_output_shape(h, w, f, k, stride=1, padding=0):\n"
                               "    i = 0\n    while True:\n        i = step(i)\n",
                               "conv_output_shape")
    judged = judge.judge_one(recorded("lesson02.conv_output_shape", answer, tmp_path),
                             timeout=1)
    assert "ran longer than the grade's 1 s limit" in judged.line, judged
    assert "switches off" not in judged.line


@pytest.mark.parametrize("body", ["raise SystemExit(0)", "raise KeyboardInterrupt",
                                  "while True:\n        try:\n            pass\n"
                                  "        except Exception:\n            pass"])
def test_an_answer_cannot_end_the_judge(tmp_path, body):
    answer = notebook_function(f"def conv_param_count(f, c_in, k, bias=True):\n    {body}\n",
                               "conv_param_count")
    judged = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path), timeout=1)
    assert judged.status in ("not yet", "error") and not judged


# --- records: only the checker cell's, with the hand-in's own prediction -------------------


def test_only_the_checker_cells_record_is_read(tmp_path, monkeypatch):
    from course.tools import grade

    cells = [nbformat.v4.new_code_cell("def same_padding(n, f, stride=1):\n    return 1, 1"),
             nbformat.v4.new_code_cell("course.check.lesson02.same_padding(same_padding)"),
             nbformat.v4.new_code_cell("course.check.lesson02.same_padding(same_padding, 2)")]
    plan = [grade.expected_answer("lesson02.same_padding", cells, 1)]
    assert plan[0]["extras"] == 0 and plan[0]["options"] == []
    right = notebook_function("def same_padding(n, f, stride=1):\n"
                              "    out = -(-n // stride)\n"
                              "    total = max((out - 1) * stride + f - n, 0)\n"
                              "    return total // 2, total - total // 2\n", "same_padding")
    for cell, extras in ((cells[1], ()), (cells[2], (2,))):  # as the kernel records them
        monkeypatch.setattr(answers, "_running_cell", lambda cell=cell: cell.source)
        answers.record(tmp_path, "lesson02.same_padding", right, extras, {}, "same_padding")
    forged = json.loads(next(tmp_path.glob("*.json")).read_text())
    forged["answer"] = answers.encode((0, 0))
    (tmp_path / "zzz_forged.json").write_text(json.dumps(forged))
    (tmp_path / "lesson02.same_padding.json").write_text(json.dumps(forged))
    assert len(list(tmp_path.glob("*.json"))) == 4
    [(key, record, expected)] = judge.records(tmp_path, plan)
    assert key == "lesson02.same_padding" and record["extras"] == []
    assert judge.judge(tmp_path, plan=plan)["lesson02.same_padding"].status == "correct"


LAUNDERED = [  # h09 and the like: a computed prediction written into IPython's history
    'get_ipython().run_cell(f"stack_shapes = {computed}", store_history=True)',
    'In.append(f"stack_shapes = {computed}")',
    "stack_shapes = computed",
]


@pytest.mark.parametrize("cell", LAUNDERED)
def test_a_prediction_is_read_from_the_hand_in_not_from_the_kernel(cell, tmp_path):
    from course.tools import grade

    cells = [nbformat.v4.new_code_cell("computed = [(16, 16, 16, 448)] * 5"),
             nbformat.v4.new_code_cell(cell),
             nbformat.v4.new_code_cell("course.check.lesson02.stack_shapes(stack_shapes, stack)")]
    [expected] = [grade.expected_answer("lesson02.stack_shapes", cells, 2)]
    kernel = predictions.sources(["stack_shapes = [(1, 1, 1, 1)] * 5", cells[2].source],
                                 "stack_shapes")  # what a laundering kernel would record
    record = {"checker": "lesson02.stack_shapes", "name": "stack_shapes",
              "answer": answers.encode([(1, 1, 1, 1)] * 5), "extras": [None], "options": {},
              "prediction": kernel}
    judged = judge.judge_one(record, expected=expected)
    assert judged.status == "not yet"
    assert "a prediction is values you write" in judged.line, judged.line


# --- a second attacker's findings (issue 26): code from strings, one answer's reach --------


@pytest.mark.parametrize("body, what", [
    ("import pydoc\n    pydoc.locate('builtins.exec')('1')", "imports `pydoc`"),
    ("import typing\n    typing.get_type_hints(answer)", "imports `typing`"),
    ("from dataclasses import make_dataclass", "imports `dataclasses`"),
    ("def probe(y: 'box.update(1) or int'):\n        pass", "type annotation as a string"),
])
def test_the_screen_refuses_code_that_evaluates_strings(body, what):
    with pytest.raises(screen.Refused, match=re.escape(what)):
        screen.source(f"import numpy as np\n\ndef answer(x):\n    {body}\n    return x\n")


def test_a_notebook_class_with_super_init_is_carried_and_passes_the_screen():
    source = ("import keras\n\nclass Twice(keras.layers.Layer):\n"
              "    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n\n"
              "    def call(self, x):\n        return 2 * x\n\n"
              "def model():\n    return Twice()\n")
    model = notebook_function(source, "model")
    bundled = answers.bundle(model)
    assert "__name__" not in bundled["source"]  # the class body's, the judge's own
    screen.source(bundled["source"])


def _child_forges(found, timeout):
    """What an answer that reached the judge's process could do: print lines that look like
    the judge's, for this checker and for others, straight to the output's descriptor."""
    import os

    forged = json.dumps({"checker": "lesson02.same_padding", "status": "correct", "line": "x"})
    print(forged, flush=True)
    os.write(1, (forged + "\n").encode())
    yield found[0][0], judge.Judged(judge.NOT_YET, "conv_param_count: not yet - honest")


def test_each_answer_is_judged_in_a_child_that_cannot_reach_the_judges_output(monkeypatch,
                                                                             capfd):
    monkeypatch.setattr(judge, "judging", _child_forges)
    judged = judge.isolated(("lesson02.conv_param_count", {}, None), 5)
    assert judged == judge.Judged(judge.NOT_YET, "conv_param_count: not yet - honest")
    assert "same_padding" not in capfd.readouterr().out


@pytest.mark.parametrize("behaviour, status, said", [
    ("exit", judge.ERROR, "the process judging it ended"),
    ("hang", judge.NOT_YET, "ran longer than the grade's 1 s limit"),
    ("lie", judge.ERROR, "the process judging it ended"),
])
@pytest.mark.slow
def test_a_child_that_dies_hangs_or_says_nonsense_is_a_verdict_for_its_answer(
        monkeypatch, behaviour, status, said):
    import os
    import time

    def judging(found, timeout):
        if behaviour == "exit":
            os._exit(3)
        if behaviour == "hang":
            time.sleep(60)
        yield found[0][0], judge.Judged("full marks", "conv_param_count: correct - trust me")

    monkeypatch.setattr(judge, "judging", judging)
    monkeypatch.setattr(judge, "CHILD_GRACE_S", 0)
    judged = judge.isolated(("lesson02.conv_param_count", {}, None), 1)
    assert judged.status == status and said in judged.line, judged
