"""Assignment 4's figures: house-price training and the four ways backprop fails, each redrawn in place."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from . import plots
from .backprop_failures import DeadUnits, GradientNorms, NoisyRun
from .house_prices import Standardised, TrainingRun, forward

LOSS_LABEL = "E (standardised price²)"


def _identity_axes(axes, prices_k: np.ndarray) -> None:
    low, high = prices_k.min() * 0.8, prices_k.max() * 1.15
    axes.plot([low, high], [low, high], ls=":", color="#666666", lw=1)
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_xlabel("actual price (thousand $)")
    axes.set_ylabel("predicted price (thousand $)")
    axes.grid(True, alpha=0.3)


def predicted_vs_actual(houses: Standardised, predictions: dict[str, np.ndarray]) -> Figure:
    """Predicted against actual price, in thousands of dollars, with the identity line; a static figure."""
    figure, (axes,) = plots.new_figure(width=4.4, height=3.8)
    actual = houses.dollars(houses.y) / 1000
    _identity_axes(axes, actual)
    for index, (label, y_pred) in enumerate(predictions.items()):
        axes.scatter(actual, houses.dollars(y_pred) / 1000, color=plots.COLORS[index], s=28, label=label,
                     zorder=3)
    axes.legend(fontsize=8, loc="upper left")
    return figure


class HousePriceFigure:
    """The learning-rate slider's figure: the loss by step, and predicted against actual prices."""

    def __init__(self, houses: Standardised, steps: int):
        self.houses = houses
        self.figure, (loss_axes, price_axes) = plots.new_figure(ncols=2, width=3.7, height=3.1)
        self.curve = plots.LossCurve(loss_axes, ylabel=LOSS_LABEL)
        self.curve.fix_limits(steps, 1e-2, 1e3)
        self.actual = houses.dollars(houses.y) / 1000
        _identity_axes(price_axes, self.actual)
        self.points = price_axes.scatter(self.actual, self.actual, color=plots.COLORS[1], s=28, zorder=3)
        self.low, self.high = price_axes.get_ylim()
        self.renderer = plots.BlitRenderer(self.figure, [self.curve.line, self.curve.marker, self.points])

    def png(self) -> bytes:
        return self.renderer.png()

    def update(self, run: TrainingRun, learning_rate: float) -> str:
        diverged = self.curve.update(run.losses, rescale=False)
        with np.errstate(over="ignore", invalid="ignore"):
            predicted = self.houses.dollars(forward(self.houses.x, run.W_hidden, run.w_output).y_pred) / 1000
        # Predictions off the axes sit on its edge instead of vanishing.
        predicted = np.clip(np.nan_to_num(predicted, nan=self.high), self.low, self.high)
        self.points.set_offsets(np.column_stack([self.actual, predicted]))
        if diverged is not None:
            return f"η = {learning_rate:.3g}: too large — E blew up at step {diverged}."
        return (f"η = {learning_rate:.3g}: E = {run.losses[0]:.3g} → {run.losses[-1]:.3g} after "
                f"{len(run.losses) - 1} steps.")


class VanishingFigure:
    """Gradient norms per layer by step: the hidden layer's vanish when its sigmoids saturate."""

    def __init__(self, steps: int):
        self.figure, (axes,) = plots.new_figure(width=6.2, height=3.0)
        (self.hidden,) = axes.plot([], [], color=plots.COLORS[0], lw=1.8, label="hidden layer ‖∂E/∂W_hidden‖")
        (self.output,) = axes.plot([], [], color=plots.COLORS[1], lw=1.8, label="output layer ‖∂E/∂w_output‖")
        axes.set_yscale("log")
        axes.set_ylim(1e-16, 1e3)
        axes.set_xlim(0, steps - 1)
        axes.set_xlabel("update step")
        axes.set_ylabel("gradient norm (log scale)")
        axes.legend(fontsize=8, loc="center right")
        axes.grid(True, alpha=0.3)
        self.renderer = plots.BlitRenderer(self.figure, [self.hidden, self.output])

    def png(self) -> bytes:
        return self.renderer.png()

    def update(self, norms: GradientNorms, input_scale: float) -> str:
        steps = np.arange(len(norms.hidden))
        floor = 1e-16  # an exactly zero gradient is drawn on the axis floor, not dropped
        self.hidden.set_data(steps, np.maximum(norms.hidden, floor))
        self.output.set_data(steps, np.maximum(norms.output, floor))
        ratio = norms.hidden[-1] / max(norms.output[-1], 1e-300)
        return (f"inputs × {input_scale:.3g}: {norms.saturated:.0%} of the hidden outputs start saturated; "
                f"at the end the hidden layer's gradient is {ratio:.1e} × the output layer's.")


