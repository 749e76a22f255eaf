"""Reference backprop for lecture 000's 3-2-1 network (assignment 3): L = mean((exp(σ(X W1)·w2) − y)²)."""
import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def output_delta(z2, y):
    """δ2 = ∂L_i/∂z2 = 2(ŷ − y)·exp(z2), with ŷ = exp(z2); shape of z2."""
    y_hat = np.exp(np.asarray(z2, dtype=float))
    return 2 * (y_hat - y) * y_hat


def hidden_deltas(output_delta, w2, a1):
    """δ1_j = w2_j·δ2·σ′(z1_j), with σ′(z1) = a1·(1 − a1); (n, h)."""
    a1 = np.asarray(a1, dtype=float)
    return np.asarray(output_delta, dtype=float)[:, None] * np.asarray(w2, dtype=float) * a1 * (1 - a1)


def gradients(X, y, W1, w2):
    """(∂L/∂W1 (d, h), ∂L/∂w2 (h,)) of the mean over the n records."""
    X = np.asarray(X, dtype=float)
    z1 = X @ W1
    a1 = _sigmoid(z1)
    z2 = a1 @ w2
    delta2 = output_delta(z2, y)
    delta1 = hidden_deltas(delta2, w2, a1)
    n = len(X)
    return X.T @ delta1 / n, a1.T @ delta2 / n


def _output_delta_without_exp(z2, y):
    return 2 * (np.exp(np.asarray(z2, dtype=float)) - y)


def _gradients_summed(X, y, W1, w2):
    dW1, dw2 = gradients(X, y, W1, w2)
    return dW1 * len(X), dw2 * len(X)


# Known wrong variants, by the hint a student gets when their answers match one.
SLIPS = {
    "output_delta": {
        "the output delta is missing the exponential's slope exp(z2) = ŷ (the chain rule's last link)":
            _output_delta_without_exp,
        "the factor 2 of the squared error's derivative is missing":
            lambda z2, y: output_delta(z2, y) / 2,
        "the sign is flipped: δ2 = ∂L/∂z2 = 2(ŷ − y)·exp(z2)":
            lambda z2, y: -output_delta(z2, y),
    },
    "hidden_deltas": {
        "the hidden deltas are missing the sigmoid's slope σ′(z1) = σ(z1)(1 − σ(z1))":
            lambda output_delta, w2, a1: np.asarray(output_delta, float)[:, None] * np.asarray(w2, float)
            * np.ones_like(np.asarray(a1, float)),
    },
    "gradients": {
        "the gradients are summed over the records: the loss is a mean, so divide by n":
            _gradients_summed,
    },
}
