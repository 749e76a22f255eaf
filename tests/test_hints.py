"""Every catalogued slip, fed to its exercise's visible test, gets that slip's hint and no other.

The visible tests are the notebooks' own test cells (hidden part removed), run on the
reference solutions with one function swapped for a wrong one.  Two kinds of wrong
function: each catalogued slip as the grader computes it (`instructor.references.slips`),
and student code written the way students write the classic slips, including those that
only show as a shape error or a broken property.
"""
from __future__ import annotations

import re
from pathlib import Path

import jupytext
import numpy as np
import pytest

from course import checks, slips
from instructor import references

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "source").glob("a*/*.md"))
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)
CHECK = re.compile(r'check="([\w.]+)"')


def _cells(path: Path):
    """(setup + solutions source, [(grade_id, visible test source, checks named)])."""
    notebook = jupytext.read(path)
    prelude, tests = [], []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta:
            continue
        if meta.get("grade"):
            source = HIDDEN.sub("", cell.source)
            tests.append((meta["grade_id"], source, sorted(set(CHECK.findall(source)))))
        else:
            prelude.append(cell.source)
    return "\n\n".join(prelude), tests


CELLS = {path.stem: _cells(path) for path in NOTEBOOKS}
TESTS = [(notebook, grade_id, source, names)
         for notebook, (_, tests) in CELLS.items() for grade_id, source, names in tests]


def _namespace(notebook: str) -> dict:
    namespace: dict = {"display": lambda *a, **k: None}
    exec(compile(CELLS[notebook][0], f"<{notebook} setup>", "exec"), namespace)
    return namespace


def _run_test(notebook: str, source: str, replace: dict | None = None) -> str | None:
    """The visible test's failure message, or None if it passed."""
    namespace = _namespace(notebook)
    namespace.update(replace or {})
    try:
        exec(compile(source, f"<{notebook} test>", "exec"), namespace)
    except checks.CheckFailed as failure:
        return str(failure)
    return None


def _test_of(check: str):
    for notebook, grade_id, source, names in TESTS:
        if check in names:
            return notebook, source
    raise AssertionError(f"no visible test names check={check!r}")


ALL_CHECKS = sorted({name for *_, names in TESTS for name in names})


def test_every_graded_test_cell_names_its_checks():
    for notebook, grade_id, source, names in TESTS:
        if "expect_outputs" in source:
            assert names and source.count("expect_outputs(") == len(CHECK.findall(source)), (notebook, grade_id)


@pytest.mark.parametrize("notebook, grade_id, source, names", TESTS, ids=[t[1] for t in TESTS])
def test_the_reference_passes_every_visible_test(notebook, grade_id, source, names, capsys):
    assert _run_test(notebook, source) is None
    assert "✓" in capsys.readouterr().out or "expect_outputs" not in source


def _assert_only_hint(message: str | None, hint: str):
    assert message is not None, f"the visible test passed a slip: {hint}"
    hints = re.findall(r"hint: (.*(?:\n(?!- ).*)*)", message)
    assert hints == [hint], f"expected only the hint {hint!r}, got:\n{message}"


VALUE_SLIPS = [(check, slip.hint) for check in ALL_CHECKS for slip in slips.catalogue(check) if slip.wrong]


@pytest.mark.parametrize("check, hint", VALUE_SLIPS, ids=[f"{c}:{h[:30]}" for c, h in VALUE_SLIPS])
def test_every_catalogued_slip_gets_its_own_hint_from_the_visible_test(check, hint):
    notebook, source = _test_of(check)
    function = check.split(".")[1]
    _assert_only_hint(_run_test(notebook, source, {function: references.slips(check)[hint]}), hint)


