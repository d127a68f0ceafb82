"""Train every model that lessons 05 and 07 train, at the sizes of the `quick` profile.

For each: test accuracy on the full test set, training seconds and training images per
second (``course.train.fit``'s clock: the training passes, compilation included,
validation excluded). Writes ``benchmarks/results/training.json`` and the table between
the markers in ``benchmarks/README.md``. Needs the full datasets (``COURSE_DATA_DIR``
or the Keras cache); the CPU load average is recorded because a busy machine makes
every figure pessimistic.

    COURSE_DATA_DIR=~/course-datasets python benchmarks/training_bench.py [name ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from run import replace_between  # noqa: E402  (benchmarks/run.py)

import course  # noqa: E402
from course import models, train  # noqa: E402
from course.setup import Profile  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "training.json"
README = HERE / "README.md"
BEGIN, END = "<!-- training:begin -->", "<!-- training:end -->"
QUICK = Profile.named("quick")

# name: (lesson, dataset, builder, training images (None: all), epochs) as the lessons
# set them for `quick`; every model trains in batches of QUICK.batch_size.
MODELS = {
    "mnist_cnn": ("05", "mnist", models.mnist_cnn, None, 5),
    "fashion_dnn": ("05", "fashion_mnist", models.fashion_dnn, None, 2),
    "fashion_cnn": ("05", "fashion_mnist", models.fashion_cnn, None, 2),
    "cifar_plain": ("07", "cifar10", lambda: models.cifar_plain(16), 5000, 2),
    "cifar_residual": ("07", "cifar10", lambda: models.cifar_residual(16), 5000, 2),
    "cifar_residual_pool": ("07", "cifar10", lambda: models.cifar_residual(16, pool=True),
                            5000, 2),
    "plain8": ("07", "cifar10", lambda: models.resnet_stack(8, 16, residual=False), 3000, 4),
    "plain20": ("07", "cifar10", lambda: models.resnet_stack(20, 16, residual=False), 3000, 4),
    "residual20": ("07", "cifar10", lambda: models.resnet_stack(20, 16), 3000, 4),
}


def bench(name: str, data: dict) -> dict:
    lesson, dataset, build, samples, epochs = MODELS[name]
    x_train, y_train, x_test, y_test = data[dataset]
    x_train, y_train = course.data.subset(x_train, y_train, samples)
    keras.utils.set_random_seed(42)
    model = build()
    load_before = os.getloadavg()[0]
    run = train.fit(model, x_train, y_train, epochs=epochs, batch_size=QUICK.batch_size)
    result = train.evaluate(model, x_test, y_test)
    return {"lesson": lesson, "dataset": dataset, "params": run.params,
            "train_images": len(y_train), "epochs": epochs, "batch_size": QUICK.batch_size,
            "test_images": len(y_test), "test_accuracy": round(result.accuracy, 4),
            "train_seconds": round(run.seconds, 1),
            "images_per_second": round(run.images_per_second, 1),
            "load_average": round((load_before + os.getloadavg()[0]) / 2, 2)}


def table(results: dict) -> str:
    lines = ["| lesson | model | params | training images x epochs | test accuracy | "
             "training s | images/s | load avg |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        lines.append(f"| {r['lesson']} | {name} | {r['params']:,} | "
                     f"{r['train_images']:,} x {r['epochs']} | {r['test_accuracy']:.2%} | "
                     f"{r['train_seconds']:.0f} | {r['images_per_second']:,.0f} | "
                     f"{r['load_average']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="name",
                        help=f"models to train, of {', '.join(MODELS)} (default: all); the "
                        "others keep their stored result")
    names = parser.parse_args().names or list(MODELS)
    if unknown := sorted(set(names) - set(MODELS)):
        parser.error(f"unknown model {', '.join(unknown)}: use {', '.join(MODELS)}")
    data = {d: course.data.load(d, QUICK) for d in {MODELS[n][1] for n in names}}
    stored = json.loads(RESULTS.read_text())["models"] if RESULTS.exists() else {}
    results = {}
    for name in MODELS:
        if name in names:
            results[name] = bench(name, data)
            print(f"{name}: {results[name]}", flush=True)
        elif name in stored:
            results[name] = stored[name]
    meta = {"finished": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.platform(),
            "cpus": os.cpu_count(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "gpus": len(tf.config.list_physical_devices("GPU")), "profile": QUICK.name}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({**meta, "models": results}, indent=1) + "\n")
    replace_between(README, BEGIN, END, table(results))
    print(table(results))


if __name__ == "__main__":
    main()
