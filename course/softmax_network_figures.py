"""Assignment 5's figures: the three classes, and the slider's loss curve beside the decision regions."""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from . import plots
from .softmax_network import TrainingRun, forward

CLASS_COLORS = [plots.COLORS[0], plots.COLORS[1], plots.COLORS[2]]
REGION_COLORS = ListedColormap(["#c6dbef", "#f4c2c2", "#c7e9c0"])
LIMITS = (-3.2, 3.2)


def _scatter(axes, X: np.ndarray, labels: np.ndarray) -> list:
    points = []
    for label, color in enumerate(CLASS_COLORS):
        inside = labels == label
        points.append(axes.scatter(X[inside, 0], X[inside, 1], s=14, color=color, edgecolor="white", linewidth=0.4,
                     label=f"class {label}", zorder=3))
    axes.set_xlim(*LIMITS)
    axes.set_ylim(*LIMITS)
    axes.set_aspect("equal")
    axes.set_xlabel("$x_1$")
    axes.set_ylabel("$x_2$")
    return points


def network_diagram(d: int = 2, h: int = 4, k: int = 3):
    """The network's units and weights (course.diagrams), with the notebook's array names and tanh units."""
    from .diagrams import layered

    return layered(d, h, k)


def data_figure(X: np.ndarray, labels: np.ndarray) -> Figure:
    """The data set: X (n, 2) coloured by labels (n,); a static figure."""
    figure, (axes,) = plots.new_figure(width=3.6, height=3.4)
    _scatter(axes, X, labels)
    axes.legend(fontsize=8, loc="upper right", frameon=True)
    axes.set_title("three classes", fontsize=10)
    return figure


class TrainingFigure:
    """The slider's figure: the mean cross-entropy by step (log scale), and the classes the network predicts."""

    def __init__(self, steps: int, X: np.ndarray, labels: np.ndarray, grid: int = 90,
                 loss_range: tuple[float, float] = (3e-3, 2e2)):
        self.figure, (self.loss_axes, self.region_axes) = plots.new_figure(ncols=2, width=3.6, height=3.2)
        self.curve = plots.LossCurve(self.loss_axes, ylabel="mean cross-entropy")
        self.curve.fix_limits(steps, *loss_range)
        self.loss_axes.set_title("training loss", fontsize=10)
        self.labels = np.asarray(labels)
        axis = np.linspace(*LIMITS, grid)
        self.grid = np.column_stack([g.ravel() for g in np.meshgrid(axis, axis)])  # (grid², 2)
        self.shape = (grid, grid)
        self.regions = self.region_axes.imshow(np.zeros(self.shape), origin="lower", extent=(*LIMITS, *LIMITS),
                                               cmap=REGION_COLORS, vmin=-0.5, vmax=2.5, interpolation="nearest")
        points = _scatter(self.region_axes, np.asarray(X), self.labels)
        self.region_axes.set_title("the class the network predicts", fontsize=10)
        # The points are redrawn after the regions, which would otherwise cover them.
        self.renderer = plots.BlitRenderer(self.figure, [self.curve.line, self.curve.marker, self.regions, *points])

    def png(self) -> bytes:
        return self.renderer.png()

    def update(self, run: TrainingRun, learning_rate: float) -> str:
        steps = np.arange(len(run.losses))
        self.curve.update_at(steps, run.losses)
        with np.errstate(all="ignore"):
            predicted = np.argmax(forward(self.grid, *run.weights).z2, axis=1)
        self.regions.set_data(predicted.reshape(self.shape))
        return describe(run, learning_rate)


def describe(run: TrainingRun, learning_rate: float) -> str:
    """One line on a training run: where the loss went, how it got there, how many records are right."""
    losses = run.losses[np.isfinite(run.losses)]
    start, end, steps = losses[0], losses[-1], len(losses) - 1
    right = f"{run.accuracies[len(losses) - 1]:.0%} of the records classified right"
    if end > start:
        return (f"η = {learning_rate:.3g}: too large — the loss ends higher than it started ({start:.3g} → "
                f"{end:.3g} after {steps} steps); {right}.")
    rises = int(np.sum(np.diff(losses) > 0))
    # Settled: the loss no longer rises anywhere in the last third of the steps.
    late = losses[-(steps // 3 + 1):]
    late_rises = int(np.sum(np.diff(late) > 0))
    if losses.max() > start and late_rises:
        how = (f"the first steps overshoot (up to {losses.max():.3g}), and it never settles: it still rises on "
               f"{late_rises} of the last {len(late) - 1} steps")
    elif losses.max() > start:
        how = f"the first steps overshoot (up to {losses.max():.3g}), then it settles"
    elif rises:
        how = f"it rises on {rises} of the {steps} steps"
    else:
        how = "it falls at every step"
    return f"η = {learning_rate:.3g}: loss {start:.3g} → {end:.3g} after {steps} steps, {how}; {right}."
