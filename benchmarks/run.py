"""Every measured figure of the course in one file, and a summary table in README.md.

Collects what the benchmarks and the last runs wrote: ``results/ops.json``
(ops_bench.py), ``results/training.json`` (training_bench.py), ``results/recipe.json``
(recipe_bench.py), the per-lesson times of ``build/report.json`` (``make course``, any
profile; a ``--trial`` run of ``full`` gives full_estimate.py's estimates) and the
test-suite times of ``build/pytest.xml`` (``make test``) and ``build/ci-times.json``
(``.ci/run``). A source that is missing keeps its stored figures.
Writes ``benchmarks/results.json`` and the table between the markers in README.md.

    python benchmarks/run.py                       # collect only
    python benchmarks/run.py ops recipe training   # run those benchmarks first
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import full_estimate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.json"
README = ROOT / "README.md"
BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"
BENCHES = {"ops": "ops_bench.py", "training": "training_bench.py", "recipe": "recipe_bench.py"}
# How much slower the slower of the two 2-core machine kinds the course is built on (no
# AVX-512) trains than the faster (AVX-512, AVX512_BF16): the speed probe of that time
# (before 81c9b20 changed its network) measured float32 1,738 images/s on the faster and
# 567 on the slower (issue 25). The lesson table scales quick times measured on the faster
# kind by it: a conservative estimate, since start-up and plotting do not slow down 3x
# (lesson 05 took 378 s there against about 230 s here, 1.6x).
SLOWER_KIND_RATIO = 1738 / 567


def load(path: Path):
    return json.loads(path.read_text()) if path.exists() else None


def lessons(report, stored=None) -> dict | None:
    """{lesson: {profile: seconds}} from the run report, the latest run of each, on top of
    the ``stored`` times (so a run of some lessons keeps the others' figures)."""
    if not report:
        return None
    times: dict = {lesson: dict(profiles) for lesson, profiles in (stored or {}).items()}
    for entry in report["lessons"]:
        if entry["status"] == "ok":
            times.setdefault(entry["notebook"].removesuffix(".ipynb"), {})[entry["profile"]] = (
                entry["seconds"])
    return dict(sorted(times.items()))


def lesson_machines(report, stored=None) -> dict | None:
    """{lesson: {profile: machine kind}}: where each time in ``lessons`` was measured."""
    if not report:
        return None
    kinds: dict = {lesson: dict(profiles) for lesson, profiles in (stored or {}).items()}
    for entry in report["lessons"]:
        if entry["status"] == "ok" and entry.get("machine_kind"):
            kinds.setdefault(entry["notebook"].removesuffix(".ipynb"), {})[entry["profile"]] = (
                entry["machine_kind"])
    return dict(sorted(kinds.items()))


def slower_kind(seconds, kind: dict | None) -> str:
    """``seconds`` measured on machine ``kind``, as the slower kind would take them."""
    if not isinstance(seconds, (int, float)) or not kind:
        return "-"
    return f"{seconds * (SLOWER_KIND_RATIO if kind.get('avx512') else 1):.0f}"


def test_suite(junit: Path, ci_times) -> dict | None:
    """Seconds of the unit tests and of nbval per notebook, from pytest's JUnit XML."""
    if not junit.exists():
        return None
    unit, notebooks = 0.0, {}
    for case in ET.parse(junit).iter("testcase"):
        seconds = float(case.get("time", 0))
        name = case.get("classname", "")
        if ".ipynb" in case.get("file", "") + name:
            lesson = name.split(".ipynb")[0].split(".")[-1]
            notebooks[lesson] = round(notebooks.get(lesson, 0.0) + seconds, 1)
        else:
            unit += seconds
    suite = {"unit_tests_s": round(unit, 1), "nbval_s": round(sum(notebooks.values()), 1),
             "nbval_per_notebook_s": dict(sorted(notebooks.items()))}
    return {**suite, **(ci_times or {})}


def _merged(stored: dict | None, fresh: dict | None) -> dict | None:
    """Per-lesson entries of this run on top of the stored ones (None when neither)."""
    if fresh is None:
        return stored
    return dict(sorted({**(stored or {}), **fresh}.items()))


def collect(stored: dict) -> dict:
    found = {
        "ops": load(HERE / "results" / "ops.json"),
        "training": load(HERE / "results" / "training.json"),
        "recipe": load(HERE / "results" / "recipe.json"),
        "lessons": lessons(load(ROOT / "build" / "report.json"), stored.get("lessons")),
        "lesson_machines": lesson_machines(load(ROOT / "build" / "report.json"),
                                           stored.get("lesson_machines")),
        "full_estimate": _merged(stored.get("full_estimate"), full_estimate.per_lesson(
            load(ROOT / "build" / "report.json"), load(HERE / "results" / "recipe.json"))),
        "test_suite": test_suite(ROOT / "build" / "pytest.xml",
                                 load(ROOT / "build" / "ci-times.json")),
    }
    return {k: v if v is not None else stored.get(k) for k, v in found.items()}


def table(results: dict) -> str:
    lines = []
    if (bench := results.get("recipe")) and bench.get("recipe"):
        lines += recipe_table(bench)
    if times := results.get("lessons"):
        full = results.get("full_estimate") or {}
        machines = results.get("lesson_machines") or {}
        lines += ["", "**Lesson wall time** (`make course`, seconds; `full`: a trial run here and "
                  "ESTIMATES from the work it counted, see benchmarks/full_estimate.py; "
                  "quick on the slower CPU: a time measured on the AVX-512 kind times "
                  f"{SLOWER_KIND_RATIO:.2f}, the probe's ratio between the two 2-core kinds):",
                  "",
                  "| lesson | smoke | quick | quick, slower CPU (est.) | full trial "
                  "| full, T4 (est.) | full, A100 (est.) | full, this CPU (est.) "
                  "| full, reference run (measured) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        measured = reference_times(load(HERE / "results" / "reference.json") or {})
        for name, t in times.items():
            f = full.get(name, {})
            slower = slower_kind(t.get("quick"), machines.get(name, {}).get("quick"))
            lines.append(f"| {name} | {t.get('smoke', '-')} | {t.get('quick', '-')} | {slower} | "
                         f"{f.get('trial_s', '-')} | {_duration(f.get('T4_s'))} | "
                         f"{_duration(f.get('A100_s'))} | {_duration(f.get('this CPU_s'))} | "
                         f"{measured.get(name, '-')} |")
        quick_kinds = {json.dumps(m["quick"], sort_keys=True) for m in machines.values()
                       if "quick" in m}
        if quick_kinds:
            from course.runtime.speed import describe_machine

            lines += ["", "Quick times measured on: " + "; ".join(
                describe_machine(json.loads(k)) for k in sorted(quick_kinds)) + "."]
    if suite := results.get("test_suite"):
        lines += ["", f"**`make test`** (seconds of work, added over its workers): unit tests "
                  f"{suite['unit_tests_s']:.0f} s, nbval over "
                  f"{len(suite['nbval_per_notebook_s'])} notebooks {suite['nbval_s']:.0f} s"
                  + (f"; `.ci/run` (wall clock): install {suite['install_s']} s, `make test` "
                     f"{suite['make_test_s']} s, `make test-colab` {suite['make_test_colab_s']} "
                     f"s, `make test-jax` {suite['make_test_jax_s']} s, in all {suite['total_s']} s"
                     + (f" on {suite['machine']}" if "machine" in suite else "")
                     if "make_test_s" in suite else "") + "."]
    if ops := results.get("ops"):
        ms = ops["timings_ms"]
        lines += ["", f"**`course.ops` reference convolution** ({ops['task']}): "
                  f"{ms['course.ops']:.0f} ms; OpenCV {ms['opencv']:.0f} ms "
                  f"(ratio {ops['ratios']['ours_over_opencv']:.2f}); TensorFlow "
                  f"{ms['tensorflow']:.0f} ms (ratio {ops['ratios']['ours_over_tensorflow']:.2f})."]
    return "\n".join(lines)


def reference_times(reference: dict) -> dict:
    """notebook stem -> "N min on <machine>" for each lesson's stored reference run; runs
    trained outside the notebook (``gpu_reference.py``) say "training only"."""
    out = {}
    for entry in reference.values():
        where = entry["machine"]
        if where.split(" ", 1)[1].startswith("GPU"):  # "1 GPU (model) + ...": name the model
            where = where[where.index("(") + 1:where.index(")")]
        else:
            where = where.split(" (")[0]
        outside = "outside the notebook" in entry.get("status", "")
        out[entry["notebook"].removesuffix(".ipynb")] = (
            f"{entry['minutes']:.0f} min, {where}" + (", training only" if outside else ""))
    return out


def recipe_table(bench: dict) -> list[str]:
    """The recipe's epoch curve (beside the other precision's when it ran), the convolution
    peaks and every model's throughput as a share of its precision's peak."""
    run, other = bench["recipe"], bench.get("comparison")
    lines = [f"**Fast CIFAR-10 recipe** (`course.models.cifar_fast({run['width']})`, stem "
             f"whitened, + `course.train.fit_fast`, {run['policy']}, "
             f"XLA {'on' if run['xla'] else 'off'}, "
             f"{run['train_images']:,} training images, test on {run['test_images']:,}, data: "
             f"{run['data_source']}; {bench['machine']['cpus']} CPU cores, "
             f"{bench['versions']['backend']}):", ""]
    head = "| epoch | training minutes | test accuracy | flip TTA | 6 views |"
    rule = "|---:|---:|---:|---:|---:|"
    if other:
        head += f" {other['policy']}: minutes | test accuracy | flip TTA | 6 views |"
        rule += "---:|---:|---:|---:|"
    lines += [head, rule]
    for i, p in enumerate(run["curve"]):
        row = f"| {p['epoch']} | {p['minutes']:.1f} | {_accuracies(p)} |"
        if other and i < len(other["curve"]):
            q = other["curve"][i]
            row += f" {q['minutes']:.1f} | {_accuracies(q)} |"
        lines.append(row)
    peaks = bench["peak"]
    lines += ["", "**Convolution peak** (training GFLOP/s of four 3x3 convolutions, batches of "
              f"{peaks['float32']['batch_size']}, the best of the lesson models' shapes): "
              + "; ".join(f"{policy} {p['gflops']:.1f} at {p['shape']}"
                          for policy, p in peaks.items()) + ".", "",
              "| model | precision | multiplies/image | batch | XLA | images/s | GFLOP/s "
              "| of peak |", "|---|---|---:|---:|---|---:|---:|---:|"]
    rows = dict(bench["throughput"])
    rows["cifar_fast, the recipe's training run"] = {**run, "batch_size": run["recipe"][
        "batch_size"]}
    for name, t in rows.items():
        lines.append(f"| {name.removesuffix(' ' + t['policy'])} | {t['policy']} | "
                     f"{t['multiplies_per_image'] / 1e6:.1f} M | {t['batch_size']} | "
                     f"{'yes' if t['xla'] else 'no'} | {t['images_per_second']:,.0f} | "
                     f"{t['gflops']:.1f} | {t['fraction_of_peak']:.0%} |")
    return lines


def _accuracies(point: dict) -> str:
    return " | ".join(f"{point[k]:.2%}" for k in ("test_accuracy", "test_accuracy_flip_tta",
                                                  "test_accuracy_tta6"))


def _duration(seconds) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return "< 1 s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def replace_between(path: Path, begin: str, end: str, text: str) -> None:
    """Put ``text`` between the marker lines ``begin`` and ``end`` of the file at ``path``."""
    content = path.read_text()
    if begin not in content or end not in content:
        raise SystemExit(f"{path} has no {begin} ... {end} markers for the table")
    head, rest = content.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="*", metavar="benchmark",
                        help=f"benchmarks to run before collecting: {', '.join(BENCHES)}")
    names = parser.parse_args().run
    if unknown := sorted(set(names) - set(BENCHES)):
        parser.error(f"unknown benchmark {', '.join(unknown)}: use {', '.join(BENCHES)}")
    for name in names:
        subprocess.run([sys.executable, str(HERE / BENCHES[name])], check=True)
    results = collect(load(RESULTS) or {})
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    replace_between(README, BEGIN, END, table(results))
    print(f"wrote {RESULTS} and the table in {README}")


if __name__ == "__main__":
    main()
