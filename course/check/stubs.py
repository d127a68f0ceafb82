"""Is an exercise done? Guards the lesson cells that use a student's answer.

In a student version an exercise starts as a stub: a function whose body is
``raise NotImplementedError()``, or a value set to ``...``. A cell after the exercise
that uses the answer starts ``if course.check.done(answer, "4.3"):`` so that, until the
exercise is done, it says so in one line instead of stopping Run All with an error.
"""

from __future__ import annotations

import dis
import types

# instructions that do nothing a reader would see: the frame's start, no-ops, and the
# set-up of a call (3.11: PUSH_NULL, PRECALL; 3.12+: KW_NAMES)
_BOOKKEEPING = {"RESUME", "NOP", "CACHE", "EXTENDED_ARG", "PUSH_NULL", "PRECALL", "KW_NAMES",
                "COPY_FREE_VARS", "MAKE_CELL"}
_CALLS = {"CALL", "CALL_FUNCTION", "CALL_NO_KW"}


def done(answer, exercise: str) -> bool:
    """False, printing one line, while ``answer`` is still the stub of exercise
    ``exercise`` ("4.3"): ``...``, or a function whose body only raises
    ``NotImplementedError`` (after a docstring or comments, if any). True otherwise.

    The function is not called: its compiled code is read, so a function that raises
    ``NotImplementedError`` only for some inputs counts as done.
    """
    if answer is Ellipsis or is_stub(answer):
        print(f"Exercise {exercise} is not done yet: the code here that uses your answer "
              "runs once it is")
        return False
    return True


def is_stub(function) -> bool:
    """Whether ``function``'s body is only ``raise NotImplementedError`` (or ``...()``,
    or ``...("a message")``), read from its code object."""
    code = getattr(function, "__code__", None)
    if not isinstance(code, types.CodeType):
        return False  # a value, a class, a Keras model, functools.partial: not a stub
    steps = [(step.opname, step.argval) for step in dis.get_instructions(code)
             if step.opname not in _BOOKKEEPING]
    if not steps or steps[0] != ("LOAD_GLOBAL", "NotImplementedError"):
        return False
    rest = steps[1:]
    if rest[:1] and rest[0][0] == "LOAD_CONST" and isinstance(rest[0][1], str):
        rest = rest[1:]  # raise NotImplementedError("write me")
    if rest[:1] and rest[0][0] in _CALLS:
        rest = rest[1:]
    return rest == [("RAISE_VARARGS", 1)]
