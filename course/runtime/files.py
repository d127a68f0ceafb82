"""Writing, hashing and downloading files safely: the one place the course does it.

``atomic(path)`` hands out a temporary name in the same folder and renames it to
``path`` only when the block finishes, so a crash never leaves half a file under the
real name; ``digest`` hashes a file in blocks; ``download`` fetches a URL atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic(path: Path, suffix: str = ".part") -> Iterator[Path]:
    """A temporary path beside ``path``; renamed to ``path`` if the block succeeds, else
    removed. ``suffix`` ends the temporary name (Keras wants ``.weights.h5``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """``path.write_text(text)``, atomically."""
    with atomic(path) as tmp:
        tmp.write_text(text)


def digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file's contents, read in blocks of 1 MiB."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def download(url: str, dest: Path, timeout: float, check=None) -> None:
    """Fetch ``url`` into ``dest`` atomically. ``check(tmp_path)`` may raise to refuse the
    download (say, a wrong checksum); then nothing is kept. Network errors are OSErrors."""
    with atomic(dest) as tmp:
        with open(tmp, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            while block := response.read(1 << 20):
                out.write(block)
        if check is not None:
            check(tmp)
