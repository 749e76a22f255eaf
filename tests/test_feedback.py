"""Feedback a student can read: exercises named, the real cause first, maths without a network, no noise.

An honest submission and one whose function raises are autograded with plain
`nbgrader autograde` and given feedback with `nbgrader generate_feedback`'s code.
"""
from __future__ import annotations

import re

import nbformat
import pytest

from instructor import gradebook, submissions
from instructor.config import load_config
from tests.listener import require_bwrap
from tests.test_assignments import spec

require_bwrap()

ASSIGNMENT = "a1_linear_regression"
RAISES = "def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n    raise ValueError('my own bug')"


@pytest.fixture(scope="module")
def feedback(course):
    from nbgrader.apps import NbGraderAPI

    root = course.generated(ASSIGNMENT)
    name, _ = submissions.release_notebook(ASSIGNMENT, root)
    solved = submissions.solved(ASSIGNMENT, root)
    raising = submissions.with_edits(solved, {})
    for cell in raising.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "batch_gradient":
            cell.source = RAISES
    api = NbGraderAPI(config=load_config(root))
    logs, pages = {}, {}
    one_link = submissions.with_edits(solved, spec(ASSIGNMENT).SLIP["edits"])  # ∂Loss_i/∂ŷ wrong, nothing else
    for student, notebook in (("feedback-honest", solved), ("feedback-raises", raising),
                              ("feedback-one-link", one_link)):
        gradebook.submit(root, ASSIGNMENT, student, name, notebook)
        graded = api.autograde(ASSIGNMENT, student, force=True)
        made = api.generate_feedback(ASSIGNMENT, student)
        assert graded["success"] and made["success"], (graded, made)
        logs[student] = graded["log"] + made["log"]
        pages[student] = (root / "feedback" / student / ASSIGNMENT / f"{name}.html").read_text()
    autograded = nbformat.read(root / "autograded" / "feedback-raises" / ASSIGNMENT / f"{name}.ipynb",
                               as_version=4)
    one_link = nbformat.read(root / "autograded" / "feedback-one-link" / ASSIGNMENT / f"{name}.ipynb", as_version=4)
    scores = gradebook.scores(root, ASSIGNMENT, "feedback-one-link")
    return {"logs": logs, "pages": pages, "raising": autograded, "one_link": one_link, "one_link_scores": scores}


def test_an_honest_submission_is_graded_and_given_feedback_without_a_warning(feedback):
    warnings = [line for line in feedback["logs"]["feedback-honest"].splitlines()
                if "[WARNING]" in line and "Removing existing" not in line]
    assert not warnings, warnings


def test_feedback_names_every_exercise_with_its_score(feedback):
    page = feedback["pages"]["feedback-raises"]
    summary = page[page.index("Your scores, exercise by exercise"):][:6000]
    for exercise, score in (("loss_slope", "1 / 1"), ("prediction_slopes", "1 / 1"), ("observation_gradient", "1 / 1"),
                            ("batch_gradient_shapes", "1 / 1"), ("batch_gradient", "0 / 1"), ("softmax", "1 / 1")):
        assert re.search(rf"{exercise}.*?{re.escape(score)}", summary, re.DOTALL), (exercise, summary)


def test_the_real_cause_comes_first(feedback):
    cell = next(c for c in feedback["raising"].cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "test_batch_gradient")
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert "my own bug" in errors[0].evalue, [e.evalue for e in errors]
    assert "did not run" in errors[-1].evalue


def test_maths_is_drawn_without_a_network(feedback):
    page = feedback["pages"]["feedback-honest"]
    assert page.count("<math") > 5  # MathML: the browser draws it; MathJax would need the internet


def test_one_wrong_link_loses_that_link_only_and_its_feedback_names_the_link(feedback):
    scores = feedback["one_link_scores"].cells
    assert scores["test_loss_slope"][0] == 0
    assert all(score == most for cell, (score, most) in scores.items() if cell != "test_loss_slope"), scores
    cell = next(c for c in feedback["one_link"].cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "test_loss_slope")
    text = "\n".join(o.get("evalue", "") + "\n".join(o.get("traceback", [])) for o in cell.outputs)
    assert "loss_slope" in text and "∂Loss_i/∂ŷ" in text and spec(ASSIGNMENT).SLIP["feedback_mentions"] in text
