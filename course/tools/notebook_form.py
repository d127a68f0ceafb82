"""The normal form the committed notebooks are kept in, so that a re-execution gives a diff
a reviewer can read (``python -m course normalize``; ``make notebooks``).

In normal form a notebook has

- no volatile metadata: no execution timestamps in cells, no Python version or
  CodeMirror settings in the notebook's ``language_info``;
- one stream output where a cell printed in several flushes (how many there are depends
  on timing);
- stable ids: matplotlib's animations name their HTML elements with a random id each run;
  it becomes a hash of the animation and its place in the notebook;
- figures stored small: a matplotlib PNG (RGBA) becomes a 256-colour palette PNG, or a
  JPEG where that is smaller (figures of photographs, where a palette also bands). The
  resolution is kept, so text stays legible;
- nbformat's own layout (one-space indent, sorted keys, a final newline).

Normalizing is idempotent: a normalized figure is left as it is.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from pathlib import Path

from course.runtime.paths import NOTEBOOKS

VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")
JPEG_QUALITY = 88
JPEG_WHEN_UNDER = 1.0  # JPEG replaces the palette PNG whenever it is smaller
MAX_NOTEBOOK_BYTES = 1_000_000
MAX_COURSE_BYTES = 5_000_000
ANIMATION_ID = re.compile(r"\banim([0-9a-f]{32})\.")  # its JavaScript object, "anim<id>."


def normalize(nb) -> bool:
    """Put ``nb`` (an nbformat notebook) in normal form in place; True if anything changed."""
    before = _dump(nb)
    nb.metadata["language_info"] = {"name": "python"}
    for n, cell in enumerate(nb.cells):
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if "outputs" in cell:
            cell.outputs = coalesced(cell.outputs)
        for k, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "text/html" in data:
                data["text/html"] = stable_ids(data["text/html"], f"{n}.{k}")
            if "image/png" in data:
                mime, encoded = small_figure(data["image/png"])
                if mime != "image/png":
                    del data["image/png"]
                data[mime] = encoded
    return _dump(nb) != before


def coalesced(outputs: list) -> list:
    """Consecutive stream outputs to the same stream merged into one."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def stable_ids(html, place: str):
    """``html`` (a string or nbformat's list of lines) with each random animation id
    replaced by a hash of the html without ids and ``place``."""
    text = "".join(html) if isinstance(html, list) else html
    ids = dict.fromkeys(ANIMATION_ID.findall(text))  # the id also names its elements
    if not ids:
        return html
    blank = text
    for old in ids:
        blank = blank.replace(old, "")
    for i, old in enumerate(ids):
        new = hashlib.sha256(f"{place}.{i}:{blank}".encode()).hexdigest()[:32]
        text = text.replace(old, new)
    return text


def small_figure(encoded: str) -> tuple[str, str]:
    """A base64 PNG as ``(mime type, base64 data)`` in its smallest legible form."""
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    if image.mode not in ("RGBA", "RGB"):  # a palette PNG: already normalized
        return "image/png", encoded
    opaque = Image.new("RGB", image.size, "white")
    opaque.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
    palette = _encoded(opaque.quantize(256, method=Image.Quantize.MEDIANCUT), "PNG",
                       optimize=True)
    jpeg = _encoded(opaque, "JPEG", quality=JPEG_QUALITY, optimize=True)
    if len(jpeg) < JPEG_WHEN_UNDER * len(palette):
        return "image/jpeg", jpeg
    return "image/png", palette


def _encoded(image, fmt: str, **options) -> str:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return base64.b64encode(buffer.getvalue()).decode("ascii") + "\n"


def _dump(nb) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"  # as nbformat.write puts it on disk


def normalize_files(paths=None, check: bool = False) -> list[Path]:
    """Normalize notebooks on disk (default: every lesson); return those not in normal form.

    With ``check``, nothing is written.
    """
    import nbformat

    changed = []
    for path in paths or sorted(Path(NOTEBOOKS).glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if normalize(nb) or path.read_text() != _dump(nb):
            changed.append(Path(path))
            if not check:
                nbformat.write(nb, path)
    return changed
