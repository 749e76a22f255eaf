"""Assignment 3's model, its Keras twin and its figure."""
from __future__ import annotations

import numpy as np
import pytest

from course import network_321 as n321
from course.network_321_figures import TrainingFigure
from instructor.references import network_321 as reference

REFERENCE_GRADIENTS = n321.backprop_of(reference)  # the full backward pass, from the reference functions


KERAS_TWIN = "course.network_321_keras"  # the conftest's keras_network fixture


def test_lecture_targets_come_from_the_true_weights():
    X, y = n321.lecture_data(50)
    assert X.shape == (50, 3) and y.shape == (50,)
    np.testing.assert_array_equal(X, np.random.RandomState(0).randn(50, 3))  # the lecture's np.random.seed(0)
    assert n321.mse(X, y, *n321.truth()) == 0.0


def test_keras_model_has_the_lectures_shapes_not_a_broadcast_kernel(keras_network):
    model = keras_network.build(*n321.start())
    kernels = [w.shape for w in model.get_weights()]
    assert kernels == [(3, 2), (2, 1)], kernels
    W1, w2 = keras_network.weights(model)
    np.testing.assert_allclose(W1, n321.start()[0], rtol=1e-7)  # float32
    np.testing.assert_allclose(w2, n321.start()[1], rtol=1e-7)


@pytest.mark.parametrize("seed, n, d, h", [(0, 40, 3, 2), (1, 25, 4, 3), (2, 7, 2, 5)])
def test_reference_gradient_equals_keras_autodiff(keras_network, seed, n, d, h):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), np.exp(rng.normal(0, 0.5, n))
    W1, w2 = rng.normal(0, 0.5, (d, h)), rng.normal(0, 0.5, h)
    autodiff = keras_network.autodiff_gradients(keras_network.build(W1, w2), X, y)
    ours = REFERENCE_GRADIENTS(X, y, W1, w2)
    assert len(autodiff) == len(ours) == 2
    for mine, theirs in zip(ours, autodiff):
        assert theirs.shape == mine.shape
        # float32 in Keras: agreement to about six significant digits of the largest entry.
        assert np.max(np.abs(mine - theirs)) < 1e-5 * max(1.0, np.max(np.abs(mine)))


def test_keras_sgd_follows_the_numpy_trajectory(keras_network):
    X, y = n321.lecture_data(2000)
    W1, w2 = n321.start()
    steps, eta = 300, 0.0005
    numpy_run = n321.train(REFERENCE_GRADIENTS, X, y, W1, w2, learning_rate=eta, steps=steps)
    model = keras_network.build(W1, w2)
    keras_network.fit(model, X, y, optimizer=keras_network.keras.optimizers.SGD(learning_rate=eta), steps=steps)
    W1_keras, w2_keras = keras_network.weights(model)
    assert numpy_run.distance_from(n321.start()[0], n321.start()[1]) > 0.05, "training moved the weights"
    assert numpy_run.distance_from(W1_keras, w2_keras) < 1e-4


def _overflowing(X, y, W1, w2):
    """A gradient whose step sends w2 to 1000: exp(z2) overflows."""
    return np.zeros_like(W1), np.full_like(w2, -1000.0)


def test_training_records_the_loss_and_stops_on_divergence():
    X, y = n321.lecture_data(300)
    run = n321.train(REFERENCE_GRADIENTS, X, y, *n321.start(), learning_rate=5e-4, steps=100, loss_every=10)
    assert list(run.loss_steps) == list(range(0, 101, 10))
    assert run.losses[-1] < run.losses[0] / 10
    wild = n321.train(REFERENCE_GRADIENTS, X, y, *n321.start(), learning_rate=0.1, steps=50)
    assert wild.losses[-1] > wild.losses[0], "a too-large step overshoots into a worse loss"
    # A step that overflows exp: the loop stops, silently, and the rest of the curve is infinite.
    blown = n321.train(_overflowing, X, y, *n321.start(), learning_rate=1.0, steps=50, loss_every=5)
    assert np.isinf(blown.losses[-1]) and np.isfinite(blown.losses[0])


