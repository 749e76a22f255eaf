"""Lecture 000's network: 3 inputs, 2 sigmoid hidden units, 1 exponential output, no biases (assignment 3).

    z1 = X W1 (n, h)   a1 = σ(z1) (n, h)   z2 = a1 · w2 (n,)   ŷ = exp(z2) (n,)
    L_i = (ŷ_i − y_i)², the loss of record i;  L = mean over the n records of L_i

W1 holds one column per hidden unit: the lecture's w1_1 and w1_2 side by side, (3, 2),
which is also the layout of a Keras Dense kernel. What the lecture defines lives
here; the links, deltas and weight gradients are the student's, and `backprop` only
chains whatever functions it is given (the training loop and the sliders use it with
the student's functions). The finite-difference helpers here give the visible tests
derivatives that use none of the student's code; each takes a whole network (X, y, W1, w2),
never the arguments a graded function receives, so no test cell holds a call that returns a
graded answer from that function's own arguments.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from . import data
from .activations import sigmoid  # noqa: F401 - also n321.sigmoid, which the notebook uses
from .checks import Case, HiddenCases
from .gradcheck import measured_slope
from .slips import Slip

# A full gradient function: (X, y, W1, w2) -> (dL/dW1 (d, h), dL/dw2 (h,)), what `train` steps with.
Gradients = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

# The student's six functions, in the order backprop calls them.
BACKPROP_FUNCTIONS = ("loss_slope", "output_slope", "sigmoid_slope", "output_delta", "hidden_deltas", "gradients")


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


def record_losses(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """L_i = (ŷ_i − y_i)², each record's squared error. shapes: y_hat (n,), y (n,) -> (n,)."""
    return (np.asarray(y_hat, dtype=float) - y) ** 2


def mse(X: np.ndarray, y: np.ndarray, W1: np.ndarray, w2: np.ndarray) -> float:
    """L = mean((ŷ − y)²), the lecture's loss. shapes: X (n, d), y (n,)."""
    return float(np.mean(record_losses(forward(X, W1, w2).y_hat, y)))


def backprop(X: np.ndarray, y: np.ndarray, W1: np.ndarray, w2: np.ndarray, *, loss_slope: Callable,
             output_slope: Callable, sigmoid_slope: Callable, output_delta: Callable, hidden_deltas: Callable,
             gradients: Callable) -> tuple[np.ndarray, np.ndarray]:
    """(dL/dW1 (d, h), dL/dw2 (h,)) at (W1, w2): the forward pass, then the given functions in turn.

    Plumbing only: each function gets the values it is documented to take (the forward
    pass's values and what the functions before it returned), as in the notebook's exercises.
    shapes: X (n, d), y (n,), W1 (d, h), w2 (h,).
    """
    values = forward(X, W1, w2)
    delta2 = output_delta(loss_slope(values.y_hat, y), output_slope(values.y_hat))
    delta1 = hidden_deltas(delta2, w2, sigmoid_slope(values.a1))
    return gradients(X, values.a1, delta2, delta1)


def backprop_with(**functions: Callable) -> Gradients:
    """`backprop` with these six functions (BACKPROP_FUNCTIONS, by name): (X, y, W1, w2) -> (dL/dW1, dL/dw2)."""
    missing = [name for name in BACKPROP_FUNCTIONS if name not in functions]
    if missing or len(functions) != len(BACKPROP_FUNCTIONS):
        raise TypeError(f"backprop_with takes exactly {', '.join(BACKPROP_FUNCTIONS)}; missing: {missing}")

    def full_gradient(X, y, W1, w2):
        return backprop(X, y, W1, w2, **functions)

    return full_gradient


def backprop_of(module) -> Gradients:
    """`backprop_with` the six functions a module (or any object) holds under their names."""
    return backprop_with(**{name: getattr(module, name) for name in BACKPROP_FUNCTIONS})


# --- finite differences: derivatives that use none of the student's code ------------

