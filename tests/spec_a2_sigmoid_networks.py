"""Assignment 2: oracles for its references, its classic slip, the numbers it shows.

The error terms follow lecture 001's sign, δ = −∂E/∂z, hence `sign=-1`.  Each
link is the derivative of one forward step (the step's output summed, its
Jacobian being diagonal); each composition is checked against the whole
network's loss, E = ½(out − target)² for the two-node chain and
E = Σ ½(t − σ(σ(z_h)·w_ho))² for the hidden layer, on a random network with
non-zero weights whose forward pass gives the values it receives (`chain=`).
`backprop_shapes` is compared with the shapes of JAX's own gradients.
"""
import jax
import jax.numpy as jnp
import numpy as np
from jax.nn import sigmoid as jax_sigmoid
from scipy.special import expit, logit

from tests.oracles import GradientOracle, ValueOracle


def _nonzero(rng, size=None, scale=1.5):
    value = rng.normal(0, scale, size)
    return np.where(np.abs(value) < 0.2, np.copysign(0.2, value) + value, value)


def _two_node_network(args, rng):
    """A random two-node network with non-zero weights; its links, as its forward pass gives them."""
    # Moderate weights and input: no sigmoid saturates, so finite differences of E stay accurate.
    w0, w1, w2 = _nonzero(rng, 3, 1.0)
    s0, target = float(_nonzero(rng, None, 1.0)), float(rng.uniform())
    s1 = expit(w0 * s0)
    s2 = expit(w1 * s1)
    out = w2 * s2
    links = (out - target, s2, w2, s2 * (1 - s2), s1, w1, s1 * (1 - s1), s0)
    return tuple(float(v) for v in links), (float(w0), float(w1), float(w2), s0, target)


def _two_node_loss(sigmoid, p, w0, w1, w2, s0, target):
    return 0.5 * (p["w2"] * sigmoid(p["w1"] * sigmoid(p["w0"] * s0)) - target) ** 2


def _output_unit(args, rng):
    """Outputs and targets shaped like the case; the error and slope their forward pass gives."""
    output = rng.uniform(0.05, 0.95, np.shape(args[0]))
    target = rng.uniform(0, 1, np.shape(args[0]))
    return (target - output, output * (1 - output)), (logit(output), target)


def _hidden_units(args, rng):
    """A network shaped like a hidden_error_term case, non-zero weights; the δ_o and slopes it gives."""
    delta, weights, slope = args
    hidden = rng.uniform(0.05, 0.95, np.shape(slope))
    weights_hidden_output = _nonzero(rng, np.shape(weights), 1.0)
    target = rng.uniform(0, 1, np.shape(delta))
    output = expit(hidden @ weights_hidden_output)
    delta_o = (target - output) * output * (1 - output)
    return ((delta_o, weights_hidden_output, hidden * (1 - hidden)),
            (logit(hidden), weights_hidden_output, target))


def _hidden_loss(xp, sigmoid, p, z_h, weights_hidden_output, target):
    return xp.sum(0.5 * (target - sigmoid(sigmoid(p["z_h"]) @ weights_hidden_output)) ** 2)


def _random_network(args, rng):
    """A network shaped like a weight_steps case, random non-zero weights; its forward pass's error terms."""
    learning_rate, _, _, hidden_output, x = args
    width, d = np.shape(hidden_output)[-1], np.shape(x)[-1]
    weights_input_hidden = _nonzero(rng, (d, width), 1.0)
    weights_hidden_output = _nonzero(rng, width, 1.0)
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


def _jax_shapes(n, d, h):
    """The shapes of −∂E/∂z_o, −∂E/∂z_h, ∂E/∂w_ho and ∂E/∂W_ih, as JAX's gradients have them."""
    x, target = jnp.ones((n, d)), jnp.zeros(n)

    def loss(z_o, z_h, weights_hidden_output, weights_input_hidden):
        return jnp.mean((target - jax_sigmoid(jax_sigmoid(x @ weights_input_hidden + z_h)
                                              @ weights_hidden_output + z_o)) ** 2)

    gradients = jax.grad(loss, argnums=(0, 1, 2, 3))(jnp.zeros(n), jnp.zeros((n, h)), jnp.ones(h),
                                                     jnp.ones((d, h)))
    return tuple(tuple(g.shape) for g in gradients)


