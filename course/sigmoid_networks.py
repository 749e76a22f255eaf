"""Sigmoid networks: lecture 003's two-node network and lecture 001's hidden layer (assignment 2).

What the lectures define lives here: the forward passes, the losses and the
training loops.  The derivatives, error terms and weight steps are the
student's: every training loop takes them as arguments and never computes
one itself.

Signs follow the lectures.  The two-node network's gradients are those of
E = ½(out − target)².  Lecture 001's error terms are δ = (y − ŷ)·σ′(z), minus
∂E/∂z for E = ½(y − ŷ)², and its weight steps Δw are *added* to the weights.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from .activations import sigmoid
from .checks import Case, HiddenCases
from .slips import Slip

# two_node_gradients(w0, w1, w2, s0, target) -> (dE/dw0, dE/dw1, dE/dw2)
TwoNodeGradients = Callable[[float, float, float, float, float], tuple[float, float, float]]


# --- the two-node network (lecture 003) ----------------------------------------

class TwoNodeForward(NamedTuple):
    """Every quantity of the two-node network's forward pass."""

    x1: float   # w0·s0, the first unit's input
    s1: float   # σ(x1)
    x2: float   # w1·s1
    s2: float   # σ(x2)
    out: float  # w2·s2


def two_node_forward(w0: float, w1: float, w2: float, s0: float) -> TwoNodeForward:
    """s0 → x1 = w0·s0 → s1 = σ(x1) → x2 = w1·s1 → s2 = σ(x2) → out = w2·s2; floats or arrays."""
    x1 = w0 * s0
    s1 = sigmoid(x1)
    x2 = w1 * s1
    s2 = sigmoid(x2)
    return TwoNodeForward(x1, s1, x2, s2, w2 * s2)


def two_node_loss(w0: float, w1: float, w2: float, s0: float, target: float) -> float:
    """E = ½(out − target)²."""
    return 0.5 * (two_node_forward(w0, w1, w2, s0).out - target) ** 2


@dataclass
class TwoNodeRun:
    """The weights, output and loss before the first and after every update; each (steps + 1,)."""

    w0: np.ndarray
    w1: np.ndarray
    w2: np.ndarray
    out: np.ndarray
    loss: np.ndarray
    target: float


def train_two_node(gradients: TwoNodeGradients, *, learning_rate: float, steps: int,
                   w0: float = 2.0, w1: float = 1.0, w2: float = 0.5, s0: float = 2.0,
                   target: float = 0.7, sequential: bool = False) -> TwoNodeRun:
    """`steps` updates of the two-node network from (w0, w1, w2), with `gradients` giving ∂E/∂w.

    Gradient descent (the default) computes all three derivatives at the
    current weights, then moves all three.  `sequential=True` reproduces
    lecture 003's loop instead: it moves w2 first, then takes w1's step with
    the *new* w2 in its formula (and w0's with the new w2 and w1), while out,
    s1 and s2 still come from the old forward pass.  Those formulas are
    linear in w2 and w1, so the lecture's steps are the gradients scaled by
    w2_new/w2 and w1_new/w1 (the weights never pass through 0 on its path).
    """
    path = np.empty((steps + 1, 3))
    path[0] = w0, w1, w2
    # Large learning rates throw the weights where exp overflows: that is
    # the lesson, not an error, and nothing may reach stderr.
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            dE_dw0, dE_dw1, dE_dw2 = gradients(w0, w1, w2, s0, target)
            if sequential:
                new_w2 = w2 - learning_rate * dE_dw2
                new_w1 = w1 - learning_rate * dE_dw1 * (new_w2 / w2)
                new_w0 = w0 - learning_rate * dE_dw0 * (new_w2 / w2) * (new_w1 / w1)
                w0, w1, w2 = new_w0, new_w1, new_w2
            else:
                w0, w1, w2 = (w0 - learning_rate * dE_dw0, w1 - learning_rate * dE_dw1,
                              w2 - learning_rate * dE_dw2)
            path[step] = w0, w1, w2
        # The output and loss of every step at once.
        out = two_node_forward(path[:, 0], path[:, 1], path[:, 2], s0).out
        loss = 0.5 * (out - target) ** 2
    return TwoNodeRun(path[:, 0], path[:, 1], path[:, 2], out, loss, target)


# --- one hidden layer of sigmoid units (lecture 001) ---------------------------

