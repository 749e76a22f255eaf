"""Assignment 3: oracles for its references, its classic slip, the numbers it shows.

Each link is the derivative of one forward step, so its oracle differentiates that step,
summed over the entries (the step is elementwise): the squared error in ŷ, the exponential
in z2, the sigmoid in z1.  The functions that compose link values receive values from
above and below: their oracles rebuild a network whose forward pass gives exactly those
values (targets and pre-activations solved for) or draw a random network of the case's
shapes (`chain`), and differentiate that network's loss.
"""
import jax.numpy as jnp
import numpy as np
from jax.nn import sigmoid as jax_sigmoid
from scipy.special import expit, logit

from tests.oracles import GradientOracle, ValueOracle


def _targets_for(output_delta, w2, a1):
    """Targets y with 2(ŷ − y)·ŷ = δ2 for ŷ = exp(a1·w2): the network that sent δ2 down."""
    y_hat = np.exp(np.asarray(a1, dtype=float) @ w2)
    return y_hat - np.asarray(output_delta, dtype=float) / (2 * y_hat)


def _outputs_for(sigmoid_slope):
    """Hidden outputs a1 in (0, 1/2] whose sigmoid has the slope σ′ = a1(1 − a1) given."""
    return (1 - np.sqrt(1 - 4 * np.asarray(sigmoid_slope, dtype=float))) / 2


def _random_network(args, rng):
    """For gradients(X, a1, δ2, δ1): a random network on the case's X, its forward pass and its deltas."""
    X = np.asarray(args[0], dtype=float)
    n, d = X.shape
    h = np.shape(args[1])[1]
    W1 = rng.normal(0, 1, (d, h)) / np.sqrt(d)
    w2 = rng.normal(0, 1, h) / np.sqrt(h)
    y = np.exp(rng.normal(0, 0.5, n))
    a1 = expit(X @ W1)
    y_hat = np.exp(a1 @ w2)
    delta2 = 2 * (y_hat - y) * y_hat
    delta1 = np.outer(delta2, w2) * a1 * (1 - a1)
    return (X, a1, delta2, delta1), (X, y, W1, w2)


def _shapes_by_forward_pass(n, d, h):
    """The shapes of z2, z1, W1 and w2 in a forward pass of that size: what each derivative is taken with respect to."""
    X, W1, w2 = np.ones((n, d)), np.ones((d, h)), np.ones(h)
    z1 = X @ W1
    z2 = expit(z1) @ w2
    return tuple(np.shape(v) for v in (z2, z1, W1, w2))


def _mean_loss(p, X, y, W1, w2):
    return float(np.mean((np.exp(expit(X @ p["W1"]) @ p["w2"]) - y) ** 2))


def _jax_mean_loss(p, X, y, W1, w2):
    return jnp.mean((jnp.exp(jax_sigmoid(jnp.asarray(X) @ p["W1"]) @ p["w2"]) - y) ** 2)


