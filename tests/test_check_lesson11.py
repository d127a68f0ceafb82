"""The checkers of lesson 11: right answers pass, stubs and typical mistakes get their hints,
and (issue 26, item 8) every checker meets wrong answers of every kind: a plausible mistake,
a shortcut through the course or Keras, a table of the old checker's fixed cases, an
always-equal object and a type slip, each refused on fresh draws with a hint that holds no
line of the solution. 11.5 is a prediction: few tries, hints that give no value away, and
what it is graded against is what Keras' EarlyStopping does to the losses the lesson plays."""

import math
import re
import tempfile
from pathlib import Path

import keras
import nbformat
import numpy as np
import pytest
from cheats import (
    AlwaysEqual,
    assigned,
    calls,
    cell_source,
    drawn,
    draws,
    refused_every_time,
)

from course import monitor
from course.check import lesson11
from course.runtime.paths import NOTEBOOKS
from course.tools.exercises import exercises

LESSON = NOTEBOOKS / "11_watching_training.ipynb"


def stub(*args, **kwargs):
    raise NotImplementedError


def run(checker, answer, capsys):
    result = checker(answer)
    return result, capsys.readouterr().out


# --- reference answers and typical mistakes ----------------------------------------------


def exponential_lrs(start, stop, steps):
    return start * (stop / start) ** (np.arange(steps) / (steps - 1))


def linear_lrs(start, stop, steps):
    return np.linspace(start, stop, steps)


def lrs_off_by_one(start, stop, steps):
    return start * (stop / start) ** (np.arange(steps) / steps)


def pick_lr(lrs, losses):
    return lrs[np.nanargmin(losses)] / 10


def pick_lr_with_nan(lrs, losses):
    return lrs[np.argmin(losses)] / 10


def pick_lr_at_minimum(lrs, losses):
    return lrs[np.nanargmin(losses)]


def epochs_trained(val_losses, patience):
    best, wait = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch + 1
    return len(val_losses)


def epochs_trained_ties_improve(val_losses, patience):
    best, wait = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        if loss <= best:
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch + 1
    return len(val_losses)


def stop_index(val_losses, patience):
    return epochs_trained(val_losses, patience) - 1


def resume_epoch(names):
    return max((int(re.findall(r"\d+", n)[-1]) for n in names), default=0)


def resume_from_last_name(names):
    return int(re.findall(r"\d+", names[-1])[-1]) if names else 0


def resume_sorted_as_text(names):
    return int(re.findall(r"\d+", max(names))[-1]) if names else 0


def resume_next_epoch(names):
    return resume_epoch(names) + 1


def resume_crashes_on_empty(names):
    return max(int(re.findall(r"\d+", n)[-1]) for n in names)


CHECKERS = [
    (lesson11.exponential_lrs, exponential_lrs),
    (lesson11.pick_lr, pick_lr),
    (lesson11.epochs_trained, epochs_trained),
    (lesson11.resume_epoch, resume_epoch),
]


@pytest.mark.parametrize("checker, answer", CHECKERS, ids=lambda c: getattr(c, "__name__", ""))
def test_right_answer_passes(checker, answer, capsys):
    result, out = run(checker, answer, capsys)
    assert result and out.startswith(f"{answer.__name__}: correct - "), out


@pytest.mark.parametrize("checker, answer", CHECKERS, ids=lambda c: getattr(c, "__name__", ""))
def test_stub_is_not_attempted(checker, answer, capsys):
    result, out = run(checker, stub, capsys)
    assert not result and "not attempted yet" in out


@pytest.mark.parametrize("checker, answer", CHECKERS, ids=lambda c: getattr(c, "__name__", ""))
def test_a_near_miss_gets_a_hint(checker, answer, capsys):
    """What tests/test_student.py feeds the checkers: the right result slightly changed."""

    def near_miss(*args):
        value = answer(*args)
        if isinstance(value, np.ndarray):
            value = value.copy()
            value.flat[0] = value.flat[0] * 1.5 + 1
            return value
        return value + 1 if isinstance(value, int) else value * 1.5 + 1

    result, out = run(checker, near_miss, capsys)
    assert not result and re.match(r"near_miss: not yet - \S", out), out


