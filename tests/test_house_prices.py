"""Assignment 4's model, gradient checks, Keras twin and failure demonstrations."""
from __future__ import annotations

import numpy as np
import pytest

from course import backprop_failures as failures
from course import gradcheck
from course import house_prices as hp
from course import house_prices_figures as figures
from instructor.references import house_prices as reference


@pytest.fixture(scope="module")
def houses():
    return hp.standardised_houses()


KERAS_TWIN = "course.house_prices_keras"  # the conftest's keras_network fixture


def test_houses_are_standardised_with_the_population_deviation(houses):
    np.testing.assert_allclose(houses.x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(houses.x.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(houses.dollars(houses.y), hp.houses()[1])


def test_21_weights_in_the_lectures_order():
    W_hidden, w_output = hp.initial_weights(0)
    names = hp.named(W_hidden, w_output)
    assert list(names) == [f"w{i}" for i in range(1, 22)]
    assert names["w1"] == W_hidden[0, 0] and names["w6"] == W_hidden[1, 0] and names["w16"] == w_output[0]
    back = hp.unnamed(names)
    np.testing.assert_array_equal(back[0], W_hidden)
    np.testing.assert_array_equal(back[1], w_output)
    # Seeded: the same weights every time.
    np.testing.assert_array_equal(hp.initial_weights(0)[0], W_hidden)


def test_scipy_check_grad_of_the_reference_is_below_the_lectures_threshold(houses):
    start = hp.named(*hp.initial_weights(0))
    difference = gradcheck.scipy_check_grad(lambda w: hp.loss(houses.x, houses.y, *hp.unnamed(w)),
                                            lambda w: hp.named(*reference.full_gradient(houses.x, houses.y,
                                                                                   *hp.unnamed(w))), start)
    assert difference < 1e-6


@pytest.mark.parametrize("corrupted", ["w3", "w12", "w16", "w21"])
def test_the_table_names_the_one_wrong_partial_derivative(houses, corrupted):
    def wrong(weights):
        result = hp.named(*reference.full_gradient(houses.x, houses.y, *hp.unnamed(weights)))
        result[corrupted] *= 1.01
        return result

    check = gradcheck.gradient_check(lambda w: hp.loss(houses.x, houses.y, *hp.unnamed(w)), wrong,
                                     hp.named(*hp.initial_weights(0)))
    assert not check.passed and check.worst == corrupted
    assert f"✗ {corrupted} is off" in check.verdict() and "<- worst" in str(check)


@pytest.mark.parametrize("seed, n, hidden", [(0, 10, 5), (1, 4, 3), (2, 13, 7)])
def test_reference_gradient_equals_keras_autodiff(keras_network, seed, n, hidden):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, 2)), rng.normal(size=n)
    W_hidden, w_output = rng.normal(size=(3, hidden)), rng.normal(size=hidden + 1)
    autodiff = keras_network.autodiff_gradient(keras_network.build(W_hidden, w_output), x, y)
    ours = reference.full_gradient(x, y, W_hidden, w_output)
    assert len(autodiff) == len(ours) == 2
    for mine, theirs in zip(ours, autodiff):
        assert theirs.shape == mine.shape
        # float32 in Keras: agreement to about six significant digits of the largest entry.
        assert np.max(np.abs(mine - theirs)) < 1e-5 * max(1.0, np.max(np.abs(mine)))


