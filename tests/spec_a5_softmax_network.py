"""Assignment 5: oracles for its references, its classic slip, the numbers it shows.

Each link is the derivative of one forward step, and each oracle differentiates that step
(or the whole network) itself: the cross-entropy in ŷ, the softmax summed against the
case's upstream gradient in the logits, the loss through the softmax in the logits, tanh
in its input. The compositions receive error terms from above: their oracles draw a random
network with non-zero weights of the case's sizes (`chain=`), compute that network's error
terms with JAX's autodiff, and differentiate the network's mean cross-entropy.
"""
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp as jax_logsumexp
from scipy.special import logsumexp, softmax as scipy_softmax

from tests.oracles import GradientOracle, ValueOracle


def _losses(xp, lse, z2, Y):
    """Σ over the records of −Σ_j y_ij log softmax(z2)_ij, from the logits (n, k)."""
    return xp.sum(lse(z2, axis=1) - xp.sum(Y * z2, axis=1))


def _record_losses(z2, Y):
    """Each record's cross-entropy L_i (n,), from its logits, in numpy."""
    return logsumexp(z2, axis=1) - np.sum(Y * z2, axis=1)


def _network_loss(xp, lse, X, Y, W1, b1, W2, b2):
    """The mean cross-entropy of the whole network."""
    z2 = xp.tanh(X @ W1 + b1) @ W2 + b2
    return _losses(xp, lse, z2, Y) / len(X)


def _random_network(rng, n, d, h, k, X=None, W2=None):
    """A network with non-zero weights of these sizes, its forward values, and its error terms by autodiff."""
    X = rng.normal(0, 1, (n, d)) if X is None else np.asarray(X, dtype=float)
    # Moderate weights: no unit saturated, no gradient entry so small that finite differences lose it.
    W1, b1 = rng.normal(0, 0.5, (d, h)), rng.normal(0, 0.3, h)
    W2 = rng.normal(0, 0.8, (h, k)) if W2 is None else np.asarray(W2, dtype=float)
    b2 = rng.normal(0, 0.3, k)
    Y = np.eye(k)[rng.integers(0, k, n)]
    with jax.enable_x64(True):
        z1 = jnp.asarray(X @ W1 + b1)
        # δ = ∂L_i/∂z per record: the gradient of the losses' sum, by JAX, not by the reference's formulas.
        delta_h = jax.grad(lambda z: _losses(jnp, jax_logsumexp, jnp.tanh(z) @ W2 + b2, Y))(z1)
        z2 = jnp.tanh(z1) @ W2 + b2
        delta_o = jax.grad(lambda z: _losses(jnp, jax_logsumexp, z, Y))(z2)
        slope = jax.grad(lambda z: jnp.sum(jnp.tanh(z)))(z1)
        values = {"z1": np.asarray(z1), "a1": np.tanh(np.asarray(z1)), "delta_h": np.asarray(delta_h),
                  "delta_o": np.asarray(delta_o), "slope": np.asarray(slope)}
    return X, Y, (W1, b1, W2, b2), values


def _hidden_error_chain(args, rng):
    delta_o, W2, slope = args
    (n, k), h = np.shape(delta_o), np.shape(W2)[0]
    X, Y, (W1, b1, W2, b2), v = _random_network(rng, n, 2, h, k, W2=W2)
    return (v["delta_o"], W2, v["slope"]), (v["z1"], W2, b2, Y)


def _weight_gradients_chain(args, rng):
    X, delta_h, a1, delta_o = args
    (n, d), h, k = np.shape(X), np.shape(delta_h)[1], np.shape(delta_o)[1]
    X, Y, weights, v = _random_network(rng, n, d, h, k, X=X)
    return (X, v["delta_h"], v["a1"], v["delta_o"]), (X, Y, *weights)


def _bias_gradients_chain(args, rng):
    delta_h, delta_o = args
    (n, h), k = np.shape(delta_h), np.shape(delta_o)[1]
    X, Y, weights, v = _random_network(rng, n, 3, h, k)
    return (v["delta_h"], v["delta_o"]), (X, Y, *weights)


