"""Lecture 000's network: 3 inputs, 2 sigmoid hidden units, 1 exponential output, no biases (assignment 3).

    z1 = X W1 (n, h)   a1 = σ(z1) (n, h)   z2 = a1 · w2 (n,)   ŷ = exp(z2) (n,)
    L = mean over the n records of (ŷ − y)²

W1 holds one column per hidden unit: the lecture's w1_1 and w1_2 side by side, (3, 2),
which is also the layout of a Keras Dense kernel. What the lecture defines lives
here; the deltas and gradients are the student's, and the training loop takes them
as an argument.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from . import data
from .activations import sigmoid  # noqa: F401 - also n321.sigmoid, which the notebook uses
from .checks import Case, HiddenCases
from .slips import Slip

# gradients(X, y, W1, w2) -> (dL/dW1 (d, h), dL/dw2 (h,))
Gradients = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class Forward(NamedTuple):
    """Every quantity of the forward pass, for a batch of n records."""

    z1: np.ndarray     # X W1, (n, h): the hidden units' inputs
    a1: np.ndarray     # σ(z1), (n, h)
    z2: np.ndarray     # a1 · w2, (n,): the output unit's input
    y_hat: np.ndarray  # exp(z2), (n,)


def forward(X: np.ndarray, W1: np.ndarray, w2: np.ndarray) -> Forward:
    """The forward pass. shapes: X (n, d), W1 (d, h), w2 (h,)."""
    z1 = X @ W1
    a1 = sigmoid(z1)
    z2 = a1 @ w2
    return Forward(z1, a1, z2, np.exp(z2))


def mse(X: np.ndarray, y: np.ndarray, W1: np.ndarray, w2: np.ndarray) -> float:
    """L = mean((ŷ − y)²), the lecture's loss. shapes: X (n, d), y (n,)."""
    return float(np.mean((forward(X, W1, w2).y_hat - y) ** 2))