def test_keras_sgd_follows_the_numpy_trajectory(keras_network, houses):
    """The same 200 SGD steps from the same start: the same loss at every step and the same weights."""
    start = hp.initial_weights(0)
    numpy_run = hp.train(reference.full_gradient, houses.x, houses.y, *start, learning_rate=0.05, steps=200)
    model = keras_network.build(*start)
    keras_losses = keras_network.train(model, houses.x, houses.y, learning_rate=0.05, steps=200)
    assert numpy_run.losses[-1] < numpy_run.losses[0] / 5
    np.testing.assert_allclose(keras_losses, numpy_run.losses, rtol=1e-5, atol=1e-6)
    W_hidden, w_output = keras_network.weights(model)
    assert W_hidden.shape == numpy_run.W_hidden.shape and w_output.shape == numpy_run.w_output.shape
    assert np.max(np.abs(numpy_run.W_hidden - start[0])) > 0.05, "training moved the hidden weights"
    np.testing.assert_allclose(W_hidden, numpy_run.W_hidden, rtol=0, atol=1e-4)  # float32 over 200 steps
    np.testing.assert_allclose(w_output, numpy_run.w_output, rtol=0, atol=1e-4)


def test_sigmoid_output_cannot_reach_below_the_mean_price(houses):
    start = hp.initial_weights(0)
    run = hp.train(reference.sigmoid_output_gradient, houses.x, houses.y, *start, learning_rate=0.05, steps=500,
                   output="sigmoid")
    predictions = hp.forward(houses.x, run.W_hidden, run.w_output, output="sigmoid").y_pred
    assert predictions.min() > 0 > houses.y.min()


def test_vanishing_gradients_grow_with_the_input_scale(houses):
    ratios = []
    for scale in (1.0, 100.0, 1000.0):
        norms = failures.gradient_norms(reference.full_gradient, houses.x, houses.y, input_scale=scale, steps=20)
        ratios.append(norms.hidden[-1] / norms.output[-1])
    assert ratios[0] > ratios[1] > ratios[2] and ratios[2] < 1e-6 * ratios[0]


def test_a_large_learning_rate_kills_relu_units(houses):
    calm = failures.dead_relu_units(reference.relu_gradient, houses.x, houses.y, learning_rate=0.003)
    wild = failures.dead_relu_units(reference.relu_gradient, houses.x, houses.y, learning_rate=0.3)
    assert wild.dead[0] == calm.dead[0], "the same start"
    # The large step kills at least three more units than the small one, and a dead unit stays dead.
    assert wild.dead[-1] - wild.dead[0] >= 3 + (calm.dead[-1] - calm.dead[0])
    assert np.all(np.diff(wild.dead) >= 0) and np.all(np.diff(calm.dead) >= 0)


def test_chain_of_factors_explodes_above_one_and_vanishes_below():
    assert failures.chain_of_factors(1.2, 50)[-1] > 1e3
    assert failures.chain_of_factors(0.8, 50)[-1] < 1e-4
    assert failures.chain_of_factors(1.0, 50)[-1] == 1.0


def test_single_record_updates_climb_where_full_batch_descends(houses):
    run = failures.noisy_updates(reference.full_gradient, houses.x, houses.y, learning_rate=0.1, steps=300)
    assert run.full_batch[0] == run.one_record[0], "the same start"
    assert run.full_batch[-1] < run.full_batch[0] / 10
    assert np.isfinite(run.one_record).all()
    # After the first steps the single-record loss is above the full-batch one at every step,
    # and it climbs far above where it started.
    assert np.all(run.one_record[10:] > run.full_batch[10:])
    assert np.max(run.one_record) > 5 * run.one_record[0]


def test_every_figure_redraws_and_marks_divergence(houses):
    start = hp.initial_weights(0)
    figure = figures.HousePriceFigure(houses, 50)
    said = figure.update(hp.train(reference.full_gradient, houses.x, houses.y, *start, learning_rate=5.0, steps=50), 5.0)
    assert "too large" in said and figure.curve.marker.get_visible()
    assert np.isfinite(figure.curve.line.get_ydata()).all()
    for live, result, value in [
        (figures.VanishingFigure(20), failures.gradient_norms(reference.full_gradient, houses.x, houses.y,
                                                              input_scale=1000, steps=20), 1000),
        (figures.DeadReluFigure(30, 20), failures.dead_relu_units(reference.relu_gradient, houses.x, houses.y, learning_rate=0.3,
                                                                 steps=30), 0.3),
        (figures.ExplodingFigure(50), failures.chain_of_factors(1.3), 1.3),
        (figures.NoisyFigure(50), failures.noisy_updates(reference.full_gradient, houses.x, houses.y,
                                                         learning_rate=0.2, steps=50), 0.2),
    ]:
        before = live.png()
        said = live.update(result, value)
        after = live.png()
        assert f"{value:.3g}" in said, f"{type(live).__name__} does not name the value it shows: {said!r}"
        assert after.startswith(b"\x89PNG") and after != before, f"{type(live).__name__} did not redraw"


