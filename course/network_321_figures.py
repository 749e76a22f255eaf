"""Assignment 3's figures: the 3-2-1 network's loss curve and its weights against the truth, redrawn in place."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import plots
from .network_321 import TrainingRun

WEIGHT_NAMES = ["$w_{11}$", "$w_{21}$", "$w_{31}$", "$w_{12}$", "$w_{22}$", "$w_{32}$", "$w2_1$", "$w2_2$"]


def flat_weights(W1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """The 8 weights in the lecture's order: w1_1 (3), w1_2 (3), w2_1 (2)."""
    return np.concatenate([W1[:, 0], W1[:, 1], w2])


class TrainingFigure:
    """The slider's figure: the loss (log scale) by step, and the final weights against the true ones."""

    def __init__(self, steps: int, truth: tuple[np.ndarray, np.ndarray], start: tuple[np.ndarray, np.ndarray],
                 loss_range: tuple[float, float] = (1e-3, 1e4), weight_range: tuple[float, float] = (-1.0, 4.0)):
        self.figure, (self.loss_axes, self.weight_axes) = plots.new_figure(ncols=2, width=3.6, height=2.9)
        self.curve = plots.LossCurve(self.loss_axes, ylabel="mean squared error (y units²)")
        self.curve.fix_limits(steps, *loss_range)
        self.loss_axes.set_title("training loss", fontsize=10)
        positions = np.arange(8)
        self.truth = flat_weights(*truth)
        self.weight_axes.scatter(positions, self.truth, marker="_", s=260, color="black", lw=2, label="truth")
        self.weight_axes.scatter(positions, flat_weights(*start), marker=".", s=40, color="#999999",
                                 label="start")
        (self.final,) = self.weight_axes.plot(positions, self.truth, "o", color=plots.COLORS[1], ms=6,
                                              label="after training")
        self.low, self.high = weight_range
        self.weight_axes.set_ylim(self.low, self.high)
        self.weight_axes.set_xlim(-0.6, 7.6)
        self.weight_axes.set_xticks(positions, WEIGHT_NAMES, fontsize=8)
        self.weight_axes.set_ylabel("weight value")
        self.weight_axes.set_title("weights against the truth", fontsize=10)
        self.weight_axes.legend(fontsize=8, loc="upper left", frameon=False)
        self.weight_axes.grid(True, axis="y", alpha=0.3)
        self.renderer = plots.BlitRenderer(self.figure, [self.curve.line, self.curve.marker, self.final])

    def png(self) -> bytes:
        return self.renderer.png()

    def update(self, run: TrainingRun, learning_rate: float) -> str:
        diverged_at = self.curve.update_at(run.loss_steps, run.losses)
        weights = flat_weights(run.W1, run.w2)
        # Weights off the axes are pinned to its edge rather than vanishing.
        self.final.set_ydata(np.clip(np.nan_to_num(weights, nan=self.high), self.low, self.high))
        if diverged_at is not None:
            return (f"η = {learning_rate:.3g}: too large — the loss blew up at step {diverged_at}; "
                    "the exponential output overflows and the weights are lost.")
        distance = float(np.max(np.abs(weights - self.truth)))
        if run.losses[-1] > run.losses[0]:
            return (f"η = {learning_rate:.3g}: too large — the loss ends higher than it started "
                    f"({run.losses[0]:.3g} → {run.losses[-1]:.3g}); the steps overshoot and the weights "
                    f"fly off (largest error {distance:.3g}).")
        verdict = ("close to the truth" if distance < 0.05 else
                   "still far from the truth" if np.isfinite(distance) else "lost")
        return (f"η = {learning_rate:.3g}: loss {run.losses[0]:.3g} → {run.losses[-1]:.3g} after "
                f"{run.loss_steps[-1]} steps; the weights are {verdict} (largest error {distance:.3g}).")


def loss_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str) -> Figure:
    """Loss curves given as {label: (steps, losses)} on one log-scale axes; a static figure."""
    figure, (axes,) = plots.new_figure(width=6.0, height=3.2)
    for index, (label, (steps, losses)) in enumerate(curves.items()):
        axes.plot(steps, losses, color=plots.COLORS[index % len(plots.COLORS)], lw=1.6, label=label)
    axes.set_yscale("log")
    axes.set_xlabel("update step")
    axes.set_ylabel("mean squared error (y units²)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=9)
    return figure
