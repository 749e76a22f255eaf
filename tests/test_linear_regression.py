"""Assignment 1's topic module: the plumbing from links to gradients, and one wrong link costing one cell."""
from __future__ import annotations

import numpy as np
import pytest

from course import data, gradcheck
from course import linear_regression as lr
from instructor.references import linear_regression as reference
from tests.test_hints import CELLS, _run_test

LINKS = (reference.loss_slope, reference.prediction_slopes)


def test_the_plumbing_gives_the_gradient_of_the_batch_loss():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=12), rng.normal(size=12)
    gradient = lr.gradient_from_links(*LINKS, reference.batch_gradient)
    numerical = gradcheck.numerical_gradient(lambda p: lr.mse(p["w"], p["b"], x, y), {"w": 0.7, "b": -1.3})
    np.testing.assert_allclose(gradient(0.7, -1.3, x, y), (numerical["w"], numerical["b"]), rtol=1e-9)


def test_the_plumbing_reproduces_the_lectures_sgd_steps():
    rows = lr.sgd_by_hand(lr.gradient_from_links(*LINKS, reference.observation_gradient), data.SGD_OBSERVATIONS,
                          learning_rate=0.01)
    np.testing.assert_allclose([rows[0]["∇Loss"], rows[1]["∇Loss"]], [(-50, -10), (-223.2, -24.8)], rtol=1e-12)
    np.testing.assert_allclose(rows[1]["θ after"], (2.732, 0.348), rtol=1e-12)


@pytest.mark.parametrize("x, y", [(2.5, -1.0), (np.array([1.0, -2.0, 4.0]), np.array([0.5, 0.5, -3.0]))])
def test_the_measured_links_are_the_references(x, y):
    w, b = 0.3, -0.7
    measured = lr.numerical_links(w, b, x, y)
    np.testing.assert_allclose(measured[0], reference.loss_slope(lr.predict(w, b, x), y), rtol=1e-9)
    for got, want in zip(measured[1:], reference.prediction_slopes(x)):
        np.testing.assert_allclose(got, want, rtol=1e-9)


def test_the_graph_is_one_observations_forward_pass():
    values = lr.graph().forward({"x": 9.0, "y": 17.0, "w": 0.5, "b": 0.1})
    assert np.isclose(values["y_hat"], 4.6) and np.isclose(values["loss"], lr.mse(0.5, 0.1, 9.0, 17.0))


def _wrong(function):
    """A wrong version of a graded function: every output doubled (a shape answer: one axis more)."""
    def wrong(*args):
        right = function(*args)
        if function is reference.batch_gradient_shapes:
            return tuple(shape + (1,) for shape in right)
        return tuple(2 * np.asarray(r) for r in right) if isinstance(right, tuple) else 2 * right
    wrong.__name__ = function.__name__
    return wrong


GRADED = ("loss_slope", "prediction_slopes", "observation_gradient", "batch_gradient_shapes", "batch_gradient")


@pytest.mark.parametrize("name", GRADED)
def test_one_wrong_function_fails_its_own_visible_test_only(name):
    _, tests = CELLS["linear_regression"]
    failed = {grade_id for grade_id, source, _ in tests
              if _run_test("linear_regression", source, {name: _wrong(getattr(reference, name))}) is not None}
    assert failed == {f"test_{name}"}


# --- no answer to copy: from a visible test, from course/, or from a finite-difference helper ---

def _visible_test(grade_id: str) -> str:
    _, tests = CELLS["linear_regression"]
    return next(source for found, source, _ in tests if found == grade_id)


def test_no_visible_test_holds_a_call_that_returns_a_graded_answer_from_that_functions_own_arguments():
    """test_prediction_slopes took its expected values from lr.numerical_links(0.5, 0.1, x, y)[1:] on the very
    x it passed: that line, pasted as prediction_slopes' body, scored the point with no derivation. In a1 a
    link is a function of x, or of (ŷ, y), alone, so any finite-difference helper of the model gives a link
    from those arguments and made-up others: no link's test, nor the shapes' test, may call one; the
    compositions' tests call lr.numerical_links only to make their arguments, links measured on a model
    (w, b, x, y) that no graded link receives."""
    import inspect

    for grade_id in ("test_loss_slope", "test_prediction_slopes"):
        source = _visible_test(grade_id)
        assert "numerical" not in source and "_by_finite_differences" not in source, grade_id
    for grade_id in ("test_observation_gradient", "test_batch_gradient"):
        for line in _visible_test(grade_id).splitlines():
            if "lr.numerical_links(" in line:  # as the graded function's arguments, never as its expected value
                assert line.split("lr.numerical_links(")[0].rstrip().endswith(("(", "(*", ",")), line
    helpers = [name for name in dir(lr) if name.startswith("numerical")]
    assert sorted(helpers) == ["numerical_gradient", "numerical_links"]
    for name in helpers:
        assert list(inspect.signature(getattr(lr, name)).parameters) == ["w", "b", "x", "y"], name
    for name in ("loss_slope", "prediction_slopes"):
        assert not {"w", "b"} & set(inspect.signature(getattr(reference, name)).parameters), name