# --- the links as graded work (issue 15) ----------------------------------------

LINKS_AND_COMPOSITIONS = [name for name in hp.HIDDEN_CASES]


def test_the_numbering_table_is_the_lectures():
    rows = hp.numbering()
    W_hidden, w_output = hp.initial_weights(0)
    names = hp.named(W_hidden, w_output)
    assert [row["weight"] for row in rows] == list(names)
    for row in rows:  # the entry each row names holds that weight
        array = W_hidden if row["entry"].startswith("W_hidden") else w_output
        index = tuple(int(i) for i in row["entry"][row["entry"].index("[") + 1:-1].split(","))
        assert array[index] == names[row["weight"]], row
    assert rows[5] == {"weight": "w6", "entry": "W_hidden[1, 0]", "multiplies": "x₁", "into": "H1"}
    assert rows[16]["weight"] == "w17" and rows[16]["multiplies"] == "β_H1"


@pytest.mark.parametrize("network", [{}, {"output": "sigmoid"}, {"hidden": "relu"}])
def test_the_plumbing_chains_the_references_into_the_networks_gradient(network):
    rng = np.random.default_rng(15)
    x, y = rng.normal(size=(6, 2)), rng.normal(size=6)
    weights = {"W_hidden": rng.normal(size=(3, 4)), "w_output": rng.normal(size=5)}
    ours = dict(zip(weights, reference.full_gradient(x, y, weights["W_hidden"], weights["w_output"], **network)))
    numerical = gradcheck.numerical_gradient(lambda p: hp.loss(x, y, p["W_hidden"], p["w_output"], **network),
                                             weights)
    for name in weights:
        assert gradcheck.relative_errors(ours[name], numerical[name]).max() < 1e-7, name


def test_what_ships_to_students_spells_out_no_graded_derivative():
    """course/ is installed for students: the slope β(1 − β), the outer products and δ_H are the student's."""
    from pathlib import Path

    from course import diagrams, graph, graph_view, graphs

    for module in (hp, failures, figures, graphs, graph, graph_view, diagrams):
        source = Path(module.__file__).read_text()
        for formula in ("(1 - beta", "(1 - f.", "* (1 -", ".T @", "np.outer", "[:, None] * w_output", "w_output[1]"):
            assert formula not in source, (module.__name__, formula)


def test_one_wrong_link_fails_only_its_own_visible_test():
    """Each graded function's every catalogued slip, alone in the reference solution, fails its own test cell only."""
    from course import slips
    from instructor import references
    from tests.test_hints import TESTS, _run_test

    mine = [(grade_id, source) for notebook, grade_id, source, _ in TESTS if notebook == "house_prices"]
    assert {grade_id for grade_id, _ in mine} == {f"test_{name}" for name in LINKS_AND_COMPOSITIONS}
    for name in LINKS_AND_COMPOSITIONS:
        check = f"house_prices.{name}"
        for hint in [slip.hint for slip in slips.catalogue(check) if slip.wrong]:
            wrong = {name: references.slips(check)[hint]}
            failing = {grade_id for grade_id, source in mine if _run_test("house_prices", source, wrong) is not None}
            assert failing == {f"test_{name}"}, (name, hint, failing)


# --- the graph view, the visible checks' expected values (proofreading of issue 15) ---------

