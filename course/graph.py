"""A tiny computational graph: the forward pass node by node, and every node's gradient checked.

A `Graph` is a list of `Node`s in topological order (each node's parents come before it), the
scalar loss last. `forward(inputs)` computes every node's value; `numerical_gradients(values)`
gives ∂loss/∂node for every node by central differences; `check(values, gradients)` compares a
student's gradients with those, node by node in backward order (from the loss back to the
inputs), and names the first wrong node: the place a backward pass went wrong first, since every
gradient behind it is computed from it.

    graph = Graph([
        Node("X", "X", shape="(n, d)", kind="input"),
        Node("W1", "W₁", shape="(d, h)", kind="parameter"),
        Node("z1", "z₁", parents=("X", "W1"), op=lambda X, W1: X @ W1, shape="(n, h)"),
        ...,
        Node("L", "L", parents=("y_hat", "y"), op=..., shape="()", kind="loss"),
    ])
    values = graph.forward({"X": X, "W1": W1, ...})
    report = graph.check(values, {"z1": dL_dz1, "W1": dL_dW1})
    report.first_wrong        # a node's name, or None

numpy only at import (scipy is imported when finite differences are first needed), so a
notebook's setup cell pays nothing for it. The view is `course.graph_view`; the course's own
graphs are in `course.graphs`.
"""
from __future__ import annotations

import contextlib
import io
import math
import signal
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .limits import SECONDS_PER_CALL

KINDS = ("input", "parameter", "value", "loss")

# A node's gradient is right when ‖yours − finite differences‖ ≤ TOLERANCE · (‖yours‖ + ‖finite
# differences‖), norms over the node's whole array: one scale per array, so an entry that is nearly
# zero is not judged by its own tiny size (central differences are accurate to about 1e-10 here).
TOLERANCE = 1e-6
# Below this norm a gradient counts as zero: both it and its finite differences are noise.
ZERO = 1e-9

# Statuses of a node in a report. The last four are errors of the student's backward pass.
OK, MISSING, UNCHECKED = "ok", "missing", "unchecked"
WRONG, SHAPE, NAN, ERROR = "wrong", "shape mismatch", "NaN", "error"
ERRORS = (WRONG, SHAPE, NAN, ERROR)