def hidden_layer_forward(x: np.ndarray, weights_input_hidden: np.ndarray,
                         weights_hidden_output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hidden_output, output) of d inputs → h sigmoid units → one sigmoid unit.

    shapes: x (d,) for one record or (n, d) for a batch; weights_input_hidden
    (d, h); weights_hidden_output (h,).  Returns hidden_output (h,) or (n, h)
    and output () or (n,).
    """
    hidden_output = sigmoid(np.asarray(x, dtype=float) @ weights_input_hidden)
    return hidden_output, sigmoid(hidden_output @ weights_hidden_output)


def squared_error(x: np.ndarray, targets: np.ndarray, weights_input_hidden: np.ndarray,
                  weights_hidden_output: np.ndarray) -> float:
    """E = mean over the records of ½(y − ŷ)², the loss whose gradient the weight steps descend."""
    _, output = hidden_layer_forward(x, weights_input_hidden, weights_hidden_output)
    return float(np.mean(0.5 * (np.asarray(targets, dtype=float) - output) ** 2))


def initial_weights(n_features: int, n_hidden: int,
                    seed: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """(weights_input_hidden (d, h), weights_hidden_output (h,)) ~ N(0, 1/d): lecture 001's, for its seed 21."""
    # RandomState replays the lecture's np.random.seed(21) stream without touching numpy's global state.
    rng = np.random.RandomState(seed)
    scale = 1 / np.sqrt(n_features)
    return (rng.normal(scale=scale, size=(n_features, n_hidden)),
            rng.normal(scale=scale, size=n_hidden))


def backprop_steps(output_error_term: Callable, hidden_error_term: Callable, weight_steps: Callable,
                   learning_rate: float, x: np.ndarray, targets: np.ndarray,
                   weights_input_hidden: np.ndarray,
                   weights_hidden_output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One backward pass built from the three functions: (Δw_hidden_output (h,), Δw_input_hidden (d, h)).

    shapes: x (d,) or (n, d); targets () or (n,).
    """
    hidden_output, output = hidden_layer_forward(x, weights_input_hidden, weights_hidden_output)
    delta_output = output_error_term(output, targets)
    delta_hidden = hidden_error_term(delta_output, weights_hidden_output, hidden_output)
    return weight_steps(learning_rate, delta_output, delta_hidden, hidden_output, x)


@dataclass
class NetworkRun:
    """A network trained by full-batch gradient descent, one update per epoch."""

    weights_input_hidden: np.ndarray  # (d, h), after training
    weights_hidden_output: np.ndarray  # (h,), after training
    train_loss: np.ndarray  # (epochs + 1,) mean squared error on every training record
    learning_rate: float


def train_hidden_layer(output_error_term: Callable, hidden_error_term: Callable,
                       weight_steps: Callable, features: np.ndarray, targets: np.ndarray, *,
                       n_hidden: int, epochs: int, learning_rate: float, seed: int = 21) -> NetworkRun:
    """Lecture 001's training loop, vectorised over the records.

    The lecture adds up every record's weight change and applies the sum
    divided by n_records once per epoch: that is one step with the mean over
    the batch, which `weight_steps` computes for the whole batch at once.
    train_loss is the mean of (y − ŷ)² over *all* training records, as the
    lecture prints it (without the ½), before every update and after the last.
    shapes: features (n, d), targets (n,).
    """
    features = np.asarray(features, dtype=float)
    targets = np.asarray(targets, dtype=float)
    weights_input_hidden, weights_hidden_output = initial_weights(features.shape[1], n_hidden, seed)
    losses = np.empty(epochs + 1)
    with np.errstate(all="ignore"):
        for epoch in range(epochs):
            hidden_output, output = hidden_layer_forward(features, weights_input_hidden,
                                                         weights_hidden_output)
            losses[epoch] = np.mean((targets - output) ** 2)
            delta_output = output_error_term(output, targets)
            delta_hidden = hidden_error_term(delta_output, weights_hidden_output, hidden_output)
            step_hidden_output, step_input_hidden = weight_steps(
                learning_rate, delta_output, delta_hidden, hidden_output, features)
            # The lecture's error terms are minus the gradient: the steps are added.
            weights_hidden_output = weights_hidden_output + step_hidden_output
            weights_input_hidden = weights_input_hidden + step_input_hidden
        _, output = hidden_layer_forward(features, weights_input_hidden, weights_hidden_output)
        losses[epochs] = np.mean((targets - output) ** 2)
    return NetworkRun(weights_input_hidden, weights_hidden_output, losses, learning_rate)


def accuracy(run: NetworkRun, features: np.ndarray, targets: np.ndarray) -> float:
    """The fraction of records whose prediction (output > 0.5) equals the target."""
    _, output = hidden_layer_forward(features, run.weights_input_hidden, run.weights_hidden_output)
    return float(np.mean((output > 0.5) == (np.asarray(targets) > 0.5)))


def majority_accuracy(train_targets: np.ndarray, test_targets: np.ndarray) -> float:
    """Test accuracy of always predicting the training set's more frequent class."""
    majority = float(np.mean(train_targets) > 0.5)
    return float(np.mean(np.asarray(test_targets, dtype=float) == majority))


# --- hidden-test cases: what the grader feeds each graded function ----------------

def _probabilities(rng: np.random.Generator, size) -> np.ndarray:
    """Sigmoid outputs away from 0 and 1, where finite differences stay accurate."""
    return rng.uniform(0.03, 0.97, size=size)


def _two_node_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for w0, w1, w2, s0, target in zip(rng.normal(0, 1.5, 7), rng.normal(0, 1.5, 7), rng.normal(0, 1.5, 7),
                                      rng.uniform(-3, 3, 7), rng.uniform(0, 1, 7)):
        cases.append(Case((float(w0), float(w1), float(w2), float(s0), float(target)),
                          f"w = ({w0:.3g}, {w1:.3g}, {w2:.3g}), s0 = {s0:.3g}, target = {target:.3g}"))
    near_target = float(two_node_forward(0.7, -1.2, 1.5, 1.0).out) + 1e-3
    cases.append(Case((0.7, -1.2, 1.5, 1.0, near_target), "output 0.001 below the target"))
    cases.append(Case((-1.0, 2.0, -0.5, -2.5, 0.9), "negative input and weights"))
    return cases


def _output_error_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case((float(_probabilities(rng, None)), float(rng.uniform())), "one record")]
    for n in (1, 4, 25):
        cases.append(Case((_probabilities(rng, n), rng.integers(0, 2, n).astype(float)),
                          f"a batch of {n} records with 0/1 targets"))
    cases.append(Case((_probabilities(rng, 6), rng.uniform(size=6)), "a batch of 6 records, targets in [0, 1]"))
    cases.append(Case((np.array([0.25, 0.6]), np.array([0.2501, 0.5999])), "outputs 0.0001 from the targets"))
    return cases


