"""Assignment 1: oracles for its references, its classic slip, the numbers it shows."""
import jax.numpy as jnp
import numpy as np
from scipy.special import softmax as scipy_softmax

from tests.oracles import GradientOracle, ValueOracle


def _linear_unit_producing(args, rng):
    """A linear unit ŷ = u·w + v·b with loss (ŷ − y)² whose links are the case's values.

    The case gives (∂Loss_i/∂ŷ, ∂ŷ/∂w, ∂ŷ/∂b) = (g, u, v), floats or arrays (n,): draw
    non-zero (w, b), and solve for the targets y = ŷ − g/2, so that the loss's own slope at
    ŷ is g.  Its gradient by (w, b) is then what the composition must return.
    """
    dloss, dw, db = (np.asarray(a, dtype=float) for a in args)
    w, b = rng.uniform(0.5, 2.0, size=2) * rng.choice([-1.0, 1.0], size=2)
    y = dw * w + db * b - dloss / 2
    return args, (float(w), float(b), dw, db, y)


def _unit_loss(p, w, b, u, v, y, mean=np.mean):
    return mean((u * p["w"] + v * p["b"] - y) ** 2)


def _per_observation_copies(args, rng):
    """ŷ_i = w_i·x_i + b_i with its own (w_i, b_i) per observation, drawn non-zero: the sum of the ŷ_i
    has ∂/∂w_i = ∂ŷ_i/∂w and ∂/∂b_i = ∂ŷ_i/∂b."""
    (x,) = args
    shape = np.shape(x)
    w = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    b = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return args, (np.asarray(x, dtype=float), w, b)


ORACLES = {
    # The sum of the Loss_i over the observations: its derivative by ŷ_i is observation i's slope.
    "linear_regression.loss_slope": GradientOracle(
        params=lambda y_hat, y: {"y_hat": np.asarray(y_hat, dtype=float)},
        loss=lambda p, y_hat, y: float(np.sum((p["y_hat"] - y) ** 2)),
        jax_loss=lambda p, y_hat, y: jnp.sum((p["y_hat"] - y) ** 2)),
    "linear_regression.prediction_slopes": GradientOracle(
        params=lambda x, w, b: {"w": w, "b": b},
        loss=lambda p, x, w, b: float(np.sum(p["w"] * x + p["b"])),
        jax_loss=lambda p, x, w, b: jnp.sum(p["w"] * x + p["b"]),
        chain=_per_observation_copies),
    "linear_regression.observation_gradient": GradientOracle(
        params=lambda w, b, u, v, y: {"w": w, "b": b},
        loss=lambda p, *context: float(_unit_loss(p, *context)),
        jax_loss=lambda p, *context: _unit_loss(p, *context, mean=jnp.mean),
        chain=_linear_unit_producing),
    "linear_regression.batch_gradient_shapes": ValueOracle(
        expected=lambda n: tuple(np.shape(a) for a in (np.zeros(n), np.zeros(n), np.zeros(n), 0.0, 0.0))),
    "linear_regression.batch_gradient": GradientOracle(
        params=lambda w, b, u, v, y: {"w": w, "b": b},
        loss=lambda p, *context: float(_unit_loss(p, *context)),
        jax_loss=lambda p, *context: _unit_loss(p, *context, mean=jnp.mean),
        chain=_linear_unit_producing),
    "activations.softmax": ValueOracle(expected=lambda Z: (scipy_softmax(Z, axis=1),)),
}

# The classic slip: the factor 2 from differentiating the square is dropped in ONE link, ∂Loss_i/∂ŷ.
# Every other cell takes its link values as arguments, so only that link's cell fails.
SLIP = {
    "edits": {"loss_slope": [("return 2 * (y_hat - y)", "return y_hat - y")]},
    "failing_cells": {"test_loss_slope"},
    "feedback_mentions": "a factor 2 is missing",
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
