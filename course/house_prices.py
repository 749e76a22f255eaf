"""Lecture 004's house-price network: 2 inputs → 5 sigmoid hidden units → 1 linear output, with biases (assignment 4).

    inputs = [1, x1, x2] (n, 3)            the bias column first, as in the lecture's training loop
    α_H = inputs W_hidden (n, 5)           W_hidden (3, 5): row 0 the biases w1..w5, rows 1–2 the weights w6..w15
    β_H = σ(α_H) (n, 5)
    ŷ = [1, β_H] · w_output (n,)           w_output (6,): the bias w16, then w17..w21
    E = ½ Σ_records (ŷ − y)²

Flattening W_hidden row by row and appending w_output gives the lecture's w1, …, w21 in order.
What the lecture defines lives here; the error terms and the gradient are the student's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from . import data
from .activations import sigmoid
from .checks import Case, HiddenCases
from .slips import Slip

HIDDEN_UNITS = 5
# gradient(x, y, W_hidden, w_output) -> (dE/dW_hidden (3, h), dE/dw_output (h + 1,))
Gradient = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def with_bias(values: np.ndarray) -> np.ndarray:
    """A column of ones, then `values` (n, k) -> (n, k + 1)."""
    return np.hstack([np.ones((len(values), 1)), values])


class Forward(NamedTuple):
    """Every quantity of the forward pass, for n records."""

    inputs: np.ndarray   # [1, x] (n, 3)
    alpha_h: np.ndarray  # the hidden units' inputs (n, h)
    beta_h: np.ndarray   # their outputs σ(α_H) (n, h)
    y_pred: np.ndarray   # the predictions (n,)


def forward(x: np.ndarray, W_hidden: np.ndarray, w_output: np.ndarray, output: str = "linear") -> Forward:
    """The forward pass. shapes: x (n, 2), W_hidden (3, h), w_output (h + 1,).

    output="sigmoid" is the lecture's numpy version, whose predictions cannot leave (0, 1).
    """
    inputs = with_bias(np.asarray(x, dtype=float))
    alpha_h = inputs @ W_hidden
    beta_h = sigmoid(alpha_h)
    y_pred = with_bias(beta_h) @ w_output
    return Forward(inputs, alpha_h, beta_h, sigmoid(y_pred) if output == "sigmoid" else y_pred)


def loss(x: np.ndarray, y: np.ndarray, W_hidden: np.ndarray, w_output: np.ndarray, output: str = "linear") -> float:
    """E = ½ Σ (ŷ − y)², the lecture's loss (a sum over the records, not a mean)."""
    return float(0.5 * np.sum((forward(x, W_hidden, w_output, output).y_pred - y) ** 2))


def houses() -> tuple[np.ndarray, np.ndarray]:
    """The ten houses, raw: X (10, 2) = (size in ft², bedrooms), Y (10,) = price in dollars."""
    return np.column_stack([data.HOUSES["size_sqft"], data.HOUSES["bedrooms"]]), data.HOUSES["price"].copy()


@dataclass
class Standardised:
    """The houses standardised column by column, and how to undo it."""

    x: np.ndarray       # (10, 2), zero mean and unit population variance per column
    y: np.ndarray       # (10,)
    x_mean: np.ndarray  # (2,)
    x_std: np.ndarray   # (2,)
    y_mean: float
    y_std: float

    def dollars(self, y: np.ndarray) -> np.ndarray:
        """Standardised prices back in dollars."""
        return np.asarray(y) * self.y_std + self.y_mean


def standardised_houses() -> Standardised:
    X, Y = houses()
    x, x_mean, x_std = data.standardise(X)
    y, y_mean, y_std = data.standardise(Y)
    return Standardised(x, y, x_mean, x_std, float(y_mean), float(y_std))


def initial_weights(seed: int = 0, scale: float = 1.0, hidden: int = HIDDEN_UNITS) -> tuple[np.ndarray, np.ndarray]:
    """W_hidden (3, h) and w_output (h + 1,) drawn from scale × N(0, 1), seeded (the lecture's were not)."""
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((3, hidden)), scale * rng.standard_normal(hidden + 1)


def named(W_hidden: np.ndarray, w_output: np.ndarray) -> dict[str, float]:
    """The lecture's names: {"w1": …, …, "w21": …}."""
    flat = np.concatenate([np.ravel(W_hidden), np.ravel(w_output)])
    return {f"w{index + 1}": float(value) for index, value in enumerate(flat)}