_WRONG_FUNCTIONS = {
    "dE_dy_pred": (lambda y_pred, y: y - y_pred, "y_pred"),
    "dy_pred_dalpha_o": (lambda alpha_o: alpha_o, "alpha_o"),
    "output_error_term": (lambda dE_dy_pred, dy_pred_dalpha_o: dE_dy_pred + dy_pred_dalpha_o, "alpha_o"),
    "sigmoid_slope": (lambda beta: beta, "alpha_h"),
    "hidden_error_terms": (lambda d, w, s: np.outer(d, w[:-1]) * s, "output_inputs"),  # the bias weight sent down
    "gradient": (lambda i, b, d_o, d_h: (i.T @ d_h / len(d_o), hp.with_bias(b).T @ d_o / len(d_o)), "w_output"),
}


@pytest.mark.parametrize("name", [None, *_WRONG_FUNCTIONS])
def test_the_graph_view_marks_the_first_node_a_wrong_function_reaches(houses, name):
    """The notebook's view, headless, on the reference functions with one of them wrong."""
    from course import graphs
    from course.graph_view import GraphView, render_html

    links = reference.links()
    if name is not None:
        from dataclasses import replace
        links = replace(links, **{name: _WRONG_FUNCTIONS[name][0]})
    W_start, w_start = hp.initial_weights(seed=0)
    view = GraphView(graphs.house_prices(), {"x": houses.x, "y": houses.y, "W_hidden": W_start, "w_output": w_start},
                     lambda values: hp.node_gradients(links, values))
    assert view.first_wrong == (None if name is None else _WRONG_FUNCTIONS[name][1]), view.text()
    text = view.text()
    if name is None:
        # Every node but the data is checked; the data (x, y) read as data, not as a missing gradient.
        assert view.report.ok and "not computed" not in text and " missing" not in text, text
        assert text.count("data: needs no gradient") == 2
        assert render_html(view.report).count("data: needs no gradient") == 2
    else:
        assert f"first wrong node in backward order" in text and "differ from finite differences" in text


_MEASURED = ("dE_dy_pred", "dy_pred_dalpha_o", "dalpha_o_dw16", "dalpha_o_dbeta_h1", "sigmoid_slope", "dalpha_h1_dw6")


def test_the_visible_checks_of_the_links_do_not_type_their_answers():
    """Every link (a constant, one entry of its argument, a slope) is measured by finite differences in its
    visible test: the locked cell a student reads before answering must not print the answer."""
    from tests.test_hints import TESTS, _visible_calls

    mine = {grade_id: source for notebook, grade_id, source, _ in TESTS if notebook == "house_prices"}
    for name in _MEASURED:
        source = mine[f"test_{name}"]
        assert "hp.measured_slope(" in source and "1.0, 1.0" not in source, name
        (check, args, expected, _), = _visible_calls("house_prices", source)
        right = getattr(reference, name)(*args)
        np.testing.assert_allclose(expected[0], right, rtol=1e-9, atol=1e-12, err_msg=name)
        assert np.shape(expected[0]) == np.shape(right), name


def test_no_visible_composition_is_given_a_link_of_exactly_1():
    """A link equal to 1 everywhere would hide a composition that leaves it out."""
    from tests.test_hints import TESTS, _visible_calls

    compositions = ("dE_dw16", "dE_dw6", "output_error_term", "hidden_error_terms")
    for notebook, grade_id, source, _ in TESTS:
        if notebook == "house_prices" and grade_id[len("test_"):] in compositions:
            (check, args, expected, _), = _visible_calls(notebook, source)
            for link in args:
                assert not np.all(np.asarray(link) == 1.0), (grade_id, link)


def test_measured_slope_measures_elementwise_steps_and_steps_in_one_number():
    alpha = np.array([-2.0, 0.3, 4.0])
    sigma = 1 / (1 + np.exp(-alpha))
    np.testing.assert_allclose(hp.measured_slope(lambda a: 1 / (1 + np.exp(-a)), alpha), sigma * (1 - sigma),
                               rtol=1e-8)
    np.testing.assert_allclose(hp.measured_slope(lambda w: w * alpha, 0.7), alpha, rtol=1e-9)
    np.testing.assert_array_equal(hp.output_unit(alpha), alpha)


