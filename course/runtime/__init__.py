"""Runtime plumbing: what a lesson's first cell and its data need.

``paths`` (where the course's files are), ``settings`` (every ``COURSE_*`` and
``KERAS_HOME`` variable, parsed once), ``profiles`` (smoke, quick, full), ``supported``
(the library versions the course supports), ``errors``,
``files`` (atomic writes, digests, downloads), ``speed`` (the XLA probe), ``colab``,
``report`` (``course.record``) and ``trial`` (trial runs' short fits). None of them
imports TensorFlow when it is imported.
"""

from course import submodule


def __getattr__(name):
    return submodule(__name__, name)
