"""Sigmoid networks: lecture 003's two-node network and lecture 001's hidden layer (assignment 2).

What the lectures define lives here: the forward passes, the losses and the
training loops.  The links of the chain (each local derivative), their
compositions (the derivatives, error terms and weight steps) are the
student's: the backward passes here (`two_node_backprop`, `backprop_steps`)
and every training loop take them as arguments, and pass each composition
the link *values*, never computing one itself.

Signs follow the lectures.  The two-node network's gradients are those of
E = ½(out − target)².  Lecture 001's error and error terms are minus the
derivatives, δ = −∂E/∂z for E = ½(y − ŷ)², and its weight steps Δw are *added*
to the weights.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from .activations import sigmoid
from .checks import Case, HiddenCases
from .slips import Slip

# gradients(w0, w1, w2, s0, target) -> (dE/dw0, dE/dw1, dE/dw2): what train_two_node steps with
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


class TwoNodeFunctions(NamedTuple):
    """The student's functions for the two-node chain: three kinds of link, and their composition.

    squared_error_slope(out, target) -> ∂E/∂out
    sigmoid_slope(s) -> ∂s/∂x of s = σ(x), from the unit's output s
    product_slopes(w, s) -> (∂(w·s)/∂w, ∂(w·s)/∂s)
    two_node_gradients(*TwoNodeLinks) -> (∂E/∂w0, ∂E/∂w1, ∂E/∂w2)
    All floats or arrays of one shape, elementwise.
    """

    squared_error_slope: Callable
    sigmoid_slope: Callable
    product_slopes: Callable
    two_node_gradients: Callable


class TwoNodeLinks(NamedTuple):
    """Every link of the two-node chain at one point, from the loss back to w0: two_node_gradients' arguments."""

    dE_dout: float   # the loss E = ½(out − target)² against the output
    dout_dw2: float  # out = w2·s2 against its weight
    dout_ds2: float  # out = w2·s2 against its input
    ds2_dx2: float   # s2 = σ(x2)
    dx2_dw1: float   # x2 = w1·s1 against its weight
    dx2_ds1: float   # x2 = w1·s1 against its input
    ds1_dx1: float   # s1 = σ(x1)
    dx1_dw0: float   # x1 = w0·s0 against its weight


def two_node_links(functions: TwoNodeFunctions, w0: float, w1: float, w2: float, s0: float,
                   target: float) -> TwoNodeLinks:
    """The links at (w0, w1, w2), each from one of `functions` applied to the forward pass's values."""
    forward = two_node_forward(w0, w1, w2, s0)
    dout_dw2, dout_ds2 = functions.product_slopes(w2, forward.s2)
    dx2_dw1, dx2_ds1 = functions.product_slopes(w1, forward.s1)
    dx1_dw0, _ = functions.product_slopes(w0, s0)
    return TwoNodeLinks(functions.squared_error_slope(forward.out, target), dout_dw2, dout_ds2,
                        functions.sigmoid_slope(forward.s2), dx2_dw1, dx2_ds1,
                        functions.sigmoid_slope(forward.s1), dx1_dw0)


def two_node_backprop(functions: TwoNodeFunctions) -> TwoNodeGradients:
    """gradients(w0, w1, w2, s0, target) -> (∂E/∂w0, ∂E/∂w1, ∂E/∂w2): forward, links, composition.

    Only plumbing: the forward pass gives the values, the student's link
    functions turn them into link values, and the student's
    `two_node_gradients` composes those.
    """
    def backward(w0, w1, w2, s0, target):
        return functions.two_node_gradients(*two_node_links(functions, w0, w1, w2, s0, target))

    return backward


