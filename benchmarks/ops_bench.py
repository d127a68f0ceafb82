"""Time course.ops.correlate2d against OpenCV and TensorFlow on the same convolution.

A 512x512x3 float32 image and 16 3x3 filters, padding "same": what one Conv2D layer
does to a small photo. OpenCV has no multi-channel-in, multi-filter-out convolution, so
its version runs ``cv2.filter2D`` once per (input channel, filter) pair and sums over the
input channels. Each timing is the median of several warm runs. Writes
``benchmarks/results/ops.json`` and prints a table.

    python benchmarks/ops_bench.py   # with the course installed (make install)
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from course import ops  # noqa: E402

SHAPE, FILTERS, KERNEL = (512, 512, 3), 16, 3
REPEATS = 7
RESULTS = Path(__file__).resolve().parent / "results" / "ops.json"


def by_opencv(x, k):
    """Sum over input channels of ``cv2.filter2D`` (zero border) for each filter."""
    out = np.zeros((*x.shape[:2], k.shape[-1]), np.float32)
    for o in range(k.shape[-1]):
        for c in range(k.shape[-2]):
            out[..., o] += cv2.filter2D(x[..., c], cv2.CV_32F, k[:, :, c, o],
                                        borderType=cv2.BORDER_CONSTANT)
    return out


def by_tensorflow(x, k):
    return tf.nn.conv2d(x[None], k, strides=1, padding="SAME")[0].numpy()


def by_course(x, k):
    return ops.correlate2d(x, k, padding="same")


def median_ms(fn, *args):
    fn(*args)  # warm-up: TF traces and allocates on the first call
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    rng = np.random.default_rng(0)
    x = rng.random(SHAPE, dtype=np.float32)
    k = rng.standard_normal((KERNEL, KERNEL, SHAPE[-1], FILTERS)).astype(np.float32)
    runs = {"course.ops": by_course, "opencv": by_opencv, "tensorflow": by_tensorflow}
    outputs = {name: fn(x, k) for name, fn in runs.items()}
    diffs = {name: float(np.abs(outputs[name] - outputs["course.ops"]).max())
             for name in ("opencv", "tensorflow")}
    ms = {name: median_ms(fn, x, k) for name, fn in runs.items()}
    result = {
        "task": f"correlate {SHAPE} float32 with {FILTERS} {KERNEL}x{KERNEL} filters, "
                "padding 'same'",
        "timings_ms": {name: round(value, 3) for name, value in ms.items()},
        "ratios": {"ours_over_opencv": round(ms["course.ops"] / ms["opencv"], 3),
                   "ours_over_tensorflow": round(ms["course.ops"] / ms["tensorflow"], 3)},
        "max_abs_diff_vs_ours": diffs,
        "repeats": REPEATS,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "versions": {"numpy": np.__version__, "opencv": cv2.__version__,
                     "tensorflow": tf.__version__},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")

    print(result["task"])
    print(f"{'library':<12} {'median ms':>10} {'ours / it':>10} {'max |diff|':>11}")
    for name, value in ms.items():
        ratio = ms["course.ops"] / value
        diff = f"{diffs[name]:.1e}" if name in diffs else "-"
        print(f"{name:<12} {value:>10.2f} {ratio:>10.2f} {diff:>11}")
    print(f"wrote {RESULTS}")
    if max(diffs.values()) > 1e-4:
        raise SystemExit(f"the three disagree: max abs diff {diffs}")


if __name__ == "__main__":
    main()