def _hidden_error_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for width in (1, 2, 5):
        cases.append(Case((float(rng.normal(0, 0.3)), rng.normal(0, 1, width), _probabilities(rng, width)),
                          f"one record, {width} hidden unit{'s' * (width > 1)}"))
    for n, width in ((4, 2), (10, 5), (3, 1)):
        cases.append(Case((rng.normal(0, 0.3, n), rng.normal(0, 1, width), _probabilities(rng, (n, width))),
                          f"a batch of {n} records, {width} hidden unit{'s' * (width > 1)}"))
    return cases


def _weight_step_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for d, width in ((3, 2), (6, 5), (1, 1)):
        cases.append(Case((float(rng.uniform(0.01, 1)), float(rng.normal(0, 0.3)), rng.normal(0, 0.1, width),
                           _probabilities(rng, width), rng.normal(0, 1, d)),
                          f"one record, {d} inputs, {width} hidden unit{'s' * (width > 1)}"))
    for n, d, width in ((4, 3, 2), (12, 6, 5), (2, 2, 3)):
        cases.append(Case((float(rng.uniform(0.01, 1)), rng.normal(0, 0.3, n), rng.normal(0, 0.1, (n, width)),
                           _probabilities(rng, (n, width)), rng.normal(0, 1, (n, d))),
                          f"a batch of {n} records, {d} inputs, {width} hidden units", batch_size=n))
    return cases


HIDDEN_CASES = {
    "two_node_gradients": HiddenCases(("dE/dw0", "dE/dw1", "dE/dw2"), _two_node_cases),
    "output_error_term": HiddenCases(("output_error_term",), _output_error_cases),
    "hidden_error_term": HiddenCases(("hidden_error_term",), _hidden_error_cases),
    "weight_steps": HiddenCases(("delta_w_hidden_output", "delta_w_input_hidden"), _weight_step_cases),
}


# --- classic slips (course.slips): changes to the right answer, most specific first ---

