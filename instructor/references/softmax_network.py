"""Reference backprop for the softmax network (assignment 5).

    z1 = X W1 + b1, a1 = tanh(z1), z2 = a1 W2 + b2, ŷ = softmax(z2), L = mean_i −Σ_j y_ij log ŷ_ij
"""
import numpy as np


def network_shapes(n, d, h, k):
    """Shapes of δ_o, δ_h, ∂L/∂W1, ∂L/∂b1, ∂L/∂W2, ∂L/∂b2 for n records, d inputs, h hidden, k outputs."""
    return (n, k), (n, h), (d, h), (h,), (h, k), (k,)


def cross_entropy_slope(y_hat, y):
    """∂L_i/∂ŷ_ij = −y_ij / ŷ_ij, (n, k)."""
    return -np.asarray(y, dtype=float) / np.asarray(y_hat, dtype=float)


def softmax_vjp(y_hat, upstream):
    """∂L_i/∂z_m = Σ_j upstream_j ŷ_j (δ_jm − ŷ_m) = ŷ_m (upstream_m − Σ_j upstream_j ŷ_j), (n, k)."""
    y_hat, upstream = np.asarray(y_hat, dtype=float), np.asarray(upstream, dtype=float)
    return y_hat * (upstream - np.sum(upstream * y_hat, axis=1, keepdims=True))


def output_error(y_hat, y):
    """δ_o = ∂L_i/∂z2 = ŷ − y, (n, k)."""
    return np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)


def hidden_slope(a1):
    """tanh′(z1) = 1 − tanh(z1)² = 1 − a1², (n, h)."""
    a1 = np.asarray(a1, dtype=float)
    return 1 - a1 ** 2


def hidden_error(output_error, W2, slope):
    """δ_h = (δ_o W2ᵀ) ⊙ slope: (n, k)(h, k)ᵀ → (n, h), each hidden unit summing over the k outputs."""
    return (np.asarray(output_error, dtype=float) @ np.asarray(W2, dtype=float).T) * np.asarray(slope, dtype=float)


def weight_gradients(X, hidden_error, a1, output_error):
    """(∂L/∂W1 = Xᵀ δ_h / n (d, h), ∂L/∂W2 = a1ᵀ δ_o / n (h, k))."""
    n = len(X)
    return (np.asarray(X, dtype=float).T @ np.asarray(hidden_error, dtype=float) / n,
            np.asarray(a1, dtype=float).T @ np.asarray(output_error, dtype=float) / n)


def bias_gradients(hidden_error, output_error):
    """(∂L/∂b1 (h,), ∂L/∂b2 (k,)): the error terms summed over the records, divided by n."""
    n = len(hidden_error)
    return (np.sum(np.asarray(hidden_error, dtype=float), axis=0) / n,
            np.sum(np.asarray(output_error, dtype=float), axis=0) / n)


# The known slips of these functions are in course.<topic>.SLIPS (see instructor.references.slips).
