"""Checkers for lesson 11 (watching training). Introduced in lesson 11.

Each checker runs the answer on the cases a teacher would probe (grids of other lengths and
ratios, minima at either end, nans, ties, patience 0, multi-digit epochs, no checkpoint)
and on cases drawn fresh on every call, so that a table of answers cannot pass. The
exercises ask for NumPy and the standard library: the course's own helpers, Keras' and
NumPy-in-Keras versions are refused, and so is any TensorFlow op (tf.*,
tf.experimental.numpy.*, keras.ops: course.check.libraries). np.geomspace is NumPy's way to
space numbers by one factor, the very idea of 11.1, and so it is allowed.
"""

import math
import re

import keras
import numpy as np

from course.check import libraries
from course.check.core import Hint, StudentError, checker, whole
from course.check.frozen import frozen

ASKS = "the exercises of this lesson ask for NumPy and the standard library only"
LR_SHORTCUTS = ("course.monitor.lr_schedule", "keras.ops.geomspace", "keras.ops.logspace",
                "keras.optimizers.schedules.ExponentialDecay.__call__", *libraries.TENSORFLOW)


def _two_digits(value):
    """``value`` rounded to two significant digits, so that a hint shows it exactly."""
    return float(f"{value:.2g}")


def _play(callback, losses):
    """Play ``losses`` to a Keras ``callback`` as the epochs' ``val_loss``, the way ``fit``
    does: (epochs run, the epoch whose weights the model holds at the end), from 1."""

    class Run:  # the little of a model that EarlyStopping touches: weights tell the epoch
        stop_training, epoch = False, 0

        def get_weights(self):
            return [self.epoch]

        def set_weights(self, weights):
            self.epoch = weights[0]

    run = Run()
    callback.set_model(run)
    callback.on_train_begin()
    for epoch, loss in enumerate(losses, start=1):
        run.epoch = epoch
        callback.on_epoch_end(epoch - 1, {"val_loss": loss})
        if run.stop_training:
            break
    ran = run.epoch
    callback.on_train_end()
    return ran, run.epoch


def _unchanged(given, original, call, what):
    if not (np.array_equal(given, original, equal_nan=True) if isinstance(original, np.ndarray)
            else given == original):
        raise Hint(f"{call} changed the {what} it was passed (sorted it, or wrote into it): "
                   "read it, and leave it as it was")


# --- 11.1 the range test's learning rates ------------------------------------------------


def _rates(value, call):
    """A returned list or 1-D array of numbers as floats, or a Hint naming what came."""
    if isinstance(value, list | tuple):
        odd = [v for v in value if isinstance(v, bool) or not isinstance(v, int | float)]
        if odd:
            raise Hint(f"{call} returned a list holding a {type(odd[0]).__name__}; return "
                       "numbers (floats)")
        value = np.array(value, dtype=np.float64)
    if not isinstance(value, np.ndarray):
        raise Hint(f"{call} returned a {type(value).__name__}; return a list or a 1-D NumPy "
                   "array of learning rates")
    if value.dtype.kind not in "iuf":
        raise Hint(f"{call} returned an array of {value.dtype}; return numbers (floats)")
    if value.ndim != 1:
        raise Hint(f"{call} returned an array of shape {value.shape}; return a flat list or "
                   "a 1-D array, one learning rate per step")
    return value.astype(np.float64)


