"""The computational graph, its view and the network diagrams (course.graph, graph_view, graphs, diagrams).

Every course graph's finite-difference gradients are compared with JAX's autodiff of an independent
jax.numpy implementation of the same forward steps, node by node; the check names the first wrong
node wherever the wrong gradient sits; bad gradients (NaN, wrong shape, an exception) are reported
per node and never raise; the HTML escapes what it shows; a notebook using the view runs headless
with nothing on stderr and refreshes after a function's cell is run again; the diagrams label every
weight as the lectures number them.
"""
from __future__ import annotations

import html.parser
import subprocess
import sys

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from course import diagrams, graphs
from course.graph import Graph, Node
from course.graph_view import GraphView, render_html
from tests.conftest import ROOT

matplotlib.use("Agg")


# -- the course's graphs, their inputs, and an independent JAX twin of each forward step ---------

def _sigmoid(z):
    return 1 / (1 + jnp.exp(-z))


def _ones_then(values):
    return jnp.concatenate([jnp.ones((values.shape[0], 1)), values], axis=1)


# name -> the node's forward step in jax.numpy, written again here from the conventions boxes.
JAX_STEPS = {
    "two_node": {
        "x1": lambda w0, s0: w0 * s0, "s1": _sigmoid, "x2": lambda w1, s1: w1 * s1, "s2": _sigmoid,
        "out": lambda w2, s2: w2 * s2, "E": lambda out, target: 0.5 * (out - target) ** 2},
    "hidden_layer": {
        "z_h": lambda x, W: x @ W, "h": _sigmoid, "z_o": lambda h, w: h @ w, "y_hat": _sigmoid,
        "E": lambda y_hat, y: jnp.mean(0.5 * (y - y_hat) ** 2)},
    "network_321": {
        "z1": lambda X, W1: X @ W1, "a1": _sigmoid, "z2": lambda a1, w2: a1 @ w2, "y_hat": jnp.exp,
        "L": lambda y_hat, y: jnp.mean((y_hat - y) ** 2)},
    "house_prices": {
        "alpha_h": lambda x, W: _ones_then(x) @ W, "beta_h": _sigmoid, "output_inputs": _ones_then,
        "alpha_o": lambda i, w: i @ w, "y_pred": lambda alpha_o: alpha_o, "E": lambda y_pred, y: 0.5 * jnp.sum((y_pred - y) ** 2)},
    "layered_softmax": {
        "z1": lambda X, W1, b1: X @ W1 + b1, "a1": jnp.tanh, "z2": lambda a1, W2, b2: a1 @ W2 + b2,
        "y_hat": lambda z: jax.nn.softmax(z, axis=-1),
        "L": lambda y_hat, Y: -jnp.mean(jnp.sum(Y * jnp.log(y_hat), axis=1))},
}


def _inputs(name: str, rng: np.random.Generator, n: int = 5, d: int = 3, h: int = 4, k: int = 3) -> dict:
    """Random inputs and weights, none zero, no two hidden units alike, n ≠ h ≠ d."""
    def weights(*shape):
        w = rng.normal(0, 0.7, shape)
        return w + np.sign(w) * 0.1  # away from zero
    if name == "two_node":
        return {"s0": 1.3, "w0": weights(), "w1": weights(), "w2": weights(), "target": 0.4}
    if name == "hidden_layer":
        return {"x": rng.normal(size=(n, d)), "W_ih": weights(d, h), "w_ho": weights(h), "y": rng.uniform(0, 1, n)}
    if name == "network_321":
        return {"X": rng.normal(size=(n, 3)), "W1": weights(3, 2), "w2": weights(2), "y": np.exp(rng.normal(0, .5, n))}
    if name == "house_prices":
        return {"x": rng.normal(size=(10, 2)), "W_hidden": weights(3, 5), "w_output": weights(6),
                "y": rng.normal(size=10)}
    if name == "layered_softmax":
        return {"X": rng.normal(size=(n, d)), "W1": weights(d, h), "b1": weights(h), "W2": weights(h, k),
                "b2": weights(k), "Y": np.eye(k)[rng.integers(0, k, n)]}
    raise KeyError(name)


