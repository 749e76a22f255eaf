"""Activation functions and the logistic and softmax forward passes (lecture 002)."""
from __future__ import annotations

import numpy as np

from .checks import Case, HiddenCases
from .slips import Slip


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), elementwise, floats or arrays; below z = −700 it stays at σ(−700) ≈ 1e−304."""
    # e^(−z) overflows for z < −709. Clipping z avoids the overflow warning at a quarter of the cost
    # of np.errstate, which matters to the two-node slider: 2000 calls per move.
    return 1.0 / (1.0 + np.exp(-np.maximum(z, -700.0)))


def logistic_forward(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """ŷ = σ(Xw + b).  shapes: X (n, d), w (d, 1) -> (n, 1)."""
    return sigmoid(np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b)


def _softmax_cases(rng: np.random.Generator) -> list[Case]:
    shapes = [(1, 2), (3, 2), (4, 5), (2, 3)]
    cases = [Case((rng.normal(0, 3, size=shape),), f"logits of shape {shape}") for shape in shapes]
    cases.append(Case((np.array([[1000.0, 1001.0], [-1000.0, -1003.0]]),), "very large logits"))
    return cases


HIDDEN_CASES = {
    "softmax": HiddenCases(("softmax(Z)",), _softmax_cases),
}


# --- classic slips (course.slips), most specific first ---------------------------
# Written out as formulas, not as changes to the right answer: the notebook's text already
# gives the softmax and its shift by the row maximum, so these reveal nothing more.

def _normalised(exps: np.ndarray, axis: int) -> np.ndarray:
    return exps / exps.sum(axis=axis, keepdims=True)


def _rows(Z) -> int:
    return int(np.shape(Z)[0]) if np.ndim(Z) == 2 else -1


SLIPS = {
    "softmax": (
        Slip("you subtracted the largest logit of the whole array: subtract each row's own maximum, "
             "or a row far below the largest logit underflows to 0/0",
             wrong=lambda right, Z: (_normalised(np.exp(np.asarray(Z, float) - np.max(Z)), axis=1),)),
        Slip("np.exp overflowed to inf (inf / inf is nan): subtract each row's maximum before np.exp; "
             "it changes no probability",
             wrong=lambda right, Z: (_normalised(np.exp(np.asarray(Z, float)), axis=1),)),
        Slip("the softmax is taken down the columns: normalise each row (axis=1)",
             wrong=lambda right, Z: (_normalised(np.exp(np.asarray(Z, float) - np.max(Z, axis=0)), axis=0),)),
        Slip("a sum over axis=1 has shape (n,), which numpy lines up with the columns: keep the summed "
             "axis (keepdims=True) so that each row is divided by its own sum",
             shapes=lambda shapes, Z: (_rows(Z),) in shapes),
        Slip("each row of a softmax must sum to 1: divide each row's exponentials by that row's sum",
             violated=lambda got, Z: not np.allclose(np.sum(got[0], axis=-1), 1.0)),
    ),
}
