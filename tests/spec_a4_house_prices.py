"""Assignment 4: oracles for its references, its classic slip, the numbers it shows.

δ_O and δ_H are derivatives of E = ½Σ(ŷ − y)² with respect to a unit's input.
`hidden_error_terms` receives δ_O from above: its oracle solves for the targets
y = α_O − δ_O that make the forward pass give that δ_O, and differentiates the
whole network's E in the hidden units' inputs α_H.
"""
import jax.numpy as jnp
import numpy as np
from jax.nn import sigmoid as jax_sigmoid
from scipy.special import expit, logit

from tests.oracles import GradientOracle


def _energy(xp, sigmoid, x, y, W_hidden, w_output):
    """E = ½Σ(ŷ − y)², ŷ = w16 + σ([1, x]·W_hidden)·w_output[1:], in numpy or jax.numpy."""
    inputs = xp.hstack([xp.ones((len(x), 1)), x])
    y_pred = w_output[0] + sigmoid(inputs @ W_hidden) @ w_output[1:]
    return 0.5 * xp.sum((y_pred - y) ** 2)


def _targets_for(delta_o, w_output, beta_h):
    """Targets y = α_O − δ_O for α_O = w16 + β_H·w_output[1:]: the network that sent δ_O down."""
    return w_output[0] + np.asarray(beta_h, dtype=float) @ w_output[1:] - np.asarray(delta_o, dtype=float)


def _hidden_energy(xp, sigmoid, p, delta_o, w_output, beta_h):
    y_pred = w_output[0] + sigmoid(p["alpha_h"]) @ xp.asarray(w_output[1:])
    return 0.5 * xp.sum((y_pred - _targets_for(delta_o, w_output, beta_h)) ** 2)


ORACLES = {
    # E = ½Σ(ŷ − y)² with ŷ = α_O: δ_O is its derivative in the output's input.
    "house_prices.output_error_term": GradientOracle(
        params=lambda y_pred, y: {"alpha_o": np.asarray(y_pred, dtype=float)},
        loss=lambda p, y_pred, y: float(0.5 * np.sum((p["alpha_o"] - y) ** 2)),
        jax_loss=lambda p, y_pred, y: 0.5 * jnp.sum((p["alpha_o"] - y) ** 2)),
    # E = ½Σ(w16 + σ(α_H)·w_output[1:] − y)², y solved from δ_O: δ_H is its derivative in α_H.
    "house_prices.hidden_error_terms": GradientOracle(
        params=lambda delta_o, w_output, beta_h: {"alpha_h": logit(np.asarray(beta_h, dtype=float))},
        loss=lambda p, *args: float(_hidden_energy(np, expit, p, *args)),
        jax_loss=lambda p, *args: _hidden_energy(jnp, jax_sigmoid, p, *args)),
    "house_prices.gradient": GradientOracle(
        params=lambda x, y, W_hidden, w_output: {"W_hidden": np.asarray(W_hidden, dtype=float),
                                                 "w_output": np.asarray(w_output, dtype=float)},
        loss=lambda p, x, y, W_hidden, w_output: float(_energy(np, expit, x, y, p["W_hidden"], p["w_output"])),
        jax_loss=lambda p, x, y, W_hidden, w_output: _energy(jnp, jax_sigmoid, x, y, p["W_hidden"], p["w_output"])),
}

# The classic slip: the hidden weights' gradient as a transposed matrix.
SLIP = {
    "edits": {"gradient": [("return inputs.T @ delta_hidden,", "return delta_hidden.T @ inputs,")]},
    "failing_cells": {"test_gradient"},
    "feedback_mentions": "(transposed? check which axis is which)",
}

# What the executed source notebook must display: seed 004's ten houses, summarised.
EXPECTED_OUTPUTS = [
    # The lecture's normalisation constants (np.mean and np.std of the raw columns).
    "size: mean 1834 ft², standard deviation 508.18 ft²",
    "bedrooms: mean 3.1, standard deviation 0.5385",
    "prices: mean $313,900, standard deviation $98,667",
]

# Regression guards: the course's own outputs as they are today (its seeded weights, not the
# seed's unseeded np.random.randn), so that a change to them is noticed and reviewed.
REGRESSION_GUARDS = [
    "initial loss E = 8.632628",
    "∂E/∂w16: by hand -4.1871151670, matrix form -4.1871151670",
    "∂E/∂w6:  by hand 1.5718179286, matrix form 1.5718179286",
    "✓ backprop matches finite differences",
    "✗ w3 is off",
    "linear output:  E = 8.6326 → 0.0853",
    "σ cannot leave (0, 1)",
]
