"""The fast CIFAR-10 recipe on this machine: accuracy against training minutes, and how close
the lesson networks come to the machine's convolution peak.

1. **Peak.** Training GFLOP/s of a stack of four 3x3 convolutions at each shape the lesson
   models use (batches of 256), in float32 and in mixed_bfloat16; the best shape is the
   machine's practical peak for that precision.
2. **Throughput** of the lesson-05 and lesson-07 models on random data, as a fraction of the
   peak of the precision they train in (3 forward passes per training image, 2 FLOPs per
   multiply-add).
3. **The recipe.** ``course.models.cifar_fast`` with its stem whitened
   (``course.models.whiten_stem``) + ``course.train.fit_fast`` on all 50,000 training images,
   built in the precision the speed probe chose (``course.train.precision``) or
   ``--precision``, tested on all 10,000 test images after every epoch (testing time is
   not training time), plain and with test-time augmentation (flip; flip and 1-pixel
   shifts, six views: :func:`tta_views`). ``--compare`` also trains the other precision
   for the same epochs.

Backend-neutral: under ``KERAS_BACKEND=jax`` it runs without TensorFlow and writes
``results/recipe-jax.json``. ``--smoke`` runs every step at a tiny size (a minute) and
writes ``build/recipe-smoke.json``.

    COURSE_DATA_DIR=~/course-datasets python benchmarks/recipe_bench.py [--epochs 18] [--compare]
    python benchmarks/recipe_bench.py --smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import course  # noqa: E402
from course import models, train  # noqa: E402
from course.runtime import (
    cost,  # noqa: E402
    speed,  # noqa: E402
)

HERE = Path(__file__).resolve().parent
POLICIES = ("float32", "mixed_bfloat16")
EPOCHS, WIDTH = 18, 32

# The lesson models at the widths their lessons train in the quick profile, and the batch
# sizes they train with; the recipe's network is measured in its training run as well.
MODELS = {
    "mnist_cnn (05)": (models.mnist_cnn, 128),
    "fashion_cnn (05)": (models.fashion_cnn, 128),
    "cifar_plain (07)": (lambda: models.cifar_plain(16), 128),
    "cifar_residual (07)": (lambda: models.cifar_residual(16), 128),
    "cifar_residual_pool (07)": (lambda: models.cifar_residual(16, pool=True), 128),
    "plain20 (07)": (lambda: models.resnet_stack(20, 16, residual=False), 128),
    "residual20 (07)": (lambda: models.resnet_stack(20, 16), 128),
    "cifar_fast (07)": (models.cifar_fast, 256),
}


def results_file(smoke: bool) -> Path:
    if smoke:
        return HERE.parent / "build" / "recipe-smoke.json"
    backend = keras.backend.backend()
    name = "recipe.json" if backend == "tensorflow" else f"recipe-{backend}.json"
    return HERE / "results" / name


def timed_passes(model, x, y, batch_size: int, passes: int = 3) -> float:
    """Training images/s: the best of ``passes`` epochs over ``x`` after a warm-up (which
    compiles); a busy or throttled machine only slows a pass down."""
    model.fit(x[:3 * batch_size], y[:3 * batch_size], batch_size=batch_size, verbose=0)
    seconds = []
    for _ in range(passes):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, verbose=0, shuffle=False)
        seconds.append(time.perf_counter() - start)
    return len(x) / min(seconds)


def conv_shapes(batch: int) -> list[tuple[int, int, int]]:
    """(height, width, channels) of every 3x3 stride-1 convolution with as many output as
    input channels in the lesson models: the operation they spend their time in."""
    shapes = set()
    for build, _ in MODELS.values():
        for layer in build().layers:
            if (isinstance(layer, keras.layers.Conv2D) and layer.kernel_size == (3, 3)
                    and layer.strides == (1, 1) and layer.input.shape[-1] == layer.filters):
                shapes.add(tuple(int(d) for d in layer.output.shape[1:]))
    return sorted(shapes)


def conv_gflops(shape, policy: str, batch: int, batches: int) -> float:
    """Training GFLOP/s of four 3x3 convolutions at ``shape`` under ``policy``: forward,
    weight gradients and the input gradients of the last three (11 convolutions' work)."""
    h, w, c = shape
    with train.precision(policy):
        model = keras.Sequential([keras.Input(shape), *[
            keras.layers.Conv2D(c, 3, padding="same", use_bias=False) for _ in range(4)]])
    model.compile(keras.optimizers.SGD(0.001), "mse", jit_compile=train.xla_pays_off())
    rng = np.random.default_rng(0)
    x = rng.random((batch * batches, h, w, c), dtype=np.float32)
    rate = timed_passes(model, x, np.zeros_like(x), batch)
    return 2 * h * w * 9 * c * c * 11 * rate / 1e9


def peak(batch: int, batches: int, shapes=None) -> dict:
    """Per precision: GFLOP/s at each convolution shape and the best of them."""
    found = {}
    for policy in POLICIES:
        rates = {f"{h}x{w}x{c}": round(conv_gflops((h, w, c), policy, batch, batches), 1)
                 for h, w, c in shapes or conv_shapes(batch)}
        best = max(rates, key=rates.get)
        found[policy] = {"gflops": rates[best], "shape": best, "batch_size": batch,
                         "by_shape": rates}
        print(f"{policy} convolution peak: {rates[best]:.1f} GFLOP/s at {best} "
              f"({', '.join(f'{k} {v}' for k, v in rates.items())})", flush=True)
    return found


def throughput(name: str, policy: str, peaks: dict, batches: int) -> dict:
    """Training images/s of one lesson model on random data and its share of the peak."""
    build, batch = MODELS[name]
    with train.precision(policy):
        model = build()
    model.compile(keras.optimizers.SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy",
                  jit_compile=train.xla_pays_off())
    rng = np.random.default_rng(0)
    x = rng.random((batch * batches, *model.input_shape[1:]), dtype=np.float32)
    rate = timed_passes(model, x, rng.integers(0, 10, len(x)), batch)
    mults = cost.multiplies(model)
    gflops = 6 * mults * rate / 1e9
    return {"params": model.count_params(), "multiplies_per_image": mults, "batch_size": batch,
            "xla": bool(train.xla_pays_off()), "policy": policy,
            "images_per_second": round(rate, 1), "gflops": round(gflops, 2),
            "fraction_of_peak": round(gflops / peaks[policy]["gflops"], 3)}


def tta_views(images: np.ndarray) -> dict:
    """Test-time augmentation: each image, its mirror, and both moved one pixel up-left and
    one pixel down-right (zeros shifted in), six views whose predictions are summed."""
    views = {"image": images, "mirror": images[:, :, ::-1]}
    for name, base in list(views.items()):
        padded = np.pad(base, ((0, 0), (1, 1), (1, 1), (0, 0)))
        views[f"{name} up-left"] = padded[:, 2:, 2:]
        views[f"{name} down-right"] = padded[:, :-2, :-2]
    return views


def accuracy(probabilities, labels) -> float:
    return float(np.mean(np.asarray(probabilities).argmax(1) == labels))


def train_to_accuracy(epochs: int, policy: str, width: int, samples=None) -> dict:
    """The recipe for ``epochs`` epochs in ``policy``; the test accuracy after each one."""
    x_train, y_train, x_test, y_test = course.data.load("cifar10")
    if samples:
        x_train, y_train = x_train[:samples], y_train[:samples]
        x_test, y_test = x_test[:samples // 2], y_test[:samples // 2]
    keras.utils.set_random_seed(0)
    with train.precision(policy):
        model = models.cifar_fast(width)
    models.whiten_stem(model, x_train)
    recipe = train.Recipe(epochs=epochs)
    views = {name: train.dataset(images, y_test, 500) for name, images in tta_views(x_test).items()}
    curve, clock = [], {"trained": 0.0}

    class TestEachEpoch(keras.callbacks.Callback):
        """Times each epoch's training pass, then tests the model (not timed)."""

        def on_epoch_begin(self, epoch, logs=None):
            clock["started"] = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            clock["trained"] += time.perf_counter() - clock["started"]
            p = {name: model.predict(ds, verbose=0) for name, ds in views.items()}
            flip = p["image"] + p["mirror"]
            curve.append({"epoch": epoch + 1, "minutes": round(clock["trained"] / 60, 2),
                          "test_accuracy": accuracy(p["image"], y_test),
                          "test_accuracy_flip_tta": accuracy(flip, y_test),
                          "test_accuracy_tta6": accuracy(sum(p.values()), y_test)})
            print(f"  {policy} epoch {epoch + 1}: {curve[-1]['minutes']:.1f} min, test accuracy "
                  f"{curve[-1]['test_accuracy']:.4f} (flip TTA "
                  f"{curve[-1]['test_accuracy_flip_tta']:.4f}, 6 views "
                  f"{curve[-1]['test_accuracy_tta6']:.4f})", flush=True)

    run = train.fit_fast(model, x_train, y_train, recipe, callbacks=[TestEachEpoch()],
                         verbose=False)
    mults = cost.multiplies(model)
    return {"recipe": recipe.__dict__, "policy": policy, "width": width,
            "params": model.count_params(), "multiplies_per_image": mults,
            "xla": bool(train.xla_pays_off()),
            "train_images": len(y_train), "test_images": len(y_test),
            "data_source": course.runtime.report.RECORDED.get("data_cifar10", "?"),
            "train_seconds": round(run.seconds, 1), "train_minutes": round(run.seconds / 60, 2),
            "images_per_second": round(run.images_per_second, 1),
            "gflops": round(6 * mults * run.images_per_second / 1e9, 2),
            "final_test_accuracy": curve[-1]["test_accuracy"],
            "final_test_accuracy_flip_tta": curve[-1]["test_accuracy_flip_tta"],
            "final_test_accuracy_tta6": curve[-1]["test_accuracy_tta6"],
            "curve": curve}


def machine() -> dict:
    return {"cpus": os.cpu_count(), "cpu": speed.cpu_name(), "platform": platform.platform(),
            "bfloat16_instructions": speed.has_bfloat16(), "gpu": train.on_gpu(),
            "load_average": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"recipe epochs ({EPOCHS})")
    parser.add_argument("--width", type=int, default=WIDTH, help=f"cifar_fast width ({WIDTH})")
    parser.add_argument("--precision", choices=POLICIES,
                        help="the recipe's dtype policy (default: the speed probe's choice)")
    parser.add_argument("--compare", action="store_true",
                        help="also train the other precision for the same epochs")
    parser.add_argument("--throughput-only", action="store_true",
                        help="measure the peak and the throughputs, keep the stored recipe run")
    parser.add_argument("--smoke", action="store_true", help="every step at a tiny size")
    parser.add_argument("--no-tensorflow", action="store_true",
                        help="fail if TensorFlow was imported (a check of the JAX path)")
    args = parser.parse_args()
    out = results_file(args.smoke)
    stored = json.loads(out.read_text()) if out.exists() else {}
    choice = speed.cpu_choice() if not train.on_gpu() else None
    policy = args.precision or train.default_policy()
    print(f"{keras.backend.backend()}, keras {keras.__version__}; speed: "
          f"{choice.describe() if choice else 'GPU'}; recipe in {policy}", flush=True)
    batches = 2 if args.smoke else 12
    peaks = peak(8 if args.smoke else 256, batches, [(8, 8, 16)] if args.smoke else None)
    speeds = {}
    for name in (["cifar_fast (07)"] if args.smoke else MODELS):
        for p in (POLICIES if name.startswith("cifar_fast") else ("float32",)):
            speeds[f"{name} {p}"] = throughput(name, p, peaks, batches)
            print(f"{name:26} {p:15} {speeds[f'{name} {p}']}", flush=True)
    samples = 512 if args.smoke else None
    epochs = 1 if args.smoke else args.epochs
    if args.throughput_only:
        recipe, comparison = stored.get("recipe"), stored.get("comparison")
    else:
        recipe = train_to_accuracy(epochs, policy, args.width, samples)
        other = POLICIES[1 - POLICIES.index(policy)]
        comparison = (train_to_accuracy(epochs, other, args.width, samples)
                      if args.compare else None)
    if recipe:
        recipe["fraction_of_peak"] = round(recipe["gflops"] / peaks[recipe["policy"]]["gflops"], 3)
    result = {
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine(),
        "versions": {"backend": speed.backend_version(), "keras": keras.__version__},
        "speed_choice": None if choice is None else {
            "jit_compile": choice.jit_compile, "bfloat16": choice.bfloat16,
            "measured": choice.measured},
        "peak": peaks,
        "peak_gflops": peaks["float32"]["gflops"],
        "throughput": speeds,
        "recipe": recipe,
        "comparison": comparison,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    if args.no_tensorflow and "tensorflow" in sys.modules:
        raise SystemExit(f"TensorFlow was imported on the {keras.backend.backend()} backend")


if __name__ == "__main__":
    main()
