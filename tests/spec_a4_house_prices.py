"""Assignment 4: oracles for its references, its classic slip, the numbers it shows.

Each link is the derivative of one forward step: its oracle differentiates that step (summed over
the records, for an elementwise step, or with a per-record copy of the weight, for ∂α_i/∂w per
record). Each composition receives link values or error terms from above: its oracle draws a random
network with non-zero weights shaped like the case (`chain=`), computes what that network's forward
pass hands down, and differentiates the whole network's E. Where the composition does not depend on
the output unit's activation, the network has the lecture's sigmoid output, so that ∂ŷ/∂α_O is not 1
and a composition that drops it is caught.
"""
import jax.numpy as jnp
import numpy as np
from jax.nn import sigmoid as jax_sigmoid
from scipy.special import expit, logit

from tests.oracles import GradientOracle, ValueOracle


def _nonzero(rng, size):
    values = rng.normal(0, 1, size)
    return np.where(np.abs(values) < 0.2, 0.2 * np.sign(values + 1e-300) + values, values)


def _network(rng, n, h, w_output=None, output="linear"):
    """A random network: x (n, 2), y (n,), W_hidden (3, h), w_output (h + 1,), no weight near 0.

    The targets are drawn as the predictions minus residuals away from 0, and the hidden weights are
    moderate, so that no error term is so small that finite differences lose it.
    """
    x = rng.normal(0, 1, (n, 2))
    W_hidden = 0.6 * _nonzero(rng, (3, h))
    w_output = _nonzero(rng, h + 1) if w_output is None else np.asarray(w_output, dtype=float)
    y_pred = _forward(np, expit, x, W_hidden, w_output, output)[-1]
    return x, y_pred - 0.5 * _nonzero(rng, n), W_hidden, w_output


def _forward(xp, sigmoid, x, W_hidden, w_output, output="linear"):
    """(inputs, α_H, β_H, α_O, ŷ), written here without the course's forward code."""
    inputs = xp.hstack([xp.ones((len(x), 1)), x])
    alpha_h = inputs @ W_hidden
    beta_h = sigmoid(alpha_h)
    alpha_o = w_output[0] + beta_h @ w_output[1:]
    return inputs, alpha_h, beta_h, alpha_o, (sigmoid(alpha_o) if output == "sigmoid" else alpha_o)


def _energy(xp, sigmoid, x, y, W_hidden, w_output, output="linear"):
    """E = ½Σ(ŷ − y)², in numpy or jax.numpy."""
    return 0.5 * xp.sum((_forward(xp, sigmoid, x, W_hidden, w_output, output)[-1] - y) ** 2)


def _links(x, y, W_hidden, w_output):
    """The links of a sigmoid-output network at its forward values (the lecture's numpy network)."""
    inputs, alpha_h, beta_h, alpha_o, y_pred = _forward(np, expit, x, W_hidden, w_output, "sigmoid")
    return {"dE_dy": y_pred - y, "dy_dalpha": y_pred * (1 - y_pred), "beta_h": beta_h}


# --- the compositions' networks -----------------------------------------------

def _chain_dE_dw16(args, rng):
    x, y, W, w = context = _network(rng, len(args[0]), 4, output="sigmoid")
    links = _links(*context)
    return (links["dE_dy"], links["dy_dalpha"], np.ones(len(x))), context


def _chain_dE_dw6(args, rng):
    x, y, W, w = context = _network(rng, len(args[0]), 4, output="sigmoid")
    links = _links(*context)
    beta_h1 = links["beta_h"][:, 0]
    return (links["dE_dy"], links["dy_dalpha"], w[1], beta_h1 * (1 - beta_h1), x[:, 0]), context


def _with(W_hidden, w_output, xp, **replace):
    """W_hidden and w_output with w16 (w_output[0]) or w6 (W_hidden[1, 0]) replaced."""
    if "w16" in replace:
        w_output = xp.concatenate([xp.reshape(replace["w16"], (1,)), xp.asarray(w_output[1:])])
    if "w6" in replace:
        column = xp.stack([xp.asarray(W_hidden[0, 0]), xp.reshape(replace["w6"], ()), xp.asarray(W_hidden[2, 0])])
        W_hidden = xp.concatenate([column[:, None], xp.asarray(W_hidden[:, 1:])], axis=1)
    return W_hidden, w_output


def _chain_output_error(args, rng):
    n = len(args[0])
    alpha_o = rng.normal(0, 1.5, n)
    y_pred = expit(alpha_o)
    y = y_pred - 0.5 * _nonzero(rng, n)
    return (y_pred - y, y_pred * (1 - y_pred)), (alpha_o, y)


def _chain_hidden_error(args, rng):
    delta_o, w_output, slopes = args
    x, y, W, w = context = _network(rng, len(delta_o), np.shape(slopes)[1], w_output)
    _, _, beta_h, _, y_pred = _forward(np, expit, x, W, w)
    return (y_pred - y, w, beta_h * (1 - beta_h)), context


