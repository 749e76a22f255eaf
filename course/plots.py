"""Figures that redraw in place, and the loss curve every assignment shows.

Figures are `matplotlib.figure.Figure` objects rendered by Agg, never pyplot
figures: pyplot's inline backend would display a second copy at the end of
the cell, and the widgets need the figure to outlive the cell.
"""
from __future__ import annotations

import io
from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def new_figure(ncols: int = 1, width: float = 4.2, height: float = 3.0, dpi: int = 80,
               nrows: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure with `nrows`×`ncols` axes, laid out once (layout is slow to redo)."""
    figure = Figure(figsize=(width * ncols, height * nrows), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    return figure, axes


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.canvas.print_png(buffer)
    return buffer.getvalue()


class BlitRenderer:
    """PNG frames of a live figure that redraw only its moving artists.

    A full matplotlib draw spends most of its time on ticks and text that a
    slider move does not change.  This draws everything else once, keeps the
    pixels, and per frame restores them and draws the moving artists on top
    (matplotlib's blitting).  The kept pixels are redrawn whenever an axes'
    limits or scale changed, so a figure that rescales stays right.
    """

    def __init__(self, figure: Figure, moving: Sequence):
        self.figure, self.moving = figure, list(moving)
        for artist in self.moving:
            artist.set_animated(True)  # left out of full draws; drawn per frame
        self._background = None
        self._static_state = None

    def _state(self) -> tuple:
        return tuple((a.get_xlim(), a.get_ylim(), a.get_xscale(), a.get_yscale()) for a in self.figure.axes)

    def png(self) -> bytes:
        from PIL import Image

        canvas = self.figure.canvas
        if self._background is None or self._state() != self._static_state:
            canvas.draw()
            # Lay out once: constrained layout would move the axes at every draw.
            self.figure.set_layout_engine("none")
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._static_state = self._state()
        else:
            canvas.restore_region(self._background)
        for artist in self.moving:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        width, height = canvas.get_width_height()
        frame = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        # RGB at zlib level 1: a third of the encoding time for a few more kB.
        frame.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def show(figure: Figure) -> None:
    """Display a figure as a static image."""
    from IPython.display import Image, display
    display(Image(png(figure)))


def first_divergence(losses: np.ndarray, factor: float = 1e6) -> int | None:
    """The first step whose loss is not finite or exceeds `factor` × the starting loss."""
    losses = np.asarray(losses, dtype=float)
    limit = factor * max(float(losses[0]) if np.isfinite(losses[0]) else 1.0, 1e-12)
    bad = ~np.isfinite(losses) | (losses > limit)
    return int(np.argmax(bad)) if bad.any() else None


class LossCurve:
    """A loss-against-step line that marks divergence instead of plotting NaN."""

    def __init__(self, axes: Axes, label: str | None = None, color: str = COLORS[0],
                 ylabel: str = "loss", xlabel: str = "update step"):
        self.axes = axes
        (self.line,) = axes.plot([], [], color=color, lw=1.6, label=label)
        self.marker = axes.annotate("", xy=(0, 0), xytext=(14, -34), textcoords="offset points",
                                    color="#b00020", fontsize=9,
                                    arrowprops={"arrowstyle": "->", "color": "#b00020"})
        self.marker.set_visible(False)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.grid(True, alpha=0.3)

    def update(self, losses: Sequence[float], rescale: bool = True) -> int | None:
        """Show `losses`; returns the step at which training diverged, if it did."""
        losses = np.asarray(losses, dtype=float)
        steps = np.arange(len(losses))
        diverged = first_divergence(losses)
        shown = losses if diverged is None else losses[:max(diverged, 1)]
        self.line.set_data(steps[:len(shown)], shown)
        if diverged is not None:
            last = float(shown[-1])
            if not rescale:  # fixed limits: keep the arrow's tip inside the axes
                last = min(last, self.axes.get_ylim()[1])
            self.marker.xy = (len(shown) - 1, last)
            self.marker.set_text(f"diverged at step {diverged}\n(loss → ∞)")
            self.marker.set_visible(True)
        else:
            self.marker.set_visible(False)
        if rescale:
            self.rescale([shown], len(losses))
        return diverged

    def update_at(self, steps: Sequence[int], losses: Sequence[float]) -> int | None:
        """`update` with fixed limits, for losses recorded at `steps`; returns the step it diverged at."""
        steps, losses = np.asarray(steps), np.asarray(losses, dtype=float)
        index = first_divergence(losses)
        shown = len(losses) if index is None else max(index, 1)
        self.line.set_data(steps[:shown], losses[:shown])
        self.marker.set_visible(index is not None)
        if index is None:
            return None
        self.marker.xy = (steps[shown - 1], min(float(losses[shown - 1]), self.axes.get_ylim()[1]))
        self.marker.set_text(f"diverged at step {steps[index]}\n(loss → ∞)")
        return int(steps[index])

    def fix_limits(self, steps: int, low: float, high: float) -> None:
        """Fixed axes for a live figure: steps 0..steps, losses low..high (log if that spans decades)."""
        self.rescale([np.array([low, high])], steps + 1)
        self.axes.set_ylim(low, high)

    def rescale(self, curves: Sequence[np.ndarray], steps: int) -> None:
        """Fit the axes to `curves`; log scale where the losses span decades."""
        values = np.concatenate([np.asarray(c, float) for c in curves])
        values = values[np.isfinite(values) & (values > 0)]
        self.axes.set_xlim(0, max(steps - 1, 1))
        if values.size == 0:
            return
        low, high = float(values.min()), float(values.max())
        if high / low > 10:
            self.axes.set_yscale("log")
            self.axes.set_ylim(low / 1.5, high * 1.5)
        else:
            self.axes.set_yscale("linear")
            pad = 0.05 * (high - low) or 0.05 * high or 1.0
            self.axes.set_ylim(max(0.0, low - pad), high + pad)


def loss_curves(curves: dict[str, np.ndarray], title: str = "", ylabel: str = "loss",
                xlabel: str = "update step") -> Figure:
    """Several loss curves on one log-or-linear axis; a static figure."""
    figure, (axes,) = new_figure(width=6.0, height=3.4)
    lines = [LossCurve(axes, label, COLORS[i % len(COLORS)], ylabel, xlabel)
             for i, label in enumerate(curves)]
    for line, losses in zip(lines, curves.values()):
        line.update(losses, rescale=False)
    lines[0].rescale(list(curves.values()), max(len(c) for c in curves.values()))
    axes.legend(fontsize=9)
    if title:
        axes.set_title(title, fontsize=10)
    return figure
