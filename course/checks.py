"""Tests that say which number is wrong, and the probe that hidden tests use.

Visible tests call `expect_outputs`: they run a student's function on a worked
example and, on failure, name the quantity, show expected against got, and
recognise the classic slips (a missing factor 2, a sign, a sum for a mean).

Hidden tests call `record`: it runs the student's function on randomized cases
and displays the answers as a record.  It compares nothing itself: the grader
(`instructor.verify`) checks each record against a reference implementation in
its own process, so a kernel that patches numpy, these helpers or the test cells
cannot make a hidden test pass.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import inspect
import math
import os
import signal
import threading
import warnings
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

# A graded function gets this long per call inside a hidden test before the
# probe gives up on it; much shorter than nbgrader's per-cell timeout.
from course.limits import SECONDS_PER_CALL

RECORD_MIME = "application/vnd.backprop-course.record+json"

# At autograde, the key this student's hidden cases are seeded from (instructor.case_keys).
CASE_KEY_VARIABLE = "BACKPROP_CASE_KEY"

RELATIVE_TOLERANCE = 1e-6
ABSOLUTE_TOLERANCE = 1e-9


class CheckFailed(AssertionError):
    """A test found a wrong answer; the message says which and how."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the message is the
        # whole story, and the helper's internals would only bury it.
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


# ---------------------------------------------------------------------------
# Comparing one answer with the expected one
# ---------------------------------------------------------------------------

def as_float_array(value: Any) -> np.ndarray:
    """`value` as a float64 array, or CheckFailed saying what it was instead."""
    if value is None:
        raise CheckFailed("returned None: did you forget the `return` statement?")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            array = np.asarray(value, dtype=np.float64)
    except Exception:  # noqa: BLE001 - any conversion failure is the student's answer
        raise CheckFailed(
            f"returned a {type(value).__name__}, which is not a number or an array of numbers"
        ) from None
    return array


def _format_number(x: float) -> str:
    # Significant digits, not decimals: 6.144e-06 must not read as 6e-06, nor 1e-12 as 0.0.
    return f"{float(x):.10g}"


def format_value(value: Any, digits: int = 6) -> str:
    """A number or nested list of numbers with `digits` significant digits."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.{digits}g}"
    return "[" + ", ".join(format_value(v, digits) for v in array) + "]"


def _ratio_hint(got: np.ndarray, expected: np.ndarray, batch_size: int | None) -> str | None:
    """Say how `got` differs when it is `expected` times one constant.

    Only the relation is stated, not its cause: which slip it is depends on the exercise's
    conventions, and the exercise's own slip catalogue (`course.slips`) names causes.
    """
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    mask = np.abs(expected) > 1e-12 * scale
    if not mask.any() or np.any(np.abs(got[~mask]) > 1e-6 * scale):
        return None
    ratios = got[mask] / expected[mask]
    ratio = float(np.median(ratios))
    if not np.allclose(ratios, ratio, rtol=1e-6, atol=0):
        return None
    known = []
    if batch_size and batch_size > 1:  # before the factors 2: with 2 records, a sum is twice a mean
        known += [
            (float(batch_size), f"it is {batch_size} times the expected value: you summed over "
                                f"the {batch_size} observations where the loss takes the mean"),
            (1.0 / batch_size, f"it is 1/{batch_size} of the expected value: you took the mean "
                               f"where the loss takes the sum"),
        ]
    known += [
        (-1.0, "the sign is flipped: every entry is minus the expected value"),
        (0.5, "it is half the expected value: a factor 2 is missing"),
        (2.0, "it is twice the expected value: an extra factor 2"),
        (-0.5, "it is minus half the expected value: a factor 2 is missing and the sign is flipped"),
        (-2.0, "it is minus twice the expected value: an extra factor 2 and the sign flipped"),
    ]
    for value, hint in known:
        if math.isclose(ratio, value, rel_tol=1e-6):
            return hint
    if ratios.size < 2:  # any two numbers have a ratio; it says nothing here
        return None
    return f"every entry is {ratio:.6g} times the expected value: a constant factor is off"


def _shape_problem(label: str, got: np.ndarray, expected: np.ndarray) -> str | None:
    """A message if `got` cannot be compared with `expected` entry by entry."""
    if got.shape == expected.shape or (got.size == 1 and expected.size == 1):
        return None
    hint = ""
    if got.ndim == 2 and got.T.shape == expected.shape:
        hint = " (transposed? check which axis is which)"
    elif got.size == expected.size:
        hint = " (same numbers of entries: reshape, or check which axis you summed over)"
    return f"{label}: expected an array of shape {expected.shape}, got shape {got.shape}{hint}"


def _close(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Entry by entry: within tolerance, or the same non-finite value (a slip's NaN matches a NaN)."""
    scale = atol * max(1.0, float(np.max(np.abs(expected[np.isfinite(expected)]), initial=0.0)))
    with np.errstate(invalid="ignore"):
        close = np.abs(got - expected) <= scale + rtol * np.abs(expected)
    return close | (got == expected) | (np.isnan(got) & np.isnan(expected))


