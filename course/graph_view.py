"""The computational graph on screen, checked against finite differences after every cell.

`GraphView(graph, inputs, backward)` draws a `course.graph.Graph` as boxes and arrows (SVG inside an
`ipywidgets.HTML`, no JavaScript of its own): every node with its label, its value, the student's
gradient next to the finite-difference one, and the shape on every edge. The first wrong node in
backward order is marked, and the nodes whose gradients are computed from it are dimmed. The view
refreshes after every cell the student runs (IPython's `post_run_cell` event), so re-running a
function's cell redraws it with the new function.

    view = GraphView(graphs.network_321(), {"X": X, "W1": W1, "w2": w2, "y": y},
                     lambda values: backward_from_my_functions(values))

`backward(values)` gets every node's value (a fresh copy) and returns name -> +∂loss/∂node. It
should look the student's functions up by name when called (a lambda or a function defined in the
notebook does), so that a function redefined in a later run of its cell is the one used.

Headless (nbclient, nbgrader, plain Python): nothing raises and nothing reaches stderr; the output
saved for the view is its plain-text table (`text()`). `render_html(report)` is the drawing alone,
a string, testable without a browser.
"""
from __future__ import annotations

import html
import weakref
from typing import Any, Callable, Mapping

import numpy as np

from .graph import MISSING, OK, UNCHECKED, Graph, Report, summarize

# -- drawing ---------------------------------------------------------------------

BOX_WIDTH, LINE, PAD = 300, 16, 8
ROW_GAP, COLUMN_GAP, MARGIN = 58, 36, 16
LINES = 6  # label, formula, value, yours, finite differences, status

COLOURS = {  # (border, fill) by status
    OK: ("#2e7d32", "#edf7ee"),
    MISSING: ("#9e9e9e", "#fafafa"),
    UNCHECKED: ("#f9a825", "#fffbe6"),
    "error": ("#c62828", "#fdecea"),
    "first": ("#b71c1c", "#f9c7c7"),
}


def _layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """Top-left corner of every node's box: one row per step of the forward pass, the loss at the bottom.

    A computed node sits one row below its lowest parent; an input or parameter one row above its
    first consumer, so that its edge is short. Within a row, nodes are ordered by where their
    neighbours are (two sweeps of the barycentre heuristic), which keeps edges from crossing.
    """
    rank: dict[str, int] = {}
    for node in graph.nodes:
        rank[node.name] = 1 + max((rank[p] for p in node.parents), default=-1)
    for node in graph.nodes:
        if node.is_leaf:
            rank[node.name] = min(rank[c] for c in graph.children(node.name)) - 1
    lowest = min(rank.values())
    rows: dict[int, list[str]] = {}
    for name in graph.names:
        rows.setdefault(rank[name] - lowest, []).append(name)
    order = {name: float(i) for row in rows.values() for i, name in enumerate(row)}
    for _ in range(2):
        for r in sorted(rows):
            def key(name: str) -> float:
                node = graph[name]
                neighbours = node.parents if node.parents else graph.children(name)
                return float(np.mean([order[n] for n in neighbours])) if neighbours else order[name]
            rows[r].sort(key=lambda name: (key(name), order[name]))
            width = len(rows[r])
            for i, name in enumerate(rows[r]):
                order[name] = i - (width - 1) / 2  # centred: comparable across rows
    widest = max(len(row) for row in rows.values())
    box_height = LINES * LINE + 2 * PAD
    positions = {}
    for r, row in rows.items():
        offset = (widest - len(row)) * (BOX_WIDTH + COLUMN_GAP) / 2
        for i, name in enumerate(row):
            positions[name] = (MARGIN + offset + i * (BOX_WIDTH + COLUMN_GAP), MARGIN + r * (box_height + ROW_GAP))
    return positions


def _clip(text: str, characters: int = 41) -> str:
    return text if len(text) <= characters else text[:characters - 1] + "…"


def _shape_text(shape: str, value: np.ndarray | None) -> str:
    actual = str(tuple(value.shape)) if value is not None else ""
    if shape and actual and shape.replace(" ", "") != actual.replace(" ", ""):
        return f"{shape} = {actual}"
    return shape or actual


def _status_line(entry, short: bool = False) -> str:
    if entry.status == OK:
        return "✓ matches" if short else f"✓ matches (rel. error {entry.relative_error:.0e})"
    if entry.status == MISSING:
        return "data: needs no gradient" if entry.kind == "input" else "no gradient given"
    if entry.status == UNCHECKED:
        return "not checked" if short else "not checked: " + entry.message
    return f"✗ {entry.status}"


