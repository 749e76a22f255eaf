"""Assignment 2 as a student meets it: nothing graded given away, true text, hints that name the link.

- No graded formula (a link, an error term, a weight step, a composition) appears in the release
  notebook before the exercise that asks for it, nor in the course modules that ship to students.
- The text's numbers about training are what the notebook computes.
- A wrong link that is not in the slip catalogue gets a message naming that link and no hint of a
  cause it does not have (a lecture value of 0.5 or 1 must not turn a wrong answer into "a factor 2").
- The graph view sits where no weight is 1, and a broken student function gives a message there.
- Autograde: a submission with exactly one wrong link loses exactly that link's points.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course import data, graphs
from course import sigmoid_networks as sn
from course.graph_view import GraphView, render_html
from instructor.references import sigmoid_networks as reference
from tests import test_hints as hints

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "release" / "a2_sigmoid_networks" / "sigmoid_networks.ipynb"
SOURCE = ROOT / "source" / "a2_sigmoid_networks" / "sigmoid_networks.md"
# What ships to students and a2's cells import or display.
SHIPPED = ["sigmoid_networks.py", "sigmoid_networks_figures.py", "slips.py", "checks.py", "graphs.py",
           "graph.py", "graph_view.py", "diagrams.py", "activations.py", "data.py", "gradcheck.py"]

TWO_NODE = sn.TwoNodeFunctions(*(getattr(reference, name) for name in sn.TwoNodeFunctions._fields))
HIDDEN_LAYER = sn.HiddenLayerFunctions(*(getattr(reference, name) for name in sn.HiddenLayerFunctions._fields))


# --- no give-aways -------------------------------------------------------------------------

def _normalised(text: str) -> str:
    """Text and LaTeX with spacing, products and unicode minus signs taken out, so patterns are simple."""
    text = text.replace("−", "-").replace("′", "'").replace("σ", "\\sigma").replace("ŷ", "\\hat y")
    for mark in ("\\,", "\\;", "\\!", "\\cdot", "\\left", "\\right", "·", "*", "\\mathbf", "\\boldsymbol"):
        text = text.replace(mark, "")
    return re.sub(r"\s+", "", text)


# A sigmoid's slope in its output, v(1 − v) for any symbol v: s, s_2, \hat y, h_j, \sigma, ...
SIGMOID_SLOPE = re.compile(r"([A-Za-z\\{}_^0-9]+)\(1-\1\)|\(1-([A-Za-z\\{}_^0-9]+)\)\2(?![A-Za-z])")
FORMULAS = {  # graded function -> patterns that give its answer away, in the normalised text
    "squared_error_slope": [r"=\\text\{out\}-\\text\{target\}", r"=\(\\text\{out\}-\\text\{target\}\)(?!\^)"],
    "sigmoid_slope": [SIGMOID_SLOPE.pattern],
    "two_node_gradients": [r"\\frac\{\\partialE\}\{\\partialw_[01]\}=(?!-?\\frac\{\\partialE)"],
    "output_error": [r"\(y-\\haty\)(?!\^)", r"=y-\\haty", r"target-output"],
    "output_error_term": [r"\(y-\\haty\)\\sigma'", r"\\delta_o=\(?\w"],
    "hidden_error_term": [r"\\delta_\{h,j\}=\\delta_o", r"\\delta_h=\\delta_o", r"\\delta_ow_\{?ho"],
    "weight_steps": [r"=\\eta\\delta", r"\\eta\\delta_\{?[oh]"],
}


def _release_cells_before_each_exercise():
    """(graded function, the release text a student reads before writing it): markdown and code."""
    notebook = nbformat.read(RELEASE, as_version=4)
    seen, before = [], {}
    for cell in notebook.cells:
        solution = cell.metadata.get("nbgrader", {}).get("solution")
        defined = re.findall(r"^def (\w+)\(", cell.source, re.M) if solution else []
        for name in defined:
            before[name] = "\n".join(seen)
        seen.append(cell.source)
    return before


def test_the_release_notebook_shows_no_graded_formula_before_its_exercise():
    before = _release_cells_before_each_exercise()
    assert set(FORMULAS) <= set(before), set(FORMULAS) - set(before)
    for function, patterns in FORMULAS.items():
        text = _normalised(before[function])
        for pattern in patterns:
            found = re.search(pattern, text)
            assert not found, (f"{function}'s answer is shown before its exercise: "
                               f"…{text[max(0, found.start() - 60):found.end() + 60]}…")


def test_the_conventions_box_gives_a2s_sign_not_its_error_term():
    for path in sorted((ROOT / "source").glob("a*/*.md")):
        text = path.read_text()
        start = text.index("**Conventions across the course.**")
        box = _normalised(text[start:text.index("Everywhere:", start)])
        assert "\\delta=-\\partialE/\\partialz" in box, path.name
        assert not SIGMOID_SLOPE.search(box) and "\\sigma'(z)" not in box, path.name


def _parents(tree: ast.AST) -> dict:
    return {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}


def _graded_expressions(path: Path) -> list[str]:
    """Where a shipped module computes a link: v·(1 − v), or an error (target − output) not squared."""
    tree = ast.parse(path.read_text())
    parents = _parents(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for one, other in ((node.left, node.right), (node.right, node.left)):
                if (isinstance(one, ast.BinOp) and isinstance(one.op, ast.Sub) and isinstance(one.left, ast.Constant)
                        and one.left.value == 1 and ast.dump(one.right) == ast.dump(other)):
                    found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            names = {ast.unparse(side).split(".")[-1] for side in (node.left, node.right)}
            if names & {"out", "output", "y_hat", "outputs"} and names & {"target", "targets", "y"}:
                parent = parents.get(node)
                squared = isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Pow) and parent.left is node
                if not squared:
                    found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


# The course package ships whole, so every other assignment's modules reach a2's students too.
OTHER_ASSIGNMENTS = sorted({path.name for path in (ROOT / "course").glob("*.py")} - set(SHIPPED))


@pytest.mark.parametrize("module", SHIPPED + OTHER_ASSIGNMENTS)
def test_the_course_modules_a2_uses_compute_no_link(module):
    """course/ ships to students: no σ′ written in the output, no error term, not even in hidden cases."""
    found = [where for where in _graded_expressions(ROOT / "course" / module)
             if re.sub(r":\d+:", ":", where) not in ALLOWED]
    assert found == []


# How far the output is from the target, for the slider's one-line description: the loss's own
# quantity, which the text defines, not labelled as any slope.
ALLOWED = {"sigmoid_networks_figures.py: run.out - run.target"}


# --- the text is true ------------------------------------------------------------------------

def test_the_training_paragraph_is_what_the_notebook_computes():
    text = SOURCE.read_text()
    admissions = data.admissions()
    run = sn.train_hidden_layer(HIDDEN_LAYER, admissions["features"], admissions["targets"], n_hidden=2,
                                epochs=900, learning_rate=0.005)
    low, high = (float(v) for v in re.search(r"the outputs all still lie between ([\d.]+) and ([\d.]+)",
                                               text).groups())
    for features in (admissions["features"], admissions["features_test"]):
        _, output = sn.hidden_layer_forward(features, run.weights_input_hidden, run.weights_hidden_output)
        assert low <= output.min() and output.max() <= high
        assert 0.5 < np.median(output) < 0.55  # "most of them just above 0.5"
        assert 0.7 < np.mean(output > 0.5) < 0.8  # "admits three applicants in four"
    assert "loss falls only from 0.267 to 0.253" in text
    assert (round(run.train_loss[0], 3), round(run.train_loss[-1], 3)) == (0.267, 0.253)
    admitted = np.concatenate([admissions["targets"], admissions["targets_test"]]).mean()
    assert 0.29 < admitted < 0.37  # "about a third are admitted"


def test_at_eta_10_the_first_steps_throw_w1_far_negative_and_the_second_sigmoid_saturates():
    start = {name: data.TWO_NODE[name] for name in ("w0", "w1", "w2", "s0", "target")}
    run = sn.train_two_node(sn.two_node_backprop(TWO_NODE), learning_rate=10, steps=1000, **start)
    assert run.w1[2] < -5 and np.all(run.w1[2:] < -5)
    s2 = sn.two_node_forward(run.w0, run.w1, run.w2, start["s0"]).s2
    assert s2[-1] < 1e-4 and abs(run.out[-1]) < 1e-3


def test_the_gap_between_the_lectures_loop_and_gradient_descent_is_about_1e_3_and_grows_with_eta():
    start = {name: data.TWO_NODE[name] for name in ("w0", "w1", "w2", "s0", "target")}
    gradients = sn.two_node_backprop(TWO_NODE)

    def gap(eta):
        runs = [sn.train_two_node(gradients, learning_rate=eta, steps=1000, sequential=s, **start)
                for s in (False, True)]
        return max(abs(getattr(runs[0], w)[-1] - getattr(runs[1], w)[-1]) for w in ("w0", "w1", "w2"))

    gaps = [gap(eta) for eta in (0.1, 0.3, 1.0)]
    assert 5e-4 < gaps[0] < 5e-3 and gaps[0] < gaps[1] < gaps[2]


# --- wrong links the catalogue does not list: the message names the link, and no false cause ---

UNCATALOGUED = [
    ("product_slopes", "def product_slopes(w, s):\n    return s, 1.0", "∂(w·s)/∂s"),
    ("product_slopes", "def product_slopes(w, s):\n    return w * s, w * s", "∂(w·s)/∂w"),
    ("product_slopes", "def product_slopes(w, s):\n    return s, s", "∂(w·s)/∂s"),
    ("sigmoid_slope", "def sigmoid_slope(s):\n    return 1 - s", "∂s/∂x"),
    ("sigmoid_slope", "def sigmoid_slope(s):\n    return s * (1 - s) ** 2", "∂s/∂x"),
    ("squared_error_slope", "def squared_error_slope(out, target):\n    return np.mean(out - target)", "∂E/∂out"),
    ("hidden_error_term", "def hidden_error_term(d, w, s):\n    return (np.multiply.outer(d, w) * s).T",
     "hidden_error_term"),
    ("weight_steps", "def weight_steps(eta, do, dh, h, x):\n    x = np.atleast_2d(x); n = len(x)\n"
     "    return eta * np.atleast_1d(do) @ np.atleast_2d(h) / n, eta * (x.T @ np.atleast_2d(dh) / n).T",
     "delta_w_input_hidden"),
]


@pytest.mark.parametrize("function, code, label", UNCATALOGUED, ids=[f"{f}:{c.splitlines()[1].strip()[:30]}"
                                                                      for f, c, _ in UNCATALOGUED])
def test_a_wrong_link_outside_the_catalogue_is_named_and_gets_no_false_hint(function, code, label):
    notebook, source = hints._test_of(f"sigmoid_networks.{function}")
    namespace = hints._namespace(notebook)
    exec(code, namespace)
    message = hints._run_test(notebook, source, {function: namespace[function]})
    assert message and message.startswith(function) and f"- {label}" in message, message
    assert "factor 2" not in message, message


# Classic slips found in this review, now in the catalogue, written as students write them.
STUDENT_CODE = [
    ("output_error", "def output_error(output, target):\n    return (target - output) * output * (1 - output)",
     "the error (output_error) is the loss's link alone"),
    ("output_error_term", "def output_error_term(e, s):\n    return e * s * (1 - s)",
     "output_slope already is the output sigmoid's slope"),
    ("hidden_error_term", "def hidden_error_term(d, w, s):\n    return np.multiply.outer(d, w) * s * (1 - s)",
     "hidden_slope already is the hidden sigmoids' slope"),
    ("two_node_gradients", "def two_node_gradients(a, b, c, d, e, f, g, h):\n    x = a * c * d\n"
     "    return x * f * g * h, x * e, a * c", "∂E/∂w2 ends with ∂out/∂s2"),
    ("two_node_gradients", "def two_node_gradients(a, b, c, d, e, f, g, h):\n    x = a * c * d\n"
     "    return a * b, x * e, x * f * g * h", "the derivatives are in reverse order"),
    ("backprop_shapes", "def backprop_shapes(n, d, h):\n    return (n, 1), (n, h), (h,), (d, h)",
     "δ_o is a column"),
    ("backprop_shapes", "def backprop_shapes(n, d, h):\n    return (n,), (n, h), (h, 1), (d, h)",
     "Δw_ho is a column"),
]


@pytest.mark.parametrize("function, code, start", STUDENT_CODE, ids=[s[:30] for *_, s in STUDENT_CODE])
def test_student_code_with_a_slip_found_in_review_gets_its_hint(function, code, start):
    check = f"sigmoid_networks.{function}"
    notebook, source = hints._test_of(check)
    namespace = hints._namespace(notebook)
    exec(code, namespace)
    hints._assert_only_hint(hints._run_test(notebook, source, {function: namespace[function]}),
                            hints._hint_starting(check, start))
    from instructor.verify import verify_record
    from course import checks

    spec, cases = checks.cases_for(check)
    record = {"check": check, "results": [checks.run_case(namespace[function], case, spec.outputs) for case in cases]}
    assert f"hint: {hints._hint_starting(check, start)}" in "\n".join(verify_record(check, record))


# --- the graph views -----------------------------------------------------------------------

def _view_point() -> dict:
    found = re.search(r"^view_point = (\{.*?\})", SOURCE.read_text(), re.M)
    return ast.literal_eval(found.group(1))


def test_the_two_node_view_sits_where_no_weight_is_0_or_1_and_shows_a_missing_link():
    point = _view_point()
    assert all(abs(point[w]) not in (0.0, 1.0) for w in ("w0", "w1", "w2", "s0"))
    assert len({abs(point[w]) for w in ("w0", "w1", "w2")}) == 3

    def missing_dx2_ds1(e, o_w2, o_s2, s2_x2, x2_w1, x2_s1, s1_x1, x1_w0):
        return e * o_s2 * s2_x2 * s1_x1 * x1_w0, e * o_s2 * s2_x2 * x2_w1, e * o_w2

    view = GraphView(graphs.two_node(), point, lambda values: sn.two_node_node_gradients(
        TWO_NODE._replace(two_node_gradients=missing_dx2_ds1), values), display=False)
    assert view.first_wrong == "s1", view.text()


@pytest.mark.parametrize("wrong, first_wrong", [
    # A link used where another belongs is marked at the weight whose chain it is in, not above it.
    (lambda e, o_w2, o_s2, s2_x2, x2_w1, x2_s1, s1_x1, x1_w0: (e * o_s2 * s2_x2 * x2_s1 * s1_x1 * x1_w0,
                                                              e * o_s2 * s2_x2 * x2_w1, e * o_s2), "w2"),
    (lambda e, o_w2, o_s2, s2_x2, x2_w1, x2_s1, s1_x1, x1_w0: (e * o_s2 * s2_x2 * x2_s1 * s1_x1 * x1_w0,
                                                              e * o_s2 * s2_x2 * x2_s1, e * o_w2), "w1"),
    (lambda e, o_w2, o_s2, s2_x2, x2_w1, x2_s1, s1_x1, x1_w0: (e * o_s2 * s2_x2 * x2_w1 * s1_x1 * x1_w0,
                                                              e * o_s2 * s2_x2 * x2_w1, e * o_w2), "s1"),
    (lambda e, o_w2, o_s2, s2_x2, x2_w1, x2_s1, s1_x1, x1_w0: (e * o_s2 * x2_s1 * s1_x1 * x1_w0,
                                                              e * o_s2 * x2_w1, e * o_w2), "x2"),
    (lambda e, o_w2, o_s2, s2_x2, x2_w1, x2_s1, s1_x1, x1_w0: (e * o_w2, e * o_s2 * s2_x2 * x2_w1,
                                                              e * o_s2 * s2_x2 * x2_s1 * s1_x1 * x1_w0), "w2"),
])
def test_the_two_node_view_marks_the_weight_whose_composition_is_wrong(wrong, first_wrong):
    view = _student_view(two_node_gradients=wrong)
    assert view.first_wrong == first_wrong, view.text()


def _student_view(**change):
    point = _view_point()
    return GraphView(graphs.two_node(), point,
                     lambda values: sn.two_node_node_gradients(TWO_NODE._replace(**change), values), display=False)


@pytest.mark.parametrize("change, phrase", [
    ({"sigmoid_slope": lambda s: s * np.nan}, "NaN"),
    ({"product_slopes": lambda w, s: (np.array([s, s]), w)}, "shape"),
    # An exception or a missing return names the student's function, not the plumbing that called it.
    ({"squared_error_slope": lambda out, target: 1 / 0}, "ZeroDivisionError: in squared_error_slope"),
    ({"two_node_gradients": lambda *links: None}, "two_node_gradients returned None"),
])
def test_a_broken_student_function_gives_the_view_a_message_not_a_traceback(change, phrase, capsys):
    view = _student_view(**change)
    report = view.report
    assert not report.ok
    text = view.text() + render_html(report)
    assert phrase in text, text
    assert "Traceback" not in text and capsys.readouterr().err == ""


def test_a_failing_hidden_layer_function_is_named_in_its_view():
    rng = np.random.default_rng(5)
    inputs = {"x": rng.normal(size=(7, 4)), "y": rng.uniform(size=7), "W_ih": rng.normal(size=(4, 3)),
              "w_ho": rng.normal(size=3)}

    def wrong_axes(d, w, slope):
        return np.dot(d, w) * slope  # (7,) against (3,): the missing outer product

    view = GraphView(graphs.hidden_layer(), inputs, lambda values: sn.hidden_layer_node_gradients(
        HIDDEN_LAYER._replace(hidden_error_term=wrong_axes), values), display=False)
    assert "in hidden_error_term" in view.text(), view.text()


# --- autograde: one wrong link loses exactly that link's points ------------------------------

@pytest.mark.parametrize("key", [None, "alice", "bob"])
def test_the_weight_step_cases_never_give_two_axes_one_size(key):
    """With d = h a transposed ΔW_ih has the right shape and loses its hint; with n = h an outer product may broadcast."""
    from course import checks

    _, cases = checks.cases_for("sigmoid_networks.weight_steps", key)
    for case in cases:
        _, _, _, hidden_output, x = case.args
        sizes = (np.shape(x)[-1], np.shape(hidden_output)[-1]) + (np.shape(x)[:1] if np.ndim(x) == 2 else ())
        assert len(set(sizes)) == len(sizes), (case.description, sizes)


def test_a_nan_input_is_reported_as_the_inputs_not_as_the_students_first_gradient():
    rng = np.random.default_rng(5)
    inputs = {"x": np.full((7, 4), np.nan), "y": rng.uniform(size=7), "W_ih": rng.normal(size=(4, 3)),
              "w_ho": rng.normal(size=3)}
    view = GraphView(graphs.hidden_layer(), inputs,
                     lambda values: sn.hidden_layer_node_gradients(HIDDEN_LAYER, values), display=False)
    assert view.first_wrong is None and "NaN or infinite values from x on: check the inputs" in view.text()
    point = dict(_view_point(), w0=float("nan"))
    view = GraphView(graphs.two_node(), point, lambda values: sn.two_node_node_gradients(TWO_NODE, values),
                     display=False)
    assert view.first_wrong is None and "from w0 on" in view.text(), view.text()


def test_an_extra_factor_2_in_the_weight_steps_is_not_called_a_missing_learning_rate():
    """At η = 0.5 the two are the same numbers: the first visible check uses another η."""
    notebook, source = hints._test_of("sigmoid_networks.weight_steps")
    namespace = hints._namespace(notebook)
    exec("def weight_steps(eta, do, dh, h, x):\n    x = np.atleast_2d(x); n = len(x)\n"
         "    return 2 * eta * np.atleast_1d(do) @ np.atleast_2d(h) / n, 2 * eta * x.T @ np.atleast_2d(dh) / n",
         namespace)
    message = hints._run_test(notebook, source, {"weight_steps": namespace["weight_steps"]})
    assert message and "learning rate is missing" not in message and "twice the expected value" in message, message


def test_an_extra_factor_2_in_the_composition_is_not_called_a_missing_link():
    """At the lecture's start ∂out/∂s2 = w2 = 0.5: the first visible check is where no link is special."""
    notebook, source = hints._test_of("sigmoid_networks.two_node_gradients")
    namespace = hints._namespace(notebook)
    exec("def two_node_gradients(a, b, c, d, e, f, g, h):\n    x = 2 * a * c * d\n"
         "    return x * f * g * h, x * e, a * b", namespace)
    message = hints._run_test(notebook, source, {"two_node_gradients": namespace["two_node_gradients"]})
    assert message and "missing the link" not in message and "twice the expected value" in message, message