# Student code for the classic slips, written as students write them.  A hint is named by its
# opening words; every shape slip and every property slip of the catalogue must appear here.
STUDENT_SLIPS = {
    "linear_regression.loss_slope": [
        ("a factor 2 is missing", "def loss_slope(y_hat, y):\n    return y_hat - y"),
        ("the sign is flipped", "def loss_slope(y_hat, y):\n    return 2 * (y - y_hat)"),
        ("that is the loss itself", "def loss_slope(y_hat, y):\n    return (y_hat - y) ** 2"),
        ("∂Loss_i/∂ŷ is the slope of ONE observation's loss", "def loss_slope(y_hat, y):\n"
         "    return 2 * (y_hat - y) / np.size(y)"),
        ("∂Loss_i/∂ŷ came back as one number", "def loss_slope(y_hat, y):\n    return np.mean(2 * (y_hat - y))"),
        ("∂Loss_i/∂ŷ came back as one number", "def loss_slope(y_hat, y):\n    return np.sum(2 * (y_hat - y))"),
    ],
    "linear_regression.prediction_slopes": [
        ("∂ŷ/∂b is not x", "def prediction_slopes(x):\n    return x, x"),
        ("the two slopes are swapped", "def prediction_slopes(x):\n    return np.ones_like(x), x"),
        ("∂ŷ/∂b came back as a single number", "def prediction_slopes(x):\n    return x, 1"),
        ("∂ŷ/∂b came back as a single number", "def prediction_slopes(x):\n    return x, 1.0"),
    ],
    "linear_regression.observation_gradient": [
        ("∂Loss_i/∂b lacks its last link", "def observation_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n"
         "    return dloss_dyhat * dyhat_dw, dloss_dyhat"),
        ("the links are added", "def observation_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n"
         "    return dloss_dyhat + dyhat_dw, dloss_dyhat + dyhat_db"),
    ],
    "linear_regression.batch_gradient_shapes": [
        ("∂Loss/∂w and ∂Loss/∂b have the shapes of w and b", "def batch_gradient_shapes(n):\n"
         "    return (n,), (n,), (n,), (n,), (n,)"),
        ("(n, 1) is a column", "def batch_gradient_shapes(n):\n    return (n, 1), (n, 1), (n, 1), (), ()"),
    ],
    "linear_regression.batch_gradient": [
        ("the gradient is summed", "def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n"
         "    return np.sum(dloss_dyhat * dyhat_dw), np.sum(dloss_dyhat * dyhat_db)"),
        ("the means of the links were multiplied", "def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n"
         "    return np.mean(dloss_dyhat) * np.mean(dyhat_dw), np.mean(dloss_dyhat) * np.mean(dyhat_db)"),
        ("the gradient came back with one entry per observation", "def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n"
         "    return dloss_dyhat * dyhat_dw, dloss_dyhat * dyhat_db"),
    ],
    "activations.softmax": [
        ("you subtracted the largest logit of the whole array", "def softmax(Z):\n"
         "    e = np.exp(Z - np.max(Z))\n    return e / e.sum(axis=1, keepdims=True)"),
        ("np.exp overflowed", "def softmax(Z):\n"
         "    return np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True)"),
        ("a sum over axis=1 has shape (n,)", "def softmax(Z):\n"
         "    e = np.exp(Z - Z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1)"),
        ("each row of a softmax must sum to 1", "def softmax(Z):\n"
         "    return np.exp(Z - Z.max(axis=1, keepdims=True))"),
    ],
    "sigmoid_networks.squared_error_slope": [
        ("∂E/∂out (squared_error_slope) is twice too large", "def squared_error_slope(out, target):\n"
         "    return 2 * (out - target)"),
    ],
    "sigmoid_networks.sigmoid_slope": [
        ("σ′ (sigmoid_slope) is applied to the output again", "def sigmoid_slope(s):\n"
         "    return sigmoid(s) * (1 - sigmoid(s))"),
    ],
    "sigmoid_networks.product_slopes": [
        ("∂(w·s)/∂w and ∂(w·s)/∂s (product_slopes) are swapped", "def product_slopes(w, s):\n"
         "    return w, s"),
    ],
    "sigmoid_networks.two_node_gradients": [
        ("∂E/∂w0 is missing its last link", "def two_node_gradients(dE_dout, dout_dw2, dout_ds2, ds2_dx2, dx2_dw1,"
         " dx2_ds1, ds1_dx1, dx1_dw0):\n"
         "    d = dE_dout * dout_ds2 * ds2_dx2\n"
         "    return d * dx2_ds1 * ds1_dx1, d * dx2_dw1, dE_dout * dout_dw2"),
    ],
    "sigmoid_networks.backprop_shapes": [
        ("δ_h is missing its batch axis", "def backprop_shapes(n, d, h):\n"
         "    return (n,), (h,), (h,), (d, h)"),
        ("ΔW_ih is transposed", "def backprop_shapes(n, d, h):\n"
         "    return (n,), (n, h), (h,), (h, d)"),
    ],
    "sigmoid_networks.output_error": [
        ("the error (output_error) has its sign flipped", "def output_error(output, target):\n"
         "    return output - target"),
    ],
    "sigmoid_networks.output_error_term": [
        ("the output error term is missing the link from ŷ back to z_o", "def output_error_term(output_error, output_slope):\n"
         "    return output_error"),
    ],
    "sigmoid_networks.hidden_error_term": [
        ("with a batch, δ_o has one entry per record", "def hidden_error_term(d, w, slope):\n"
         "    return d * w * slope"),
        ("with a batch, δ_o has one entry per record", "def hidden_error_term(d, w, slope):\n"
         "    return np.dot(d, w) * slope"),
    ],
    "sigmoid_networks.weight_steps": [
        ("the steps are summed over the records", "def weight_steps(eta, d_o, d_h, h, x):\n"
         "    x = np.atleast_2d(x)\n"
         "    return eta * np.atleast_1d(d_o) @ np.atleast_2d(h), eta * x.T @ np.atleast_2d(d_h)"),
        ("x[:, None] is the lecture's outer product", "def weight_steps(eta, d_o, d_h, h, x):\n"
         "    n = np.atleast_2d(x).shape[0]\n"
         "    return eta * np.atleast_1d(d_o) @ np.atleast_2d(h) / n, eta * x[:, None] * d_h / n"),
        ("with one record, δ_o is a float", "def weight_steps(eta, d_o, d_h, h, x):\n"
         "    n = len(x)\n    return eta * d_o @ h / n, eta * x.T @ d_h / n"),
    ],
    "network_321.loss_slope": [
        ("the sign is flipped", "def loss_slope(y_hat, y):\n    return 2 * (y - y_hat)"),
        ("the factor 2 of the square's derivative is missing", "def loss_slope(y_hat, y):\n    return y_hat - y"),
        ("the 1/n of the mean does not belong here", "def loss_slope(y_hat, y):\n"
         "    return 2 * (y_hat - y) / len(y)"),
        ("that is one number for the whole batch, averaged", "def loss_slope(y_hat, y):\n"
         "    return np.mean(2 * (y_hat - y))"),
    ],
    "network_321.output_slope": [
        ("the exponential is applied to ŷ again", "def output_slope(y_hat):\n    return np.exp(y_hat)"),
    ],
    "network_321.output_delta": [
        ("the 1/n of the mean does not belong in a delta", "def output_delta(loss_slope, output_slope):\n"
         "    return loss_slope * output_slope / len(loss_slope)"),
    ],
    "network_321.hidden_deltas": [
        ("δ2 has one entry per record", "def hidden_deltas(d2, w2, slope):\n    return d2 * w2 * slope"),
        ("δ1 is summed over the records", "def hidden_deltas(d2, w2, slope):\n    return np.dot(d2, slope) * w2"),
        ("the 1/n of the mean does not belong in a delta", "def hidden_deltas(d2, w2, slope):\n"
         "    return np.outer(d2, w2) * slope / len(d2)"),
    ],
    "network_321.gradients": [
        ("the gradients are summed", "def gradients(X, a1, d2, d1):\n    return X.T @ d1, a1.T @ d2"),
    ],
    "network_321.backprop_shapes": [
        ("the deltas are missing the record axis", "def backprop_shapes(n, d, h):\n"
         "    return (), (h,), (d, h), (h,)"),
        ("the weight gradients keep a record axis", "def backprop_shapes(n, d, h):\n"
         "    return (n,), (n, h), (n, d, h), (n, h)"),
        ("n and h are swapped", "def backprop_shapes(n, d, h):\n    return (h,), (h, n), (d, n), (n,)"),
        ("∂L/∂w2 is a column", "def backprop_shapes(n, d, h):\n    return (n,), (n, h), (d, h), (h, 1)"),
    ],
    "network_321.sigmoid_slope": [
        ("σ is applied to a1 again", "def sigmoid_slope(a1):\n"
         "    return n321.sigmoid(a1) * (1 - n321.sigmoid(a1))"),
        ("the sign is flipped: σ rises", "def sigmoid_slope(a1):\n    return a1 * (a1 - 1)"),
    ],
    "house_prices.dE_dy_pred": [
        ("∂E_i/∂ŷ_i has the wrong sign", "def dE_dy_pred(y_pred, y):\n    return y - y_pred"),
        ("∂E_i/∂ŷ_i is twice too large", "def dE_dy_pred(y_pred, y):\n    return 2 * (y_pred - y)"),
    ],
    "house_prices.dy_pred_dalpha_o": [
        ("∂ŷ/∂α_O: one slope per house", "def dy_pred_dalpha_o(alpha_o):\n    return 1.0"),
        ("∂ŷ/∂α_O is a sigmoid's slope", "def dy_pred_dalpha_o(alpha_o):\n"
         "    s = 1 / (1 + np.exp(-alpha_o))\n    return s * (1 - s)"),
    ],
    "house_prices.dalpha_o_dw16": [
        ("∂α_O/∂w16: that is β_H1", "def dalpha_o_dw16(beta_h):\n    return beta_h[:, 0]"),
    ],
    "house_prices.dE_dw16": [
        ("∂E/∂w16 is averaged over the houses", "def dE_dw16(a, b, c):\n    return np.mean(a * b * c)"),
    ],
    "house_prices.dalpha_o_dbeta_h1": [
        ("∂α_O/∂β_H1: w_output[0] is the output's bias", "def dalpha_o_dbeta_h1(w_output):\n    return w_output[0]"),
    ],
    "house_prices.dE_dw6": [
        ("∂E/∂w6 is averaged over the houses", "def dE_dw6(a, b, c, d, e):\n    return np.mean(a * b * c * d * e)"),
        ("∂E/∂w6 has the wrong sign", "def dE_dw6(a, b, c, d, e):\n    return -np.sum(a * b * c * d * e)"),
    ],
    "house_prices.sigmoid_slope": [
        ("∂β/∂α: β is already the unit's output", "def sigmoid_slope(beta):\n"
         "    s = 1 / (1 + np.exp(-beta))\n    return s * (1 - s)"),
    ],
    "house_prices.dalpha_h1_dw6": [
        ("∂α_H1/∂w6: that is x₂", "def dalpha_h1_dw6(x):\n    return x[:, 1]"),
    ],
    "house_prices.backprop_shapes": [
        ("δ_H is transposed", "def backprop_shapes(n, h):\n    return (n,), (h, n), (3, h), (h + 1,)"),
        ("∂E/∂W_hidden is transposed", "def backprop_shapes(n, h):\n    return (n,), (n, h), (h, 3), (h + 1,)"),
        ("a weight's derivative has no batch axis", "def backprop_shapes(n, h):\n"
         "    return (n,), (n, h), (n, 3, h), (n, h + 1)"),
        ("δ_O has one entry per house", "def backprop_shapes(n, h):\n    return (), (n, h), (3, h), (h + 1,)"),
        ("∂E/∂w_output has lost its bias entry", "def backprop_shapes(n, h):\n"
         "    return (n,), (n, h), (3, h), (h,)"),
    ],
    "house_prices.output_error_term": [
        ("δ_O is only ∂E/∂ŷ", "def output_error_term(dE_dy_pred, dy_pred_dalpha_o):\n    return dE_dy_pred"),
    ],
    "house_prices.hidden_error_terms": [
        ("w_output has h + 1 entries", "def hidden_error_terms(d, w_output, hidden_slopes):\n"
         "    return np.outer(d, w_output) * hidden_slopes"),
        ("the hidden units got the weights w_output[0 : h]", "def hidden_error_terms(d, w_output, hidden_slopes):\n"
         "    return np.outer(d, w_output[:-1]) * hidden_slopes"),
    ],
    "house_prices.gradient": [
        ("∂E/∂w_output has lost its bias entry", "def gradient(inputs, beta_h, d_o, d_h):\n"
         "    return inputs.T @ d_h, beta_h.T @ d_o"),
        ("the gradient is averaged over the records", "def gradient(inputs, beta_h, d_o, d_h):\n"
         "    return inputs.T @ d_h / len(d_o), hp.with_bias(beta_h).T @ d_o / len(d_o)"),
    ],
    "softmax_network.network_shapes": [
        ("a shape is a tuple with one entry per axis", "def network_shapes(n, d, h, k):\n"
         "    return (n, k), (n, h), (d, h), (1, h), (h, k), (1, k)"),
        ("an error term holds one row per record", "def network_shapes(n, d, h, k):\n"
         "    return (n, k), (h, n), (d, h), (h,), (h, k), (k,)"),
        ("an error term holds one row per record", "def network_shapes(n, d, h, k):\n"
         "    return [k, n], [h, n], [d, h], [h], [h, k], [k]"),
    ],
    "softmax_network.output_error": [
        ("the sign is flipped", "def output_error(y_hat, y):\n    return y - y_hat"),
        ("δ_o is one record's derivative", "def output_error(y_hat, y):\n    return (y_hat - y) / len(y)"),
        ("a probability of 0", "def output_error(y_hat, y):\n    upstream = -y / y_hat\n"
         "    return y_hat * (upstream - np.sum(upstream * y_hat, axis=1, keepdims=True))"),
    ],
    "softmax_network.weight_gradients": [
        ("the gradients are summed over the records", "def weight_gradients(X, hidden_error, a1, output_error):\n"
         "    return X.T @ hidden_error, a1.T @ output_error"),
        ("∂L/∂W2 is transposed", "def weight_gradients(X, hidden_error, a1, output_error):\n"
         "    return X.T @ hidden_error / len(X), output_error.T @ a1 / len(X)"),
    ],
    "softmax_network.softmax_vjp": [
        ("each row must sum to 0", "def softmax_vjp(y_hat, upstream):\n    return y_hat * (1 - y_hat) * upstream"),
    ],
    "softmax_network.hidden_error": [
        ("δ_h is one record's derivative", "def hidden_error(output_error, W2, slope):\n"
         "    return (output_error @ W2.T) * slope / len(slope)"),
        ("δ_h uses only one output's weights", "def hidden_error(output_error, W2, slope):\n"
         "    return np.outer(output_error[:, 0], W2[:, 0]) * slope"),
        ("W2 is (h, k)", "def hidden_error(output_error, W2, slope):\n    return (output_error @ W2) * slope"),
        ("W2 is (h, k)", "def hidden_error(output_error, W2, slope):\n    return output_error * W2 * slope"),
    ],
    "softmax_network.bias_gradients": [
        ("summed over the wrong axis", "def bias_gradients(hidden_error, output_error):\n"
         "    return hidden_error.mean(axis=1), output_error.mean(axis=1)"),
    ],
}
STUDENTS = [(check, start, code) for check, entries in STUDENT_SLIPS.items() for start, code in entries]