@checker(without=LR_SHORTCUTS)
def exponential_lrs(answer):
    """``answer(start, stop, steps)``: ``steps`` LRs growing by one factor, start to stop."""
    answer = libraries.refusing(answer, ASKS)
    rng = np.random.default_rng()
    edge_cases = [(1e-5, 1.0, 6), (1e-5, 1.0, 2), (1e-3, 10.0, 5), (0.01, 0.1, 3),
                  (3e-6, 0.7, 100), (0.5, 2.0, 4)]
    drawn = []
    for _ in range(10):
        start = _two_digits(10 ** rng.uniform(-7, -1))
        stop = _two_digits(start * 10 ** rng.uniform(0.3, 7))
        drawn.append((start, stop, int(rng.integers(2, 121))))
    for start, stop, steps in tuple(edge_cases + drawn):
        call = f"exponential_lrs({start:g}, {stop:g}, {steps})"
        expected = frozen(start * (stop / start) ** (np.arange(steps) / (steps - 1)))
        got = _rates(answer(start, stop, steps), call)
        if len(got) != steps:
            raise Hint(f"{call} returned {len(got)} values; the test makes one learning rate "
                       f"per step: {steps}")
        if not np.all(np.isfinite(got)):
            raise Hint(f"{call} returned inf or nan; with {steps} values there are "
                       f"{steps - 1} equal factors between them")
        if np.allclose(got, expected, rtol=1e-5, atol=0):
            continue
        if np.allclose(got, np.logspace(start, stop, steps), rtol=1e-5, atol=0):
            raise Hint(f"{call}: np.logspace takes the powers of ten (the exponents), not the "
                       "learning rates themselves")
        if not math.isclose(got[0], start, rel_tol=1e-5):
            raise Hint(f"{call}: the first learning rate is {got[0]:g}; the test starts at "
                       f"start={start:g}")
        if not math.isclose(got[-1], stop, rel_tol=1e-5):
            raise Hint(f"{call}: the last learning rate is {got[-1]:g}; the test ends at "
                       f"stop={stop:g} (with {steps} values there are {steps - 1} growth "
                       "factors between them)")
        if np.allclose(got, np.linspace(start, stop, steps), rtol=1e-5, atol=0):
            raise Hint(f"{call}: your learning rates grow by equal *differences*, so most "
                       "of them sit near `stop`; they should grow by equal *factors*: each "
                       "one is the previous one times the same number")
        raise Hint(f"{call}: the ratios between neighbours are not all the same (from "
                   f"{np.min(got[1:] / got[:-1]):.4g} to {np.max(got[1:] / got[:-1]):.4g}); "
                   "each learning rate is the previous one times one fixed factor")
    return (f"right on {len(edge_cases) + len(drawn)} ranges ({len(edge_cases)} edge cases: "
            "two steps, a hundred, ranges across 1; the rest drawn at random): starts at "
            "start, ends at stop, one factor between neighbours")


# --- 11.2 picking the learning rate ------------------------------------------------------


def _range_losses(rng, steps, low, nans):
    """Smoothed range-test losses: falling to their one lowest value at index ``low``,
    climbing after it, and the last ``nans`` of them nan (a run that diverged)."""
    x = np.arange(steps, dtype=np.float64)
    rise = np.where(x < low, 0.05 * (low - x), 0.3 * np.abs(x - low) ** 1.5)
    losses = 0.4 + rng.uniform(0, 1) + rise + rng.uniform(0, 0.02, steps)
    losses[low] -= 0.03  # the lowest, whatever the noise
    losses[steps - nans:] = np.nan
    return losses


def _pick_cases(rng):
    """(what, lrs, losses): the lesson's grid, grids of other ratios and lengths, the lowest
    loss first, last and just before the nans; then grids drawn at random."""
    lesson = np.geomspace(1e-5, 1.0, 11)
    cases = [
        ("a U-shaped curve", lesson,
         np.array([2.30, 2.29, 2.25, 2.10, 1.80, 1.20, 0.70, 0.55, 0.90, 2.60, 9.0])),
        ("a run that diverged to nan", lesson,
         np.array([2.30, 2.28, 2.20, 1.90, 1.10, 0.95, 0.80, 3.00, 40.0, np.nan, np.nan])),
        ("29 steps from 1e-06 to 10 ending in 3 nans", np.geomspace(1e-6, 10.0, 29),
         _range_losses(rng, 29, 17, 3)),
        ("a curve lowest at its first learning rate", np.geomspace(1e-3, 1.0, 8),
         _range_losses(rng, 8, 0, 1)),
        ("a curve still falling at its last learning rate", np.geomspace(1e-4, 0.1, 7),
         _range_losses(rng, 7, 6, 0)),
        ("a curve lowest just before its nans", np.geomspace(1e-5, 1.0, 16),
         _range_losses(rng, 16, 13, 2)),
        ("4 steps a hundred times apart", np.geomspace(1e-6, 1.0, 4),
         _range_losses(rng, 4, 2, 1)),
    ]
    for _ in range(10):
        start = _two_digits(10 ** rng.uniform(-7, -3))
        stop, steps = _two_digits(start * 10 ** rng.uniform(2, 7)), int(rng.integers(5, 151))
        nans = int(rng.integers(0, 5))
        losses = _range_losses(rng, steps, int(rng.integers(0, steps - nans)), nans)
        cases.append((f"{steps} steps from {start:g} to {stop:g}"
                      + (f" ending in {nans} nans" if nans else ""),
                      np.geomspace(start, stop, steps), losses))
    return cases


