"""The learning-rate slider: move it, and training re-runs and redraws at once.

One `LearningRateSlider` pairs a log-scale slider and a box to type a value
into with a figure that knows how to redraw itself from a training result.
It works in JupyterLab, and in headless runs (nbclient, nbgrader), where the
widgets simply have no front end: nothing is written to stderr and nothing
raises.
"""
from __future__ import annotations

import html
import itertools
import math
import time
import weakref
from typing import Any, Callable, Protocol

import ipywidgets as widgets

from . import plots


class LiveFigure(Protocol):
    """A figure that redraws its artists from a training result."""

    figure: Any

    def update(self, result: Any, learning_rate: float) -> str:
        """Redraw from `result`; returns a one-line summary for the status line."""


class LearningRateSlider:
    """A log-scale learning-rate slider driving `train(learning_rate)` and a live figure."""

    #: Every slider alive in this kernel: benchmarks/sliders.py times each one.
    instances: "weakref.WeakSet[LearningRateSlider]" = weakref.WeakSet()
    _serials = itertools.count()

    def __init__(self, train: Callable[[float], Any], figure: LiveFigure, *,
                 value: float, low: float, high: float, needs: str = "a function this slider uses",
                 description: str = "learning rate η", symbol: str = "η", quantity: str = "learning rate"):
        if not low < value < high:
            raise ValueError(f"need low < value < high, got {low}, {value}, {high}")
        self.train, self.live, self.needs = train, figure, needs
        self.symbol, self.quantity = symbol, quantity
        self.low, self.high = low, high
        self.slider = widgets.FloatLogSlider(
            value=value, base=10, min=math.log10(low), max=math.log10(high), step=0.02,
            description=description, readout=False, continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="420px"))
        self.box = widgets.Text(value=f"{value:.3g}", description=f"{symbol} =", continuous_update=False,
                                layout=widgets.Layout(width="150px"),
                                style={"description_width": "initial"})
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.last_seconds = 0.0
        self.serial = next(LearningRateSlider._serials)  # creation order = order on the page
        LearningRateSlider.instances.add(self)
        self.slider.observe(self._on_slider, names="value")
        self.box.observe(self._on_box, names="value")
        self.redraw(value)

    # -- events -------------------------------------------------------------

    def _on_slider(self, change: dict) -> None:
        self._echoing = True  # the box shows the slider's value: not a new request
        try:
            self.box.value = f"{change['new']:.3g}"
        finally:
            self._echoing = False
        self.redraw(change["new"])

    def _on_box(self, change: dict) -> None:
        if getattr(self, "_echoing", False):
            return
        text = change["new"].strip()
        try:
            value = float(text)
        except ValueError:
            self._say(f"“{html.escape(text)}” is not a number: type a {self.quantity} such as "
                      f"{self.slider.value:.2g}.", error=True)
            return
        if not math.isfinite(value) or value <= 0:
            self._say(f"The {self.quantity} must be a positive number; got {html.escape(text)}.",
                      error=True)
            return
        clamped = min(max(value, self.low), self.high)
        if clamped != value:
            note = f"{self.symbol} = {value:g} is outside this slider's range; using {clamped:.3g}."
        else:
            note = ""
        if abs(math.log10(clamped) - math.log10(self.slider.value)) < 1e-9:
            self.redraw(clamped, note)
        else:
            self._pending_note = note
            self.slider.value = clamped  # triggers _on_slider, which redraws

    # -- drawing ------------------------------------------------------------

    def redraw(self, learning_rate: float, note: str = "") -> None:
        """Re-train at `learning_rate` and redraw the figure in place."""
        note = note or getattr(self, "_pending_note", "")
        self._pending_note = ""
        # The page may echo the clamped value back, rounded to its slider's step: the same value, so
        # the note saying it was clamped stays until the slider is moved elsewhere.
        clamp = getattr(self, "_clamp_note", None)
        if note:
            self._clamp_note = (learning_rate, note)
        elif clamp and abs(math.log10(learning_rate) - math.log10(clamp[0])) < 0.02:
            note = clamp[1]
        else:
            self._clamp_note = None
        start = time.perf_counter()
        try:
            result = self.train(learning_rate)
        except NotImplementedError:
            self._say(f"Not yet: this slider trains with <code>{html.escape(self.needs)}</code>, "
                      f"which is still to be implemented above.", error=True)
            return
        except Exception as error:  # noqa: BLE001 - shown to the student, never a traceback
            self._say(f"Training failed at {self.symbol} = {learning_rate:.3g}: "
                      f"{type(error).__name__}: {html.escape(str(error))}", error=True)
            return
        summary = self.live.update(result, learning_rate)
        # A figure that knows what moves renders only that (plots.BlitRenderer).
        self.image.value = self.live.png() if hasattr(self.live, "png") else plots.png(self.live.figure)
        self.last_seconds = time.perf_counter() - start
        self._say((note + " " if note else "") + summary, error=bool(note))

    def _say(self, message: str, error: bool = False) -> None:
        color = "#b00020" if error else "#333"
        self.status.value = f'<span style="color:{color}">{message}</span>'

    def widget(self) -> widgets.Widget:
        """The slider, the box, the status line and the figure in one box."""
        return widgets.VBox([widgets.HBox([self.slider, self.box]), self.status, self.image])

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.widget())


class Progress:
    """A progress bar for training that takes seconds: `progress(step)`; harmless without a front end."""

    def __init__(self, total: int, description: str = "training"):
        from IPython.display import display

        self.total, self.start = total, time.perf_counter()
        self.bar = widgets.IntProgress(min=0, max=total, description=description,
                                       style={"description_width": "initial"})
        self.label = widgets.Label()
        display(widgets.HBox([self.bar, self.label]))

    def __call__(self, step: int) -> None:
        self.bar.value = min(step, self.total)
        elapsed = time.perf_counter() - self.start
        done = "done" if step >= self.total else "steps"
        self.label.value = f"{step} / {self.total} {done} in {elapsed:.1f} s"
