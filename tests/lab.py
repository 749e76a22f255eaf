"""JupyterLab started as the README tells a student, and a notebook driven in headless Chromium.

Used by tests/test_browser.py and benchmarks/sliders.py. The browser is Debian's
`chromium`, driven by Playwright (whose own browser download cannot work offline).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Debian's chromium; BACKPROP_CHROMIUM names another (the test that a missing browser fails CI uses it).
CHROMIUM = os.environ.get("BACKPROP_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying hosts this
# machine's closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

WIDGET_ERROR = "Error displaying widget"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """`bash bootstrap.sh lab`, the README's command, on a free port; stopped on exit.

    Its state (workspaces, settings, gradebook, exchange) goes to `state`, so that
    running the test leaves the project as it was: autosave is off, and nothing the
    browser executes is written back into `source/` or `release/`.
    """

    def __init__(self, state: Path, extra_env: dict[str, str] | None = None,
                 command: list[str] | None = None, cwd: Path = ROOT):
        """`command` (default: the README's) is started in `cwd` with the server options appended."""
        self.state, self.port = state, free_port()
        self.command, self.cwd = command or ["bash", "bootstrap.sh", "lab"], cwd
        settings = state / "settings" / "@jupyterlab" / "docmanager-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
        self.env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
                    "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
                    "NBGRADER_DB_URL": f"sqlite:///{state / 'gradebook.db'}",
                    "NBGRADER_EXCHANGE": str(state / "exchange"), **(extra_env or {})}
        self.log_path = state / "jupyterlab.log"
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = ""

    def __enter__(self) -> "JupyterLab":
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [*self.command, "--ServerApp.open_browser=False",
             f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
             # Checkpoints (made when a notebook opens) go with the rest of the state.
             f"--FileCheckpoints.checkpoint_dir={self.state / 'checkpoints'}"],
            cwd=self.cwd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            found = re.search(rf"127\.0\.0\.1:{self.port}/lab\?token=(\w+)", self.log_path.read_text())
            if found:
                self.token = found.group(1)
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"JupyterLab did not start; its log:\n{self.log_path.read_text()[-3000:]}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()

    def url(self, path: str = "") -> str:
        return f"{self.base}/lab/tree/{path}?token={self.token}" if path else f"{self.base}/lab?token={self.token}"