@pytest.mark.parametrize("checker, answer, hint", [
    (lesson11.exponential_lrs, linear_lrs, "equal *differences*"),
    (lesson11.exponential_lrs, lrs_off_by_one, "the last learning rate is"),
    (lesson11.exponential_lrs, lambda a, b, n: [a] * (n - 1), "one learning rate per step"),
    (lesson11.pick_lr, pick_lr_with_nan, "the numbers that are not nan"),
    (lesson11.pick_lr, pick_lr_at_minimum, "the lowest loss itself"),
    (lesson11.pick_lr, lambda lrs, losses: lrs[np.nanargmin(losses)] * 10, "*below*"),
    (lesson11.epochs_trained, epochs_trained_ties_improve, "strictly below"),
    (lesson11.epochs_trained, stop_index, "counting from 0"),
    (lesson11.epochs_trained, lambda ls, p: float(len(ls)), "whole numbers"),
    (lesson11.resume_epoch, resume_from_last_name, "no particular order"),
    (lesson11.resume_epoch, resume_sorted_as_text, "as text"),
    (lesson11.resume_epoch, resume_next_epoch, "off by one"),
    (lesson11.resume_epoch, resume_crashes_on_empty, "no checkpoint"),
])
def test_typical_mistake_gets_its_hint(checker, answer, hint, capsys):
    result, out = run(checker, answer, capsys)
    assert not result and "not yet - " in out and hint in out, out


def test_hints_never_print_the_expected_values(capsys):
    seen = []

    def constant(lrs, losses):
        seen.append((lrs.copy(), losses.copy()))
        return 0.123

    for _ in range(3):
        lesson11.pick_lr(constant)
        out = capsys.readouterr().out
        lrs, losses = seen[-1]
        assert "not yet" in out and f"{lrs[np.nanargmin(losses)] / 10:g}" not in out


class ScriptedLosses(keras.callbacks.Callback):
    """Sets each epoch's val_loss from a list, and the weight to the epoch's number."""

    def __init__(self, losses):
        super().__init__()
        self.losses = losses

    def on_epoch_end(self, epoch, logs=None):
        self.model.set_weights([np.full((1, 1), epoch + 1.0)])
        logs["val_loss"] = self.losses[epoch]


def fit_with_early_stopping(losses, **settings):
    """(epochs run, epoch whose weights the model holds) when ``fit`` plays ``losses``."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", **settings)
    history = model.fit(np.zeros((1, 1)), np.zeros((1, 1)), epochs=len(losses), verbose=0,
                        callbacks=[ScriptedLosses(losses), stopper])
    return len(history.history["loss"]), int(model.get_weights()[0][0, 0])


SCRIPTED = lesson11.SCRIPTED_LOSSES  # exercise 11.5's


@pytest.mark.parametrize("losses, patience, min_delta", [
    *((losses, patience, 0.05)
      for losses, patience in lesson11._stop_cases(np.random.default_rng(0))[:15:2]),
    (SCRIPTED, 3, 0.01), (SCRIPTED, 3, 0.0), (SCRIPTED, 2, 0.01),
    ([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.8], 2, 0.0),
    ([1.0, 0.9, 0.8, 0.85], 3, 0.0),  # never stops, and still restores the best epoch
])
@pytest.mark.slow
def test_the_checker_plays_the_losses_as_fit_does(losses, patience, min_delta):
    """The checker's expectation comes from Keras' own EarlyStopping, played as fit plays it."""
    for settings in ({"patience": patience}, {"patience": patience, "min_delta": min_delta,
                                              "restore_best_weights": True}):
        played = lesson11._play(keras.callbacks.EarlyStopping(monitor="val_loss", **settings),
                                losses)
        assert played == fit_with_early_stopping(losses, **settings)


# --- wrong answers of every kind (issue 26, item 8) ---------------------------------------


def table(cases, fallback):
    """An answer that looks its inputs up in a table of the old checker's fixed ones."""
    def answer(*args):
        key = repr([np.asarray(a).round(8).tolist() if isinstance(a, np.ndarray) else a
                    for a in args])
        return cases.get(key, fallback(*args))
    return answer


def key(*args):
    return repr([np.asarray(a).round(8).tolist() if isinstance(a, np.ndarray) else a
                 for a in args])