class Links(NamedTuple):
    """The links of one network's forward pass, by finite differences (see `numerical_links`)."""

    loss_slope: np.ndarray     # ∂L_i/∂ŷ_i, (n,)
    output_slope: np.ndarray   # ∂ŷ/∂z2, (n,)
    sigmoid_slope: np.ndarray  # σ′(z1), (n, h)


def numerical_links(X: np.ndarray, y: np.ndarray, W1: np.ndarray, w2: np.ndarray) -> Links:
    """The three links of the network (W1, w2) on (X, y), each step of the forward pass differenced numerically.

    Each is a slope of one elementwise step, taken where the forward pass puts it: the square
    at ŷ, the exponential at z2, the sigmoid at z1. shapes: X (n, d), y (n,), W1 (d, h), w2 (h,).
    """
    values = forward(np.asarray(X, dtype=float), W1, w2)
    return Links(measured_slope(lambda y_hat: record_losses(y_hat, y), values.y_hat),
                 measured_slope(np.exp, values.z2),
                 measured_slope(sigmoid, values.z1))


def numerical_deltas(X: np.ndarray, y: np.ndarray, W1: np.ndarray, w2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∂L_i/∂z2_i (n,), ∂L_i/∂z1[i, j] (n, h)) by central differences of each record's loss.

    Record i's loss depends on its own z2_i and z1[i, :] only, so moving one column of z1 (or
    all of z2) at once moves each record's loss by its own derivative. shapes: X (n, d), y (n,),
    W1 (d, h), w2 (h,).
    """
    z1 = np.asarray(X, dtype=float) @ W1
    delta2 = measured_slope(lambda z2: record_losses(np.exp(z2), y), sigmoid(z1) @ w2)
    delta1 = np.empty_like(z1)
    for unit in range(z1.shape[1]):
        def losses(column, unit=unit):
            moved = z1.copy()
            moved[:, unit] = column
            return record_losses(np.exp(sigmoid(moved) @ w2), y)
        delta1[:, unit] = measured_slope(losses, z1[:, unit])
    return delta2, delta1


def numerical_gradients(X: np.ndarray, y: np.ndarray, W1: np.ndarray, w2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∂L/∂W1 (d, h), ∂L/∂w2 (h,)) of the mean loss, by finite differences (course.gradcheck's)."""
    from .gradcheck import numerical_gradient

    gradient = numerical_gradient(lambda p: mse(X, y, p["W1"], p["w2"]),
                                  {"W1": np.asarray(W1, dtype=float), "w2": np.asarray(w2, dtype=float)})
    return gradient["W1"], gradient["w2"]


def random_network(n: int, d: int, h: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X (n, d), y (n,), W1 (d, h), w2 (h,)): random inputs, positive targets, and random weights with no
    two hidden units alike and none zero or one."""
    rng = np.random.default_rng(seed)
    return _problem(rng, n, d, h)


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


def train(full_gradient: Gradients, X: np.ndarray, y: np.ndarray, W1: np.ndarray, w2: np.ndarray, *,
          learning_rate: float, steps: int, loss_every: int = 1,
          progress: Callable[[int], None] | None = None) -> TrainingRun:
    """`steps` full-batch gradient-descent steps: every gradient at the current weights, then both updates.

    `full_gradient(X, y, W1, w2)` returns (dL/dW1, dL/dw2): `backprop_with` the student's functions.

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
            dW1, dw2 = full_gradient(X, y, W1, w2)
            W1 = W1 - learning_rate * np.asarray(dW1)
            w2 = w2 - learning_rate * np.asarray(dw2)
            if progress is not None and step % 100 == 0:
                progress(step)
    if progress is not None:
        progress(steps)
    return TrainingRun(W1, w2, losses, loss_steps)


# --- hidden-test cases ---------------------------------------------------------