def _learning_rate(value, what):
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = (f"an array of shape {value.shape}" if isinstance(value, np.ndarray)
                 else f"a {type(value).__name__}")
        raise Hint(f"on {what} you returned {shown}; return one learning rate (a float)")
    try:
        return float(value)
    except OverflowError:  # an int past float64's range, 10**400
        raise Hint(f"on {what} you returned a number too large for a float (over 1e308); "
                   "return one learning rate of the list's range, divided by ten") from None


def _pick_hint(got, lrs, losses):
    """The likely mistake behind a wrong pick ``got`` (what to look at, not the pick)."""
    best = int(np.nanargmin(losses))
    first_nan = np.flatnonzero(np.isnan(losses))
    if math.isnan(got) or (first_nan.size and any(
            math.isclose(got, lrs[first_nan[0]] / f, rel_tol=1e-6) for f in (1, 10))):
        return ("the losses end in nan, and with a nan in the array np.argmin points at the "
                "first nan and np.min gives nan (NumPy lets a nan win, so that it is not "
                "hidden): find the lowest loss among the numbers that are not nan")
    if math.isclose(got, lrs[best], rel_tol=1e-6):
        return ("you returned the learning rate of the lowest loss itself; there the loss "
                "has stopped falling. Pick one ten times smaller")
    if got > lrs[best]:
        return ("your learning rate is above the one with the lowest loss, where the loss "
                "already climbs: go ten times *below* it")
    if math.isclose(got, lrs[int(np.nanargmax(losses))] / 10, rel_tol=1e-6):
        return "you started from the highest loss; start from the lowest"
    places = np.flatnonzero(np.isclose(lrs, got, rtol=1e-6, atol=0))
    if places.size:
        return (f"you returned a learning rate of the list, {best - int(places[0])} places "
                f"before the one with the lowest loss; this grid grows by "
                f"{lrs[1] / lrs[0]:.3g} times per step, so ten times smaller is not a fixed "
                "number of places")
    if any(math.isclose(got, lr / 10, rel_tol=1e-6) for lr in lrs):
        return ("you went ten times below a learning rate whose loss is not the lowest: find "
                "the lowest loss first")
    return "your learning rate is not ten times below the one at which the loss is lowest"


@checker(without=("course.monitor.suggest_lr", *libraries.TENSORFLOW))
def pick_lr(answer):
    """``answer(lrs, losses)``: the LR ten times below the one with the lowest loss."""
    answer = libraries.refusing(answer, ASKS)
    cases = tuple((what, frozen(lrs), frozen(losses))  # the checker's own, read-only
                  for what, lrs, losses in _pick_cases(np.random.default_rng()))
    for what, lrs, losses in cases:
        expected = float(lrs[np.nanargmin(losses)] / 10)  # before the answer runs
        given = lrs.copy(), losses.copy()
        got = answer(*given)
        _unchanged(given[0], lrs, f"on {what} your pick_lr", "learning rates")
        _unchanged(given[1], losses, f"on {what} your pick_lr", "losses")
        got = _learning_rate(got, what)
        if not math.isclose(got, expected, rel_tol=1e-6):
            raise Hint(f"on {what}: {_pick_hint(got, lrs, losses)}")
    return (f"ten times below the lowest loss on {len(cases)} range tests (grids of other "
            "lengths and ratios, the lowest loss first, last and just before the nans; the "
            "rest drawn at random)")


# --- 11.3 early stopping -----------------------------------------------------------------


