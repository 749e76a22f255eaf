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