GRAPHS = sorted(graphs.ALL)


def _jax_gradients(graph: Graph, name: str, values: dict) -> dict:
    """∂loss/∂node for every node by JAX autodiff of the downstream jax.numpy steps."""
    steps = JAX_STEPS[name]
    assert set(steps) == {node.name for node in graph.nodes if not node.is_leaf}
    result = {}
    for node in graph.nodes:
        downstream = graph.descendants(node.name)

        def loss_from(value, node=node, downstream=downstream):
            current = {key: jnp.asarray(v) for key, v in values.items()}
            current[node.name] = value
            for later in downstream:
                current[later] = steps[later](*(current[p] for p in graph[later].parents))
            return current[graph.loss]

        result[node.name] = np.asarray(jax.grad(loss_from)(jnp.asarray(values[node.name], dtype=jnp.float64)))
    return result


@pytest.mark.parametrize("name", GRAPHS)
def test_numerical_gradients_of_every_course_graph_agree_with_jax_autodiff(name):
    graph = graphs.ALL[name]()
    values = graph.forward(_inputs(name, np.random.default_rng(15)))
    numeric = graph.numerical_gradients(values)
    with jax.enable_x64(True):
        autodiff = _jax_gradients(graph, name, values)
    for node in graph.names:
        assert numeric[node].shape == values[node].shape, node
        scale = np.abs(autodiff[node]).max()
        assert scale > 0, f"{name}: ∂loss/∂{node} is zero at these weights"
        np.testing.assert_allclose(numeric[node], autodiff[node], rtol=1e-7, atol=1e-9 * max(1, scale),
                                   err_msg=f"{name}: ∂loss/∂{node}")
    # And the JAX gradients pass the check.
    report = graph.check(values, autodiff, numeric)
    assert report.ok and report.first_wrong is None, report.text()


def test_the_graphs_compute_the_losses_of_the_course_modules():
    from course import house_prices as hp, network_321 as n321, sigmoid_networks as sn

    rng = np.random.default_rng(4)
    given = _inputs("two_node", rng)
    assert np.isclose(graphs.two_node().forward(given)["E"],
                      sn.two_node_loss(given["w0"], given["w1"], given["w2"], given["s0"], given["target"]))
    given = _inputs("hidden_layer", rng)
    assert np.isclose(graphs.hidden_layer().forward(given)["E"],
                      sn.squared_error(given["x"], given["y"], given["W_ih"], given["w_ho"]))
    given = _inputs("network_321", rng)
    values = graphs.network_321().forward(given)
    assert np.isclose(values["L"], n321.mse(given["X"], given["y"], given["W1"], given["w2"]))
    np.testing.assert_allclose(values["z1"], n321.forward(given["X"], given["W1"], given["w2"]).z1)
    given = _inputs("house_prices", rng)
    values = graphs.house_prices().forward(given)
    assert np.isclose(values["E"], hp.loss(given["x"], given["y"], given["W_hidden"], given["w_output"]))
    np.testing.assert_allclose(values["alpha_h"], hp.forward(given["x"], given["W_hidden"], given["w_output"]).alpha_h)


@pytest.fixture(scope="module")
def checked_321():
    graph = graphs.network_321()
    values = graph.forward(_inputs("network_321", np.random.default_rng(7)))
    return graph, values, graph.numerical_gradients(values)


@pytest.mark.parametrize("name", GRAPHS)
def test_the_first_wrong_node_is_found_wherever_it_is(name):
    graph = graphs.ALL[name]()
    values = graph.forward(_inputs(name, np.random.default_rng(3)))
    numeric = graph.numerical_gradients(values)
    for wrong in graph.names:
        # One gradient wrong alone: that node, and no other.
        gradients = {key: value.copy() for key, value in numeric.items()}
        gradients[wrong] = gradients[wrong] * 1.5 + 0.01
        report = graph.check(values, gradients, numeric)
        assert report.first_wrong == wrong and report.wrong == [wrong], (wrong, report.text())
        # A backward pass carries its error on: every gradient computed from it wrong too. The first
        # one in backward order is still the one to fix; those behind it are marked downstream.
        for ancestor in graph.ancestors(wrong):
            gradients[ancestor] = gradients[ancestor] * 1.5 + 0.01
        report = graph.check(values, gradients, numeric)
        assert report.first_wrong == wrong, (wrong, report.text())
        assert {entry.name for entry in report.nodes if entry.after_first_wrong} == set(graph.ancestors(wrong))
        drawn = render_html(report)
        assert f'data-first-wrong="{wrong}"' in drawn
        assert "first wrong node in backward order" in drawn
        assert ("downstream of the error" in drawn) == bool(graph.ancestors(wrong))


