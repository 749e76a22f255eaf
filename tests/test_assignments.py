"""Every assignment: references verified, notebook executed, graded end to end.

Each assignment has a spec module, tests/spec_<assignment>.py, with
- ORACLES: for every graded check, a way to verify its reference;
- SLIP: a classic mistake (edits to the solution) and the cells it must fail;
- EXPECTED_OUTPUTS: text the executed source notebook must display.
"""
from __future__ import annotations

import html
import importlib
import os
import re
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from course import checks, gradcheck  # noqa: E402
from instructor import gradebook, lint, notebooks, references, submissions  # noqa: E402
from instructor.verify import expected_checks  # noqa: E402
from tests.conftest import ROOT  # noqa: E402
from tests.oracles import GradientOracle, ValueOracle  # noqa: E402

jax.config.update("jax_enable_x64", True)

ASSIGNMENTS = notebooks.assignments()
ARTIFACTS = ROOT / "artifacts"


def spec(assignment: str):
    return importlib.import_module(f"tests.spec_{assignment}")


def recorded_checks(assignment: str) -> list[str]:
    found = []
    for markdown in notebooks.source_markdown(ROOT, assignment):
        for cell in nbformat.read(notebooks.paired_ipynb(markdown), as_version=4).cells:
            found += expected_checks(lint.hidden_region(cell.source))
    return found


ALL_CHECKS = [(a, c) for a in ASSIGNMENTS for c in recorded_checks(a)]
# Checks whose reference is a gradient (the rest are compared with an independent implementation).
GRADIENT_CHECKS = [(a, c) for a, c in ALL_CHECKS if isinstance(spec(a).ORACLES.get(c), GradientOracle)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_check_has_an_oracle(assignment):
    oracles = spec(assignment).ORACLES
    assert recorded_checks(assignment), f"{assignment} grades nothing"
    for check in recorded_checks(assignment):
        assert check in oracles, f"{check} has no oracle in tests/spec_{assignment}.py"


def _as_arrays(values) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


@pytest.mark.parametrize("assignment,check", ALL_CHECKS, ids=[c for _, c in ALL_CHECKS])
def test_reference_agrees_with_finite_differences(assignment, check):
    oracle = spec(assignment).ORACLES[check]
    spec_cases, cases = checks.cases_for(check)
    reference = references.reference(check)
    for case in cases:
        got = _as_arrays(checks.split_outputs(reference(*case.args), spec_cases.outputs, check))
        if isinstance(oracle, ValueOracle):
            for g, e in zip(got, _as_arrays(oracle.expected(*case.args))):
                np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15, err_msg=case.description)
            continue
        if case.large:  # too many weights for finite differences, by design; JAX checks it below
            continue
        params = oracle.params(*case.args)
        numerical = gradcheck.numerical_gradient(lambda p: oracle.loss(p, *case.args), params)
        for (name, n), g in zip(numerical.items(), got):
            error = gradcheck.relative_errors(oracle.sign * g, n)
            assert error.max() < 1e-7, (f"{check}, {case.description}: d/d{name} relative error "
                                        f"{error.max():.1e}")


@pytest.mark.parametrize("assignment,check", GRADIENT_CHECKS, ids=[c for _, c in GRADIENT_CHECKS])
def test_reference_agrees_with_jax_autodiff(assignment, check):
    oracle = spec(assignment).ORACLES[check]
    spec_cases, cases = checks.cases_for(check)
    reference = references.reference(check)
    for case in cases:
        got = _as_arrays(checks.split_outputs(reference(*case.args), spec_cases.outputs, check))
        params = {k: jax.numpy.asarray(v, dtype=jax.numpy.float64)
                  for k, v in oracle.params(*case.args).items()}
        autodiff = jax.grad(lambda p: oracle.jax_loss(p, *case.args))(params)
        # jax returns dicts with sorted keys: match the reference's outputs by name.
        for name, g in zip(params, got):
            np.testing.assert_allclose(oracle.sign * g, np.asarray(autodiff[name]), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{check}, {case.description}: d/d{name}")


def _output_text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            for key in ("text/plain", "text/html"):
                if key in output.get("data", {}):
                    parts.append(output.data[key])
    return "\n".join(parts)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_executes_headless(assignment):
    """Every cell runs, demos included, with no error and nothing on stderr."""
    for markdown in notebooks.source_markdown(ROOT, assignment):
        path = notebooks.paired_ipynb(markdown)
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        (ARTIFACTS / "executed").mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, ARTIFACTS / "executed" / path.name)
        for index, cell in enumerate(notebook.cells):
            for output in cell.get("outputs", []):
                where = f"{path.name}: {lint.cell_name(cell, index)}"
                assert output.output_type != "error", f"{where}: {output.ename}: {output.evalue}"
                assert not (output.output_type == "stream" and output.name == "stderr"), (
                    f"{where} wrote to stderr: {output.text[:500]}")
        text = _output_text(notebook)
        for expected in spec(assignment).EXPECTED_OUTPUTS:
            assert expected in text, f"{path.name} does not display {expected!r}"


def _visible_text(html_page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", html_page))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_round_trip_through_nbgrader(course, assignment):
    """Reference scores full marks, blank scores 0, the classic slip partial; feedback hides tests."""
    course = course.generated(assignment)
    name, _ = submissions.release_notebook(assignment, course)
    slip = spec(assignment).SLIP
    reference = submissions.solved(assignment, course)
    students = {
        f"{assignment}-reference": reference,
        f"{assignment}-blank": submissions.blank(assignment, course),
        f"{assignment}-slip": submissions.with_edits(reference, slip["edits"]),
    }
    for student, notebook in students.items():
        gradebook.submit(course, assignment, student, name, notebook)
        result = gradebook.autograde(course, assignment, student)
        assert result["success"], result.get("log", "") + result.get("error", "")

    full = gradebook.scores(course, assignment, f"{assignment}-reference")
    assert full.total == full.max_total > 0, full.cells
    blank = gradebook.scores(course, assignment, f"{assignment}-blank")
    assert blank.total == 0, blank.cells
    slipped = gradebook.scores(course, assignment, f"{assignment}-slip")
    for cell, (score, max_score) in slipped.cells.items():
        expected = 0 if cell in slip["failing_cells"] else max_score
        assert score == expected, f"slip submission: {cell} scored {score}, expected {expected}"
    assert 0 < slipped.total < slipped.max_total
    assert not (full.needs_manual_grade or blank.needs_manual_grade or slipped.needs_manual_grade)

    from nbgrader.apps import NbGraderAPI
    from instructor.config import load_config
    api = NbGraderAPI(config=load_config(course))
    hidden_lines = []
    for cell in nbformat.read(course / "source" / assignment / f"{name}.ipynb", as_version=4).cells:
        hidden_lines += [l.strip() for l in lint.hidden_region(cell.source).splitlines() if l.strip()]
    assert hidden_lines
    for student in students:
        result = api.generate_feedback(assignment, student, force=True)
        assert result["success"], result.get("log")
        page = (course / "feedback" / student / assignment / f"{name}.html").read_text()
        text = _visible_text(page)
        for line in hidden_lines + ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]:
            assert line not in text, f"feedback for {student} shows hidden test {line!r}"
        if student.endswith("-slip"):
            assert slip["feedback_mentions"] in text, "the slip's feedback does not say what is wrong"