def _slopes(w0, w1, w2, s0):
    """The two sigmoids' slopes σ′(x1) = s1(1 − s1) and σ′(x2) = s2(1 − s2) of the forward pass."""
    f = two_node_forward(w0, w1, w2, s0)
    return f.s1 * (1 - f.s1), f.s2 * (1 - f.s2)


def _sigmoid_slope(value):
    value = np.asarray(value, dtype=float)
    return value * (1 - value)


def _records(x) -> int:
    return int(np.atleast_2d(x).shape[0])


def _batch_shapes(delta, weights):
    """The shapes (n,) and (h,) of a batch's error terms and the weights, when they differ."""
    n, h = np.shape(delta), np.shape(weights)
    return (n, h) if len(n) == 1 and n != h else None


SLIPS = {
    "two_node_gradients": (
        Slip("∂E/∂w0 is missing its last link, ∂x1/∂w0 = s0",
             wrong=lambda r, w0, w1, w2, s0, t: (r[0] / s0, r[1], r[2])),
        Slip("∂E/∂w0 is missing the link ∂x2/∂s1 = w1",
             wrong=lambda r, w0, w1, w2, s0, t: (r[0] / w1, r[1], r[2])),
        Slip("∂E/∂w0 is missing the slope of the first sigmoid, σ′(x1) = s1·(1 − s1)",
             wrong=lambda r, w0, w1, w2, s0, t: (r[0] / _slopes(w0, w1, w2, s0)[0], r[1], r[2])),
        Slip("∂E/∂w1 and ∂E/∂w0 are missing the slope of the second sigmoid, σ′(x2) = s2·(1 − s2)",
             wrong=lambda r, w0, w1, w2, s0, t: (r[0] / _slopes(w0, w1, w2, s0)[1],
                                                 r[1] / _slopes(w0, w1, w2, s0)[1], r[2])),
        Slip("∂E/∂w1 and ∂E/∂w0 are missing the link ∂out/∂s2 = w2",
             wrong=lambda r, w0, w1, w2, s0, t: (r[0] / w2, r[1] / w2, r[2])),
        Slip("every derivative is twice too large: E carries ½, so ∂E/∂out = out − target "
             "(the ½ cancels the square's 2)",
             wrong=lambda r, *args: (2 * r[0], 2 * r[1], 2 * r[2])),
        Slip("the sign is flipped: ∂E/∂out = out − target, output minus target",
             wrong=lambda r, *args: (-r[0], -r[1], -r[2])),
    ),
    "output_error_term": (
        Slip("σ′ is applied to the output again: the output already is σ(z_o), so "
             "σ′(z_o) = output·(1 − output)",
             wrong=lambda r, output, target: (r[0] / _sigmoid_slope(output)
                                              * _sigmoid_slope(1 / (1 + np.exp(-np.asarray(output, float)))),)),
        Slip("the output error term is missing the sigmoid's slope σ′(z_o) = output·(1 − output)",
             wrong=lambda r, output, target: (r[0] / _sigmoid_slope(output),)),
        Slip("the sign is flipped: this assignment's error term is (target − output)·σ′, "
             "which is minus ∂E/∂z_o",
             wrong=lambda r, output, target: (-r[0],)),
    ),
    "hidden_error_term": (
        Slip("the hidden error term is missing the sigmoid's slope σ′(z_h) = h·(1 − h)",
             wrong=lambda r, delta, weights, hidden: (r[0] / _sigmoid_slope(hidden),)),
        Slip("with a batch, δ_o has one entry per record and w_ho one per hidden unit: each record's δ_o "
             "must scale the whole weight vector, giving an (n, h) array",
             shapes=lambda shapes, delta, weights, hidden: _batch_shapes(delta, weights) is not None
             and set(_batch_shapes(delta, weights)) <= set(shapes)),
    ),
    "weight_steps": (
        Slip("the steps are summed over the records: average them, dividing by the number of records",
             wrong=lambda r, eta, d_o, d_h, hidden, x: (r[0] * _records(x), r[1] * _records(x))),
        Slip("the learning rate is missing: a step is η × error term × input",
             wrong=lambda r, eta, *rest: (r[0] / eta, r[1] / eta)),
        Slip("x[:, None] is the lecture's outer product for one record: on a batch x has shape (n, d), "
             "and x[:, None] makes it (n, 1, d). Form each record's outer product of x and δ_h and "
             "average them over the records",
             shapes=lambda shapes, *args: any(len(shape) == 3 for shape in shapes)),
    ),
}
