"""Assignment 5's model, its plumbing, its data and its figure."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.special import logsumexp

from course import checks, data
from course import softmax_network as sn
from course.softmax_network_figures import TrainingFigure, describe
from instructor.references import softmax_network as reference

LINKS = sn.Links(output_error=reference.output_error, hidden_slope=reference.hidden_slope,
                 hidden_error=reference.hidden_error, weight_gradients=reference.weight_gradients,
                 bias_gradients=reference.bias_gradients)


def _jax_loss(params, X, Y):
    W1, b1, W2, b2 = params
    z2 = jnp.tanh(X @ W1 + b1) @ W2 + b2
    return jnp.mean(logsumexp(z2, axis=1) - jnp.sum(Y * z2, axis=1))


@pytest.mark.parametrize("seed, n, d, h, k", [(0, 9, 2, 4, 3), (1, 30, 5, 7, 2), (2, 1, 3, 2, 6), (3, 64, 10, 3, 12)])
def test_backprop_of_the_references_equals_jax_autodiff(seed, n, d, h, k):
    """The whole chain, every parameter (the biases included), recomputed independently."""
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(n, d)), sn.one_hot(rng.integers(0, k, n), k)
    weights = sn.initial_weights(d, h, k, seed=seed)
    ours = sn.backprop(LINKS, X, Y, *weights)
    with jax.enable_x64(True):
        theirs = jax.grad(_jax_loss)(tuple(jnp.asarray(w) for w in weights), X, Y)
    for name, mine, other in zip(ours._fields, ours, theirs):
        np.testing.assert_allclose(mine, np.asarray(other), rtol=1e-9, atol=1e-12, err_msg=name)


def test_the_loss_is_the_mean_cross_entropy_and_survives_huge_logits():
    X, Y, W1, b1, W2, b2 = sn.example()
    y_hat = sn.forward(X, W1, b1, W2, b2).y_hat
    assert np.allclose(y_hat.sum(axis=1), 1.0)
    assert np.isclose(sn.cross_entropy(X, Y, W1, b1, W2, b2), -np.mean(np.sum(Y * np.log(y_hat), axis=1)))
    # Logits in the thousands: the shifted softmax and the log-softmax stay finite.
    assert np.isfinite(sn.cross_entropy(X, Y, W1, b1, 1000 * W2, b2))
    assert np.all(np.isfinite(sn.class_probabilities(np.array([[1000.0, -1000.0, 999.0]]))))


def test_the_example_has_no_zero_unit_or_symmetric_weights_and_distinct_sizes():
    X, Y, W1, b1, W2, b2 = sn.example()
    n, d, h, k = len(X), W1.shape[0], W1.shape[1], W2.shape[1]
    assert len({n, d, h, k}) == 4
    for weights in (W1, b1, W2, b2):
        assert np.all(weights != 0) and np.all(np.abs(weights) != 1)
    assert len({tuple(column) for column in W1.T}) == h and len({tuple(row) for row in W2}) == h


def test_the_data_is_three_classes_of_fifty_from_a_fixed_seed():
    X, labels = sn.three_classes()
    assert X.shape == (150, 2) and np.bincount(labels).tolist() == [50, 50, 50]
    again, _ = data.three_classes()
    np.testing.assert_array_equal(X, again)
    radii = np.hypot(X[:, 0], X[:, 1])
    assert np.median(radii[labels == 0]) < 1 < 1.5 < np.median(radii[labels > 0])
    assert np.all(X[labels == 1, 1] >= 0) and np.all(X[labels == 2, 1] <= 0)


def test_hidden_cases_vary_widths_batch_sizes_and_include_the_edges():
    for name, spec in sn.HIDDEN_CASES.items():
        cases = spec.generate(np.random.default_rng(0))
        assert len(cases) >= 6, name
    sizes = [c.args for c in sn.HIDDEN_CASES["network_shapes"].generate(np.random.default_rng(1))]
    assert all(len(set(s)) == 4 and s[2] >= 2 and s[3] >= 2 for s in sizes)
    other = [c.args for c in sn.HIDDEN_CASES["network_shapes"].generate(np.random.default_rng(2))]
    assert sizes != other, "the drawn sizes do not depend on the seed"
    for name in ("softmax_vjp", "output_error", "hidden_error", "weight_gradients"):
        assert any(c.large for c in sn.HIDDEN_CASES[name].generate(np.random.default_rng(0))), name
    confident = [c for c in sn.HIDDEN_CASES["output_error"].generate(np.random.default_rng(0))
                 if "large logits" in c.description]
    assert confident and np.min(confident[0].args[0]) < 1e-15


def test_the_large_case_is_too_large_for_finite_differences_of_the_loss():
    """One loss evaluation per logit, twice: far past the per-call limit."""
    import time

    [large] = [c for c in sn.HIDDEN_CASES["output_error"].generate(np.random.default_rng(0)) if c.large]
    y_hat, y = large.args
    logits = np.log(y_hat)
    started = time.perf_counter()
    for _ in range(20):
        np.sum(np.log(sn.class_probabilities(logits)) * y)
    per_loss = (time.perf_counter() - started) / 20
    assert 2 * logits.size * per_loss > 5 * checks.SECONDS_PER_CALL


def test_symmetric_hidden_units_stay_twins():
    X, labels = sn.three_classes()
    W1, b1, W2, b2 = (w.copy() for w in sn.initial_weights(2, 4, 3))
    W1[:, 1], b1[1], W2[1] = W1[:, 0], b1[0], W2[0]
    W1, b1, W2, _ = sn.train(LINKS, X, labels, (W1, b1, W2, b2), learning_rate=1.0, steps=50).weights
    assert np.array_equal(W1[:, 0], W1[:, 1]) and b1[0] == b1[1] and np.array_equal(W2[0], W2[1])


def test_the_slider_figure_redraws_and_describes_every_regime():
    X, labels = sn.three_classes()
    start = sn.initial_weights(2, 8, 3)
    figure = TrainingFigure(300, X, labels)
    first = figure.png()
    for eta in (0.01, 1.0, 5.0, 100.0):
        run = sn.train(LINKS, X, labels, start, learning_rate=eta, steps=300)
        said = figure.update(run, eta)
        assert said == describe(run, eta) and said.startswith(f"η = {eta:.3g}")
        assert figure.png() != first
    assert "too large" in describe(sn.train(LINKS, X, labels, start, learning_rate=100.0, steps=300), 100.0)
    # η = 20 ends below its start but still jumps up and down at the end: not "settles".
    assert "then it settles" in describe(sn.train(LINKS, X, labels, start, learning_rate=5.0, steps=300), 5.0)
    unsettled = describe(sn.train(LINKS, X, labels, start, learning_rate=20.0, steps=300), 20.0)
    assert "never settles" in unsettled and "too large" not in unsettled, unsettled


def test_a_student_who_has_not_started_sees_not_implemented():
    """The slider says "Not yet" when backprop meets an unanswered exercise (course.widgets)."""
    def missing(*args):
        raise NotImplementedError()

    X, Y, *weights = sn.example()
    links = sn.Links(missing, LINKS.hidden_slope, LINKS.hidden_error, LINKS.weight_gradients, LINKS.bias_gradients)
    with pytest.raises(NotImplementedError):
        sn.backprop(links, X, Y, *weights)


def test_the_graph_view_checks_the_students_functions_and_names_the_first_wrong_node():
    from course.graph_view import GraphView

    graph, inputs = sn.graph(), dict(sn.example()._asdict())
    right = GraphView(graph, inputs, lambda values: sn.node_gradients(values, vars(reference)))
    assert right.first_wrong is None and "matches finite differences (9 nodes)" in right.text()
    slipped = {**vars(reference), "hidden_slope": lambda a1: a1 * (1 - a1)}
    assert GraphView(graph, inputs, lambda values: sn.node_gradients(values, slipped)).first_wrong == "z1"
    halfway = {"output_error": reference.output_error, "hidden_slope": lambda a1: (_ for _ in ()).throw(
        NotImplementedError())}
    partial = GraphView(graph, inputs, lambda values: sn.node_gradients(values, halfway))
    assert partial.first_wrong is None and "2 nodes" in partial.text()


def test_the_graph_is_the_networks_forward_pass():
    X, Y, W1, b1, W2, b2 = sn.example()
    values = sn.graph().forward({"X": X, "Y": Y, "W1": W1, "b1": b1, "W2": W2, "b2": b2})
    for name, value in sn.forward(X, W1, b1, W2, b2)._asdict().items():
        np.testing.assert_allclose(values[name], value, rtol=1e-14)
    assert np.isclose(values["L"], sn.cross_entropy(X, Y, W1, b1, W2, b2))


def test_tanh_units_learn_the_data_faster_than_sigmoid_ones_as_the_text_says():
    """Section 1: 300 steps at η = 1 from the same start end at 0.034 (tanh) and 0.28 (sigmoid); the gap is
    the slope, not the centring: sigmoid at η = 4 reaches 0.039, a centred sigmoid at η = 1 only 0.31."""
    X, labels = sn.three_classes()
    Y = sn.one_hot(labels, 3)

    def final_loss(activation, slope, learning_rate=1.0):
        W1, b1, W2, b2 = (w.copy() for w in sn.initial_weights(2, 8, 3))
        for _ in range(300):
            a1 = activation(X @ W1 + b1)
            delta_o = (sn.class_probabilities(a1 @ W2 + b2) - Y) / len(X)
            delta_h = (delta_o @ W2.T) * slope(a1)
            W2, b2 = W2 - learning_rate * a1.T @ delta_o, b2 - learning_rate * delta_o.sum(axis=0)
            W1, b1 = W1 - learning_rate * X.T @ delta_h, b1 - learning_rate * delta_h.sum(axis=0)
        return sn.cross_entropy_of(activation(X @ W1 + b1) @ W2 + b2, Y)

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    assert round(final_loss(np.tanh, lambda a: 1 - a ** 2), 3) == 0.034
    assert round(final_loss(sigmoid, lambda a: a * (1 - a)), 2) == 0.28
    assert round(final_loss(sigmoid, lambda a: a * (1 - a), learning_rate=4.0), 3) == 0.039
    # σ(z) − ½, whose slope at a = σ − ½ is (a + ½)(½ − a).
    assert round(final_loss(lambda z: sigmoid(z) - 0.5, lambda a: (a + 0.5) * (0.5 - a)), 2) == 0.31
    assert np.allclose(np.tanh(np.linspace(-3, 3, 13)), 2 * sigmoid(2 * np.linspace(-3, 3, 13)) - 1)
    tanh_run = sn.train(LINKS, X, labels, sn.initial_weights(2, 8, 3), learning_rate=1.0, steps=300)
    assert round(tanh_run.losses[-1], 3) == 0.034


# Each graded function's answer, as it would be written out in code or in the text: none of these may
# appear in what a student reads before that function's exercise (the release notebook's cells above its
# solution cell, and the course modules of this assignment, which ship whole).
GIVEAWAYS = {
    "cross_entropy_slope": ("-y / y_hat", "-y/y_hat", "−y/ŷ", "-y/ŷ", "−y / ŷ", r"-y_{ij}/\hat y", r"\frac{-y"),
    "softmax_vjp": ("upstream - np.sum(upstream * y_hat", "(upstream - ", "δ_jm − ŷ_m", "(δ_jm"),
    "output_error": ("y_hat - y", "ŷ − y", "ŷ - y", r"\hat{\mathbf y} - \mathbf y", r"\hat{\mathbf y}-\mathbf y"),
    "hidden_slope": ("1 - a1 ** 2", "1 - a1**2", "1 − a1²", "1 − a²", "1 - np.tanh", "1 − tanh", "sech"),
    "hidden_error": ("W2.T", "W2ᵀ", r"W_2^\top", "W_2^T", "@ W2.T"),
    "weight_gradients": ("X.T @", "a1.T @", "Xᵀ", "a1ᵀ", r"X^\top", r"A_1^\top"),
    "bias_gradients": ("sum(axis=0)", "mean(axis=0)", ".sum(0)"),
}


def _release_cells():
    import nbformat

    from tests.conftest import ROOT

    return nbformat.read(ROOT / "release" / "a5_softmax_network" / "softmax_network.ipynb", as_version=4).cells


@pytest.mark.parametrize("function", sorted(GIVEAWAYS))
def test_no_graded_answer_is_shown_before_its_exercise(function):
    cells = _release_cells()
    position = next(i for i, cell in enumerate(cells)
                    if cell.metadata.get("nbgrader", {}).get("grade_id") == function)
    before = "\n".join(cell.source for cell in cells[:position])
    shown = [pattern for pattern in GIVEAWAYS[function] if pattern in before]
    assert not shown, f"{function}'s answer appears above its exercise: {shown}"


def test_the_modules_that_ship_to_students_spell_out_no_graded_answer():
    import inspect

    from course import softmax_network_figures

    data_section = inspect.getsource(data).split("# --- Assignment 5")[1]
    for name, text in (("course/softmax_network.py", inspect.getsource(sn)),
                       ("course/softmax_network_figures.py", inspect.getsource(softmax_network_figures)),
                       ("course/data.py (assignment 5)", data_section)):
        shown = [(function, pattern) for function, patterns in GIVEAWAYS.items() for pattern in patterns
                 if pattern in text]
        assert not shown, f"{name} spells out graded answers: {shown}"


def test_the_visible_examples_do_not_show_the_answer_beside_its_inputs():
    """The visible checks' inputs are given as logits or inputs one step back, not as round probabilities
    from which ŷ − y, −y/ŷ or 1 − a² can be read off the expected values at a glance."""
    cells = _release_cells()
    for function in ("cross_entropy_slope", "output_error", "hidden_slope"):
        test = next(cell.source for cell in cells
                    if cell.metadata.get("nbgrader", {}).get("grade_id") == f"test_{function}")
        assert "y_hat_check, y_check = np.array" not in test and "a1_check = np.array" not in test, function


def _sizes_of(name, args):
    """(n, d, h, k) of a case, those the function's arguments give (None where it has no such size)."""
    shapes = [np.shape(a) for a in args if np.ndim(a) == 2]
    if name == "hidden_error":
        (n, k), (h, _), _ = shapes
        return n, None, h, k
    if name == "weight_gradients":
        (n, d), (_, h), _, (_, k) = shapes
        return n, d, h, k
    if name == "bias_gradients":
        (n, h), (_, k) = shapes
        return n, None, h, k
    (n, units), *_ = shapes
    return n, None, units, None