def _stop_cases(rng):
    """(losses, patience): ties, patience 0 and 1, an improvement on the last epoch, a lower
    loss after the stop, runs that never stop; then curves drawn at random, with ties."""
    cases = [
        ([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.8], 2),
        ([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.8, 0.9], 3),
        ([0.5, 0.5, 0.5, 0.4, 0.3], 2), ([1.0, 0.9, 0.8, 0.7], 1), ([0.9, 1.0, 0.8], 1),
        ([1.0, 1.2, 1.1, 1.05, 1.02, 0.9], 3), ([1.0, 0.9, 0.95, 0.8], 0), ([0.5, 0.5], 0),
        ([0.5, 0.5, 0.4], 1), ([1.0, 1.1, 1.2, 0.5], 3), ([1.0, 1.1, 0.9, 0.95], 2),
        ([1.0, 1.2, 1.3, 0.1, 0.05], 2), ([0.7], 0), ([0.3] * 6, 3), ([0.9, 0.8], 5),
    ]
    for _ in range(10):
        steps = np.cumsum(rng.choice([-0.1, -0.05, 0.0, 0.05, 0.1], int(rng.integers(1, 21))))
        cases.append(([round(1.0 + float(s), 2) for s in steps], int(rng.integers(0, 6))))
    return cases


# Keras' EarlyStopping, its test of an improvement, and the checker's own way of playing
# losses to it answer 11.3 for the student
STOP_SHORTCUTS = ("keras.callbacks.EarlyStopping.on_epoch_end",
                  "keras.callbacks.EarlyStopping._is_improvement", "course.check.lesson11._play",
                  *libraries.TENSORFLOW)


@checker(without=STOP_SHORTCUTS)
def epochs_trained(answer):
    """``answer(val_losses, patience)``: how many epochs EarlyStopping lets run."""
    answer = libraries.refusing(answer, ASKS)

    def by_hand(losses, patience, ties=False, previous=False, late=False):
        """The rule as the student may have read it (``ties`` improve, each loss against the
        ``previous`` one, stopping one epoch ``late``)."""
        best, wait = math.inf, 0
        for epoch, loss in enumerate(losses, start=1):
            if loss < best or (ties and loss == best):
                best, wait = loss, 0
            else:
                wait += 1
                if wait > patience if late else wait >= patience:
                    return epoch
            best = loss if previous else best
        return len(losses)

    mistakes = [  # (what the mistake returns, or None where it cannot be told, its hint)
        (lambda ls, p: len(ls) if p == 0 else None,
         "with patience=0, training stops at the end of the first epoch that brings no "
         "improvement: no epoch without one is let pass (patience=0 does not mean 'never "
         "stop')"),
        (lambda ls, p: by_hand(ls, p, ties=True),
         "you counted an equal loss as an improvement; EarlyStopping (min_delta=0) needs a "
         "loss strictly below the best so far"),
        (lambda ls, p: by_hand(ls, p, previous=True),
         "you compared each loss with the previous epoch's; compare it with the best loss so "
         "far: a small recovery after a bad epoch is not an improvement"),
        (lambda ls, p: by_hand(ls, p, late=True),
         "you let one epoch too many pass: training stops at the end of the epoch that makes "
         "`patience` epochs in a row without improvement"),
        (lambda ls, p: min(int(np.argmin(ls)) + p + 1, len(ls)),
         "you counted `patience` epochs from the lowest loss of the whole list, but training "
         "stops before it sees the later epochs: walk through the epochs in order"),
        (lambda ls, p: len(ls) if p > 0 else None,
         "you let every epoch run: training stops as soon as `patience` epochs in a row bring "
         "no improvement"),
    ]
    cases, wrong = tuple((tuple(losses), patience)  # the checker's own: tuples
                         for losses, patience in _stop_cases(np.random.default_rng())), []
    for losses, patience in cases:
        expected = _play(keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience),
                         losses)[0]  # worked out before the answer runs
        call = f"epochs_trained({list(losses)}, patience={patience})"
        given = list(losses)
        got = answer(given, patience)
        _unchanged(tuple(given), losses, call, "list of losses")
        got = whole(got, "the number of epochs", call)
        if got != expected:  # which of the usual mistakes give the same?
            wrong.append((call, got, ["that is the index of the last epoch (counting from "
                                      "0); return how many epochs ran"] * (got == expected - 1)
                          + [hint for mistake, hint in mistakes
                             if got == mistake(losses, patience)]))
    if wrong:  # the first curve that points at one mistake only, else the first curve
        call, got, hints = min(wrong, key=lambda case: len(case[2]) != 1)
        raise Hint(f"{call} returned {got}: " + (hints[0] if hints else (
            "that is not when EarlyStopping stops: count the epochs since the best loss so "
            "far and stop when that count reaches `patience`")))
    return (f"matches keras.callbacks.EarlyStopping on {len(cases)} loss curves (ties, "
            "patience 0 and 1, an improvement on the last epoch, runs that never stop; the "
            "rest drawn at random)")


