"""Assignment 1's figure behind the learning-rate slider: built once, redrawn in place."""
from __future__ import annotations

import numpy as np

from . import plots
from .linear_regression import Trajectory


class LinearFitFigure:
    """Assignment 1: the data with the current fitted line, and the loss curve."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.figure, (fit_axes, loss_axes) = plots.new_figure(ncols=2)
        fit_axes.scatter(x, y, s=10, alpha=0.5, color=plots.COLORS[0], label="data")
        self.xs = np.array([x.min(), x.max()])
        (self.fit,) = fit_axes.plot([], [], color=plots.COLORS[1], lw=2, label="fitted line")
        margin = 0.15 * (y.max() - y.min())
        fit_axes.set_xlim(*self.xs)
        fit_axes.set_ylim(y.min() - margin, y.max() + margin)
        fit_axes.set_xlabel("x")
        fit_axes.set_ylabel("y")
        fit_axes.legend(loc="upper left", fontsize=9)
        self.title = fit_axes.set_title("", fontsize=10)
        self.loss = plots.LossCurve(loss_axes, ylabel="MSE loss (units of y²)")

    def update(self, trajectory: Trajectory, learning_rate: float) -> str:
        diverged = self.loss.update(trajectory.loss)
        last = len(trajectory.w) - 1 if diverged is None else max(diverged - 1, 0)
        w, b = trajectory.w[last], trajectory.b[last]
        self.fit.set_data(self.xs, w * self.xs + b)
        self.title.set_text(f"ŷ = {w:.3f}·x + {b:.3f}  (step {last})")
        if diverged is not None:
            return f"η = {learning_rate:.3g}: too large — gradient descent diverged at step {diverged}."
        return (f"η = {learning_rate:.3g}: after {last} steps w = {w:.3f}, b = {b:.3f}, "
                f"loss = {trajectory.loss[-1]:.4g}.")
