"""Whole libraries that an exercise refuses ("use NumPy only"), for ``checker(without=)``.

``without=`` names functions; a library is refused through the few functions that all of
its computations pass through. Every TensorFlow op runs through one of pywrap_tfe's two
execute functions, whether it is called as ``tf.*``, ``tf.experimental.numpy.*``, as
``keras.ops.*`` (Keras runs on TensorFlow here) or inside a ``tf.function``; every networkx
function (building a graph from a list of edges included) through its dispatcher. Making a
tensor from an array runs no op: only computing with it does.

A checker that refuses a library wraps the answer it is given in :func:`refusing`, so that
its hint names the library, not pywrap_tfe's insides."""

import functools
import re

from course.check.core import Hint

TENSORFLOW = ("tensorflow.python.pywrap_tfe.TFE_Py_FastPathExecute",
              "tensorflow.python.pywrap_tfe.TFE_Py_Execute")
NETWORKX = ("networkx.utils.backends._dispatchable._call_if_no_backends_installed",
            "networkx.utils.backends._dispatchable._call_if_any_backends_installed")
# how the hint names each library (core shows a watched function by its last parts)
_LIBRARIES = {"pywrap_tfe.TFE_Py_": "TensorFlow (a tf function, or keras.ops, which runs "
                                    "on TensorFlow)",
              "networkx.utils.backends._dispatchable.": "networkx"}
_CALLS = re.compile(r"calls `(?P<name>[^`]+)`, which answers the exercise for you.*", re.S)


def refusing(answer, asks: str):
    """``answer`` (the checker's watched answer), whose hint for a call into a refused
    library says which library it ran and that the exercise ``asks`` for something else
    ("the exercise asks for NumPy")."""
    if not callable(answer):
        return answer

    @functools.wraps(answer)
    def call(*args, **kwargs):
        try:
            return answer(*args, **kwargs)
        except Hint as hint:
            raise Hint(_named(str(hint), asks)) from None

    return call


def _named(hint: str, asks: str) -> str:
    """``hint`` with a refused library's inner function replaced by the library's name."""
    found = _CALLS.search(hint)
    if found is None:
        return hint
    library = next((name for part, name in _LIBRARIES.items() if part in found["name"]), None)
    if library is None:
        return hint
    return f"{hint[:found.start()]}runs {library}: {asks}"
