"""Independent ways to get what each reference implementation returns.

Every graded check names a reference in `instructor.references`.  A spec
module (`tests/spec_<assignment>.py`) gives each check an oracle: either the
whole network's loss, whose gradient the reference must equal (checked against
finite differences and against JAX's automatic differentiation, at random
non-zero weights), or an independent implementation (`ValueOracle`).

A reference that computes one link of the chain (an error term that receives
the error terms from above) is still checked against the whole chain: its
oracle rebuilds a network in which the arguments it receives are what a
forward pass produces (targets solved for, or a random network drawn from the
case's shapes), and differentiates that network's loss.  No oracle is a
first-order surrogate whose gradient is the reference's formula by design.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class GradientOracle:
    """The reference returns d loss / d params (each output one parameter, in order).

    params(*context)       -> {name: value} the derivative is taken at;
    loss(p, *context)      -> float, in numpy;
    jax_loss(p, *context)  -> scalar, in jax.numpy (float64), the same function;
    sign                    -1 where the reference returns minus the gradient
                            (the lecture's error terms δ = (y − ŷ)…);
    chain(args, rng)        optional: (the reference's arguments, the context) for a
                            random network with non-zero weights shaped like the case
                            `args`; without it, both are the case's own arguments.
    """

    params: Callable[..., dict]
    loss: Callable[..., float]
    jax_loss: Callable[..., Any]
    sign: float = 1.0
    chain: Callable[[tuple, np.random.Generator], tuple[tuple, tuple]] | None = None

    def arguments(self, args: tuple, rng: np.random.Generator) -> tuple[tuple, tuple]:
        """(what the reference is called with, what params and the losses are called with)."""
        return self.chain(args, rng) if self.chain else (args, args)


@dataclass(frozen=True)
class ValueOracle:
    """The reference returns what `expected(*args)` returns (a tuple of outputs)."""

    expected: Callable[..., tuple]