def compare(label: str, got: Any, expected: Any, *, batch_size: int | None = None,
            rtol: float = RELATIVE_TOLERANCE, atol: float = ABSOLUTE_TOLERANCE,
            hint: bool = True) -> str | None:
    """None if `got` matches `expected`, else a message saying how it differs.

    Shapes are compared before any arithmetic.  With `hint`, a constant ratio to the
    expected value is described.
    """
    expected = np.asarray(expected, dtype=np.float64)
    try:
        got = as_float_array(got)
    except CheckFailed as failure:
        return f"{label}: {failure}"
    shape_problem = _shape_problem(label, got, expected)
    if shape_problem:
        return shape_problem
    got = got.reshape(expected.shape)
    close = _close(got, expected, rtol, atol)
    if close.all():
        return None
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at index {index}" if got.ndim else ""
        return (f"{label}: got {got[index] if got.ndim else got} (not a finite number){where}; "
                f"look for an overflow (exp of a large number) or a division by zero")
    if got.ndim == 0:
        message = f"{label}: expected {_format_number(expected)}, got {_format_number(got)}"
    else:
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        message = (f"{label}: {int((~close).sum())} of {close.size} entries are wrong; first at "
                   f"index {index}: expected {_format_number(expected[index])}, got "
                   f"{_format_number(got[index])}")
    ratio_hint = _ratio_hint(got, expected, batch_size) if hint else None
    return message + (f"\n  hint: {ratio_hint}" if ratio_hint else "")


def as_shape(value: Any) -> tuple[int, ...]:
    """`value` as a shape (a tuple of non-negative sizes), or CheckFailed saying what it was instead."""
    if value is None:
        raise CheckFailed("returned None: did you forget the `return` statement?")
    if isinstance(value, np.ndarray):  # a decoded record: the sizes as numbers
        value = value.tolist() if value.ndim == 1 else value.item() if value.ndim == 0 else value
    if not isinstance(value, (tuple, list)):
        raise CheckFailed(f"is {value!r}, not a shape: write a shape as a tuple of sizes, "
                          f"such as (n,) or (n, d), and () for a single number")
    sizes = []
    for size in value:
        try:
            whole = not isinstance(size, (bool, np.bool_)) and float(size) == int(size) >= 0
        except (TypeError, ValueError, OverflowError):
            whole = False
        if not whole:
            raise CheckFailed(f"is {tuple(value)!r}, not a shape: every size is a whole number 0 or more")
        sizes.append(int(size))
    return tuple(sizes)


def compare_shapes(label: str, got: Any, expected: Any, **_: Any) -> str | None:
    """None if `got` is the shape `expected`, else a message naming both (as `compare` does for values)."""
    try:
        got = as_shape(got)
    except CheckFailed as failure:
        return f"{label}: {failure}"
    expected = as_shape(expected)
    return None if got == expected else f"{label}: expected {expected}, got {got}"


