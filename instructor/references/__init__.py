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
    """Known wrong variants of `check`, by the hint a student gets when matching one."""
    topic, function = check.split(".")
    module = importlib.import_module(f"{__name__}.{topic}")
    return getattr(module, "SLIPS", {}).get(function, {})
