"""Reference backprop for lecture 000's 3-2-1 network (assignment 3): L = mean((exp(σ(X W1)·w2) − y)²).

One function per graded exercise: the three links, the shapes, the two deltas composed
from link values, and the weight gradients composed from the deltas.
"""
import numpy as np


def loss_slope(y_hat, y):
    """∂L_i/∂ŷ_i = 2(ŷ_i − y_i) for L_i = (ŷ_i − y_i)²; (n,)."""
    return 2 * (np.asarray(y_hat, dtype=float) - y)


def output_slope(y_hat):
    """∂ŷ/∂z2 = exp(z2) = ŷ: the exponential is its own derivative; (n,)."""
    return np.array(y_hat, dtype=float)


def sigmoid_slope(a1):
    """σ′(z1) = σ(z1)(1 − σ(z1)) = a1·(1 − a1); shape of a1."""
    a1 = np.asarray(a1, dtype=float)
    return a1 * (1 - a1)


def backprop_shapes(n, d, h):
    """Shapes of δ2, δ1, ∂L/∂W1, ∂L/∂w2 for n records, d inputs, h hidden units."""
    return (n,), (n, h), (d, h), (h,)


def output_delta(loss_slope, output_slope):
    """δ2 = ∂L_i/∂ŷ · ∂ŷ/∂z2, record by record; (n,)."""
    return np.asarray(loss_slope, dtype=float) * np.asarray(output_slope, dtype=float)


def hidden_deltas(output_delta, w2, sigmoid_slope):
    """δ1[i, j] = δ2[i]·w2[j]·σ′(z1[i, j]); (n, h)."""
    return (np.asarray(output_delta, dtype=float)[:, None] * np.asarray(w2, dtype=float)
            * np.asarray(sigmoid_slope, dtype=float))


def gradients(X, a1, output_delta, hidden_deltas):
    """(∂L/∂W1 = Xᵀδ1/n (d, h), ∂L/∂w2 = a1ᵀδ2/n (h,)) of the mean over the n records."""
    X = np.asarray(X, dtype=float)
    n = len(X)
    return X.T @ np.asarray(hidden_deltas, dtype=float) / n, np.asarray(a1, dtype=float).T @ output_delta / n


# The known slips of these functions are in course.<topic>.SLIPS (see instructor.references.slips).