def same_answers(got: Sequence[Any], want: Sequence[Any], *, rtol: float = RELATIVE_TOLERANCE,
                 atol: float = ABSOLUTE_TOLERANCE) -> bool:
    """Whether every output in `got` equals the one in `want` (shapes first, NaN equal to NaN)."""
    for g, w in zip(got, want):
        g, w = np.asarray(g, dtype=float), np.asarray(w, dtype=float)
        if g.shape != w.shape and not (g.size == 1 and w.size == 1):
            return False
        if not _close(g.reshape(w.shape), w, rtol, atol).all():
            return False
    return len(got) == len(want)


def matching_slip(check: str, args: Sequence[Any], right: Sequence[Any], got: Sequence[Any]):
    """The first slip of `check`'s catalogue that `got` commits, or None."""
    from . import slips

    for slip in slips.catalogue(check):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                if slip.wrong is not None:
                    if same_answers(got, slip.wrong(tuple(np.asarray(r, dtype=float) for r in right), *args)):
                        return slip
                elif slip.violated is not None and slip.violated(tuple(got), *args):
                    return slip
            except Exception:  # noqa: BLE001 - a slip that does not apply to these answers is no match
                continue
    return None


def _shape_error_message(name: str, error: Exception, function: Callable, args: Sequence[Any],
                         expected: Sequence[Any] | None, outputs: Sequence[str] | None,
                         check: str | None) -> str:
    """What a numpy shape error inside the student's function means, in the exercise's terms."""
    from . import slips

    try:
        parameters = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        parameters = []
    names = parameters if len(parameters) == len(args) else [f"argument {i + 1}" for i in range(len(args))]
    given = ", ".join(f"{n} {slips.shape_of(a)}" for n, a in zip(names, args))
    message = f"{name} stopped on a shape mismatch: {str(error).strip()}.\n  Its arguments have shapes: {given}"
    if expected is not None and outputs is not None:
        message += "; it must return " + ", ".join(
            f"{label} of shape {slips.shape_of(e)}" for label, e in zip(outputs, expected))
    named = slips.shapes_named(str(error))
    for slip in slips.catalogue(check) if check else ():
        try:
            applies = slip.shapes is not None and slip.shapes(named, *args)
        except Exception:  # noqa: BLE001 - a slip that does not apply to these arguments is no match
            applies = False
        if applies:
            return message + f".\n  hint: {slip.hint}"
    return message + "."


_SHAPE_ERRORS = ("could not be broadcast", "not aligned", "mismatch in its core dimension",
                 "cannot reshape", "shape mismatch", "does not have enough dimensions")


# ---------------------------------------------------------------------------
# Visible tests
# ---------------------------------------------------------------------------

def call_student(function: Callable, *args: Any, expected: Sequence[Any] | None = None,
                 outputs: Sequence[str] | None = None, check: str | None = None) -> Any:
    """Call a student's function, turning 'not written yet' and shape errors into clear failures."""
    __tracebackhide__ = True
    name = getattr(function, "__name__", "<lambda>")
    name = "your function" if name == "<lambda>" else name
    try:
        return _timed_call(function, args)
    except NotImplementedError:
        raise CheckFailed(
            f"{name} is not implemented yet: replace `raise NotImplementedError()` with your code"
        ) from None
    except _CallTimeout:
        raise CheckFailed(f"{name} did not return within {SECONDS_PER_CALL:g} s (an endless loop?)") from None
    except ValueError as error:
        if not any(phrase in str(error) for phrase in _SHAPE_ERRORS):
            raise
        raise CheckFailed(_shape_error_message(name, error, function, args, expected, outputs, check)) from None


def split_outputs(result: Any, outputs: Sequence[str], name: str) -> list:
    """The function's result as one value per expected output."""
    if len(outputs) == 1:
        return [result]
    if result is None:
        raise CheckFailed(f"{name} returned None: did you forget the `return` statement?")
    if not isinstance(result, (tuple, list)) or len(result) != len(outputs):
        raise CheckFailed(
            f"{name} should return {len(outputs)} values ({', '.join(outputs)}), "
            f"got {type(result).__name__}"
            + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
        )
    return list(result)


