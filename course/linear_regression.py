"""Linear regression ŷ = w·x + b with the mean squared error (assignment 1).

What the lecture defines lives here: the model, the loss and the three kinds
of gradient descent.  The gradients are the student's: every training loop
takes a gradient function as an argument and never computes one itself, and
`gradient_from_links` only plumbs the student's links into their composition.
The finite differences here (`numerical_links`, `numerical_gradient`) measure
link values for the composition's tests; no link's formula is written here.
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


def gradient_from_links(loss_slope: Callable, prediction_slopes: Callable, compose: Callable) -> Gradient:
    """gradient(w, b, x, y) -> (dLoss/dw, dLoss/db), from the student's links and composition.

    The plumbing only: the forward pass ŷ = w·x + b, then the links `loss_slope(y_hat, y)`
    (∂Loss_i/∂ŷ, shape of y) and `prediction_slopes(x)` (∂ŷ/∂w and ∂ŷ/∂b, each shape of x),
    then `compose(∂Loss_i/∂ŷ, ∂ŷ/∂w, ∂ŷ/∂b)`.  x, y: floats (one observation, with the
    notebook's `observation_gradient`) or arrays of shape (n,) (with `batch_gradient`).
    """
    def through_links(w, b, x, y):
        y_hat = predict(w, b, x)
        dyhat_dw, dyhat_db = prediction_slopes(x)
        return compose(loss_slope(y_hat, y), dyhat_dw, dyhat_db)
    return through_links


def graph():
    """One observation's chain as a computational graph (course.graph), every node a number, shape ().

    w, b, x -> ŷ = w·x + b -> Loss_i = (ŷ − y)².  Inputs: x, y.  Parameters: w, b.
    Value: y_hat.  Loss: loss.  Nothing here differentiates anything.
    """
    from .graph import Graph, Node  # here, not at the top: the hidden-test probe imports this module

    return Graph([
        Node("x", "x", shape="()", kind="input"),
        Node("w", "w", shape="()", kind="parameter"),
        Node("b", "b", shape="()", kind="parameter"),
        Node("y_hat", "ŷ", ("w", "x", "b"), lambda w, x, b: predict(w, b, x), "()", formula="ŷ = w·x + b"),
        Node("y", "y", shape="()", kind="input"),
        Node("loss", "Lossᵢ", ("y_hat", "y"), observation_losses, "()", kind="loss", formula="Lossᵢ = (ŷ − y)²"),
    ], title="one observation's chain")


def observation_losses(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Loss_i = (ŷ_i − y_i)² as a function of the prediction; shape of y_hat."""
    return (np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)) ** 2


