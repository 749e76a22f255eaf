"""Reference backprop for lecture 004's house-price network (assignment 4): E = ½Σ(ŷ − y)², linear output.

The links are the derivatives of one forward step each; the compositions take the links' values.
"""
import numpy as np


def _floats(value):
    return np.asarray(value, dtype=float)


# --- the links of ∂E/∂w16 and ∂E/∂w6 --------------------------------------------

def dE_dy_pred(y_pred, y):
    """∂E_i/∂ŷ_i = ŷ_i − y_i; (n,)."""
    return _floats(y_pred) - _floats(y)


def dy_pred_dalpha_o(alpha_o):
    """∂ŷ_i/∂α_O,i = 1 for a linear output; (n,)."""
    return np.ones_like(_floats(alpha_o))


def dalpha_o_dw16(beta_h):
    """∂α_O,i/∂w16 = 1: the output's bias multiplies a constant 1; (n,)."""
    return np.ones(len(_floats(beta_h)))


def dalpha_o_dbeta_h1(w_output):
    """∂α_O/∂β_H1 = w17 = w_output[1]; ()."""
    return _floats(w_output)[1]


def sigmoid_slope(beta):
    """dσ/dα written with the output β = σ(α): β(1 − β); β's shape."""
    beta = _floats(beta)
    return beta * (1 - beta)


def dalpha_h1_dw6(x):
    """∂α_H1,i/∂w6 = x_1,i; (n,)."""
    return _floats(x)[:, 0].copy()


def dE_dw16(dE_dy_pred, dy_pred_dalpha_o, dalpha_o_dw16):
    """Σ_i ∂E_i/∂ŷ_i · ∂ŷ_i/∂α_O,i · ∂α_O,i/∂w16; ()."""
    return np.sum(_floats(dE_dy_pred) * _floats(dy_pred_dalpha_o) * _floats(dalpha_o_dw16))


def dE_dw6(dE_dy_pred, dy_pred_dalpha_o, dalpha_o_dbeta_h1, dbeta_h1_dalpha_h1, dalpha_h1_dw6):
    """Σ_i ∂E_i/∂ŷ_i · ∂ŷ_i/∂α_O,i · w17 · σ′(α_H1,i) · x_1,i; ()."""
    return np.sum(_floats(dE_dy_pred) * _floats(dy_pred_dalpha_o) * _floats(dalpha_o_dbeta_h1)
                  * _floats(dbeta_h1_dalpha_h1) * _floats(dalpha_h1_dw6))


# --- all 21 at once -------------------------------------------------------------

def backprop_shapes(n, h):
    """The shapes of δ_O, δ_H, ∂E/∂W_hidden, ∂E/∂w_output for n records and h hidden units."""
    return (n,), (n, h), (3, h), (h + 1,)


def output_error_term(dE_dy_pred, dy_pred_dalpha_o):
    """δ_O = ∂E_i/∂ŷ_i · ∂ŷ_i/∂α_O,i; (n,)."""
    return _floats(dE_dy_pred) * _floats(dy_pred_dalpha_o)


def hidden_error_terms(output_error_term, w_output, hidden_slopes):
    """δ_H[i, j] = δ_O[i]·w_output[1 + j]·slope[i, j]; (n, h). w_output[0] is the bias."""
    return _floats(output_error_term)[:, None] * _floats(w_output)[1:] * _floats(hidden_slopes)


def gradient(inputs, beta_h, output_error_term, hidden_error_terms):
    """(∂E/∂W_hidden = inputsᵀ δ_H (3, h), ∂E/∂w_output = [1, β_H]ᵀ δ_O (h + 1,)), summed over the records."""
    beta_h = _floats(beta_h)
    hidden_with_bias = np.hstack([np.ones((len(beta_h), 1)), beta_h])
    return _floats(inputs).T @ _floats(hidden_error_terms), hidden_with_bias.T @ _floats(output_error_term)


# --- the references chained, for the tests of the demos and training loops --------

def links():
    """Every reference above as the `course.house_prices.Links` a notebook chains from the student's."""
    from course.house_prices import Links

    return Links(dE_dy_pred=dE_dy_pred, dy_pred_dalpha_o=dy_pred_dalpha_o, sigmoid_slope=sigmoid_slope,
                 output_error_term=output_error_term, hidden_error_terms=hidden_error_terms, gradient=gradient)


def full_gradient(x, y, W_hidden, w_output, **network):
    """The whole backward pass from the references: (∂E/∂W_hidden (3, h), ∂E/∂w_output (h + 1,))."""
    from course.house_prices import backprop

    return backprop(links(), **network)(x, y, W_hidden, w_output)


def relu_gradient(x, y, W_hidden, w_output):
    """The same network's gradient with ReLU hidden units (section 8)."""
    return full_gradient(x, y, W_hidden, w_output, hidden="relu")


def sigmoid_output_gradient(x, y, W_hidden, w_output):
    """The lecture's numpy network, a sigmoid on the output too (section 6)."""
    return full_gradient(x, y, W_hidden, w_output, output="sigmoid")


# The known slips of these functions are in course.<topic>.SLIPS (see instructor.references.slips).
