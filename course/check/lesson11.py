"""Checkers for lesson 11 (watching training). Introduced in lesson 11."""

import math
import re

import numpy as np

from course.check.core import Hint, StudentError, checker

# --- 11.1 the range test's learning rates ------------------------------------------------

LR_CASES = [(1e-5, 1.0, 6), (1e-3, 10.0, 5), (0.01, 0.1, 2)]


def _reference_lrs(start, stop, steps):
    return start * (stop / start) ** (np.arange(steps) / (steps - 1))


def _numbers(value, call):
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Hint(f"{call} returned {type(value).__name__}, not numbers; return a list or "
                   "a NumPy array of learning rates") from None
    return array.ravel() if array.ndim else array.reshape(1)


@checker(without=("course.monitor.lr_schedule",))
def exponential_lrs(answer):
    """``answer(start, stop, steps)``: ``steps`` LRs growing by one factor, start to stop."""
    for start, stop, steps in LR_CASES:
        call = f"exponential_lrs({start:g}, {stop:g}, {steps})"
        got = _numbers(answer(start, stop, steps), call)
        expected = _reference_lrs(start, stop, steps)
        if len(got) != steps:
            raise Hint(f"{call} returned {len(got)} values; the test makes one learning rate "
                       f"per step: {steps}")
        if np.allclose(got, expected, rtol=1e-6, atol=0):
            continue
        if not math.isclose(got[0], start, rel_tol=1e-6):
            raise Hint(f"{call}: the first learning rate is {got[0]:g}; the test starts at "
                       f"start={start:g}")
        if not math.isclose(got[-1], stop, rel_tol=1e-6):
            raise Hint(f"{call}: the last learning rate is {got[-1]:g}; the test ends at "
                       f"stop={stop:g} (with {steps} values there are {steps - 1} growth "
                       "factors between them)")
        if np.allclose(got, np.linspace(start, stop, steps), rtol=1e-6, atol=0):
            raise Hint(f"{call}: your learning rates grow by equal *differences*, so most "
                       "of them sit near `stop`; they should grow by equal *factors*: each "
                       "one is the previous one times the same number")
        raise Hint(f"{call}: the ratios between neighbours, {np.round(got[1:] / got[:-1], 4)}, "
                   "are not all the same; each learning rate is the previous one times one "
                   "fixed factor")
    return (f"right on {len(LR_CASES)} ranges: starts at start, ends at stop, one factor "
            "between neighbours")


# --- 11.2 picking the learning rate ------------------------------------------------------


def _pick_cases():
    lrs = np.geomspace(1e-5, 1.0, 11)
    u_shape = np.array([2.30, 2.29, 2.25, 2.10, 1.80, 1.20, 0.70, 0.55, 0.90, 2.60, 9.0])
    diverged = np.array([2.30, 2.28, 2.20, 1.90, 1.10, 0.95, 0.80, 3.00, 40.0, np.nan, np.nan])
    early = np.array([2.31, 2.30, 2.20, 1.60, 1.05, 1.30, 2.00, 6.00, 30.0, np.nan, np.nan])
    return [("a U-shaped curve", lrs, u_shape), ("a run that diverged to nan", lrs, diverged),
            ("a curve with its minimum earlier", lrs, early)]


@checker(without=("course.monitor.suggest_lr",))
def pick_lr(answer):
    """``answer(lrs, losses)``: the LR ten times below the one with the lowest loss."""
    for what, lrs, losses in _pick_cases():
        got = answer(lrs.copy(), losses.copy())
        try:
            got = float(np.asarray(got, dtype=np.float64))
        except (TypeError, ValueError):
            raise Hint(f"on {what} you returned {type(got).__name__}; return one learning "
                       "rate (a float)") from None
        best = lrs[np.nanargmin(losses)]
        if math.isclose(got, best / 10, rel_tol=1e-6):
            continue
        if math.isnan(got) or math.isclose(got, lrs[np.argmin(losses)] / 10, rel_tol=1e-6):
            raise Hint(f"on {what} you got {got:g}: the losses end in nan where the run "
                       "diverged, and np.argmin and min() stop at a nan. Find "
                       "the lowest loss ignoring the nans (np.nanargmin)")
        if math.isclose(got, best, rel_tol=1e-6):
            raise Hint(f"on {what} you returned the learning rate of the lowest loss itself; "
                       "there the loss has stopped falling. Pick one ten times smaller")
        if math.isclose(got, best * 10, rel_tol=1e-6):
            raise Hint(f"on {what} your learning rate is above the minimum, where the loss "
                       "already climbs: go ten times *below* it")
        if math.isclose(got, lrs[np.nanargmax(losses)] / 10, rel_tol=1e-6):
            raise Hint(f"on {what} you started from the highest loss; start from the lowest")
        raise Hint(f"on {what} your learning rate {got:g} is not ten times below the "
                   "learning rate at which the loss is lowest")
    return "ten times below the lowest loss on 3 curves, one of them ending in nan"