def _chain_gradient(args, rng):
    inputs, beta_h, delta_o, delta_h = args
    x, y, W, w = context = _network(rng, len(inputs), np.shape(beta_h)[1])
    inputs, _, beta_h, _, y_pred = _forward(np, expit, x, W, w)
    delta_o = y_pred - y
    return (inputs, beta_h, delta_o, delta_o[:, None] * w[1:] * beta_h * (1 - beta_h)), context


def _hidden_energy(xp, sigmoid, p, x, y, W, w):
    return 0.5 * xp.sum((w[0] + sigmoid(p["alpha_h"]) @ xp.asarray(w[1:]) - y) ** 2)


def _shapes(n, h):
    """Each derivative has the shape of what it is taken with respect to, read off a forward pass."""
    x, y, W, w = _network(np.random.default_rng(n * 100 + h), n, h)
    inputs, alpha_h, beta_h, alpha_o, y_pred = _forward(np, expit, x, W, w)
    return tuple(np.array(np.shape(a), dtype=float) for a in (alpha_o, alpha_h, W, w))


_UPSTREAM_WEIGHTS = lambda h: 0.3 * np.arange(1, h + 1)  # noqa: E731 - fixed weights of the other hidden units

ORACLES = {
    # E = ½Σ(ŷ − y)²: its derivative in each prediction.
    "house_prices.dE_dy_pred": GradientOracle(
        params=lambda y_pred, y: {"y_pred": np.asarray(y_pred, dtype=float)},
        loss=lambda p, y_pred, y: float(0.5 * np.sum((p["y_pred"] - y) ** 2)),
        jax_loss=lambda p, y_pred, y: 0.5 * jnp.sum((p["y_pred"] - y) ** 2)),
    # ŷ = α_O, record by record: Σ ŷ_i's derivative in α_O,i is that record's slope.
    "house_prices.dy_pred_dalpha_o": GradientOracle(
        params=lambda alpha_o: {"alpha_o": np.asarray(alpha_o, dtype=float)},
        loss=lambda p, alpha_o: float(np.sum(p["alpha_o"])),
        jax_loss=lambda p, alpha_o: jnp.sum(p["alpha_o"])),
    # α_O,i = w16 + β_H,i · w_output[1:], with a copy of w16 per record: ∂(Σ α_O,i)/∂w16_i = ∂α_O,i/∂w16.
    "house_prices.dalpha_o_dw16": GradientOracle(
        params=lambda beta_h: {"w16_per_record": np.linspace(-0.7, 0.9, len(beta_h))},
        loss=lambda p, beta_h: float(np.sum(p["w16_per_record"] + beta_h @ _UPSTREAM_WEIGHTS(beta_h.shape[1]))),
        jax_loss=lambda p, beta_h: jnp.sum(p["w16_per_record"] + beta_h @ _UPSTREAM_WEIGHTS(beta_h.shape[1]))),
    # α_O = w16 + β_H1 w17 + Σ_j>1 β_Hj w_(16+j): its derivative in β_H1.
    "house_prices.dalpha_o_dbeta_h1": GradientOracle(
        params=lambda w_output: {"beta_h1": np.array(0.37)},
        loss=lambda p, w: float(w[0] + p["beta_h1"] * w[1] + np.sum(0.5 * w[2:])),
        jax_loss=lambda p, w: w[0] + p["beta_h1"] * w[1] + jnp.sum(0.5 * jnp.asarray(w[2:]))),
    # Σ σ(α) at α = logit(β): its derivative is the slope at each unit's input.
    "house_prices.sigmoid_slope": GradientOracle(
        params=lambda beta: {"alpha": logit(np.asarray(beta, dtype=float))},
        loss=lambda p, beta: float(np.sum(expit(p["alpha"]))),
        jax_loss=lambda p, beta: jnp.sum(jax_sigmoid(p["alpha"]))),
    # α_H1,i = w1 + x_1,i w6_i + x_2,i w11, a copy of w6 per record.
    "house_prices.dalpha_h1_dw6": GradientOracle(
        params=lambda x: {"w6_per_record": np.linspace(0.4, -1.1, len(x))},
        loss=lambda p, x: float(np.sum(0.8 + x[:, 0] * p["w6_per_record"] - 0.6 * x[:, 1])),
        jax_loss=lambda p, x: jnp.sum(0.8 + x[:, 0] * p["w6_per_record"] - 0.6 * x[:, 1])),
    # The whole (sigmoid-output) network's E, in w16 and in w6.
    "house_prices.dE_dw16": GradientOracle(
        params=lambda x, y, W, w: {"w16": np.asarray(w[0], dtype=float)},
        loss=lambda p, x, y, W, w: float(_energy(np, expit, x, y, *_with(W, w, np, w16=p["w16"]), "sigmoid")),
        jax_loss=lambda p, x, y, W, w: _energy(jnp, jax_sigmoid, x, y, *_with(W, w, jnp, w16=p["w16"]), "sigmoid"),
        chain=_chain_dE_dw16),
    "house_prices.dE_dw6": GradientOracle(
        params=lambda x, y, W, w: {"w6": np.asarray(W[1, 0], dtype=float)},
        loss=lambda p, x, y, W, w: float(_energy(np, expit, x, y, *_with(W, w, np, w6=p["w6"]), "sigmoid")),
        jax_loss=lambda p, x, y, W, w: _energy(jnp, jax_sigmoid, x, y, *_with(W, w, jnp, w6=p["w6"]), "sigmoid"),
        chain=_chain_dE_dw6),
    "house_prices.backprop_shapes": ValueOracle(expected=_shapes),
    # E = ½Σ(σ(α_O) − y)²: δ_O is its derivative in α_O.
    "house_prices.output_error_term": GradientOracle(
        params=lambda alpha_o, y: {"alpha_o": np.asarray(alpha_o, dtype=float)},
        loss=lambda p, alpha_o, y: float(0.5 * np.sum((expit(p["alpha_o"]) - y) ** 2)),
        jax_loss=lambda p, alpha_o, y: 0.5 * jnp.sum((jax_sigmoid(p["alpha_o"]) - y) ** 2),
        chain=_chain_output_error),
    # E = ½Σ(w16 + σ(α_H)·w_output[1:] − y)² of a random network with the case's w_output: in α_H.
    "house_prices.hidden_error_terms": GradientOracle(
        params=lambda x, y, W, w: {"alpha_h": np.hstack([np.ones((len(x), 1)), x]) @ W},
        loss=lambda p, *context: float(_hidden_energy(np, expit, p, *context)),
        jax_loss=lambda p, *context: _hidden_energy(jnp, jax_sigmoid, p, *context),
        chain=_chain_hidden_error),
    "house_prices.gradient": GradientOracle(
        params=lambda x, y, W, w: {"W_hidden": np.asarray(W, dtype=float), "w_output": np.asarray(w, dtype=float)},
        loss=lambda p, x, y, W, w: float(_energy(np, expit, x, y, p["W_hidden"], p["w_output"])),
        jax_loss=lambda p, x, y, W, w: _energy(jnp, jax_sigmoid, x, y, p["W_hidden"], p["w_output"]),
        chain=_chain_gradient),
}

