"""A network with several outputs: tanh hidden units, a softmax over k classes, cross-entropy (assignment 5).

    z1 = X W1 + b1 (n, h)   a1 = tanh(z1) (n, h)   z2 = a1 W2 + b2 (n, k)   ŷ = softmax(z2) (n, k)
    L = mean over the n records of L_i,   L_i = −Σ_j y_ij log ŷ_ij   (Y one-hot, (n, k))

What the text defines lives here: the forward pass, the loss, the data, and the plumbing
(`backprop`, `train`) that takes the student's links and compositions as arguments. The
links themselves (the loss's and the softmax's derivatives, the hidden slope, the error
terms and the gradients) are the student's: nothing here computes one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, NamedTuple

import numpy as np

from . import data
from .checks import Case, HiddenCases
from .slips import Slip


def class_probabilities(Z: np.ndarray) -> np.ndarray:
    """The softmax of each row of logits Z (n, k): every class's probability, (n, k).

    scipy's, not written out here: this package ships to students, and assignment 1 asks them for
    their own softmax.
    """
    from scipy.special import softmax  # imported when first called: the hidden-test probe imports this module

    return softmax(np.asarray(Z, dtype=float), axis=1)


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """Labels (n,) in 0..classes−1 as one-hot rows Y (n, classes)."""
    labels = np.asarray(labels, dtype=int)
    Y = np.zeros((len(labels), classes))
    Y[np.arange(len(labels)), labels] = 1.0
    return Y


class Forward(NamedTuple):
    """Every quantity of the forward pass, for a batch of n records."""

    z1: np.ndarray     # X W1 + b1, (n, h): the hidden units' inputs
    a1: np.ndarray     # tanh(z1), (n, h)
    z2: np.ndarray     # a1 W2 + b2, (n, k): the outputs' inputs (logits)
    y_hat: np.ndarray  # softmax(z2), (n, k): each row a probability for every class


def forward(X: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray) -> Forward:
    """The forward pass. shapes: X (n, d), W1 (d, h), b1 (h,), W2 (h, k), b2 (k,)."""
    z1 = np.asarray(X, dtype=float) @ W1 + b1  # b1 (h,) is broadcast to every record's row
    a1 = np.tanh(z1)
    z2 = a1 @ W2 + b2
    return Forward(z1, a1, z2, class_probabilities(z2))


def cross_entropy_of(z2: np.ndarray, Y: np.ndarray) -> float:
    """The mean over the records of −Σ_j y_ij log softmax(z2)_ij, by the log-softmax: no log of 0."""
    shifted = z2 - z2.max(axis=1, keepdims=True)
    log_y_hat = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(np.sum(Y * log_y_hat, axis=1)))


def cross_entropy(X: np.ndarray, Y: np.ndarray, W1, b1, W2, b2) -> float:
    """L = mean over the records of −Σ_j y_ij log ŷ_ij. shapes: X (n, d), Y (n, k) one-hot."""
    return cross_entropy_of(forward(X, W1, b1, W2, b2).z2, Y)


def accuracy(X: np.ndarray, labels: np.ndarray, W1, b1, W2, b2) -> float:
    """The fraction of records whose most probable class is their label."""
    return float(np.mean(np.argmax(forward(X, W1, b1, W2, b2).z2, axis=1) == labels))


# --- the data and the starting weights ------------------------------------------

def three_classes() -> tuple[np.ndarray, np.ndarray]:
    """The demo's data: X (150, 2) and labels (150,) in {0, 1, 2} (course.data.three_classes)."""
    return data.three_classes()


def initial_weights(d: int, h: int, k: int, seed: int = 5, scale: float = 0.5):
    """Random starting weights (W1 (d, h), b1 (h,), W2 (h, k), b2 (k,)), none zero, no two units alike.

    Two hidden units with the same weights compute the same output and get the same gradient,
    so they would stay twins for ever: random weights break that symmetry.
    """
    rng = np.random.default_rng(seed)
    return (rng.normal(0, scale, (d, h)), rng.normal(0, 0.1, h),
            rng.normal(0, scale, (h, k)), rng.normal(0, 0.1, k))