COPIED = {  # a graded function's answer read off the course's finite-difference helpers, with made-up others
    "loss_slope": ("loss_slope", lambda y_hat, y: lr.numerical_links(1.0, 0.0, y_hat, y)[0]),
    # test_loss_slope's own gradient check turned into an answer (ŷ through lr.predict so that it is counted)
    "loss_slope by gradcheck": ("loss_slope", lambda y_hat, y: gradcheck.numerical_gradient(
        lambda p: float(np.sum(lr.observation_losses(lr.predict(1.0, 0.0, p["y_hat"]), y))), {"y_hat": y_hat})["y_hat"]),
    "prediction_slopes": ("prediction_slopes", lambda x: lr.numerical_links(0.5, 0.1, x, x)[1:]),
    "batch_gradient_shapes": ("batch_gradient_shapes", lambda n: tuple(
        np.shape(m) for m in lr.numerical_links(0.5, 0.1, np.zeros(n), np.zeros(n))) + ((), ())),
}


@pytest.mark.parametrize("copy", sorted(COPIED))
def test_an_answer_copied_from_finite_differences_runs_past_the_per_call_limit_on_a_hidden_case(copy, monkeypatch):
    """Each such copy is right on small inputs; one hidden case is so large that differencing it one entry at a
    time (one evaluation of the whole batch's loss per entry, several steps each) takes far longer than
    SECONDS_PER_CALL, while the derived answer takes a millisecond."""
    import time

    from course import checks

    name, copied = COPIED[copy]
    small = {"loss_slope": (np.array([1.5, -0.5]), np.array([2.0, 0.5])), "prediction_slopes": (np.array([2.5, -1.5]),),
             "batch_gradient_shapes": (3,)}[name]
    for got, want in zip(np.atleast_1d(copied(*small)) if name == "loss_slope" else copied(*small),
                         np.atleast_1d(getattr(reference, name)(*small)) if name == "loss_slope"
                         else getattr(reference, name)(*small)):
        assert np.allclose(got, want) if name != "batch_gradient_shapes" else got == want
    [large] = [case for case in lr.HIDDEN_CASES[name].generate(np.random.default_rng(0)) if case.large]
    n = large.args[0] if name == "batch_gradient_shapes" else np.size(large.args[0])
    # How many whole-batch evaluations the copy makes per entry, counted on 20 observations.
    evaluations = []
    monkeypatch.setattr(lr, "predict", _counted(lr.predict, evaluations))
    copied(*{"loss_slope": (np.linspace(-1, 1, 20), np.zeros(20)), "prediction_slopes": (np.linspace(-1, 1, 20),),
             "batch_gradient_shapes": (20,)}[name])
    monkeypatch.undo()
    per_entry = len(evaluations) / 20
    batch = np.linspace(-2.0, 2.0, n)
    started = time.perf_counter()
    for _ in range(5):
        float(np.sum(lr.observation_losses(lr.predict(0.5, 0.1, batch), batch[::-1])))
    per_evaluation = (time.perf_counter() - started) / 5
    assert per_entry * n * per_evaluation > 4 * checks.SECONDS_PER_CALL, (n, per_entry, per_evaluation)
    started = time.perf_counter()
    getattr(reference, name)(*large.args)
    assert time.perf_counter() - started < 0.1 * checks.SECONDS_PER_CALL


def _counted(function, calls):
    def counted(*args, **kwargs):
        calls.append(1)
        return function(*args, **kwargs)
    return counted


def test_course_module_spells_out_no_link_and_no_gradient():
    """course/linear_regression.py ships to students: its hidden cases made the links as 2·(w·x + b − y), x and
    np.ones, its hints said ∂ŷ/∂b 'is 1', and the critical learning rate wrote the Hessian 2·mean(x²)."""
    import re
    from pathlib import Path

    source = Path(lr.__file__).read_text()
    for pattern in (r"2 \* \(", r"np\.ones", r"ones_like", r"is 1\b", r"mean\(x \* x\)", r"2 \* np\.array"):
        assert not re.search(pattern, source), pattern