def render_html(report: Report, title: str = "") -> str:
    """The report drawn as an SVG graph, with a status line and a table of the messages (HTML, escaped)."""
    graph = report.graph
    escape = html.escape
    title = title or graph.title
    first = report.first_wrong
    # data-state: "ok" (every gradient given matches), "wrong" (a node is marked), "failure" (the
    # forward or backward pass failed: nothing to compare), "pending" (no gradient given yet).
    state = "wrong" if first else ("failure" if report.failure else ("ok" if report.ok else "pending"))
    verdict = report.verdict()
    head_colour = {"ok": "#2e7d32", "wrong": "#b71c1c", "failure": "#b71c1c"}.get(state, "#555")
    parts = [f'<div class="backprop-graph-view" data-title="{escape(title)}" data-state="{state}" '
             f'data-first-wrong="{escape(first or "")}" style="font-family: sans-serif; font-size: 13px">']
    if title:
        parts.append(f'<div style="font-weight: bold; margin-bottom: 4px">{escape(title)}</div>')
    parts.append(f'<div class="graph-view-verdict" style="color: {head_colour}; margin-bottom: 6px">'
                 f'{escape(verdict)}</div>')
    if not report.nodes:
        parts.append("</div>")
        return "".join(parts)

    entries = {entry.name: entry for entry in report.nodes}
    positions = _layout(graph)
    box_height = LINES * LINE + 2 * PAD
    width = max(x for x, _ in positions.values()) + BOX_WIDTH + MARGIN
    height = max(y for _, y in positions.values()) + box_height + MARGIN
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" style="max-width: 100%; height: auto" role="img" '
           f'aria-label="{escape(title or "computational graph")}">',
           '<defs><marker id="graph-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#666"/>'
           '</marker></defs>']
    # Edges first, under the boxes; each labelled with the shape of what flows along it.
    for parent, child in graph.edges:
        (px, py), (cx, cy) = positions[parent], positions[child]
        x1, y1 = px + BOX_WIDTH / 2, py + box_height
        x2, y2 = cx + BOX_WIDTH / 2, cy
        if y2 <= y1:  # same row or upwards (not in the course's graphs): go round the side
            x1, y1, x2, y2 = px + BOX_WIDTH, py + box_height / 2, cx, cy + box_height / 2
        dimmed = ' opacity="0.45"' if entries[parent].after_first_wrong and entries[child].after_first_wrong else ""
        svg.append(f'<line class="graph-edge" data-from="{escape(parent)}" data-to="{escape(child)}" '
                   f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#666" stroke-width="1.4" '
                   f'marker-end="url(#graph-arrow)"{dimmed}/>')
        label = _shape_text(graph[parent].shape, entries[parent].value)
        # Near the source: edges converging on one node would put their labels on top of each other.
        mx, my = x1 + 0.4 * (x2 - x1), y1 + 0.4 * (y2 - y1)
        text_width = 7 * len(label) + 8
        svg.append(f'<g class="graph-edge-shape" data-from="{escape(parent)}" data-to="{escape(child)}">'
                   f'<rect x="{mx - text_width / 2:.1f}" y="{my - 9:.1f}" width="{text_width:.1f}" height="17" '
                   f'rx="3" fill="#ffffff" fill-opacity="0.9"/>'
                   f'<text x="{mx:.1f}" y="{my + 4:.1f}" text-anchor="middle" font-size="12" '
                   f'font-family="monospace" fill="#333">{escape(label)}</text></g>')
    for name, (x, y) in positions.items():
        entry = entries[name]
        node = graph[name]
        if name == first:
            border, fill = COLOURS["first"]
        elif entry.is_error:
            border, fill = COLOURS["error"]
        else:
            border, fill = COLOURS.get(entry.status, COLOURS[MISSING])
        stroke = 3 if name == first else 1.5
        dash = ' stroke-dasharray="5 3"' if entry.after_first_wrong else ""
        opacity = ' opacity="0.6"' if entry.after_first_wrong else ""
        tag = node.kind if node.kind != "value" else ""
        lines = [
            (f"{node.label}" + (f"   ({tag})" if tag else ""), "bold", "#111"),
            (node.formula, "normal", "#555"),
            ("value  " + summarize(entry.value, 3), "normal", "#222"),
            ("yours  " + (summarize(entry.gradient, 3) if entry.gradient is not None else "—"), "normal", "#222"),
            ("finite diff.  " + entry.numeric_summary(3), "normal", "#222"),
            (_status_line(entry), "bold" if entry.is_error else "normal", border),
        ]
        if name == first:
            lines[5] = ("✗ first wrong node in backward order", "bold", border)
        elif entry.after_first_wrong:
            lines[5] = (_status_line(entry, short=True) + " · downstream of the error", "normal", "#777")
        flags = (' data-first-wrong="true"' if name == first else "") + (
            ' data-downstream="true"' if entry.after_first_wrong else "")
        svg.append(f'<g class="graph-node" data-node="{escape(name)}" data-status="{escape(entry.status)}"'
                   f'{flags}{opacity}>'
                   f'<title>{escape(name)}: {escape(entry.message)}</title>'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_WIDTH}" height="{box_height}" rx="6" '
                   f'fill="{fill}" stroke="{border}" stroke-width="{stroke}"{dash}/>')
        for i, (text, weight, colour) in enumerate(lines):
            if not text:
                continue
            svg.append(f'<text x="{x + PAD:.1f}" y="{y + PAD + (i + 0.8) * LINE:.1f}" font-size="12" '
                       f'font-weight="{weight}" fill="{colour}" font-family="monospace">'
                       f'{escape(_clip(text))}</text>')
        svg.append("</g>")
    svg.append("</svg>")
    parts.append("".join(svg))
    # The messages in full, in backward order: the boxes have room for a summary only.
    rows = []
    for entry in report.nodes:
        if entry.status == MISSING and not report.failure:
            continue
        mark = " (first wrong)" if entry.name == first else (
            " (downstream of the error)" if entry.after_first_wrong else "")
        colour = "#b71c1c" if entry.is_error else "#333"
        rows.append(f'<tr data-node="{escape(entry.name)}"><td style="padding-right: 12px"><code>{escape(entry.name)}</code></td>'
                    f'<td style="color: {colour}; padding-right: 12px">{escape(entry.status + mark)}</td>'
                    f'<td>{escape(entry.message)}</td></tr>')
    if rows:
        parts.append('<table class="graph-view-table" style="margin-top: 6px; border-collapse: collapse">'
                     '<thead><tr><th style="text-align: left">node (backward order)</th>'
                     '<th style="text-align: left">status</th><th style="text-align: left">detail</th></tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table>')
    if report.unknown:
        parts.append(f'<div style="color: #b71c1c">not nodes of this graph: {escape(", ".join(report.unknown))}</div>')
    parts.append("</div>")
    return "".join(parts)