def test_a_large_node_is_checked_at_a_sample_of_its_entries(checked_321):
    graph, values, numeric = checked_321
    sampled = graph.numerical_gradients(values, max_entries=4)
    taken = np.isfinite(sampled["z1"])
    assert taken.sum() == 4 and values["z1"].size == 10
    np.testing.assert_allclose(sampled["z1"][taken], numeric["z1"][taken], rtol=1e-9)
    assert graph.check(values, numeric, sampled).ok
    wrong = dict(numeric, z1=numeric["z1"] * np.where(taken, 1.0, 2.0))  # wrong where nothing was sampled
    assert graph.check(values, wrong, sampled).ok, "only the sampled entries are compared"
    wrong = dict(numeric, z1=-numeric["z1"])
    report = graph.check(values, wrong, sampled)
    assert report.first_wrong == "z1" and "(checked at 4 of 10 entries)" in report["z1"].message
    assert "at 4 of 10 entries" in report.text()


def test_backward_order_starts_at_the_loss(checked_321):
    graph, values, numeric = checked_321
    report = graph.check(values, numeric, numeric)
    assert [entry.name for entry in report.nodes] == graph.names[::-1]
    assert report.nodes[0].name == "L"


def test_bad_gradients_are_reported_per_node_and_never_raise(checked_321):
    graph, values, numeric = checked_321
    gradients = {key: value.copy() for key, value in numeric.items() if key not in ("X", "y")}
    gradients["z2"] = gradients["z2"].copy()
    gradients["z2"][1] = np.nan
    gradients["a1"] = gradients["a1"].T                      # (h, n) for (n, h)
    gradients["z1"] = ValueError("operands could not be broadcast")
    gradients["W1"] = "not a number"
    gradients["w2"] = None
    gradients["no_such_node"] = 1.0
    report = graph.check(values, gradients, numeric)
    status = {entry.name: entry.status for entry in report.nodes}
    assert status == {"L": "ok", "y": "missing", "y_hat": "ok", "z2": "NaN", "w2": "missing", "a1": "shape mismatch",
                      "z1": "error", "W1": "error", "X": "missing"}, status
    assert report.first_wrong == "z2"
    assert "1 of 5 entries are NaN" in report["z2"].message
    assert "(2, 5)" in report["a1"].message and "(5, 2) = (n, h)" in report["a1"].message
    assert "ValueError: operands could not be broadcast" in report["z1"].message
    assert report.unknown == ["no_such_node"] and not report.ok
    text = report.text()
    assert "first wrong node in backward order: z₂ (z2)" in text
    render_html(report)  # draws without raising


def _forever():
    while True:
        try:
            pass
        except Exception:  # noqa: BLE001 - a student's catch-all cannot keep the loop alive
            pass


@pytest.mark.parametrize("backward, says", [
    (lambda values: 1 / 0, "the backward pass raised ZeroDivisionError"),
    (lambda values: (_ for _ in ()).throw(NotImplementedError()), "not yet"),
    (lambda values: [1, 2], "returned list, not a dict"),
    (lambda values: _forever(), "ran for more than 0.5 s and was stopped"),
])
def test_a_failing_backward_pass_is_shown_not_raised(checked_321, backward, says, capsys):
    graph, values, numeric = checked_321
    inputs = {name: values[name] for name in graph.leaves}
    report = graph.evaluate(inputs, backward, numeric, seconds=0.5)
    assert says in report.verdict() and report.first_wrong is None and not report.ok
    assert 'data-state="failure"' in render_html(report)
    if "0.5 s" not in says:
        view = GraphView(graph, inputs, backward)  # plain Python: no IPython, no widget, no output
        assert says in view.text()
    assert capsys.readouterr() == ("", "")


