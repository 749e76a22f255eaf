"""Lecture 004's house-price network: 2 inputs → 5 sigmoid hidden units → 1 linear output, with biases (assignment 4).

    inputs = [1, x1, x2] (n, 3)            the bias column first, as in the lecture's training loop
    α_H = inputs W_hidden (n, 5)           W_hidden (3, 5): row 0 the biases w1..w5, rows 1–2 the weights w6..w15
    β_H = σ(α_H) (n, 5)
    α_O = [1, β_H] · w_output (n,)         w_output (6,): the bias w16, then w17..w21
    ŷ = α_O (n,)                           a linear output unit
    E = ½ Σ_records (ŷ − y)²

Flattening W_hidden row by row and appending w_output gives the lecture's w1, …, w21 in order.
What the lecture defines lives here: the forward pass, the loss, and the plumbing (`backprop`) that
chains the student's own link and composition functions into a gradient for the training loops.
The links, the error terms and the gradient are the student's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from . import data
from .activations import sigmoid
from .checks import Case, HiddenCases
from .gradcheck import measured_slope
from .slips import Slip

HIDDEN_UNITS = 5
# gradient(x, y, W_hidden, w_output) -> (dE/dW_hidden (3, h), dE/dw_output (h + 1,)): what the training loops take.
Gradient = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def with_bias(values: np.ndarray) -> np.ndarray:
    """A column of ones, then `values` (n, k) -> (n, k + 1)."""
    return np.hstack([np.ones((len(values), 1)), values])


def relu(alpha: np.ndarray) -> np.ndarray:
    """max(0, α), elementwise: section 8's other activation."""
    return np.maximum(alpha, 0.0)


def relu_slope(alpha: np.ndarray) -> np.ndarray:
    """The ReLU's slope at its input α: 1 where α > 0, else 0 (section 8 states it; nothing graded uses it)."""
    return (np.asarray(alpha) > 0).astype(float)


def output_unit(alpha_o: np.ndarray, output: str = "linear") -> np.ndarray:
    """The output unit: ŷ from its input α_O, elementwise (n,) -> (n,). Linear here; the lecture's numpy
    version puts a sigmoid on it (output="sigmoid")."""
    alpha_o = np.asarray(alpha_o, dtype=float)
    return sigmoid(alpha_o) if output == "sigmoid" else alpha_o


class Forward(NamedTuple):
    """Every quantity of the forward pass, for n records."""

    inputs: np.ndarray   # [1, x] (n, 3)
    alpha_h: np.ndarray  # the hidden units' inputs (n, h)
    beta_h: np.ndarray   # their outputs, σ(α_H) (or ReLU(α_H) with hidden="relu") (n, h)
    alpha_o: np.ndarray  # the output unit's input (n,)
    y_pred: np.ndarray   # the predictions (n,)


def forward(x: np.ndarray, W_hidden: np.ndarray, w_output: np.ndarray, output: str = "linear",
            hidden: str = "sigmoid") -> Forward:
    """The forward pass. shapes: x (n, 2), W_hidden (3, h), w_output (h + 1,).

    output="sigmoid" is the lecture's numpy version, whose predictions cannot leave (0, 1);
    hidden="relu" is section 8's network with ReLU hidden units.
    """
    inputs = with_bias(np.asarray(x, dtype=float))
    alpha_h = inputs @ W_hidden
    beta_h = relu(alpha_h) if hidden == "relu" else sigmoid(alpha_h)
    alpha_o = with_bias(beta_h) @ w_output
    return Forward(inputs, alpha_h, beta_h, alpha_o, output_unit(alpha_o, output))


def loss(x: np.ndarray, y: np.ndarray, W_hidden: np.ndarray, w_output: np.ndarray, output: str = "linear",
         hidden: str = "sigmoid") -> float:
    """E = ½ Σ (ŷ − y)², the lecture's loss (a sum over the records, not a mean)."""
    return float(0.5 * np.sum((forward(x, W_hidden, w_output, output, hidden).y_pred - y) ** 2))


