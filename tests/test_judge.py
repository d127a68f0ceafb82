"""Answers leave the student's kernel as data and are judged elsewhere: the encoding, the
screen a recorded function passes before it runs, and the judge (no kernels here)."""

import json
import linecache

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
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path))
    assert line.startswith("conv_param_count: correct - ")


def test_a_wrong_function_gets_the_checkers_hint(tmp_path):
    answer = notebook_function(RIGHT_PARAMS, "conv_param_count", BIAS_PER_FILTER=0)
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path))
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
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path))
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
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path), timeout=1)
    assert line == ("conv_param_count: your code raised TooLong: it ran longer than the "
                    "grade's 1 s limit")


def test_an_answer_of_a_type_the_grade_cannot_read_gets_a_hint(tmp_path):
    line = judge.judge_one(recorded("lesson02.conv_param_count", object(), tmp_path))
    assert "you gave a value of type object, which is not an answer the grade can read" in line


def test_a_notebook_value_too_big_to_carry_says_so_when_used(tmp_path):
    big = np.zeros((3000, 1000), dtype=np.float32)  # 11 MB
    answer = notebook_function("def conv_param_count(f, c_in, k, bias=True):\n"
                               "    return int(BIG.sum()) + 1\n", "conv_param_count", BIG=big)
    line = judge.judge_one(recorded("lesson02.conv_param_count", answer, tmp_path))
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


def test_the_judge_takes_a_prediction_from_its_source_not_from_the_kernel(tmp_path):
    def judged(cells, kernel_value):
        written = predictions.sources(cells, "early_stopping_prediction")
        path = answers.record(tmp_path, "lesson11.early_stopping_prediction", kernel_value, (),
                              {}, "early_stopping_prediction", written)
        return judge.judge_one(json.loads(path.read_text()))

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
                               **{k: v for k, v in vars(ops).items() if not k.startswith("__")})
    assert not lesson02.conv_output_shape(answer)
    assert "calls `ops.output_size`" in capsys.readouterr().out
    record = recorded("lesson02.conv_output_shape", answer, tmp_path)
    assert "def output_size(" in record["answer"]["function"]["source"]  # carried as a copy
    assert "calls `ops.output_size`" in judge.judge_one(record)


def test_a_prediction_left_at_its_stub_is_not_attempted(tmp_path):
    call = "course.check.lesson11.early_stopping_prediction((stop, restored))"
    written = predictions.sources(["stop = ...\nrestored = ...", call],
                                  "early_stopping_prediction")
    path = answers.record(tmp_path, "lesson11.early_stopping_prediction", (..., ...), (), {},
                          "early_stopping_prediction", written)
    assert "not attempted yet" in judge.judge_one(json.loads(path.read_text()))