@pytest.mark.parametrize("name", [name for name in sn.HIDDEN_CASES if name != "network_shapes"])
def test_every_hidden_case_has_different_numbers_of_records_units_and_inputs(name):
    """n ≠ h ≠ k ≠ d in every case: a transposed answer never has the right shape by accident."""
    for seed in range(3):
        for case in sn.HIDDEN_CASES[name].generate(np.random.default_rng(seed)):
            sizes = [s for s in _sizes_of(name, case.args) if s is not None]
            assert len(set(sizes)) == len(sizes), (name, case.description, sizes)


def test_chaining_the_two_links_fails_the_output_errors_hidden_cases():
    """Where ŷ rounds to exactly 0, −y/ŷ through the softmax's VJP gives nan: the grader says so too."""
    from instructor.verify import verify_record

    def chained(y_hat, y):
        with np.errstate(all="ignore"):
            return reference.softmax_vjp(y_hat, reference.cross_entropy_slope(y_hat, y))

    spec, cases = checks.cases_for("softmax_network.output_error")
    record = {"check": "softmax_network.output_error",
              "results": [checks.run_case(chained, case, spec.outputs) for case in cases]}
    problems = "\n".join(verify_record("softmax_network.output_error", record))
    assert "a probability of 0" in problems, problems


def test_a_nan_without_a_zero_probability_is_not_blamed_on_one():
    """The output error's hint on dividing by a probability of 0 is given only where ŷ has a 0."""
    from course.slips import catalogue

    [zero_hint] = [slip for slip in catalogue("softmax_network.output_error") if "a probability of 0" in slip.hint]
    y_hat, y = sn.class_probabilities(np.array([[0.4, -1.3, 2.1], [1.7, 0.2, -0.5]])), sn.one_hot([2, 0], 3)
    assert not zero_hint.violated((np.full((2, 3), np.nan),), y_hat, y)
    confident = sn.class_probabilities(np.array([[0.0, 800.0, 799.0], [1.7, 0.2, -0.5]]))
    with np.errstate(all="ignore"):
        chained = reference.softmax_vjp(confident, reference.cross_entropy_slope(confident, y))
    assert zero_hint.violated((chained,), confident, y)