@dataclass(frozen=True)
class Links:
    """The student's functions that `backprop` chains (each named as in the notebook's exercises)."""

    dE_dy_pred: Callable          # (y_pred (n,), y (n,)) -> (n,)
    dy_pred_dalpha_o: Callable    # (alpha_o (n,)) -> (n,)
    sigmoid_slope: Callable       # (beta, any shape) -> the same shape
    output_error_term: Callable   # (dE/dŷ (n,), dŷ/dα_O (n,)) -> δ_O (n,)
    hidden_error_terms: Callable  # (δ_O (n,), w_output (h + 1,), hidden slopes (n, h)) -> δ_H (n, h)
    gradient: Callable            # (inputs (n, 3), β_H (n, h), δ_O (n,), δ_H (n, h)) -> ((3, h), (h + 1,))


def backprop(links: Links, *, output: str = "linear", hidden: str = "sigmoid") -> Gradient:
    """The whole backward pass, chained from the student's functions: plumbing, no formula of its own.

    Returns gradient(x, y, W_hidden, w_output) -> (dE/dW_hidden (3, h), dE/dw_output (h + 1,)), what
    `train` and the sliders take. output="sigmoid" (the lecture's numpy network) takes the output
    unit's slope from the student's `sigmoid_slope` of ŷ; hidden="relu" takes the hidden units'
    slopes from `relu_slope` of α_H.
    """
    def full_gradient(x, y, W_hidden, w_output):
        f = forward(x, W_hidden, w_output, output, hidden)
        output_slope = links.sigmoid_slope(f.y_pred) if output == "sigmoid" else links.dy_pred_dalpha_o(f.alpha_o)
        hidden_slopes = relu_slope(f.alpha_h) if hidden == "relu" else links.sigmoid_slope(f.beta_h)
        delta_output = links.output_error_term(links.dE_dy_pred(f.y_pred, y), output_slope)
        delta_hidden = links.hidden_error_terms(delta_output, w_output, hidden_slopes)
        return links.gradient(f.inputs, f.beta_h, delta_output, delta_hidden)

    full_gradient.__name__ = links.gradient.__name__ if hasattr(links.gradient, "__name__") else "gradient"
    return full_gradient


def node_gradients(links: Links, values: dict) -> dict:
    """+∂E/∂node for the nodes of `course.graphs.house_prices()` but its data (x, y), from the student's functions.

    values: the graph's forward values by node name. Plumbing, as `backprop`: every gradient is one
    of the student's functions of the others' values. ∂E/∂β_H is `hidden_error_terms` with every
    slope 1; ∂E/∂[1, β_H] the same with a placeholder weight in front of w_output, so that the
    bias column's weight w16 is passed on too.
    """
    y_pred, beta_h, w_output = values["y_pred"], values["beta_h"], values["w_output"]
    loss_slope = links.dE_dy_pred(y_pred, values["y"])
    delta_output = links.output_error_term(loss_slope, links.dy_pred_dalpha_o(values["alpha_o"]))
    delta_hidden = links.hidden_error_terms(delta_output, w_output, links.sigmoid_slope(beta_h))
    dW_hidden, dw_output = links.gradient(with_bias(values["x"]), beta_h, delta_output, delta_hidden)
    passed_on = links.hidden_error_terms(delta_output, np.concatenate([[0.0], w_output]),
                                         np.ones((len(beta_h), len(w_output))))
    return {"E": 1.0, "y_pred": loss_slope, "alpha_o": delta_output, "output_inputs": passed_on, "w_output": dw_output,
            "beta_h": links.hidden_error_terms(delta_output, w_output, np.ones_like(beta_h)),
            "alpha_h": delta_hidden, "W_hidden": dW_hidden}


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


def numbering(hidden: int = HIDDEN_UNITS) -> list[dict[str, str]]:
    """Seed 004's numbering: for each of w1..w21, its array entry, what it multiplies and which unit it feeds."""
    rows = []
    for row, multiplies in enumerate(("1 (bias)", "x₁", "x₂")):
        for unit in range(hidden):
            rows.append({"weight": f"w{row * hidden + unit + 1}", "entry": f"W_hidden[{row}, {unit}]",
                         "multiplies": multiplies, "into": f"H{unit + 1}"})
    rows.append({"weight": f"w{3 * hidden + 1}", "entry": "w_output[0]", "multiplies": "1 (bias)", "into": "O"})
    for unit in range(hidden):
        rows.append({"weight": f"w{3 * hidden + unit + 2}", "entry": f"w_output[{unit + 1}]",
                     "multiplies": f"β_H{unit + 1}", "into": "O"})
    return rows


