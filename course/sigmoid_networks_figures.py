"""Assignment 2's figures: the two-node network's trajectories, built once and redrawn in place."""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FormatStrFormatter, MaxNLocator, NullLocator

from . import plots
from .sigmoid_networks import NetworkRun, TwoNodeRun

COLORS = {"w0": plots.COLORS[0], "w1": plots.COLORS[2], "w2": plots.COLORS[3], "out": plots.COLORS[1]}


def _step_axis(axes: Axes, steps: int, fixed_labels: bool = False) -> None:
    """A symlog step axis: step 0, then every decade up to `steps`."""
    # The telling steps are the first few (overshoot) and the last hundreds
    # (slow convergence); a linear axis would squeeze the first into a pixel.
    axes.set_xscale("symlog", linthresh=1, linscale=0.5)
    axes.set_xlim(0, steps)
    # Fixed ticks and label positions: matplotlib would otherwise recompute
    # them from the tick labels' sizes at every redraw of the slider.
    decades = [10**k for k in range(int(np.log10(max(steps, 1))) + 1)]
    axes.xaxis.set_major_locator(FixedLocator([0] + decades))
    axes.xaxis.set_major_formatter(FormatStrFormatter("%d"))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.yaxis.set_major_locator(MaxNLocator(5))
    axes.set_xlabel("update step (log scale)")
    if fixed_labels:
        axes.xaxis.set_label_coords(0.5, -0.13)
        axes.yaxis.set_label_coords(-0.1, 0.5)
    axes.grid(True, alpha=0.3)


def shown_steps(steps: int, every_until: int = 40, points: int = 120) -> np.ndarray:
    """The steps worth drawing on a log axis: each of the first ones, then evenly spaced in log."""
    later = np.geomspace(every_until, max(steps, every_until), points).round().astype(int)
    return np.unique(np.concatenate([np.arange(min(every_until, steps + 1)), later, [steps]]))


class TwoNodeFigure:
    """The slider's figure: the three weights and the output against the target, step by step.

    One axes only: on a slow machine every extra axes costs tens of
    milliseconds per redraw; the loss is one number away from the output,
    and the status line and the divergence mark say how the run went.
    """

    def __init__(self, steps: int, target: float):
        self.figure, (self.axes,) = plots.new_figure(width=6.6, height=3.0)
        self.lines = {name: self.axes.plot([], [], color=color, lw=2.4 if name == "out" else 1.6,
                                           label=name)[0]
                      for name, color in COLORS.items()}
        self.axes.axhline(target, color="black", lw=1, ls="--", label=f"target {target:g}")
        self.axes.set_ylabel("weight or output")
        self.axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9, frameon=False)
        self.marker = self.axes.annotate("", xy=(0, 0), xytext=(40, 0), textcoords="offset points",
                                         va="center", color="#b00020", fontsize=9,
                                         arrowprops={"arrowstyle": "->", "color": "#b00020"})
        self.marker.set_visible(False)
        _step_axis(self.axes, steps, fixed_labels=True)
        self.target = target
        self.renderer = plots.BlitRenderer(self.figure, [*self.lines.values(), self.marker])

    def png(self) -> bytes:
        return self.renderer.png()

    def update(self, run: TwoNodeRun, learning_rate: float) -> str:
        diverged = plots.first_divergence(run.loss)
        steps = shown_steps(len(run.loss) - 1)
        if diverged is not None:
            steps = steps[steps < max(diverged, 1)]  # nothing past the blow-up is meaningful
        for name, line in self.lines.items():
            line.set_data(steps, getattr(run, name)[steps])
        values = np.concatenate([getattr(run, name)[steps] for name in self.lines] + [[self.target]])
        low, high = float(values.min()), float(values.max())
        # Limits rounded out to a coarse grid: neighbouring learning rates then
        # share them, and the renderer redraws only the lines.
        grid = 10 ** np.floor(np.log10(max(high - low, 0.1))) / 2
        self.axes.set_ylim(np.floor(low / grid - 0.2) * grid, np.ceil(high / grid + 0.2) * grid)
        if diverged is not None:
            self.marker.xy = (steps[-1], run.out[steps[-1]])
            self.marker.set_text(f"diverged at step {diverged}\n(loss → ∞)")
        self.marker.set_visible(diverged is not None)
        return describe(run, learning_rate)