OLD_LRS = np.geomspace(1e-5, 1.0, 11)
OLD_PICKS = [
    np.array([2.30, 2.29, 2.25, 2.10, 1.80, 1.20, 0.70, 0.55, 0.90, 2.60, 9.0]),
    np.array([2.30, 2.28, 2.20, 1.90, 1.10, 0.95, 0.80, 3.00, 40.0, np.nan, np.nan]),
    np.array([2.31, 2.30, 2.20, 1.60, 1.05, 1.30, 2.00, 6.00, 30.0, np.nan, np.nan]),
]
OLD_STOPS = [([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.8], 2),
             ([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.8, 0.9], 3),
             ([0.5, 0.5, 0.5, 0.4, 0.3], 2), ([1.0, 0.9, 0.8, 0.7], 1), ([0.9, 1.0, 0.8], 1),
             ([1.0, 1.2, 1.1, 1.05, 1.02, 0.9], 3)]
OLD_RESUMES = [["ckpt-01.keras", "ckpt-02.keras", "ckpt-03.keras"],
               ["ckpt-03.keras", "ckpt-01.keras", "ckpt-02.keras"],
               ["ckpt-9.keras", "ckpt-10.keras", "ckpt-8.keras"],
               ["run2-epoch-07.keras", "run2-epoch-12.keras", "run2-epoch-11.keras"], []]


def pick_two_places_back(lrs, losses):
    """Passed the old checker, whose every grid was geomspace(1e-5, 1, 11)."""
    return float(lrs[np.nanargmin(losses) - 2])


def pick_clears_the_nans(lrs, losses):
    losses[np.isnan(losses)] = np.inf
    return float(lrs[np.argmin(losses)] / 10)


def stop_against_previous(val_losses, patience):
    previous, wait = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        wait = 0 if loss < previous else wait + 1
        if wait >= patience and loss >= previous:
            return epoch + 1
        previous = loss
    return len(val_losses)


def stop_one_epoch_late(val_losses, patience):
    best, wait = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, wait = loss, 0
        else:
            wait += 1
            if wait > patience:
                return epoch + 1
    return len(val_losses)


def _epochs_run(model, val_losses, patience):
    """The epochs Keras' EarlyStopping lets ``model`` run on these validation losses."""
    stopping = keras.callbacks.EarlyStopping(patience=patience)
    stopping.set_model(model)
    stopping.on_train_begin()
    for epoch, loss in enumerate(val_losses):
        stopping.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            return epoch + 1
    return len(val_losses)


def stop_by_keras(val_losses, patience):
    """The losses played to Keras' own callback, on a model of one weight."""
    return _epochs_run(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]),
                       val_losses, patience)


class _Run:  # what EarlyStopping touches of a model, without building one (which runs ops)
    stop_training = False

    def get_weights(self):
        return []


def stop_by_keras_without_a_model(val_losses, patience):
    return _epochs_run(_Run(), val_losses, patience)


def stop_pops_the_list(val_losses, patience):
    answer = epochs_trained(val_losses, patience)
    val_losses.clear()
    return answer


def resume_two_digits(names):
    """Passed the old checker: two digits before `.keras` (-1 for ckpt-1.keras)."""
    return max((int(name[-8:-6]) for name in names), default=0)


def resume_from_three_characters(names):
    """Tailored to three-digit epochs without dots: the last three characters before the
    first dot (wrong for model.005.keras and for epoch 1002)."""
    return max((int(re.sub(r"\D", "", n.split(".")[0][-3:]) or 0) for n in names), default=0)


class ScheduleByTheCourse:  # a callable object, not a function: watched all the same
    def __call__(self, start, stop, steps):
        return monitor.lr_schedule(start, stop, steps)


def stop_by_the_checker_s_helper(val_losses, patience):
    return lesson11._play(keras.callbacks.EarlyStopping(patience=patience), val_losses)[0]


def resume_sorts_in_place(names):
    names.sort()
    return resume_epoch(names)


def stop_never_at_patience_0(val_losses, patience):  # patience 0 read as "never stop"
    return len(val_losses) if patience == 0 else epochs_trained(val_losses, patience)


def lrs_by_tensorflow_geomspace(start, stop, steps):
    import tensorflow as tf

    return tf.experimental.numpy.geomspace(start, stop, steps).numpy()


def lrs_by_tensorflow_exp(start, stop, steps):
    import tensorflow as tf

    return tf.exp(tf.linspace(math.log(start), math.log(stop), steps)).numpy()


