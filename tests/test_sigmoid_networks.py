"""Assignment 2's course module: the lectures' numbers, its training loops, its hidden cases."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit

from course import checks, data, gradcheck, plots
from course import sigmoid_networks as sn
from course.activations import sigmoid
from course.sigmoid_networks_figures import TwoNodeFigure, describe
from instructor import references
from instructor.references import sigmoid_networks as reference
from instructor.verify import verify_record

# The references as the notebook's plumbing uses the student's functions.
TWO_NODE = sn.TwoNodeFunctions(*(getattr(reference, name) for name in sn.TwoNodeFunctions._fields))
reference_gradients = sn.two_node_backprop(TWO_NODE)
HIDDEN_LAYER = sn.HiddenLayerFunctions(*(getattr(reference, name) for name in sn.HiddenLayerFunctions._fields))


def test_the_lectures_two_node_numbers():
    """Seed 003's print(s) and print(out), from the course's own sigmoid and forward pass."""
    start = data.TWO_NODE
    assert str(float(sigmoid(0.5))) == "0.6224593312018546"
    forward = sn.two_node_forward(start["w0"], start["w1"], start["w2"], start["s0"])
    assert float(forward.out) == 0.36375380675182073


def test_sequential_variant_is_the_lectures_loop_to_the_last_digit():
    """Lecture 003's loop, as written there (scipy's sigmoid), against train_two_node(sequential=True)."""
    w0, w1, w2, s0, target, alpha = 2.0, 1.0, 0.5, 2.0, 0.7, 0.1
    for _ in range(1000):
        s1 = expit(w0 * s0)
        s2 = expit(w1 * s1)
        out = w2 * s2
        w2 = w2 - alpha * (out - target) * s2
        w1 = w1 - alpha * (out - target) * (w2 * s2 * (1 - s2) * s1)
        w0 = w0 - alpha * (out - target) * (w2 * s2 * (1 - s2) * w1) * (s1 * (1 - s1) * s0)
    run = sn.train_two_node(reference_gradients, learning_rate=alpha, steps=1000, sequential=True)
    np.testing.assert_allclose([run.w0[-1], run.w1[-1], run.w2[-1]], [w0, w1, w2], rtol=1e-13)
    plain = sn.train_two_node(reference_gradients, learning_rate=alpha, steps=1000)
    assert abs(plain.w1[-1] - run.w1[-1]) > 1e-4  # the two variants really differ


def test_gradient_descent_moves_every_weight_from_the_same_point():
    run = sn.train_two_node(reference_gradients, learning_rate=0.3, steps=1)
    gradients = reference_gradients(2.0, 1.0, 0.5, 2.0, 0.7)
    np.testing.assert_allclose([run.w0[1], run.w1[1], run.w2[1]],
                               np.array([2.0, 1.0, 0.5]) - 0.3 * np.array(gradients), rtol=1e-15)
    # Each recorded loss is E at that step's weights, computed here from the weights alone.
    weights = np.array([run.w0, run.w1, run.w2])
    np.testing.assert_allclose(run.loss, 0.5 * (weights[2] * expit(weights[1] * expit(weights[0] * 2.0)) - 0.7) ** 2,
                               rtol=1e-12)


@pytest.mark.parametrize("learning_rate", [30.0, 100.0, 1e4])
def test_divergent_training_is_silent(learning_rate):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = sn.train_two_node(reference_gradients, learning_rate=learning_rate, steps=1000)
    assert plots.first_divergence(run.loss) is not None


@pytest.mark.parametrize("learning_rate, phrase", [
    (0.003, "slow"), (0.1, "comes within 1% of the target"), (4.0, "overshoot"),
    (10.0, "stuck"), (50.0, "the loss exploded"),
])
def test_the_slider_names_each_regime(learning_rate, phrase):
    figure = TwoNodeFigure(steps=1000, target=0.7)
    run = sn.train_two_node(reference_gradients, learning_rate=learning_rate, steps=1000)
    for _ in range(2):  # the second update draws without the layout engine
        summary = figure.update(run, learning_rate)
        assert plots.png(figure.figure).startswith(b"\x89PNG")
    assert phrase in summary and summary == describe(run, learning_rate)


def test_the_lectures_hidden_layer_example():
    example = data.HIDDEN_LAYER_EXAMPLE
    steps = sn.backprop_steps(HIDDEN_LAYER, example["learning_rate"], example["x"], example["target"],
                              example["weights_input_hidden"], example["weights_hidden_output"])
    np.testing.assert_allclose(steps[0], [0.00804047, 0.00555918], atol=5e-9)
    np.testing.assert_allclose(steps[1], [[1.77005547e-04, -5.11178506e-04],
                                          [3.54011093e-05, -1.02235701e-04],
                                          [-7.08022187e-05, 2.04471402e-04]], rtol=5e-9)


@pytest.mark.parametrize("n_records, n_features, n_hidden", [(1, 3, 2), (7, 3, 1), (20, 6, 5), (5, 2, 2)])
def test_reference_backprop_is_minus_eta_times_the_gradient(n_records, n_features, n_hidden):
    """The three references chained: −η·∂E/∂w for the mean of ½(y − ŷ)², by finite differences."""
    rng = np.random.default_rng(n_records * 100 + n_hidden)
    x, y = rng.normal(size=(n_records, n_features)), rng.uniform(size=n_records)
    if n_records == 1:
        x, y = x[0], float(y[0])  # one record, as in the lecture's example
    params = {"weights_input_hidden": rng.normal(size=(n_features, n_hidden)),
              "weights_hidden_output": rng.normal(size=n_hidden)}
    eta = 0.7

    def gradient(p):
        step_ho, step_ih = sn.backprop_steps(HIDDEN_LAYER, eta, x, y,
                                             p["weights_input_hidden"], p["weights_hidden_output"])
        return {"weights_input_hidden": -step_ih / eta, "weights_hidden_output": -step_ho / eta}

    check = gradcheck.gradient_check(
        lambda p: sn.squared_error(x, y, p["weights_input_hidden"], p["weights_hidden_output"]),
        gradient, params)
    assert check.max_error < 1e-8, str(check)


def test_vectorised_training_is_the_lectures_record_by_record_loop():
    split = data.admissions(n=60)
    features, targets = split["features"], split["targets"]
    run = sn.train_hidden_layer(HIDDEN_LAYER, features, targets, n_hidden=3, epochs=5, learning_rate=0.5)
    weights_input_hidden, weights_hidden_output = sn.initial_weights(features.shape[1], 3)
    for _ in range(5):
        del_w_input_hidden = np.zeros_like(weights_input_hidden)
        del_w_hidden_output = np.zeros_like(weights_hidden_output)
        for x, y in zip(features, targets):
            hidden_output = expit(x @ weights_input_hidden)
            output = expit(hidden_output @ weights_hidden_output)
            output_error = (y - output) * output * (1 - output)
            hidden_error = output_error * weights_hidden_output * hidden_output * (1 - hidden_output)
            del_w_hidden_output += output_error * hidden_output
            del_w_input_hidden += hidden_error * x[:, None]
        weights_input_hidden = weights_input_hidden + 0.5 * del_w_input_hidden / len(targets)
        weights_hidden_output = weights_hidden_output + 0.5 * del_w_hidden_output / len(targets)
    np.testing.assert_allclose(run.weights_input_hidden, weights_input_hidden, rtol=1e-12)
    np.testing.assert_allclose(run.weights_hidden_output, weights_hidden_output, rtol=1e-12)
    # The training loss is over every training record (the lecture's uses the last record only).
    output = expit(expit(features @ weights_input_hidden) @ weights_hidden_output)
    assert run.train_loss[-1] == pytest.approx(np.mean((targets - output) ** 2), rel=1e-12)


def test_admissions_data():
    split = data.admissions()
    assert split["features"].shape == (800, 6) and split["features_test"].shape == (200, 6)
    np.testing.assert_allclose(split["features"][:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(split["features"][:, :2].std(axis=0), 1, rtol=1e-12)
    np.testing.assert_array_equal(split["features"][:, 2:].sum(axis=1), 1)  # rank one-hot
    admitted = np.concatenate([split["targets"], split["targets_test"]]).mean()
    assert 0.28 < admitted < 0.38  # the real table: 127 of 400
    assert sn.majority_accuracy(split["targets"], split["targets_test"]) == np.mean(split["targets_test"] == 0)


def test_hidden_cases_cover_widths_batches_and_more_than_the_worked_example():
    _, cases = checks.cases_for("sigmoid_networks.hidden_error_term")
    assert len({np.shape(case.args[1])[0] for case in cases}) >= 3  # several widths
    assert any(np.ndim(case.args[2]) == 2 for case in cases) and any(np.ndim(case.args[2]) == 1 for case in cases)
    assert all(np.shape(case.args[2])[0] != np.shape(case.args[2])[1] for case in cases if np.ndim(case.args[2]) == 2)
    _, cases = checks.cases_for("sigmoid_networks.weight_steps")
    assert len({np.shape(case.args[3])[-1] for case in cases}) >= 3
    assert all(case.batch_size == len(case.args[4]) for case in cases if np.ndim(case.args[4]) == 2)
    _, cases = checks.cases_for("sigmoid_networks.two_node_gradients")
    assert len({case.args for case in cases}) == len(cases) >= 8
    assert all(0 < abs(link) != 1 for case in cases for link in case.args)  # no link hides a missing one


@pytest.mark.parametrize("key", ["", "alice", "bob"])
def test_hidden_cases_are_randomized_per_student(key):
    """Widths and batch sizes change with the student's key; n, d and h always differ."""
    _, cases = checks.cases_for("sigmoid_networks.backprop_shapes", key or None)
    assert all(len(set(case.args)) == 3 for case in cases)
    _, others = checks.cases_for("sigmoid_networks.backprop_shapes", "someone else")
    assert [case.args for case in cases] != [case.args for case in others]


