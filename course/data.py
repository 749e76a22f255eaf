"""Every data set of the course, each with where it comes from.

Seeded generators are used so that every number a student sees is
reproducible; `np.random.RandomState` reproduces the lecture's legacy
`np.random.seed(...)` streams without touching numpy's global state.
"""
from __future__ import annotations

import numpy as np

# --- Assignment 1: linear regression (lecture 002) -------------------------

#: The two observations the lecture "randomly picks" for its SGD steps.
SGD_OBSERVATIONS = [(5.0, 5.0), (9.0, 17.0)]


def batch_example() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's batch: x = 1, 2, 3 and y = 2x − 1 + 0.01·noise (numpy seed 111)."""
    x = np.array([1.0, 2.0, 3.0])
    y = 2 * x - 1 + 0.01 * np.random.RandomState(111).randn(3)
    return x, y


def linear_toy(n: int = 100, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """n points of y = 2x − 1 + N(0, 0.5²) noise, x uniform on [0, 4]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 4, size=n)
    return x, 2 * x - 1 + rng.normal(0, 0.5, size=n)


#: Lecture 002's logistic example: X (3, 2), w (2, 1), b.
LOGISTIC_EXAMPLE = {
    "X": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
    "w": np.array([[1.0], [2.0]]),
    "b": -10.0,
}

#: Lecture 002's softmax example: X (3, 2), W (2, 2), b (2,).
SOFTMAX_EXAMPLE = {
    "X": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
    "W": np.array([[1.0, 3.0], [2.0, 4.0]]),
    "b": np.array([-10.0, -20.0]),
}


# --- Assignment 2: sigmoid networks (lectures 003 and 001) ------------------


# --- Assignment 3: the 3-2-1 network (lecture 000) --------------------------


# --- Assignment 4: house prices (lecture 004) -------------------------------