def test_the_view_in_plain_python_is_quiet_and_a_table(checked_321, capsys):
    graph, values, numeric = checked_321
    inputs = {name: values[name] for name in graph.leaves}

    def noisy(values):
        print("debugging output")
        np.log(-1.0)  # a RuntimeWarning, silenced inside the view
        return {"L": 1.0, "z2": numeric["z2"] * 2}

    view = GraphView(graph, inputs, noisy, title="3-2-1")
    assert view.first_wrong == "z2"
    assert repr(view).startswith("3-2-1\nnode") and "z2" in view.text()
    assert GraphView(graph, {"X": values["X"]}, noisy).report.failure.startswith("the forward pass failed")
    # Inputs given as a function are read again at every refresh (weights that training changes).
    current = dict(inputs)
    def output_gradients(values):
        d_z2 = 2 * (values["y_hat"] - values["y"]) / len(values["y"]) * values["y_hat"]
        return {"z2": d_z2, "w2": values["a1"].T @ d_z2}

    view = GraphView(graph, lambda: current, output_gradients)
    assert view.report.ok
    current["W1"] = inputs["W1"] * 1.1
    assert view.refresh().ok and not np.array_equal(view.report["z1"].value, values["z1"])
    assert capsys.readouterr() == ("", "")


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, _ in attrs:
            assert not name.startswith("on"), f"an event handler attribute {name} reached the page"


def test_the_html_escapes_labels_titles_and_messages():
    hostile = "<img src=x onerror=alert(1)>"
    graph = Graph([Node("a", hostile, shape="<n>", kind="parameter"),
                   Node("L", "L", ("a",), lambda a: np.sum(a ** 2), "()", kind="loss", formula=hostile)],
                  title=hostile)
    values = graph.forward({"a": np.array([1.0, 2.0])})
    report = graph.check(values, {"a": RuntimeError(hostile), "L": 1.0})
    drawn = render_html(report, title=hostile)
    parser = _Tags()
    parser.feed(drawn)
    assert "img" not in parser.tags and "script" not in parser.tags
    assert parser.tags <= {"div", "svg", "defs", "marker", "path", "line", "g", "rect", "text", "title", "table",
                           "thead", "tbody", "tr", "th", "td", "code"}, parser.tags
    assert "&lt;img src=x onerror=alert(1)&gt;" in drawn


def test_graph_definitions_are_checked():
    with pytest.raises(ValueError, match="not defined before"):
        Graph([Node("z", parents=("a",), op=lambda a: a), Node("a", kind="input")])
    with pytest.raises(ValueError, match="last node must be the loss"):
        Graph([Node("a", kind="input")])
    with pytest.raises(ValueError, match="do not lead to the loss"):
        Graph([Node("a", kind="input"), Node("b", kind="input"),
               Node("L", parents=("a",), op=np.sum, kind="loss")])
    with pytest.raises(ValueError, match="forward needs a value for W1"):
        graphs.network_321().forward({"X": np.ones((2, 3)), "w2": np.ones(2), "y": np.ones(2)})