def _shapes_by_autodiff(n, d, h, k):
    """The shapes JAX's gradients of a random network of these sizes have."""
    rng = np.random.default_rng(n * 1000 + d * 100 + h * 10 + k)
    X, Y, (W1, b1, W2, b2), v = _random_network(rng, n, d, h, k)
    with jax.enable_x64(True):
        grads = jax.grad(lambda p: _network_loss(jnp, jax_logsumexp, X, Y, *p))((W1, b1, W2, b2))
    return tuple(np.array(np.shape(a), dtype=float) for a in (v["delta_o"], v["delta_h"], *grads))


def _np_network_loss(p, X, Y, W1, b1, W2, b2):
    weights = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, **p}
    return float(_network_loss(np, logsumexp, X, Y, *(weights[n] for n in ("W1", "b1", "W2", "b2"))))


def _jax_network_loss(p, X, Y, W1, b1, W2, b2):
    weights = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, **p}
    return _network_loss(jnp, jax_logsumexp, X, Y, *(weights[n] for n in ("W1", "b1", "W2", "b2")))


def _centred(terms, p, at):
    """Σ (terms(p) − terms(at)): the same gradient as Σ terms(p), but the terms a finite-difference step
    does not touch cancel exactly, so the step's change in the loss is not lost in the rounding of a
    large sum (each entry of these links moves one record's terms only)."""
    return float(np.sum(terms(p) - terms(at)))


def _logits(y_hat):
    """Logits whose softmax is ŷ (any row shift would do); a probability of 0 becomes e^−690."""
    return np.log(np.maximum(np.asarray(y_hat, dtype=float), 1e-300))


ORACLES = {
    "softmax_network.network_shapes": ValueOracle(expected=_shapes_by_autodiff),
    # Σ_i L_i = −Σ y log ŷ, differentiated in ŷ itself (each record's own loss: no mean).
    "softmax_network.cross_entropy_slope": GradientOracle(
        params=lambda y_hat, y: {"y_hat": np.asarray(y_hat, dtype=float)},
        # Only the targets' terms depend on ŷ (the others are 0·log ŷ): finite differences may step
        # a small non-target ŷ below 0 without a log of a negative number.
        loss=lambda p, y_hat, y: _centred(lambda q: -y * np.log(np.where(y > 0, q["y_hat"], 1.0)), p,
                                          {"y_hat": np.asarray(y_hat, dtype=float)}),
        jax_loss=lambda p, y_hat, y: -jnp.sum(y * jnp.log(jnp.where(y > 0, p["y_hat"], 1.0)))),
    # The softmax summed against the case's upstream ∂L_i/∂ŷ: its gradient in z is the VJP.
    "softmax_network.softmax_vjp": GradientOracle(
        params=lambda y_hat, upstream: {"z": _logits(y_hat)},
        loss=lambda p, y_hat, upstream: _centred(lambda q: upstream * scipy_softmax(q["z"], axis=1), p,
                                                 {"z": _logits(y_hat)}),
        jax_loss=lambda p, y_hat, upstream: jnp.sum(upstream * jax.nn.softmax(p["z"], axis=1))),
    # Σ_i L_i through the softmax, in the logits.
    "softmax_network.output_error": GradientOracle(
        params=lambda y_hat, y: {"z": _logits(y_hat)},
        loss=lambda p, y_hat, y: _centred(lambda q: logsumexp(q["z"], axis=1) - np.sum(y * q["z"], axis=1), p,
                                          {"z": _logits(y_hat)}),
        jax_loss=lambda p, y_hat, y: _losses(jnp, jax_logsumexp, p["z"], y)),
    # Σ tanh(z1): its gradient is tanh′ entry by entry.
    "softmax_network.hidden_slope": GradientOracle(
        params=lambda a1: {"z1": np.arctanh(np.asarray(a1, dtype=float))},
        loss=lambda p, a1: _centred(lambda q: np.tanh(q["z1"]), p, {"z1": np.arctanh(np.asarray(a1, dtype=float))}),
        jax_loss=lambda p, a1: jnp.sum(jnp.tanh(p["z1"]))),
    # Σ_i L_i of a random network above z1 (the case's W2), in z1.
    "softmax_network.hidden_error": GradientOracle(
        params=lambda z1, W2, b2, Y: {"z1": z1},
        loss=lambda p, z1, W2, b2, Y: _centred(lambda q: _record_losses(np.tanh(q["z1"]) @ W2 + b2, Y), p, {"z1": z1}),
        jax_loss=lambda p, z1, W2, b2, Y: _losses(jnp, jax_logsumexp, jnp.tanh(p["z1"]) @ W2 + b2, Y),
        chain=_hidden_error_chain),
    # The mean cross-entropy of a random network on the case's X, in W1 and W2.
    "softmax_network.weight_gradients": GradientOracle(
        params=lambda X, Y, W1, b1, W2, b2: {"W1": W1, "W2": W2},
        loss=_np_network_loss,
        jax_loss=_jax_network_loss, chain=_weight_gradients_chain),
    # The mean cross-entropy of a random network of the case's sizes, in b1 and b2.
    "softmax_network.bias_gradients": GradientOracle(
        params=lambda X, Y, W1, b1, W2, b2: {"b1": b1, "b2": b2},
        loss=_np_network_loss,
        jax_loss=_jax_network_loss, chain=_bias_gradients_chain),
}