@dataclass
class TrainingRun:
    """Weights after training and the full-data loss E before every step, (steps + 1,) with the final one."""

    W_hidden: np.ndarray
    w_output: np.ndarray
    losses: np.ndarray


def train(gradient: Gradient, x: np.ndarray, y: np.ndarray, W_hidden: np.ndarray, w_output: np.ndarray, *,
          learning_rate: float, steps: int, batch_size: int | None = None, seed: int = 0,
          output: str = "linear", hidden: str = "sigmoid") -> TrainingRun:
    """Gradient descent on E; with `batch_size`, each step uses that many records drawn at random.

    A mini-batch's gradient is scaled by n / batch_size, so that every step estimates the
    gradient of the same E, only with noise.
    """
    W_hidden, w_output = np.array(W_hidden, dtype=float), np.array(w_output, dtype=float)
    rng = np.random.default_rng(seed)
    losses = np.full(steps + 1, np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            losses[step] = loss(x, y, W_hidden, w_output, output, hidden)
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
# Every case is drawn at random (the grader seeds it per student): no zero weights, no two hidden
# units alike, and n ≠ h, so that a missing factor, a swapped axis or a missing sum changes the answer.

def _records(n: int) -> str:
    return f"{n} record{'s' * (n != 1)}"


def _units(h: int) -> str:
    return f"{h} hidden unit{'s' * (h != 1)}"


def _nonzero(rng: np.random.Generator, size, scale: float = 1.0) -> np.ndarray:
    """Normal draws pushed away from 0 (|value| ≥ 0.1 × scale), so that no factor is ever exactly 0."""
    values = rng.normal(0, scale, size)
    return np.where(np.abs(values) < 0.1 * scale, np.sign(values + 1e-300) * 0.1 * scale + values, values)


def _slopes(rng: np.random.Generator, size) -> np.ndarray:
    """Values like a sigmoid's slopes, in (0, 0.25], none equal: a unit's slope is never 1."""
    return rng.uniform(0.02, 0.25, size)


def _outputs(rng: np.random.Generator, size) -> np.ndarray:
    """Values like a sigmoid's outputs, in (0, 1), from near 0 to near 1."""
    return sigmoid(rng.normal(0, 2.5, size))


_SHAPES = [(10, 5), (1, 5), (4, 6), (7, 2), (12, 8), (2, 1), (25, 11)]  # (n, h): n ≠ h, h ≠ 3


def _sizes(rng: np.random.Generator) -> list[tuple[int, int]]:
    """The fixed shapes, then three random ones with n ≠ h and h ≠ 3."""
    drawn = []
    while len(drawn) < 3:
        n, h = int(rng.integers(1, 40)), int(rng.integers(1, 16))
        if n != h and h != 3:
            drawn.append((n, h))
    return _SHAPES + drawn


def _per_record_cases(rng: np.random.Generator, make) -> list[Case]:
    return [Case(make(n), _records(n), batch_size=n) for n in (1, 3, 10, int(rng.integers(11, 60)))]


def _dE_dy_pred_cases(rng):
    cases = _per_record_cases(rng, lambda n: (rng.normal(0, 1, n), rng.normal(0, 1, n)))
    cases.append(Case((np.array([0.5, -1.25]), np.array([0.5, -1.25])), "predictions equal to the targets"))
    return cases


def _dy_pred_dalpha_o_cases(rng):
    return _per_record_cases(rng, lambda n: (rng.normal(0, 2, n),))


def _dalpha_o_dw16_cases(rng):
    return [Case((_outputs(rng, (n, h)),), f"{_records(n)}, {_units(h)}") for n, h in _sizes(rng)]


def _dalpha_o_dbeta_h1_cases(rng):
    return [Case((_nonzero(rng, h + 1),), f"{_units(h)}") for h in (1, 2, 5, 8, int(rng.integers(9, 30)))]


def _sigmoid_slope_cases(rng):
    cases = [Case((_outputs(rng, n),), f"{_records(n)}, one unit") for n in (1, 4, 10)]
    cases += [Case((_outputs(rng, (n, h)),), f"{_records(n)}, {_units(h)}") for n, h in _sizes(rng)[:5]]
    cases.append(Case((np.array([1e-3, 0.5, 1 - 1e-3]),), "outputs near 0, at 0.5 and near 1"))
    return cases


def _dalpha_h1_dw6_cases(rng):
    return [Case((rng.normal(0, 1, (n, 2)),), _records(n)) for n in (1, 3, 10, int(rng.integers(11, 60)))]


def _dE_dw16_cases(rng):
    return _per_record_cases(rng, lambda n: (rng.normal(0, 1, n), _slopes(rng, n), rng.uniform(0.5, 2, n)))


def _dE_dw6_cases(rng):
    return _per_record_cases(rng, lambda n: (rng.normal(0, 1, n), _slopes(rng, n), _nonzero(rng, ()),
                                             _slopes(rng, n), rng.normal(0, 1, n)))


def _shapes_cases(rng):
    return [Case((n, h), f"n = {n}, h = {h}") for n, h in _sizes(rng) if n != 3]


def _output_error_cases(rng):
    return _per_record_cases(rng, lambda n: (rng.normal(0, 1, n), _slopes(rng, n)))


def _hidden_error_cases(rng):
    cases = [Case((rng.normal(0, 1, n), _nonzero(rng, h + 1), _slopes(rng, (n, h))), f"{_records(n)}, {_units(h)}")
             for n, h in _sizes(rng)]
    n, h = 6, 4  # ReLU-like slopes, 0 or 1: a unit that passes nothing back, another that passes all
    cases.append(Case((rng.normal(0, 1, n), _nonzero(rng, h + 1), (rng.random((n, h)) > 0.5).astype(float)),
                      f"{_records(n)}, {_units(h)}, slopes 0 or 1"))
    return cases


def _gradient_case(rng, n, h, **kw):
    return Case((with_bias(rng.normal(0, 1, (n, 2))), _outputs(rng, (n, h)), rng.normal(0, 1, n),
                 rng.normal(0, 0.3, (n, h))), kw.pop("description", f"{_records(n)}, {_units(h)}"),
                batch_size=n, **kw)


def _gradient_cases(rng):
    cases = [_gradient_case(rng, n, h) for n, h in _sizes(rng)]
    n, h = LARGE_CASE
    cases.append(_gradient_case(rng, n, h, description=f"a large network: {n} records, {h} hidden units",
                                large=True))
    return cases


# 80 001 weights: ~160 000 forward passes by finite differences (minutes), one backward pass by hand.
LARGE_CASE = (64, 20_000)

SHAPE_NAMES = ("shape of δ_O", "shape of δ_H", "shape of ∂E/∂W_hidden", "shape of ∂E/∂w_output")

HIDDEN_CASES = {
    "dE_dy_pred": HiddenCases(("∂E_i/∂ŷ_i",), _dE_dy_pred_cases),
    "dy_pred_dalpha_o": HiddenCases(("∂ŷ_i/∂α_O,i",), _dy_pred_dalpha_o_cases),
    "dalpha_o_dw16": HiddenCases(("∂α_O,i/∂w16",), _dalpha_o_dw16_cases),
    "dE_dw16": HiddenCases(("∂E/∂w16",), _dE_dw16_cases),
    "dalpha_o_dbeta_h1": HiddenCases(("∂α_O/∂β_H1",), _dalpha_o_dbeta_h1_cases),
    "sigmoid_slope": HiddenCases(("∂β/∂α",), _sigmoid_slope_cases),
    "dalpha_h1_dw6": HiddenCases(("∂α_H1,i/∂w6",), _dalpha_h1_dw6_cases),
    "dE_dw6": HiddenCases(("∂E/∂w6",), _dE_dw6_cases),
    "backprop_shapes": HiddenCases(SHAPE_NAMES, _shapes_cases),
    "output_error_term": HiddenCases(("δ_O",), _output_error_cases),
    "hidden_error_terms": HiddenCases(("δ_H",), _hidden_error_cases),
    "gradient": HiddenCases(("∂E/∂W_hidden", "∂E/∂w_output"), _gradient_cases),
}


# --- classic slips (course.slips): changes to the right answer, most specific first ---
# This catalogue ships to students: no slip spells out a graded derivative. Where a slip evaluates
# a slope at the wrong place, the slope is measured from the forward function (`measured_slope`).

def _shape_tuple(shape) -> tuple:
    return tuple(int(v) for v in np.ravel(shape))


def _with_bias_weight(shapes, output_error_term, w_output, hidden_slopes) -> bool:
    """Whether a numpy error names w_output's h + 1 entries beside the hidden layer's h."""
    h = np.shape(hidden_slopes)[-1]
    return any(shape[-1:] == (h + 1,) for shape in shapes) and any(shape[-1:] == (h,) for shape in shapes)


SLIPS = {
    "dE_dy_pred": (
        Slip("∂E_i/∂ŷ_i is twice too large: E = ½Σ(ŷ − y)², and the ½ cancels the square's 2",
             wrong=lambda r, y_pred, y: (2 * r[0],)),
        Slip("∂E_i/∂ŷ_i has the wrong sign: E grows when ŷ_i moves away from y_i, whichever side it is on",
             wrong=lambda r, y_pred, y: (-r[0],)),
    ),
    "dy_pred_dalpha_o": (
        Slip("∂ŷ/∂α_O: you returned α_O itself, the output; the link is the output unit's slope",
             wrong=lambda r, alpha_o: (np.asarray(alpha_o, float) * r[0],)),
        Slip("∂ŷ/∂α_O is a sigmoid's slope: this network's output unit is linear, ŷ = α_O",
             wrong=lambda r, alpha_o: (measured_slope(sigmoid, alpha_o) * r[0],)),
        Slip("∂ŷ/∂α_O: one slope per house, an array of α_O's shape (n,), not a single number",
             wrong=lambda r, alpha_o: (np.asarray(r[0]).ravel()[:1].reshape(()),)),
    ),
    "dalpha_o_dw16": (
        Slip("∂α_O/∂w16: that is β_H1, what w17 multiplies; w16 is the output's bias",
             wrong=lambda r, beta_h: (np.asarray(beta_h, float)[:, 0] * r[0],)),
        Slip("∂α_O/∂w16: one number per house, an array of shape (n,), not a single number",
             wrong=lambda r, beta_h: (np.asarray(r[0]).ravel()[:1].reshape(()),)),
    ),
    "dE_dw16": (
        Slip("∂E/∂w16 is averaged over the houses: E is a sum, ½Σ(ŷ − y)², so add the houses' shares",
             wrong=lambda r, *links: (r[0] / len(links[0]),)),
        Slip("∂E/∂w16 has the wrong sign: the chain rule multiplies the links as they are",
             wrong=lambda r, *links: (-r[0],)),
    ),
    "dalpha_o_dbeta_h1": (
        Slip("∂α_O/∂β_H1: w_output[0] is the output's bias w16, which multiplies 1; H1's weight comes after it",
             wrong=lambda r, w_output: (np.asarray(w_output, float)[0] + 0 * r[0],)),
        Slip("∂α_O/∂β_H1 is one number, H1's own weight: not the weights of every hidden unit",
             wrong=lambda r, w_output: (np.asarray(w_output, float)[1:] + 0 * r[0],)),
    ),
    "sigmoid_slope": (
        Slip("∂β/∂α: β is already the unit's output, σ(α); you took σ's slope at β, as if β were the "
             "unit's input. Write the slope with the output β itself",
             wrong=lambda r, beta: (measured_slope(sigmoid, beta) + 0 * r[0],)),
        Slip("∂β/∂α: you returned β, the unit's output; the link is its slope",
             wrong=lambda r, beta: (np.asarray(beta, float) + 0 * r[0],)),
        Slip("∂β/∂α has the wrong sign: a sigmoid only rises, so its slope is positive",
             wrong=lambda r, beta: (-r[0],)),
    ),
    "dalpha_h1_dw6": (
        Slip("∂α_H1/∂w6: that is x₂, what w11 multiplies; w6 multiplies the first input",
             wrong=lambda r, x: (np.asarray(x, float)[:, 1] + 0 * r[0],)),
        Slip("∂α_H1/∂w6: that is what the bias w1 multiplies; w6 multiplies an input",
             wrong=lambda r, x: (np.ones(len(x)) + 0 * r[0],)),
        Slip("∂α_H1/∂w6: one number per house, an array of shape (n,): the one input w6 multiplies",
             wrong=lambda r, x: (np.asarray(x, float) + 0 * r[0][:, None],)),
    ),
    "dE_dw6": (
        Slip("∂E/∂w6 is averaged over the houses: E is a sum, ½Σ(ŷ − y)², so add the houses' shares",
             wrong=lambda r, *links: (r[0] / len(links[0]),)),
        Slip("∂E/∂w6 has the wrong sign: the chain rule multiplies the links as they are",
             wrong=lambda r, *links: (-r[0],)),
    ),
    "backprop_shapes": (
        Slip("δ_H is transposed: which axis holds the houses, and which the hidden units?",
             wrong=lambda r, n, h: (r[0], r[1][::-1], r[2], r[3])),
        Slip("∂E/∂W_hidden is transposed: a weight's derivative has the weight's own shape",
             wrong=lambda r, n, h: (r[0], r[1], r[2][::-1], r[3])),
        Slip("∂E/∂W_hidden has lost its bias row: W_hidden holds the biases w1..w5 in row 0",
             wrong=lambda r, n, h: (r[0], r[1], np.array([r[2][0] - 1, r[2][1]]), r[3])),
        Slip("∂E/∂w_output has lost its bias entry: w_output holds the bias w16 first",
             wrong=lambda r, n, h: (r[0], r[1], r[2], r[3] - 1)),
        Slip("δ_O has one entry per house: it is a batch of error terms, not one number",
             wrong=lambda r, n, h: (np.zeros(0), r[1], r[2], r[3])),
        Slip("a weight's derivative has no batch axis: E adds the houses' shares, so their derivatives "
             "add up too, into the weight's own shape",
             wrong=lambda r, n, h: (r[0], r[1], np.concatenate([[n], r[2]]), np.concatenate([[n], r[3]]))),
    ),
    "output_error_term": (
        Slip("δ_O is only ∂E/∂ŷ: the output unit's slope ∂ŷ/∂α_O is missing (it is 1 for a linear output, "
             "but not for a sigmoid)",
             wrong=lambda r, dE_dy_pred, dy_pred_dalpha_o: (np.asarray(dE_dy_pred, float) + 0 * r[0],)),
        Slip("δ_O has the wrong sign: δ_O = +∂E_i/∂α_O,i in this assignment",
             wrong=lambda r, *links: (-r[0],)),
    ),
    "hidden_error_terms": (
        Slip("the hidden units got the weights w_output[0 : h], starting at the bias: hidden unit j's "
             "weight is w_output[1 + j], and w_output[0] is the bias",
             wrong=lambda r, delta, w_output, slopes: (r[0] * np.asarray(w_output, float)[:-1]
                                                       / np.asarray(w_output, float)[1:],)),
        Slip("the hidden error terms are missing the hidden units' slopes",
             wrong=lambda r, delta, w_output, slopes: (r[0] / np.asarray(slopes, float),)),
        Slip("w_output has h + 1 entries and w_output[0] is the output's bias, which no hidden unit sends "
             "anything through: use the h weights after it",
             shapes=_with_bias_weight),
    ),
    "gradient": (
        Slip("∂E/∂w_output has lost its bias entry w16: the output's bias multiplies a column of ones "
             "(hp.with_bias puts one in front of β_H)",
             wrong=lambda r, inputs, beta_h, delta_o, delta_h: (r[0], r[1][1:])),
        Slip("the gradient is averaged over the records: E is a sum, ½Σ(ŷ − y)², so do not divide by n",
             wrong=lambda r, inputs, *rest: (r[0] / len(inputs), r[1] / len(inputs))),
        Slip("the gradient has the wrong sign: δ = +∂E_i/∂α here, so the weights' derivatives keep its sign",
             wrong=lambda r, *args: (-r[0], -r[1])),
    ),
}