ORACLES = {
    # Σ_records (ŷ − y)²: its derivative in ŷ, record by record.
    "network_321.loss_slope": GradientOracle(
        params=lambda y_hat, y: {"y_hat": np.asarray(y_hat, dtype=float)},
        loss=lambda p, y_hat, y: float(np.sum((p["y_hat"] - y) ** 2)),
        jax_loss=lambda p, y_hat, y: jnp.sum((p["y_hat"] - y) ** 2)),
    # Σ exp(z2) at z2 = log ŷ: its derivative in z2 is the exponential's slope.
    "network_321.output_slope": GradientOracle(
        params=lambda y_hat: {"z2": np.log(np.asarray(y_hat, dtype=float))},
        loss=lambda p, y_hat: float(np.sum(np.exp(p["z2"]))),
        jax_loss=lambda p, y_hat: jnp.sum(jnp.exp(p["z2"]))),
    # Σ σ(z1) at z1 = logit(a1): its derivative in z1 is the sigmoid's slope.
    "network_321.sigmoid_slope": GradientOracle(
        params=lambda a1: {"z1": logit(np.asarray(a1, dtype=float))},
        loss=lambda p, a1: float(np.sum(expit(p["z1"]))),
        jax_loss=lambda p, a1: jnp.sum(jax_sigmoid(p["z1"]))),
    "network_321.backprop_shapes": ValueOracle(expected=_shapes_by_forward_pass),
    # Σ_records (exp(z2) − y)² at z2 = log(∂ŷ/∂z2), with y solved so that 2(ŷ − y) is ∂L_i/∂ŷ given.
    "network_321.output_delta": GradientOracle(
        params=lambda loss_slope, output_slope: {"z2": np.log(np.asarray(output_slope, dtype=float))},
        loss=lambda p, loss_slope, output_slope: float(
            np.sum((np.exp(p["z2"]) - (np.asarray(output_slope) - np.asarray(loss_slope) / 2)) ** 2)),
        jax_loss=lambda p, loss_slope, output_slope: jnp.sum(
            (jnp.exp(p["z2"]) - (np.asarray(output_slope) - np.asarray(loss_slope) / 2)) ** 2)),
    # Σ_records (exp(σ(z1)·w2) − y)², z1 solved from σ′(z1) and y from δ2: δ1 is its derivative in z1.
    "network_321.hidden_deltas": GradientOracle(
        params=lambda output_delta, w2, sigmoid_slope: {"z1": logit(_outputs_for(sigmoid_slope))},
        loss=lambda p, output_delta, w2, sigmoid_slope: float(np.sum(
            (np.exp(expit(p["z1"]) @ w2) - _targets_for(output_delta, w2, _outputs_for(sigmoid_slope))) ** 2)),
        jax_loss=lambda p, output_delta, w2, sigmoid_slope: jnp.sum(
            (jnp.exp(jax_sigmoid(p["z1"]) @ jnp.asarray(w2))
             - _targets_for(output_delta, w2, _outputs_for(sigmoid_slope))) ** 2)),
    # L = mean((exp(σ(X W1)·w2) − y)²) of a random network on the case's X, given its a1, δ2, δ1.
    "network_321.gradients": GradientOracle(
        params=lambda X, y, W1, w2: {"W1": np.asarray(W1, dtype=float), "w2": np.asarray(w2, dtype=float)},
        loss=_mean_loss, jax_loss=_jax_mean_loss, chain=_random_network),
}

# The classic slip: one wrong link, the output's slope taken as 1 (a linear output's), which
# loses that link's cell and nothing else: every other exercise takes values, not functions.
SLIP = {
    "edits": {"output_slope": [("return y_hat", "return np.ones_like(y_hat)")]},
    "failing_cells": {"test_output_slope"},
    "feedback_mentions": "∂ŷ/∂z2: 4 of 4 entries are wrong",
}

# More submissions with exactly one wrong link or composition, each as students write the classic slip:
# each must lose that cell's points and no other, and its feedback must name the link and the slip
# (tests/test_assignments.py::test_one_wrong_link_loses_exactly_that_links_points).
ONE_WRONG_LINK = {
    "loss-slope-sign": {
        "edits": {"loss_slope": [("return 2 * (y_hat - y)", "return 2 * (y - y_hat)")]},
        "failing_cells": {"test_loss_slope"},
        "feedback_mentions": ["∂L_i/∂ŷ: 4 of 4 entries are wrong", "hint: the sign is flipped"],
    },
    "sigmoid-slope-of-the-pre-activation": {
        "edits": {"sigmoid_slope": [("return a1 * (1 - a1)", "return n321.sigmoid(a1) * (1 - n321.sigmoid(a1))")]},
        "failing_cells": {"test_sigmoid_slope"},
        "feedback_mentions": ["σ′(z1): 6 of 6 entries are wrong", "hint: σ is applied to a1 again"],
    },
    "hidden-deltas-without-the-batch-axis": {
        "edits": {"hidden_deltas": [("return np.outer(output_delta, w2) * sigmoid_slope",
                                     "return output_delta * w2 * sigmoid_slope")]},
        "failing_cells": {"test_hidden_deltas"},
        "feedback_mentions": ["hidden_deltas stopped on a shape mismatch", "hint: δ2 has one entry per record"],
    },
    "gradients-summed": {
        "edits": {"gradients": [("n_records = len(X)", "n_records = 1")]},
        "failing_cells": {"test_gradients"},
        "feedback_mentions": ["dL/dW1: 6 of 6 entries are wrong", "hint: the gradients are summed over the records"],
    },
    "shapes-n-and-h-swapped": {
        "edits": {"backprop_shapes": [("return (n,), (n, h), (d, h), (h,)", "return (h,), (h, n), (d, n), (n,)")]},
        "failing_cells": {"test_backprop_shapes"},
        "feedback_mentions": ["shape of δ1", "hint: n and h are swapped"],
    },
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
    "the flattest direction: 97% of it in w2, whose two weights move in opposite ways",
    "gradient descent: leftover error 0.0018, 100.0% of it along the flattest direction",
    "            Adam: leftover error 0.024, 99.8% of it along the flattest direction",
]