# --- 11.4 resuming -----------------------------------------------------------------------

NAME_TEMPLATES = ["ckpt-{e}.keras", "epoch-{e:02d}.keras", "model.{e:03d}.keras",
                  "run{r}-epoch-{e:02d}.keras", "v{r}_e{e}.keras", "2024-{r:02d}-07-ep{e}.keras"]


def _checkpoint_lists(rng):
    """Folder listings: sorted and not, 9 beside 10, one digit, three, four, other numbers and
    dots in the name, gaps between epochs, none at all; then listings drawn at random."""
    cases = [
        ["ckpt-01.keras", "ckpt-02.keras", "ckpt-03.keras"],
        ["ckpt-03.keras", "ckpt-01.keras", "ckpt-02.keras"],
        ["ckpt-9.keras", "ckpt-10.keras", "ckpt-8.keras"],
        ["run2-epoch-07.keras", "run2-epoch-12.keras", "run2-epoch-11.keras"],
        ["ckpt-1.keras"],
        ["epoch-123.keras", "epoch-9.keras", "epoch-10.keras", "epoch-1.keras"],
        ["model-5.keras", "model-12.keras"],
        ["model.005.keras", "model.012.keras", "model.009.keras"],  # dots before the epoch
        ["ckpt-998.keras", "ckpt-1002.keras", "ckpt-999.keras"],  # four digits beside three
        [],
    ]
    for i in range(8):
        template = NAME_TEMPLATES[int(rng.integers(len(NAME_TEMPLATES)))]
        r = int(rng.integers(1, 13))
        top = 301 if i % 2 else 10_000  # long runs too: epochs of four digits
        epochs = rng.choice(np.arange(1, top), int(rng.integers(1, 9)), replace=False)
        cases.append([template.format(e=int(e), r=r) for e in epochs])
    return cases


def _resume_hint(got, names, expected):
    """The likely mistake behind ``got``, the wrong epoch for ``names``."""
    def epochs(read):
        try:
            return max(read(name) for name in names)
        except ValueError:  # a reading that finds no number: not this mistake
            return None

    if got == int(re.findall(r"\d+", names[-1])[-1]):
        return ("you took the last name in the list, but the list is in no particular order "
                "(as a folder listing); find the highest epoch")
    if got == int(re.findall(r"\d+", max(names))[-1]):
        return "you compared the names as text, where 'ckpt-9' comes after 'ckpt-10'"
    if got == epochs(lambda n: int(re.findall(r"\d+", n)[0])):
        return "you read the first number in the name; the epoch is the last one"
    if any(got == epochs(lambda n, w=w: int(n[-6 - w:-6])) for w in (1, 2, 3, 4)):
        return ("you read a fixed number of characters before `.keras`; an epoch can have one "
                "digit, two or more")
    if got == len(names):
        return ("you counted the checkpoints; a folder need not hold every epoch (old ones "
                "deleted, save_best_only): read the epochs in the names")
    if got in (expected + 1, expected - 1):
        return ("off by one. The names count epochs from 1 and `initial_epoch` counts from 0, "
                "so after the checkpoint of epoch N (N epochs done) training goes on with "
                "initial_epoch=N")
    return "that is not the epoch of the newest checkpoint"


@checker(without=("course.monitor.latest_checkpoint", *libraries.TENSORFLOW))
def resume_epoch(answer):
    """``answer(names)``: the ``initial_epoch`` to resume from, given checkpoint names."""
    answer = libraries.refusing(answer, ASKS)
    cases = tuple(tuple(names) for names in _checkpoint_lists(np.random.default_rng()))
    for names in cases:  # the checker's own: tuples
        expected = max((int(re.findall(r"\d+", n)[-1]) for n in names), default=0)  # before
        call = f"resume_epoch({list(names)})"
        given = list(names)
        try:
            got = answer(given)
        except StudentError as raised:
            if names:
                raise
            raise Hint(f"{call} raised {raised}. With no checkpoint there is nothing to "
                       "resume: training starts from the beginning") from None
        _unchanged(tuple(given), names, call, "list of names")
        got = whole(got, "the epoch", call)
        if got == expected:
            continue
        if not names:
            raise Hint(f"{call} returned {got}; with no checkpoint, training starts from the "
                       "beginning")
        raise Hint(f"{call} returned {got}: {_resume_hint(got, names, expected)}")
    return (f"right on {len(cases)} folder listings (unsorted, 9 beside 10, epochs of one to "
            "four digits, other numbers in the name, no checkpoint at all; the rest drawn at "
            "random)")