def numerical_links(w: float, b: float, x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(∂Loss_i/∂ŷ, ∂ŷ/∂w, ∂ŷ/∂b) at (w, b) by finite differences, each with the shape of x.

    For the tests of a composition: link values that do not come from the student's own
    link functions, so a wrong link cannot fail the composition's test.  x, y: floats or (n,).
    """
    from .gradcheck import numerical_gradient

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    y_hat = predict(w, b, x)
    dloss = numerical_gradient(lambda p: float(np.sum(observation_losses(p["y_hat"], y))), {"y_hat": y_hat})
    # One copy of (w, b) per observation: the sum's derivative by copy i is observation i's link.
    copies = {"w": np.full(x.shape, float(w)), "b": np.full(x.shape, float(b))}
    slopes = numerical_gradient(lambda p: float(np.sum(predict(p["w"], p["b"], x))), copies)
    return dloss["y_hat"], slopes["w"], slopes["b"]


def numerical_gradient(w: float, b: float, x, y) -> tuple[np.ndarray, np.ndarray]:
    """(∂Loss/∂w, ∂Loss/∂b) of the mean squared error at (w, b) by finite differences; two floats (shape ())."""
    from .gradcheck import numerical_gradient as differences

    gradient = differences(lambda p: mse(p["w"], p["b"], x, y), {"w": float(w), "b": float(b)})
    return gradient["w"], gradient["b"]


def sgd_by_hand(gradient: Gradient, observations: list[tuple[float, float]],
                learning_rate: float, w: float = 0.0, b: float = 0.0) -> list[dict]:
    """The lecture's worked SGD steps: one row per observation used.

    gradient(w, b, x, y) -> (dLoss_i/dw, dLoss_i/db) for one observation (floats), e.g.
    `gradient_from_links(loss_slope, prediction_slopes, observation_gradient)`.
    """
    rows = []
    for x, y in observations:
        dw, db = (float(g) for g in gradient(w, b, x, y))
        new_w, new_b = w - learning_rate * dw, b - learning_rate * db
        rows.append({"θ before": (w, b), "(x, y)": (x, y), "∇Loss": (dw, db),
                     "θ after": (new_w, new_b)})
        w, b = new_w, new_b
    return rows


def critical_learning_rate(x: np.ndarray) -> float:
    """Batch gradient descent on the MSE diverges above 2 / λ_max(Hessian).

    The loss is quadratic in (w, b), so second differences with unit steps give its Hessian
    exactly (up to rounding), with no derivative written out here: this module ships to the
    students who derive the gradient.  shapes: x (n,); the targets do not change the Hessian.
    """
    x = np.asarray(x, dtype=float)
    y = np.zeros_like(x)
    steps = np.eye(2)

    def loss(theta):
        return mse(theta[0], theta[1], x, y)

    hessian = np.array([[loss(steps[j] + steps[k]) - loss(steps[j]) - loss(steps[k]) + loss(np.zeros(2))
                         for k in range(2)] for j in range(2)])
    return float(2 / np.linalg.eigvalsh(hessian)[-1])


# --- hidden-test cases: what the grader feeds each graded function ---------

def _describe(**values) -> str:
    return ", ".join(f"{name}={value:.3g}" if np.ndim(value) == 0 else f"{name} of shape {np.shape(value)}"
                     for name, value in values.items())


# So many observations that a link measured by finite differences (lr.numerical_links, or
# gradcheck.numerical_gradient: one loss evaluation per entry and step) runs far past the per-call
# limit, while the derived link takes a millisecond: a link copied from a finite-difference helper
# instead of derived does not pass.
LARGE_BATCH = 50_000


def _loss_slope_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case((float(y_hat), float(y)), _describe(y_hat=y_hat, y=y)) for y_hat, y in rng.normal(0, 4, size=(4, 2))]
    for n in (2, 3, 8, 50):
        y_hat, y = rng.normal(0, 3, size=n), rng.normal(0, 3, size=n)
        cases.append(Case((y_hat, y), f"n={n} observations", batch_size=n))
    cases.append(Case((np.array([2.0, -1.0, 0.5]), np.array([2.0, 1.0, 0.5])), "ŷ = y for two of 3 observations",
                      batch_size=3))
    cases.append(Case((rng.normal(0, 3, size=LARGE_BATCH), rng.normal(0, 3, size=LARGE_BATCH)),
                      f"a large batch: n={LARGE_BATCH} observations", batch_size=LARGE_BATCH, large=True))
    return cases


def _prediction_slope_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case((float(x),), f"x={x:.3g}") for x in rng.normal(0, 4, size=3)]
    cases += [Case((rng.uniform(-6, 6, size=n),), f"n={n} observations") for n in (1, 2, 5, 40)]
    cases.append(Case((np.array([0.0, -3.0, 1.0]),), "x = 0 for one of 3 observations"))
    cases.append(Case((rng.uniform(-6, 6, size=LARGE_BATCH),), f"a large batch: n={LARGE_BATCH} observations",
                      large=True))
    return cases


def _link_values(rng: np.random.Generator, n: int | None) -> tuple:
    """Random link values (∂Loss_i/∂ŷ, ∂ŷ/∂w, ∂ŷ/∂b), none of them 1: floats, or arrays (n,)."""
    size = None if n is None else n
    values = rng.normal(0, 2, size=(3,) if size is None else (3, size))
    return tuple(float(v) for v in values) if size is None else tuple(values)


def _observation_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for _ in range(5):
        links = _link_values(rng, None)
        cases.append(Case(links, _describe(dloss_dyhat=links[0], dyhat_dw=links[1], dyhat_db=links[2])))
    # Links of this notebook's model, measured (no link's formula is written in this module).
    w, b, x, y = rng.normal(0, 3, size=4)
    cases.append(Case(tuple(float(link) for link in numerical_links(w, b, x, y)), "links of ŷ = w·x + b"))
    cases.append(Case((-3.0, 0.0, 1.5), "∂ŷ/∂w = 0"))
    return cases


def _batch_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case(_link_values(rng, n), f"n={n} observations", batch_size=n) for n in (1, 2, 3, 7, 50)]
    w, b = rng.normal(0, 2, size=2)
    x = rng.uniform(-5, 5, size=9)
    y = 2 * x - 1 + rng.normal(0, 1, size=9)
    cases.append(Case(numerical_links(w, b, x, y), "links of ŷ = w·x + b, n=9 observations", batch_size=9))
    return cases


def _shape_cases(rng: np.random.Generator) -> list[Case]:
    sizes = [1, 2, 3, 10, 1000, *(int(n) for n in rng.integers(4, 500, size=3))]
    # Shapes read off finite differences of a made-up batch of n (lr.numerical_links) take far
    # longer than the per-call limit at this size; shapes stated take no time.
    return [Case((n,), f"n={n}") for n in sizes] + [Case((20 * LARGE_BATCH,), f"n={20 * LARGE_BATCH}", large=True)]


LINK_SHAPES = ("shape of ∂Loss_i/∂ŷ", "shape of ∂ŷ_i/∂w", "shape of ∂ŷ_i/∂b")
HIDDEN_CASES = {
    "loss_slope": HiddenCases(("∂Loss_i/∂ŷ",), _loss_slope_cases),
    "prediction_slopes": HiddenCases(("∂ŷ/∂w", "∂ŷ/∂b"), _prediction_slope_cases),
    "observation_gradient": HiddenCases(("∂Loss_i/∂w", "∂Loss_i/∂b"), _observation_cases),
    "batch_gradient_shapes": HiddenCases((*LINK_SHAPES, "shape of ∂Loss/∂w", "shape of ∂Loss/∂b"), _shape_cases,
                                         shapes=True),
    "batch_gradient": HiddenCases(("∂Loss/∂w", "∂Loss/∂b"), _batch_cases),
}


# --- classic slips (course.slips): changes to the right answer, most specific first ---
# No hint states a link's formula: each says what is wrong, and why, in words.

def _batch_size(x) -> int:
    return int(np.size(x))


SLIPS = {
    "loss_slope": (
        Slip("that is the loss itself, (ŷ − y)²: differentiate it with respect to ŷ",
             wrong=lambda right, y_hat, y: ((right[0] / 2) ** 2,)),
        Slip("∂Loss_i/∂ŷ is the slope of ONE observation's loss, one entry per observation: "
             "do not divide by n (the batch's mean comes later, in batch_gradient)",
             wrong=lambda right, y_hat, y: (right[0] / _batch_size(y_hat),)),
        Slip("∂Loss_i/∂ŷ came back as one number for the whole batch (a mean or a sum over the observations): "
             "return every observation's own slope, one entry per observation, with the shape of y_hat",
             violated=lambda got, y_hat, y: np.size(y_hat) > 1 and np.size(got[0]) == 1),
        Slip("a factor 2 is missing: differentiating a square brings its exponent down as a factor",
             wrong=lambda right, *args: (right[0] / 2,)),
        Slip("the sign is flipped: where ŷ is above y, raising ŷ raises the loss, so the slope is positive there",
             wrong=lambda right, *args: (-right[0],)),
    ),
    "prediction_slopes": (
        Slip("the two slopes are swapped: which of w and b is multiplied by x in ŷ = w·x + b?",
             wrong=lambda right, x: (right[1], right[0])),
        Slip("∂ŷ/∂b is not x: how much does ŷ change when b grows by 1 and w stays put?",
             wrong=lambda right, x: (right[0], right[0])),
        Slip("∂ŷ/∂w is not 1: how much does ŷ change when w grows by 1 and b stays put?",
             wrong=lambda right, x: (right[1], right[1])),
        Slip("∂ŷ/∂b is not 0: b is a parameter, and ŷ moves when it moves",
             wrong=lambda right, x: (right[0], 0 * right[1])),
        Slip("∂ŷ/∂b came back as a single number for a batch: return one value per observation, an array with "
             "the shape of x, as for ∂ŷ/∂w (the compositions multiply the links entry by entry)",
             violated=lambda got, x: np.size(x) > 1 and np.size(got[1]) == 1),
    ),
    "observation_gradient": (
        Slip("the two gradients are swapped: ∂Loss_i/∂w takes the link ∂ŷ/∂w, ∂Loss_i/∂b the link ∂ŷ/∂b",
             wrong=lambda right, *args: (right[1], right[0])),
        Slip("∂Loss_i/∂w lacks its last link, ∂ŷ/∂w: the chain takes every link on the path from the loss to w",
             wrong=lambda right, dloss, dw, db: (right[0] / dw, right[1])),
        Slip("∂Loss_i/∂b lacks its last link, ∂ŷ/∂b: the chain takes every link on the path from the loss to b, "
             "whatever its value for this model, and the test tries the links of other models",
             wrong=lambda right, dloss, dw, db: (right[0], right[1] / db)),
        Slip("the links are added: that is not how the chain rule puts the slopes of two steps together "
             "(try it on a chain you can differentiate whole, such as 3·(2·w))",
             wrong=lambda right, dloss, dw, db: (dloss + dw, dloss + db)),
    ),
    "batch_gradient_shapes": (
        Slip("∂Loss/∂w and ∂Loss/∂b have the shapes of w and b, single numbers, shape (): "
             "the mean over the observations leaves no batch axis",
             wrong=lambda right, n: (*right[:3], (n,), (n,))),
        Slip("(n, 1) is a column: one number per observation has shape (n,), like x",
             wrong=lambda right, n: ((n, 1), (n, 1), (n, 1), *right[3:])),
        Slip("there is one ∂ŷ_i/∂b per observation, as for the other links, even where they are all equal",
             wrong=lambda right, n: (*right[:2], (), *right[3:])),
        Slip("the links of a batch have one entry per observation: shape (n,)",
             wrong=lambda right, n: ((), (), (), *right[3:])),
    ),
    "batch_gradient": (
        Slip("the gradient is summed over the observations, but the batch loss is their mean",
             wrong=lambda right, dloss, dw, db: (right[0] * _batch_size(dloss), right[1] * _batch_size(dloss))),
        Slip("the means of the links were multiplied: the batch's gradient is not made from its average links; "
             "an observation's links belong to that observation's loss",
             wrong=lambda right, dloss, dw, db: (np.mean(dloss) * np.mean(dw), np.mean(dloss) * np.mean(db))),
        Slip("the gradient came back with one entry per observation: the batch loss is one number, and so is "
             "its derivative by each parameter; reduce over the observations as the batch loss does",
             violated=lambda got, dloss, dw, db: np.size(dloss) > 1 and np.size(got[0]) == np.size(dloss) > 1),
        Slip("∂Loss/∂w lacks each observation's link ∂ŷ_i/∂w",
             wrong=lambda right, dloss, dw, db: (np.mean(dloss), right[1])),
        Slip("∂Loss/∂b lacks each observation's link ∂ŷ_i/∂b: whatever its value for this model, the chain takes "
             "it, and the test tries the links of other models",
             wrong=lambda right, dloss, dw, db: (right[0], np.mean(dloss))),
    ),
}