def expect_outputs(function: Callable, args: Sequence[Any], expected: Sequence[Any],
                   outputs: Sequence[str], *, check: str | None = None, context: str = "",
                   batch_size: int | None = None, rtol: float = RELATIVE_TOLERANCE,
                   atol: float = ABSOLUTE_TOLERANCE) -> None:
    """Assert `function(*args)` returns `expected`, naming each wrong output.

    `check` ("topic.function") names the exercise: a wrong answer that one of its catalogued
    slips (`course.slips`) produces gets that slip's hint, and no other.  Shapes are
    checked before any value.
    """
    __tracebackhide__ = True
    name = getattr(function, "__name__", "your function")
    where = f" {context}" if context else ""
    result = split_outputs(call_student(function, *args, expected=expected, outputs=outputs, check=check),
                           outputs, name)
    got, problems = [], []
    for label, value, want in zip(outputs, result, expected):
        try:
            array = as_float_array(value)
        except CheckFailed as failure:
            problems.append(f"{label}: {failure}")
            continue
        problem = _shape_problem(label, array, np.asarray(want, dtype=float))
        if problem:
            problems.append(problem)
        got.append(array)
    if problems:  # shapes before arithmetic
        # A slip can change a shape (a missing axis): if the answers are exactly one, name it.
        slip = matching_slip(check, args, expected, got) if check and len(got) == len(expected) else None
        if slip is not None:  # small answers (a shape, a few numbers) read better written out
            problems = [(f"{label}: expected {format_value(want)}, got {format_value(g)}"
                         if g.size <= 4 and np.size(want) <= 4 else problem)
                        for label, g, want in zip(outputs, got, expected)
                        if (problem := _shape_problem(label, g, np.asarray(want, dtype=float)))]
        raise CheckFailed(f"{name}{where}:\n" + "\n".join("- " + p for p in problems)
                          + (f"\n  hint: {slip.hint}" if slip else ""))
    problems = [compare(label, g, want, rtol=rtol, atol=atol, hint=False)
                for label, g, want in zip(outputs, got, expected)]
    if any(problems):
        slip = matching_slip(check, args, expected, got) if check else None
        if slip is None:  # no catalogued slip: say how each wrong output differs
            problems = [compare(label, g, want, batch_size=batch_size, rtol=rtol, atol=atol)
                        for label, g, want in zip(outputs, got, expected)]
        message = f"{name}{where}:\n" + "\n".join("- " + p for p in problems if p)
        raise CheckFailed(message + (f"\n  hint: {slip.hint}" if slip else ""))
    print(f"✓ {name}{where}: "
          + ", ".join(f"{label} = {format_value(value)}" for label, value in zip(outputs, result)))


def expect_shapes(function: Callable, args: Sequence[Any], expected: Sequence[tuple[int, ...]],
                  outputs: Sequence[str], *, check: str | None = None, context: str = "") -> None:
    """Assert `function(*args)` returns the shapes `expected` (one tuple of sizes per output), naming each wrong one.

    Like `expect_outputs`, for an exercise whose answers are shapes: a wrong answer that a catalogued
    slip of `check` produces gets that slip's hint.
    """
    __tracebackhide__ = True
    name = getattr(function, "__name__", "your function")
    where = f" {context}" if context else ""
    result = split_outputs(call_student(function, *args, check=check), outputs, name)
    problems = [compare_shapes(label, got, want) for label, got, want in zip(outputs, result, expected)]
    if any(problems):
        slip = None
        if check:
            try:
                slip = matching_slip(check, args, expected, [as_shape(r) for r in result])
            except CheckFailed:  # not every answer is a shape: no catalogued slip makes that
                slip = None
        message = f"{name}{where}:\n" + "\n".join("- " + p for p in problems if p)
        raise CheckFailed(message + (f"\n  hint: {slip.hint}" if slip else ""))
    print(f"✓ {name}{where}: " + ", ".join(f"{label} = {as_shape(value)}" for label, value in zip(outputs, result)))


