"""The course's networks drawn from code: units, bias units and every weight with the lecture's name.

`draw_network(network)` draws a `Network` (layers of units, and weights between them) with
matplotlib and returns the Figure. The course's networks are ready-made:

    from course import diagrams
    diagrams.draw_network(diagrams.house_prices())    # seed 004's w1 … w21
    diagrams.draw_network("network_321")               # by name: the functions below

`two_node()`, `hidden_layer(d, h)` (assignment 2), `network_321()` (3), `house_prices()` (4) and
`layered(d, h, k)` (any widths, with biases: the softmax network). A weight drawn as `W1[i, j]` is
that entry of the array the notebook's code holds (rows: inputs, columns: units, from 0); a4's
weights carry the lecture's numbers instead. `draw_graph(graph)` draws a computational graph
(`course.graph`) as boxes with the shape on every edge.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

UNIT_KINDS = ("input", "hidden", "output", "bias")


@dataclass(frozen=True)
class Unit:
    """One unit: name (unique key), label (drawn inside), kind, note (its activation, drawn beside it)."""

    name: str
    label: str
    kind: str = "hidden"
    note: str = ""

    def __post_init__(self):
        if self.kind not in UNIT_KINDS:
            raise ValueError(f"unit {self.name}: kind {self.kind!r} is not one of {', '.join(UNIT_KINDS)}")


@dataclass(frozen=True)
class Weight:
    """The weight on the connection from unit `source` to unit `target`, drawn as `label`."""

    source: str
    target: str
    label: str


@dataclass(frozen=True)
class Network:
    """Layers of units from the inputs to the outputs, and the weights connecting them."""

    title: str
    layers: tuple[tuple[Unit, ...], ...]
    weights: tuple[Weight, ...]
    caption: str = ""

    def __post_init__(self):
        names = [unit.name for layer in self.layers for unit in layer]
        if len(set(names)) != len(names):
            raise ValueError("two units share a name")
        layer_of = {unit.name: i for i, layer in enumerate(self.layers) for unit in layer}
        for weight in self.weights:
            if weight.source not in layer_of or weight.target not in layer_of:
                raise ValueError(f"weight {weight.label} connects a unit that does not exist")
            if layer_of[weight.target] != layer_of[weight.source] + 1:
                raise ValueError(f"weight {weight.label} does not connect one layer to the next")

    @property
    def weight_labels(self) -> list[str]:
        return [weight.label for weight in self.weights]


def dense(title: str, layers: Sequence[Sequence[Unit]], weight_label: Callable[[int, Unit, Unit], str],
          caption: str = "") -> Network:
    """Every unit connected to every non-bias unit of the next layer; `weight_label(layer, source, target)`."""
    weights = []
    for index in range(len(layers) - 1):
        for target in layers[index + 1]:
            if target.kind == "bias":
                continue
            for source in layers[index]:
                weights.append(Weight(source.name, target.name, weight_label(index, source, target)))
    return Network(title, tuple(tuple(layer) for layer in layers), tuple(weights), caption)


# -- the course's networks ----------------------------------------------------------------

def two_node() -> Network:
    """Lecture 003's chain: s0 -w0-> σ -w1-> σ -w2-> out (assignment 2)."""
    layers = ((Unit("s0", "s₀", "input"),), (Unit("unit1", "s₁", "hidden", "σ"),),
              (Unit("unit2", "s₂", "hidden", "σ"),), (Unit("out", "out", "output", "linear"),))
    weights = (Weight("s0", "unit1", "w0"), Weight("unit1", "unit2", "w1"), Weight("unit2", "out", "w2"))
    return Network("the two-node network (lecture 003)", layers, weights,
                   "x₁ = w₀s₀, s₁ = σ(x₁); x₂ = w₁s₁, s₂ = σ(x₂); out = w₂s₂")