def test_one_wrong_link_changes_the_backward_pass_but_no_other_function():
    """The compositions receive link values: a wrong sigmoid_slope leaves every other record right."""
    wrong = TWO_NODE._replace(sigmoid_slope=lambda s: sigmoid(s) * (1 - sigmoid(s)))
    right, slipped = reference_gradients(2.0, 1.0, 0.5, 2.0, 0.7), sn.two_node_backprop(wrong)(2.0, 1.0, 0.5, 2.0, 0.7)
    assert not np.allclose(right[:2], slipped[:2]) and right[2] == slipped[2]
    assert verify_record("sigmoid_networks.sigmoid_slope", _record_of("sigmoid_networks.sigmoid_slope", wrong.sigmoid_slope))
    for name in ("squared_error_slope", "product_slopes", "two_node_gradients"):
        check = f"sigmoid_networks.{name}"
        assert verify_record(check, _record_of(check, getattr(wrong, name))) == []


def test_the_two_node_links_are_the_chain_rules_factors():
    """two_node_links hands each link's value to the composition, in the order of TwoNodeLinks."""
    links = sn.two_node_links(TWO_NODE, -0.8, 1.7, 1.2, 1.5, 0.3)
    forward = sn.two_node_forward(-0.8, 1.7, 1.2, 1.5)
    step = 1e-6  # each link by central differences of its own step
    assert links.ds1_dx1 == pytest.approx((sigmoid(forward.x1 + step) - sigmoid(forward.x1 - step)) / (2 * step))
    assert links.ds2_dx2 == pytest.approx((sigmoid(forward.x2 + step) - sigmoid(forward.x2 - step)) / (2 * step))
    assert (links.dout_dw2, links.dout_ds2, links.dx2_dw1, links.dx2_ds1, links.dx1_dw0) == (
        forward.s2, 1.2, forward.s1, 1.7, 1.5)
    assert links.dE_dout == pytest.approx(forward.out - 0.3)