def _hint_starting(check: str, start: str) -> str:
    found = [slip.hint for slip in slips.catalogue(check) if slip.hint.startswith(start)]
    assert len(found) == 1, (check, start)
    return found[0]


@pytest.mark.parametrize("check, start, code", STUDENTS, ids=[f"{c}:{s[:30]}" for c, s, _ in STUDENTS])
def test_student_code_with_a_classic_slip_gets_that_slips_hint(check, start, code):
    notebook, source = _test_of(check)
    namespace = _namespace(notebook)
    exec(code, namespace)
    function = check.split(".")[1]
    _assert_only_hint(_run_test(notebook, source, {function: namespace[function]}), _hint_starting(check, start))


def test_every_shape_and_property_slip_has_student_code():
    covered = {(check, _hint_starting(check, start)) for check, start, _ in STUDENTS}
    for check in ALL_CHECKS:
        for slip in slips.catalogue(check):
            if slip.wrong is None:
                assert (check, slip.hint) in covered, (check, slip.hint)


def test_a_shape_error_names_the_expected_and_actual_shapes():
    notebook, source = _test_of("house_prices.hidden_error_terms")
    namespace = _namespace(notebook)
    exec(STUDENT_SLIPS["house_prices.hidden_error_terms"][0][1], namespace)
    message = _run_test(notebook, source, {"hidden_error_terms": namespace["hidden_error_terms"]})
    assert "w_output (3,)" in message and "hidden_slopes (4, 2)" in message
    assert "must return δ_H of shape (4, 2)" in message
    assert "could not be broadcast" in message


