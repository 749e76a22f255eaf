"""Assignment 3: oracles for its references, its classic slip, the numbers it shows.

The deltas are derivatives of one record's squared error with respect to a unit's
input, so their oracles take the pre-activations as parameters; `hidden_deltas`
receives δ2 from above, so its oracle writes the loss to first order, Σ δ2·z2.
"""
import jax.numpy as jnp
import numpy as np
from scipy.special import expit, logit

from course import network_321 as n321
from tests.oracles import GradientOracle


def jax_sigmoid(z):
    return 1 / (1 + jnp.exp(-z))


ORACLES = {
    # Σ_records (exp(z2) − y)²: δ2 is its derivative, record by record.
    "network_321.output_delta": GradientOracle(
        params=lambda z2, y: {"z2": np.asarray(z2, dtype=float)},
        loss=lambda p, z2, y: float(np.sum((np.exp(p["z2"]) - y) ** 2)),
        jax_loss=lambda p, z2, y: jnp.sum((jnp.exp(p["z2"]) - y) ** 2)),
    # To first order, Σ_records δ2·z2 with z2 = σ(z1)·w2: δ1 is its derivative in z1.
    "network_321.hidden_deltas": GradientOracle(
        params=lambda output_delta, w2, a1: {"z1": logit(np.asarray(a1, dtype=float))},
        loss=lambda p, output_delta, w2, a1: float(np.sum(output_delta * (expit(p["z1"]) @ w2))),
        jax_loss=lambda p, output_delta, w2, a1: jnp.sum(output_delta * (jax_sigmoid(p["z1"]) @ jnp.asarray(w2)))),
    # L = mean((exp(σ(X W1)·w2) − y)²), the loss the network is trained on.
    "network_321.gradients": GradientOracle(
        params=lambda X, y, W1, w2: {"W1": np.asarray(W1, dtype=float), "w2": np.asarray(w2, dtype=float)},
        loss=lambda p, X, y, W1, w2: n321.mse(X, y, p["W1"], p["w2"]),
        jax_loss=lambda p, X, y, W1, w2: jnp.mean((jnp.exp(jax_sigmoid(X @ p["W1"]) @ p["w2"]) - y) ** 2)),
}

# The classic slip: the output delta without the exponential's slope exp(z2).
SLIP = {
    "edits": {"output_delta": [("return 2 * (y_hat - y) * y_hat", "return 2 * (y_hat - y)")]},
    "failing_cells": {"test_output_delta", "test_gradients"},
    "feedback_mentions": "output_delta: 1 of 2 entries are wrong",
}

# What the executed source notebook must display: the lecture's weights, to every printed digit.
EXPECTED_OUTPUTS = [
    "w1_1 = [0.24985576 0.5000211  0.75018656]",
    "w1_2 = [0.74987578 0.49998626 0.25009692]",
    "w2_1 = [1.99874327 3.00125615]",
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