def pick_by_tensorflow(lrs, losses):
    import tensorflow as tf

    finite = np.where(np.isnan(losses), np.inf, losses)
    return float(lrs[int(tf.argmin(finite))] / 10)


def resume_by_tensorflow(names):
    import tensorflow as tf

    epochs = [int(re.findall(r"\d+", name)[-1]) for name in names]
    return int(tf.reduce_max(epochs)) if epochs else 0


def resume_by_latest_checkpoint(names):
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            (Path(folder) / name).write_text("")
        return monitor.latest_checkpoint(folder)[1]


WRONG = {
    "exponential_lrs": [
        ("linear", linear_lrs),
        ("off by one", lrs_off_by_one),
        ("logspace of the rates", lambda start, stop, steps: np.logspace(start, stop, steps)),
        ("one value short", lambda start, stop, steps: exponential_lrs(start, stop, steps)[:-1]),
        ("course shortcut", lambda start, stop, steps: monitor.lr_schedule(start, stop, steps)),
        ("course shortcut in a callable object", ScheduleByTheCourse()),
        ("keras shortcut", lambda start, stop, steps: np.asarray(
            keras.ops.geomspace(start, stop, steps))),
        ("table", table({key(*c): exponential_lrs(*c) for c in
                         [(1e-5, 1.0, 6), (1e-3, 10.0, 5), (0.01, 0.1, 2)]},
                        lambda start, stop, steps: np.zeros(steps))),
        ("always equal", lambda start, stop, steps: AlwaysEqual()),
        ("a column", lambda start, stop, steps: exponential_lrs(start, stop, steps)[:, None]),
        ("strings", lambda start, stop, steps: [str(v) for v in exponential_lrs(start, stop,
                                                                               steps)]),
        ("TensorFlow's geomspace", lrs_by_tensorflow_geomspace),
        ("TensorFlow's exp of a linspace", lrs_by_tensorflow_exp),
    ],
    "pick_lr": [
        ("argmin with the nans", pick_lr_with_nan),
        ("at the minimum", pick_lr_at_minimum),
        ("above the minimum", lambda lrs, losses: lrs[np.nanargmin(losses)] * 10),
        ("two places back", pick_two_places_back),
        ("from the highest loss", lambda lrs, losses: lrs[np.nanargmax(losses)] / 10),
        ("course shortcut", lambda lrs, losses: monitor.suggest_lr(lrs, losses)),
        ("table", table({key(OLD_LRS, losses): pick_lr(OLD_LRS, losses) for losses in OLD_PICKS},
                        lambda lrs, losses: 1e-3)),
        ("always equal", lambda lrs, losses: AlwaysEqual()),
        ("an array of one", lambda lrs, losses: np.array([pick_lr(lrs, losses)])),
        ("a string", lambda lrs, losses: f"{pick_lr(lrs, losses):g}"),
        ("changes the losses", pick_clears_the_nans),
        ("a number too large for a float", lambda lrs, losses: 10**400),
        ("TensorFlow's argmin", pick_by_tensorflow),
    ],
    "epochs_trained": [
        ("ties improve", epochs_trained_ties_improve),
        ("index from 0", stop_index),
        ("against the previous epoch", stop_against_previous),
        ("one epoch late", stop_one_epoch_late),
        ("patience from the lowest loss", lambda ls, p: min(int(np.argmin(ls)) + p + 1, len(ls))),
        ("keras shortcut", stop_by_keras),
        ("the checker's own helper", stop_by_the_checker_s_helper),
        ("table", table({key(ls, p): epochs_trained(ls, p) for ls, p in OLD_STOPS},
                        lambda ls, p: len(ls))),
        ("always equal", lambda ls, p: AlwaysEqual()),
        ("a float", lambda ls, p: float(epochs_trained(ls, p))),
        ("a list", lambda ls, p: [epochs_trained(ls, p)]),
        ("changes the list", stop_pops_the_list),
        ("patience 0 read as never stop", stop_never_at_patience_0),
    ],
    "resume_epoch": [
        ("two digits before .keras", resume_two_digits),
        ("the last name", resume_from_last_name),
        ("sorted as text", resume_sorted_as_text),
        ("the next epoch", resume_next_epoch),
        ("crashes on no checkpoint", resume_crashes_on_empty),
        ("counts the names", lambda names: len(names)),
        ("the first number", lambda names: max((int(re.findall(r"\d+", n)[0]) for n in names),
                                               default=0)),
        ("course shortcut", resume_by_latest_checkpoint),
        ("table", table({key(names): resume_epoch(names) for names in OLD_RESUMES},
                        lambda names: 1)),
        ("always equal", lambda names: AlwaysEqual()),
        ("a string", lambda names: str(resume_epoch(names))),
        ("a float", lambda names: float(resume_epoch(names))),
        ("sorts the list", resume_sorts_in_place),
        ("three characters before the first dot", resume_from_three_characters),
        ("TensorFlow's reduce_max", resume_by_tensorflow),
    ],
}
# The words the hint must hold for some of them: the shortcut it takes.
NAMED = {
    ("exponential_lrs", "course shortcut"): calls("monitor.lr_schedule"),
    ("pick_lr", "course shortcut"): calls("monitor.suggest_lr"),
    ("resume_epoch", "course shortcut"): calls("monitor.latest_checkpoint"),
    ("exponential_lrs", "course shortcut in a callable object"): calls("monitor.lr_schedule"),
    ("pick_lr", "a number too large for a float"): "no answer here is that large",
    ("epochs_trained", "the checker's own helper"): calls("check.lesson11._play"),
    ("exponential_lrs", "TensorFlow's geomspace"): "runs TensorFlow",
    ("exponential_lrs", "TensorFlow's exp of a linspace"): "runs TensorFlow",
    ("pick_lr", "TensorFlow's argmin"): "runs TensorFlow",
    ("resume_epoch", "TensorFlow's reduce_max"): "runs TensorFlow",
    ("epochs_trained", "patience 0 read as never stop"): "with patience=0",
}


