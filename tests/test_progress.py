"""The runner's progress line (course.runtime.progress) and the quiet TensorFlow start-up
(course.runtime.native_logs)."""

import io
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from course import train
from course.runtime import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_training_is_described_with_epoch_elapsed_time_and_an_estimate():
    state = {"model": "cifar_plain", "epoch": 2, "epochs": 5, "batch": 50, "steps": 100,
             "started": 1000.0}
    # 1.5 of 5 epochs in 60 s: 140 s to go
    assert progress.describe_training(state, now=1060.0) == \
        "cifar_plain epoch 2/5, 1:00, about 2:20 left"
    assert "left" not in progress.describe_training({**state, "epoch": 1, "batch": 0}, 1001.0)


def test_a_log_gets_a_progress_line_a_period_and_the_status_last(tmp_path, monkeypatch):
    monkeypatch.setenv(progress.FILE_VAR, str(tmp_path / "state.json"))
    out = io.StringIO()
    line = progress.Line("[1/2] 05_first_cnns.ipynb", stream=out, every=0.05)
    line.follow([1, 3, 4], tmp_path / "state.json")
    with line:
        line.on_cell(3)
        progress.training("cnn", 2, 3, 10, 20, time.time() - 30)
        time.sleep(0.2)
    line.finish("ok in 1.0 s")
    text = out.getvalue()
    assert text.startswith("[1/2] 05_first_cnns.ipynb ... \n    cell 2/3, 0:00; cnn epoch 2/3, 0:3")
    assert text.endswith("[1/2] 05_first_cnns.ipynb ... ok in 1.0 s\n")


def test_a_quick_lesson_keeps_its_one_line(tmp_path):
    out = io.StringIO()
    with progress.Line("[1/1] 00_start_here.ipynb", stream=out, every=60) as line:
        pass
    line.finish("ok in 0.1 s")
    assert out.getvalue() == "[1/1] 00_start_here.ipynb ... ok in 0.1 s\n"


def test_a_terminal_sees_the_line_rewritten(tmp_path):
    out = Terminal()
    line = progress.Line("[3/12] 02_convolution_arithmetic.ipynb", stream=out, every=0.05)
    line.follow([0, 2], tmp_path / "none.json")
    with line:
        line.on_cell(2)
        time.sleep(0.2)
    line.finish("ok in 3.0 s")
    text = out.getvalue()
    assert "\r[3/12] 02_convolution_arithmetic.ipynb cell 2/2, 0:00\x1b[K" in text
    assert text.endswith("\r[3/12] 02_convolution_arithmetic.ipynb ... ok in 3.0 s\x1b[K\n")


def test_training_reports_its_epochs_to_the_runner(tmp_path, monkeypatch):
    state = tmp_path / "state.json"
    monkeypatch.setenv(progress.FILE_VAR, str(state))
    model = keras.Sequential([keras.Input((4, 4)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")], name="tiny")
    x = np.zeros((64, 4, 4), np.uint8)
    train.fit(model, x, np.arange(64) % 2, epochs=2, batch_size=16, verbose=False)
    reported = progress.read(state)
    assert reported["model"] == "tiny" and reported["epochs"] == 2
    assert reported["epoch"] in (1, 2) and reported["steps"] == 4


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_known_start_up_noise_is_held_back_and_other_lines_shown():
    done = python(
        "import os\n"
        "from course.runtime import native_logs\n"
        "with native_logs.quiet():\n"
        "    os.write(2, b'E0000 00:00:1 123 cuda_platform.cc:52] failed call to cuInit: "
        "INTERNAL: CUDA error\\n')\n"
        "    os.write(2, b'I0000 00:00:1 123 cpu_feature_guard.cc:227] This TensorFlow "
        "binary is optimized\\n')\n"
        "    os.write(2, b'F0000 something real broke\\n')\n"
        "print('after')\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "F0000 something real broke\n" and done.stdout == "after\n"


@pytest.mark.slow
def test_asking_for_gpus_prints_no_tensorflow_start_up_lines():
    done = python("from course import setup; print(setup.gpus())")
    assert done.returncode == 0, done.stderr
    native = [line for line in done.stderr.splitlines() if line[:5] in ("E0000", "I0000",
                                                                         "W0000")]
    assert not native, native
