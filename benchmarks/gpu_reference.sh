#!/usr/bin/env bash
# The reference runs of lessons 07 and 09 at the notes' scale on a GPU machine that has JAX
# but no TensorFlow and no network (the H200 this project is sometimes lent).
#
#   bash benchmarks/gpu_reference.sh prepare        # here, with PyPI: fills .carry/ (~23 MB)
#   bash benchmarks/gpu_reference.sh run [ARGS]     # there: results in $OUT (or build/)
#
# `prepare` downloads the Keras wheel of requirements.txt and the two of its requirements
# that machine lacks (namex, optree) and copies the dataset mirror's CIFAR-10 with its
# checksums and unpacker. `run` installs the wheels into /tmp/course-site, unpacks and
# checks CIFAR-10 into /tmp/course-data, then trains under KERAS_BACKEND=jax
# (benchmarks/gpu_reference.py; ARGS go to it, e.g. `--scale small` or `09`). With the
# device tool: run(command="bash benchmarks/gpu_reference.sh run", carry=[".carry"]).
# Bring $OUT/reference.json back and merge it:
#   python benchmarks/gpu_reference.py --merge <files_at>/reference.json
set -euo pipefail
cd "$(dirname "$0")/.."
carry=.carry
py=${PYTHON:-python3}  # there: the python that has JAX
unpack_py=${UNPACK_PYTHON:-$py}  # one with numpy and Pillow
mirror=${COURSE_MIRROR:-../shared/datasets}

case "${1:-}" in
  prepare)
    mkdir -p "$carry/wheels" "$carry/datasets"
    keras=$(sed -n 's/^keras==//p' requirements.txt)
    $py -m pip download --quiet --no-deps --only-binary=:all: -d "$carry/wheels" \
      "keras==$keras" namex==0.1.0
    $py -m pip download --quiet --no-deps --only-binary=:all: -d "$carry/wheels" \
      --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 \
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 optree==0.20.0
    install -m 644 "$mirror/cifar10-jpeg.tar.gz" "$mirror/SHA256SUMS" "$mirror/unpack.py" \
      "$carry/datasets/"
    du -sh "$carry"
    ;;
  run)
    shift
    wheels=("$carry"/wheels/keras-*.whl)  # Keras always; its requirements where missing
    for name in namex optree; do
      $py -c "import $name" 2>/dev/null || wheels+=("$carry"/wheels/$name-*.whl)
    done
    $py -m pip install --quiet --no-index --no-deps --no-compile --no-cache-dir \
      --upgrade --target /tmp/course-site "${wheels[@]}"
    export PYTHONPATH="/tmp/course-site:$PWD" KERAS_BACKEND=jax COURSE_OFFLINE=1
    export COURSE_DATA_DIR=/tmp/course-data COURSE_PROFILE=full PYTHONUNBUFFERED=1
    if [ ! -f "$COURSE_DATA_DIR/cifar10.npz" ]; then
      $unpack_py - "$carry/datasets" "$COURSE_DATA_DIR" <<'EOF'
import importlib.util, sys
from pathlib import Path
source, dest = Path(sys.argv[1]), Path(sys.argv[2])
spec = importlib.util.spec_from_file_location("unpack", source / "unpack.py")
unpack = importlib.util.module_from_spec(spec)
spec.loader.exec_module(unpack)
unpack.check(source / "cifar10-jpeg.tar.gz")  # the mirror's checksum
dest.mkdir(parents=True, exist_ok=True)
unpack.cifar10(source / "cifar10-jpeg.tar.gz", dest / "cifar10.npz")
print("unpacked CIFAR-10 into", dest)
EOF
    fi
    out=${OUT:-build/gpu-reference}
    mkdir -p "$out"
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || true
    $py benchmarks/gpu_reference.py --out "$out" "$@" 2>&1 | tee "$out/log.txt"
    ;;
  *)
    echo "usage: bash benchmarks/gpu_reference.sh prepare | run [gpu_reference.py arguments]" >&2
    exit 2
    ;;
esac
