"""Lesson 02's explorer, live in JupyterLab, in headless Chromium: run it, move a slider,
save a screenshot.

    .venv/bin/python tools/explorer_screenshot.py [--out build/explorer_02.png]

It starts JupyterLab on a free port with a random token, in a temporary folder that holds a
notebook of two cells: the imports and lesson 02's explorer cell (``c02-explore``),
copied, so that the lesson itself is never opened or saved. Chromium (``/usr/bin/chromium``)
opens it; the script drives it over the DevTools protocol (``websocket-client``, already in
the environment): it runs both cells with Shift+Enter, waits for the sliders and the figure,
drags the ``n`` slider to ``--n``, waits for the figure to be redrawn, and saves a
screenshot of the explorer. It prints the explorer's line before and after, and how many
figures the cell holds (one: the redraw is in place). Nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "notebooks" / "02_convolution_arithmetic.ipynb"
CELL_ID = "c02-explore"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, timeout: float, every: float = 0.5):
    """``check()`` until it returns something true; that value (or TimeoutError)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


def stop(process: subprocess.Popen) -> None:
    """End a process this script started, and what it started (its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    process.wait(30)


def explorer_notebook(folder: Path) -> Path:
    """A two-cell copy: the imports (Keras too, as lesson 02's first cells; its C++ start-up
    logs would otherwise land in the explorer's output) and lesson 02's explorer cell."""
    import nbformat

    lesson = nbformat.read(LESSON, as_version=4)
    cell = next(c for c in lesson.cells if c.get("id") == CELL_ID)
    nb = nbformat.v4.new_notebook(metadata=lesson.metadata)
    nb.cells = [nbformat.v4.new_code_cell("import keras\n\nimport course"),
                nbformat.v4.new_code_cell(cell.source)]
    path = folder / "explorer.ipynb"
    nbformat.write(nb, path)
    return path


def start_lab(folder: Path, port: int, token: str, log) -> subprocess.Popen:
    settings = folder / ".settings"
    notes = settings / "@jupyterlab" / "apputils-extension"
    notes.mkdir(parents=True)  # no "Would you like to receive Jupyter news?" toast
    (notes / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".workspaces"),
           "JUPYTER_RUNTIME_DIR": str(folder / ".runtime")}
    env.pop("MPLBACKEND", None)  # the kernel's figures go inline
    return subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         "--ServerApp.open_browser=False", "--LabApp.news_url=None",
         "--LabApp.extension_manager=readonly", *(["--allow-root"] if os.getuid() == 0 else [])],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


class Page:
    """One Chromium tab, driven over the DevTools protocol."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0

    def send(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def key(self, key: str, code: int, modifiers: int = 0):
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                      windowsVirtualKeyCode=code, modifiers=modifiers)

    def mouse(self, kind: str, x: float, y: float, buttons: int = 1):
        self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                  buttons=buttons, clickCount=1)


# What the page shows of the explorer cell (the second code cell).
CELL = "document.querySelectorAll('.jp-CodeCell')[1]"
STATE = f"""(() => {{
  const cell = {CELL};
  if (!cell) return null;
  const out = cell.querySelector('.widget-output');
  const imgs = [...cell.querySelectorAll('.jp-OutputArea img')];
  return {{
    sliders: cell.querySelectorAll('.widget-slider').length,
    images: imgs.length,
    src: imgs.length ? imgs[0].src.slice(-200) : '',
    text: out ? out.innerText.trim() : '',
    kernelIdle: !!document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
  }};
}})()"""