def _record_of(check: str, function) -> dict:
    spec, cases = checks.cases_for(check)
    return {"check": check, "results": [checks.run_case(function, case, spec.outputs) for case in cases]}


def test_hard_coding_the_worked_example_fails_the_hidden_cases():
    def memorised(output_error_term, weights_hidden_output, hidden_slope):
        return np.array([0.0007080221865494136, -0.002044714023950862])

    problems = verify_record("sigmoid_networks.hidden_error_term",
                             _record_of("sigmoid_networks.hidden_error_term", memorised))
    assert problems and "hidden_error_term is wrong on" in problems[0]


@pytest.mark.parametrize("change, first_wrong", [
    ({}, None),
    ({"sigmoid_slope": lambda s: sigmoid(s) * (1 - sigmoid(s))}, "x2"),
    ({"product_slopes": lambda w, s: (w, s)}, "w2"),
    ({"squared_error_slope": lambda out, target: 2 * (out - target)}, "out"),
    # ∂E/∂w0 without the link ∂x2/∂s1: the first node it reaches is s1.
    ({"two_node_gradients": lambda e, o_w2, o_s2, s2_x2, x2_w1, x2_s1, s1_x1, x1_w0:
      (e * o_s2 * s2_x2 * s1_x1 * x1_w0, e * o_s2 * s2_x2 * x2_w1, e * o_w2)}, "s1"),
])
def test_the_two_node_graph_view_marks_the_first_wrong_node(change, first_wrong):
    """The view's gradients come from the student's functions only; a wrong one shows where it enters."""
    from course import graphs

    graph = graphs.two_node()
    values = graph.forward({"w0": -0.8, "w1": 1.7, "w2": 1.2, "s0": 1.5, "target": 0.3})
    report = graph.check(values, sn.two_node_node_gradients(TWO_NODE._replace(**change), values))
    assert report.first_wrong == first_wrong, report.text("two-node")


@pytest.mark.parametrize("change, first_wrong", [
    ({}, None),
    ({"output_error": lambda output, target: output - target}, "y_hat"),
    ({"hidden_error_term": lambda d, w, slope: np.multiply.outer(d, w)}, "z_h"),
    ({"weight_steps": lambda eta, d_o, d_h, h, x: (eta * np.atleast_1d(d_o) @ np.atleast_2d(h),
                                                   eta * np.atleast_2d(x).T @ np.atleast_2d(d_h))}, "w_ho"),
])
def test_the_hidden_layer_graph_view_marks_the_first_wrong_node(change, first_wrong):
    from course import graphs

    rng = np.random.default_rng(3)
    graph = graphs.hidden_layer()
    values = graph.forward({"x": rng.normal(size=(7, 4)), "y": rng.uniform(size=7),
                            "W_ih": rng.normal(size=(4, 3)), "w_ho": rng.normal(size=3)})
    report = graph.check(values, sn.hidden_layer_node_gradients(HIDDEN_LAYER._replace(**change), values))
    assert report.first_wrong == first_wrong, report.text("hidden layer")
