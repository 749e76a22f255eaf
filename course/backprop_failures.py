"""How backprop fails (lecture 004): the computations behind assignment 4's failure-mode sliders.

Each function returns what its figure shows. The sigmoid network's gradient is the
student's, passed in; the ReLU network's is written here because the lesson is what
the ReLU's zero slope does to training, not its derivative.
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


def relu_gradient(x: np.ndarray, y: np.ndarray, W_hidden: np.ndarray, w_output: np.ndarray):
    """∂E/∂W_hidden and ∂E/∂w_output of the same network with ReLU hidden units (slope 1 or 0)."""
    inputs = hp.with_bias(x)
    alpha_h = inputs @ W_hidden
    hidden = hp.with_bias(np.maximum(alpha_h, 0.0))
    delta_o = hidden @ w_output - y
    delta_h = delta_o[:, None] * w_output[1:] * (alpha_h > 0)
    return inputs.T @ delta_h, hidden.T @ delta_o


def relu_loss(x, y, W_hidden, w_output) -> float:
    hidden = hp.with_bias(np.maximum(hp.with_bias(x) @ W_hidden, 0.0))
    return float(0.5 * np.sum((hidden @ w_output - y) ** 2))


@dataclass
class DeadUnits:
    losses: np.ndarray   # E before every step and after the last, (steps + 1,)
    dead: np.ndarray     # units dead after each step, (steps + 1,)
    units: int


def dead_relu_units(x: np.ndarray, y: np.ndarray, *, learning_rate: float, units: int = 20, steps: int = 100,
                    seed: int = 0) -> DeadUnits:
    """Train a ReLU network and count its dead units: those whose input is ≤ 0 on every record.

    A dead unit's slope is 0 on every record, so no gradient reaches its weights again:
    it stays dead for the rest of training.
    """
    W_hidden, w_output = hp.initial_weights(seed, 0.5, units)
    losses, dead = np.full(steps + 1, np.inf), np.zeros(steps + 1, dtype=int)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            losses[step] = relu_loss(x, y, W_hidden, w_output)
            dead[step] = int(np.sum(np.all(hp.with_bias(x) @ W_hidden <= 0, axis=0)))
            if step == steps or not np.isfinite(losses[step]):
                dead[step:] = dead[step]
                break
            dW, dw = relu_gradient(x, y, W_hidden, w_output)
            W_hidden, w_output = W_hidden - learning_rate * dW, w_output - learning_rate * dw
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


def sigmoid_output_gradient(x: np.ndarray, y: np.ndarray, W_hidden: np.ndarray, w_output: np.ndarray):
    """The lecture's numpy version, a sigmoid on the output too: its δ_O = (ŷ − y)·ŷ(1 − ŷ)."""
    f = hp.forward(x, W_hidden, w_output, output="sigmoid")
    delta_o = (f.y_pred - y) * f.y_pred * (1 - f.y_pred)
    delta_h = delta_o[:, None] * w_output[1:] * f.beta_h * (1 - f.beta_h)
    return f.inputs.T @ delta_h, hp.with_bias(f.beta_h).T @ delta_o