def hidden_layer(d: int = 3, h: int = 2) -> Network:
    """Lecture 001's network (assignment 2): d inputs, h sigmoid hidden units, one sigmoid output, no biases.

    Weights: W_ih[i, j] from input i to hidden unit j (the notebook's weights_input_hidden),
    w_ho[j] from hidden unit j to the output (weights_hidden_output).
    """
    layers = ([Unit(f"x{i}", f"x[{i}]", "input") for i in range(d)],
              [Unit(f"h{j}", f"h[{j}]", "hidden", "σ") for j in range(h)],
              [Unit("y_hat", "ŷ", "output", "σ")])

    def label(layer: int, source: Unit, target: Unit) -> str:
        if layer == 0:
            return f"W_ih[{source.name[1:]},{target.name[1:]}]"
        return f"w_ho[{source.name[1:]}]"

    return dense("one hidden layer (lecture 001)", layers, label,
                 "z_h = x W_ih, h = σ(z_h); ŷ = σ(h · w_ho)")


def network_321() -> Network:
    """Lecture 000's 3-2-1 network (assignment 3), with seed 000's names.

    Hidden unit j's weights are the vector w1_j (column j of W1: w1_1, w1_2), the output's w2_1
    (w2); an edge labelled w1_2[0] is entry 0 of w1_2, from input X[:, 0].
    """
    layers = ([Unit(f"x{i}", f"X[:,{i}]", "input") for i in range(3)],
              [Unit(f"h{j}", f"a1[:,{j}]", "hidden", "σ") for j in range(2)],
              [Unit("y_hat", "ŷ", "output", "exp")])

    def label(layer: int, source: Unit, target: Unit) -> str:
        if layer == 0:
            return f"w1_{int(target.name[1:]) + 1}[{source.name[1:]}]"
        return f"w2_1[{source.name[1:]}]"

    return dense("the 3-2-1 network (lecture 000)", layers, label,
                 "W1 = [w1_1, w1_2] (3 × 2), w2 = w2_1 (2,); no biases; ŷ = exp(σ(X W1) · w2)")


def house_prices(h: int = 5) -> Network:
    """Lecture 004's house-price network (assignment 4): 2 inputs and 5 sigmoid units, with biases.

    Seed 004's numbering: the hidden biases w1..w5, x1's weights w6..w10, x2's w11..w15 (the rows
    of W_hidden), the output's bias w16 and β_H1..β_H5's weights w17..w21 (w_output).
    """
    layers = ([Unit("bias0", "1", "bias"), Unit("x1", "x₁", "input"), Unit("x2", "x₂", "input")],
              [Unit("bias1", "1", "bias")] + [Unit(f"H{j}", f"H{j}", "hidden", "σ") for j in range(1, h + 1)],
              [Unit("y_hat", "ŷ", "output", "linear")])
    rows = {"bias0": 0, "x1": 1, "x2": 2}

    def label(layer: int, source: Unit, target: Unit) -> str:
        if layer == 0:  # row r of W_hidden holds w(r·h + 1) … w(r·h + h)
            return f"w{rows[source.name] * h + int(target.name[1:])}"
        position = 0 if source.kind == "bias" else int(source.name[1:])
        return f"w{3 * h + 1 + position}"

    return dense("the house-price network (lecture 004)", layers, label,
                 "W_hidden rows: w1–w5 (biases), w6–w10 (x₁), w11–w15 (x₂); w_output = (w16, w17–w21)")


def layered(d: int = 3, h: int = 4, k: int = 3, output: str = "softmax") -> Network:
    """d inputs, h sigmoid hidden units, k outputs, biases on both layers (the softmax network).

    Weights: W1[i, j] from input i to hidden unit j, b1[j] its bias; W2[j, c] from hidden unit j
    to output c, b2[c] its bias (the arrays of the notebook's code, indices from 0).
    """
    layers = ([Unit("bias0", "1", "bias")] + [Unit(f"x{i}", f"x[{i}]", "input") for i in range(d)],
              [Unit("bias1", "1", "bias")] + [Unit(f"h{j}", f"a1[{j}]", "hidden", "σ") for j in range(h)],
              [Unit(f"o{c}", f"ŷ[{c}]", "output", output) for c in range(k)])

    def label(layer: int, source: Unit, target: Unit) -> str:
        j = target.name[1:]
        if source.kind == "bias":
            return f"b{layer + 1}[{j}]"
        return f"W{layer + 1}[{source.name[1:]},{j}]"

    return dense(f"{d} inputs, {h} hidden units, {k} {output} outputs", layers, label,
                 f"z1 = X W1 + b1, a1 = σ(z1); z2 = a1 W2 + b2, ŷ = {output}(z2)")


