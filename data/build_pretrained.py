"""Train the base network that lesson 08 ships, into data/pretrained/. From the repository root:

    COURSE_DATA_DIR=~/course-datasets python data/build_pretrained.py   # about 7 min on 2 cores

Pretrains ``course.transfer.cifar_base`` (its stem whitened, as in lesson 07) with
``course.transfer.BASE_RECIPE`` on the 40,000 CIFAR-10 training images that are neither
cat nor dog, in the precision the speed probe chooses, exactly as lesson 08's
``transfer.pretrained_base`` call would, and copies the result out of the cache with
``transfer.ship``. Lesson 08 (quick profile) then loads it instead of training.
"""

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course import data, transfer  # noqa: E402
from course.setup import Profile  # noqa: E402


def main() -> None:
    x_train, y_train, x_test, y_test = data.load("cifar10")
    (x_other, y_other), _ = transfer.split_pets(x_train, y_train)
    if len(y_other) < 40_000:
        raise SystemExit("the shipped base needs the full CIFAR-10: set COURSE_DATA_DIR")
    (x_other_test, y_other_test), _ = transfer.split_pets(x_test, y_test)
    pretrained = transfer.pretrained_base(transfer.cifar_base, x_other, y_other,
                                          recipe=transfer.BASE_RECIPE, key="quick", whiten=True,
                                          x_test=x_other_test[:2000], y_test=y_other_test[:2000])
    meta = pretrained.metadata()
    source = next(s.key for s in data.sources(Profile.named("quick")) if s.present("cifar10"))
    note = (f"{transfer.BASE_RECIPE.epochs} epochs of the fast recipe (whitened stem, "
            f"{meta['policy']}) on the "
            f"{len(y_other):,} CIFAR-10 training images of the 8 other classes (from {source}); "
            f"{pretrained.accuracy:.1%} on 2,000 of their test images; "
            f"trained in {meta['seconds'] / 60:.0f} min on {os.cpu_count()} CPU cores "
            f"({platform.machine()}), by data/build_pretrained.py")
    print("shipped", transfer.ship(pretrained, transfer.SHIPPED, note))


if __name__ == "__main__":
    main()