class Example(NamedTuple):
    """The visible checks' small network: 5 records, 2 inputs, 4 hidden units, 3 classes (course.data)."""

    X: np.ndarray       # (5, 2)
    Y: np.ndarray       # (5, 3), one-hot
    W1: np.ndarray      # (2, 4)
    b1: np.ndarray      # (4,)
    W2: np.ndarray      # (4, 3)
    b2: np.ndarray      # (3,)


def example() -> Example:
    """The visible checks' network, a fresh copy each call (a test cannot be changed by a cell before it)."""
    values = {name: np.array(value, dtype=float) for name, value in data.SOFTMAX_NETWORK_EXAMPLE.items()}
    return Example(values["X"], one_hot(values["labels"], 3), values["W1"], values["b1"], values["W2"],
                   values["b2"])


# --- the backward pass, from the student's functions ------------------------------

class Gradients(NamedTuple):
    """∂L/∂ of every parameter: W1 (d, h), b1 (h,), W2 (h, k), b2 (k,)."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray


@dataclass(frozen=True)
class Links:
    """The student's functions, one per link or composition (see the notebook)."""

    output_error: Callable      # (y_hat (n, k), Y (n, k)) -> δ_o (n, k)
    hidden_slope: Callable      # (a1 (n, h)) -> (n, h)
    hidden_error: Callable      # (δ_o (n, k), W2 (h, k), slope (n, h)) -> δ_h (n, h)
    weight_gradients: Callable  # (X, δ_h, a1, δ_o) -> (∂L/∂W1 (d, h), ∂L/∂W2 (h, k))
    bias_gradients: Callable    # (δ_h, δ_o) -> (∂L/∂b1 (h,), ∂L/∂b2 (k,))


def backprop(links: Links, X: np.ndarray, Y: np.ndarray, W1, b1, W2, b2) -> Gradients:
    """The whole backward pass: the forward pass, then each of the student's functions in turn."""
    z1, a1, z2, y_hat = forward(X, W1, b1, W2, b2)
    delta_o = np.asarray(links.output_error(y_hat, Y), dtype=float)
    delta_h = np.asarray(links.hidden_error(delta_o, W2, links.hidden_slope(a1)), dtype=float)
    dW1, dW2 = links.weight_gradients(X, delta_h, a1, delta_o)
    db1, db2 = links.bias_gradients(delta_h, delta_o)
    return Gradients(*(np.asarray(g, dtype=float) for g in (dW1, db1, dW2, db2)))


def graph():
    """The network's computational graph (course.graph), the notebook's names and shapes, tanh hidden units.

    Inputs: X (n, d), Y (n, k). Parameters: W1 (d, h), b1 (h,), W2 (h, k), b2 (k,).
    Values: z1, a1, z2, y_hat. Loss: L, the mean cross-entropy.
    """
    from .graphs import layered_softmax  # imported when drawn: hidden tests import this module

    return layered_softmax()


