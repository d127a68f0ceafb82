"""Helpers shared by the lessons of the CNN course.

Each lesson imports what it needs from here, so a helper is written once. Submodules
load on first use (``course.data``, ``course.ops``, ...), which keeps ``import course``
fast and free of TensorFlow until a lesson needs it.
"""

import importlib
import os
import pkgutil

# TensorFlow's C++ start-up chatter (CUDA probes, CPU feature notes) is noise in a lesson.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"


def submodule(package: str, name: str):
    """``package.name``, imported on first use (a package's lazy ``__getattr__``)."""
    try:
        return importlib.import_module(f"{package}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{package}.{name}":
            raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}") from None


def __dir__():
    """The submodules and ``record``/``claim``, so that tab completion finds them."""
    found = {m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")}
    return sorted(found | {"record", "claim", "submodule", "__version__"})


def __getattr__(name):
    if name == "record":
        from course.runtime.report import record

        return record
    if name == "claim":
        from course.claims import claim

        return claim
    return submodule(__name__, name)