# The classic slip: H1's weight taken from the bias slot. One link is wrong, so exactly its test cell
# fails; every composition receives values and still scores.
SLIP = {
    "edits": {"dalpha_o_dbeta_h1": [("return w_output[1]", "return w_output[0]")]},
    "failing_cells": {"test_dalpha_o_dbeta_h1"},
    "feedback_mentions": "w_output[0] is the output's bias w16",
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
    "∂E/∂w16: from your links -4.1871151670, matrix form -4.1871151670",
    "∂E/∂w6:  from your links 1.5718179286, matrix form 1.5718179286",
    "✓ backprop matches finite differences",
    "✗ w3 is off",
    "linear output:  E = 8.6326 → 0.0853",
    "σ cannot leave (0, 1)",
]

# Submissions with exactly one wrong link or composition, as students write the slips: each loses that
# cell's points and no other, and the feedback names the slip
# (tests/test_assignments.py::test_one_wrong_link_loses_exactly_that_links_points).
ONE_WRONG_LINK = {
    "dE-dy-pred-sign": {
        "edits": {"dE_dy_pred": [("return y_pred - y", "return y - y_pred")]},
        "failing_cells": {"test_dE_dy_pred"}, "feedback_mentions": ["dE_dy_pred", "wrong sign"]},
    "bias-weight-sent-down": {
        "edits": {"hidden_error_terms": [("w_output[1:]", "w_output[:-1]")]},
        "failing_cells": {"test_hidden_error_terms"},
        "feedback_mentions": ["hidden_error_terms", "w_output[0] is the bias"]},
    "dE-dw6-as-a-mean": {
        "edits": {"dE_dw6": [("return np.sum(", "return np.mean(")]},
        "failing_cells": {"test_dE_dw6"}, "feedback_mentions": ["dE_dw6", "averaged over the houses"]},
    "sigmoid-slope-at-the-wrong-place": {
        "edits": {"sigmoid_slope": [("return beta * (1 - beta)",
                                     "return 1 / (1 + np.exp(-beta)) * (1 - 1 / (1 + np.exp(-beta)))")]},
        "failing_cells": {"test_sigmoid_slope"},
        "feedback_mentions": ["sigmoid_slope", "β is already the unit's output"]},
}
