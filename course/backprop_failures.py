"""How backprop fails (lecture 004): the computations behind assignment 4's failure-mode sliders.

Each function returns what its figure shows. Every gradient is the student's, passed in:
`house_prices.backprop` chains the student's links and compositions, with the ReLU's slope
(`house_prices.relu_slope`) in place of the sigmoid's for the ReLU network. Nothing here
computes a derivative of its own.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import house_prices as hp


@dataclass
class GradientNorms:
    """Per-layer gradient norms by step, (steps,) each, and the hidden units' saturation at the start."""

    hidden: np.ndarray
    output: np.ndarray
    saturated: float  # fraction of hidden outputs within 0.01 of 0 or 1, at the start


def gradient_norms(gradient: hp.Gradient, x: np.ndarray, y: np.ndarray, *, input_scale: float,
                   steps: int = 150, learning_rate: float = 0.01, seed: int = 0) -> GradientNorms:
    """Train on inputs multiplied by `input_scale`, recording ‖∂E/∂W_hidden‖ and ‖∂E/∂w_output‖ by step.

    An input scale of about 1000 is what skipping standardisation does to the house sizes.
    """
    x = np.asarray(x, dtype=float) * input_scale
    W_hidden, w_output = hp.initial_weights(seed)
    beta_h = hp.forward(x, W_hidden, w_output).beta_h
    saturated = float(np.mean((beta_h < 0.01) | (beta_h > 0.99)))
    hidden, output = np.empty(steps), np.empty(steps)
    with np.errstate(over="ignore"):  # saturated sigmoids overflow exp: that is the lesson, not a warning
        for step in range(steps):
            dW, dw = gradient(x, y, W_hidden, w_output)
            hidden[step], output[step] = np.linalg.norm(dW), np.linalg.norm(dw)
            W_hidden = W_hidden - learning_rate * np.asarray(dW)
            w_output = w_output - learning_rate * np.asarray(dw)
    return GradientNorms(hidden, output, saturated)


@dataclass
class DeadUnits:
    losses: np.ndarray   # E before every step and after the last, (steps + 1,)
    dead: np.ndarray     # units dead after each step, (steps + 1,)
    units: int


def dead_relu_units(relu_gradient: hp.Gradient, x: np.ndarray, y: np.ndarray, *, learning_rate: float,
                    units: int = 20, steps: int = 100, seed: int = 0) -> DeadUnits:
    """Train a ReLU network with `relu_gradient` and count its dead units: those whose input is ≤ 0 on every record.

    relu_gradient(x, y, W_hidden, w_output): the network's gradient with ReLU hidden units,
    `house_prices.backprop(links, hidden="relu")`. A dead unit's slope is 0 on every record, so no
    gradient reaches its weights again: it stays dead for the rest of training.
    """
    W_hidden, w_output = hp.initial_weights(seed, 0.5, units)
    losses, dead = np.full(steps + 1, np.inf), np.zeros(steps + 1, dtype=int)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            losses[step] = hp.loss(x, y, W_hidden, w_output, hidden="relu")
            dead[step] = int(np.sum(np.all(hp.with_bias(x) @ W_hidden <= 0, axis=0)))
            if step == steps or not np.isfinite(losses[step]):
                dead[step:] = dead[step]
                break
            dW, dw = relu_gradient(x, y, W_hidden, w_output)
            W_hidden, w_output = W_hidden - learning_rate * np.asarray(dW), w_output - learning_rate * np.asarray(dw)
    return DeadUnits(losses, dead, units)


def chain_of_factors(factor: float, layers: int = 50) -> np.ndarray:
    """|∂ through k layers| = |b|^k for k = 0..layers: a gradient passed back through `layers` equal links."""
    return np.abs(factor) ** np.arange(layers + 1)


@dataclass
class NoisyRun:
    full_batch: np.ndarray     # E by step, all ten records per update
    one_record: np.ndarray     # E by step, one record drawn at random per update


def noisy_updates(gradient: hp.Gradient, x: np.ndarray, y: np.ndarray, *, learning_rate: float,
                  steps: int = 300, seed: int = 0) -> NoisyRun:
    """The same network trained with full-batch and with single-record updates, from the same start."""
    start = hp.initial_weights(seed)
    full = hp.train(gradient, x, y, *start, learning_rate=learning_rate, steps=steps)
    single = hp.train(gradient, x, y, *start, learning_rate=learning_rate, steps=steps, batch_size=1, seed=seed)
    return NoisyRun(full.losses, single.losses)
