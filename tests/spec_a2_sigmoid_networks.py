"""Assignment 2: oracles for its references, its classic slip, the numbers it shows.

The error terms follow lecture 001's sign, δ = −∂E/∂z, hence `sign=-1`.  Every
oracle is the network's whole loss E = Σ ½(t − σ(σ(z_h)·w_ho))² (or the
two-node chain): `hidden_error_term` receives δ_o from above, so its oracle
solves for the targets that make the forward pass give that δ_o; `weight_steps`
is checked on a random network with non-zero weights, whose forward pass gives
its error terms.
"""
import jax.numpy as jnp
import numpy as np
from jax.nn import sigmoid as jax_sigmoid
from scipy.special import expit, logit

from tests.oracles import GradientOracle


def _targets_for(output_error_term, weights_hidden_output, hidden_output):
    """Targets t with (t − o)·o(1 − o) = δ_o for o = σ(h·w_ho): the network that sent δ_o down."""
    output = expit(np.asarray(hidden_output, dtype=float) @ weights_hidden_output)
    return output + np.asarray(output_error_term, dtype=float) / (output * (1 - output))


def _hidden_loss(p, output_error_term, weights_hidden_output, hidden_output):
    target = _targets_for(output_error_term, weights_hidden_output, hidden_output)
    return float(np.sum(0.5 * (target - expit(expit(p["z_h"]) @ weights_hidden_output)) ** 2))


def _hidden_jax_loss(p, output_error_term, weights_hidden_output, hidden_output):
    target = _targets_for(output_error_term, weights_hidden_output, hidden_output)
    return jnp.sum(0.5 * (target - jax_sigmoid(jax_sigmoid(p["z_h"]) @ jnp.asarray(weights_hidden_output))) ** 2)


def _random_network(args, rng):
    """A network shaped like a weight_steps case, random non-zero weights; its forward pass's error terms."""
    learning_rate, _, _, hidden_output, x = args
    width, d = np.shape(hidden_output)[-1], np.shape(x)[-1]
    weights_input_hidden = rng.normal(0, 1, (d, width))
    weights_hidden_output = rng.normal(0, 1, width)
    target = rng.uniform(0, 1, np.shape(x)[:-1])
    hidden = expit(x @ weights_input_hidden)
    output = expit(hidden @ weights_hidden_output)
    delta_o = (target - output) * output * (1 - output)
    delta_h = np.asarray(delta_o)[..., None] * weights_hidden_output * hidden * (1 - hidden)
    return ((learning_rate, delta_o, delta_h, hidden, x),
            (learning_rate, x, target, weights_input_hidden, weights_hidden_output))


def _mean_loss(xp, sigmoid, p, learning_rate, x, target):
    """η × the mean over the records of ½(t − σ(σ(x·W_ih)·w_ho))²."""
    output = sigmoid(sigmoid(xp.atleast_2d(x) @ p["weights_input_hidden"]) @ p["weights_hidden_output"])
    return learning_rate * xp.mean(0.5 * (xp.atleast_1d(target) - output) ** 2)


ORACLES = {
    # E = ½(w2·σ(w1·σ(w0·s0)) − target)², the loss the gradients descend.
    "sigmoid_networks.two_node_gradients": GradientOracle(
        params=lambda w0, w1, w2, s0, target: {"w0": w0, "w1": w1, "w2": w2},
        loss=lambda p, w0, w1, w2, s0, target: float(
            0.5 * (p["w2"] * expit(p["w1"] * expit(p["w0"] * s0)) - target) ** 2),
        jax_loss=lambda p, w0, w1, w2, s0, target:
            0.5 * (p["w2"] * jax_sigmoid(p["w1"] * jax_sigmoid(p["w0"] * s0)) - target) ** 2),
    # E = Σ_records ½(y − σ(z_o))²: δ_o is −∂E/∂z_o, record by record.
    "sigmoid_networks.output_error_term": GradientOracle(
        params=lambda output, target: {"z_o": logit(np.asarray(output, dtype=float))},
        loss=lambda p, output, target: float(np.sum(0.5 * (target - expit(p["z_o"])) ** 2)),
        jax_loss=lambda p, output, target: jnp.sum(0.5 * (target - jax_sigmoid(p["z_o"])) ** 2),
        sign=-1),
    # E = Σ_records ½(t − σ(σ(z_h)·w_ho))², t solved from δ_o: δ_h is −∂E/∂z_h.
    "sigmoid_networks.hidden_error_term": GradientOracle(
        params=lambda output_error_term, weights_hidden_output, hidden_output:
            {"z_h": logit(np.asarray(hidden_output, dtype=float))},
        loss=_hidden_loss, jax_loss=_hidden_jax_loss, sign=-1),
    # η × the mean loss of a random network: the steps are −η·∂E/∂w at its non-zero weights.
    "sigmoid_networks.weight_steps": GradientOracle(
        params=lambda learning_rate, x, target, weights_input_hidden, weights_hidden_output: {
            "weights_hidden_output": weights_hidden_output, "weights_input_hidden": weights_input_hidden},
        loss=lambda p, *context: float(_mean_loss(np, expit, p, *context[:3])),
        jax_loss=lambda p, *context: _mean_loss(jnp, jax_sigmoid, p, *context[:3]),
        sign=-1, chain=_random_network),
}


# The classic slip: the hidden error term without the slope σ′(z_h) = h·(1 − h) of its own sigmoid.
SLIP = {
    "edits": {"hidden_error_term": [("return hidden_error * hidden_output * (1 - hidden_output)",
                                     "return hidden_error")]},
    "failing_cells": {"test_hidden_error_term"},
    "feedback_mentions": "hint: the hidden error term is missing the sigmoid's slope σ′(z_h) = h·(1 − h)",
}

# What the executed source notebook must display: the seeds' numbers (seed 003's print(s),
# print(out) and its loop; seed 001's worked example), which the course reproduces.
EXPECTED_OUTPUTS = [
    "σ(0.5) = 0.6224593312018546",
    "out = 0.36375380675182073",
    # Lecture 003's loop, reproduced to the last digit.
    "  lecture's loop: w0 = 2.00311986, w1 = 1.08342362, w2 = 0.94153741, out = 0.70000000",
    # Lecture 001's worked example.
    "Change in weights for hidden layer to output layer:\n[0.00804047 0.00555918]",
    "Change in weights for input layer to hidden layer:\n[[ 1.77005547e-04 -5.11178506e-04]\n"
    " [ 3.54011093e-05 -1.02235701e-04]\n [-7.08022187e-05  2.04471402e-04]]",
]

# Regression guards: the course's own outputs as they are today (no seed prints them), so that a
# change to the data, the seeds or the training loop is noticed and reviewed.
REGRESSION_GUARDS = [
    "gradient descent: w0 = 2.00306163, w1 = 1.08207438, w2 = 0.94185822, out = 0.70000000",
    "✓ backprop matches finite differences",
    # Lecture 001's network on the course's synthetic admissions data, beside the baseline and the ceiling.
    "η = 0.005 (lecture): training MSE 0.2666 → 0.2535 after 900 epochs, test accuracy 0.420",
    "always 'not admitted': test accuracy 0.705",
    "the model the applicants were drawn from: test accuracy 0.715",
]