NETWORKS: Mapping[str, Callable[[], Network]] = {
    "two_node": two_node, "hidden_layer": hidden_layer, "network_321": network_321,
    "house_prices": house_prices, "layered": layered}


# -- drawing ---------------------------------------------------------------------------------

_COLOURS = {"input": "#e3f2fd", "hidden": "#fff3e0", "output": "#e8f5e9", "bias": "#eeeeee"}


def _math(label: str) -> str:
    """w16 -> $w_{16}$ (the lecture's numbering as it prints it); array entries stay as code."""
    numbered = re.fullmatch(r"w(\d+)", label)
    return f"$w_{{{numbered.group(1)}}}$" if numbered else label


def _new_figure(size: tuple[float, float]):
    # A Figure of its own, not pyplot's: the inline backend would show a pyplot figure a second
    # time at the end of the cell that returns it (as course.plots does).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=90)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _gap(layer: Sequence[Unit], following: Sequence[Unit]) -> float:
    """Room between two layers: more where many units fan out to several."""
    targets = sum(unit.kind != "bias" for unit in following)
    return 3.5 if targets <= 1 else max(3.0, 1.5 * len(layer))


def draw_network(network: Network | str, ax=None, *, figsize: tuple[float, float] | None = None,
                 fontsize: float | None = None):
    """The network drawn with matplotlib: units by layer, bias units as squares, every weight labelled.

    network: a `Network`, or the name of one in NETWORKS. fontsize: 9, or 8 past 12 weights.
    Returns the Figure. Each weight's text has
    gid "weight:<label>" and each unit's "unit:<name>", so a test can find them.
    """
    from matplotlib.patches import Circle, FancyBboxPatch

    if isinstance(network, str):
        network = NETWORKS[network]()
    if fontsize is None:
        fontsize = 9 if len(network.weights) <= 12 else 8
    tallest = max(len(layer) for layer in network.layers)
    gaps = [_gap(network.layers[i], network.layers[i + 1]) for i in range(len(network.layers) - 1)]
    if ax is None:
        width = 1.1 * sum(gaps) + 1.5
        figure, ax = _new_figure(figsize or (max(6.0, width), max(2.6, 1.0 * tallest + 1.2)))
    else:
        figure = ax.figure
    # A layer with many units sends many weights: the gap after it grows, so that their labels,
    # spread along the edges, have room.
    left = np.cumsum([0.0] + gaps)
    position: dict[str, tuple[float, float]] = {}
    for column, layer in enumerate(network.layers):
        for row, unit in enumerate(layer):
            position[unit.name] = (float(left[column]), (len(layer) - 1) / 2 - row)
    radius = 0.3
    sources_per_layer = {column: len(layer) for column, layer in enumerate(network.layers)}
    layer_of = {unit.name: column for column, layer in enumerate(network.layers) for unit in layer}
    index_in_layer = {unit.name: row for layer in network.layers for row, unit in enumerate(layer)}
    for weight in network.weights:
        (x1, y1), (x2, y2) = position[weight.source], position[weight.target]
        ax.annotate("", xy=(x2 - radius, y2), xytext=(x1 + radius, y1),
                    arrowprops=dict(arrowstyle="-|>", color="#777", lw=0.9, shrinkA=0, shrinkB=0))
        # Labels of different sources sit at different points along their edges, so that edges fanning
        # out of one unit, or into one, do not pile their labels on top of each other.
        count = sources_per_layer[layer_of[weight.source]]
        t = 0.5 if count == 1 else 0.28 + 0.5 * index_in_layer[weight.source] / (count - 1)
        x, y = x1 + radius + t * (x2 - x1 - 2 * radius), y1 + t * (y2 - y1)
        ax.text(x, y, _math(weight.label), fontsize=fontsize, ha="center", va="center", color="#0d47a1",
                gid=f"weight:{weight.label}",
                bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.85))
    for layer in network.layers:
        for unit in layer:
            x, y = position[unit.name]
            if unit.kind == "bias":
                patch = FancyBboxPatch((x - radius * 0.8, y - radius * 0.8), 1.6 * radius, 1.6 * radius,
                                       boxstyle="square,pad=0", fc=_COLOURS["bias"], ec="#555", lw=1)
            else:
                patch = Circle((x, y), radius, fc=_COLOURS[unit.kind], ec="#333", lw=1.2)
            ax.add_patch(patch)
            ax.text(x, y, unit.label, ha="center", va="center", fontsize=fontsize + (1 if len(unit.label) < 4 else -1),
                    gid=f"unit:{unit.name}")
            if unit.note:
                ax.text(x, y - radius - 0.12, unit.note, ha="center", va="top", fontsize=fontsize - 1,
                        color="#555", style="italic")
    ax.set_xlim(-0.8, float(left[-1]) + 0.8)
    ax.set_ylim(-(tallest - 1) / 2 - 0.8, (tallest - 1) / 2 + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(network.title, fontsize=fontsize + 2)
    if network.caption:
        ax.text(0.5, -0.02, network.caption, transform=ax.transAxes, ha="center", va="top",
                fontsize=fontsize, color="#333")
    return figure


def draw_graph(graph, values: Mapping[str, np.ndarray] | None = None, ax=None, *, fontsize: float = 9):
    """A computational graph (`course.graph.Graph`) as boxes and arrows, the shape on every edge.

    values: from `graph.forward`, to add the actual shapes to the symbolic ones. Returns the Figure;
    each edge's shape text has gid "shape:<parent>-><child>".
    """
    from matplotlib.patches import FancyBboxPatch

    from .graph_view import BOX_WIDTH, _layout

    positions = _layout(graph)  # top-left corners in pixels, y downwards
    scale = 1 / BOX_WIDTH
    box_w, box_h = 1.0, 0.32
    centres = {name: (x * scale + box_w / 2, -(y * scale)) for name, (x, y) in positions.items()}
    columns = max(x for x, _ in centres.values()) + box_w
    rows = -min(y for _, y in centres.values()) + box_h
    if ax is None:
        figure, ax = _new_figure((max(4.0, 3.2 * columns), max(3.0, 3.0 * rows + 0.6)))
    else:
        figure = ax.figure
    for parent, child in graph.edges:
        (x1, y1), (x2, y2) = centres[parent], centres[child]
        ax.annotate("", xy=(x2, y2 + box_h / 2), xytext=(x1, y1 - box_h / 2),
                    arrowprops=dict(arrowstyle="-|>", color="#666", lw=1))
        shape = graph[parent].shape
        if values is not None and parent in values:
            actual = str(tuple(np.shape(values[parent])))
            shape = f"{shape} = {actual}" if shape and shape.replace(" ", "") != actual.replace(" ", "") else (
                shape or actual)
        # Near the source: labels of edges converging on one node stay apart.
        ax.text(x1 + 0.4 * (x2 - x1), (y1 - box_h / 2) + 0.4 * (y2 - y1 + box_h), shape, ha="center", va="center", fontsize=fontsize - 1,
                family="monospace", gid=f"shape:{parent}->{child}",
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9))
    fills = {"input": "#e3f2fd", "parameter": "#fff3e0", "value": "#ffffff", "loss": "#e8f5e9"}
    for node in graph.nodes:
        x, y = centres[node.name]
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.02", fc=fills[node.kind], ec="#333", lw=1))
        ax.text(x, y + 0.05, node.label, ha="center", va="center", fontsize=fontsize + 1, weight="bold",
                gid=f"node:{node.name}")
        ax.text(x, y - 0.08, node.formula or node.kind, ha="center", va="center", fontsize=fontsize - 1,
                color="#555")
    ax.set_xlim(-0.1, columns + 0.1)
    ax.set_ylim(-rows - 0.1, box_h / 2 + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if graph.title:
        ax.set_title(graph.title, fontsize=fontsize + 2)
    return figure