# --- 11.3 early stopping -----------------------------------------------------------------

STOP_CASES = [
    ([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.8], 2),
    ([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.8, 0.9], 3),
    ([0.5, 0.5, 0.5, 0.4, 0.3], 2),
    ([1.0, 0.9, 0.8, 0.7], 1),
    ([0.9, 1.0, 0.8], 1),
    ([1.0, 1.2, 1.1, 1.05, 1.02, 0.9], 3),
]


def _epochs_trained(losses, patience, better=lambda new, best: new < best, previous=False,
                     strict=True):
    """Keras' EarlyStopping(patience) on a list of validation losses (and some mistakes)."""
    best, wait = math.inf, 0
    for epoch, loss in enumerate(losses):
        if better(loss, best):
            best, wait = loss, 0
        else:
            wait += 1
            if (wait >= patience) if strict else (wait > patience):
                return epoch + 1
        if previous:
            best = loss
    return len(losses)


@checker
def epochs_trained(answer):
    """``answer(val_losses, patience)``: how many epochs EarlyStopping lets run."""
    mistakes = [
        (lambda ls, p: _epochs_trained(ls, p) - 1,
         "you returned the index of the last epoch (counting from 0); return how many epochs "
         "ran"),
        (lambda ls, p: _epochs_trained(ls, p, better=lambda new, best: new <= best),
         "you counted an equal loss as an improvement; EarlyStopping (min_delta=0) needs a "
         "loss strictly below the best so far"),
        (lambda ls, p: _epochs_trained(ls, p, previous=True),
         "you compared each loss with the previous epoch's; compare it with the best loss so "
         "far: a small recovery after a bad epoch is not an improvement"),
        (lambda ls, p: _epochs_trained(ls, p, strict=False),
         "you let one epoch too many pass: training stops as soon as `patience` epochs in a "
         "row have brought no improvement"),
    ]
    for losses, patience in STOP_CASES:
        call = f"epochs_trained({losses}, patience={patience})"
        got = answer(list(losses), patience)
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            raise Hint(f"{call} returned {got!r}; return a whole number of epochs (an int)")
        if got == _epochs_trained(losses, patience):
            continue
        for mistake, hint in mistakes:
            if got == mistake(losses, patience):
                raise Hint(f"{call}: {hint}")
        raise Hint(f"{call} returned {got}, which is not when EarlyStopping stops: count the "
                   "epochs since the best loss so far and stop when that count reaches "
                   "`patience`")
    return (f"matches keras.callbacks.EarlyStopping on {len(STOP_CASES)} loss curves, ties "
            "and runs that never stop included")


# --- 11.4 resuming -----------------------------------------------------------------------

RESUME_CASES = [
    ["ckpt-01.keras", "ckpt-02.keras", "ckpt-03.keras"],
    ["ckpt-03.keras", "ckpt-01.keras", "ckpt-02.keras"],
    ["ckpt-9.keras", "ckpt-10.keras", "ckpt-8.keras"],
    ["run2-epoch-07.keras", "run2-epoch-12.keras", "run2-epoch-11.keras"],
    [],
]


def _epoch_of(name):
    return int(re.findall(r"\d+", name)[-1])


@checker(without=("course.monitor.latest_checkpoint",))
def resume_epoch(answer):
    """``answer(names)``: the ``initial_epoch`` to resume from, given checkpoint names."""
    for names in RESUME_CASES:
        call = f"resume_epoch({names})"
        try:
            got = answer(list(names))
        except StudentError as raised:
            if names:
                raise
            raise Hint(f"{call} raised {raised}. With no checkpoint there is nothing to "
                       "resume: training starts from the beginning") from None
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            raise Hint(f"{call} returned {got!r}; return the epoch as an int")
        expected = max((_epoch_of(n) for n in names), default=0)
        if got == expected:
            continue
        if not names:
            raise Hint(f"{call} returned {got}; with no checkpoint, training starts from the "
                       "beginning")
        if got == _epoch_of(names[-1]):
            raise Hint(f"{call}: you took the last name in the list, but the list is in no "
                       "particular order (as a folder listing); find the highest epoch")
        if got == _epoch_of(max(names)):
            raise Hint(f"{call}: you compared the names as text, where 'ckpt-9' comes after "
                       "'ckpt-10'; compare the epoch numbers")
        if got == max(int(re.findall(r"\d+", n)[0]) for n in names):
            raise Hint(f"{call}: you read the first number in the name; the epoch is the "
                       "last one")
        if got in (expected + 1, expected - 1):
            raise Hint(f"{call} returned {got}: off by one. The names count epochs from 1 "
                       "and `initial_epoch` counts from 0, so after the checkpoint of epoch "
                       "N (N epochs done) training goes on with initial_epoch=N")
        raise Hint(f"{call} returned {got}, which is not the epoch of the newest checkpoint")
    return (f"right on {len(RESUME_CASES)} lists: unsorted, 9 vs 10, other numbers in the "
            "name, and no checkpoint at all")