@dataclass(frozen=True)
class Node:
    """One quantity of the forward pass.

    name: the key of its value and gradient in every dict (a Python identifier, e.g. "z1").
    label: how it is shown (e.g. "z₁"); the name if empty.
    parents: names of the nodes `op` takes, in its argument order (none for inputs and parameters).
    op: parents' values -> this node's value (numpy); None for inputs and parameters.
    shape: its shape in the lecture's symbols, e.g. "(n, h)"; shown on every edge leaving it.
    kind: "input" (data), "parameter" (a weight), "value" (computed) or "loss" (the last node).
    formula: the forward step in words or symbols, e.g. "z₁ = X W₁" (shown in its box).
    """

    name: str
    label: str = ""
    parents: tuple[str, ...] = ()
    op: Callable[..., Any] | None = None
    shape: str = ""
    kind: str = "value"
    formula: str = ""
    differentiable: bool = True  # False: kept as given (integer class labels), no finite differences

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"node name {self.name!r} is not a Python identifier")
        if self.kind not in KINDS:
            raise ValueError(f"node {self.name}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        object.__setattr__(self, "parents", tuple(self.parents))
        if not self.label:
            object.__setattr__(self, "label", self.name)
        if (self.op is None) != (not self.parents):
            raise ValueError(f"node {self.name}: a node has an op exactly when it has parents")
        if self.kind in ("input", "parameter") and self.parents:
            raise ValueError(f"node {self.name}: an {self.kind} has no parents")

    @property
    def is_leaf(self) -> bool:
        return not self.parents


class Graph:
    """Nodes in topological order, the loss last; every node leads to the loss."""

    def __init__(self, nodes: Sequence[Node], title: str = ""):
        self.nodes: tuple[Node, ...] = tuple(nodes)
        self.title = title
        self._by_name: dict[str, Node] = {}
        for node in self.nodes:
            if node.name in self._by_name:
                raise ValueError(f"two nodes are named {node.name}")
            for parent in node.parents:
                if parent not in self._by_name:
                    raise ValueError(f"node {node.name}: its parent {parent} is not defined before it")
            self._by_name[node.name] = node
        if not self.nodes or self.nodes[-1].kind != "loss":
            raise ValueError("the last node must be the loss (kind='loss')")
        if sum(node.kind == "loss" for node in self.nodes) != 1:
            raise ValueError("exactly one node is the loss")
        self.loss = self.nodes[-1].name
        self._children: dict[str, list[str]] = {node.name: [] for node in self.nodes}
        for node in self.nodes:
            for parent in node.parents:
                if node.name not in self._children[parent]:
                    self._children[parent].append(node.name)
        unused = [name for name in self.names[:-1] if self.loss not in self.descendants(name)]
        if unused:
            raise ValueError(f"these nodes do not lead to the loss: {', '.join(unused)}")

    # -- structure ------------------------------------------------------------

    def __getitem__(self, name: str) -> Node:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self):
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def names(self) -> list[str]:
        return [node.name for node in self.nodes]

    @property
    def leaves(self) -> list[str]:
        """The inputs and parameters: what `forward` needs."""
        return [node.name for node in self.nodes if node.is_leaf]

    @property
    def backward_order(self) -> list[str]:
        """From the loss back to the inputs: the reverse of the topological order."""
        return self.names[::-1]

    @property
    def edges(self) -> list[tuple[str, str]]:
        """(parent, child) for every edge, in the children's order."""
        return [(parent, node.name) for node in self.nodes for parent in dict.fromkeys(node.parents)]

    def children(self, name: str) -> list[str]:
        return list(self._children[name])

    def descendants(self, name: str) -> list[str]:
        """Every node computed from `name`, in topological order (without `name` itself)."""
        reached = {name}
        for node in self.nodes:
            if any(parent in reached for parent in node.parents):
                reached.add(node.name)
        return [n for n in self.names if n in reached and n != name]

    def ancestors(self, name: str) -> list[str]:
        """Every node `name` is computed from, in topological order."""
        reached, stack = set(), list(self[name].parents)
        while stack:
            parent = stack.pop()
            if parent not in reached:
                reached.add(parent)
                stack.extend(self[parent].parents)
        return [n for n in self.names if n in reached]

    # -- computation ------------------------------------------------------------

    def forward(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Every node's value (float arrays; the loss a 0-d array), from the leaves' values.

        inputs: name -> value for every input and parameter (any array-like). Raises ValueError
        naming what is missing or unknown.
        """
        missing = [name for name in self.leaves if name not in inputs]
        if missing:
            raise ValueError("forward needs a value for " + ", ".join(
                f"{name} ({self[name].kind}, shape {self[name].shape or '?'})" for name in missing))
        unknown = [name for name in inputs if name not in self._by_name or not self[name].is_leaf]
        if unknown:
            raise ValueError(f"not an input or parameter of this graph: {', '.join(map(str, unknown))}")
        values: dict[str, np.ndarray] = {}
        for node in self.nodes:
            if node.is_leaf:
                values[node.name] = _as_array(inputs[node.name], node.differentiable)
            else:
                values[node.name] = _as_array(node.op(*(values[p] for p in node.parents)), node.differentiable)
        if values[self.loss].size != 1:
            raise ValueError(f"the loss {self.loss} is not a single number: shape {values[self.loss].shape}")
        values[self.loss] = values[self.loss].reshape(())
        return values

    def loss_from(self, values: Mapping[str, np.ndarray], name: str, value: np.ndarray) -> float:
        """The loss when `name` takes `value` and everything computed from it is recomputed.

        Only `name`'s descendants are recomputed: what is not downstream of it cannot change.
        """
        if name == self.loss:
            return float(np.asarray(value).reshape(()))
        changed = dict(values)
        changed[name] = value
        for descendant in self.descendants(name):
            node = self[descendant]
            changed[descendant] = _as_array(node.op(*(changed[p] for p in node.parents)), node.differentiable)
        return float(np.asarray(changed[self.loss]).reshape(()))

    def numerical_gradients(self, values: Mapping[str, np.ndarray], eps: float = 1e-2,
                            names: Sequence[str] | None = None,
                            max_entries: int | None = None) -> dict[str, np.ndarray | None]:
        """∂loss/∂node for every node (or for `names`), each the shape of the node's value.

        Central differences of the downstream computation: the node's value is moved entry by
        entry and only its descendants are recomputed (`loss_from`). That is ∂loss/∂node with every
        other input held fixed, the quantity backpropagation carries along the node's edges, and
        it needs the graph: a loss written as one function of the parameters could not be moved
        at an intermediate node such as z₁. The differencing itself is scipy's
        (`scipy.differentiate.derivative`: adaptive central differences with Richardson
        extrapolation, first step `eps`, accurate to about 1e-10 here, where the forward
        differences of `scipy.optimize.approx_fprime` and `check_grad` manage about 1e-7).
        A node whose value is not floating point (integer class labels) gets None. With
        `max_entries`, a node with more entries is differenced at that many of them, drawn at random
        (seeded: the same ones every time), and the others are NaN: `check` compares the entries it
        has, as the sparse gradient checks of cs231n do, so that a batch of thousands of records costs
        a fixed number of forward passes.
        """
        result: dict[str, np.ndarray | None] = {}
        for name in (self.names if names is None else names):
            value = np.asarray(values[name])
            if not self[name].differentiable or not np.issubdtype(value.dtype, np.floating):
                result[name] = None
            elif name == self.loss:
                result[name] = np.ones_like(value, dtype=float)
            else:
                result[name] = self._central_differences(values, name, value.astype(float), eps, max_entries)
        return result

    def _central_differences(self, values, name, value, eps, max_entries=None) -> np.ndarray:
        # Imported here: scipy costs ~0.3 s to import, and most notebook cells never need it.
        from scipy import differentiate

        flat = value.ravel()
        at_value = self.loss_from(values, name, value)

        def change_in_loss(steps: np.ndarray, which: np.ndarray) -> np.ndarray:
            # Step `steps[k]` moves entry `which[k]` alone, which keeps the function elementwise, as
            # scipy requires. scipy drops converged entries from the arrays it passes, so `which`
            # travels with each step. The change in loss, not the loss: scipy's extrapolation then
            # rounds on the scale of the change, and a loss that does not move gives exactly 0.
            steps, which = np.broadcast_arrays(np.asarray(steps, dtype=float), which)
            changes = np.empty(steps.shape)
            for index in np.ndindex(steps.shape):
                moved = flat.copy()
                moved[int(which[index])] += steps[index]
                changes[index] = self.loss_from(values, name, moved.reshape(value.shape)) - at_value
            return changes

        if flat.size == 0:
            return np.zeros_like(value)
        entries = np.arange(flat.size)
        if max_entries is not None and flat.size > max_entries:
            entries = np.sort(np.random.default_rng(0).choice(flat.size, max_entries, replace=False))
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = differentiate.derivative(change_in_loss, np.zeros(entries.size), args=(entries,),
                                             initial_step=eps, maxiter=8)
        result = np.full(flat.size, np.nan)
        result[entries] = found.df
        return result.reshape(value.shape)

    def check(self, values: Mapping[str, np.ndarray], gradients: Mapping[str, Any] | None,
              numeric: Mapping[str, np.ndarray | None] | None = None, *,
              failure: str = "", tolerance: float = TOLERANCE) -> "Report":
        """Each node's gradient from `gradients` against finite differences, in backward order.

        values: from `forward`. gradients: name -> +∂loss/∂node, the student's (a node left out is
        "missing", not wrong; an Exception instance as a value means computing that node failed).
        numeric: `numerical_gradients(values)`, computed here if not given. failure: why there are
        no gradients at all (e.g. the backward pass raised), shown instead of them.
        Never raises on bad gradients: each node's report says what is wrong with its own.
        """
        numeric = self.numerical_gradients(values) if numeric is None else numeric
        gradients = dict(gradients or {})
        nodes = []
        for name in self.backward_order:
            node = self[name]
            entry = NodeReport(name=name, label=node.label, kind=node.kind, shape=node.shape,
                               value=np.asarray(values[name]), numeric=numeric.get(name))
            if name in gradients:
                _judge(entry, gradients[name], tolerance)
            else:
                entry.status = MISSING
                entry.message = failure or "no gradient given for this node"
            nodes.append(entry)
        unknown = [str(name) for name in gradients if name not in self._by_name]
        report = Report(graph=self, nodes=nodes, failure=failure, unknown=unknown, tolerance=tolerance)
        if report.first_wrong is not None:
            upstream = set(self.ancestors(report.first_wrong))
            for entry in nodes:
                if entry.name in upstream:
                    entry.after_first_wrong = True
        return report

    def evaluate(self, inputs: Mapping[str, Any], backward: Callable[[dict], Mapping[str, Any]],
                 numeric: Mapping[str, np.ndarray | None] | None = None,
                 seconds: float = SECONDS_PER_CALL) -> "Report":
        """forward, the student's `backward(values)`, and `check`, never raising.

        A forward pass that fails, or a backward pass that raises or returns something other than a
        dict, gives a report whose `failure` says so (NotImplementedError: "not yet implemented").
        The backward pass runs with numpy's warnings silenced and its printing captured, so that
        a view refreshing after every cell writes nothing into the cell's output, and is stopped
        after `seconds` (in the main thread): a loop that never ends must not hang every later cell.
        """
        try:
            values = self.forward(inputs)
        except Exception as error:  # noqa: BLE001 - shown, never raised out of a view
            return Report(graph=self, nodes=[], failure=f"the forward pass failed: {_describe(error)}")
        loss = float(values[self.loss])
        if not math.isfinite(loss):
            # Every gradient is NaN then, the finite differences too: blaming the first node would mislead.
            bad = [name for name in self.leaves if np.issubdtype(values[name].dtype, np.floating)
                   and not np.isfinite(values[name]).all()]
            cause = (f"{', '.join(bad)} {'holds' if len(bad) == 1 else 'hold'} NaN or infinite entries" if bad
                     else "the forward pass overflowed")
            return Report(graph=self, nodes=[], failure=f"the loss is {loss}: {cause}, so no gradient can be checked")
        try:
            with _quietly(), _time_limit(seconds):
                gradients = backward({name: value.copy() for name, value in values.items()})
        except _TimeUp:
            return self.check(values, {}, numeric, failure=f"the backward pass ran for more than {seconds:g} s "
                                                             f"and was stopped")
        except NotImplementedError as error:
            where = f" ({error})" if str(error) else ""
            return self.check(values, {}, numeric, failure=f"not yet: the backward pass needs a function that "
                                                             f"is still to be implemented{where}")
        except Exception as error:  # noqa: BLE001
            return self.check(values, {}, numeric,
                              failure=f"the backward pass raised {_describe(error)}{_raised_in(error)}{_none_hint(error)}")
        if not isinstance(gradients, Mapping):
            return self.check(values, {}, numeric, failure=(
                f"the backward pass returned {type(gradients).__name__}, not a dict of node name -> gradient"))
        return self.check(values, gradients, numeric)

    def __repr__(self) -> str:
        return f"Graph({', '.join(self.names)})"


@dataclass
class NodeReport:
    """One node's line in a report."""

    name: str
    label: str
    kind: str
    shape: str                       # symbolic, e.g. "(n, h)"
    value: np.ndarray
    numeric: np.ndarray | None       # finite differences; None where the value is not floating point
    gradient: np.ndarray | None = None   # the student's, as given (None if missing or unusable)
    status: str = MISSING
    relative_error: float | None = None
    message: str = ""
    after_first_wrong: bool = False  # its gradient is computed from the first wrong node's

    @property
    def is_error(self) -> bool:
        return self.status in ERRORS

    def numeric_summary(self, items: int = 4) -> str:
        """The finite differences in short; for a sampled node, how many entries were taken."""
        if self.numeric is None:
            return "-"
        taken = int(np.count_nonzero(np.isfinite(self.numeric)))
        if 0 < taken < self.numeric.size:
            return f"{tuple(self.numeric.shape)} at {taken} of {self.numeric.size} entries"
        return summarize(self.numeric, items)