def _visible_calls(notebook: str, source: str) -> list[tuple]:
    calls = []
    namespace = _namespace(notebook)
    recorder = type("Recorder", (), {})()
    for name in dir(checks):
        if not name.startswith("__"):
            setattr(recorder, name, getattr(checks, name))
    recorder.expect_outputs = lambda function, args, expected, outputs, **kw: calls.append(
        (kw.get("check"), tuple(args), tuple(expected), kw.get("context")))
    recorder.expect_shapes = recorder.expect_outputs  # shapes compare as their sizes
    namespace["checks"] = recorder
    exec(compile(source, f"<{notebook} test>", "exec"), namespace)
    return calls


def test_no_two_slips_give_the_same_numbers_on_a_visible_example():
    """So that the first catalogued slip a wrong answer matches is the one it committed."""
    for notebook, grade_id, source, names in TESTS:
        caught = set()
        for check, args, expected, context in _visible_calls(notebook, source):
            if check is None:
                continue
            answers = {}
            for hint, wrong in references.slips(check).items():
                with np.errstate(all="ignore"):
                    result = checks.split_outputs(wrong(*args), checks.cases_for(check)[0].outputs, check)
                if checks.same_answers(result, expected):
                    continue  # this example cannot show the slip; another must
                caught.add(hint)
                for other, other_result in answers.items():
                    assert not checks.same_answers(result, other_result), (check, context, hint, other)
                answers[hint] = result
        for check in names:
            missed = set(references.slips(check)) - caught
            assert not missed, (check, missed)


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_the_grader_names_each_catalogued_slip_on_the_hidden_cases(check):
    """The same catalogue, through `instructor.references.slips`, names the slip in the grader's feedback."""
    from instructor.verify import verify_record

    spec, cases = checks.cases_for(check)

    def record_of(function):
        return {"check": check, "results": [checks.run_case(function, case, spec.outputs) for case in cases]}

    assert verify_record(check, record_of(references.reference(check))) == []
    for hint, wrong in references.slips(check).items():
        problems = "\n".join(verify_record(check, record_of(wrong)))
        assert problems and f"hint: {hint}" in problems, (hint, problems)