def test_importing_the_graph_costs_nothing_of_scipy_matplotlib_or_widgets():
    loaded = subprocess.run([sys.executable, "-c", "import sys, course.graph, course.graphs, course.graph_view, "
                             "course.diagrams; print(sorted(m for m in ('scipy', 'matplotlib', 'ipywidgets', "
                             "'IPython', 'jax') if m in sys.modules))"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr


# -- headless, in a real kernel -----------------------------------------------------------

_HEADLESS_CELLS = [
    """\
import numpy as np
from course import graphs
from course.graph_view import GraphView
graph = graphs.network_321()
rng = np.random.default_rng(0)
inputs = {"X": rng.normal(size=(5, 3)), "W1": rng.normal(0, .7, (3, 2)), "w2": rng.normal(0, .7, 2),
          "y": np.exp(rng.normal(0, .5, 5))}""",
    """\
def output_link(y_hat, y):
    return 2 * (y_hat - y) / len(y)""",
    """\
def backward(values):
    d_y_hat = output_link(values["y_hat"], values["y"])
    d_z2 = d_y_hat * values["y_hat"]
    d_a1 = np.outer(d_z2, values["w2"])
    d_z1 = d_a1 * values["a1"] * (1 - values["a1"])
    return {"L": 1.0, "y_hat": d_y_hat, "z2": d_z2, "w2": values["a1"].T @ d_z2, "a1": d_a1, "z1": d_z1,
            "W1": values["X"].T @ d_z1}
callbacks = len(get_ipython().events.callbacks["post_run_cell"])""",
    "view = GraphView(graph, inputs, lambda values: backward(values), title='3-2-1 check')\nview",
    "print('first wrong:', view.first_wrong)",
    # The student's link edited and its cell run again: the view refreshes after that cell.
    """\
def output_link(y_hat, y):
    return (y_hat - y) / len(y)""",
    "print('first wrong:', view.first_wrong)",
    # The view's cell run twice more: one view refreshes, not three.
    "view = GraphView(graph, inputs, lambda values: backward(values), title='3-2-1 check')",
    "view = GraphView(graph, inputs, lambda values: backward(values), title='3-2-1 check')",
    "print('callbacks added:', len(get_ipython().events.callbacks['post_run_cell']) - callbacks)",
    "%matplotlib inline\nfrom course import diagrams\ndiagrams.draw_network('house_prices')",
]


def test_the_view_runs_headless_quietly_and_refreshes_after_a_cell_is_run_again():
    notebook = new_notebook(cells=[new_code_cell(source) for source in _HEADLESS_CELLS])
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    for index, cell in enumerate(notebook.cells):
        for output in cell.outputs:
            assert output.output_type != "error", (index, output.get("evalue"))
            assert not (output.output_type == "stream" and output.name == "stderr"), (index, output.text)
    printed = ["".join(o.get("text", "") for o in cell.outputs) for cell in notebook.cells]
    assert printed[4].strip() == "first wrong: None"
    assert printed[6].strip() == "first wrong: y_hat"
    assert printed[9].strip() == "callbacks added: 1"
    shown = notebook.cells[3].outputs
    assert len(shown) == 1, "the view was displayed more than once"
    data = shown[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("3-2-1 check\nnode") and "<svg" not in data["text/plain"]
    images = [o for o in notebook.cells[10].outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, "the diagram is shown once, not again by pyplot at the end of the cell"


_CELL_IDS_SCRIPT = """
import types
import numpy as np
from IPython.core.interactiveshell import InteractiveShell
from course import graphs
from course.graph_view import GraphView

shell = InteractiveShell.instance()
cell = {"id": "a"}
shell.kernel = types.SimpleNamespace(get_parent=lambda channel: {"metadata": {"cellId": cell["id"]}})
shell.user_ns.update(graphs=graphs, GraphView=GraphView, np=np)
before = len(shell.events.callbacks["post_run_cell"])
make = "view_{} = GraphView(graphs.two_node(), dict(s0=1.0, w0=0.5, w1=-0.7, w2=1.2, target=0.3), lambda v: {{}})"
shell.run_cell(make.format("a1"))
shell.run_cell(make.format("a2"))   # the same cell run again: replaces its view
cell["id"] = "b"
shell.run_cell(make.format("b"))    # another cell, the same title: both live
ns = shell.user_ns
print(len(shell.events.callbacks["post_run_cell"]) - before, ns["view_a1"]._callback is None,
      ns["view_a2"]._callback is not None, ns["view_b"]._callback is not None)
refreshes, replaced = ns["view_a2"].refreshes, ns["view_a1"].refreshes
shell.run_cell("pass")
print(ns["view_a2"].refreshes - refreshes, ns["view_a1"].refreshes - replaced)
"""


def test_a_view_replaces_the_earlier_view_of_its_own_cell_only():
    done = subprocess.run([sys.executable, "-c", _CELL_IDS_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and not done.stderr, done.stderr
    # Two callbacks (cells a and b), the replaced view's removed; a cell run refreshes a2, not a1.
    assert done.stdout.rstrip().split("\n")[-2:] == ["2 True True True", "1 0"], done.stdout


# -- the diagrams -----------------------------------------------------------------------------

def _weight_texts(figure) -> dict[str, str]:
    return {text.get_gid()[len("weight:"):]: text.get_text() for text in figure.findobj(matplotlib.text.Text)
            if (text.get_gid() or "").startswith("weight:")}


def test_the_house_price_diagram_numbers_its_21_weights_as_seed_004():
    network = diagrams.house_prices()
    labels = {(w.source, w.target): w.label for w in network.weights}
    assert sorted(labels.values(), key=lambda s: int(s[1:])) == [f"w{i}" for i in range(1, 22)]
    # W_hidden's rows: the biases w1..w5, then x1's w6..w10, then x2's w11..w15; w_output = (w16, w17..w21).
    for j in range(1, 6):
        assert labels[("bias0", f"H{j}")] == f"w{j}"
        assert labels[("x1", f"H{j}")] == f"w{5 + j}"
        assert labels[("x2", f"H{j}")] == f"w{10 + j}"
        assert labels[(f"H{j}", "y_hat")] == f"w{16 + j}"
    assert labels[("bias1", "y_hat")] == "w16"
    figure = diagrams.draw_network(network)
    drawn = _weight_texts(figure)
    assert len(drawn) == 21 and drawn["w16"] == "$w_{16}$"
    from course import house_prices as hp
    W_hidden, w_output = hp.initial_weights(seed=0)
    # Flattening W_hidden row by row and appending w_output gives w1..w21 in order (house_prices.md).
    numbered = dict(zip([f"w{i}" for i in range(1, 22)], np.r_[W_hidden.ravel(), w_output]))
    assert numbered["w6"] == W_hidden[1, 0] and numbered["w16"] == w_output[0] and numbered["w5"] == W_hidden[0, 4]


@pytest.mark.parametrize("name, count, some", [
    ("two_node", 3, {"w0", "w1", "w2"}),
    ("hidden_layer", 3 * 2 + 2, {"W_ih[0,0]", "W_ih[2,1]", "w_ho[1]"}),
    ("network_321", 8, {"w1_1[0]", "w1_2[2]", "w2_1[0]", "w2_1[1]"}),
    ("layered", (3 + 1) * 4 + (4 + 1) * 3, {"W1[2,3]", "b1[0]", "W2[3,2]", "b2[2]"}),
])
def test_every_diagram_labels_every_weight(name, count, some):
    network = diagrams.NETWORKS[name]()
    assert len(network.weights) == count and len(set(network.weight_labels)) == count
    assert some <= set(network.weight_labels)
    assert len(_weight_texts(diagrams.draw_network(network))) == count


def test_the_321_diagram_follows_seed_000s_names():
    labels = {(w.source, w.target): w.label for w in diagrams.network_321().weights}
    # Column j of W1 is the lecture's w1_(j+1): the weights into hidden unit j.
    assert labels[("x0", "h0")] == "w1_1[0]" and labels[("x2", "h1")] == "w1_2[2]"
    assert labels[("h1", "y_hat")] == "w2_1[1]"


@pytest.mark.parametrize("name", GRAPHS)
def test_the_computational_graph_is_drawn_with_a_shape_on_every_edge(name):
    graph = graphs.ALL[name]()
    values = graph.forward(_inputs(name, np.random.default_rng(1)))
    figure = diagrams.draw_graph(graph, values)
    shapes = {t.get_gid(): t.get_text() for t in figure.findobj(matplotlib.text.Text)
              if (t.get_gid() or "").startswith("shape:")}
    assert set(shapes) == {f"shape:{parent}->{child}" for parent, child in graph.edges}
    drawn = render_html(graph.check(values, {}))
    assert drawn.count('class="graph-edge-shape"') == len(graph.edges)
    if name == "network_321":
        assert shapes["shape:z1->a1"] == "(n, h) = (5, 2)"