def node_gradients(values: dict, functions: Mapping[str, Callable]) -> dict:
    """+∂L/∂node for the graph's nodes, from the student's functions, for those already written.

    values: the graph's forward values (course.graph). functions: the student's functions by name,
    e.g. the notebook's globals(); a function not defined yet, or still raising NotImplementedError,
    leaves its nodes out (the view shows them as missing). The links give each record's derivatives
    (∂L_i/∂·); L is their mean, so those are divided by n. ∂L/∂a1 is δ_h divided by the slope: the
    step before the slope multiplied it in.
    """
    X, Y, W2, a1, y_hat = (np.asarray(values[name], dtype=float) for name in ("X", "Y", "W2", "a1", "y_hat"))
    n = len(X)

    def call(name, *args):
        function = functions.get(name)
        if args and any(a is None for a in args) or not callable(function):
            return None
        try:
            with np.errstate(all="ignore"):
                return function(*args)
        except NotImplementedError:
            return None

    gradients: dict = {"L": 1.0}
    slope_of_loss = call("cross_entropy_slope", y_hat, Y)
    delta_o = call("output_error", y_hat, Y)
    slope = call("hidden_slope", a1)
    delta_h = call("hidden_error", delta_o, W2, slope)
    weights = call("weight_gradients", X, delta_h, a1, delta_o)
    biases = call("bias_gradients", delta_h, delta_o)
    with np.errstate(divide="ignore", invalid="ignore"):
        if slope_of_loss is not None:
            gradients["y_hat"] = np.asarray(slope_of_loss, dtype=float) / n
        if delta_o is not None:
            gradients["z2"] = np.asarray(delta_o, dtype=float) / n
        if delta_h is not None:
            gradients["z1"] = np.asarray(delta_h, dtype=float) / n
            gradients["a1"] = gradients["z1"] / np.asarray(slope, dtype=float)
    if weights is not None:
        gradients["W1"], gradients["W2"] = weights
    if biases is not None:
        gradients["b1"], gradients["b2"] = biases
    return gradients


@dataclass
class TrainingRun:
    """Weights after training, and the loss and accuracy before each step and after the last."""

    weights: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    losses: np.ndarray
    accuracies: np.ndarray


def train(links: Links, X: np.ndarray, labels: np.ndarray, weights, *, learning_rate: float,
          steps: int) -> TrainingRun:
    """`steps` full-batch gradient-descent steps on the mean cross-entropy, with the student's backprop."""
    k = len(np.asarray(weights[3]))
    Y = one_hot(labels, k)
    W1, b1, W2, b2 = (np.array(w, dtype=float) for w in weights)
    losses, accuracies = np.full(steps + 1, np.nan), np.full(steps + 1, np.nan)
    with np.errstate(over="ignore", invalid="ignore"):  # a far too large η is shown, not warned about
        for step in range(steps + 1):
            z2 = forward(X, W1, b1, W2, b2).z2  # one forward pass for the loss and the accuracy
            losses[step] = cross_entropy_of(z2, Y)
            accuracies[step] = np.mean(np.argmax(z2, axis=1) == labels)
            if step == steps or not np.isfinite(losses[step]):
                break
            gradient = backprop(links, X, Y, W1, b1, W2, b2)
            W1, b1 = W1 - learning_rate * gradient.W1, b1 - learning_rate * gradient.b1
            W2, b2 = W2 - learning_rate * gradient.W2, b2 - learning_rate * gradient.b2
    return TrainingRun((W1, b1, W2, b2), losses, accuracies)


# --- hidden-test cases ---------------------------------------------------------

def _sizes(rng: np.random.Generator) -> list[tuple[int, int, int, int]]:
    """(records n, inputs d, hidden units h, classes k): all different, h and k at least 2, and random."""
    fixed = [(1, 2, 3, 4), (5, 2, 4, 3), (7, 3, 2, 5), (12, 4, 6, 2)]
    drawn = []
    while len(drawn) < 3:
        n, d, h, k = (int(rng.integers(low, high)) for low, high in ((8, 60), (1, 7), (2, 12), (2, 9)))
        if len({n, d, h, k}) == 4:
            drawn.append((n, d, h, k))
    return fixed + drawn


def _network(rng, n, d, h, k):
    """A random network of these sizes (no zero weights, no two units alike) and its forward pass."""
    X = rng.normal(0, 1, (n, d))
    W1, b1 = rng.normal(0, 0.8, (d, h)), rng.normal(0, 0.3, h)
    W2, b2 = rng.normal(0, 0.8, (h, k)), rng.normal(0, 0.3, k)
    Y = one_hot(rng.integers(0, k, n), k)
    return X, Y, (W1, b1, W2, b2), forward(X, W1, b1, W2, b2)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "es" if word.endswith("s") else "s")