def slider_track(page: Page, name: str):
    """The ``name`` slider's track (left, right, middle y) and its min, max and value."""
    return page.js(f"""(() => {{
      const s = [...{CELL}.querySelectorAll('.widget-slider')]
        .find(e => e.querySelector('.widget-label').innerText.trim() === {json.dumps(name)});
      const t = s.querySelector('.noUi-base').getBoundingClientRect();
      const h = s.querySelector('.noUi-handle').getBoundingClientRect();
      const r = s.querySelector('.widget-readout').innerText.trim();
      const a = s.querySelector('.noUi-handle');
      return {{left: t.left, right: t.right, y: h.top + h.height / 2,
              hx: h.left + h.width / 2, min: +a.getAttribute('aria-valuemin'),
              max: +a.getAttribute('aria-valuemax'), value: +r}};
    }})()""")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "explorer_02.png")
    parser.add_argument("--n", type=int, default=10, help="where to drag the n slider")
    parser.add_argument("--timeout", type=float, default=240)
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium is not installed (apt-get install -y chromium)")
        return 2

    args.out.parent.mkdir(parents=True, exist_ok=True)
    log_path = args.out.with_suffix(".log")  # JupyterLab's log, kept for when it fails
    with tempfile.TemporaryDirectory(prefix="explorer-") as tmp, \
            open(log_path, "w") as log, contextlib.ExitStack() as stack:
        folder = Path(tmp) / "work"
        folder.mkdir()
        explorer_notebook(folder)
        port, token = free_port(), secrets.token_hex(16)
        lab = start_lab(folder, port, token, log)
        stack.callback(stop, lab)
        base = f"http://127.0.0.1:{port}"

        def lab_up():
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    return True
            except OSError:
                return lab.poll() is not None and sys.exit(f"JupyterLab exited; see {log.name}")

        wait_for("JupyterLab to start", lab_up, args.timeout)
        profile = Path(tmp) / "chromium"
        browser = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={profile}", "--window-size=1100,900",
             f"{base}/lab/tree/explorer.ipynb?token={token}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        stack.callback(stop, browser)
        ports = profile / "DevToolsActivePort"
        devtools = wait_for("Chromium's DevTools port", lambda: ports.exists() and
                            ports.read_text().split()[:1], 60)[0]

        def tab():
            with urllib.request.urlopen(f"http://127.0.0.1:{devtools}/json/list") as r:
                pages = [p for p in json.load(r) if p["type"] == "page"]
            return pages and pages[0]["webSocketDebuggerUrl"]

        page = Page(wait_for("the tab", tab, 30))
        stack.callback(page.ws.close)
        started = time.monotonic()
        wait_for("the notebook", lambda: page.js(f"!!{CELL} && !!document.querySelector("
                                                 "'.jp-Notebook-ExecutionIndicator"
                                                 "[data-status=\"idle\"]')"), args.timeout)
        page.js("document.querySelector('.jp-CodeCell .jp-InputArea-prompt').click()")
        page.key("Escape", 27)
        page.key("Enter", 13, modifiers=8)  # Shift+Enter: run the imports, go on
        page.key("Enter", 13, modifiers=8)  # and the explorer cell
        before = wait_for("the explorer's sliders and figure",
                          lambda: (s := page.js(STATE)) and s["sliders"] and s["images"]
                          and s["text"] and s["kernelIdle"] and s, args.timeout)
        print(f"explorer live after {time.monotonic() - started:.0f} s: {before['sliders']} "
              f"sliders, {before['images']} figure")
        print(f"  before: {before['text']}")

        page.js(f"{CELL}.querySelector('.widget-output').scrollIntoView()")
        track = slider_track(page, "n")
        x = track["left"] + (args.n - track["min"]) / (track["max"] - track["min"]) * (
            track["right"] - track["left"])
        page.mouse("mouseMoved", track["hx"], track["y"], buttons=0)
        page.mouse("mousePressed", track["hx"], track["y"])
        for step in range(1, 11):
            page.mouse("mouseMoved", track["hx"] + (x - track["hx"]) * step / 10, track["y"])
        page.mouse("mouseReleased", x, track["y"], buttons=0)
        after = wait_for("the figure to be redrawn",
                         lambda: (s := page.js(STATE)) and s["src"] != before["src"]
                         and s["text"] != before["text"] and s["kernelIdle"] and s,
                         args.timeout)
        moved = slider_track(page, "n")["value"]
        print(f"  after dragging n from {track['value']:.0f} to {moved:.0f}: {after['text']}")
        print(f"  figures in the cell: {after['images']} (one, redrawn in place)")

        page.js(f"{CELL}.scrollIntoView()")
        time.sleep(0.5)
        shot = page.send("Page.captureScreenshot", format="png")
        args.out.write_bytes(base64.b64decode(shot["data"]))
        print(f"screenshot: {args.out}")
        return 0 if after["images"] == 1 and moved == args.n else 1


if __name__ == "__main__":
    sys.exit(main())