@pytest.mark.parametrize("seed, n, d, h, k, scale", [(10, 7, 3, 5, 2, 1.0), (11, 1, 2, 3, 4, 0.5),
                                                     (12, 23, 4, 9, 6, 3.0), (13, 6, 5, 2, 3, 40.0)])
def test_each_link_equals_the_vector_jacobian_product_jax_computes_of_its_own_step(seed, n, d, h, k, scale):
    """Every graded reference on its own arguments (not a chained network), against jax.vjp of the forward
    step it differentiates: random widths and batches, k = 2, logits in the hundreds (scale 40)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, d))
    W1, b1, W2, b2 = rng.normal(0, 1, (d, h)), rng.normal(0, 1, h), rng.normal(0, scale, (h, k)), rng.normal(0, 1, k)
    Y = np.eye(k)[rng.integers(0, k, n)]
    z1, a1, z2, y_hat = sn.forward(X, W1, b1, W2, b2)
    upstream, delta_o, delta_h = rng.normal(0, 1, (n, k)), rng.normal(0, 1, (n, k)), rng.normal(0, 1, (n, h))
    slope = rng.uniform(0.05, 1, (n, h))

    def vjp(step, at, cotangent):
        _, pullback = jax.vjp(step, jnp.asarray(at))
        return np.asarray(pullback(jnp.asarray(cotangent))[0])

    with jax.enable_x64(True):
        expected = {
            "output_error": [np.asarray(jax.grad(lambda z: jnp.sum(logsumexp(z, axis=1) - jnp.sum(Y * z, axis=1)))(
                jnp.asarray(z2)))],
            "softmax_vjp": [vjp(lambda z: jax.nn.softmax(z, axis=1), z2, upstream)],
            "hidden_slope": [vjp(jnp.tanh, z1, np.ones_like(z1))],
            "hidden_error": [vjp(lambda a: a @ W2, a1, delta_o) * slope],
            "weight_gradients": [vjp(lambda W: X @ W, W1, delta_h / n), vjp(lambda W: a1 @ W, W2, delta_o / n)],
            "bias_gradients": [vjp(lambda b: jnp.zeros((n, h)) + b, b1, delta_h / n),
                               vjp(lambda b: jnp.zeros((n, k)) + b, b2, delta_o / n)],
        }
        if np.all(y_hat > 0):
            expected["cross_entropy_slope"] = [np.asarray(jax.grad(lambda p: -jnp.sum(Y * jnp.log(p)))(
                jnp.asarray(y_hat)))]
    got = {
        "output_error": [reference.output_error(y_hat, Y)],
        "softmax_vjp": [reference.softmax_vjp(y_hat, upstream)],
        "hidden_slope": [reference.hidden_slope(a1)],
        "hidden_error": [reference.hidden_error(delta_o, W2, slope)],
        "weight_gradients": list(reference.weight_gradients(X, delta_h, a1, delta_o)),
        "bias_gradients": list(reference.bias_gradients(delta_h, delta_o)),
        "cross_entropy_slope": [reference.cross_entropy_slope(y_hat, Y)],
    }
    for name, wanted in expected.items():
        for g, w in zip(got[name], wanted):
            assert np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=1e-7, atol=1e-12), (name, g, w)