def _where(n, d, h, k) -> str:
    return f"{_plural(n, 'record')}, {_plural(d, 'input')}, {_plural(h, 'hidden unit')}, {_plural(k, 'class')}"


# Large enough that a gradient by finite differences (one forward pass per entry) runs past the
# per-call limit, while the derivative by hand takes milliseconds.
LARGE = (1000, 20, 120, 100)


def _shapes_cases(rng):
    cases = [Case((n, d, h, k), _where(n, d, h, k)) for n, d, h, k in _sizes(rng)]
    return cases + [Case((1000, 784, 64, 10), "an MNIST-sized network: 1000 records, 784 inputs, 64 hidden, 10 classes")]


def _cross_entropy_slope_cases(rng):
    cases = []
    for n, d, h, k in _sizes(rng):
        # Logits within ±1: no probability below e^−2/k, so the derivative stays moderate.
        y_hat = class_probabilities(np.clip(rng.normal(0, 0.7, (n, k)), -1, 1))
        cases.append(Case((y_hat, one_hot(rng.integers(0, k, n), k)), f"{_plural(n, 'record')}, {_plural(k, 'class')}",
                          batch_size=n))
    # Confident and wrong: the true class gets probability 0.02.
    cases.append(Case((np.array([[0.02, 0.9, 0.08], [0.5, 0.3, 0.2]]), np.array([[1.0, 0, 0], [0, 0, 1.0]])),
                      "a confident wrong prediction", batch_size=2))
    return cases


def _softmax_vjp_cases(rng):
    cases = []
    for n, d, h, k in _sizes(rng):
        y_hat = class_probabilities(rng.normal(0, 1, (n, k)))
        cases.append(Case((y_hat, rng.normal(0, 1, (n, k))), f"{_plural(n, 'record')}, {_plural(k, 'class')}"))
    logits = np.array([[1000.0, 1001.0, 995.0], [-1000.0, -1003.0, -1001.0]])  # the shifted softmax handles them
    cases.append(Case((class_probabilities(logits), rng.normal(0, 1, (2, 3))), "probabilities from very large logits"))
    n, d, h, k = LARGE
    cases.append(Case((class_probabilities(rng.normal(0, 2, (n, k))), rng.normal(0, 1, (n, k))),
                      f"a large batch: {n} records, {k} classes", large=True))
    return cases


def _output_error_cases(rng):
    cases = []
    for n, d, h, k in _sizes(rng):
        cases.append(Case((_network(rng, n, d, h, k)[3].y_hat, one_hot(rng.integers(0, k, n), k)),
                          f"{_plural(n, 'record')}, {_plural(k, 'class')}", batch_size=n))
    # Logits 40 apart: the wrong classes' probabilities are about e^−40, where the loss's link on its
    # own is huge; the combined link stays between −1 and 1.
    logits = np.array([[1000.0, 1040.0, 1001.0], [3.0, -37.0, 2.0]])
    cases.append(Case((class_probabilities(logits), np.array([[1.0, 0, 0], [0, 1.0, 0]])),
                      "very large logits, confidently wrong", batch_size=2))
    # Logits 800 apart: the target's probability rounds to exactly 0 (and a right one to exactly 1).
    logits = np.array([[0.0, 800.0, 799.0], [5.0, -900.0, 3.0], [900.0, 0.0, 1.0], [1.0, 2.0, -850.0]])
    cases.append(Case((class_probabilities(logits), one_hot([0, 1, 0, 2], 3)), "probabilities rounded to exactly 0 and 1",
                      batch_size=4))
    n, d, h, k = LARGE
    cases.append(Case((class_probabilities(rng.normal(0, 2, (n, k))), one_hot(rng.integers(0, k, n), k)),
                      f"a large batch: {n} records, {k} classes", batch_size=n, large=True))
    return cases


def _hidden_slope_cases(rng):
    cases = [Case((np.tanh(rng.normal(0, 1.5, (n, h))),), f"{_plural(n, 'record')}, {_plural(h, 'hidden unit')}")
             for n, d, h, k in _sizes(rng)]
    cases.append(Case((np.tanh(np.array([[-5.0, 5.0, 0.0], [0.01, -0.01, 3.0]])),), "nearly saturated and near-zero units"))
    return cases