# The classic slip in one link: the sigmoid's slope where the hidden units are tanh. Every other
# function receives the slope as a value, so only the slope's own test cell fails.
SLIP = {
    "edits": {"hidden_slope": [("return 1 - a1 ** 2", "return a1 * (1 - a1)")]},
    "failing_cells": {"test_hidden_slope"},
    "feedback_mentions": "that is the sigmoid's slope, written in its output: these hidden units are tanh",
}

# What the executed source notebook must display: seed 002's softmax table, as the lecture printed it.
EXPECTED_OUTPUTS = [
    "[[9.82e-01 1.80e-02]\n [1.80e-02 9.82e-01]\n [6.14e-06 1.00e+00]]",
]

# Regression guards: what the course prints today that no seed prints.
REGRESSION_GUARDS = [
    "L = 0.679738",
    # Lecture 002's example through the output error, and the chained links' nan where ŷ rounds to 0.
    "δ_o = [[-0.018, 0.018], [0.018, -0.018], [0.0, 0.0]]",
    "chained links: [[nan nan nan]]  simplified: [[-1.  1.  0.]]",
    "η = 0.01: loss 1.14 → 0.534 after 300 steps, it falls at every step; 80% of the records classified right.",
    "η = 1: loss 1.14 → 0.0344 after 300 steps, it falls at every step; 99% of the records classified right.",
    "η = 5: loss 1.14 → 0.0185 after 300 steps, the first steps overshoot (up to 3.68), then it settles",
    "η = 100: too large — the loss ends higher than it started (1.14 → 3.55 after 300 steps)",
    "after 300 steps the twins differ by 0; loss 0.0363",
]

# Submissions with exactly one wrong link each, written as students write the classic slips: each must
# lose exactly that link's test cell (tests/test_assignments.py autogrades them), with the feedback
# naming the slip.
ONE_WRONG_LINK = {
    "cross-entropy-slope-sign": {
        "edits": {"cross_entropy_slope": [("return -y / y_hat", "return y / y_hat")]},
        "failing_cells": {"test_cross_entropy_slope"}, "feedback_mentions": ["the sign is flipped"]},
    "output-error-divided-by-n": {
        "edits": {"output_error": [("return y_hat - y", "return (y_hat - y) / len(y)")]},
        "failing_cells": {"test_output_error"}, "feedback_mentions": ["δ_o is one record's derivative"]},
    "hidden-error-with-W2-untransposed": {
        "edits": {"hidden_error": [("return (output_error @ W2.T) * slope", "return (output_error @ W2) * slope")]},
        "failing_cells": {"test_hidden_error"}, "feedback_mentions": ["W2 is (h, k)"]},
    "weight-gradients-summed": {
        "edits": {"weight_gradients": [("    return X.T @ hidden_error / n_records, a1.T @ output_error / n_records",
                                        "    return X.T @ hidden_error, a1.T @ output_error")]},
        "failing_cells": {"test_weight_gradients"},
        "feedback_mentions": ["the gradients are summed over the records"]},
    "bias-gradients-over-the-wrong-axis": {
        "edits": {"bias_gradients": [("hidden_error.sum(axis=0) / n_records, output_error.sum(axis=0) / n_records",
                                      "hidden_error.sum(axis=1) / n_records, output_error.sum(axis=1) / n_records")]},
        "failing_cells": {"test_bias_gradients"}, "feedback_mentions": ["summed over the wrong axis"]},
}
