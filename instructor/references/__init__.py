"""Reference implementations of every graded function, by check name.

A check name is "topic.function": the grader regenerates the cases from
`course.<topic>.HIDDEN_CASES[function]` and compares the student's answers
with `instructor.references.<topic>.<function>` applied to the same cases.
Nothing here is installed for students.
"""
from __future__ import annotations

import importlib
from typing import Callable


def reference(check: str) -> Callable:
    """The reference implementation of `check` ("topic.function")."""
    topic, function = check.split(".")
    return getattr(importlib.import_module(f"{__name__}.{topic}"), function)


def slips(check: str) -> dict[str, Callable]:
    """Known wrong variants of `check`, by the hint a student gets when matching one.

    The catalogue is `course.<topic>.SLIPS` (shared with the visible tests, most specific
    first); each slip there is a change to the right answer, applied here to the reference's.
    Slips that only recognise a shape error or a broken property have no answers to compare
    and are left out.
    """
    import importlib as _importlib
    import warnings

    import numpy as np

    from course import checks, slips as catalogue

    topic, function = check.split(".")
    outputs = _importlib.import_module(f"course.{topic}").HIDDEN_CASES[function].outputs
    right = reference(check)

    def variant(slip):
        def wrong(*args):
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                answers = checks.split_outputs(right(*args), outputs, check)
                try:
                    result = tuple(slip.wrong(tuple(np.asarray(a, dtype=float) for a in answers), *args))
                except Exception:  # noqa: BLE001 - the slip does not apply here: answers no student gives
                    result = tuple(np.empty((0, 0, 0)) for _ in outputs)
            return result if len(outputs) > 1 else result[0]
        wrong.__name__ = function
        return wrong

    return {slip.hint: variant(slip) for slip in catalogue.catalogue(check) if slip.wrong is not None}
