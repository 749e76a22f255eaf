"""Every assignment: references verified, notebook executed, graded end to end.

Each assignment has a spec module, tests/spec_<assignment>.py, with
- ORACLES: for every graded check, a way to verify its reference;
- SLIP: a classic mistake (edits to the solution) and the cells it must fail;
- EXPECTED_OUTPUTS: the seeds' numbers the executed source notebook must display;
- REGRESSION_GUARDS: the course's own outputs as they print today (no seed prints them).
"""
from __future__ import annotations

import html
import importlib
import re
import zlib

import jax
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from course import checks, gradcheck
from instructor import gradebook, lint, notebooks, references, submissions
from instructor.verify import expected_checks, verify_record
from tests.conftest import ROOT
from tests.oracles import GradientOracle, ValueOracle

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


def _calls(check: str, function):
    """(case, oracle context, the function's outputs) for every hidden case of `check`."""
    oracle = spec(check_assignment(check)).ORACLES[check]
    spec_cases, cases = checks.cases_for(check)
    rng = np.random.default_rng(zlib.crc32(check.encode()))  # the chain's random networks, seeded
    for case in cases:
        if isinstance(oracle, ValueOracle):
            args, context = case.args, case.args
        else:
            args, context = oracle.arguments(case.args, rng)
        yield case, context, _as_arrays(checks.split_outputs(function(*args), spec_cases.outputs, check))


def check_assignment(check: str) -> str:
    return next(a for a, c in ALL_CHECKS if c == check)


def _paired(names, expected: list[np.ndarray], got: list[np.ndarray], where: str, problems: list[str]):
    """(name, expected, got) for each output, if both have as many outputs of the same shapes; else
    none, and `problems` says why."""
    names = list(names)
    if not len(got) == len(expected) == len(names):
        problems.append(f"{where}: {len(got)} outputs, the oracle has {len(expected)}")
        return []
    wrong = [f"{where}: {n} has shape {g.shape}, the oracle's {e.shape}"
             for n, e, g in zip(names, expected, got) if g.shape != e.shape]
    problems += wrong
    return [] if wrong else list(zip(names, expected, got, strict=True))


def finite_difference_problems(check: str, function) -> list[str]:
    """Where `function` disagrees with its oracle: finite differences of the loss, or the ValueOracle."""
    oracle = spec(check_assignment(check)).ORACLES[check]
    problems = []
    for case, context, got in _calls(check, function):
        where = f"{check}, {case.description}"
        if isinstance(oracle, ValueOracle):
            expected = _as_arrays(oracle.expected(*context))
            for name, e, g in _paired(range(len(expected)), expected, got, where, problems):
                if not np.allclose(g, e, rtol=1e-12, atol=1e-15):
                    problems.append(f"{where}: output {name} differs from the independent implementation")
            continue
        if case.large:  # too many weights for finite differences, by design: JAX checks it
            continue
        params = oracle.params(*context)
        numerical = gradcheck.numerical_gradient(lambda p: oracle.loss(p, *context), params)
        for name, n, g in _paired(numerical, _as_arrays(numerical.values()), got, where, problems):
            error = gradcheck.relative_errors(oracle.sign * g, n).max()
            if not error < 1e-7:
                problems.append(f"{where}: d/d{name} relative error {error:.1e}")
    return problems


def autodiff_problems(check: str, function) -> list[str]:
    """Where `function` disagrees with JAX's gradient of its oracle's loss (float64, locally)."""
    oracle = spec(check_assignment(check)).ORACLES[check]
    problems = []
    with jax.enable_x64(True):
        for case, context, got in _calls(check, function):
            params = {k: jax.numpy.asarray(v, dtype=jax.numpy.float64) for k, v in oracle.params(*context).items()}
            autodiff = jax.grad(lambda p: oracle.jax_loss(p, *context))(params)
            # jax returns dicts with sorted keys: match the reference's outputs by name.
            expected = [np.asarray(autodiff[name]) for name in params]
            for name, e, g in _paired(params, expected, got, f"{check}, {case.description}", problems):
                if not np.allclose(oracle.sign * g, e, rtol=1e-9, atol=1e-12):
                    problems.append(f"{check}, {case.description}: d/d{name} differs from JAX's by "
                                    f"{np.max(np.abs(oracle.sign * g - e)):.1e}")
    return problems


@pytest.mark.parametrize("assignment,check", ALL_CHECKS, ids=[c for _, c in ALL_CHECKS])
def test_reference_agrees_with_finite_differences(assignment, check):
    problems = finite_difference_problems(check, references.reference(check))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("assignment,check", GRADIENT_CHECKS, ids=[c for _, c in GRADIENT_CHECKS])
def test_reference_agrees_with_jax_autodiff(assignment, check):
    problems = autodiff_problems(check, references.reference(check))
    assert not problems, "\n".join(problems)


SLIP_CASES = [(check, hint) for _, check in ALL_CHECKS for hint in references.slips(check)]