def _naming_failures(functions):
    """`functions` (a TwoNodeFunctions or HiddenLayerFunctions) with each one's failure naming it.

    For the graph views: an exception or a missing `return` in one of the student's functions is
    reported as that function's ("ZeroDivisionError: in sigmoid_slope: division by zero"), not as
    an error of the plumbing that called it.
    """
    def named(name, function):
        def call(*args):
            try:
                result = function(*args)
            except NotImplementedError:
                raise NotImplementedError(name) from None
            except Exception as error:  # noqa: BLE001 - re-raised with the function's name
                try:
                    renamed = type(error)(f"in {name}: {error}")
                except Exception:  # noqa: BLE001 - an exception type that takes other arguments
                    raise error from None
                raise renamed from None
            if result is None:
                raise TypeError(f"{name} returned None: did you forget the `return` statement?")
            return result
        return call

    return type(functions)(*(named(name, function) for name, function in functions._asdict().items()))


def two_node_node_gradients(functions: TwoNodeFunctions, values: dict) -> dict:
    """+∂E/∂node for every node of `course.graphs.two_node()` but its inputs, from the student's functions.

    values: the graph's forward values by node name (floats).  The weights' gradients are
    `two_node_gradients` of the links; every node between them is the same composition with every
    link *below* that node set to 1 (∂E/∂x2 is ∂E/∂w1 with ∂x2/∂w1, ∂x2/∂s1 and the links below
    them set to 1), so a wrong link or a wrong product shows at the first node it reaches: a link
    used where another belongs (∂x2/∂s1 for ∂x2/∂w1) at the weight, not at a node above it.
    Nothing here multiplies a link itself.
    """
    functions = _naming_failures(functions)
    links = two_node_links(functions, values["w0"], values["w1"], values["w2"], values["s0"], values["target"])
    compose = functions.two_node_gradients
    order = TwoNodeLinks._fields  # from the loss back to w0

    def below(node_link: str, output: int) -> float:
        """Output `output` of the composition with the link `node_link` and every one after it set to 1."""
        ones = {name: 1.0 for name in order[order.index(node_link):]}
        return compose(*links._replace(**ones))[output]

    dE_dw0, dE_dw1, dE_dw2 = compose(*links)
    return {
        "E": 1.0,
        "out": below("dout_dw2", 2),
        "w2": dE_dw2,
        "s2": below("ds2_dx2", 1),
        "x2": below("dx2_dw1", 1),
        "w1": dE_dw1,
        "s1": below("ds1_dx1", 0),
        "x1": below("dx1_dw0", 0),
        "w0": dE_dw0,
    }


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


class HiddenLayerFunctions(NamedTuple):
    """The student's functions for lecture 001's hidden layer: links, then the compositions.

    output_error(output, target) -> the lecture's error, −∂E/∂ŷ
    sigmoid_slope(s) -> σ′ from a unit's output s, elementwise
    output_error_term(output_error, output_slope) -> δ_o
    hidden_error_term(output_error_term, weights_hidden_output, hidden_slope) -> δ_h
    weight_steps(learning_rate, output_error_term, hidden_error_term, hidden_output, x) -> (Δw_ho, ΔW_ih)
    """

    output_error: Callable
    sigmoid_slope: Callable
    output_error_term: Callable
    hidden_error_term: Callable
    weight_steps: Callable