def _hidden_error_cases(rng):
    cases = []
    for n, d, h, k in _sizes(rng):
        X, Y, (W1, b1, W2, b2), (z1, a1, z2, y_hat) = _network(rng, n, d, h, k)
        # δ_o and the slope of the size a forward pass gives (a tanh unit's slope lies in (0, 1]), drawn
        # directly: any values are valid inputs.
        cases.append(Case((rng.normal(0, 0.5, (n, k)), W2, rng.uniform(0.05, 1.0, (n, h))), _where(n, d, h, k),
                          batch_size=n))
    n, d, h, k = LARGE
    cases.append(Case((rng.normal(0, 0.5, (n, k)), rng.normal(0, 0.3, (h, k)), rng.uniform(0.05, 1.0, (n, h))),
                      f"a large network: {_where(n, d, h, k)}", batch_size=n, large=True))
    return cases


def _weight_gradients_cases(rng):
    cases = []
    for n, d, h, k in _sizes(rng):
        X, Y, weights, (z1, a1, z2, y_hat) = _network(rng, n, d, h, k)
        cases.append(Case((X, rng.normal(0, 0.3, (n, h)), a1, rng.normal(0, 0.5, (n, k))), _where(n, d, h, k),
                          batch_size=n))
    n, d, h, k = LARGE
    X, Y, weights, (z1, a1, z2, y_hat) = _network(rng, n, d, h, k)
    cases.append(Case((X, rng.normal(0, 0.3, (n, h)), a1, rng.normal(0, 0.5, (n, k))),
                      f"a large network: {_where(n, d, h, k)}", batch_size=n, large=True))
    return cases


def _bias_gradients_cases(rng):
    cases = [Case((rng.normal(0, 0.3, (n, h)), rng.normal(0, 0.5, (n, k))),
                  f"{_plural(n, 'record')}, {_plural(h, 'hidden unit')}, {_plural(k, 'class')}", batch_size=n)
             for n, d, h, k in _sizes(rng) if n > 1]
    cases.append(Case((rng.normal(0, 0.3, (1, 3)), rng.normal(0, 0.5, (1, 2))), "a single record", batch_size=1))
    return cases


SHAPE_NAMES = ("shape of δ_o", "shape of δ_h", "shape of ∂L/∂W1", "shape of ∂L/∂b1", "shape of ∂L/∂W2",
               "shape of ∂L/∂b2")

HIDDEN_CASES = {
    "network_shapes": HiddenCases(SHAPE_NAMES, _shapes_cases),
    "cross_entropy_slope": HiddenCases(("∂L_i/∂ŷ",), _cross_entropy_slope_cases),
    "softmax_vjp": HiddenCases(("∂L_i/∂z",), _softmax_vjp_cases),
    "output_error": HiddenCases(("δ_o",), _output_error_cases),
    "hidden_slope": HiddenCases(("∂a1/∂z1",), _hidden_slope_cases),
    "hidden_error": HiddenCases(("δ_h",), _hidden_error_cases),
    "weight_gradients": HiddenCases(("∂L/∂W1", "∂L/∂W2"), _weight_gradients_cases),
    "bias_gradients": HiddenCases(("∂L/∂b1", "∂L/∂b2"), _bias_gradients_cases),
}


# --- classic slips (course.slips): changes to the right answer or properties, most specific first ---
# None of them holds a graded formula: each changes the right answer (a sign, a factor n, a
# transpose) or names a property every right answer has.

def _swap(shape) -> np.ndarray:
    return np.asarray(shape, dtype=float)[::-1]


def _rows_do_not_sum_to_zero(got, y_hat, upstream) -> bool:
    gradient = np.asarray(got[0], dtype=float)
    if gradient.shape != np.shape(y_hat):
        return False
    scale = max(float(np.max(np.abs(gradient), initial=0.0)), 1e-300)
    return not np.allclose(gradient.sum(axis=1) / scale, 0.0, atol=1e-9)