def describe(run: TwoNodeRun, learning_rate: float) -> str:
    """One line on how the run went: slow, converged, overshooting, stuck or diverged."""
    eta = f"η = {learning_rate:.3g}"
    diverged = plots.first_divergence(run.loss)
    if diverged is not None:
        return (f"{eta}: too large — the loss exploded at step {diverged} "
                f"(out = {run.out[diverged]:.3g}) and the weights fly off.")
    steps = len(run.out) - 1
    miss = run.out - run.target
    tolerance = 0.01 * abs(run.target)
    if abs(miss[-1]) > tolerance:
        if run.loss[-1] >= run.loss[0]:
            return (f"{eta}: too large — the first steps threw the weights into the sigmoid's flat "
                    f"tail, where its slope and so every gradient vanish: out is stuck at "
                    f"{run.out[-1]:.3g}, the loss at {run.loss[-1]:.3g} (it started at {run.loss[0]:.3g}).")
        return (f"{eta}: slow — after {steps} steps out = {run.out[-1]:.4f}, still "
                f"{abs(miss[-1]):.3g} from the target.")
    outside = np.flatnonzero(np.abs(miss) > tolerance)
    settled = int(outside[-1]) + 1 if outside.size else 0
    crossings = int(np.count_nonzero(np.diff(np.sign(miss[:settled + 1])) != 0))
    weights = f"w = ({run.w0[-1]:.3f}, {run.w1[-1]:.3f}, {run.w2[-1]:.3f})"
    if crossings > 1:
        return (f"{eta}: overshoot — out jumps across the target {crossings} times before it stays "
                f"within 1% of it, from step {settled}; {weights}.")
    return f"{eta}: out comes within 1% of the target at step {settled} and stays; {weights}."


def variants_figure(gradient_descent: TwoNodeRun, sequential: TwoNodeRun, learning_rate: float) -> Figure:
    """Gradient descent beside lecture 003's sequential updates: both paths, and their difference."""
    figure, (paths, difference) = plots.new_figure(ncols=2, width=4.6, height=3.2)
    last = len(gradient_descent.out) - 1
    steps = shown_steps(last)
    for name, color in COLORS.items():
        paths.plot(steps, getattr(gradient_descent, name)[steps], color=color, lw=1.8, label=name)
        paths.plot(steps, getattr(sequential, name)[steps], color=color, lw=1.4, ls=(0, (3, 2)))
    paths.axhline(gradient_descent.target, color="black", lw=1, ls="--", label="target")
    paths.plot([], [], color="gray", lw=1.8, label="gradient descent")
    paths.plot([], [], color="gray", lw=1.4, ls=(0, (3, 2)), label="lecture's loop")
    paths.set_ylabel("weight or output")
    paths.set_title(f"{last} steps at α = {learning_rate:g}", fontsize=10)
    paths.legend(fontsize=8, ncols=2, loc="upper left", bbox_to_anchor=(0, 0.93))
    for name in ("w0", "w1", "w2"):
        gap = getattr(sequential, name)[steps] - getattr(gradient_descent, name)[steps]
        difference.plot(steps, 1000 * gap, color=COLORS[name], lw=1.6, label=name)
    difference.axhline(0, color="black", lw=0.8)
    difference.set_ylabel("lecture's loop − gradient descent (×10⁻³)")
    difference.set_title("the gap between the two paths", fontsize=10)
    difference.legend(fontsize=8, loc="center right")
    for axes in (paths, difference):
        _step_axis(axes, last)
    return figure


def training_figure(runs: dict[str, NetworkRun]) -> Figure:
    """The training loss of each run, epoch by epoch (linear or log, as plots.loss_curves decides)."""
    return plots.loss_curves({name: run.train_loss for name, run in runs.items()},
                             title="Mean squared error on the training records",
                             ylabel="training MSE, mean of (y − ŷ)²", xlabel="epoch")