def _last_expression(source: str):
    import ast

    tree = ast.parse(source)
    return tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None


@pytest.mark.parametrize("notebook, grade_id, source, names", TESTS, ids=[t[1] for t in TESTS])
def test_no_grade_cell_returns_a_result(notebook, grade_id, source, names, monkeypatch):
    """nbgrader reads a grade cell's result as a score: a table there makes `validate` warn."""
    import ast

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    last = _last_expression(source)
    if last is None:
        return
    namespace = _namespace(notebook)
    body = ast.parse(source).body
    exec(compile(ast.Module(body[:-1], []), "<test>", "exec"), namespace)
    assert eval(compile(ast.Expression(last.value), "<last>", "eval"), namespace) is None, grade_id


def test_every_notebook_opens_with_the_same_conventions_box():
    boxes = []
    for path in NOTEBOOKS:
        text = path.read_text()
        start = text.index("**Conventions across the course.**")
        boxes.append(text[start:text.index("\n\n", text.index("Everywhere:", start))])
    assert len(boxes) == len(NOTEBOOKS) == 5 and len(set(boxes)) == 1
    assert "-\\partial E/\\partial z" in boxes[0] and "+\\partial L_i/\\partial z" in boxes[0]


def test_numbers_are_shown_with_significant_digits_not_decimals():
    assert checks.format_value([[0.9820137900379085, 6.144174602214718e-06]]) == "[[0.982014, 6.14417e-06]]"
    message = checks.compare("dE/dw", 3e-12, 4e-12, atol=0)
    assert "expected 4e-12, got 3e-12" in message


def test_a_slip_that_does_not_apply_is_no_match_and_no_crash():
    """A wrong answer of the wrong kind (a string, a list of the wrong length) gets a plain message."""
    notebook, source = _test_of("sigmoid_networks.weight_steps")
    message = _run_test(notebook, source, {"weight_steps": lambda *args: ([1.0], [[1.0, 2.0]])})
    assert message and "expected an array of shape" in message and "hint" not in message
