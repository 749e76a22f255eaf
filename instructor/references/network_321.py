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


# The known slips of these functions are in course.<topic>.SLIPS (see instructor.references.slips).