def test_slider_figure_marks_divergence_and_says_so():
    X, y = n321.lecture_data(300)
    figure = TrainingFigure(50, n321.truth(), n321.start())
    calm = figure.update(n321.train(REFERENCE_GRADIENTS, X, y, *n321.start(), learning_rate=5e-4, steps=50), 5e-4)
    assert "loss" in calm and not figure.curve.marker.get_visible()
    wild = figure.update(n321.train(REFERENCE_GRADIENTS, X, y, *n321.start(), learning_rate=0.1, steps=50), 0.1)
    assert "too large" in wild
    blown = n321.train(_overflowing, X, y, *n321.start(), learning_rate=1.0, steps=50)
    said = figure.update(blown, 1.0)
    assert "blew up" in said and figure.curve.marker.get_visible()
    assert np.isfinite(figure.curve.line.get_ydata()).all()
    assert figure.png().startswith(b"\x89PNG")


def _unimplemented(*args):
    raise NotImplementedError()


def test_each_visible_test_passes_with_every_other_exercise_unanswered():
    """The visible tests feed each exercise values computed without the student's code: one wrong
    (or missing) function fails its own test cell and no other."""
    from tests.test_hints import TESTS, _run_test

    graded = n321.BACKPROP_FUNCTIONS + ("backprop_shapes",)
    cells = [(source, grade_id) for notebook, grade_id, source, _ in TESTS if notebook == "network_321"]
    assert sorted(grade_id.removeprefix("test_") for _, grade_id in cells) == sorted(graded)
    for source, grade_id in cells:
        own = grade_id.removeprefix("test_")
        others = {name: _unimplemented for name in graded if name != own}
        assert _run_test("network_321", source, others) is None, grade_id
        assert _run_test("network_321", source, {own: _unimplemented}) is not None, grade_id


def test_backprop_chains_the_reference_functions_into_the_gradient_of_the_loss():
    X, y, W1, w2 = n321.random_network(9, 4, 3, seed=1)
    for backprop, numerical in zip(REFERENCE_GRADIENTS(X, y, W1, w2), n321.numerical_gradients(X, y, W1, w2)):
        np.testing.assert_allclose(backprop, numerical, rtol=1e-7, atol=1e-10)
    with pytest.raises(TypeError, match="missing"):
        n321.backprop_with(loss_slope=reference.loss_slope)


def test_finite_difference_deltas_are_the_reference_deltas():
    X, y, W1, w2 = n321.random_network(7, 3, 4, seed=2)
    values = n321.forward(X, W1, w2)
    delta2 = reference.output_delta(reference.loss_slope(values.y_hat, y), reference.output_slope(values.y_hat))
    delta1 = reference.hidden_deltas(delta2, w2, reference.sigmoid_slope(values.a1))
    numerical2, numerical1 = n321.numerical_deltas(X, y, W1, w2)
    np.testing.assert_allclose(numerical2, delta2, rtol=1e-8)
    np.testing.assert_allclose(numerical1, delta1, rtol=1e-7, atol=1e-12)


def test_hidden_cases_vary_widths_and_batches_and_the_shapes_cases_never_repeat_a_size():
    from course import checks

    _, shapes = checks.cases_for("network_321.backprop_shapes")
    assert len(shapes) >= 8 and all(len(set(case.args)) == 3 for case in shapes)
    for check in ("hidden_deltas", "gradients", "sigmoid_slope"):
        _, cases = checks.cases_for(f"network_321.{check}")
        sizes = {np.shape(case.args[-1]) for case in cases}
        assert len({n for n, *_ in sizes}) >= 5 and len({s[1] for s in sizes if len(s) > 1}) >= 4, (check, sizes)


def test_no_visible_test_holds_a_call_that_returns_a_graded_answer_from_that_functions_own_arguments():
    """A visible test that computed a link's expected value by a helper called on the link's own arguments
    (the slope of record_losses at ŷ, of np.exp at log ŷ) handed the student a line to copy as the answer.
    The finite-difference helpers students see take a whole network (X, y, W1, w2), which no graded
    function of the links or the deltas receives; the elementwise differencer is private."""
    import inspect

    from tests.test_hints import TESTS

    assert not hasattr(n321, "slope_by_finite_differences")
    sources = [source for notebook, _, source, _ in TESTS if notebook == "network_321"]
    assert sources and not any("_by_finite_differences" in source for source in sources)
    helpers = [name for name in dir(n321) if name.startswith("numerical")]
    assert sorted(helpers) == ["numerical_deltas", "numerical_gradients", "numerical_links"]
    for name in helpers:
        assert list(inspect.signature(getattr(n321, name)).parameters)[:4] == ["X", "y", "W1", "w2"], name
    for name in n321.BACKPROP_FUNCTIONS:
        assert "W1" not in inspect.signature(getattr(reference, name)).parameters, name