# -- the live view -------------------------------------------------------------------


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _current_cell_id(shell) -> str | None:
    """The id JupyterLab sends with the cell being run (None outside a kernel, or if not sent)."""
    try:
        parent = shell.kernel.get_parent("shell") or {}
        return (parent.get("metadata") or {}).get("cellId")
    except Exception:  # noqa: BLE001 - a terminal IPython has no kernel
        return None


class GraphView:
    """The live view of a graph checked with the student's current backward pass.

    graph: a `course.graph.Graph`. inputs: name -> value for every input and parameter, or a
    function returning that dict (called at each refresh, for values that change). backward:
    values -> {name: +∂loss/∂node}. title: shown above the graph (the graph's own by default).
    max_entries: finite differences at that many entries of each node at most (a seeded sample),
    so that a large batch costs a bounded time; a few records are clearer to look at anyway.
    A view replaces the earlier view of the same cell (or of the same title, where the front end
    sends no cell id): re-running the cell does not stack refreshes.
    """

    #: The live view for each cell id (or title): strong references, one per key, so a view
    #: lives while it is the current one and is released when a new one replaces it.
    _live: dict[str, "GraphView"] = {}

    def __init__(self, graph: Graph, inputs: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
                 backward: Callable[[dict], Mapping[str, Any]], *, title: str = "", display: bool = True,
                 eps: float = 1e-2, max_entries: int = 60):
        self.graph, self.inputs, self.backward = graph, inputs, backward
        self.title = title or graph.title
        self.eps, self.max_entries = eps, max_entries
        self.refreshes = 0
        self.report: Report | None = None
        self._numeric: tuple[dict, dict] | None = None  # (values, numerical gradients) last computed
        self._html = None
        self._shown_in: int | None = None
        self._callback = None
        shell = _shell()
        self._cell_id = _current_cell_id(shell) if shell is not None else None
        self.refresh()
        if shell is not None:
            self._register(shell)
            if display:
                self._display(shell)

    # -- computing --------------------------------------------------------------

    def _inputs(self) -> Mapping[str, Any]:
        return self.inputs() if callable(self.inputs) else self.inputs

    def _numerical(self, values: dict) -> dict:
        """Finite differences, recomputed only when the forward values changed (they cost ~0.1 s)."""
        if self._numeric is not None:
            old, numeric = self._numeric
            if old.keys() == values.keys() and all(
                    old[k].shape == values[k].shape and np.array_equal(old[k], values[k], equal_nan=True)
                    for k in values):
                return numeric
        numeric = self.graph.numerical_gradients(values, self.eps, max_entries=self.max_entries)
        self._numeric = ({k: v.copy() for k, v in values.items()}, numeric)
        return numeric

    def refresh(self) -> Report:
        """Run forward, the student's backward and the check again, and redraw. Never raises."""
        try:
            try:
                inputs = self._inputs()
                values = self.graph.forward(inputs)
            except Exception as error:  # noqa: BLE001 - shown in the view
                report = Report(graph=self.graph, nodes=[],
                                failure=f"the forward pass failed: {type(error).__name__}: {error}")
            else:
                # A NaN or infinite input (or a forward step that overflows) makes every gradient
                # non-finite: say so, rather than blame the first gradient that shows it.
                broken = _first_non_finite(self.graph, values)
                if broken is not None:
                    report = Report(graph=self.graph, nodes=[], failure=(
                        f"the forward pass gives NaN or infinite values from {broken} on: check the inputs "
                        f"({', '.join(self.graph.leaves)}); no gradient can be checked there"))
                else:
                    report = self.graph.evaluate(inputs, self.backward, self._numerical(values))
        except Exception as error:  # noqa: BLE001 - the view must never break the notebook
            report = Report(graph=self.graph, nodes=[], failure=f"the view failed: {type(error).__name__}: {error}")
        self.report = report
        self.refreshes += 1
        if self._html is not None:
            drawn = render_html(report, self.title)
            if self._html.value != drawn:  # unchanged: send nothing to the page
                self._html.value = drawn
        return report

    @property
    def first_wrong(self) -> str | None:
        return self.report.first_wrong if self.report else None

    def text(self) -> str:
        """The current report as a plain-text table."""
        return self.report.text(self.title) if self.report else self.title

    def __repr__(self) -> str:
        return self.text()

    # -- the page ------------------------------------------------------------------

    def widget(self):
        """The ipywidgets.HTML showing the drawing (made on first use)."""
        if self._html is None:
            import ipywidgets

            self._html = ipywidgets.HTML(value=render_html(self.report, self.title) if self.report else "")
        return self._html

    def _bundle(self) -> dict:
        # The widget's own bundle, with the plain-text table as its text/plain: a notebook saved
        # headless shows the table, not the widget's repr with the whole SVG in it.
        bundle = self.widget()._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data = dict(data or {})
        data["text/plain"] = self.text()
        return data

    def _display(self, shell) -> None:
        from IPython.display import display

        display(self._bundle(), raw=True)
        self._shown_in = shell.execution_count

    def _ipython_display_(self) -> None:
        shell = _shell()
        if shell is not None and self._shown_in == shell.execution_count:
            return  # the constructor has shown it in this cell already
        from IPython.display import display

        display(self._bundle(), raw=True)
        if shell is not None:
            self._shown_in = shell.execution_count

    # -- refreshing after every cell ------------------------------------------------

    def _keys(self) -> list[str]:
        # The cell the view was made in, where the front end says (JupyterLab does): a copy of the
        # view in another cell keeps refreshing. Without a cell id (nbclient sends none), the title.
        return [f"cell:{self._cell_id}"] if self._cell_id else [f"title:{self.title}"]

    def _register(self, shell) -> None:
        for key in self._keys():
            old = GraphView._live.get(key)
            if old is not None and old is not self:
                old.close()
        for key in self._keys():
            GraphView._live[key] = self
        reference = weakref.ref(self)

        def after_cell(result=None):
            # Holds the view weakly: a replaced view is released, and this callback then removes itself.
            view = reference()
            if view is None:
                _unregister(shell, after_cell)
                return
            view.refresh()

        self._callback = after_cell
        self._shell_ref = weakref.ref(shell)
        shell.events.register("post_run_cell", after_cell)

    def close(self) -> None:
        """Stop refreshing (a newer view of the same cell or title does this for the old one)."""
        shell = self._shell_ref() if getattr(self, "_shell_ref", None) else None
        if shell is not None and self._callback is not None:
            _unregister(shell, self._callback)
        self._callback = None
        for key, view in list(GraphView._live.items()):
            if view is self:
                del GraphView._live[key]


def _first_non_finite(graph: Graph, values: Mapping[str, Any]) -> str | None:
    """The first node, in forward order, whose value has a NaN or an infinity (None if all are finite)."""
    for name in graph.names:
        try:
            finite = bool(np.all(np.isfinite(np.asarray(values[name], dtype=float))))
        except (TypeError, ValueError, KeyError):  # not numbers: the check itself will say so
            continue
        if not finite:
            return name
    return None


def _unregister(shell, callback) -> None:
    try:
        shell.events.unregister("post_run_cell", callback)
    except ValueError:  # already gone
        pass
