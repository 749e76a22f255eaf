"""Reference backprop for lecture 004's house-price network (assignment 4): E = ½Σ(ŷ − y)², linear output."""
import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def output_error_term(y_pred, y):
    """δ_O = ∂E/∂α_O = ŷ − y for a linear output; (n,)."""
    return np.asarray(y_pred, dtype=float) - np.asarray(y, dtype=float)


def hidden_error_terms(output_error_term, w_output, beta_h):
    """δ_H[i, j] = δ_O[i]·w_output[1 + j]·β_H[i, j](1 − β_H[i, j]); (n, h). w_output[0] is the bias."""
    beta_h = np.asarray(beta_h, dtype=float)
    return np.asarray(output_error_term, dtype=float)[:, None] * np.asarray(w_output)[1:] * beta_h * (1 - beta_h)


def gradient(x, y, W_hidden, w_output):
    """(∂E/∂W_hidden (3, h), ∂E/∂w_output (h + 1,)), summed over the records."""
    x = np.asarray(x, dtype=float)
    inputs = np.hstack([np.ones((len(x), 1)), x])
    beta_h = _sigmoid(inputs @ W_hidden)
    hidden_with_bias = np.hstack([np.ones((len(x), 1)), beta_h])
    delta_o = output_error_term(hidden_with_bias @ w_output, y)
    delta_h = hidden_error_terms(delta_o, w_output, beta_h)
    return inputs.T @ delta_h, hidden_with_bias.T @ delta_o


# The known slips of these functions are in course.<topic>.SLIPS (see instructor.references.slips).