# --- 11.5 predicting EarlyStopping with min_delta and restore_best_weights ---------------

SCRIPTED_LOSSES = [0.90, 0.74, 0.65, 0.645, 0.642, 0.60, 0.595, 0.592, 0.60, 0.61, 0.63, 0.66]
SCRIPTED_PATIENCE, SCRIPTED_MIN_DELTA = 3, 0.01


def keras_early_stopping(losses, patience, min_delta=0.0):
    """(epochs run, epoch whose weights ``restore_best_weights`` puts back), both counting
    from 1: keras.callbacks.EarlyStopping(mode="min") on a list of validation losses.

    An epoch improves when its loss is more than ``min_delta`` below the best so far (the
    best being the loss of the last epoch that improved); training stops at the end of the
    epoch that makes ``patience`` epochs in a row without improvement.
    """
    best, best_epoch, wait = None, 1, 0
    for epoch, loss in enumerate(losses, start=1):
        wait += 1
        if best is None or loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        elif wait >= patience and epoch > 1:
            return epoch, best_epoch
    return len(losses), best_epoch


def _epoch_number(value, name):
    if value is Ellipsis:
        raise Hint(f"you have not predicted `{name}` yet: replace its `...` by an epoch number")
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise Hint(f"{name} is {value!r}; predict a whole number of epochs (an int)")
    return int(value)


@checker(prediction=True)
def early_stopping_prediction(answer):
    """``answer``: (predicted_stop, predicted_restored) for SCRIPTED_LOSSES under
    EarlyStopping(patience=3, min_delta=0.01, restore_best_weights=True)."""
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise Hint("pass the two predictions as a pair: (predicted_stop, predicted_restored)")
    if all(value is Ellipsis for value in answer):
        raise NotImplementedError
    stop = _epoch_number(answer[0], "predicted_stop")
    restored = _epoch_number(answer[1], "predicted_restored")
    losses, patience, delta = SCRIPTED_LOSSES, SCRIPTED_PATIENCE, SCRIPTED_MIN_DELTA
    right_stop, right_restored = keras_early_stopping(losses, patience, delta)
    if (stop, restored) == (right_stop, right_restored):
        return (f"{right_stop} epochs run, epoch {right_restored}'s weights kept: the lowest "
                "loss is not the best when it improves by less than min_delta")
    if not 1 <= stop <= len(losses) or not 1 <= restored <= len(losses):
        raise Hint(f"the run has epochs 1 to {len(losses)}; both predictions are epoch "
                   "numbers in that range, counting from 1")
    if (stop, restored) == keras_early_stopping(losses, patience):
        raise Hint("you counted every drop as an improvement; with min_delta=0.01 a loss "
                   "must be more than 0.01 below the best so far to count, so the small "
                   "drops leave the wait counter running")
    if (stop, restored) == (right_stop - 1, right_restored - 1):
        raise Hint("both are one too small: count the epochs from 1, as Keras prints "
                       "them (Epoch 1/12), not from 0")
    if stop != right_stop:
        if stop == keras_early_stopping(losses, patience + 1, delta)[0]:
            raise Hint("you let one epoch too many pass: training stops at the end of the "
                       "third epoch in a row without improvement (patience=3), not after it")
        if stop == keras_early_stopping(losses, patience)[0]:
            raise Hint("your stop ignores min_delta: a loss must be more than 0.01 below the "
                       "best so far to count as an improvement")
        if stop == len(losses):
            raise Hint("it does stop before the end: count the epochs since the last "
                       "improvement by more than min_delta")
        raise Hint(f"predicted_stop={stop} is off: find the epochs that improve (more than "
                   "0.01 below the best so far) and stop at the third epoch in a row without "
                   "one")
    if restored == stop:
        raise Hint("restore_best_weights=True puts back the weights of the best epoch, not "
                   "those of the epoch where training stopped")
    if restored == int(np.argmin(losses[:stop])) + 1:
        raise Hint(f"epoch {restored} has the lowest loss, but EarlyStopping keeps the "
                   "weights of the last epoch that counted as an improvement, and a drop by "
                   "less than min_delta does not count")
    raise Hint(f"predicted_restored={restored} is off: the weights kept are those of the "
               "last epoch that counted as an improvement (more than 0.01 below the best)")
