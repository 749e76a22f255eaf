"""Gradient checking: compare a backprop gradient with finite differences.

The numbers come from scipy: `scipy.differentiate.derivative` (adaptive
central differences with Richardson extrapolation, accurate to about 1e-12
here, where the forward differences of `scipy.optimize.approx_fprime` manage
about 1e-7) and `scipy.optimize.check_grad` (the lecture's own assertion).
What this module adds is bookkeeping: parameters kept by name, and a table
that names the parameter whose gradient is furthest off.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .checks import CheckFailed, call_student

Params = Mapping[str, np.ndarray]


def measured_slope(step: Callable, at) -> np.ndarray:
    """How `step(at)` moves when `at` moves, by central differences: a derivative measured, not derived.

    step: one step of the forward pass. at: a number, or an array on which `step` acts entry by
    entry. Returns step's output's shape: for an elementwise step, each entry's own slope; for a
    number `at`, the slope of every entry of the output in it. Accurate to about 1e-10 for the
    course's smooth steps. Two evaluations by hand, not `scipy.differentiate.derivative`, which
    wants the output shaped like `at` (a weight feeding a whole batch is not) and costs ~100 calls.
    """
    at = np.asarray(at, dtype=float)
    width = 1e-5 * np.maximum(1.0, np.abs(at))
    return (np.asarray(step(at + width), dtype=float) - np.asarray(step(at - width), dtype=float)) / (2 * width)


def flatten(params: Params) -> tuple[np.ndarray, list[str]]:
    """All parameters in one float64 vector, with a name for every entry."""
    vector = np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for v in params.values()])
    names = []
    for key, value in params.items():
        value = np.asarray(value)
        if value.ndim == 0:
            names.append(key)
        else:
            names += [f"{key}[{','.join(map(str, index))}]" for index in np.ndindex(value.shape)]
    return vector, names


def unflatten(vector: np.ndarray, like: Params) -> dict[str, np.ndarray]:
    """Inverse of `flatten`, shaped like `like`."""
    result, start = {}, 0
    for key, value in like.items():
        shape = np.shape(value)
        size = int(np.prod(shape))
        result[key] = vector[start:start + size].reshape(shape)
        start += size
    return result


def numerical_gradient(loss: Callable[[dict], float], params: Params) -> dict[str, np.ndarray]:
    """d loss / d params by finite differences, keyed like `params`.

    shapes: every `params[k]` any shape; the result has the same keys and shapes.
    """
    # Imported here, not at the top: scipy.optimize alone costs ~0.4 s, and every
    # graded notebook's setup cell imports this module during autograde.
    from scipy import differentiate

    vector, _ = flatten(params)

    at_params = loss(unflatten(vector, params))

    def along_axes(steps: np.ndarray, which: np.ndarray) -> np.ndarray:
        # Step `steps[k]` moves parameter `which[k]` alone, which keeps the function elementwise.
        # scipy drops converged entries from the arrays it passes, so the position of an entry
        # does not say which parameter it is: `which` travels with it.
        steps, which = np.broadcast_arrays(np.asarray(steps, dtype=np.float64), which)
        values = np.empty(steps.shape)
        for index in np.ndindex(steps.shape):
            moved = vector.copy()
            moved[int(which[index])] += steps[index]
            # The change in loss, not the loss: scipy's extrapolation then rounds on the scale of
            # the change, and a loss that does not move gives a derivative of exactly 0.
            values[index] = loss(unflatten(moved, params)) - at_params
        return values

    result = differentiate.derivative(along_axes, np.zeros_like(vector), args=(np.arange(vector.size),),
                                      initial_step=1e-2, maxiter=8)
    return unflatten(result.df, params)


def relative_errors(analytic: np.ndarray, numerical: np.ndarray) -> np.ndarray:
    """|a - n| / max(|a| + |n|, 1e-8), entry by entry."""
    analytic, numerical = np.asarray(analytic, float), np.asarray(numerical, float)
    return np.abs(analytic - numerical) / np.maximum(np.abs(analytic) + np.abs(numerical), 1e-8)


@dataclass(repr=False)
class GradientCheck:
    """Backprop against finite differences, one row per parameter."""

    names: list[str]
    analytic: np.ndarray
    numerical: np.ndarray
    threshold: float = 1e-6

    @property
    def errors(self) -> np.ndarray:
        return relative_errors(self.analytic, self.numerical)

    @property
    def worst(self) -> str:
        return self.names[int(np.nanargmax(self.errors))] if len(self.names) else ""

    @property
    def max_error(self) -> float:
        return float(np.nanmax(self.errors)) if len(self.names) else 0.0

    @property
    def passed(self) -> bool:
        return bool(np.all(np.isfinite(self.analytic))) and self.max_error < self.threshold

    def verdict(self) -> str:
        if self.passed:
            return (f"✓ backprop matches finite differences: largest relative error "
                    f"{self.max_error:.1e} ({self.worst}), below {self.threshold:.0e}")
        return (f"✗ {self.worst} is off: backprop {self.analytic[self.names.index(self.worst)]:.8g}, "
                f"finite differences {self.numerical[self.names.index(self.worst)]:.8g} "
                f"(relative error {self.max_error:.1e}, threshold {self.threshold:.0e})")

    def __str__(self) -> str:
        width = max(len("parameter"), *(len(n) for n in self.names))
        lines = [f"{'parameter':<{width}}  {'backprop':>14}  {'finite diff.':>14}  {'rel. error':>10}"]
        for name, a, n, e in zip(self.names, self.analytic, self.numerical, self.errors):
            mark = "  <- worst" if name == self.worst and not self.passed else ""
            lines.append(f"{name:<{width}}  {a:>14.8g}  {n:>14.8g}  {e:>10.1e}{mark}")
        return "\n".join(lines + [self.verdict()])

    __repr__ = __str__  # the table, wherever HTML is not shown

    def _repr_html_(self) -> str:
        rows = []
        for name, a, n, e in zip(self.names, self.analytic, self.numerical, self.errors):
            style = ' style="background:#fde2e2"' if e >= self.threshold else ""
            rows.append(f"<tr{style}><td><code>{name}</code></td><td>{a:.8g}</td>"
                        f"<td>{n:.8g}</td><td>{e:.1e}</td></tr>")
        return ("<table><thead><tr><th>parameter</th><th>backprop</th><th>finite differences"
                "</th><th>relative error</th></tr></thead><tbody>" + "".join(rows)
                + f"</tbody></table><p>{self.verdict()}</p>")


def gradient_check(loss: Callable[[dict], float], gradient: Callable[[dict], Params],
                   params: Params, threshold: float = 1e-6) -> GradientCheck:
    """Compare `gradient(params)` with finite differences of `loss` at `params`."""
    analytic = call_student(gradient, dict(params))
    missing = set(params) - set(analytic)
    if missing:
        raise CheckFailed(f"the gradient has no entry for {', '.join(sorted(missing))}")
    for key in params:
        if np.shape(analytic[key]) != np.shape(params[key]):
            raise CheckFailed(f"the gradient of {key} has shape {np.shape(analytic[key])}; "
                              f"it must have the shape of {key}, {np.shape(params[key])}")
    flat_analytic, names = flatten({k: analytic[k] for k in params})
    flat_numerical, _ = flatten(numerical_gradient(loss, params))
    return GradientCheck(names, flat_analytic, flat_numerical, threshold)


def assert_gradient(loss: Callable[[dict], float], gradient: Callable[[dict], Params],
                    params: Params, threshold: float = 1e-6) -> None:
    """`gradient_check`, raising CheckFailed with the table when it fails; skipped at autograde.

    On success it prints the verdict and returns None: a grade cell whose last expression
    is a table would hand nbgrader a result it tries, and fails, to read as a score.
    """
    __tracebackhide__ = True
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        # The grader compares every gradient with the reference on hidden random cases, a
        # stricter check than this one, which would only add scipy's import (~0.25 s) to
        # every submission. Students and `instructor build`'s validation still run it.
        return None
    check = gradient_check(loss, gradient, params, threshold)
    if not check.passed:
        raise CheckFailed("\n" + str(check))
    print(check.verdict())


def scipy_check_grad(loss: Callable[[dict], float], gradient: Callable[[dict], Params],
                     params: Params) -> float:
    """scipy.optimize.check_grad on the flattened parameters: ‖backprop − forward differences‖₂."""
    from scipy import optimize  # see numerical_gradient: imported when used

    vector, _ = flatten(params)
    return float(optimize.check_grad(
        lambda v: loss(unflatten(v, params)),
        lambda v: flatten({k: gradient(unflatten(v, params))[k] for k in params})[0],
        vector))
