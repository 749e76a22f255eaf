"""Assignment 3: oracles for its references, its classic slip, the numbers it shows.

The deltas are derivatives of the squared error with respect to a unit's input,
so their oracles take the pre-activations as parameters.  `hidden_deltas`
receives δ2 from above: its oracle solves for the targets that make the forward
pass give that δ2, and differentiates the whole network's loss.
"""
import jax.numpy as jnp
import numpy as np
from jax.nn import sigmoid as jax_sigmoid
from scipy.special import expit, logit

from tests.oracles import GradientOracle


def _targets_for(output_delta, w2, a1):
    """Targets y with 2(ŷ − y)·ŷ = δ2 for ŷ = exp(a1·w2): the network that sent δ2 down."""
    y_hat = np.exp(np.asarray(a1, dtype=float) @ w2)
    return y_hat - np.asarray(output_delta, dtype=float) / (2 * y_hat)


ORACLES = {
    # Σ_records (exp(z2) − y)²: δ2 is its derivative, record by record.
    "network_321.output_delta": GradientOracle(
        params=lambda z2, y: {"z2": np.asarray(z2, dtype=float)},
        loss=lambda p, z2, y: float(np.sum((np.exp(p["z2"]) - y) ** 2)),
        jax_loss=lambda p, z2, y: jnp.sum((jnp.exp(p["z2"]) - y) ** 2)),
    # Σ_records (exp(σ(z1)·w2) − y)², y solved from δ2: δ1 is its derivative in z1.
    "network_321.hidden_deltas": GradientOracle(
        params=lambda output_delta, w2, a1: {"z1": logit(np.asarray(a1, dtype=float))},
        loss=lambda p, output_delta, w2, a1: float(
            np.sum((np.exp(expit(p["z1"]) @ w2) - _targets_for(output_delta, w2, a1)) ** 2)),
        jax_loss=lambda p, output_delta, w2, a1: jnp.sum(
            (jnp.exp(jax_sigmoid(p["z1"]) @ jnp.asarray(w2)) - _targets_for(output_delta, w2, a1)) ** 2)),
    # L = mean((exp(σ(X W1)·w2) − y)²), the loss the network is trained on.
    "network_321.gradients": GradientOracle(
        params=lambda X, y, W1, w2: {"W1": np.asarray(W1, dtype=float), "w2": np.asarray(w2, dtype=float)},
        loss=lambda p, X, y, W1, w2: float(np.mean((np.exp(expit(X @ p["W1"]) @ p["w2"]) - y) ** 2)),
        jax_loss=lambda p, X, y, W1, w2: jnp.mean((jnp.exp(jax_sigmoid(X @ p["W1"]) @ p["w2"]) - y) ** 2)),
}

# The classic slip: the output delta without the exponential's slope exp(z2).
SLIP = {
    "edits": {"output_delta": [("return 2 * (y_hat - y) * y_hat", "return 2 * (y_hat - y)")]},
    "failing_cells": {"test_output_delta", "test_gradients"},
    "feedback_mentions": "output_delta: 1 of 2 entries are wrong",
}

# What the executed source notebook must display: seed 000's weights, to every printed digit.
EXPECTED_OUTPUTS = [
    "w1_1 = [0.24985576 0.5000211  0.75018656]",
    "w1_2 = [0.74987578 0.49998626 0.25009692]",
    "w2_1 = [1.99874327 3.00125615]",
]

# Regression guards: what the course prints today that no seed prints.
REGRESSION_GUARDS = [
    "Keras 3.15.1 on jax",
    # The lecture's own Keras model (its broadcast 2×2 output kernel) reproduces its printed weights.
    "the lecture's output kernel, as Keras built it: [[1.0, 2.0], [1.0, 2.0]]",
    "hidden kernel:\n[[0.30257 0.80548]\n [0.49333 0.50671]\n [0.68425 0.20762]]\n"
    "output kernel:\n[[2.51337 2.51528]\n [2.48675 2.48489]]",
    # Adam's leftover error, like gradient descent's, lies along the Hessian's flattest direction.
    "Adam's largest step per weight, averaged over 100 steps: 5.5e-04 by step 1000, 2.0e-04 by step 3000, "
    "4.6e-05 by step 4000, 3.0e-06 by step 5000",
    "Hessian eigenvalues from 0.0086 to 2185: condition number 2.5e+05",
    "gradient descent: leftover error 0.0018, 100.0% of it along the flattest direction",
    "            Adam: leftover error 0.024, 99.8% of it along the flattest direction",
]