def stack(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The lecture's two hidden units' weight vectors, (3,) each, as the columns of W1 (3, 2)."""
    return np.column_stack([first, second]).astype(float)


def truth() -> tuple[np.ndarray, np.ndarray]:
    """The weights the lecture's targets come from: W1 (3, 2), w2 (2,)."""
    return stack(data.NETWORK_321_TRUTH["w1_1"], data.NETWORK_321_TRUTH["w1_2"]), \
        np.array(data.NETWORK_321_TRUTH["w2_1"], dtype=float)


def start() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's starting weights: W1 (3, 2), w2 (2,)."""
    return stack(data.NETWORK_321_START["w1_1"], data.NETWORK_321_START["w1_2"]), \
        np.array(data.NETWORK_321_START["w2_1"], dtype=float)


def lecture_data(n: int = 10_000) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's X (n, 3) (numpy seed 0) and its noise-free targets y = exp(σ(X W1*) · w2*) (n,)."""
    X = data.network_321_inputs(n)
    return X, forward(X, *truth()).y_hat


@dataclass
class TrainingRun:
    """Weights after training, and the loss at the steps `loss_steps` (before that step's update)."""

    W1: np.ndarray
    w2: np.ndarray
    losses: np.ndarray
    loss_steps: np.ndarray

    def distance_from(self, W1: np.ndarray, w2: np.ndarray) -> float:
        """Largest absolute difference from the weights (W1, w2)."""
        return float(max(np.abs(self.W1 - W1).max(), np.abs(self.w2 - w2).max()))


def train(gradients: Gradients, X: np.ndarray, y: np.ndarray, W1: np.ndarray, w2: np.ndarray, *,
          learning_rate: float, steps: int, loss_every: int = 1,
          progress: Callable[[int], None] | None = None) -> TrainingRun:
    """`steps` full-batch gradient-descent steps: every gradient at the current weights, then both updates.

    The loss is evaluated every `loss_every` steps and after the last: a forward pass costs
    half a gradient, and a log-scale curve of 5000 steps needs no more than 500 points.
    """
    W1, w2 = np.array(W1, dtype=float), np.array(w2, dtype=float)
    loss_steps = np.unique(np.r_[np.arange(0, steps, loss_every), steps])
    losses = np.full(len(loss_steps), np.inf)
    recorded = 0
    with np.errstate(over="ignore", invalid="ignore"):  # a too-large η overflows exp: shown, not warned
        for step in range(steps + 1):
            if step == loss_steps[recorded]:
                losses[recorded] = np.mean((forward(X, W1, w2).y_hat - y) ** 2)
                if not np.isfinite(losses[recorded]):
                    break  # diverged: the rest stays infinite
                recorded += 1
            if step == steps:
                break
            dW1, dw2 = gradients(X, y, W1, w2)
            W1 = W1 - learning_rate * np.asarray(dW1)
            w2 = w2 - learning_rate * np.asarray(dw2)
            if progress is not None and step % 100 == 0:
                progress(step)
    if progress is not None:
        progress(steps)
    return TrainingRun(W1, w2, losses, loss_steps)


# --- hidden-test cases ---------------------------------------------------------

def _shapes(rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """(records, inputs, hidden units): the lecture's shape and others."""
    return [(1, 3, 2), (7, 3, 2), (25, 3, 2), (10, 4, 3), (6, 2, 1), (int(rng.integers(30, 60)), 5, 4)]


def _problem(rng, n, d, h):
    X = rng.normal(0, 1, (n, d))
    W1, w2 = rng.normal(0, 0.6, (d, h)), rng.normal(0, 0.6, h)
    y = np.exp(rng.normal(0, 0.5, n))
    return X, y, W1, w2


def _output_delta_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, h in _shapes(rng):
        X, y, W1, w2 = _problem(rng, n, d, h)
        cases.append(Case((forward(X, W1, w2).z2, y), f"a batch of {n} records"))
    cases.append(Case((np.log(np.array([1.5, 0.2])), np.array([1.5, 0.2])), "predictions equal to the targets"))
    return cases


def _hidden_deltas_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, h in _shapes(rng):
        X, y, W1, w2 = _problem(rng, n, d, h)
        # δ2 of the size a forward pass gives, drawn directly: any δ2 is a valid input, and
        # moderate ones keep the finite-difference check of the reference accurate.
        output_delta = rng.normal(0, 1, n)
        cases.append(Case((output_delta, w2, forward(X, W1, w2).a1), f"a batch of {n} records, {h} hidden unit{'s' * (h > 1)}"))
    return cases


def _gradients_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, h in _shapes(rng):
        X, y, W1, w2 = _problem(rng, n, d, h)
        cases.append(Case((X, y, W1, w2), f"{n} records, {d} inputs, {h} hidden unit{'s' * (h > 1)}",
                          batch_size=n))
    n, d, h = LARGE_CASE
    X, y, W1, w2 = _problem(rng, n, d, h)
    cases.append(Case((X, y, W1 / np.sqrt(d), w2 / np.sqrt(h)), f"a large network: {n} records, {d} inputs, "
                      f"{h} hidden units", batch_size=n, large=True))
    return cases


# 40 200 weights: ~80 000 forward passes by finite differences (over a minute), one backward pass by hand.
LARGE_CASE = (64, 200, 200)


HIDDEN_CASES = {
    "output_delta": HiddenCases(("output_delta",), _output_delta_cases),
    "hidden_deltas": HiddenCases(("hidden_deltas",), _hidden_deltas_cases),
    "gradients": HiddenCases(("dL/dW1", "dL/dw2"), _gradients_cases),
}


# --- classic slips (course.slips): changes to the right answer, most specific first ---

def _slope(a):
    a = np.asarray(a, dtype=float)
    return a * (1 - a)


SLIPS = {
    "output_delta": (
        Slip("the output delta is missing the exponential's slope exp(z2) = ŷ (the chain rule's last link)",
             wrong=lambda r, z2, y: (r[0] / np.exp(np.asarray(z2, float)),)),
        Slip("the residual uses z2 where it needs the prediction ŷ = exp(z2)",
             wrong=lambda r, z2, y: (r[0] * (np.asarray(z2, float) - y) / (np.exp(np.asarray(z2, float)) - y),)),
        Slip("the factor 2 of the squared error's derivative is missing",
             wrong=lambda r, z2, y: (r[0] / 2,)),
        Slip("the sign is flipped: δ2 = ∂L_i/∂z2 = 2(ŷ − y)·exp(z2), prediction minus target",
             wrong=lambda r, z2, y: (-r[0],)),
    ),
    "hidden_deltas": (
        Slip("σ′ is applied to a1 again: a1 already is σ(z1), so σ′(z1) = a1·(1 − a1)",
             wrong=lambda r, delta2, w2, a1: (r[0] / _slope(a1) * _slope(sigmoid(a1)),)),
        Slip("the hidden deltas are missing the sigmoid's slope σ′(z1) = σ(z1)(1 − σ(z1))",
             wrong=lambda r, delta2, w2, a1: (r[0] / _slope(a1),)),
        Slip("δ2 has one entry per record and w2 one per hidden unit: each record's δ2 must scale the "
             "whole of w2, giving an (n, h) array",
             shapes=lambda shapes, delta2, w2, a1: np.shape(delta2) != np.shape(w2)
             and {np.shape(delta2), np.shape(w2)} <= set(shapes)),
    ),
    "gradients": (
        Slip("the gradients are summed over the records: the loss is a mean, so divide by n",
             wrong=lambda r, X, y, W1, w2: (r[0] * len(X), r[1] * len(X))),
        Slip("the sign is flipped: the residual is ŷ − y, prediction minus target",
             wrong=lambda r, *args: (-r[0], -r[1])),
    ),
}