class DeadReluFigure:
    """A ReLU network's loss and its number of dead units by step."""

    def __init__(self, steps: int, units: int):
        self.figure, (loss_axes, dead_axes) = plots.new_figure(ncols=2, width=3.6, height=2.9)
        self.curve = plots.LossCurve(loss_axes, ylabel=LOSS_LABEL)
        self.curve.fix_limits(steps, 1e-2, 1e3)
        (self.dead,) = dead_axes.plot([], [], color=plots.COLORS[3], lw=2, drawstyle="steps-post")
        dead_axes.set_xlim(0, steps)
        dead_axes.set_ylim(-0.5, units + 0.5)
        dead_axes.set_xlabel("update step")
        dead_axes.set_ylabel(f"dead hidden units (of {units})")
        dead_axes.grid(True, alpha=0.3)
        self.renderer = plots.BlitRenderer(self.figure, [self.curve.line, self.curve.marker, self.dead])

    def png(self) -> bytes:
        return self.renderer.png()

    def update(self, run: DeadUnits, learning_rate: float) -> str:
        diverged = self.curve.update(run.losses, rescale=False)
        self.dead.set_data(np.arange(len(run.dead)), run.dead)
        ending = f"; E blew up at step {diverged}" if diverged is not None else f", E = {run.losses[-1]:.3g}"
        return (f"η = {learning_rate:.3g}: {run.dead[-1]} of {run.units} ReLU units dead at the end "
                f"({run.dead[0]} at the start){ending}.")


class ExplodingFigure:
    """|b|^k: a gradient passed back through k equal links, for the chosen factor b."""

    def __init__(self, layers: int):
        self.figure, (axes,) = plots.new_figure(width=6.0, height=2.9)
        self.layers = np.arange(layers + 1)
        (self.line,) = axes.plot([], [], color=plots.COLORS[0], lw=2)
        axes.axhline(1.0, color="black", lw=0.8, ls="--")
        axes.set_yscale("log")
        axes.set_ylim(1e-16, 1e16)
        axes.set_xlim(0, layers)
        axes.set_xlabel("links the gradient passed back through, k")
        axes.set_ylabel("gradient factor |b|^k (log scale)")
        axes.grid(True, alpha=0.3)
        self.renderer = plots.BlitRenderer(self.figure, [self.line])

    def png(self) -> bytes:
        return self.renderer.png()

    def update(self, factors: np.ndarray, b: float) -> str:
        self.line.set_data(self.layers, np.clip(factors, 1e-300, 1e300))
        kind = "explodes" if b > 1 else "vanishes" if b < 1 else "stays put"
        return f"b = {b:.3g}: after {self.layers[-1]} links the gradient is multiplied by {factors[-1]:.2e}; it {kind}."


class NoisyFigure:
    """The loss by step with full-batch updates and with one random record per update."""

    def __init__(self, steps: int):
        self.figure, (axes,) = plots.new_figure(width=6.2, height=3.0)
        self.full = plots.LossCurve(axes, label="all 10 records per update", ylabel=LOSS_LABEL)
        self.single = plots.LossCurve(axes, label="1 random record per update", color=plots.COLORS[1],
                                      ylabel=LOSS_LABEL)
        self.full.fix_limits(steps, 1e-2, 1e3)
        axes.legend(fontsize=8, loc="upper right")
        self.renderer = plots.BlitRenderer(self.figure, [self.full.line, self.full.marker, self.single.line,
                                                          self.single.marker])

    def png(self) -> bytes:
        return self.renderer.png()

    def update(self, run: NoisyRun, learning_rate: float) -> str:
        full, single = self.full.update(run.full_batch, rescale=False), self.single.update(run.one_record,
                                                                                            rescale=False)
        describe = (lambda losses, diverged: f"blew up at step {diverged}" if diverged is not None
                    else f"E = {losses[-1]:.3g}")
        return (f"η = {learning_rate:.3g}: full batch {describe(run.full_batch, full)}; "
                f"one record per update {describe(run.one_record, single)} "
                f"(worst on the way: {np.max(run.one_record[np.isfinite(run.one_record)]):.3g}).")
