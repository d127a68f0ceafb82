"""course.check.done: false (with one line) while an exercise is still its stub, true once
it is not; the function is read, never called."""

import functools

import numpy as np
import pytest

import course.check
from course.check import done

NOT_DONE = "Exercise 4.3 is not done yet: the code here that uses your answer runs once it is\n"


def stub(dout, x, w, stride):
    # YOUR CODE HERE
    raise NotImplementedError()


def stub_with_docstring(x):
    """What the student will write."""
    # YOUR CODE HERE
    raise NotImplementedError


def stub_with_message(x):
    raise NotImplementedError("write me")


def real(x):
    return 2 * x


def only_for_some_inputs(x):
    if x < 0:
        raise NotImplementedError("negative sizes")
    return 2 * x


def calls_first(x):
    print(x)
    raise NotImplementedError()


@pytest.mark.parametrize("answer", [stub, stub_with_docstring, stub_with_message, ...],
                         ids=["stub", "stub with docstring", "stub with a message", "Ellipsis"])
def test_a_stub_is_not_done_and_says_so_in_one_line(answer, capsys):
    assert done(answer, "4.3") is False
    assert capsys.readouterr().out == NOT_DONE


@pytest.mark.parametrize("answer", [real, lambda x: 2 * x, only_for_some_inputs, calls_first,
                                    14, (14, 14, 64), [[0.91, 0]], np.zeros(3), None,
                                    functools.partial(real, 2), int],
                         ids=["function", "lambda", "raises only on some inputs",
                              "raises after other code", "int", "tuple", "list", "array",
                              "None", "partial", "class"])
def test_anything_else_is_done_and_prints_nothing(answer, capsys):
    assert done(answer, "4.3") is True
    assert capsys.readouterr().out == ""


def test_a_keras_model_is_done(capsys):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert done(model, "6.2") is True and capsys.readouterr().out == ""


def test_the_stub_is_read_not_called():
    calls = []

    def counting(x):
        calls.append(x)
        return x

    assert done(counting, "0.1") and calls == []


def test_a_student_version_stub_is_not_done(capsys):
    """The stub `python -m course student` writes, defined as a notebook cell defines it."""
    from course.tools.exercises import solution_regions
    from course.tools.student import stub_solutions

    source = "def twice(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
    scope = {}
    exec(stub_solutions(source, solution_regions(source, "x")), scope)
    assert not done(scope["twice"], "9.1")
    assert capsys.readouterr().out == NOT_DONE.replace("4.3", "9.1")


def test_done_is_exported():
    assert course.check.done is done and "done" in course.check.__all__