def _one_outputs_pattern(got, delta_o, W2, slope) -> bool:
    """Every record's δ_h row a multiple of one pattern, where k ≥ 2 outputs each add their own."""
    got = np.asarray(got[0], dtype=float)
    slope = np.asarray(slope, dtype=float)
    if got.shape != slope.shape or min(got.shape + np.shape(W2)) < 2 or np.any(slope == 0):
        return False
    singular = np.linalg.svd(got / slope, compute_uv=False)
    return bool(singular[0] > 0 and singular[1] < 1e-9 * singular[0])


def _error_terms_transposed(got, n, d, h, k) -> bool:
    """δ_o given as (k, n) or δ_h as (h, n): the units' axis first (the sizes all differ in every case)."""
    return [int(size) for size in np.ravel(got[0])] == [k, n] or [int(size) for size in np.ravel(got[1])] == [h, n]


def _not_finite_where_a_probability_is_zero(got, y_hat, y) -> bool:
    """inf or nan in a record whose ŷ has an entry exactly 0 (and only there): a division by that 0."""
    got, y_hat = np.asarray(got[0], dtype=float), np.asarray(y_hat, dtype=float)
    if got.shape != y_hat.shape or not np.all(np.isfinite(y_hat)):
        return False
    bad_rows = ~np.all(np.isfinite(got), axis=1)
    return bool(bad_rows.any() and np.all(np.any(y_hat[bad_rows] == 0, axis=1)))


def _summed_over_units(got, hidden_error, output_error) -> bool:
    n = len(hidden_error)
    return np.shape(got[0]) == (n,) or np.shape(got[1]) == (n,)


