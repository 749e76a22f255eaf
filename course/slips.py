"""Classic slips: known wrong answers of a graded function, each with the hint that names it.

One catalogue per graded function, `SLIPS[function]` in `course.<topic>`, serves both the
visible tests (`checks.expect_outputs`) and the grader's verifier (through
`checks.matching_slip`), ordered so that the most specific slip comes first.

A slip is written as a *change to the right answer* (`wrong(right, *args)`), never as a
formula on its own: this module and the catalogues ship to students, and a change such as
"without the factor s0" or "times n" reveals nothing the visible expected values do not
already show.  (The softmax's slips are the exception: assignment 1's text gives the
softmax's formula and its shift, so writing the wrong variants out reveals nothing more.)
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class Slip:
    """One classic mistake and the hint a student gets for it; exactly one of the three tests is set.

    wrong(right, *args) -> outputs: the slip's answers (a tuple, one per output) from the right
        answers `right` (a tuple) and the call's arguments.
    shapes(shapes, *args) -> bool: whether a numpy shape error that names `shapes` (a list of
        tuples) is the one this slip causes.
    violated(got, *args) -> bool: whether the answers `got` (a tuple) break a property that every
        right answer has (a softmax's rows sum to 1).
    """

    hint: str
    wrong: Callable[..., tuple] | None = None
    shapes: Callable[..., bool] | None = None
    violated: Callable[..., bool] | None = None


def catalogue(check: str) -> tuple[Slip, ...]:
    """The slips of `check` ("topic.function"), most specific first."""
    topic, function = check.split(".")
    return tuple(getattr(importlib.import_module(f"course.{topic}"), "SLIPS", {}).get(function, ()))


def shapes_named(message: str) -> list[tuple[int, ...]]:
    """Every shape written like (2,1,3) or (3,) in a numpy error message."""
    return [tuple(int(n) for n in group.replace(" ", "").split(",") if n)
            for group in re.findall(r"\(([\d,\s]*)\)", message)]


def shape_of(value: Any) -> tuple[int, ...]:
    return tuple(np.shape(value))
