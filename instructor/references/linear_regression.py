"""Reference links and compositions for the MSE of ŷ = w·x + b (assignment 1)."""
import numpy as np


def loss_slope(y_hat, y):
    """∂Loss_i/∂ŷ for Loss_i = (ŷ − y)², observation by observation; shape of y_hat."""
    return 2 * (np.asarray(y_hat, dtype=float) - y)


def prediction_slopes(x):
    """(∂ŷ/∂w, ∂ŷ/∂b) for ŷ = w·x + b, observation by observation; each the shape of x."""
    x = np.asarray(x, dtype=float)
    return x, np.ones_like(x)


def observation_gradient(dloss_dyhat, dyhat_dw, dyhat_db):
    """(∂Loss_i/∂w, ∂Loss_i/∂b) from one observation's links (floats): the chain rule."""
    return dloss_dyhat * dyhat_dw, dloss_dyhat * dyhat_db


def batch_gradient_shapes(n):
    """Shapes of the per-observation links ∂Loss_i/∂ŷ, ∂ŷ_i/∂w, ∂ŷ_i/∂b and of ∂Loss/∂w, ∂Loss/∂b."""
    return (n,), (n,), (n,), (), ()


def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):
    """(∂Loss/∂w, ∂Loss/∂b) of the mean loss from the links of n observations, each of shape (n,)."""
    return np.mean(dloss_dyhat * dyhat_dw), np.mean(dloss_dyhat * dyhat_db)