# --- 11.5 predicting EarlyStopping with min_delta and restore_best_weights ---------------

SCRIPTED_LOSSES = [0.90, 0.74, 0.65, 0.645, 0.642, 0.60, 0.595, 0.592, 0.60, 0.61, 0.63, 0.66]
SCRIPTED_PATIENCE, SCRIPTED_MIN_DELTA = 3, 0.01


def _epoch_number(value, name):
    if value is Ellipsis:
        raise Hint(f"you have not predicted `{name}` yet: replace its `...` by an epoch number")
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise Hint(f"{name} is {value!r:.40}; predict a whole number of epochs (an int)")
    return int(value)


@checker(prediction=True, tries=3)
def early_stopping_prediction(answer):
    """``answer``: (predicted_stop, predicted_restored) for SCRIPTED_LOSSES under
    EarlyStopping(patience=3, min_delta=0.01, restore_best_weights=True)."""
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise Hint("pass the two predictions as a pair: (predicted_stop, predicted_restored)")
    if all(value is Ellipsis for value in answer):
        raise NotImplementedError
    stop = _epoch_number(answer[0], "predicted_stop")
    restored = _epoch_number(answer[1], "predicted_restored")
    losses = SCRIPTED_LOSSES

    def keras_run(patience=SCRIPTED_PATIENCE, min_delta=SCRIPTED_MIN_DELTA):
        return _play(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, min_delta=min_delta,
            restore_best_weights=True), losses)

    right_stop, right_restored = keras_run()
    if (stop, restored) == (right_stop, right_restored):
        return (f"{right_stop} epochs run, epoch {right_restored}'s weights kept: the lowest "
                "loss is not the best when it improves by less than min_delta")
    if not 1 <= stop <= len(losses) or not 1 <= restored <= len(losses):
        raise Hint(f"the run has epochs 1 to {len(losses)}; both predictions are epoch "
                   "numbers in that range, counting from 1")
    if (stop, restored) == keras_run(min_delta=0.0):
        raise Hint("you counted every drop as an improvement; with min_delta=0.01 a loss "
                   "must be more than 0.01 below the best so far to count, so the small "
                   "drops leave the wait counter running")
    if (stop, restored) == (right_stop - 1, right_restored - 1):
        raise Hint("count the epochs from 1, as Keras prints them (Epoch 1/12), not from 0")
    # a recognised mistake in either number is named, whatever the other is; else the pair
    # is off: no hint tells which of the two numbers is right
    if stop == keras_run(patience=SCRIPTED_PATIENCE + 1)[0]:
        raise Hint("you let one epoch too many pass: training stops at the end of the "
                   "third epoch in a row without improvement (patience=3), not after it")
    if stop == keras_run(min_delta=0.0)[0]:
        raise Hint("your stop ignores min_delta: a loss must be more than 0.01 below the "
                   "best so far to count as an improvement")
    if stop == len(losses):
        raise Hint("it does stop before the end: count the epochs since the last "
                   "improvement by more than min_delta")
    if restored == stop:
        raise Hint("restore_best_weights=True puts back the weights of the best epoch, not "
                   "those of the epoch where training stopped")
    if restored > stop:
        raise Hint("your restored epoch comes after the one where you predict training "
                   "stops: the weights kept are those of an epoch that ran")
    if restored == int(np.argmin(losses[:stop])) + 1:
        raise Hint(f"epoch {restored} has the lowest loss of the epochs you predict run, but "
                   "EarlyStopping keeps the weights of the last epoch that counted as an "
                   "improvement, and a drop by less than min_delta does not count")
    raise Hint(f"({stop}, {restored}) is off: find the epochs that improve (more than 0.01 "
               "below the best so far); training stops after `patience` epochs in a row "
               "without one, and the weights kept are those of the last one that did")
