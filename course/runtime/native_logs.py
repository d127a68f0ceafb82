"""TensorFlow's C++ start-up lines, kept out of lessons and the runner.

Importing TensorFlow and asking it for GPUs writes lines like ``E0000 ...
cuda_platform.cc:52] failed call to cuInit`` straight to file descriptor 2, below
Python's logging. They read like failures to a newcomer and say nothing on a machine
without a GPU. :func:`quiet` holds back the lines known to be such noise while its block
runs and writes every other line to standard error afterwards, so a real error still shows.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

NOISE = re.compile(
    r"cuda_platform\.cc|failed call to cuInit|cuda_diagnostics|cuda_executor|cudart_stub|"
    r"Unable to register cu(DNN|FFT|BLAS) factory|computation_placer|TF-TRT Warning|"
    r"oneDNN custom operations are on|cpu_feature_guard|This TensorFlow binary is optimized|"
    r"rebuild TensorFlow with the appropriate compiler flags|absl::InitializeLog|"
    r"^To enable the following instructions|could not open file to read NUMA node")


def noise(line: str) -> bool:
    """Whether ``line`` is one of TensorFlow's known start-up lines."""
    return bool(NOISE.search(line))


@contextlib.contextmanager
def quiet():
    """Hold back TensorFlow's known start-up lines written to fd 2 inside the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            kept = [line for line in held.read().decode(errors="replace").splitlines()
                    if line.strip() and not noise(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
                sys.stderr.flush()
