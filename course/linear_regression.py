"""Linear regression ŷ = w·x + b with the mean squared error (assignment 1).

What the lecture defines lives here: the model, the loss and the three kinds
of gradient descent.  The gradients are the student's: every training loop
takes a gradient function as an argument and never computes one itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .checks import Case, HiddenCases
from .slips import Slip

# gradient(w, b, x, y) -> (dLoss/dw, dLoss/db) on a batch x, y of shape (n,)
Gradient = Callable[[float, float, np.ndarray, np.ndarray], tuple[float, float]]


def predict(w: float, b: float, x: np.ndarray) -> np.ndarray:
    """ŷ = w·x + b; shape of x."""
    return w * np.asarray(x, dtype=float) + b


def squared_errors(w: float, b: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Loss_i = (ŷ_i − y_i)² for every observation; shape of x."""
    return (predict(w, b, x) - np.asarray(y, dtype=float)) ** 2


def mse(w: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """Loss_{1:n} = mean of the squared errors."""
    return float(np.mean(squared_errors(w, b, x, y)))


@dataclass
class Trajectory:
    """Parameters and full-data loss before the first and after every update."""

    w: np.ndarray      # (steps + 1,)
    b: np.ndarray      # (steps + 1,)
    loss: np.ndarray   # (steps + 1,)


def gradient_descent(gradient: Gradient, x: np.ndarray, y: np.ndarray, *,
                     learning_rate: float, epochs: int, batch_size: int | None = None,
                     seed: int = 0, w: float = 0.0, b: float = 0.0) -> Trajectory:
    """Batch (batch_size None or n), stochastic (1) or mini-batch gradient descent.

    Each epoch shuffles the data and takes one step per batch, as in the
    lecture's pseudo-code; `seed` fixes the shuffles.  shapes: x, y (n,).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    batch_size = n if batch_size is None else batch_size
    rng = np.random.default_rng(seed)
    steps_per_epoch = -(-n // batch_size)
    ws, bs = [w], [b]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            order = rng.permutation(n) if batch_size < n else np.arange(n)
            for start in range(0, steps_per_epoch * batch_size, batch_size):
                batch = order[start:start + batch_size]
                dw, db = gradient(w, b, x[batch], y[batch])
                # Both parameters move together, from the same gradient.
                w, b = w - learning_rate * dw, b - learning_rate * db
                ws.append(w)
                bs.append(b)
        w_path, b_path = np.array(ws, dtype=float), np.array(bs, dtype=float)
        # Full-data loss of every step at once: (steps + 1, n) residuals.
        loss = np.mean((w_path[:, None] * x + b_path[:, None] - y) ** 2, axis=1)
    return Trajectory(w_path, b_path, loss)


def sgd_by_hand(gradient: Callable, observations: list[tuple[float, float]],
                learning_rate: float, w: float = 0.0, b: float = 0.0) -> list[dict]:
    """The lecture's worked SGD steps: one row per observation used."""
    rows = []
    for x, y in observations:
        dw, db = gradient(w, b, x, y)
        new_w, new_b = w - learning_rate * dw, b - learning_rate * db
        rows.append({"θ before": (w, b), "(x, y)": (x, y), "∇Loss": (dw, db),
                     "θ after": (new_w, new_b)})
        w, b = new_w, new_b
    return rows


def critical_learning_rate(x: np.ndarray) -> float:
    """Batch gradient descent on the MSE diverges above 2 / λ_max(Hessian)."""
    x = np.asarray(x, dtype=float)
    hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    return float(2 / np.linalg.eigvalsh(hessian)[-1])


# --- hidden-test cases: what the grader feeds each graded function ---------

def _observation_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case((float(w), float(b), float(x), float(y)), f"w={w:.3g}, b={b:.3g}, x={x:.3g}, y={y:.3g}")
             for w, b, x, y in rng.normal(0, 3, size=(6, 4))]
    cases.append(Case((1.5, -0.5, 0.0, 2.0), "x = 0"))
    cases.append(Case((0.0, 0.0, -4.0, 7.0), "θ = (0, 0), negative x"))
    return cases


def _batch_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n in (1, 2, 3, 7, 50):
        w, b = rng.normal(0, 2, size=2)
        x = rng.uniform(-5, 5, size=n)
        y = 2 * x - 1 + rng.normal(0, 1, size=n)
        cases.append(Case((float(w), float(b), x, y), f"n={n} observations", batch_size=n))
    return cases


HIDDEN_CASES = {
    "observation_gradient": HiddenCases(("dLoss/dw", "dLoss/db"), _observation_cases),
    "batch_gradient": HiddenCases(("dLoss/dw", "dLoss/db"), _batch_cases),
}


# --- classic slips (course.slips): changes to the right answer, most specific first ---

def _batch_size(x) -> int:
    return int(np.size(x))


_HALF = Slip("the factor 2 of the square's derivative is missing: dLoss_i/dŷ = 2(ŷ − y)",
             wrong=lambda right, *args: (right[0] / 2, right[1] / 2))
_SIGN = Slip("the sign is flipped: the residual is ŷ − y, prediction minus target",
             wrong=lambda right, *args: (-right[0], -right[1]))

SLIPS = {
    "observation_gradient": (
        Slip("dLoss/dw is missing its last link, ∂ŷ/∂w = x",
             wrong=lambda right, w, b, x, y: (right[0] / x, right[1])),
        Slip("dLoss/db has a factor x too many: ∂ŷ/∂b = 1, only ∂ŷ/∂w = x",
             wrong=lambda right, w, b, x, y: (right[0], right[1] * x)),
        _HALF,
        _SIGN,
    ),
    "batch_gradient": (
        Slip("the gradient is summed over the observations: the loss is their mean, so divide by n",
             wrong=lambda right, w, b, x, y: (right[0] * _batch_size(x), right[1] * _batch_size(x))),
        Slip("dLoss/dw is missing each observation's factor ∂ŷ_i/∂w = x_i",
             wrong=lambda right, *args: (right[1], right[1])),
        _HALF,
        _SIGN,
    ),
}
