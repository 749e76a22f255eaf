"""Reference backprop for the two-node network and one hidden layer (assignment 2).

Sign conventions, as in the lectures: `two_node_gradients` returns gradients
of E = ½(out − target)²; the error terms follow lecture 001, δ = (y − ŷ)·σ′(z),
which is minus ∂E/∂z, and the weight steps are the changes to *add* to the
weights, −η·∂E/∂w averaged over the records.
"""
import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def two_node_gradients(w0, w1, w2, s0, target):
    """(∂E/∂w0, ∂E/∂w1, ∂E/∂w2) of E = ½(w2·σ(w1·σ(w0·s0)) − target)²."""
    s1 = _sigmoid(w0 * s0)
    s2 = _sigmoid(w1 * s1)
    out = w2 * s2
    dE_dx2 = (out - target) * w2 * s2 * (1 - s2)
    return dE_dx2 * w1 * s1 * (1 - s1) * s0, dE_dx2 * s1, (out - target) * s2


def output_error_term(output, target):
    """δ_output = (target − output)·σ′, with σ′ = output·(1 − output); shape of output."""
    output = np.asarray(output, dtype=float)
    return (target - output) * output * (1 - output)


def hidden_error_term(output_error_term, weights_hidden_output, hidden_output):
    """δ_hidden = δ_output·W_ho·h·(1 − h); (h,) for one record, (n, h) for a batch."""
    hidden_output = np.asarray(hidden_output, dtype=float)
    back = np.asarray(output_error_term, dtype=float)[..., None] * weights_hidden_output
    return back * hidden_output * (1 - hidden_output)


def weight_steps(learning_rate, output_error_term, hidden_error_term, hidden_output, x):
    """(Δw_hidden_output (h,), Δw_input_hidden (d, h)): η × the mean over the records of δ × input."""
    x = np.atleast_2d(x)
    n = x.shape[0]
    delta_w_hidden_output = learning_rate * np.atleast_1d(output_error_term) @ np.atleast_2d(hidden_output) / n
    delta_w_input_hidden = learning_rate * x.T @ np.atleast_2d(hidden_error_term) / n
    return delta_w_hidden_output, delta_w_input_hidden


# The known slips of these functions are in course.<topic>.SLIPS (see instructor.references.slips).
