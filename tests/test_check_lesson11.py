"""The checkers of lesson 11: right answers pass, stubs and typical mistakes get their hints."""

import re

import keras
import numpy as np
import pytest

from course.check import lesson11


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
    (lesson11.pick_lr, pick_lr_with_nan, "ignoring the nans"),
    (lesson11.pick_lr, pick_lr_at_minimum, "the lowest loss itself"),
    (lesson11.pick_lr, lambda lrs, losses: lrs[np.nanargmin(losses)] * 10, "*below*"),
    (lesson11.epochs_trained, epochs_trained_ties_improve, "strictly below"),
    (lesson11.epochs_trained, stop_index, "counting from 0"),
    (lesson11.epochs_trained, lambda ls, p: float(len(ls)), "an int"),
    (lesson11.resume_epoch, resume_from_last_name, "no particular order"),
    (lesson11.resume_epoch, resume_sorted_as_text, "as text"),
    (lesson11.resume_epoch, resume_next_epoch, "off by one"),
    (lesson11.resume_epoch, resume_crashes_on_empty, "no checkpoint"),
])
def test_typical_mistake_gets_its_hint(checker, answer, hint, capsys):
    result, out = run(checker, answer, capsys)
    assert not result and "not yet - " in out and hint in out, out


def test_hints_never_print_the_expected_values(capsys):
    lesson11.pick_lr(lambda lrs, losses: 0.123)
    out = capsys.readouterr().out
    for _, lrs, losses in lesson11._pick_cases():
        assert f"{lrs[np.nanargmin(losses)] / 10:g}" not in out


@pytest.mark.parametrize("losses, patience", lesson11.STOP_CASES)
def test_early_stopping_reference_matches_keras(losses, patience):
    class Model:
        stop_training = False

    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    callback.set_model(Model())
    callback.on_train_begin()
    ran = 0
    for epoch, loss in enumerate(losses):
        ran += 1
        callback.on_epoch_end(epoch, {"val_loss": loss})
        if callback.model.stop_training:
            break
    assert lesson11._epochs_trained(losses, patience) == ran