# ---------------------------------------------------------------------------
# Hidden tests: randomized cases, recorded for the grader
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One call of a graded function: its arguments and what to say about them."""

    args: tuple
    description: str
    batch_size: int | None = None
    # So many parameters that a gradient by finite differences runs past the per-call limit, while
    # backpropagation takes milliseconds: a correct loss differenced numerically does not pass.
    large: bool = False


@dataclass(frozen=True)
class HiddenCases:
    """The randomized cases on which a graded function is checked."""

    outputs: tuple[str, ...]
    generate: Callable[[np.random.Generator], list[Case]]
    # The answers are shapes (tuples of sizes), compared with `compare_shapes`.
    shapes: bool = False


def case_seed(check: str, key: str | None = None) -> int:
    """The seed of `check`'s cases: from the student's key at autograde, else from the name alone."""
    key = key if key is not None else os.environ.get(CASE_KEY_VARIABLE)
    if key:
        return int.from_bytes(hmac.new(key.encode(), check.encode(), hashlib.sha256).digest()[:8], "little")
    return zlib.crc32(check.encode())


def cases_for(check: str, key: str | None = None) -> tuple[HiddenCases, list[Case]]:
    """The cases of `check` ("topic.function"), for the student whose key is `key` (see case_seed)."""
    topic, function = check.split(".")
    module = importlib.import_module(f"course.{topic}")
    spec = module.HIDDEN_CASES[function]
    return spec, spec.generate(np.random.default_rng(case_seed(check, key)))


def encode_array(value: Any) -> dict:
    """A JSON-safe, exact encoding of one answer (NaN and shape included)."""
    array = as_float_array(value)
    return {"shape": list(array.shape),
            "data": base64.b64encode(np.ascontiguousarray(array, "<f8").tobytes()).decode()}


def decode_array(encoded: dict) -> np.ndarray:
    """Inverse of `encode_array`."""
    raw = base64.b64decode(encoded["data"])
    return np.frombuffer(raw, dtype="<f8").reshape(encoded["shape"]).copy()


class _CallTimeout(Exception):
    pass


def _timed_call(function: Callable, args: tuple) -> Any:
    """Call `function`, interrupting it after SECONDS_PER_CALL when we can."""
    if threading.current_thread() is not threading.main_thread():
        return function(*args)

    def on_alarm(signum, frame):
        raise _CallTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, SECONDS_PER_CALL)
    try:
        return function(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(function: Callable, case: Case, outputs: Sequence[str]) -> dict:
    """One case's answers, encoded, or the reason there are none."""
    name = getattr(function, "__name__", "the function")
    # Copies, so a function that modifies its inputs in place cannot change
    # the next case; warnings silenced so the cell writes nothing to stderr.
    args = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in case.args)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = _timed_call(function, args)
        values = split_outputs(result, outputs, name)
        return {"outputs": [encode_array(v) for v in values]}
    except NotImplementedError:
        return {"error": f"{name} is not implemented yet"}
    except _CallTimeout:
        return {"error": f"{name} did not return within {SECONDS_PER_CALL:g} s (an endless loop?)",
                "timed_out": True}
    except CheckFailed as failure:
        return {"error": str(failure)}
    except Exception as error:  # noqa: BLE001 - the student's exception is the answer
        return {"error": f"{name} raised {type(error).__name__}: {error}"}


def answers(check: str, function: Callable) -> list[dict]:
    """`function`'s answers on every hidden case of `check`, encoded for the grader."""
    spec, cases = cases_for(check)
    results: list[dict] = []
    for case in cases:
        if any(r.get("timed_out") for r in results):
            # One case already ran out of time: don't spend that again on every case.
            results.append({"error": "not run: an earlier case did not return in time"})
        else:
            results.append(run_case(function, case, spec.outputs))
    return results


def record(check: str, function: Callable) -> None:
    """Run `function` on the hidden cases of `check` and hand the answers to the grader."""
    results = answers(check, function)
    answered = sum("outputs" in r for r in results)
    summary = (f"{check}: {answered} of {len(results)} randomized cases answered; "
               f"the grader checks them against its reference.")
    try:
        from IPython.display import display
    except ImportError:  # plain Python: nobody to hand the record to
        print(summary)
        return
    display({RECORD_MIME: {"check": check, "results": results}, "text/plain": summary}, raw=True)