SLIPS = {
    "network_shapes": (
        Slip("δ_o and δ_h hold one row per record: the error terms are per record, so their first axis is n",
             wrong=lambda r, n, d, h, k: (r[0][1:], r[1][1:], *r[2:])),
        Slip("an error term holds one row per record and one column per unit: δ_o is (n, k) and δ_h is (n, h), "
             "not (units, records)",
             violated=_error_terms_transposed),
        Slip("a bias gradient has the shape of its bias: ∂L/∂b1 has h entries and ∂L/∂b2 has k, one per "
             "unit, whatever the number of records",
             wrong=lambda r, n, d, h, k: (r[0], r[1], r[2], np.r_[n, r[3]], r[4], np.r_[n, r[5]])),
        Slip("a gradient has the shape of its weight matrix: ∂L/∂W1 is shaped like W1, one row per input "
             "and one column per hidden unit",
             wrong=lambda r, n, d, h, k: (r[0], r[1], _swap(r[2]), r[3], _swap(r[4]), r[5])),
        Slip("∂L/∂W2 is shaped like W2: one row per hidden unit, one column per output",
             wrong=lambda r, n, d, h, k: (*r[:4], _swap(r[4]), r[5])),
        Slip("δ_h belongs to the hidden units: one column per hidden unit, h, not per output",
             wrong=lambda r, n, d, h, k: (r[0], r[0], *r[2:])),
        Slip("a shape is a tuple with one entry per axis: an error term has two (records, units), a weight "
             "gradient two (like its weight matrix), a bias gradient one (like its bias)",
             violated=lambda got, n, d, h, k: [int(np.size(g)) for g in got] != [2, 2, 2, 1, 2, 1]),
    ),
    "cross_entropy_slope": (
        Slip("the sign is flipped: the loss falls as the target class's probability rises, so its "
             "derivative there is negative",
             wrong=lambda r, y_hat, y: (-r[0],)),
        Slip("the logarithm's derivative 1/ŷ is missing: d(log u)/du = 1/u",
             wrong=lambda r, y_hat, y: (r[0] * np.asarray(y_hat, dtype=float),)),
        Slip("this is one record's loss L_i: the 1/n of the mean belongs to the weight gradients, not here",
             wrong=lambda r, y_hat, y: (r[0] / len(y_hat),)),
    ),
    "softmax_vjp": (
        Slip("the sign is flipped: raising a logit z_j raises its own probability ŷ_j",
             wrong=lambda r, y_hat, upstream: (-r[0],)),
        Slip("each row must sum to 0: adding the same number to every logit changes no probability, so "
             "the derivatives along that direction cancel. Every z_m moves every ŷ_j through the shared "
             "denominator: the Jacobian's off-diagonal terms are missing",
             violated=_rows_do_not_sum_to_zero),
    ),
    "output_error": (
        Slip("the sign is flipped: where a class's ŷ is too high, raising its logit raises the loss, so δ_o "
             "is positive there",
             wrong=lambda r, y_hat, y: (-r[0],)),
        Slip("δ_o is one record's derivative ∂L_i/∂z2: the 1/n of the mean belongs to the weight "
             "gradients, not here",
             wrong=lambda r, y_hat, y: (r[0] / len(y_hat),)),
        Slip("a probability of 0 (a very confident prediction) makes the loss's link ∂L_i/∂ŷ infinite there: "
             "simplify the two links on paper first, so that no division is left",
             violated=_not_finite_where_a_probability_is_zero),
    ),
    "hidden_slope": (
        # The sigmoid's slope in its output, as a change to tanh's: the catalogue ships to a2's students too.
        Slip("that is the sigmoid's slope, written in its output: these hidden units are tanh",
             wrong=lambda r, a1: (r[0] + np.asarray(a1, dtype=float) - 1,)),
        Slip("the sign is flipped: tanh rises everywhere, so its slope is positive",
             wrong=lambda r, a1: (-r[0],)),
    ),
    "hidden_error": (
        Slip("δ_h is one record's derivative ∂L_i/∂z1: the 1/n of the mean belongs to the weight gradients, "
             "not here",
             wrong=lambda r, delta_o, W2, slope: (r[0] / len(delta_o),)),
        Slip("the hidden slope is missing: δ_h is the derivative with respect to z1, and a1 = tanh(z1) "
             "lies between",
             wrong=lambda r, delta_o, W2, slope: (r[0] / np.asarray(slope, dtype=float),)),
        Slip("δ_h uses only one output's weights (every record's row is a multiple of one pattern): each "
             "hidden unit feeds all k outputs, so its error term collects a contribution from every one",
             violated=_one_outputs_pattern),
        Slip("W2 is (h, k), one row per hidden unit and one column per output, and δ_o is (n, k): they meet "
             "along the k outputs, so that each hidden unit sums over the outputs it feeds",
             shapes=lambda shapes, delta_o, W2, slope: not shapes
             or {np.shape(delta_o), np.shape(W2)} <= set(shapes)),
    ),
    "weight_gradients": (
        Slip("the gradients are summed over the records: the loss is a mean, so divide by n",
             wrong=lambda r, X, delta_h, a1, delta_o: (r[0] * len(X), r[1] * len(X))),
        Slip("∂L/∂W2 is transposed: it has W2's shape (h, k), one row per hidden unit",
             wrong=lambda r, *args: (r[0], r[1].T)),
        Slip("∂L/∂W1 is transposed: it has W1's shape (d, h), one row per input",
             wrong=lambda r, *args: (r[0].T, r[1])),
    ),
    "bias_gradients": (
        Slip("the bias gradients are summed over the records: the loss is a mean, so divide by n",
             wrong=lambda r, delta_h, delta_o: (r[0] * len(delta_h), r[1] * len(delta_h))),
        Slip("summed over the wrong axis: that gives one number per record; a bias gradient has one entry "
             "per unit, and the records are axis 0",
             violated=_summed_over_units),
        Slip("∂L/∂b1 and ∂L/∂b2 are swapped: b1 belongs to the h hidden units, b2 to the k outputs",
             wrong=lambda r, delta_h, delta_o: (r[1], r[0])),
    ),
}