def test_the_critical_learning_rate_is_two_over_the_largest_eigenvalue_of_the_hessian():
    x, _ = data.linear_toy()
    hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    assert np.isclose(lr.critical_learning_rate(x), 2 / np.linalg.eigvalsh(hessian)[-1], rtol=1e-9)


def _graph_view_cell(**swapped):
    """The notebook's graph-view demo cell, run in plain Python on the references, `swapped` ones in their place."""
    import jupytext

    from tests.conftest import ROOT

    notebook = jupytext.read(ROOT / "source" / "a1_linear_regression" / "linear_regression.md")
    [cell] = [c.source for c in notebook.cells if c.cell_type == "code" and "GraphView(" in c.source]
    namespace = {"np": np, "lr": lr, **{name: getattr(reference, name) for name in
                                        ("loss_slope", "prediction_slopes", "observation_gradient")}, **swapped}
    exec(compile(cell, "<graph view cell>", "exec"), namespace)
    return namespace["view"]


@pytest.mark.parametrize("swapped, first_wrong", [
    ({}, None),
    ({"loss_slope": lambda y_hat, y: 2 * (y - y_hat)}, "y_hat"),
    ({"loss_slope": lambda y_hat, y: y_hat - y}, "y_hat"),
    ({"loss_slope": lambda y_hat, y: np.array([2 * (y_hat - y)])}, "y_hat"),  # shape (1,) for a single number
    ({"prediction_slopes": lambda x: (1.0, x)}, "b"),  # swapped: b comes first in backward order
    ({"prediction_slopes": lambda x: (1.0, 1.0)}, "w"),
    ({"observation_gradient": lambda g, u, v: (g + u, g + v)}, "b"),  # added, not multiplied
    ({"observation_gradient": lambda g, u, v: (g, g * v)}, "w"),  # ∂ŷ/∂w left out
], ids=["right", "sign", "factor 2", "shape", "swapped", "dw is 1", "added", "no dyhat_dw"])
def test_the_graph_view_marks_the_node_each_wrong_function_reaches_first(swapped, first_wrong):
    view = _graph_view_cell(**swapped)
    assert view.first_wrong == first_wrong, view.text()
    assert view.report.ok == (first_wrong is None)


def test_the_graph_view_says_what_went_wrong_without_a_traceback():
    def observation_gradient(dloss_dyhat, dyhat_dw, dyhat_db):
        raise ValueError("a bug of the student's")

    assert "the backward pass raised ValueError: a bug of the student's (in observation_gradient, line" in \
        _graph_view_cell(observation_gradient=observation_gradient).text()
    nan_view = _graph_view_cell(loss_slope=lambda y_hat, y: np.nan * y_hat)
    assert nan_view.first_wrong == "y_hat" and "1 of 1 entries are NaN or infinite" in nan_view.text()


def test_the_text_names_the_large_hidden_batch_as_the_cases_draw_it():
    from tests.conftest import ROOT

    text = (ROOT / "source" / "a1_linear_regression" / "linear_regression.md").read_text()
    assert f"a batch of {lr.LARGE_BATCH:,} observations" in text
    for name in ("loss_slope", "prediction_slopes"):
        [large] = [c for c in lr.HIDDEN_CASES[name].generate(np.random.default_rng(1)) if c.large]
        assert np.size(large.args[0]) == lr.LARGE_BATCH


def test_a_link_that_returns_none_is_not_blamed_on_the_composition_alone():
    """loss_slope with no `return` made observation_gradient raise on None: the view said where it surfaced,
    and now also that a value was None, the likely cause."""
    text = _graph_view_cell(loss_slope=lambda y_hat, y: None).text()
    assert "(in observation_gradient, line" in text and "does one of your functions lack its `return` statement?" in text


@pytest.mark.parametrize("check, function, hint", [
    ("linear_regression.prediction_slopes", lambda x: (x, 1.0), "∂ŷ/∂b came back as a single number"),
    ("linear_regression.loss_slope", lambda y_hat, y: np.sum(2 * (y_hat - y)), "∂Loss_i/∂ŷ came back as one number"),
    ("linear_regression.batch_gradient", lambda g, u, v: (g * u, g * v), "the gradient came back with one entry"),
], ids=["dyhat_db a scalar", "loss slope one number", "batch gradient per observation"])
def test_the_grader_names_the_slips_that_change_a_shape(check, function, hint):
    """∂ŷ/∂b written as the number 1 for a batch got no catalogued hint; nor did a loss slope or a batch
    gradient of the wrong size. The grader's feedback now names each, as the visible test does."""
    from course import checks
    from instructor import verify

    problems = verify.verify_record(check, {"check": check, "results": checks.answers(check, function)})
    assert problems and f"hint: {hint}" in "\n".join(problems)