def test_a_view_over_a_function_not_yet_written_names_it():
    def product_slopes(w, s):
        raise NotImplementedError()

    view = _student_view(product_slopes=product_slopes)
    assert view.text().endswith("still to be implemented (product_slopes)"), view.text()


def test_the_sigmoid_slopes_visible_numbers_do_not_spell_out_the_formula():
    """Round outputs (0.2 → 0.16, 0.9 → 0.09) let σ′ be read off the test cell before it is derived."""
    _, source = hints._test_of("sigmoid_networks.sigmoid_slope")
    assert "0.2275" not in source and "[0.16, 0.21]" not in source


def test_no_hint_in_the_shipped_catalogue_spells_out_an_answer():
    """A hint says what is wrong, in the link's meaning; it ships to students, so it gives no recipe."""
    recipes = ("target minus output", "output minus target", "outer product of x and δ_h", "multiply the error by",
               "s(1 − s)", "s·(1 − s)", "times the slope")
    for function, catalogue in sn.SLIPS.items():
        for slip in catalogue:
            assert not [r for r in recipes if r in slip.hint], (function, slip.hint)


def test_the_graders_message_writes_a_wrong_shape_out_as_the_visible_test_does():
    from course import checks
    from instructor.verify import verify_record

    def no_batch_axis(n, d, h):
        return (n,), (h,), (h,), (d, h)

    spec, cases = checks.cases_for("sigmoid_networks.backprop_shapes")
    record = {"check": "sigmoid_networks.backprop_shapes",
              "results": [checks.run_case(no_batch_axis, case, spec.outputs) for case in cases]}
    problems = "\n".join(verify_record("sigmoid_networks.backprop_shapes", record))
    n, d, h = cases[0].args
    assert f"shape of δ_h: expected [{n}, {h}], got [{h}]" in problems and "an array of shape" not in problems