@pytest.mark.parametrize("check,hint", SLIP_CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(SLIP_CASES)])
def test_the_oracles_reject_every_known_slip(check, hint):
    """The oracles can fail: each known wrong variant of a reference disagrees with them."""
    slip = references.slips(check)[hint]
    assert finite_difference_problems(check, slip), f"finite differences accept the slip: {hint}"
    if (check_assignment(check), check) in GRADIENT_CHECKS:
        assert autodiff_problems(check, slip), f"JAX accepts the slip: {hint}"


def _record_of(check: str, function) -> dict:
    """The record a hidden test makes of `function`'s answers."""
    spec_cases, cases = checks.cases_for(check)
    return {"check": check, "results": [checks.run_case(function, case, spec_cases.outputs) for case in cases]}


@pytest.mark.parametrize("assignment,check", ALL_CHECKS, ids=[c for _, c in ALL_CHECKS])
def test_an_answer_that_only_fits_one_case_fails_the_hidden_tests(assignment, check):
    """The README: numbers that only match the worked example do not pass (the hidden cases vary)."""
    _, cases = checks.cases_for(check)
    reference = references.reference(check)
    remembered = reference(*cases[0].args)
    assert verify_record(check, _record_of(check, lambda *args: remembered)), (
        f"{check}: one remembered answer passes every hidden case")
    assert verify_record(check, _record_of(check, reference)) == []


@pytest.mark.parametrize("check,hint", SLIP_CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(SLIP_CASES)])
def test_every_known_slip_fails_the_hidden_tests_with_its_hint(check, hint):
    problems = verify_record(check, _record_of(check, references.slips(check)[hint]))
    assert problems and hint in "\n".join(problems), (hint, problems)


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
            assert expected in text, f"{path.name} does not display the seed's {expected!r}"
        for expected in spec(assignment).REGRESSION_GUARDS:
            assert expected in text, (f"{path.name} no longer displays {expected!r} (a regression guard: "
                                      f"if the change is intended, update tests/spec_{assignment}.py)")


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
    # Autograde skips the demo cells (plots, Keras): none of them ran.
    graded = nbformat.read(course / "autograded" / f"{assignment}-reference" / assignment / f"{name}.ipynb",
                           as_version=4)
    demos = [c for c in graded.cells if c.cell_type == "code" and "demo" in c.metadata.get("tags", [])]
    assert demos and not [c for c in demos if c.outputs or c.execution_count], "autograde ran a demo cell"
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


ONE_WRONG_LINK = [(assignment, student) for assignment in ASSIGNMENTS
                  for student in getattr(spec(assignment), "ONE_WRONG_LINK", {})]


@pytest.fixture(scope="module")
def one_wrong_link_graded(course):
    """Every assignment's ONE_WRONG_LINK submissions, autograded for real (sandboxed) in one run each."""
    from nbgrader.apps import NbGraderAPI

    from instructor.autograde import autograde
    from instructor.config import load_config

    results = {}
    for assignment in sorted({a for a, _ in ONE_WRONG_LINK}):
        root = course.generated(assignment)
        name, _ = submissions.release_notebook(assignment, root)
        reference = submissions.solved(assignment, root)
        wrong = spec(assignment).ONE_WRONG_LINK
        for student, slip in wrong.items():
            gradebook.submit(root, assignment, student, name, submissions.with_edits(reference, slip["edits"]))
        outcomes = autograde(root, assignment, list(wrong), jobs=2)
        assert all(o.graded for o in outcomes), outcomes
        api = NbGraderAPI(config=load_config(root))
        for student in wrong:
            assert api.generate_feedback(assignment, student, force=True)["success"]
            page = (root / "feedback" / student / assignment / f"{name}.html").read_text()
            results[assignment, student] = (gradebook.scores(root, assignment, student), _visible_text(page))
    return results


@pytest.mark.parametrize("assignment, student", ONE_WRONG_LINK, ids=[s for _, s in ONE_WRONG_LINK])
def test_one_wrong_link_loses_exactly_that_links_points(one_wrong_link_graded, assignment, student):
    """Issue #15's promise, through the real autograde: one wrong link (or composition, or shapes) costs
    its own cell's points, every other cell keeps its full marks, and the feedback names the link."""
    slip = spec(assignment).ONE_WRONG_LINK[student]
    scores, feedback = one_wrong_link_graded[assignment, student]
    for cell, (score, max_score) in scores.cells.items():
        expected = 0 if cell in slip["failing_cells"] else max_score
        assert score == expected, f"{student}: {cell} scored {score}, expected {expected}"
    assert set(slip["failing_cells"]) <= set(scores.cells)
    assert scores.total == scores.max_total - sum(scores.cells[c][1] for c in slip["failing_cells"])
    for mention in slip["feedback_mentions"]:
        assert mention in feedback, f"{student}: the feedback does not say {mention!r}"
