"""Estimated time of each lesson in the `full` profile, from the work a trial run counts.

``python -m course run --profile full --trial`` runs every lesson with its training cut
short and records the work the real run would do (``course.runtime.trial``): floating-point
operations of training and evaluation, and training steps. No GPU was available to
measure the full profile, so ``estimate`` turns that work into times, with these
assumptions (ESTIMATES, to be replaced by measured times from a GPU run):

- sustained GPU rate, from NVIDIA's published ResNet-50 v1.5 figures
  (NVIDIA/DeepLearningExamples, PyTorch/Classification/ConvNets/resnet50v1.5):
  T4 mixed-precision inference 1,190 img/s at batch 128, A100 mixed-precision training
  2,470 img/s. ResNet-50 does 4.1 G multiply-adds (8.2 GFLOP) per image forward and a
  training image costs three forward passes: 9.8 TFLOP/s (T4) and 60.8 TFLOP/s (A100).
- 5 ms per training step on either GPU for what does not scale with FLOPs (kernel
  launches, the Python step loop, the input pipeline). For the course's small 32x32
  networks this term dominates.
- on this CPU, the work runs at the median rate measured for the lesson-07 models in
  ``results/recipe.json`` (no GPU overhead term: the CPU is busy with FLOPs).
"""

from __future__ import annotations

import statistics

GPU_TFLOPS = {"T4": 9.8, "A100": 60.8}
STEP_OVERHEAD_S = 0.005


def estimate(figures: dict, cpu_gflops: float | None = None) -> dict | None:
    """{device: seconds} for one lesson's full run, from a trial's recorded figures."""
    if "trial_train_flop" not in figures:
        return None
    flop = figures["trial_train_flop"] + figures["trial_eval_flop"]
    steps = figures["trial_train_steps"]
    seconds = {gpu: flop / (rate * 1e12) + steps * STEP_OVERHEAD_S
               for gpu, rate in GPU_TFLOPS.items()}
    if cpu_gflops and flop:  # no FLOPs counted (layers multiplies() does not know): no figure
        seconds["this CPU"] = flop / (cpu_gflops * 1e9)
    return {"tflop": round(flop / 1e12, 2), "train_steps": steps,
            **{f"{device}_s": round(s, 1) for device, s in seconds.items()}}


def cpu_gflops(recipe: dict | None) -> float | None:
    """The median training GFLOP/s of the models ``recipe_bench.py`` measured."""
    if not recipe:
        return None
    return statistics.median(t["gflops"] for t in recipe["throughput"].values())


def per_lesson(report: dict | None, recipe: dict | None) -> dict | None:
    """{lesson: estimate} from the ``full-trial`` entries of the run report.

    A lesson that trains nothing has only its trial time.
    """
    if not report:
        return None
    rate = cpu_gflops(recipe)
    found = {entry["notebook"].removesuffix(".ipynb"): {
                 "trial_s": entry["seconds"], **(estimate(entry["figures"], rate) or {})}
             for entry in report["lessons"]
             if entry["profile"] == "full-trial" and entry["status"] == "ok"}
    return dict(sorted(found.items())) or None