def unnamed(weights: dict[str, float], hidden: int = HIDDEN_UNITS) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `named`."""
    flat = np.array([weights[f"w{index + 1}"] for index in range(3 * hidden + hidden + 1)])
    return flat[:3 * hidden].reshape(3, hidden), flat[3 * hidden:]


@dataclass
class TrainingRun:
    """Weights after training and the full-data loss E before every step, (steps + 1,) with the final one."""

    W_hidden: np.ndarray
    w_output: np.ndarray
    losses: np.ndarray


def train(gradient: Gradient, x: np.ndarray, y: np.ndarray, W_hidden: np.ndarray, w_output: np.ndarray, *,
          learning_rate: float, steps: int, batch_size: int | None = None, seed: int = 0,
          output: str = "linear") -> TrainingRun:
    """Gradient descent on E; with `batch_size`, each step uses that many records drawn at random.

    A mini-batch's gradient is scaled by n / batch_size, so that every step estimates the
    gradient of the same E, only with noise.
    """
    W_hidden, w_output = np.array(W_hidden, dtype=float), np.array(w_output, dtype=float)
    rng = np.random.default_rng(seed)
    losses = np.full(steps + 1, np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            losses[step] = loss(x, y, W_hidden, w_output, output)
            if step == steps or not np.isfinite(losses[step]):
                break
            if batch_size is None:
                dW, dw = gradient(x, y, W_hidden, w_output)
            else:
                rows = rng.choice(len(x), size=batch_size, replace=False)
                dW, dw = gradient(x[rows], y[rows], W_hidden, w_output)
                dW, dw = np.asarray(dW) * len(x) / batch_size, np.asarray(dw) * len(x) / batch_size
            W_hidden = W_hidden - learning_rate * np.asarray(dW)
            w_output = w_output - learning_rate * np.asarray(dw)
    return TrainingRun(W_hidden, w_output, losses)


# --- hidden-test cases ---------------------------------------------------------

def _problem(rng: np.random.Generator, n: int, hidden: int, scale: float = 0.8):
    x = rng.normal(0, 1, (n, 2))
    y = rng.normal(0, 1, n)
    return x, y, rng.normal(0, scale, (3, hidden)), rng.normal(0, scale, hidden + 1)


_SHAPES = [(10, 5), (1, 5), (4, 5), (7, 3), (12, 8), (3, 1)]


def _output_error_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case((rng.normal(0, 1, n), rng.normal(0, 1, n)), f"{n} records") for n in (1, 3, 10, 25)]
    cases.append(Case((np.array([0.5, -1.0]), np.array([0.5, -1.0])), "predictions equal to the targets"))
    return cases


def _hidden_error_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, hidden in _SHAPES:
        x, y, W_hidden, w_output = _problem(rng, n, hidden)
        beta_h = forward(x, W_hidden, w_output).beta_h
        cases.append(Case((rng.normal(0, 1, n), w_output, beta_h),
                          f"{n} record{'s' * (n > 1)}, {hidden} hidden unit{'s' * (hidden > 1)}"))
    return cases


def _gradient_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, hidden in _SHAPES:
        cases.append(Case(_problem(rng, n, hidden),
                          f"{n} record{'s' * (n > 1)}, {hidden} hidden unit{'s' * (hidden > 1)}"))
    n, hidden = LARGE_CASE
    cases.append(Case(_problem(rng, n, hidden, scale=0.05), f"a large network: {n} records, {hidden} hidden units",
                      large=True))
    return cases


# 80 001 weights: ~160 000 forward passes by finite differences (minutes), one backward pass by hand.
LARGE_CASE = (64, 20_000)


HIDDEN_CASES = {
    "output_error_term": HiddenCases(("output_error_term",), _output_error_cases),
    "hidden_error_terms": HiddenCases(("hidden_error_terms",), _hidden_error_cases),
    "gradient": HiddenCases(("dE/dW_hidden", "dE/dw_output"), _gradient_cases),
}


# --- classic slips (course.slips): changes to the right answer, most specific first ---

def _slope(beta):
    beta = np.asarray(beta, dtype=float)
    return beta * (1 - beta)


def _with_bias_weight(shapes, w_output, beta_h) -> bool:
    """Whether a numpy error names w_output's h + 1 entries beside the hidden layer's h."""
    h = np.shape(beta_h)[-1]
    return any(shape[-1:] == (h + 1,) for shape in shapes) and any(shape[-1:] == (h,) for shape in shapes)


SLIPS = {
    "output_error_term": (
        Slip("δ_O has a sigmoid's slope ŷ(1 − ŷ): this network's output is linear, whose slope is 1",
             wrong=lambda r, y_pred, y: (r[0] * _slope(y_pred),)),
        Slip("δ_O is twice too large: E = ½Σ(ŷ − y)², and the ½ cancels the square's 2",
             wrong=lambda r, y_pred, y: (2 * r[0],)),
        Slip("the sign is flipped: δ_O = ∂E/∂α_O = ŷ − y, prediction minus target",
             wrong=lambda r, y_pred, y: (-r[0],)),
    ),
    "hidden_error_terms": (
        Slip("the hidden units got the weights w_output[0 : h], starting at the bias: hidden unit j's "
             "weight is w_output[1 + j], and w_output[0] is the bias",
             wrong=lambda r, delta, w_output, beta_h: (r[0] * np.asarray(w_output, float)[:-1]
                                                       / np.asarray(w_output, float)[1:],)),
        Slip("the hidden error terms are missing the sigmoid's slope β_H(1 − β_H)",
             wrong=lambda r, delta, w_output, beta_h: (r[0] / _slope(beta_h),)),
        Slip("w_output has h + 1 entries and w_output[0] is the output's bias, which no hidden unit sends "
             "anything through: use the h weights after it",
             shapes=lambda shapes, delta, w_output, beta_h: _with_bias_weight(shapes, w_output, beta_h)),
    ),
    "gradient": (
        Slip("the gradient is averaged over the records: E is a sum, ½Σ(ŷ − y)², so do not divide by n",
             wrong=lambda r, x, y, W_hidden, w_output: (r[0] / len(x), r[1] / len(x))),
        Slip("the sign is flipped: δ_O = ŷ − y, prediction minus target",
             wrong=lambda r, *args: (-r[0], -r[1])),
    ),
}
