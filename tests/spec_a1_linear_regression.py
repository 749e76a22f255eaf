"""Assignment 1: oracles for its references, its classic slip, the numbers it shows."""
import jax.numpy as jnp
import numpy as np
from scipy.special import softmax as scipy_softmax

from tests.oracles import GradientOracle, ValueOracle

ORACLES = {
    "linear_regression.observation_gradient": GradientOracle(
        params=lambda w, b, x, y: {"w": w, "b": b},
        loss=lambda p, w, b, x, y: float((p["w"] * x + p["b"] - y) ** 2),
        jax_loss=lambda p, w, b, x, y: (p["w"] * x + p["b"] - y) ** 2),
    "linear_regression.batch_gradient": GradientOracle(
        params=lambda w, b, x, y: {"w": w, "b": b},
        loss=lambda p, w, b, x, y: float(np.mean((p["w"] * x + p["b"] - y) ** 2)),
        jax_loss=lambda p, w, b, x, y: jnp.mean((p["w"] * x + p["b"] - y) ** 2)),
    "activations.softmax": ValueOracle(expected=lambda Z: (scipy_softmax(Z, axis=1),)),
}

# The classic slip: the factor 2 from differentiating the square is dropped in the batch gradient.
SLIP = {
    "edits": {"batch_gradient": [("np.mean(2 * residual * x), np.mean(2 * residual)",
                                  "np.mean(residual * x), np.mean(residual)")]},
    "failing_cells": {"test_batch_gradient"},
    "feedback_mentions": "the factor 2 of the square's derivative is missing",
}

# What the executed source notebook must display: seed 002's worked numbers.
EXPECTED_OUTPUTS = [
    "<td>(0, 0)</td><td>(5, 5)</td><td>(-50, -10)</td><td>(0.5, 0.1)</td>",
    "<td>(0.5, 0.1)</td><td>(9, 17)</td><td>(-223.2, -24.8)</td><td>(2.732, 0.348)</td>",
    "∇Loss = [-14.69  -6.  ]  →  θ1 = θ0 − 0.1·∇ = [1.47 0.6 ]",
    "∇Loss = [1.42 1.07]  →  θ2 = θ1 − 0.1·∇ = [1.33 0.49]",
]

# Regression guards: the course's own examples as they print today (no seed prints them).
REGRESSION_GUARDS = [
    "σ(z) = [0.0067 0.7311 0.9991]",
    # Significant digits, not decimals: the lecture's 6.14e-06, not 6e-06.
    "softmax(Z) = [[0.982014, 0.0179862], [0.0179862, 0.982014], [6.14417e-06, 0.999994]]",
    # The lecture's table, printed as it printed it.
    "[[9.82e-01 1.80e-02]\n [1.80e-02 9.82e-01]\n [6.14e-06 1.00e+00]]",
]