def test_the_numerical_links_are_the_reference_links():
    X, y, W1, w2 = n321.random_network(6, 3, 4, seed=5)
    values = n321.forward(X, W1, w2)
    links = n321.numerical_links(X, y, W1, w2)
    np.testing.assert_allclose(links.loss_slope, reference.loss_slope(values.y_hat, y), rtol=1e-8)
    np.testing.assert_allclose(links.output_slope, reference.output_slope(values.y_hat), rtol=1e-8)
    np.testing.assert_allclose(links.sigmoid_slope, reference.sigmoid_slope(values.a1), rtol=1e-8)


def _graph_view_cell(**swapped):
    """The notebook's graph-view demo cell, run in plain Python on the reference functions with `swapped`
    ones in their place: the GraphView it builds."""
    import jupytext

    from tests.conftest import ROOT

    notebook = jupytext.read(ROOT / "source" / "a3_network_321" / "network_321.md")
    [cell] = [c.source for c in notebook.cells if c.cell_type == "code" and "GraphView(" in c.source]
    X, y = n321.lecture_data(6)
    W1_start, w2_start = n321.start()
    namespace = {"np": np, "n321": n321, "X": X, "y": y, "W1_start": W1_start, "w2_start": w2_start,
                 **{name: getattr(reference, name) for name in n321.BACKPROP_FUNCTIONS}, **swapped}
    exec(compile(cell, "<graph view cell>", "exec"), namespace)
    return namespace["graph_view"]


def _sigmoid(a):
    return n321.sigmoid(a)


def _raises(*args):
    raise ValueError("a bug of the student's")


@pytest.mark.parametrize("swapped, first_wrong", [
    ({}, None),
    ({"loss_slope": lambda y_hat, y: 2 * (y - y_hat)}, "y_hat"),
    ({"output_slope": lambda y_hat: np.ones_like(y_hat)}, "z2"),
    ({"output_delta": lambda loss_slope, output_slope: loss_slope + output_slope}, "z2"),
    ({"sigmoid_slope": lambda a1: _sigmoid(a1) * (1 - _sigmoid(a1))}, "z1"),  # σ′ of the pre-activation
    ({"hidden_deltas": lambda delta2, w2, slope: delta2[:, None] * slope}, "a1"),  # w2 left out
    ({"gradients": lambda X, a1, d2, d1: (X.T @ d1, a1.T @ d2)}, "w2"),  # summed, not averaged
], ids=["right", "loss_slope", "output_slope", "output_delta", "sigmoid_slope", "hidden_deltas", "gradients"])
def test_the_graph_view_marks_the_node_each_wrong_function_reaches_first(swapped, first_wrong):
    view = _graph_view_cell(**swapped)
    assert view.first_wrong == first_wrong, view.text()
    assert view.report.ok == (first_wrong is None)


def test_the_graph_view_says_what_went_wrong_without_a_traceback(capsys):
    def hidden_deltas(output_delta, w2, sigmoid_slope):
        raise ValueError("a bug of the student's")

    view = _graph_view_cell(hidden_deltas=hidden_deltas)
    assert view.first_wrong is None
    assert "the backward pass raised ValueError: a bug of the student's (in hidden_deltas, line" in view.text()
    nan_view = _graph_view_cell()
    nan_view.inputs = {**nan_view.inputs, "X": np.full((6, 3), np.nan)}
    nan_view.refresh()
    assert nan_view.first_wrong is None, "NaN inputs are not the student's gradient's fault"
    assert "NaN or infinite values from X on" in nan_view.text(), nan_view.text()
    shape_view = _graph_view_cell()
    shape_view.inputs = {**shape_view.inputs, "W1": n321.start()[0].T}
    shape_view.refresh()
    assert shape_view.text().count("the forward pass failed: ValueError") >= 1
    assert capsys.readouterr() == ("", "")
