"""Assignment 2: oracles for its references, its classic slip, the numbers it shows.

The error terms follow lecture 001's sign, δ = −∂E/∂z, hence `sign=-1` and
oracles whose parameters are the pre-activations z.  `hidden_error_term` and
`weight_steps` receive the error terms from above as arguments, so their
oracles write E to first order in their parameters around the given point:
∂E/∂z_o = −δ_o (and ∂E/∂z_h = −δ_h) is all the chain rule needs from above.
"""
import jax.numpy as jnp
import numpy as np
from scipy.special import expit, logit

from course import sigmoid_networks as sn
from tests.oracles import GradientOracle


def _records(x):
    """x as rows of records: (n, d), one record being a batch of one."""
    return np.atleast_2d(x)


def jax_sigmoid(z):
    return 1 / (1 + jnp.exp(-z))


ORACLES = {
    # E = ½(w2·σ(w1·σ(w0·s0)) − target)², the loss the gradients descend.
    "sigmoid_networks.two_node_gradients": GradientOracle(
        params=lambda w0, w1, w2, s0, target: {"w0": w0, "w1": w1, "w2": w2},
        loss=lambda p, w0, w1, w2, s0, target: float(sn.two_node_loss(p["w0"], p["w1"], p["w2"], s0, target)),
        jax_loss=lambda p, w0, w1, w2, s0, target:
            0.5 * (p["w2"] * jax_sigmoid(p["w1"] * jax_sigmoid(p["w0"] * s0)) - target) ** 2),
    # E = Σ_records ½(y − σ(z_o))²: δ_o is −∂E/∂z_o, record by record.
    "sigmoid_networks.output_error_term": GradientOracle(
        params=lambda output, target: {"z_o": logit(np.asarray(output, dtype=float))},
        loss=lambda p, output, target: float(np.sum(0.5 * (target - expit(p["z_o"])) ** 2)),
        jax_loss=lambda p, output, target: jnp.sum(0.5 * (target - jax_sigmoid(p["z_o"])) ** 2),
        sign=-1),
    # To first order, E = −Σ_records δ_o·z_o with z_o = σ(z_h)·w_ho: δ_h is −∂E/∂z_h.
    "sigmoid_networks.hidden_error_term": GradientOracle(
        params=lambda output_error_term, weights_hidden_output, hidden_output:
            {"z_h": logit(np.asarray(hidden_output, dtype=float))},
        loss=lambda p, output_error_term, weights_hidden_output, hidden_output:
            float(-np.sum(output_error_term * (expit(p["z_h"]) @ weights_hidden_output))),
        jax_loss=lambda p, output_error_term, weights_hidden_output, hidden_output:
            -jnp.sum(output_error_term * (jax_sigmoid(p["z_h"]) @ jnp.asarray(weights_hidden_output))),
        sign=-1),
    # η times the mean loss, to first order in the weights (∂E/∂z = −δ for each record):
    # E = −(1/n) Σ_records (δ_o·(h·w_ho) + δ_h·(x·W_ih)).  The steps are −η·∂E/∂w.
    "sigmoid_networks.weight_steps": GradientOracle(
        params=lambda learning_rate, delta_o, delta_h, hidden_output, x: {
            "weights_hidden_output": np.zeros(np.shape(hidden_output)[-1]),
            "weights_input_hidden": np.zeros((np.shape(x)[-1], np.shape(hidden_output)[-1]))},
        loss=lambda p, learning_rate, delta_o, delta_h, hidden_output, x: float(
            -learning_rate / len(_records(x)) * (
                np.sum(np.atleast_1d(delta_o) * (_records(hidden_output) @ p["weights_hidden_output"]))
                + np.sum(_records(delta_h) * (_records(x) @ p["weights_input_hidden"])))),
        jax_loss=lambda p, learning_rate, delta_o, delta_h, hidden_output, x:
            -learning_rate / len(_records(x)) * (
                jnp.sum(jnp.atleast_1d(delta_o)
                        * (jnp.asarray(_records(hidden_output)) @ p["weights_hidden_output"]))
                + jnp.sum(_records(delta_h) * (jnp.asarray(_records(x)) @ p["weights_input_hidden"]))),
        sign=-1),
}


# The classic slip: the hidden error term without the slope σ′(z_h) = h·(1 − h) of its own sigmoid.
SLIP = {
    "edits": {"hidden_error_term": [("return hidden_error * hidden_output * (1 - hidden_output)",
                                     "return hidden_error")]},
    "failing_cells": {"test_hidden_error_term"},
    "feedback_mentions": "hint: the hidden error term is missing the sigmoid's slope σ′(z_h) = h·(1 − h)",
}

# What the executed source notebook must display: the lectures' worked numbers.
EXPECTED_OUTPUTS = [
    "σ(0.5) = 0.6224593312018546",
    "out = 0.36375380675182073",
    # Lecture 003's loop, reproduced to the last digit, beside gradient descent.
    "gradient descent: w0 = 2.00306163, w1 = 1.08207438, w2 = 0.94185822, out = 0.70000000",
    "  lecture's loop: w0 = 2.00311986, w1 = 1.08342362, w2 = 0.94153741, out = 0.70000000",
    # Lecture 001's worked example.
    "Change in weights for hidden layer to output layer:\n[0.00804047 0.00555918]",
    "Change in weights for input layer to hidden layer:\n[[ 1.77005547e-04 -5.11178506e-04]\n"
    " [ 3.54011093e-05 -1.02235701e-04]\n [-7.08022187e-05  2.04471402e-04]]",
    "✓ backprop matches finite differences",
    # Lecture 001's network on the synthetic admissions data, beside the baseline and the ceiling.
    "η = 0.005 (lecture): training MSE 0.2666 → 0.2535 after 900 epochs, test accuracy 0.420",
    "always 'not admitted': test accuracy 0.705",
    "the model the applicants were drawn from: test accuracy 0.715",
]
