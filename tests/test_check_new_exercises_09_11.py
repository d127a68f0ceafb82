"""The checker of the predict-then-run exercise 11.5: right answers pass, blanks are "not
attempted yet", typical mistakes and the obvious shortcuts get their hints, and what the
prediction is graded against is what the real thing does (lesson 09's tests moved to
test_check_lesson09.py, lesson 10's to test_check_lesson10.py)."""

import ast

import keras
import nbformat
import numpy as np
import pytest

from course.check import lesson11
from course.runtime.paths import NOTEBOOKS


@pytest.fixture(autouse=True)
def fresh_tries():
    """Hints stop after a few different wrong predictions (11.5), counted per process:
    each test starts, and leaves, with none counted."""
    def clear():
        for check in (lesson11.early_stopping_prediction,):
            cells = dict(zip(check.__code__.co_freevars, check.__closure__, strict=True))
            cells["tried"].cell_contents.clear()

    clear()
    yield
    clear()


def run(check, answer, capsys):
    verdict = check(answer)
    return verdict, capsys.readouterr().out


def cell_source(lesson, start):
    """The source of the one code cell of ``lesson`` ("09_...") that starts with ``start``."""
    (path,) = NOTEBOOKS.glob(f"{lesson}_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    found = [c.source for c in nb.cells if c.cell_type == "code"
             and c.source.removeprefix("# NBVAL_CHECK_OUTPUT\n").startswith(start)]
    assert len(found) == 1, f"{path.name}: {len(found)} cells start with {start!r}"
    return found[0]


def assigned(source, name):
    """The literal value assigned to ``name`` at the top level of ``source``."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in {source[:80]!r}")


# --- 11.5: predicting EarlyStopping with min_delta ---------------------------------------


from test_check_lesson11 import epochs_trained  # noqa: E402  exercise 11.3's answer


def test_early_stopping_prediction_passes_the_right_pair(capsys):
    for answer in [(9, 6), [9, 6], (np.int64(9), 6)]:
        verdict, out = run(lesson11.early_stopping_prediction, answer, capsys)
        assert verdict and "correct - " in out, out


LOSSES = lesson11.SCRIPTED_LOSSES
SHORTCUT = (epochs_trained(LOSSES, 3), int(np.argmin(LOSSES[:epochs_trained(LOSSES, 3)])) + 1)


@pytest.mark.parametrize("answer, hint", [
    ((..., ...), "not attempted yet"),
    ((9, ...), "you have not predicted `predicted_restored` yet"),
    (SHORTCUT, "min_delta"),  # the shortcut: exercise 11.3's function, which has no min_delta
    ((11, 6), "ignores min_delta"),
    ((9, 8), "lowest loss"),
    ((9, 9), "the best epoch, not"),
    ((10, 6), "one epoch too many"),  # test_student's near miss
    ((8, 5), "count the epochs from 1"),
    ((12, 6), "it does stop before the end"),
    ((9, 3), "predicted_restored=3 is off"),
    ((0, 6), "epochs 1 to 12"),
    ((9.0, 6), "whole number"),
    (9, "as a pair"),
])
def test_early_stopping_prediction_hints(answer, hint, capsys):
    verdict, out = run(lesson11.early_stopping_prediction, answer, capsys)
    assert not verdict and hint in out, out


def test_the_shortcut_is_the_min_delta_free_answer():
    assert SHORTCUT == (11, 8) == real_early_stopping(LOSSES, 3, 0.0)


class ScriptedLosses(keras.callbacks.Callback):
    def __init__(self, losses):
        super().__init__()
        self.losses = losses

    def on_epoch_end(self, epoch, logs=None):
        self.model.set_weights([np.full((1, 1), epoch + 1.0)])
        logs["val_loss"] = self.losses[epoch]


def real_early_stopping(losses, patience, min_delta):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=patience,
                                            min_delta=min_delta, restore_best_weights=True)
    history = model.fit(np.zeros((1, 1)), np.zeros((1, 1)), epochs=len(losses), verbose=0,
                        callbacks=[ScriptedLosses(losses), stopper])
    return len(history.history["loss"]), int(model.get_weights()[0][0, 0])


@pytest.mark.parametrize("losses, patience, min_delta", [
    (LOSSES, 3, 0.01),
    (LOSSES, 3, 0.0),
    (LOSSES, 2, 0.01),
    ([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.8], 2, 0.0),
    ([1.0, 0.9, 0.8, 0.85], 3, 0.0),  # never stops, and still restores the best epoch
])
def test_the_checker_s_model_of_early_stopping_is_keras(losses, patience, min_delta):
    """The checker plays the losses to Keras' own EarlyStopping, as fit does."""
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=patience,
                                            min_delta=min_delta, restore_best_weights=True)
    assert lesson11._play(stopper, losses) == real_early_stopping(losses, patience, min_delta)


def test_lesson_11_states_and_plays_the_checker_s_losses():
    source = cell_source("11", "scripted = ")
    assert assigned(source, "scripted") == LOSSES
    assert "patience=3" in source and "min_delta=0.01" in source
    (path,) = NOTEBOOKS.glob("11_*.ipynb")
    statement = next(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.source.startswith("**Exercise 11.5 (predict, then run).**"))
    assert " | ".join(f"{v:g}" for v in LOSSES) in statement
    assert "patience=3, min_delta=0.01" in statement
