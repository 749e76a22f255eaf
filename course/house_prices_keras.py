"""Lecture 004's house-price network in Keras 3 on JAX, from given weights (assignment 4's cross-check)."""
from __future__ import annotations

import numpy as np

from .keras_backend import FLOAT, keras


class HalfSumOfSquares(keras.losses.Loss):
    """E = ½ Σ (ŷ − y)²: the lecture's loss, a sum over the records (Keras's "mse" is a mean)."""

    def __init__(self):
        super().__init__(name="half_sum_of_squares", reduction="sum")

    def call(self, y_true, y_pred):
        return 0.5 * keras.ops.sum((y_pred - y_true) ** 2, axis=-1)


def build(W_hidden: np.ndarray, w_output: np.ndarray) -> "keras.Model":
    """Dense(h, sigmoid) → Dense(1), whose kernels and biases are W_hidden's and w_output's rows."""
    hidden_units = W_hidden.shape[1]
    inputs = keras.Input(shape=(2,), name="size_and_bedrooms")
    hidden = keras.layers.Dense(
        hidden_units, activation="sigmoid", name="hidden",
        kernel_initializer=keras.initializers.Constant(W_hidden[1:]),
        bias_initializer=keras.initializers.Constant(W_hidden[0]))(inputs)
    output = keras.layers.Dense(
        1, name="price", kernel_initializer=keras.initializers.Constant(np.reshape(w_output[1:], (-1, 1))),
        bias_initializer=keras.initializers.Constant(w_output[:1]))(hidden)
    return keras.Model(inputs, output)


def weights(model: "keras.Model") -> tuple[np.ndarray, np.ndarray]:
    """(W_hidden (3, h), w_output (h + 1,)) of a model made by `build`, float64."""
    kernel, bias, out_kernel, out_bias = (np.asarray(w, dtype=float) for w in model.get_weights())
    return np.vstack([bias, kernel]), np.concatenate([out_bias, out_kernel.ravel()])


def autodiff_gradient(model: "keras.Model", x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """∂E/∂W_hidden (3, h) and ∂E/∂w_output (h + 1,) by JAX's automatic differentiation, float32."""
    import jax

    non_trainable = [v.value for v in model.non_trainable_variables]
    loss = HalfSumOfSquares()

    def energy(trainable):
        y_pred, _ = model.stateless_call(trainable, non_trainable, x.astype(FLOAT))
        return loss(y.reshape(-1, 1).astype(FLOAT), y_pred)

    kernel, bias, out_kernel, out_bias = (np.asarray(g, dtype=float) for g in
                                          jax.grad(energy)([v.value for v in model.trainable_variables]))
    return np.vstack([bias, kernel]), np.concatenate([out_bias, out_kernel.ravel()])


def train(model: "keras.Model", x: np.ndarray, y: np.ndarray, *, learning_rate: float, steps: int,
          progress=None) -> np.ndarray:
    """`steps` full-batch SGD steps; E before every step and after the last, (steps + 1,).

    One `train_on_batch` per step, because it returns the loss of that very step (a `fit`
    epoch reports running means); the step itself is compiled by JAX once.
    """
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss=HalfSumOfSquares())
    x32, y32 = x.astype(FLOAT), y.reshape(-1, 1).astype(FLOAT)
    losses = []
    for step in range(steps):
        losses.append(float(model.train_on_batch(x32, y32)))
        if progress is not None and step % 100 == 0:
            progress(step)
    if progress is not None:
        progress(steps)
    losses.append(float(HalfSumOfSquares()(y32, model(x32))))
    return np.asarray(losses)