ORACLES = {
    # Each link: the derivative of its own step, taken at the step's input.
    "sigmoid_networks.squared_error_slope": GradientOracle(
        params=lambda out, target: {"out": out},
        loss=lambda p, out, target: float(np.sum(0.5 * (p["out"] - target) ** 2)),
        jax_loss=lambda p, out, target: jnp.sum(0.5 * (p["out"] - target) ** 2)),
    "sigmoid_networks.sigmoid_slope": GradientOracle(
        params=lambda s: {"x": logit(np.asarray(s, dtype=float))},
        loss=lambda p, s: float(np.sum(expit(p["x"]))),
        jax_loss=lambda p, s: jnp.sum(jax_sigmoid(p["x"]))),
    "sigmoid_networks.product_slopes": GradientOracle(
        params=lambda w, s: {"w": w, "s": s},
        loss=lambda p, w, s: float(np.sum(p["w"] * p["s"])),
        jax_loss=lambda p, w, s: jnp.sum(p["w"] * p["s"])),
    # The composition: E = ½(w2·σ(w1·σ(w0·s0)) − target)² of a network whose links it receives.
    "sigmoid_networks.two_node_gradients": GradientOracle(
        params=lambda w0, w1, w2, s0, target: {"w0": w0, "w1": w1, "w2": w2},
        loss=lambda p, *network: float(_two_node_loss(expit, p, *network)),
        jax_loss=lambda p, *network: _two_node_loss(jax_sigmoid, p, *network),
        chain=_two_node_network),
    "sigmoid_networks.backprop_shapes": ValueOracle(expected=_jax_shapes),
    # E = Σ_records ½(y − ŷ)²: the lecture's error is −∂E/∂ŷ.
    "sigmoid_networks.output_error": GradientOracle(
        params=lambda output, target: {"output": output},
        loss=lambda p, output, target: float(np.sum(0.5 * (target - p["output"]) ** 2)),
        jax_loss=lambda p, output, target: jnp.sum(0.5 * (target - p["output"]) ** 2),
        sign=-1),
    # E = Σ_records ½(y − σ(z_o))²: δ_o is −∂E/∂z_o, from the error and slope that z_o gives.
    "sigmoid_networks.output_error_term": GradientOracle(
        params=lambda z_o, target: {"z_o": z_o},
        loss=lambda p, z_o, target: float(np.sum(0.5 * (target - expit(p["z_o"])) ** 2)),
        jax_loss=lambda p, z_o, target: jnp.sum(0.5 * (target - jax_sigmoid(p["z_o"])) ** 2),
        sign=-1, chain=_output_unit),
    # E = Σ_records ½(t − σ(σ(z_h)·w_ho))² of a random network: δ_h is −∂E/∂z_h.
    "sigmoid_networks.hidden_error_term": GradientOracle(
        params=lambda z_h, weights_hidden_output, target: {"z_h": z_h},
        loss=lambda p, *context: float(_hidden_loss(np, expit, p, *context)),
        jax_loss=lambda p, *context: _hidden_loss(jnp, jax_sigmoid, p, *context),
        sign=-1, chain=_hidden_units),
    # η × the mean loss of a random network: the steps are −η·∂E/∂w at its non-zero weights.
    "sigmoid_networks.weight_steps": GradientOracle(
        params=lambda learning_rate, x, target, weights_input_hidden, weights_hidden_output: {
            "weights_hidden_output": weights_hidden_output, "weights_input_hidden": weights_input_hidden},
        loss=lambda p, *context: float(_mean_loss(np, expit, p, *context[:3])),
        jax_loss=lambda p, *context: _mean_loss(jnp, jax_sigmoid, p, *context[:3]),
        sign=-1, chain=_random_network),
}


# The classic slip, in ONE link: the sigmoid's slope applied to an output that already is σ(x).
# Every composition receives link values, so only that link's test cell fails.
SLIP = {
    "edits": {"sigmoid_slope": [("return s * (1 - s)", "return sigmoid(s) * (1 - sigmoid(s))")]},
    "failing_cells": {"test_sigmoid_slope"},
    "feedback_mentions": "hint: σ′ (sigmoid_slope) is applied to the output again",
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

# Submissions with exactly one wrong link or composition, as students write the slips: each loses that
# cell's points and no other, and the feedback names the link
# (tests/test_assignments.py::test_one_wrong_link_loses_exactly_that_links_points).
ONE_WRONG_LINK = {
    "squared-error-slope-sign": {
        "edits": {"squared_error_slope": [("return out - target", "return target - out")]},
        "failing_cells": {"test_squared_error_slope"},
        "feedback_mentions": ["CheckFailed: squared_error_slope", "∂E/∂out (squared_error_slope)"],
    },
    "w1-chain-ends-with-the-wrong-link": {
        "edits": {"two_node_gradients": [("dE_dw1 = dE_dx2 * dx2_dw1", "dE_dw1 = dE_dx2 * dx2_ds1")]},
        "failing_cells": {"test_two_node_gradients"},
        "feedback_mentions": ["CheckFailed: two_node_gradients", "∂E/∂w1 ends with ∂x2/∂s1"],
    },
    "hidden-error-term-without-its-slope": {
        "edits": {"hidden_error_term": [("return hidden_error * hidden_slope", "return hidden_error")]},
        "failing_cells": {"test_hidden_error_term"},
        "feedback_mentions": ["CheckFailed: hidden_error_term", "missing the slope of the hidden unit's own sigmoid"],
    },
    "weight-steps-summed": {
        "edits": {"weight_steps": [(" / n_records\n    delta_w_input_hidden", "\n    delta_w_input_hidden"),
                                   ("x.T @ delta_hidden / n_records", "x.T @ delta_hidden")]},
        "failing_cells": {"test_weight_steps"},
        "feedback_mentions": ["CheckFailed: weight_steps", "the steps are summed over the records"],
    },
}