@dataclass
class Report:
    """A graph's nodes checked in backward order; `first_wrong` is where to look first."""

    graph: Graph
    nodes: list[NodeReport]          # in backward order: the loss first
    failure: str = ""                # why nothing could be checked (forward or backward failed)
    unknown: list[str] = field(default_factory=list)  # names in the gradients that are no node
    tolerance: float = TOLERANCE

    @property
    def first_wrong(self) -> str | None:
        """The first node in backward order whose gradient is wrong (or unusable), or None."""
        return next((entry.name for entry in self.nodes if entry.is_error), None)

    @property
    def wrong(self) -> list[str]:
        return [entry.name for entry in self.nodes if entry.is_error]

    @property
    def ok(self) -> bool:
        """Nothing failed, no gradient is wrong, and at least one was checked."""
        return (not self.failure and not self.wrong and not self.unknown
                and any(entry.status == OK for entry in self.nodes))

    def __getitem__(self, name: str) -> NodeReport:
        return next(entry for entry in self.nodes if entry.name == name)

    def verdict(self) -> str:
        """One sentence: what is wrong first, or that everything matches."""
        if self.failure and not any(entry.status == OK or entry.is_error for entry in self.nodes):
            return self.failure
        first = self.first_wrong
        if first is not None:
            entry = self[first]
            return f"first wrong node in backward order: {entry.label} ({entry.name}): {entry.message}"
        checked = [entry for entry in self.nodes if entry.status == OK]
        if not checked:
            return "no gradient to check yet"
        missing = [entry.label for entry in self.nodes if entry.status == MISSING and entry.kind != "input"]
        tail = f"; not computed: {', '.join(missing)}" if missing else ""
        unknown = f"; not nodes of this graph: {', '.join(self.unknown)}" if self.unknown else ""
        return (f"every gradient given matches finite differences ({len(checked)} node"
                f"{'s' * (len(checked) != 1)}){tail}{unknown}")

    def text(self, title: str | None = None) -> str:
        """The report as a plain-text table, in backward order, under `title` (the graph's by default)."""
        rows = [("node", "shape", "value", "yours ∂loss/∂node", "finite differences", "rel. error", "status")]
        for entry in self.nodes:
            shape = f"{entry.shape} = {tuple(entry.value.shape)}" if entry.shape else str(tuple(entry.value.shape))
            rows.append((entry.name, shape, summarize(entry.value),
                         summarize(entry.gradient) if entry.gradient is not None else "-",
                         entry.numeric_summary(),
                         f"{entry.relative_error:.1e}" if entry.relative_error is not None else "-",
                         _status_text(entry)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        title = self.graph.title if title is None else title
        return "\n".join(([title] if title else []) + (lines if self.nodes else []) + [self.verdict()])

    __str__ = text

    def __repr__(self) -> str:
        return self.text()


def _status_text(entry: NodeReport) -> str:
    """A node's status in the text table: data (an input) asked for no gradient is not "missing" one."""
    if entry.status == MISSING and entry.kind == "input":
        return "data: needs no gradient"
    return entry.status + (" (downstream of the error)" if entry.after_first_wrong else "")


def summarize(array: Any, items: int = 4, nan: str = "nan") -> str:
    """A short text for an array: a number, or the shape and its first few entries (NaN shown as `nan`)."""
    if array is None:
        return "-"
    array = np.asarray(array)
    if array.dtype == object:
        return f"<{type(array.item()).__name__ if array.size == 1 else 'object array'}>"
    def number(x):
        return nan if isinstance(x, float) and math.isnan(x) else _number(x)

    if array.ndim == 0:
        return number(array.item())
    flat = array.ravel()
    shown = ", ".join(number(x) for x in flat[:items]) + (", …" if flat.size > items else "")
    return f"{tuple(array.shape)} [{shown}]"


def _number(x: Any) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(x)
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    try:
        return f"{float(x):.4g}"
    except (TypeError, ValueError):
        return str(x)


def _as_array(value: Any, differentiable: bool = True) -> np.ndarray:
    """Numbers as float64 (a weight typed as 2 is 2.0), unless the node keeps its type (class labels)."""
    array = np.asarray(value)
    if differentiable and array.dtype.kind in "biuf":
        return array.astype(float)
    return array


def _judge(entry: NodeReport, given: Any, tolerance: float) -> None:
    """Set entry's gradient, status, relative error and message from what the student gave."""
    expected_shape = entry.value.shape
    if isinstance(given, BaseException):
        entry.status, entry.message = ERROR, f"computing it raised {_describe(given)}"
        return
    if given is None:
        entry.status, entry.message = MISSING, "the backward pass gave None for this node"
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gradient = np.asarray(given, dtype=float)
    except (TypeError, ValueError) as error:
        entry.status = ERROR
        entry.message = f"not an array of numbers ({type(given).__name__}: {_describe(error)})"
        return
    entry.gradient = gradient
    if gradient.shape != expected_shape:
        entry.status = SHAPE
        entry.message = f"its shape is {tuple(gradient.shape)}; ∂loss/∂{entry.name} has the shape of " \
                        f"{entry.name}, {tuple(expected_shape)}" + (f" = {entry.shape}" if entry.shape else "")
        return
    not_finite = int(np.count_nonzero(~np.isfinite(gradient)))
    if not_finite:
        entry.status = NAN
        entry.message = f"{not_finite} of {gradient.size} entries are NaN or infinite"
        return
    numeric = entry.numeric
    # NaN where finite differences were not taken (a sample of a large node) or cannot be (overflow).
    taken = np.isfinite(numeric) if numeric is not None else np.zeros(expected_shape, bool)
    if not taken.any():
        entry.status = UNCHECKED
        entry.message = "finite differences cannot be taken here"
        return
    sample = "" if taken.all() else f" (checked at {int(taken.sum())} of {taken.size} entries)"
    mine, theirs = np.where(taken, gradient, 0.0), np.where(taken, numeric, 0.0)
    difference = float(np.linalg.norm(mine - theirs))
    scale = float(np.linalg.norm(mine) + np.linalg.norm(theirs))
    entry.relative_error = 0.0 if scale < ZERO else difference / scale
    if entry.relative_error <= tolerance or scale < ZERO:
        entry.status, entry.message = OK, "matches finite differences" + sample
        return
    entry.status = WRONG
    off = np.abs(mine - theirs) > tolerance * np.maximum(np.abs(mine) + np.abs(theirs), ZERO)
    worst = np.unravel_index(int(np.argmax(np.abs(mine - theirs))), gradient.shape) if gradient.ndim else ()
    where = f"[{', '.join(map(str, worst))}]" if gradient.ndim else ""
    entry.message = (f"{int(np.count_nonzero(off))} of {int(taken.sum())} entries differ from finite differences"
                     f"{sample}; {entry.name}{where}: yours {_number(gradient[worst])}, finite differences "
                     f"{_number(numeric[worst])} (relative error {entry.relative_error:.1e})")


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _TimeUp(BaseException):
    """Raised into the backward pass when its time is up (a BaseException: `except Exception` in the
    student's code cannot swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def time_up(signum, frame):
        raise _TimeUp()

    previous = signal.signal(signal.SIGALRM, time_up)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:  # someone else's timer was running: give back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer_delay - (time.monotonic() - start), 1e-3),
                             outer_interval)


def _none_hint(error: BaseException) -> str:
    """A hint when the error is arithmetic on None: the function it surfaced in only received the None,
    and the one that returned it (with no `return` statement) is elsewhere."""
    if isinstance(error, TypeError) and "NoneType" in str(error):
        return "; a value there is None: does one of your functions lack its `return` statement?"
    return ""


def _raised_in(error: BaseException) -> str:
    """" (in hidden_deltas, line 12)": the innermost named function outside numpy and this package, where
    the error surfaced in the student's code; "" when there is none (a lambda, a module's top level)."""
    import os
    import traceback

    skip = (os.path.dirname(np.__file__), os.path.dirname(os.path.abspath(__file__)))
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not os.path.abspath(frame.filename).startswith(skip)]
    if not frames or frames[-1].name.startswith("<"):
        return ""
    return f" (in {frames[-1].name}, line {frames[-1].lineno})"


@contextlib.contextmanager
def _quietly():
    """numpy's warnings off and printing captured: the student's code runs inside a view."""
    with np.errstate(all="ignore"), warnings.catch_warnings(), \
            contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


__all__ = ["Graph", "Node", "NodeReport", "Report", "summarize", "TOLERANCE"]