def pick_lr_cut_at_the_nans(lrs, losses):
    """Right too: the statement says a diverged run *ends* in nans."""
    finite = len(losses) if not np.isnan(losses).any() else int(np.argmax(np.isnan(losses)))
    return lrs[:finite][np.argmin(losses[:finite])] / 10


RIGHT = {
    "exponential_lrs": [exponential_lrs, lambda start, stop, steps: np.geomspace(
        start, stop, steps), lambda start, stop, steps: [
        start * (stop / start) ** (i / (steps - 1)) for i in range(steps)]],
    "pick_lr": [pick_lr, pick_lr_cut_at_the_nans],
    "epochs_trained": [epochs_trained],
    "resume_epoch": [resume_epoch, lambda names: max(
        [int(re.search(r"(\d+)\D*$", n).group(1)) for n in names] or [0])],
}


@pytest.mark.parametrize("checker, kind, answer",
                         [(c, kind, a) for c, wrongs in WRONG.items() for kind, a in wrongs],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_wrong_answer_gets_a_hint_without_the_solution(checker, kind, answer, capsys):
    refused_every_time(getattr(lesson11, checker), answer, capsys, LESSON, checker, kind,
                       says=NAMED.get((checker, kind)),  # 11.2's hints name what a call raised
                       crash=lambda line: "your code raised" in line)


@pytest.mark.parametrize("checker", RIGHT)
def test_the_right_answer_passes_every_draw(checker, capsys):
    for answer in RIGHT[checker]:
        for _ in drawn(draws(checker)):
            assert getattr(lesson11, checker)(answer), capsys.readouterr().out


def test_every_checker_of_the_lesson_meets_five_kinds_of_wrong_answer():
    checkers = {e.checker for e in exercises(LESSON)} - {"early_stopping_prediction"}
    assert checkers == set(WRONG)  # the prediction: below
    assert all(len(wrongs) >= 5 for wrongs in WRONG.values())


def test_no_answer_can_be_imported_from_the_checker_module():
    for name in ("_reference_lrs", "keras_early_stopping", "_epochs_trained", "_epoch_of"):
        assert not hasattr(lesson11, name), name


def test_the_keras_shortcut_is_named(capsys):
    """Named where the callback is the first thing TensorFlow runs; a model built for it runs
    TensorFlow first, and the hint names TensorFlow."""
    lesson11.epochs_trained(stop_by_keras_without_a_model)
    assert "EarlyStopping.on_epoch_end" in capsys.readouterr().out
    lesson11.epochs_trained(stop_by_keras)
    assert "runs TensorFlow" in capsys.readouterr().out


# --- 11.5: a prediction with few tries ---------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_tries():
    """Hints stop after a few different wrong predictions, counted per process: each test
    starts, and leaves, with none counted."""
    lesson11.early_stopping_prediction.forget_tries()
    yield
    lesson11.early_stopping_prediction.forget_tries()


def test_early_stopping_prediction_passes_the_right_pair(capsys):
    for answer in [(9, 6), [9, 6], (np.int64(9), 6)]:
        verdict, out = run(lesson11.early_stopping_prediction, answer, capsys)
        assert verdict and "correct - " in out, out


# exercise 11.3's function, which has no min_delta: the shortcut from the exercise before
SHORTCUT = (epochs_trained(SCRIPTED, 3),
            int(np.argmin(SCRIPTED[:epochs_trained(SCRIPTED, 3)])) + 1)


@pytest.mark.parametrize("answer, hint", [
    ((..., ...), "not attempted yet"),
    ((9, ...), "you have not predicted `predicted_restored` yet"),
    (SHORTCUT, "min_delta"),
    ((11, 6), "ignores min_delta"),
    ((9, 8), "lowest loss"),
    ((9, 9), "the best epoch, not"),
    ((10, 6), "one epoch too many"),  # test_student's near miss
    ((8, 5), "count the epochs from 1"),
    ((12, 6), "it does stop before the end"),
    ((9, 3), "(9, 3) is off"),
    ((5, 7), "comes after the one where you predict training stops"),
    ((0, 6), "epochs 1 to 12"),
    ((9.0, 6), "whole number"),
    (9, "as a pair"),
])
def test_early_stopping_prediction_hints(answer, hint, capsys):
    verdict, out = run(lesson11.early_stopping_prediction, answer, capsys)
    assert not verdict and hint in out, out


def test_the_shortcut_is_the_min_delta_free_answer():
    assert SHORTCUT == (11, 8) == fit_with_early_stopping(SCRIPTED, patience=3, min_delta=0.0,
                                                          restore_best_weights=True)


def test_lesson_11_states_and_plays_the_checker_s_losses():
    source = cell_source(LESSON, "scripted = ")
    assert assigned(source, "scripted") == SCRIPTED
    assert "patience=3" in source and "min_delta=0.01" in source
    statement = next(c.source for c in nbformat.read(LESSON, as_version=4).cells
                     if c.source.startswith("**Exercise 11.5 (predict, then run).**"))
    assert " | ".join(f"{v:g}" for v in SCRIPTED) in statement
    assert "patience=3, min_delta=0.01" in statement


def test_wrong_predictions_do_not_reveal_the_answer(capsys):
    for stop in range(1, 13):
        lesson11.early_stopping_prediction.forget_tries()
        for restored in range(1, 13):
            if (stop, restored) != (9, 6):
                assert not lesson11.early_stopping_prediction((stop, restored))
                line = capsys.readouterr().out
                assert "not yet - " in line
                assert not re.search(r"\b9 epochs|stop=9\b|epoch 6\b|restored=6\b", line), line


def test_a_hint_says_not_which_of_the_two_predictions_is_right(capsys):
    """No oracle (the attack: "predicted_restored=1 is off" confirmed the stop): with one
    number right and the other wrong, the hint reads as with both wrong."""
    for same in ([(9, 1), (7, 1)], [(9, 2), (7, 2)], [(9, 3), (5, 3)], [(1, 6), (2, 6)],
                 [(9, 9), (7, 7)]):
        lines = []
        for pair in same:
            lesson11.early_stopping_prediction.forget_tries()
            assert not lesson11.early_stopping_prediction(pair)
            lines.append(re.sub(r"\(\d+, \d+\)", "(S, R)", capsys.readouterr().out))
        assert lines[0].split(" - ", 1)[1] == lines[1].split(" - ", 1)[1], lines


def test_a_loop_over_the_pairs_runs_out_of_hints(capsys):
    pairs = [(s, r) for s in range(1, 13) for r in range(1, 13) if (s, r) != (9, 6)]
    for pair in pairs[:4]:
        assert not lesson11.early_stopping_prediction(pair)
    out = capsys.readouterr().out.strip().splitlines()
    assert "hints stop" not in "".join(out[:3])
    assert "4 different answers tried (hints stop after 3)" in out[3]
    assert not lesson11.early_stopping_prediction((9, 6))  # the loop does not find it
    lesson11.early_stopping_prediction.forget_tries()
    assert lesson11.early_stopping_prediction((9, 6))
