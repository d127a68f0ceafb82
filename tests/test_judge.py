"""Answers leave the student's kernel as data and are judged elsewhere: the encoding, the
screen a recorded function passes before it runs, and the judge (no kernels here)."""

import json
import linecache

import numpy as np
import pytest

from course.check import answers, judge, screen


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
