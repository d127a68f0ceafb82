"""Training runs the course ships, for experiments longer than a lesson may take. Lesson 07.

Some comparisons only make their point after more training than a laptop CPU can do in
a lesson's five minutes. ``runs.fit`` trains a model as ``course.train.fit`` (or
``fit_fast`` with a recipe) does, then tests it; but when the course ships a run of
the same model with the same settings on the same data, it loads that run instead and
says so: its curves, training time, machine and test accuracy. The lesson's code is
the same either way, and ``COURSE_RETRAIN=1`` trains everything here.

Shipped runs live in ``data/runs/`` as JSON: curves and accuracies, and, for a model
whose lesson goes on to use it (``weights=True``: lessons 09 and 12), its trained
weights beside them in ``<name>.weights.h5``. ``data/build_runs.py`` makes them by
executing a lesson with ``COURSE_SAVE_RUNS=1``, so the code that trained them is the
lesson's own. Each file names the settings it was trained with and carries a checksum
of its contents (and of its weights); a file that fails it is reported and ignored.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np

from course import shipped as artefacts
from course import train
from course.runtime import files, settings, trial
from course.runtime.errors import UsageError
from course.runtime.paths import BENCHMARK_RESULTS, DATA, ROOT
from course.runtime.speed import cpu_name

SHIPPED = DATA / "runs"
RETRAIN_VAR = settings.RETRAIN
SAVE_VAR = settings.SAVE_RUNS
TRAINED_HERE = "trained here"
# what wrote a shipped run (data/build_runs.py runs whole lessons so; a script may run a
# lesson's cells so): the run's key, not its maker, ties it to the lesson's code
MADE_BY = f"course.runs.fit with {SAVE_VAR}"


@dataclass
class Result:
    """A run, its test accuracy, and where it was trained."""

    run: train.Run
    accuracy: float
    where: str  # TRAINED_HERE or the shipped run's provenance
    evaluation: train.Evaluation | None = None  # on the test set; None from an older file
    trained_on: str = "this machine"  # or the shipped run's machine and date

    @property
    def shipped(self) -> bool:
        return self.where != TRAINED_HERE


def _checksum(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def fit(model, x, y, *, x_test, y_test, epochs: int | None = None, batch_size: int = 128,
        recipe: train.Recipe | None = None, validation_data=None, learning_rate: float = 1e-3,
        augment: bool = False, seed: int | None = None, weights: bool = False,
        evaluation: bool = False, callbacks=(), shipped: Path = SHIPPED,
        verbose: bool = True) -> Result:
    """Train ``model`` and test it on ``(x_test, y_test)``, or load the shipped run.

    Without ``recipe`` it trains with ``course.train.fit`` (``epochs``, ``batch_size``,
    ``learning_rate``, ``augment``); with one, with ``course.train.fit_fast``; ``callbacks``
    (a live plot, say) go to either. ``seed`` makes runs that differ only in their seed
    different runs: it seeds Keras and the order of the training data; build ``model``
    after ``keras.utils.set_random_seed(seed)`` so that its initial weights follow it too.
    A run without one draws from the session's random state, so under ``COURSE_SEED``
    (a session seed other than 42) it is another run than the one the course ships.

    With ``weights``, a shipped run is used only if it has the trained weights too, and
    they are loaded into ``model``, which is then the trained model either way. With
    ``evaluation``, only if it kept its test evaluation (``train.evaluate``'s confusion
    matrix, predictions and mistakes: what a lesson needs of a trained model without its
    weights), in ``Result.evaluation``.
    """
    if recipe is None:
        trained_with = {"fit": "fit", "epochs": epochs, "batch_size": batch_size,
                        "learning_rate": learning_rate}
        if augment:  # only where set, so that the keys of earlier runs stay as they were
            trained_with["augment"] = True
    else:
        if augment:
            raise UsageError("augment=True is for runs without a recipe: a recipe sets its own "
                             "augmentation (train.Recipe)")
        trained_with = {"fit": "fit_fast", **recipe.learned()}
    if seed is not None:
        trained_with["seed"] = int(seed)
    elif (session := settings.seed()) != settings.DEFAULT_SEED:
        trained_with["session_seed"] = session  # a run drawn from the session's random state
    data = {"train": artefacts.data(x, y), "test": artefacts.data(x_test, y_test)}
    if validation_data is not None:
        data["validation"] = artefacts.data(*validation_data)
    identity = artefacts.identity(model, trained_with, **data)
    path = Path(shipped) / f"{artefacts.name(identity)}.json"
    saving = saves(model.name) and not trial.steps()
    if not (settings.flag(RETRAIN_VAR) or saving or trial.steps()):
        loaded = _load(path, model.name, model if weights else None, verbose, evaluation)
        if loaded is not None:
            return loaded
        if artefacts.only():
            raise artefacts.missing(shipped, identity, "run")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if recipe is None:
        run = train.fit(model, x, y, epochs=epochs, batch_size=batch_size,
                        learning_rate=learning_rate, validation_data=validation_data,
                        augment=augment, callbacks=callbacks, verbose=verbose,
                        **({} if seed is None else {"seed": seed}))
    else:
        run = train.fit_fast(model, x, y, recipe, validation_data=validation_data,
                             callbacks=callbacks, verbose=verbose)
    tested = train.evaluate(model, x_test, y_test)
    if saving:
        _save(path, run, tested, identity, model if weights else None)
    return Result(run, tested.accuracy, TRAINED_HERE, tested)


def saves(name: str) -> bool:
    """Whether ``COURSE_SAVE_RUNS`` asks to train and save the run of model ``name``: a
    switch for every run, or model names separated by commas for those only."""
    if not settings.flag(SAVE_VAR):
        return False
    names = [n.strip() for n in settings.text(SAVE_VAR).split(",")]
    return names[0].lower() in ("1", "true", "yes", "on") or name in names


def machine() -> str:
    """Where this process trains: its GPUs, if any, and its CPU cores and model."""
    from course.runtime.devices import gpus

    cores = f"{os.cpu_count()} CPU cores ({cpu_name()}, {platform.system()})"
    found = gpus()
    if not found:
        return cores
    models = ", ".join(sorted(set(found)))
    return f"{len(found)} GPU{'s' * (len(found) > 1)} ({models}) + {cores}"


def _weights_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".json") + ".weights.h5")


def _stored_evaluation(tested: train.Evaluation) -> dict:
    """An evaluation as compact JSON: predictions as one string of class digits."""
    return {"confusion": tested.confusion.tolist(),
            "predicted": "".join(map(str, tested.predicted)) if tested.predicted.max(
                initial=0) < 10 else tested.predicted.tolist(),
            "mistakes": " ".join(map(str, tested.mistakes))}


def _evaluation(stored: dict, accuracy: float) -> train.Evaluation:
    predicted = stored["predicted"]
    return train.Evaluation(
        accuracy, np.array(stored["confusion"]),
        np.array([int(c) for c in predicted] if isinstance(predicted, str) else predicted),
        np.array(stored["mistakes"].split(), dtype=np.int64))


def _save(path: Path, run: train.Run, tested: train.Evaluation, identity: dict,
          model=None) -> None:
    payload = {"run": asdict(run), "test_accuracy": tested.accuracy,
               "evaluation": _stored_evaluation(tested), "identity": identity,
               "data_source": data_source(identity), "machine": machine(),
               "date": datetime.date.today().isoformat(),
               "made_by": MADE_BY}
    if model is not None:
        with files.atomic(_weights_path(path), suffix=".weights.h5") as tmp:
            twin = _twin(model)  # the weights alone: a compiled model's file holds its
            twin.set_weights(model.get_weights())  # optimizer's slots too, twice the size
            twin.save_weights(tmp)
            payload["weights_sha256"] = files.digest(tmp)
    files.write_text(path, json.dumps({**payload, "sha256": _checksum(payload)}, indent=1) + "\n")
    print(f"saved the run to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _twin(model):
    """A new, uncompiled model of ``model``'s architecture: what shipped weights are saved
    from and loaded into."""
    return type(model).from_config(model.get_config())


def _load(path: Path, name: str, model, verbose: bool, evaluation: bool = False
          ) -> Result | None:
    """The shipped run at ``path``; given a ``model``, only with its weights, loaded into it;
    with ``evaluation``, only with its stored test evaluation."""
    if not path.exists():
        return None
    try:
        stored = json.loads(path.read_text())
        payload = {k: v for k, v in stored.items() if k != "sha256"}
        if stored.get("sha256") != _checksum(payload):
            raise ValueError("its checksum does not match its contents")
        run = train.Run(**payload["run"])
        accuracy = float(payload["test_accuracy"])
        if evaluation and "evaluation" not in payload:
            raise ValueError("it has no stored evaluation (made before runs kept one)")
        tested = _evaluation(payload["evaluation"], accuracy) if "evaluation" in payload \
            else None
        if model is not None:
            weights = _weights_path(path)
            if "weights_sha256" not in payload or not weights.exists():
                raise ValueError(f"it has no weights ({weights.name})")
            if files.digest(weights) != payload["weights_sha256"]:
                raise ValueError(f"{weights.name} does not match its checksum")
            twin = _twin(model)  # uncompiled: no optimizer state to load or warn about
            twin.load_weights(weights)
            model.set_weights(twin.get_weights())
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"the shipped run {path} is unusable ({error}); training {name} here instead")
        return None
    data_from = payload["data_source"]
    where = (f"shipped: trained on {payload['machine']}, "
             f"{payload['date']}, with {data_from}")
    if verbose:
        epochs = len(run.history.get("loss", []))
        print(f"{name}: loaded the run the course ships ({epochs} epochs, "
              f"{run.seconds:.0f} s of training on {payload['machine']}, with {data_from}; "
              f"{RETRAIN_VAR}=1 trains it here)")
        here = data_source(payload["identity"])
        if here != data_from:
            print(f"  (this session's data: {here}. The same dataset, stored in another "
                  "encoding or order, so a run of your own would differ from this one by "
                  "about as much as two seeds do)")
    return Result(run, accuracy, where, tested, f"{payload['machine']}, {payload['date']}")


def data_source(identity: dict) -> str:
    """Which dataset a run's training data is and where this session loaded it from, e.g.
    "cifar10 from COURSE_DATA_DIR"; "data the course did not load" for anything else."""
    from course import data

    dataset = identity["data"]["train"].split(" ", 1)[0]
    if dataset not in data.LOADED:
        return "data the course did not load"
    return f"{dataset} from {data.LOADED[dataset]}"


# what each lesson's reference run needs (measured on 2 CPU cores where it ran there)
REFERENCE_NEEDS = {"05": "2 CPU cores (10 min)", "07": "a GPU",
                   "08": "2 CPU cores (13 min; 3 with its base cached)",
                   "09": "a GPU", "11": "2 CPU cores (4 min)"}


def reference(key: str, folder: Path = BENCHMARK_RESULTS) -> dict | None:
    """The reference run ``benchmarks/reference_runs.py`` stored under ``key``, or None."""
    path = Path(folder) / "reference.json"
    try:
        return json.loads(path.read_text())[key]
    except (OSError, ValueError, KeyError):
        return None


def reference_entry(notebook: str, profile: str, figures: dict, curves: dict, claims: list,
                    status: str, minutes: float) -> dict:
    """What ``results/reference.json`` keeps for one lesson's reference run: its figures,
    curves and claims, where, on which backend and when it ran, and a one-line summary."""
    import keras

    def name(key: str) -> str:
        return key.replace("_test_accuracy", "").replace("_accuracy", "").replace("_", " ")

    where = machine()
    accuracies = ", ".join(f"{name(k)} {v:.2%}" for k, v in figures.items()
                           if "accuracy" in k and isinstance(v, float))
    return {"notebook": notebook, "profile": profile, "figures": figures, "curves": curves,
            "claims": claims, "status": status, "minutes": round(minutes, 1),
            "machine": where, "backend": keras.backend.backend(),
            "date": datetime.date.today().isoformat(),
            "summary": f"{accuracies or 'no accuracy recorded'} ({minutes:.0f} min on {where})"}


def reference_note(key: str, folder: Path = BENCHMARK_RESULTS) -> str:
    """Where a lesson's run at the notes' scale stands: its figures, or that it has not run
    and what it needs (``REFERENCE_NEEDS``)."""
    stored = reference(key, folder)
    if stored is None:
        return (f"not run yet: needs {REFERENCE_NEEDS.get(key, 'a GPU')} (`python "
                f"benchmarks/reference_runs.py {key}` there runs this lesson in the full "
                "profile)")
    return stored["summary"]


def _shown(key: str, value) -> str:
    if isinstance(value, float) and "accuracy" in key:
        return f"{value:.2%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return "" if value is None else str(value)


def histories(curves: dict) -> dict:
    """``name -> {metric: [per-epoch values]}`` from ``train.Run``s, Keras ``History``
    objects or such dicts, rounded to four decimals (what a reference run stores)."""
    out = {}
    for name, run in curves.items():
        history = getattr(run, "history", run)
        if not isinstance(history, dict):
            raise TypeError(f"curves[{name!r}] is a {type(run).__name__}: pass a "
                            "course.train.Run, a Keras History or a dict of per-epoch lists")
        out[name] = {k: [round(float(v), 4) for v in values] for k, values in history.items()}
    return out


def compare_with_reference(key: str, here: dict, curves: dict | None = None,
                           metric: str = "val_accuracy", val_label: str = "test",
                           folder: Path = BENCHMARK_RESULTS,
                           differs: tuple[str, str] = ("", "")) -> None:
    """Print this run's figures (``here``: name -> value) beside the reference run's, one
    figure a line: the same lesson in the ``full`` profile (the notes' scale), or say that
    it has not run and what it needs.

    With ``curves`` (name -> a run's per-epoch history, see :func:`histories`), also draw
    each run's ``metric`` per epoch beside the reference's (when there is a reference),
    and record the curves, so that the reference run, which executes this same call,
    stores its own. ``differs``: what else than the profile tells the two apart, added to
    the legend, e.g. ``("width 16", "width 128")``.
    """
    from course.runtime import report

    stored = reference(key, folder)
    theirs = stored.get("figures", {}) if stored else {}
    heading = f"reference (full, {stored['date']})" if stored else "reference (full)"
    names = max(len(k) for k in here)
    width = max(8, *(len(_shown(k, v)) for k, v in here.items()))
    print(f"{'':{names}}  {'this run':>{width}}  {heading}")
    for k, value in here.items():
        print(f"{k:{names}}  {_shown(k, value):>{width}}  "
              f"{_shown(k, theirs[k]) if k in theirs else '-'}")
    if stored is None:
        print(f"reference: {reference_note(key, folder)}")
    else:
        print(f"reference: {stored['minutes']:.0f} min on {stored['machine']}, "
              f"{stored['backend']} backend")
    if curves:
        mine = histories(curves)
        report.record(curves={**report.RECORDED.get("curves", {}), **mine})
        if stored is not None:  # without a reference, the lesson's own plots say it all
            plot_beside_reference(mine, stored.get("curves", {}), metric, val_label,
                                  where=stored["machine"], differs=differs)


def plot_beside_reference(mine: dict, theirs: dict, metric: str, val_label: str,
                          where: str, differs: tuple[str, str] = ("", "")) -> None:
    """One panel per run: ``metric`` per epoch here (solid) and in the reference (dashed);
    ``differs`` is added to their legend entries (see :func:`compare_with_reference`)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from course.runtime.profiles import resolve_profile

    label = metric.replace("val_", f"{val_label} ")
    fig, axes = plt.subplots(1, len(mine), figsize=(max(3.3 * len(mine), 5.5) + 0.4, 3),
                             squeeze=False, sharey=True)
    for ax, (name, history) in zip(axes.flat, mine.items(), strict=True):
        values = history.get(metric, [])
        ax.plot(range(1, len(values) + 1), values, "o-", color="C0", markersize=4,
                label=", ".join(filter(None, [f"this run ({resolve_profile().name})",
                                              differs[0]])))
        reference_values = theirs.get(name, {}).get(metric)
        if reference_values:
            ax.plot(range(1, len(reference_values) + 1), reference_values, "s--", color="C1",
                    markersize=3,
                    label=", ".join(filter(None, [f"reference (full, {where})", differs[1]])))
        else:
            ax.text(0.5, 0.5, "no reference curve yet", transform=ax.transAxes,
                    ha="center", color="0.4", fontsize=8)
        ax.set(title=name, xlabel="epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes.flat[0].set_ylabel(label)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat[1:]:  # one legend, with the reference's entry if any panel has one
        more = ax.get_legend_handles_labels()
        if len(more[0]) > len(handles):
            handles, labels = more
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    plt.show()


def benchmark(name: str, folder: Path = BENCHMARK_RESULTS, part: str | None = None) -> dict | None:
    """What ``benchmarks/<name>_bench.py`` last stored in ``results/<name>.json``: its
    ``part`` entry (default: its ``name`` entry where the file has one, else all of it), or
    None when it has not run."""
    try:
        stored = json.loads((Path(folder) / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict):
        return None
    return stored.get(part) if part else stored.get(name, stored)
