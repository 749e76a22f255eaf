"""The student-facing checks (hints) and the grader's verifier, in isolation."""
from __future__ import annotations

import time

import nbformat

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_output
from nbgrader import utils

from course import checks
from instructor.references import linear_regression as reference
from instructor.verify import VerifyHiddenTests


# --- hints ------------------------------------------------------------------

@pytest.mark.parametrize("got, expected, batch_size, phrase", [
    (-25.0, -50.0, None, "half the expected value: a factor 2 is missing"),
    (50.0, -50.0, None, "the sign is flipped"),
    (-100.0, -50.0, None, "an extra factor 2"),
    ([3.0, 6.0], [1.0, 2.0], 3, "you summed over the 3 observations"),
    ([1.0, 2.0], [3.0, 6.0], 3, "took the mean where the loss takes the sum"),
    ([2.0, 4.0, 6.0], [1.0, 2.0, 3.0], None, "an extra factor 2"),
    ([1.5, 3.0], [1.0, 2.0], None, "every entry is 1.5 times"),
])
def test_compare_names_the_classic_slips(got, expected, batch_size, phrase):
    message = checks.compare("dLoss/dw", got, expected, batch_size=batch_size)
    assert message and phrase in message, message


@pytest.mark.parametrize("got, phrase", [
    (None, "returned None"),
    ("abc", "not a number"),
    (np.zeros((3, 2)), "transposed"),
    (np.zeros(6), "reshape"),
    (np.array([[np.nan, 1.0]]), "not a finite number"),
])
def test_compare_explains_unusable_answers(got, phrase):
    message = checks.compare("W", got, np.ones((2, 3)) if phrase != "not a finite number" else [[1.0, 1.0]])
    assert message and phrase in message, message


def test_compare_accepts_right_answers_and_scalars_in_any_shape():
    assert checks.compare("x", np.float64(2.0), 2.0) is None
    assert checks.compare("x", [2.0], 2.0) is None
    assert checks.compare("x", 2.0 + 1e-12, 2.0) is None


def test_a_scalar_mismatch_gets_no_meaningless_ratio_hint():
    assert "hint" not in checks.compare("x", 3.7, 2.0)


def test_expect_outputs_fails_clearly_and_renders_without_a_traceback():
    def half(dloss_dyhat, dyhat_dw, dyhat_db):
        right = reference.observation_gradient(dloss_dyhat, dyhat_dw, dyhat_db)
        return right[0] / 2, right[1]

    with pytest.raises(checks.CheckFailed) as failure:
        checks.expect_outputs(half, (-10.0, 5.0, 1.0), (-50.0, -10.0), ("dLoss/dw", "dLoss/db"))
    text = "\n".join(failure.value._render_traceback_())
    assert "dLoss/dw: expected -50, got -25" in text and "factor 2" in text
    assert "dLoss/db" not in text  # the right output is not reported as wrong


def test_expect_shapes_names_each_wrong_shape_and_the_slip():
    def keeps_the_batch_axis(n):
        return (n,), (n,), (n,), (n,), ()

    with pytest.raises(checks.CheckFailed) as failure:
        checks.expect_shapes(keeps_the_batch_axis, (4,), ((4,), (4,), (4,), (), ()), "abcde",
                             check="linear_regression.batch_gradient_shapes")
    assert "- d: expected (), got (4,)" in str(failure.value) and "- e:" not in str(failure.value)
    assert "hint:" not in str(failure.value)  # only one of the two: no catalogued slip makes that


@pytest.mark.parametrize("got, phrase", [
    (3, "is 3, not a shape"), ("n", "not a shape"), ((2.5,), "a whole number"), ((3, 1), "expected (3,), got (3, 1)"),
    (None, "returned None"),
])
def test_compare_shapes_explains_wrong_and_unusable_shapes(got, phrase):
    message = checks.compare_shapes("s", got, (3,))
    assert message and phrase in message, message
    assert checks.compare_shapes("s", np.array([3.0]), (3,)) is None  # a decoded record


def test_expect_outputs_says_not_implemented_yet():
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(checks.CheckFailed, match="not implemented yet"):
        checks.expect_outputs(stub, (0, 0, 0, 0), (0, 0), ("a", "b"))


# --- the verifier ---------------------------------------------------------

CHECK = "linear_regression.batch_gradient"
SOURCE = f'print("visible part")\n### BEGIN HIDDEN TESTS\nchecks.record("{CHECK}", batch_gradient)\n### END HIDDEN TESTS'


def record_output(function) -> dict:
    results = checks.answers(CHECK, function)
    return new_output("display_data", data={checks.RECORD_MIME: {"check": CHECK, "results": results},
                                            "text/plain": "recorded"})


def graded_cell(outputs, source=SOURCE):
    cell = new_code_cell(source, outputs=outputs)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 3,
                                 "grade_id": "test_batch_gradient", "schema_version": 3}
    return cell


def verified(cell):
    cell, _ = VerifyHiddenTests().preprocess_cell(cell, {}, 0)
    return cell, utils.determine_grade(cell)[0]


def test_verifier_passes_correct_answers_even_with_warnings_on_stderr():
    cell, score = verified(graded_cell([new_output("stream", name="stderr", text="RuntimeWarning: overflow"),
                                        record_output(reference.batch_gradient)]))
    assert score == 3
    assert all(o.get("name") != "stderr" for o in cell.outputs)


def test_verifier_fails_wrong_answers_with_the_hint():
    def sums(dloss_dyhat, dyhat_dw, dyhat_db):
        dw, db = reference.batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db)
        return dw * len(dloss_dyhat), db * len(dloss_dyhat)

    cell, score = verified(graded_cell([record_output(sums)]))
    assert score == 0
    assert "summed over the observations" in "\n".join(cell.outputs[0].traceback)


