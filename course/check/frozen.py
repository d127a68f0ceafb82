"""What a checker keeps for itself while an answer runs.

A checker keeps its inputs as arrays nobody can write to and gives the answer copies; it
works out what is right from those inputs once the answer has returned (so that while the
answer runs, no frame of the checker holds it). An answer that changes its arguments, or
reaches into the checker's frames and edits the arrays it finds there, cannot change what
counts as right. Case lists are tuples, for the same reason (emptied, a list would end the
checker's loop early)."""

import numpy as np


def frozen(array) -> np.ndarray:
    """A read-only copy of ``array`` that cannot be made writable again: its memory is an
    immutable ``bytes`` object, so ``flags.writeable = True`` raises."""
    array = np.asarray(array)
    return np.frombuffer(array.tobytes(), array.dtype).reshape(array.shape)