def _shapes(rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """(records, inputs, hidden units): the lecture's shape and others, records never as many as hidden units."""
    return [(1, 3, 2), (7, 3, 2), (25, 3, 2), (10, 4, 3), (6, 2, 1), (int(rng.integers(30, 60)), 5, 4),
            (int(rng.integers(2, 9)), int(rng.integers(2, 7)), int(rng.integers(9, 16)))]


def _problem(rng, n, d, h):
    X = rng.normal(0, 1, (n, d))
    W1, w2 = rng.normal(0, 0.6, (d, h)), rng.normal(0, 0.6, h)
    y = np.exp(rng.normal(0, 0.5, n))
    return X, y, W1, w2


def _units(h: int) -> str:
    return f"{h} hidden unit{'s' * (h > 1)}"


def _loss_slope_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, h in _shapes(rng):
        X, y, W1, w2 = _problem(rng, n, d, h)
        cases.append(Case((forward(X, W1, w2).y_hat, y), f"a batch of {n} records"))
    cases.append(Case((np.array([1.5, 0.2, 3.0]), np.array([1.5, 0.2, 3.0])), "predictions equal to the targets"))
    return cases


def _output_slope_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, h in _shapes(rng):
        X, y, W1, w2 = _problem(rng, n, d, h)
        cases.append(Case((forward(X, W1, w2).y_hat,), f"a batch of {n} records"))
    cases.append(Case((np.exp(rng.normal(0, 3, 12)),), "outputs from 0.001 to 1000"))
    return cases


def _sigmoid_slope_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, h in _shapes(rng):
        X, y, W1, w2 = _problem(rng, n, d, h)
        cases.append(Case((forward(X, W1, w2).a1,), f"a batch of {n} records, {_units(h)}"))
    cases.append(Case((sigmoid(rng.normal(0, 6, (5, 3))),), "nearly saturated units, 5 records, 3 hidden units"))
    return cases


def _backprop_shapes_cases(rng: np.random.Generator) -> list[Case]:
    """Records, inputs and hidden units all different, in every order of size."""
    cases = []
    for _ in range(8):
        n, d, h = (int(k) for k in rng.choice(np.arange(1, 60), size=3, replace=False))
        cases.append(Case((n, d, h), f"{n} records, {d} inputs, {_units(h)}"))
    return cases


def _output_delta_cases(rng: np.random.Generator) -> list[Case]:
    # Any values are valid links; the output's slope is positive, like the exponential's.
    cases = []
    for n, d, h in _shapes(rng):
        cases.append(Case((rng.normal(0, 2, n), np.exp(rng.normal(0, 0.7, n))), f"a batch of {n} records"))
    return cases


def _hidden_deltas_cases(rng: np.random.Generator) -> list[Case]:
    # δ2 and the sigmoid's slopes drawn directly, of the sizes a forward pass gives (a sigmoid's
    # slope lies between 0 and 1/4): any such values are valid inputs.
    cases = []
    for n, d, h in _shapes(rng):
        # Output weights of either sign, none near zero: a delta that vanishes checks nothing.
        w2 = rng.choice([-1.0, 1.0], h) * rng.uniform(0.3, 1.5, h)
        cases.append(Case((rng.normal(0, 1, n), w2, rng.uniform(0.02, 0.24, (n, h))),
                          f"a batch of {n} records, {_units(h)}"))
    return cases


def _gradients_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, h in _shapes(rng):
        X, y, W1, w2 = _problem(rng, n, d, h)
        cases.append(Case((X, forward(X, W1, w2).a1, rng.normal(0, 1, n), rng.normal(0, 0.3, (n, h))),
                          f"{n} records, {d} inputs, {_units(h)}", batch_size=n))
    n, d, h = LARGE_CASE
    X, y, W1, w2 = _problem(rng, n, d, h)
    cases.append(Case((X, forward(X, W1 / np.sqrt(d), w2).a1, rng.normal(0, 1, n), rng.normal(0, 0.3, (n, h))),
                      f"a large network: {n} records, {d} inputs, {h} hidden units", batch_size=n, large=True))
    return cases


# 40 200 weights: the width at which a Python loop over the weights would show, and finite
# differences of a whole network's loss take over a minute (the references' oracle uses JAX there).
LARGE_CASE = (64, 200, 200)


HIDDEN_CASES = {
    "loss_slope": HiddenCases(("∂L_i/∂ŷ",), _loss_slope_cases),
    "output_slope": HiddenCases(("∂ŷ/∂z2",), _output_slope_cases),
    "sigmoid_slope": HiddenCases(("σ′(z1)",), _sigmoid_slope_cases),
    "backprop_shapes": HiddenCases(("shape of δ2", "shape of δ1", "shape of dL/dW1", "shape of dL/dw2"),
                                   _backprop_shapes_cases),
    "output_delta": HiddenCases(("δ2",), _output_delta_cases),
    "hidden_deltas": HiddenCases(("δ1",), _hidden_deltas_cases),
    "gradients": HiddenCases(("dL/dW1", "dL/dw2"), _gradients_cases),
}


# --- classic slips (course.slips): changes to the right answer, most specific first ---
# None spells out a link: they are written from the right answer `r`, the arguments, the
# forward pass's own functions, or finite differences.

def _array(value) -> np.ndarray:
    return np.asarray(value, dtype=float)


SLIPS = {
    "loss_slope": (
        Slip("this is the loss itself, not its slope: differentiate (ŷ − y)² with respect to ŷ",
             wrong=lambda r, y_hat, y: (record_losses(y_hat, y),)),
        Slip("the 1/n of the mean does not belong here: ∂L_i/∂ŷ is the slope of one record's loss, and the "
             "mean's 1/n comes in once, in the weight gradients",
             wrong=lambda r, y_hat, y: (r[0] / len(_array(y_hat)),)),
        Slip("the factor 2 of the square's derivative is missing",
             wrong=lambda r, y_hat, y: (r[0] / 2,)),
        Slip("the sign is flipped: the loss grows with ŷ where ŷ is above y",
             wrong=lambda r, y_hat, y: (-r[0],)),
        Slip("that is one number for the whole batch, averaged over the records: ∂L_i/∂ŷ_i has one entry per "
             "record, shape (n,)",
             wrong=lambda r, y_hat, y: (np.mean(r[0]),)),
        Slip("that is one number for the whole batch, summed over the records: ∂L_i/∂ŷ_i has one entry per "
             "record, shape (n,)",
             wrong=lambda r, y_hat, y: (np.sum(r[0]),)),
    ),
    "output_slope": (
        Slip("the exponential is applied to ŷ again: ŷ already is exp(z2), and the slope is wanted at z2",
             wrong=lambda r, y_hat: (np.exp(_array(y_hat)),)),
        Slip("that is the slope of a linear output unit; this one is the exponential",
             wrong=lambda r, y_hat: (np.ones_like(_array(y_hat)),)),
        Slip("that is z2 = log ŷ, the exponential's input, not its slope",
             wrong=lambda r, y_hat: (np.log(_array(y_hat)),)),
    ),
    "sigmoid_slope": (
        Slip("σ is applied to a1 again: a1 already is σ(z1), and the slope is wanted at z1, from a1",
             wrong=lambda r, a1: (measured_slope(sigmoid, a1),)),
        Slip("that is σ(z1) itself (a1), not its slope",
             wrong=lambda r, a1: (_array(a1),)),
        Slip("the sign is flipped: σ rises everywhere, so its slope is positive",
             wrong=lambda r, a1: (-r[0],)),
    ),
    "backprop_shapes": (
        Slip("n and h are swapped: n counts the records (the rows of X), h the hidden units (the columns of W1)",
             wrong=lambda r, n, d, h: ((h,), (h, n), (d, n), (n,))),
        Slip("δ1 is transposed: like z1, it has one row per record and one column per hidden unit",
             wrong=lambda r, n, d, h: (r[0], (h, n), r[2], r[3])),
        Slip("∂L/∂W1 is transposed: a weight's gradient has one entry per weight, laid out like the weight",
             wrong=lambda r, n, d, h: (r[0], r[1], (h, d), r[3])),
        Slip("the deltas are missing the record axis: every record has its own δ",
             wrong=lambda r, n, d, h: ((), (h,), r[2], r[3])),
        Slip("the weight gradients keep a record axis: L is the mean over the records, so ∂L/∂W has one "
             "entry per weight",
             wrong=lambda r, n, d, h: (r[0], r[1], (n, d, h), (n, h))),
        Slip("δ2 is a column: one number per record has shape (n,) in this course",
             wrong=lambda r, n, d, h: ((n, 1), r[1], r[2], r[3])),
        Slip("∂L/∂w2 is a column: w2 has shape (h,), and its gradient is laid out like it",
             wrong=lambda r, n, d, h: (r[0], r[1], r[2], (h, 1))),
    ),
    "output_delta": (
        Slip("the links are added: the chain rule multiplies the slopes along the path",
             wrong=lambda r, loss_slope, output_slope: (_array(loss_slope) + output_slope,)),
        Slip("the exponential's link ∂ŷ/∂z2 is missing: the chain runs from the loss through ŷ down to z2",
             wrong=lambda r, loss_slope, output_slope: (_array(loss_slope),)),
        Slip("the loss's link ∂L_i/∂ŷ is missing: the chain starts at the loss",
             wrong=lambda r, loss_slope, output_slope: (_array(output_slope),)),
        Slip("the 1/n of the mean does not belong in a delta: δ2 is the slope of one record's loss, and the "
             "mean's 1/n comes in once, in the weight gradients",
             wrong=lambda r, loss_slope, output_slope: (r[0] / len(_array(loss_slope)),)),
    ),
    "hidden_deltas": (
        Slip("the sigmoid's link σ′(z1) is missing: the chain runs through each hidden unit's sigmoid",
             wrong=lambda r, delta2, w2, slope: (r[0] / _array(slope),)),
        Slip("the weight w2[j] is missing: hidden unit j reaches z2 through its weight",
             wrong=lambda r, delta2, w2, slope: (r[0] / _array(w2),)),
        Slip("δ2 is missing: every hidden unit reaches the loss through the output unit",
             wrong=lambda r, delta2, w2, slope: (r[0] / _array(delta2)[:, None],)),
        Slip("δ2 has one entry per record and w2 one per hidden unit: each record's δ2 must scale the "
             "whole of w2, giving an (n, h) array",
             shapes=lambda shapes, delta2, w2, slope: np.shape(delta2) != np.shape(w2)
             and {np.shape(delta2), np.shape(w2)} <= set(shapes)),
        Slip("δ1 is summed over the records: every record has its own δ1, one row per record and one column "
             "per hidden unit, (n, h)",
             wrong=lambda r, delta2, w2, slope: (r[0].sum(axis=0),)),
        Slip("the 1/n of the mean does not belong in a delta: δ1 is the slope of one record's loss, and the "
             "mean's 1/n comes in once, in the weight gradients",
             wrong=lambda r, delta2, w2, slope: (r[0] / len(_array(delta2)),)),
    ),
    "gradients": (
        Slip("the gradients are summed over the records: the loss is a mean, so divide by n",
             wrong=lambda r, X, a1, delta2, delta1: (r[0] * len(X), r[1] * len(X))),
        Slip("∂L/∂W1 is summed over the records: the loss is a mean, so divide by n",
             wrong=lambda r, X, a1, delta2, delta1: (r[0] * len(X), r[1])),
        Slip("∂L/∂w2 is summed over the records: the loss is a mean, so divide by n",
             wrong=lambda r, X, a1, delta2, delta1: (r[0], r[1] * len(X))),
    ),
}
