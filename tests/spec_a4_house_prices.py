"""Assignment 4: oracles for its references, its classic slip, the numbers it shows.

δ_O and δ_H are derivatives of E = ½Σ(ŷ − y)² with respect to a unit's input;
`hidden_error_terms` receives δ_O from above, so its oracle writes E to first order,
Σ δ_O·α_O with α_O = w16 + σ(α_H)·w_output[1:].
"""
import jax.numpy as jnp
import numpy as np
from scipy.special import expit, logit

from course import house_prices as hp
from tests.oracles import GradientOracle


def jax_sigmoid(z):
    return 1 / (1 + jnp.exp(-z))


def jax_loss(p, x, y):
    inputs = jnp.hstack([jnp.ones((len(x), 1)), x])
    beta_h = jax_sigmoid(inputs @ p["W_hidden"])
    y_pred = p["w_output"][0] + beta_h @ p["w_output"][1:]
    return 0.5 * jnp.sum((y_pred - y) ** 2)


ORACLES = {
    # E = ½Σ(ŷ − y)² with ŷ = α_O: δ_O is its derivative in the output's input.
    "house_prices.output_error_term": GradientOracle(
        params=lambda y_pred, y: {"alpha_o": np.asarray(y_pred, dtype=float)},
        loss=lambda p, y_pred, y: float(0.5 * np.sum((p["alpha_o"] - y) ** 2)),
        jax_loss=lambda p, y_pred, y: 0.5 * jnp.sum((p["alpha_o"] - y) ** 2)),
    "house_prices.hidden_error_terms": GradientOracle(
        params=lambda delta_o, w_output, beta_h: {"alpha_h": logit(np.asarray(beta_h, dtype=float))},
        loss=lambda p, delta_o, w_output, beta_h: float(np.sum(delta_o * (expit(p["alpha_h"]) @ w_output[1:]))),
        jax_loss=lambda p, delta_o, w_output, beta_h:
            jnp.sum(delta_o * (jax_sigmoid(p["alpha_h"]) @ jnp.asarray(w_output[1:])))),
    "house_prices.gradient": GradientOracle(
        params=lambda x, y, W_hidden, w_output: {"W_hidden": np.asarray(W_hidden, dtype=float),
                                                 "w_output": np.asarray(w_output, dtype=float)},
        loss=lambda p, x, y, W_hidden, w_output: hp.loss(x, y, p["W_hidden"], p["w_output"]),
        jax_loss=lambda p, x, y, W_hidden, w_output: jax_loss(p, x, y)),
}

# The classic slip: the hidden weights' gradient as a transposed matrix.
SLIP = {
    "edits": {"gradient": [("return inputs.T @ delta_hidden,", "return delta_hidden.T @ inputs,")]},
    "failing_cells": {"test_gradient"},
    "feedback_mentions": "(transposed? check which axis is which)",
}

# What the executed source notebook must display.
EXPECTED_OUTPUTS = [
    # The lecture's normalisation constants (np.mean and np.std of the raw columns).
    "size: mean 1834 ft², standard deviation 508.18 ft²",
    "bedrooms: mean 3.1, standard deviation 0.5385",
    "prices: mean $313,900, standard deviation $98,667",
    "initial loss E = 8.632628",
    "∂E/∂w16: by hand -4.1871151670, matrix form -4.1871151670",
    "∂E/∂w6:  by hand 1.5718179286, matrix form 1.5718179286",
    "✓ backprop matches finite differences",
    "✗ w3 is off",
    "linear output:  E = 8.6326 → 0.0853",
    "σ cannot leave (0, 1)",
]
