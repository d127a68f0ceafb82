"""The benchmark scripts' own logic: test-time views, the convolution shapes the peak is
measured at, the README table, the GPU reference's merge. Runs on any backend."""

import importlib.util
import json
import sys

import numpy as np
import pytest

from course.runtime.paths import ROOT


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


@pytest.fixture(scope="module")
def recipe_bench():
    return load("recipe_bench")


def test_the_six_test_time_views_are_mirrors_and_one_pixel_shifts(recipe_bench):
    images = np.random.default_rng(0).integers(1, 256, (3, 6, 6, 3), dtype=np.uint8)
    views = recipe_bench.tta_views(images)
    assert len(views) == 6 and all(v.shape == images.shape for v in views.values())
    np.testing.assert_array_equal(views["mirror"], images[:, :, ::-1])
    up_left = views["image up-left"]
    np.testing.assert_array_equal(up_left[:, :-1, :-1], images[:, 1:, 1:])
    assert not up_left[:, -1].any() and not up_left[:, :, -1].any()  # zeros shifted in
    down_right = views["mirror down-right"]
    np.testing.assert_array_equal(down_right[:, 1:, 1:], views["mirror"][:, :-1, :-1])
    assert not down_right[:, 0].any()


def test_the_peak_is_measured_at_the_lesson_models_square_convolutions(recipe_bench):
    shapes = recipe_bench.conv_shapes(256)
    assert (16, 16, 32) in shapes and (8, 8, 64) in shapes and (4, 4, 128) in shapes  # cifar_fast
    assert (16, 16, 16) in shapes  # the width-16 stacks of lesson 07
    assert len(shapes) == len(set(shapes))


def fake_curve(epochs, start):
    return [{"epoch": e, "minutes": e / 2, "test_accuracy": start + e / 100,
             "test_accuracy_flip_tta": start + e / 90, "test_accuracy_tta6": start + e / 80}
            for e in range(1, epochs + 1)]


def test_the_readme_table_shows_both_precisions_and_the_shares_of_the_peak():
    run_py = load("run")
    row = {"multiplies_per_image": 12e6, "batch_size": 256, "xla": False, "gflops": 150.0,
           "images_per_second": 2000.0, "fraction_of_peak": 0.6}
    recipe = {**row, "width": 32, "policy": "mixed_bfloat16", "train_images": 50000,
              "test_images": 10000, "data_source": "COURSE_DATA_DIR",
              "recipe": {"batch_size": 256}, "curve": fake_curve(2, 0.8)}
    bench = {"machine": {"cpus": 2}, "versions": {"backend": "tensorflow 2.21.0"},
             "peak": {"float32": {"gflops": 187.5, "shape": "8x8x64", "batch_size": 256},
                      "mixed_bfloat16": {"gflops": 269.5, "shape": "16x16x32",
                                         "batch_size": 256}},
             "throughput": {"cifar_fast (07) float32": {**row, "policy": "float32"}},
             "recipe": recipe,
             "comparison": {**recipe, "policy": "float32", "curve": fake_curve(2, 0.7)}}
    text = "\n".join(run_py.recipe_table(bench))
    assert "| 2 | 1.0 | 82.00% | 82.22% | 82.50% | 1.0 | 72.00% | 72.22% | 72.50% |" in text
    assert "float32: minutes" in text and "float32 187.5 at 8x8x64" in text
    assert "| cifar_fast (07) | float32 | 12.0 M | 256 | no | 2,000 | 150.0 | 60% |" in text
    assert "| cifar_fast, the recipe's training run | mixed_bfloat16 |" in text


def test_the_lesson_table_names_where_each_reference_run_was_measured():
    run_py = load("run")
    times = run_py.reference_times({
        "05": {"notebook": "05_first_cnns.ipynb", "minutes": 9.8, "status": "ok",
               "machine": "2 CPU cores (AMD EPYC, Linux)"},
        "07": {"notebook": "07_plain_vs_residual.ipynb", "minutes": 4.7,
               "status": "trained by benchmarks/gpu_reference.py (the lesson's training, "
                         "outside the notebook)",
               "machine": "1 GPU (NVIDIA H100 80GB HBM3) + 16 CPU cores (Xeon, Linux)"}})
    assert times == {"05_first_cnns": "10 min, 2 CPU cores",
                     "07_plain_vs_residual": "5 min, NVIDIA H100 80GB HBM3, training only"}


def test_merging_a_gpu_run_takes_only_its_full_scale_lessons(tmp_path, monkeypatch):
    gpu = load("gpu_reference")
    monkeypatch.setattr(gpu, "BENCHMARK_RESULTS", tmp_path)
    (tmp_path / "reference.json").write_text(json.dumps({"05": {"profile": "full"}}))
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"07": {"profile": "small"}}))
    with pytest.raises(SystemExit, match="holds no full-scale entry"):
        gpu.merge(small)
    brought = tmp_path / "brought.json"
    brought.write_text(json.dumps({"07": {"profile": "full", "minutes": 4.0},
                                   "09": {"profile": "small"}}))
    gpu.merge(brought)
    merged = json.loads((tmp_path / "reference.json").read_text())
    assert sorted(merged) == ["05", "07"] and merged["07"]["minutes"] == 4.0
