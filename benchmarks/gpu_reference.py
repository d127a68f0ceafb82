"""Lessons 07 and 09's experiments at the notes' scale, on any Keras backend.

The GPU machine this project is sometimes lent has JAX but no TensorFlow and no
network, so the lessons' notebooks cannot run there; their training can. This script
trains what lessons 07 and 09 train in the ``full`` profile, with the same builders,
data split (45,000 training, 5,000 validation, all 10,000 test images), calls and
settings (``course.models``, ``course.train``), and writes each lesson's figures and
per-epoch curves in ``results/reference.json``'s format to ``OUT/reference.json``, to
bring back and merge with ``--merge``. ``benchmarks/gpu_reference.sh`` prepares and runs
it on the lent machine.

    KERAS_BACKEND=jax COURSE_DATA_DIR=... python benchmarks/gpu_reference.py --out DIR
    python benchmarks/gpu_reference.py --scale small --out build/gpu-small  # a CPU check
    python benchmarks/gpu_reference.py --merge DIR/reference.json  # into results/
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from course import data, models, runs, train  # noqa: E402
from course.runtime import files  # noqa: E402
from course.runtime.paths import BENCHMARK_RESULTS  # noqa: E402

# The lessons' full-profile sizes, and a small scale that checks the script on a CPU.
SCALES = {
    "full": {"samples": None, "test": None, "notes_width": 128, "notes_epochs": 5,
             "stacks": (20, 56), "stack_epochs": 20, "fast_epochs": 15,
             "xai_width": 64, "xai_epochs": 30},
    "small": {"samples": 1000, "test": 500, "notes_width": 8, "notes_epochs": 1,
              "stacks": (8, 14), "stack_epochs": 1, "fast_epochs": 1,
              "xai_width": 8, "xai_epochs": 1},
}
NOTES_NETWORKS = {"plain": models.cifar_plain, "residual": models.cifar_residual,
                  "residual + pooling": lambda w: models.cifar_residual(w, pool=True),
                  "pooling, no adds": lambda w: models.cifar_residual(w, pool=True, adds=False)}


def split(scale: dict):
    """Lessons 07 and 09's split: the last tenth of the training set for validation."""
    x_all, y_all, x_test, y_test = data.load("cifar10")
    held_out = len(y_all) // 10
    x_train, y_train = data.subset(x_all[:-held_out], y_all[:-held_out], scale["samples"])
    x_test, y_test = data.subset(x_test, y_test, scale["test"])
    return (x_train, y_train), (x_all[-held_out:], y_all[-held_out:]), (x_test, y_test)


def tested(model, run, test) -> float:
    accuracy = train.evaluate(model, *test).accuracy
    print(f"  {model.name}: {accuracy:.2%} on {len(test[1]):,} test images "
          f"({run.seconds:.0f} s of training)", flush=True)
    return accuracy


def lesson_07(scale: dict) -> tuple[dict, dict]:
    trained, val, test = split(scale)
    width, figures, curves = scale["notes_width"], {"cifar_width": scale["notes_width"]}, {}
    for name, build in NOTES_NETWORKS.items():  # section 1: the notes' networks, Adam
        model = build(width)
        run = train.fit(model, *trained, epochs=scale["notes_epochs"], batch_size=128,
                        validation_data=val, verbose=False)
        figures[f"{model.name}_test_accuracy"] = tested(model, run, test)
        curves[name] = run
    shallow, deep = scale["stacks"]  # section 4: degradation, with the fast recipe
    figures["degradation"] = f"{shallow} vs {deep} layers"
    recipe = train.Recipe(epochs=scale["stack_epochs"])
    for model in (models.resnet_stack(shallow, residual=False),
                  models.resnet_stack(deep, residual=False), models.resnet_stack(deep)):
        run = train.fit_fast(model, *trained, recipe, validation_data=val, verbose=False)
        figures[f"{model.name}_train_loss"] = run.last("loss")
        figures[f"{model.name}_test_accuracy"] = tested(model, run, test)
    with train.precision():  # section 5: the fast recipe
        model = models.cifar_fast()
    models.whiten_stem(model, trained[0])
    run = train.fit_fast(model, *trained, train.Recipe(epochs=scale["fast_epochs"]),
                         validation_data=val, verbose=False)
    figures["fast_recipe_test_accuracy"] = tested(model, run, test)
    figures["fast_recipe_minutes"] = run.seconds / 60
    return figures, runs.histories(curves)


def lesson_09(scale: dict) -> tuple[dict, dict]:
    trained, val, test = split(scale)
    model = models.xai_net(scale["xai_width"])
    run = train.fit_fast(model, *trained, train.Recipe(epochs=scale["xai_epochs"]),
                         validation_data=val, verbose=False)
    figures = {"test_accuracy": tested(model, run, test),
               "train_seconds": round(run.seconds, 1)}
    return figures, runs.histories({"xai": run})


LESSONS = {"07": ("07_plain_vs_residual.ipynb", lesson_07),
           "09": ("09_what_the_network_sees.ipynb", lesson_09)}


def entry(lesson: str, scale_name: str) -> dict:
    notebook, run_lesson = LESSONS[lesson]
    keras.utils.set_random_seed(0)
    started = time.perf_counter()
    figures, curves = run_lesson(SCALES[scale_name])
    return runs.reference_entry(
        notebook, scale_name, figures, curves, [],
        "trained by benchmarks/gpu_reference.py (the lesson's training, outside the notebook)",
        (time.perf_counter() - started) / 60)


def merge(path: Path) -> None:
    """Copy the full-scale entries of a brought-back reference.json into results/."""
    target = BENCHMARK_RESULTS / "reference.json"
    stored = json.loads(target.read_text()) if target.exists() else {}
    fresh = {k: v for k, v in json.loads(Path(path).read_text()).items()
             if v.get("profile") == "full"}
    if not fresh:
        raise SystemExit(f"{path} holds no full-scale entry: nothing to merge")
    files.write_text(target, json.dumps({**stored, **fresh}, indent=1, sort_keys=True) + "\n")
    print(f"merged lessons {', '.join(sorted(fresh))} into {target}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", choices=[[], *sorted(LESSONS)],
                        help="07, 09 or both (default)")
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "gpu-reference")
    parser.add_argument("--merge", type=Path, help="merge a brought-back reference.json")
    args = parser.parse_args(argv)
    if args.merge:
        return merge(args.merge)
    print(f"keras {keras.__version__} on {keras.backend.backend()}, {runs.machine()}; "
          f"scale {args.scale}", flush=True)
    out = args.out / "reference.json"
    done = json.loads(out.read_text()) if out.exists() else {}
    for lesson in args.lessons or sorted(LESSONS):  # each lesson is written as soon as it has run
        done[lesson] = entry(lesson, args.scale)
        files.write_text(out, json.dumps(done, indent=1, sort_keys=True) + "\n")
        print(f"{lesson}: {done[lesson]['summary']}", flush=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
