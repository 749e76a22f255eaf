"""Assignment 1's figure behind the learning-rate slider: drawn once, then only what moves."""
from __future__ import annotations

import numpy as np

from . import plots
from .linear_regression import Trajectory, mse


class LinearFitFigure:
    """The data with the current fitted line, and the loss against the step.

    shapes: x, y (n,).  The axes are fixed for every learning rate the slider
    offers (from the best possible loss to far above the starting loss), so a
    move redraws only the line, the curve and the titles.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, steps: int):
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
        self.loss = plots.LossCurve(loss_axes, ylabel="MSE loss (units of y²)")
        w_best, b_best = np.polyfit(x, y, 1)
        start = mse(0.0, 0.0, x, y)
        self.loss.fix_limits(steps, mse(w_best, b_best, x, y) / 1.5, start * 1e3)
        # The numbers go to the slider's status line: text is the slowest thing to draw.
        self.renderer = plots.BlitRenderer(self.figure, [self.fit, self.loss.line, self.loss.marker])

    def update(self, trajectory: Trajectory, learning_rate: float) -> str:
        diverged = self.loss.update(trajectory.loss, rescale=False)
        last = len(trajectory.w) - 1 if diverged is None else max(diverged - 1, 0)
        w, b = trajectory.w[last], trajectory.b[last]
        self.fit.set_data(self.xs, w * self.xs + b)
        if diverged is not None:
            return (f"η = {learning_rate:.3g}: too large — gradient descent diverged at step {diverged} "
                    f"(the line shown is step {last}'s, ŷ = {w:.3g}·x {'−' if b < 0 else '+'} {abs(b):.3g}).")
        return (f"η = {learning_rate:.3g}: after {last} steps ŷ = {w:.3f}·x {'−' if b < 0 else '+'} {abs(b):.3f}, "
                f"loss = {trajectory.loss[-1]:.4g}.")

    def png(self) -> bytes:
        return self.renderer.png()