@contextlib.contextmanager
def chromium(viewport=(1400, 1000)):
    """A fresh headless Chromium page (Playwright), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            yield context.new_page()
        finally:
            browser.close()


@dataclass
class Slider:
    """One learning-rate slider as the page shows it (index among the notebook's sliders)."""

    index: int
    status: str
    has_image: bool  # a decoded picture on the page (an <img> without one has no natural width)


@dataclass
class NotebookRun:
    cells: int = 0
    errors: list[str] = field(default_factory=list)      # error and stderr outputs, as shown
    widget_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    errors_by_cell: dict[int, list[str]] = field(default_factory=dict)  # cell index -> its errors


# In-page helpers. A slider's VBox holds [HBox(slider, box), status, image].
_SLIDER_BOXES = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox')]
    .filter(box => box.querySelector(':scope > .widget-hbox .widget-hslider'))"""

# The end-to-end latency probe: from a key press on a slider's handle until the page
# shows the redraw. The kernel sends the new image first and the status line after it,
# and the status always changes (it names the new value) where the image may not (two
# runs that both blew up at step 2 look alike), so the status line marks the end.
_WATCH_REDRAW = """([index]) => {
    const box = (%s)()[index];
    const status = box.querySelector('.widget-html');
    const before = status.textContent;
    window.__latency = null;
    let pressed = null;
    box.querySelector('.noUi-handle').addEventListener(
        'keydown', () => { pressed = performance.now(); }, {once: true, capture: true});
    const observer = new MutationObserver(() => {
        if (status.textContent !== before && pressed !== null) {
            observer.disconnect(); window.__latency = performance.now() - pressed;
        }
    });
    observer.observe(status, {subtree: true, childList: true, characterData: true});
}""" % _SLIDER_BOXES


class Notebook:
    """A notebook opened in JupyterLab, run cell by cell as a student would."""

    def __init__(self, page, lab: JupyterLab, path: str):
        self.page, self.lab, self.path = page, lab, path

    def open(self, timeout: float = 90, cells: int | None = None) -> "Notebook":
        """Open the notebook and wait for its kernel, and for all its cells (`cells` of them, if given)."""
        self.page.goto(self.lab.url(self.path))
        self.page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell",
                                    timeout=timeout * 1000)
        # The kernel is ready when the status bar says Idle.
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
            ".some(e => /\\| Idle/.test(e.textContent))", timeout=timeout * 1000)
        # Long notebooks are attached a batch of cells at a time: wait until all are there.
        if cells is not None:
            self.page.wait_for_function(
                "n => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')"
                ".length === n", arg=cells, timeout=timeout * 1000)
            return self
        count, stable_since = -1, time.monotonic()
        while time.monotonic() - stable_since < 1.5:
            if self.cells.count() != count:
                count, stable_since = self.cells.count(), time.monotonic()
            self.page.wait_for_timeout(100)
        return self

    @property
    def cells(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")

    def run_all(self, timeout_per_cell: float = 120) -> NotebookRun:
        """Shift+Enter through every cell, waiting for each (so an error does not stop the rest)."""
        start = time.perf_counter()
        count = self.cells.count()
        self.cells.nth(0).locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Escape")
        for index in range(count):
            cell = self.cells.nth(index)
            self.page.keyboard.press("Shift+Enter")
            if "jp-CodeCell" in (cell.get_attribute("class") or ""):
                # "[ ]:" queued, "[*]:" running, "[7]:" done.
                cell.locator(".jp-InputPrompt").filter(has_text=re.compile(r"\[\d+\]")).wait_for(
                    timeout=timeout_per_cell * 1000)
        self.page.wait_for_timeout(300)  # widget views render after their output arrives
        return NotebookRun(cells=count, errors=self.error_outputs(), widget_errors=self.widget_errors(),
                           seconds=time.perf_counter() - start, errors_by_cell=self.errors_by_cell())

    def errors_by_cell(self) -> dict[int, list[str]]:
        """{cell index on the page: the error and stderr outputs it shows}, for cells showing any."""
        found = self.page.eval_on_selector_all(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell",
            "cells => cells.map(cell => [...cell.querySelectorAll('.jp-OutputArea-output"
            "[data-mime-type=\"application/vnd.jupyter.stderr\"]')].map(e => e.textContent))")
        return {index: texts for index, texts in enumerate(found) if texts}

    def error_outputs(self) -> list[str]:
        return self.page.eval_on_selector_all(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output"
            "[data-mime-type='application/vnd.jupyter.stderr']", "els => els.map(e => e.textContent)")

    def widget_errors(self) -> list[str]:
        return self.page.eval_on_selector_all(
            ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output",
            f"els => els.map(e => e.textContent).filter(t => t.includes({WIDGET_ERROR!r}))")

    def sliders(self) -> list[Slider]:
        found = self.page.evaluate(f"""() => ({_SLIDER_BOXES})().map(box => ({{
            status: box.querySelector('.widget-html')?.textContent ?? '',
            has_image: (box.querySelector('img')?.naturalWidth ?? 0) > 0 }}))""")
        return [Slider(index, item["status"], item["has_image"]) for index, item in enumerate(found)]

    def _box(self, index: int):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox").filter(
            has=self.page.locator(":scope > .widget-hbox .widget-hslider")).nth(index)

    def image_png(self, index: int) -> bytes:
        box = self._box(index)
        box.scroll_into_view_if_needed()
        return box.locator("img").screenshot()

    def status(self, index: int) -> str:
        return self._box(index).locator(".widget-html").inner_text()

    def drag_slider(self, index: int, fraction: float) -> None:
        """Drag the slider's handle to `fraction` of its track, as a mouse would."""
        box = self._box(index)
        box.scroll_into_view_if_needed()
        handle, track = box.locator(".noUi-handle"), box.locator(".noUi-target")
        start, bounds = handle.bounding_box(), track.bounding_box()
        self.page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        self.page.mouse.down()
        self.page.mouse.move(bounds["x"] + fraction * bounds["width"], start["y"] + start["height"] / 2,
                             steps=8)
        self.page.mouse.up()

    def key_latency_ms(self, index: int, key: str = "ArrowRight", timeout: float = 30) -> float:
        """Milliseconds from a key press on the slider's handle to its redraw shown on the page."""
        box = self._box(index)
        box.scroll_into_view_if_needed()
        handle = box.locator(".noUi-handle")
        handle.focus()
        self.page.evaluate(_WATCH_REDRAW, [index])
        self.page.keyboard.press(key)
        self.page.wait_for_function("() => window.__latency !== null", timeout=timeout * 1000)
        return float(self.page.evaluate("() => window.__latency"))

    def type_learning_rate(self, index: int, text: str, timeout: float = 30) -> str:
        """Type `text` into the slider's box and press Enter; returns the status line after.

        Raises Playwright's TimeoutError if the status line does not change: every typed value
        gets an answer (a redraw or a message).
        """
        box = self._box(index)
        before = self.status(index)
        field_ = box.locator(".widget-text input")
        field_.fill(text)
        field_.press("Enter")
        self.wait_for_status_change(index, before, timeout)
        return self.status(index)

    def settle(self, index: int, quiet: float = 1.0, timeout: float = 60) -> None:
        """Until the kernel is idle and slider `index`'s status has not changed for `quiet` seconds.

        A drag sends many values (continuous updates); their redraws may arrive long after the
        mouse is released, and must not be taken for the answer to what is typed next.
        """
        deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
        while time.monotonic() < deadline:
            idle = self.page.evaluate("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
                                      ".some(e => /\\| Idle/.test(e.textContent))")
            now = (idle, self.status(index))
            if now != last:
                last, since = now, time.monotonic()
            elif idle and time.monotonic() - since >= quiet:
                return
            self.page.wait_for_timeout(100)
        raise TimeoutError(f"slider {index} kept changing (or the kernel stayed busy) for {timeout} s")

    def wait_for_status_change(self, index: int, before: str, timeout: float = 30) -> None:
        """Until slider `index`'s status line differs from `before` (TimeoutError after `timeout` s)."""
        self.page.wait_for_function(
            "([i, before]) => { const b = (" + _SLIDER_BOXES + ")()[i];"
            " return b.querySelector('.widget-html').textContent !== before; }",
            arg=[index, before], timeout=timeout * 1000)

    def slider_state(self, index: int) -> dict:
        """What the page shows of slider `index`: the handle's position (log10 of η, and the
        track's ends, from noUiSlider's aria attributes) and the text in its box."""
        box = self._box(index)
        handle = box.locator(".noUi-handle")
        return {name: float(handle.get_attribute(f"aria-value{name}")) for name in ("now", "min", "max")} | {
            "box": box.locator(".widget-text input").input_value()}