def test_verifier_ignores_a_forged_partial_credit_result_and_a_missing_record():
    forged = new_output("execute_result", data={"text/plain": "3.0"}, execution_count=1)
    cell, score = verified(graded_cell([forged]))
    assert score == 0 and cell.outputs[0].ename == "HiddenTestFailed"
    assert "no answers were recorded" in cell.outputs[0].evalue


def test_verifier_fails_a_cell_that_raised_after_recording():
    error = new_output("error", ename="ValueError", evalue="boom", traceback=["ValueError: boom"])
    _, score = verified(graded_cell([record_output(reference.batch_gradient), error]))
    assert score == 0


def test_verifier_scores_a_deleted_then_restored_cell_zero():
    source = "# This cell (id:test_batch_gradient) was missing from the submission. It was added back by nbgrader.\n\n" + SOURCE
    cell, score = verified(graded_cell([record_output(reference.batch_gradient)], source=source))
    assert score == 0 and "deleted" in cell.outputs[0].evalue


def test_verifier_rejects_records_for_other_cases():
    record = record_output(reference.batch_gradient)
    results = record.data[checks.RECORD_MIME]["results"]
    record.data[checks.RECORD_MIME]["results"] = results[:-1]  # one answer short
    _, score = verified(graded_cell([record]))
    assert score == 0


def test_probe_gives_up_on_a_looping_function_after_one_timeout(monkeypatch):
    monkeypatch.setattr(checks, "SECONDS_PER_CALL", 0.2)

    calls = []

    def loops(*args):
        calls.append(args)
        # Endless for the probe; returns after 60 s, so that a probe that never interrupts
        # fails this test (an answer instead of the timeout) rather than hanging it.
        started = time.monotonic()
        while time.monotonic() - started < 60:
            pass
        return 0.0

    results = checks.answers(CHECK, loops)
    assert "endless loop" in results[0].get("error", ""), results[0]
    assert len(calls) == 1, f"the probe called the looping function {len(calls)} times"
    assert len(results) > 1 and all("not run" in r["error"] for r in results[1:])


def test_gradient_check_names_the_wrong_parameter_and_is_skipped_only_at_autograde(monkeypatch, capsys):
    from course import gradcheck

    params = {"w": np.array([1.0, -2.0]), "b": np.array(0.5)}
    loss = lambda p: float(np.sum(p["w"] ** 2) + 3 * p["b"])  # noqa: E731
    wrong = lambda p: {"w": 2 * p["w"] * np.array([1.0, 2.0]), "b": np.array(3.0)}  # noqa: E731
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with pytest.raises(checks.CheckFailed, match=r"w\[1\]"):
        gradcheck.assert_gradient(loss, wrong, params)
    # A success prints its verdict and returns nothing: no table becomes a grade cell's result.
    assert gradcheck.assert_gradient(loss, lambda p: {"w": 2 * p["w"], "b": np.array(3.0)}, params) is None
    assert "✓ backprop matches finite differences" in capsys.readouterr().out
    # At autograde the grader's hidden verification decides; the visible check only costs time.
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert gradcheck.assert_gradient(loss, wrong, params) is None


def test_numerical_gradient_keeps_each_parameter_apart_and_a_flat_loss_exactly_zero():
    """scipy drops converged entries as it goes: each derivative must still land on its own parameter."""
    from course import gradcheck

    # Curvatures from 0.1 to 10: the entries converge after different numbers of iterations.
    scales = np.logspace(-1, 1, 13)
    params = {"p": np.linspace(-1.0, 1.0, 13).reshape(13), "flat": np.array(2.0)}

    def loss(p):
        return float(np.sum(np.exp(scales * p["p"]) / scales)) + 6.25  # "flat" plays no part

    numerical = gradcheck.numerical_gradient(loss, params)
    np.testing.assert_allclose(numerical["p"], np.exp(scales * params["p"]), rtol=1e-7)
    assert numerical["flat"] == 0.0


def test_hidden_cases_are_keyed_per_student_assignment_and_submission(tmp_path):
    """Shared or leaked cases help no one: another student, assignment or notebook gets other cases."""
    from nbformat.v4 import new_code_cell, new_notebook

    from instructor import case_keys

    secret = case_keys.course_secret(tmp_path)
    assert case_keys.course_secret(tmp_path) == secret  # made once, then read
    assert oct((tmp_path / case_keys.SECRET_FILE).stat().st_mode & 0o777) == "0o600"
    mine = new_notebook(cells=[new_code_cell("def softmax(Z): ...")])
    resubmitted = new_notebook(cells=[new_code_cell("TABLE = {}\ndef softmax(Z): ...")])
    digest = case_keys.notebook_digest
    keys = {
        "mine": case_keys.submission_key(secret, "alice", "a1", digest(mine)),
        "again": case_keys.submission_key(secret, "alice", "a1", digest(nbformat.from_dict(mine))),
        "another student": case_keys.submission_key(secret, "bob", "a1", digest(mine)),
        "another assignment": case_keys.submission_key(secret, "alice", "a2", digest(mine)),
        "a resubmission": case_keys.submission_key(secret, "alice", "a1", digest(resubmitted)),
    }
    assert keys["mine"] == keys["again"]
    assert len(set(keys.values())) == 4
    cases = {name: checks.cases_for("activations.softmax", key)[1][0].args[0] for name, key in keys.items()}
    assert np.array_equal(cases["mine"], cases["again"])
    assert not np.array_equal(cases["mine"], cases["another student"])
    public = checks.cases_for("activations.softmax", "")[1][0].args[0]
    assert not np.array_equal(cases["mine"], public)
