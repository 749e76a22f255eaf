"""Independent ways to get what each reference implementation returns.

Every graded check names a reference in `instructor.references`.  A spec
module (`tests/spec_<assignment>.py`) gives each check an oracle: a loss whose
gradient the reference must equal (checked against finite differences and
against JAX's automatic differentiation), or an independent implementation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class GradientOracle:
    """The reference returns d loss / d params (each output one parameter, in order).

    params(*args)       -> {name: value} the derivative is taken at;
    loss(p, *args)      -> float, in numpy;
    jax_loss(p, *args)  -> scalar, in jax.numpy (float64), the same function;
    sign                 -1 where the reference returns minus the gradient
                         (the lecture's error terms δ = (y − ŷ)…).
    """

    params: Callable[..., dict]
    loss: Callable[..., float]
    jax_loss: Callable[..., Any]
    sign: float = 1.0


@dataclass(frozen=True)
class ValueOracle:
    """The reference returns what `expected(*args)` returns (a tuple of outputs)."""

    expected: Callable[..., tuple]
