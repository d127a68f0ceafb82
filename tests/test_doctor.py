"""`python -m course doctor`: each problem is found, graded and comes with a fix."""

import os
import subprocess
import sys

import numpy as np
import pytest

from course import data
from course.tools import doctor
from course.tools.doctor import ERROR, OK, WARNING


@pytest.fixture
def machine(no_env, monkeypatch, tmp_path):
    """A CPU-only machine with an empty Keras cache and no COURSE_DATA_DIR."""
    monkeypatch.setattr(doctor, "visible_gpus", lambda: [])
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return monkeypatch


def levels(findings, topic):
    return [f.level for f in findings if f.topic.startswith(topic)]


def test_a_cpu_only_machine_is_fine_with_a_warning(machine, capsys):
    findings = doctor.diagnose()
    assert levels(findings, "GPU") == [WARNING]
    assert not [f for f in findings if f.level == ERROR], findings
    assert levels(findings, "profile") == [OK]
    assert levels(findings, "data") == [OK, OK, OK]  # the bundled samples
    assert doctor.report(findings) == 0
    out, err = capsys.readouterr()
    assert "warning  GPU: none visible" in out and "fix: nothing to do for the quick" in out
    assert "0 error(s)" in out and err == ""


def test_a_gpu_is_reported(machine):
    machine.setattr(doctor, "visible_gpus", lambda: ["NVIDIA T4"])
    gpu, devices = doctor.check_gpu()
    assert (gpu.level, gpu.message, devices) == (OK, "NVIDIA T4", ["NVIDIA T4"])
    assert "full (the default here)" in doctor.check_profile(devices).message


def test_tensorflow_that_cannot_start_is_an_error(machine):
    def broken():
        raise RuntimeError("TensorFlow cannot start: ImportError: libcudart.so.12")

    machine.setattr(doctor, "visible_gpus", broken)
    gpu, devices = doctor.check_gpu()
    assert gpu.level == ERROR and "libcudart" in gpu.message and "make install" in gpu.fix


def test_missing_data_dir_is_an_error_with_a_fix(machine, tmp_path, capsys):
    machine.setenv("COURSE_DATA_DIR", str(tmp_path / "nowhere"))
    findings = doctor.check_data()
    (error,) = [f for f in findings if f.level == ERROR]
    assert "nowhere does not exist" in error.message
    assert "unpack.py" in error.fix and "unset COURSE_DATA_DIR" in error.fix
    assert doctor.report(findings) == 1
    assert "error: 1 problem(s) found" in capsys.readouterr().err


def test_corrupt_file_in_data_dir_is_an_error_with_a_fix(machine, tmp_path):
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / "cifar10.npz").write_bytes(b"PK\x03\x04 not really a zip")
    x, y = np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8)
    data.save_npz(folder / "mnist.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    machine.setenv("COURSE_DATA_DIR", str(folder))
    findings = {f.topic: f for f in doctor.check_data() if f.level == ERROR}
    assert set(findings) == {"data mnist", "data cifar10"}
    assert "wrong SHA-256" in findings["data mnist"].message
    assert "copy it again from the mirror" in findings["data mnist"].fix
    assert "not a readable .npz" in findings["data cifar10"].message


def test_corrupt_keras_cache_file_is_an_error(machine):
    path = data.KerasSource.cache_dir() / "mnist.npz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"truncated")
    (error,) = [f for f in doctor.check_data() if f.level == ERROR]
    assert "fails its checksum" in error.message and error.fix == (
        "delete it; it is downloaded again when online")


def test_bad_profile_is_an_error_and_full_without_gpu_a_warning(machine):
    machine.setenv("COURSE_PROFILE", "fast")
    finding = doctor.check_profile([])
    assert finding.level == ERROR and "unset COURSE_PROFILE" in finding.fix
    machine.setenv("COURSE_PROFILE", "full")
    finding = doctor.check_profile([])
    assert finding.level == WARNING and "hours" in finding.message


def test_versions_are_compared_with_the_pins(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pins\nnumpy==0.0.1\nno-such-package-xyz==1.0\n"
                            f"pytest=={pytest.__version__}\n")
    findings = doctor.check_versions(requirements)
    by_level = {f.level: f for f in findings if f.topic == "packages"}
    assert "numpy" in by_level[WARNING].message and "tested with 0.0.1" in by_level[WARNING].message
    assert "no-such-package-xyz is not installed" in by_level[ERROR].message
    assert "make install" in by_level[ERROR].fix
    assert f"pytest {pytest.__version__}" in by_level[OK].message


def test_unwritable_cache_is_an_error(machine, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    machine.setenv("KERAS_HOME", str(tmp_path / "file"))
    (keras, build) = doctor.check_write_access()
    assert keras.level == ERROR and "KERAS_HOME" in keras.fix
    assert build.level == OK


@pytest.mark.slow
def test_doctor_command_on_this_machine_with_a_broken_data_dir(tmp_path):
    """The real thing, in a child process: GPU probe, data, exit status."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    cli = subprocess.run([sys.executable, "-m", "course", "doctor"], capture_output=True,
                         text=True, env={**env, "COURSE_DATA_DIR": str(tmp_path / "gone")},
                         timeout=300)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert f"error    data: COURSE_DATA_DIR={tmp_path / 'gone'} does not exist" in cli.stdout
    assert "fix: point COURSE_DATA_DIR at the folder" in cli.stdout
    gpu = [line for line in cli.stdout.splitlines() if " GPU: " in line]
    assert gpu and gpu[0].split()[0] in (OK, WARNING)  # no GPU is a warning, never an error
    assert "error: 1 problem(s) found" in cli.stderr


def test_a_dependency_older_than_supported_is_an_error_with_its_fix(monkeypatch, tmp_path):
    from course.runtime import supported

    monkeypatch.setattr(supported, "unmet", lambda: [("keras", "3.10.0", "3.13")])
    findings = doctor.check_versions(tmp_path / "no-requirements.txt")
    (error,) = [f for f in findings if f.level == ERROR]
    assert "keras 3.10.0 is older than the course needs keras>=3.13" in error.message
    assert "pip install -U 'keras>=3.13'" in error.fix
    assert not [f for f in findings if f.level == WARNING], "no pins (a wheel) is no warning"