def backprop_steps(functions: HiddenLayerFunctions, learning_rate: float, x: np.ndarray, targets: np.ndarray,
                   weights_input_hidden: np.ndarray,
                   weights_hidden_output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One backward pass built from the student's functions: (Δw_hidden_output (h,), Δw_input_hidden (d, h)).

    Each function gets values (the forward pass's, or what the previous one
    returned), never another function.  shapes: x (d,) or (n, d); targets () or (n,).
    """
    hidden_output, output = hidden_layer_forward(x, weights_input_hidden, weights_hidden_output)
    delta_output = functions.output_error_term(functions.output_error(output, targets),
                                               functions.sigmoid_slope(output))
    delta_hidden = functions.hidden_error_term(delta_output, weights_hidden_output,
                                               functions.sigmoid_slope(hidden_output))
    return functions.weight_steps(learning_rate, delta_output, delta_hidden, hidden_output, x)


def hidden_layer_node_gradients(functions: HiddenLayerFunctions, values: dict) -> dict:
    """+∂E/∂node for every node of `course.graphs.hidden_layer()` but its inputs, from the student's functions.

    values: the graph's forward values by node name (x (n, d), W_ih (d, h), h (n, h), w_ho (h,),
    y_hat (n,), y (n,)).  E is the mean over the n records and the lecture's δ = −∂E_i/∂z, so each
    gradient is minus the student's value divided by n; the weights' are the steps at η = 1, which
    already average.  ∂E/∂h is `hidden_error_term` with the hidden slopes set to 1.
    """
    n = len(values["y"])
    functions = _naming_failures(functions)
    error = functions.output_error(values["y_hat"], values["y"])
    delta_output = functions.output_error_term(error, functions.sigmoid_slope(values["y_hat"]))
    delta_hidden = functions.hidden_error_term(delta_output, values["w_ho"],
                                               functions.sigmoid_slope(values["h"]))
    step_ho, step_ih = functions.weight_steps(1.0, delta_output, delta_hidden, values["h"], values["x"])
    back_to_h = functions.hidden_error_term(delta_output, values["w_ho"], np.ones_like(values["h"]))
    return {"E": 1.0, "y_hat": -np.asarray(error) / n, "z_o": -np.asarray(delta_output) / n,
            "w_ho": -np.asarray(step_ho), "h": -np.asarray(back_to_h) / n, "z_h": -np.asarray(delta_hidden) / n,
            "W_ih": -np.asarray(step_ih)}


@dataclass
class NetworkRun:
    """A network trained by full-batch gradient descent, one update per epoch."""

    weights_input_hidden: np.ndarray  # (d, h), after training
    weights_hidden_output: np.ndarray  # (h,), after training
    train_loss: np.ndarray  # (epochs + 1,) mean squared error on every training record
    learning_rate: float


def train_hidden_layer(functions: HiddenLayerFunctions, features: np.ndarray, targets: np.ndarray, *,
                       n_hidden: int, epochs: int, learning_rate: float, seed: int = 21) -> NetworkRun:
    """Lecture 001's training loop, vectorised over the records.

    The lecture adds up every record's weight change and applies the sum
    divided by n_records once per epoch: that is one step with the mean over
    the batch, which `backprop_steps` (the student's functions) computes for the
    whole batch at once.
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
            _, output = hidden_layer_forward(features, weights_input_hidden, weights_hidden_output)
            losses[epoch] = np.mean((targets - output) ** 2)
            step_hidden_output, step_input_hidden = backprop_steps(
                functions, learning_rate, features, targets, weights_input_hidden, weights_hidden_output)
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


def _away_from_zero(rng: np.random.Generator, size, scale: float = 1.5) -> np.ndarray:
    """Normal numbers at least 0.1 from 0, so that no factor can hide a missing one."""
    value = rng.normal(0, scale, size)
    return np.where(np.abs(value) < 0.1, np.copysign(0.1, value) + value, value)


def _shape_of_the_case(rng: np.random.Generator, index: int):
    """None (one float), then a vector and a matrix of random sizes: what an elementwise link receives."""
    return (None, (int(rng.integers(2, 9)),), (int(rng.integers(2, 30)), int(rng.integers(1, 7))))[index % 3]


def _squared_error_slope_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for index in range(6):
        size = _shape_of_the_case(rng, index)
        out, target = rng.normal(0.4, 1.0, size), rng.uniform(0, 1, size)
        cases.append(Case((out if size else float(out), target if size else float(target)),
                          "one output" if size is None else f"outputs of shape {size}"))
    cases.append(Case((0.7001, 0.7), "an output 0.0001 above the target"))
    return cases


def _sigmoid_slope_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for index in range(6):
        size = _shape_of_the_case(rng, index)
        s = _probabilities(rng, size)
        cases.append(Case((s if size else float(s),),
                          "one unit's output" if size is None else f"outputs of shape {size}"))
    return cases


def _product_slopes_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for index in range(6):
        size = _shape_of_the_case(rng, index)
        w, s = _away_from_zero(rng, size), _probabilities(rng, size)
        cases.append(Case((w if size else float(w), s if size else float(s)),
                          "one weight and input" if size is None else f"weights and inputs of shape {size}"))
    return cases


def _sigmoid_slopes(rng: np.random.Generator, size) -> np.ndarray:
    """Values a sigmoid's slope can take, in (0, ¼), drawn as they are (this module ships to students:
    it computes no link)."""
    return rng.uniform(0.01, 0.25, size=size)


def _two_node_cases(rng: np.random.Generator) -> list[Case]:
    """Link values as a forward pass could give them: slopes of sigmoids in (0, ¼), the rest non-zero."""
    cases = []
    for _ in range(8):
        sigmoid_slopes = _sigmoid_slopes(rng, 2)
        dE_dout, dout_ds2, dx2_ds1 = _away_from_zero(rng, 3)
        dout_dw2, dx2_dw1 = _probabilities(rng, 2)  # the sigmoids' outputs s2 and s1
        dx1_dw0 = float(_away_from_zero(rng, None, scale=2.0))  # the input s0
        links = TwoNodeLinks(dE_dout, dout_dw2, dout_ds2, sigmoid_slopes[0], dx2_dw1, dx2_ds1,
                             sigmoid_slopes[1], dx1_dw0)
        cases.append(Case(tuple(float(v) for v in links), "links " + ", ".join(
            f"{name} = {value:.3g}" for name, value in links._asdict().items())))
    return cases


def _backprop_shapes_cases(rng: np.random.Generator) -> list[Case]:
    """Batches, widths and input counts all different, so that no two axes can be confused."""
    cases = []
    while len(cases) < 6:
        n, d, h = (int(v) for v in rng.integers(1, 40, 3))
        if len({n, d, h}) == 3:
            cases.append(Case((n, d, h), f"n = {n} records, d = {d} inputs, h = {h} hidden units"))
    return cases


def _output_error_cases(rng: np.random.Generator) -> list[Case]:
    cases = [Case((float(_probabilities(rng, None)), float(rng.uniform())), "one record")]
    for n in sorted(int(n) for n in rng.choice(np.arange(2, 40), 3, replace=False)):
        cases.append(Case((_probabilities(rng, n), rng.integers(0, 2, n).astype(float)),
                          f"a batch of {n} records with 0/1 targets"))
    cases.append(Case((np.array([0.25, 0.6]), np.array([0.2501, 0.5999])), "outputs 0.0001 from the targets"))
    return cases


def _output_error_term_cases(rng: np.random.Generator) -> list[Case]:
    # Errors and slopes drawn in the ranges they take (|y − ŷ| < 1, σ′ in (0, ¼)), not computed.
    cases = [Case((float(_away_from_zero(rng, None, 0.4)), float(_sigmoid_slopes(rng, None))), "one record")]
    for n in sorted(int(n) for n in rng.choice(np.arange(2, 40), 4, replace=False)):
        cases.append(Case((np.clip(_away_from_zero(rng, n, 0.4), -0.97, 0.97), _sigmoid_slopes(rng, n)),
                          f"a batch of {n} records"))
    return cases


def _hidden_error_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for width in sorted(int(w) for w in rng.choice(np.arange(1, 9), 3, replace=False)):
        cases.append(Case((float(rng.normal(0, 0.3)), _away_from_zero(rng, width, 1.0), _sigmoid_slopes(rng, width)),
                          f"one record, {width} hidden unit{'s' * (width > 1)}"))
    for _ in range(3):
        n, width = int(rng.integers(2, 30)), int(rng.integers(1, 9))
        n += n == width  # n ≠ h, so that a missing outer product cannot broadcast
        cases.append(Case((rng.normal(0, 0.3, n), _away_from_zero(rng, width, 1.0), _sigmoid_slopes(rng, (n, width))),
                          f"a batch of {n} records, {width} hidden unit{'s' * (width > 1)}"))
    return cases


def _distinct(rng: np.random.Generator, low: int, high: int, count: int) -> list[int]:
    """`count` different sizes in [low, high): records, inputs and hidden units never coincide, so a
    transposed step or a missing outer product changes the shape, and the hint can name it."""
    return [int(v) for v in rng.choice(np.arange(low, high), count, replace=False)]


def _weight_step_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        d, width = _distinct(rng, 1, 8, 2)
        cases.append(Case((float(rng.uniform(0.01, 1)), float(rng.normal(0, 0.3)), rng.normal(0, 0.1, width),
                           _probabilities(rng, width), rng.normal(0, 1, d)),
                          f"one record, {d} inputs, {width} hidden unit{'s' * (width > 1)}"))
    for _ in range(3):
        n, d, width = _distinct(rng, 2, 20, 3)
        cases.append(Case((float(rng.uniform(0.01, 1)), rng.normal(0, 0.3, n), rng.normal(0, 0.1, (n, width)),
                           _probabilities(rng, (n, width)), rng.normal(0, 1, (n, d))),
                          f"a batch of {n} records, {d} inputs, {width} hidden units", batch_size=n))
    return cases


HIDDEN_CASES = {
    "squared_error_slope": HiddenCases(("∂E/∂out",), _squared_error_slope_cases),
    "sigmoid_slope": HiddenCases(("∂s/∂x",), _sigmoid_slope_cases),
    "product_slopes": HiddenCases(("∂(w·s)/∂w", "∂(w·s)/∂s"), _product_slopes_cases),
    "two_node_gradients": HiddenCases(("dE/dw0", "dE/dw1", "dE/dw2"), _two_node_cases),
    "backprop_shapes": HiddenCases(("shape of δ_o", "shape of δ_h", "shape of Δw_ho", "shape of ΔW_ih"),
                                   _backprop_shapes_cases),
    "output_error": HiddenCases(("output_error",), _output_error_cases),
    "output_error_term": HiddenCases(("output_error_term",), _output_error_term_cases),
    "hidden_error_term": HiddenCases(("hidden_error_term",), _hidden_error_cases),
    "weight_steps": HiddenCases(("delta_w_hidden_output", "delta_w_input_hidden"), _weight_step_cases),
}


# --- classic slips (course.slips): changes to the right answer, most specific first ---
# Each names the link it is about, so that feedback says which link is wrong.

def _records(x) -> int:
    return int(np.atleast_2d(x).shape[0])


def _batch_shapes(delta, weights):
    """The shapes (n,) and (h,) of a batch's error terms and the weights, when they differ."""
    n, h = np.shape(delta), np.shape(weights)
    return (n, h) if len(n) == 1 and n != h else None


def _links(args) -> TwoNodeLinks:
    return TwoNodeLinks(*(float(a) for a in args))


SLIPS = {
    "squared_error_slope": (
        Slip("∂E/∂out (squared_error_slope) is twice too large: E carries ½, which cancels the square's 2",
             wrong=lambda r, out, target: (2 * r[0],)),
        Slip("∂E/∂out (squared_error_slope) has its sign flipped: E grows when out moves away from the "
             "target, so its slope is positive where out is above the target",
             wrong=lambda r, out, target: (-r[0],)),
        Slip("∂E/∂out (squared_error_slope) is the slope of ½(out − target)² with respect to out: "
             "you returned E itself",
             wrong=lambda r, out, target: (r[0] ** 2 / 2,)),
    ),
    "sigmoid_slope": (
        Slip("σ′ (sigmoid_slope) is applied to the output again: s already is σ(x), so write the slope "
             "in s itself, without calling sigmoid",
             wrong=lambda r, s: (_sigmoid_slope_of_sigmoid(s),)),
        Slip("σ′ (sigmoid_slope) returned s itself: the slope is how fast s changes with x, "
             "which is largest at s = ½ and vanishes as s nears 0 or 1",
             wrong=lambda r, s: (np.asarray(s, dtype=float) + 0 * r[0],)),
    ),
    "product_slopes": (
        Slip("∂(w·s)/∂w and ∂(w·s)/∂s (product_slopes) are swapped: the slope with respect to one "
             "factor is the other factor",
             wrong=lambda r, w, s: (r[1], r[0])),
    ),
    "two_node_gradients": (
        Slip("∂E/∂w0 is missing its last link, ∂x1/∂w0",
             wrong=lambda r, *a: (r[0] / _links(a).dx1_dw0, r[1], r[2])),
        Slip("∂E/∂w0 goes from s1 back to x2 through ∂x2/∂w1; the link from s1 is ∂x2/∂s1",
             wrong=lambda r, *a: (r[0] / _links(a).dx2_ds1 * _links(a).dx2_dw1, r[1], r[2])),
        Slip("∂E/∂w0 is missing the link ∂x2/∂s1",
             wrong=lambda r, *a: (r[0] / _links(a).dx2_ds1, r[1], r[2])),
        Slip("∂E/∂w0 is missing the slope of the first sigmoid, ∂s1/∂x1",
             wrong=lambda r, *a: (r[0] / _links(a).ds1_dx1, r[1], r[2])),
        Slip("∂E/∂w1 ends with ∂x2/∂s1; its last link is ∂x2/∂w1",
             wrong=lambda r, *a: (r[0], r[1] / _links(a).dx2_dw1 * _links(a).dx2_ds1, r[2])),
        Slip("∂E/∂w2 ends with ∂out/∂s2, the product's slope with respect to its input; w2's last link is "
             "∂out/∂w2",
             wrong=lambda r, *a: (r[0], r[1], r[2] / _links(a).dout_dw2 * _links(a).dout_ds2)),
        Slip("∂E/∂w1 and ∂E/∂w0 are missing the slope of the second sigmoid, ∂s2/∂x2",
             wrong=lambda r, *a: (r[0] / _links(a).ds2_dx2, r[1] / _links(a).ds2_dx2, r[2])),
        Slip("∂E/∂w1 and ∂E/∂w0 are missing the link ∂out/∂s2",
             wrong=lambda r, *a: (r[0] / _links(a).dout_ds2, r[1] / _links(a).dout_ds2, r[2])),
        Slip("∂E/∂w1 and ∂E/∂w0 go back from out through ∂out/∂w2; the link from out to s2 is ∂out/∂s2",
             wrong=lambda r, *a: (r[0] / _links(a).dout_ds2 * _links(a).dout_dw2,
                                  r[1] / _links(a).dout_ds2 * _links(a).dout_dw2, r[2])),
        Slip("every derivative is missing the first link, ∂E/∂out",
             wrong=lambda r, *a: tuple(v / _links(a).dE_dout for v in r)),
        Slip("the derivatives are in reverse order: return (∂E/∂w0, ∂E/∂w1, ∂E/∂w2)",
             wrong=lambda r, *a: (r[2], r[1], r[0])),
    ),
    "backprop_shapes": (
        Slip("ΔW_ih is transposed: a weight matrix has one row per input and one column per hidden unit, "
             "and its step has the weights' shape",
             wrong=lambda r, n, d, h: (r[0], r[1], r[2], r[3][::-1])),
        Slip("δ_h is transposed: error terms have one row per record",
             wrong=lambda r, n, d, h: (r[0], r[1][::-1], r[2], r[3])),
        Slip("δ_h is missing its batch axis: every record has its own error term for each hidden unit",
             wrong=lambda r, n, d, h: (r[0], r[1][1:], r[2], r[3])),
        Slip("the weight steps keep a batch axis: a step is averaged over the records and has "
             "the shape of the weights it changes",
             wrong=lambda r, n, d, h: (r[0], r[1], (n, *r[2]), (n, *r[3]))),
        Slip("δ_o has one number per record, shape (n,): the output unit is one unit",
             wrong=lambda r, n, d, h: ((), r[1], r[2], r[3])),
        Slip("δ_o is a column, (n, 1): one number per record is shape (n,)",
             wrong=lambda r, n, d, h: ((n, 1), r[1], r[2], r[3])),
        Slip("Δw_ho is a column, (h, 1): a step has the shape of the weights it changes, and w_ho is (h,)",
             wrong=lambda r, n, d, h: (r[0], r[1], (h, 1), r[3])),
    ),
    "output_error": (
        Slip("the error (output_error) has its sign flipped: this assignment's error is the lecture's, "
             "minus ∂E/∂ŷ, positive where the output is below the target",
             wrong=lambda r, output, target: (-r[0],)),
        Slip("the error (output_error) is twice too large: E = ½(y − ŷ)² carries ½, which cancels the "
             "square's 2",
             wrong=lambda r, output, target: (2 * r[0],)),
        Slip("the error (output_error) is the loss's link alone, −∂E/∂ŷ: the output sigmoid's slope is a link "
             "of its own, which output_error_term brings in",
             wrong=lambda r, output, target: (r[0] * _slope_at_output(output),)),
    ),
    "output_error_term": (
        Slip("the output error term is missing the link from ŷ back to z_o, the output sigmoid's slope "
             "(output_slope)",
             wrong=lambda r, error, slope: (r[0] / np.asarray(slope, dtype=float),)),
        Slip("the output error term has its sign flipped: this assignment's δ is minus ∂E/∂z_o, "
             "and output_error already carries that sign",
             wrong=lambda r, error, slope: (-r[0],)),
        Slip("output_slope already is the output sigmoid's slope σ′(z_o): use it as it is, without taking "
             "the sigmoid's slope of it again",
             wrong=lambda r, error, slope: (r[0] * (1 - np.asarray(slope, dtype=float)),)),
    ),
    "hidden_error_term": (
        Slip("the hidden error term is missing the slope of the hidden unit's own sigmoid, hidden_slope",
             wrong=lambda r, delta, weights, slope: (r[0] / np.asarray(slope, dtype=float),)),
        Slip("the hidden error term is missing the weight each hidden unit's share of δ_o comes back "
             "through, w_ho",
             wrong=lambda r, delta, weights, slope: (r[0] / np.asarray(weights, dtype=float),)),
        Slip("hidden_slope already is the hidden sigmoids' slope σ′(z_h): use it as it is, without taking "
             "the sigmoid's slope of it again",
             wrong=lambda r, delta, weights, slope: (r[0] * (1 - np.asarray(slope, dtype=float)),)),
        Slip("with a batch, δ_o has one entry per record and w_ho one per hidden unit: each record's δ_o "
             "must scale the whole weight vector, giving an (n, h) array",
             shapes=lambda shapes, delta, weights, slope: _batch_shapes(delta, weights) is not None
             and set(_batch_shapes(delta, weights)) <= set(shapes)),
    ),
    "weight_steps": (
        Slip("the steps are summed over the records: average them, dividing by the number of records",
             wrong=lambda r, eta, d_o, d_h, hidden, x: (r[0] * _records(x), r[1] * _records(x))),
        Slip("the learning rate is missing: every step is scaled by η",
             wrong=lambda r, eta, *rest: (r[0] / eta, r[1] / eta)),
        Slip("x[:, None] is the lecture's outer product for one record: on a batch x has shape (n, d), "
             "and x[:, None] makes it (n, 1, d), which does not combine with δ_h's (n, h). ΔW_ih has the "
             "weights' shape (d, h), each entry averaged over the records",
             shapes=lambda shapes, *args: any(len(shape) == 3 for shape in shapes)),
        Slip("with one record, δ_o is a float and x, h and δ_h have no batch axis: treat one record as a batch "
             "of one (np.atleast_1d, np.atleast_2d) so that the batch's code serves both",
             shapes=lambda shapes, eta, d_o, d_h, hidden, x: np.ndim(x) == 1),
    ),
}


def _slope_at_output(output):
    """The sigmoid's slope where its output is `output`, by central differences at its input."""
    output, step = np.asarray(output, dtype=float), 1e-5
    x = np.log(output / (1 - output))
    return (sigmoid(x + step) - sigmoid(x - step)) / (2 * step)


def _sigmoid_slope_of_sigmoid(s):
    """The sigmoid's slope at x = s, by central differences: what σ′ gives if fed an output, not an input."""
    s, step = np.asarray(s, dtype=float), 1e-5
    return (sigmoid(s + step) - sigmoid(s - step)) / (2 * step)
