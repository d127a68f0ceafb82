"""Build the bundled samples in data/ from the full datasets. Run from the repository root:

    COURSE_DATA_DIR=~/course-datasets python data/build_samples.py

Writes data/samples/{mnist,fashion_mnist,cifar10}.npz (stratified, seeded subsets made
with course.data.subset), data/samples/SHA256SUMS, and data/photos/*.jpg (public-domain
photographs from scikit-image's sample data; needs `pip install scikit-image`).
Re-running it on the same full data gives the same arrays.
"""

import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course import data  # noqa: E402
from course.setup import Profile  # noqa: E402

SIZES = {"mnist": (6000, 1000), "fashion_mnist": (6000, 1000), "cifar10": (5000, 1000)}
PHOTOS = {"astronaut": "astronaut", "coffee": "coffee", "chelsea": "cat"}
SEED = 2024


def build_samples(out: Path) -> None:
    quick = Profile.named("quick")  # any non-smoke profile: reads the full data
    for name, (n_train, n_test) in SIZES.items():
        x_train, y_train, x_test, y_test = data.load(name, profile=quick)
        if len(y_train) != data.FULL_SIZES[name][0]:
            sys.exit(f"{name}: the full dataset is needed, got {len(y_train)} examples")
        x_train, y_train = data.subset(x_train, y_train, n_train, seed=SEED)
        x_test, y_test = data.subset(x_test, y_test, n_test, seed=SEED + 1)
        data.save_npz(out / f"{name}.npz", x_train=x_train, y_train=y_train,
                      x_test=x_test, y_test=y_test)
        print(f"{name}: {n_train} train / {n_test} test, "
              f"{(out / f'{name}.npz').stat().st_size / 1e6:.1f} MB")
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}"
            for p in sorted(out.glob("*.npz"))]
    (out / "SHA256SUMS").write_text("\n".join(sums) + "\n")


def build_photos(out: Path) -> None:
    import skimage.data
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    for loader, filename in PHOTOS.items():
        image = np.asarray(getattr(skimage.data, loader)())[..., :3]
        Image.fromarray(image).save(out / f"{filename}.jpg", quality=90)
        print(f"{filename}.jpg: {image.shape}")


if __name__ == "__main__":
    build_samples(ROOT / "data" / "samples")
    build_photos(ROOT / "data" / "photos")
