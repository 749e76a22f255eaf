"""Lecture 000's 3-2-1 network in Keras 3 on JAX, from given weights (assignment 3's comparison)."""
from __future__ import annotations

import numpy as np

from .keras_backend import FLOAT, keras


def build(W1: np.ndarray, w2: np.ndarray) -> "keras.Model":
    """Dense(2, sigmoid) → Dense(1, exponential), no biases, kernels W1 (d, h) and w2 as (h, 1).

    The lecture's `Constant([[1.0, 2.0]])` for the output layer was broadcast by Keras into a
    2×2 kernel, a second output column nobody asked for; a Dense(1) kernel has shape (h, 1).
    """
    inputs = keras.Input(shape=(W1.shape[0],), name="inputs")
    hidden = keras.layers.Dense(W1.shape[1], activation="sigmoid", use_bias=False, name="hidden",
                                kernel_initializer=keras.initializers.Constant(W1))(inputs)
    output = keras.layers.Dense(1, activation="exponential", use_bias=False, name="output",
                                kernel_initializer=keras.initializers.Constant(np.reshape(w2, (-1, 1))))(hidden)
    return keras.Model(inputs, output)


def build_lecture_model(W1: np.ndarray) -> "keras.Model":
    """Lecture 000's Keras listing as written: the output layer's `Constant([[1.0, 2.0]])` on a Dense(1).

    Keras broadcast that (1, 2) constant into the (2, 1) kernel's place as a (2, 2) kernel whose
    columns start as (1, 1) and (2, 2), so the model has two output columns, and its "mse"
    averages each record's error over both.  Kept to reproduce the lecture's printed weights.
    """
    inputs = keras.Input(shape=(W1.shape[0],), name="inputs")
    hidden = keras.layers.Dense(W1.shape[1], activation="sigmoid", use_bias=False, name="hidden",
                                kernel_initializer=keras.initializers.Constant(W1))(inputs)
    output = keras.layers.Dense(1, activation="exponential", use_bias=False, name="output",
                                kernel_initializer=keras.initializers.Constant([[1.0, 2.0]]))(hidden)
    return keras.Model(inputs, output)


def weights(model: "keras.Model") -> tuple[np.ndarray, np.ndarray]:
    """(W1 (d, h), w2 (h,)) of a model made by `build`, as float64 numpy arrays."""
    W1, w2 = model.get_weights()
    return np.asarray(W1, dtype=float), np.asarray(w2, dtype=float).ravel()


class _FullBatch(keras.utils.PyDataset):
    """The whole data set as one batch, `steps` times: `steps` updates inside one epoch."""

    def __init__(self, X: np.ndarray, y: np.ndarray, steps: int):
        super().__init__()
        self.X, self.y, self.steps = X.astype(FLOAT), y.reshape(-1, 1).astype(FLOAT), steps

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int):
        return self.X, self.y


class _LossEvery(keras.callbacks.Callback):
    """Records the loss Keras reports (the running mean of the epoch, so kept per batch), and the weights if asked."""

    def __init__(self, progress=None, weights=None):
        super().__init__()
        self.losses, self.progress, self.weights = [], progress, weights

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(float(logs["loss"]))
        if self.weights is not None:
            self.weights.append(np.concatenate([np.ravel(w) for w in self.model.get_weights()]).astype(float))
        if self.progress is not None and batch % 100 == 0:
            self.progress(batch)


def fit(model: "keras.Model", X: np.ndarray, y: np.ndarray, *, optimizer: "keras.optimizers.Optimizer",
        steps: int, progress=None, steps_per_execution: int = 100,
        weights_every_execution: list | None = None) -> np.ndarray:
    """`steps` full-batch updates in one epoch, the same updates as `steps` epochs of one full batch.

    Returns the loss Keras reports after each group of `steps_per_execution` steps; given a list,
    `weights_every_execution` receives all the weights, flattened, after each group.
    """
    model.compile(optimizer=optimizer, loss="mse", steps_per_execution=steps_per_execution)
    record = _LossEvery(progress, weights_every_execution)
    model.fit(_FullBatch(X, y, steps), epochs=1, verbose=0, callbacks=[record])
    if progress is not None:
        progress(steps)
    return np.asarray(record.losses)


def autodiff_gradients(model: "keras.Model", X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """∂L/∂W1 (d, h) and ∂L/∂w2 (h,) of L = mean((ŷ − y)²), by JAX's automatic differentiation."""
    import jax

    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]

    def loss(trainable_values):
        y_hat, _ = model.stateless_call(trainable_values, non_trainable, X.astype(FLOAT))
        return keras.ops.mean((y_hat[:, 0] - y.astype(FLOAT)) ** 2)

    dW1, dw2 = jax.grad(loss)(trainable)
    return np.asarray(dW1, dtype=float), np.asarray(dw2, dtype=float).ravel()