def test_forgetting_h3s_slope_shows_in_the_table_at_h3s_weights_only(houses):
    """Section 5: the table (now shown, not only its verdict) points at w3, w8 and w13."""
    links = reference.links()

    def slightly_wrong(weights):
        W_hidden, w_output = hp.unnamed(weights)
        f = hp.forward(houses.x, W_hidden, w_output)
        delta_output = links.output_error_term(links.dE_dy_pred(f.y_pred, houses.y), links.dy_pred_dalpha_o(f.alpha_o))
        slopes = np.array(links.sigmoid_slope(f.beta_h))
        slopes[:, 2] = 1.0
        return hp.named(*links.gradient(f.inputs, f.beta_h, delta_output,
                                        links.hidden_error_terms(delta_output, w_output, slopes)))

    check = gradcheck.gradient_check(lambda w: hp.loss(houses.x, houses.y, *hp.unnamed(w)), slightly_wrong,
                                     hp.named(*hp.initial_weights(0)))
    assert {name for name, error in zip(check.names, check.errors) if error >= check.threshold} == {"w3", "w8", "w13"}
    assert check._repr_html_().count("#fde2e2") == 3 and "✗ w3 is off" in str(check)


# One wrong link at a time, through the real autograde: exactly that cell loses its points.


@pytest.mark.parametrize("function", ["backprop_shapes", "gradient", "dE_dy_pred", "hidden_error_terms"])
@pytest.mark.parametrize("answer, says", [
    (None, "did you forget the `return` statement?"),
    ("a string", "not a number or an array of numbers"),
    (np.full(2, np.nan), "expected"),
])
def test_a_bad_answer_gets_a_clear_message_from_the_visible_test(function, answer, says):
    from tests.test_hints import TESTS, _run_test

    [source] = [s for notebook, grade_id, s, _ in TESTS if notebook == "house_prices" and grade_id == f"test_{function}"]
    message = _run_test("house_prices", source, {function: lambda *args: answer})
    assert message is not None and "Traceback" not in message
    assert says in message or (answer is not None and "should return" in message), message
def _a4_student_slips():
    from tests.test_hints import STUDENT_SLIPS

    return [(check, start, code) for check, entries in STUDENT_SLIPS.items() if check.startswith("house_prices.")
            for start, code in entries]


@pytest.mark.parametrize("check, start, code", _a4_student_slips(), ids=[f"{c}:{s[:25]}" for c, s, _ in _a4_student_slips()])
def test_student_code_with_a_classic_slip_gets_its_hint_from_the_grader_too(check, start, code):
    """The grader, on the hidden cases, names the slip of student-written code as the visible test does."""
    from course import checks, slips
    from instructor.verify import verify_record

    namespace = {"np": np, "hp": hp}
    exec(code, namespace)
    function = namespace[check.split(".")[1]]
    spec, cases = checks.cases_for(check)
    problems = "\n".join(verify_record(check, {"check": check, "results": [
        checks.run_case(function, case, spec.outputs) for case in cases]}))
    [hint] = [slip.hint for slip in slips.catalogue(check) if slip.hint.startswith(start)]
    assert problems and f"hint: {hint}" in problems, problems


def test_a_delta_o_without_the_output_slope_is_invisible_to_the_view_as_the_text_says(houses):
    from dataclasses import replace

    from course import graphs

    graph = graphs.house_prices()
    W_start, w_start = hp.initial_weights(seed=0)
    values = graph.forward({"x": houses.x, "y": houses.y, "W_hidden": W_start, "w_output": w_start})
    links = replace(reference.links(), output_error_term=lambda dE_dy_pred, slope: dE_dy_pred)
    assert graph.check(values, hp.node_gradients(links, values)).ok
