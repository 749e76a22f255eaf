"""Reference links, compositions and shapes for the two-node network and one hidden layer (assignment 2).

Sign conventions, as in the lectures: the two-node network's links and
gradients are those of E = ½(out − target)²; the hidden layer follows
lecture 001, whose error is y − ŷ = −∂E/∂ŷ and whose error terms are
δ = (y − ŷ)·σ′(z) = −∂E/∂z, and the weight steps are the changes to *add* to
the weights, −η·∂E/∂w averaged over the records.
"""
import numpy as np


# --- the two-node chain's links: each the derivative of one forward step -----------

def squared_error_slope(out, target):
    """∂E/∂out of E = ½(out − target)²; the shape of out."""
    return np.asarray(out, dtype=float) - target


def sigmoid_slope(s):
    """∂s/∂x of s = σ(x), written in the output: σ′ = s·(1 − s); the shape of s."""
    s = np.asarray(s, dtype=float)
    return s * (1 - s)


def product_slopes(w, s):
    """(∂(w·s)/∂w, ∂(w·s)/∂s) = (s, w), each the shape of w and s."""
    return np.asarray(s, dtype=float) + 0 * np.asarray(w), np.asarray(w, dtype=float) + 0 * np.asarray(s)


# --- their composition: the chain rule, one product per weight ----------------------

def two_node_gradients(dE_dout, dout_dw2, dout_ds2, ds2_dx2, dx2_dw1, dx2_ds1, ds1_dx1, dx1_dw0):
    """(∂E/∂w0, ∂E/∂w1, ∂E/∂w2), the links multiplied from the loss back to each weight."""
    dE_dx2 = dE_dout * dout_ds2 * ds2_dx2
    return dE_dx2 * dx2_ds1 * ds1_dx1 * dx1_dw0, dE_dx2 * dx2_dw1, dE_dout * dout_dw2


# --- the hidden layer -------------------------------------------------------------------

def backprop_shapes(n, d, h):
    """The shapes of δ_o, δ_h, Δw_ho and ΔW_ih for n records, d inputs and h hidden units."""
    return (n,), (n, h), (h,), (d, h)


def output_error(output, target):
    """The lecture's error y − ŷ, which is −∂E/∂ŷ for E = ½(y − ŷ)²; the shape of output."""
    return target - np.asarray(output, dtype=float)


def output_error_term(output_error, output_slope):
    """δ_o = error × σ′(z_o); the shape of output_error."""
    return np.asarray(output_error, dtype=float) * output_slope


def hidden_error_term(output_error_term, weights_hidden_output, hidden_slope):
    """δ_h = δ_o·w_ho·σ′(z_h); (h,) for one record, (n, h) for a batch."""
    back = np.asarray(output_error_term, dtype=float)[..., None] * weights_hidden_output
    return back * np.asarray(hidden_slope, dtype=float)


def weight_steps(learning_rate, output_error_term, hidden_error_term, hidden_output, x):
    """(Δw_hidden_output (h,), Δw_input_hidden (d, h)): η × the mean over the records of δ × input."""
    x = np.atleast_2d(x)
    n = x.shape[0]
    delta_w_hidden_output = learning_rate * np.atleast_1d(output_error_term) @ np.atleast_2d(hidden_output) / n
    delta_w_input_hidden = learning_rate * x.T @ np.atleast_2d(hidden_error_term) / n
    return delta_w_hidden_output, delta_w_input_hidden


# The known slips of these functions are in course.<topic>.SLIPS (see instructor.references.slips).
