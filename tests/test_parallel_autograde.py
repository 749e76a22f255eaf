"""`python -m instructor autograde --jobs N` writes the gradebook that serial `nbgrader autograde` writes.

Two copies of the course receive the same submissions of two assignments
(full marks, blank, the classic slip, a partly wrong one); one is graded by
nbgrader's own command, one after another, the other by the course's command
with two kernels at once.  Their gradebooks, and the graded cells' outputs,
must be the same.
"""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from instructor import autograde as parallel
from instructor import gradebook, sandbox, submissions
from instructor.config import load_config
from tests.conftest import copy_course

ASSIGNMENTS = ("a1_linear_regression", "a2_sigmoid_networks")
NBGRADER = str(Path(sys.executable).with_name("nbgrader"))


def _submissions(root: Path, assignment: str) -> dict[str, nbformat.NotebookNode]:
    from tests.test_assignments import spec

    reference = submissions.solved(assignment, root)
    partly = copy.deepcopy(reference)
    first_solution = next(c for c in partly.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first_solution.source += "\nraise ValueError('not finished')"  # the first exercise's test fails
    return {"full": reference, "blank": submissions.blank(assignment, root),
            "slip": submissions.with_edits(reference, spec(assignment).SLIP["edits"]), "partly": partly}


def _course(tmp_path_factory, label: str) -> Path:
    from instructor.build import generate

    root = copy_course(tmp_path_factory.mktemp(label))
    for assignment in ASSIGNMENTS:
        assert not generate(root, assignment)
        name, _ = submissions.release_notebook(assignment, root)
        for student, notebook in _submissions(root, assignment).items():
            gradebook.submit(root, assignment, f"{student}-{assignment[:2]}", name, notebook)
    return root


def gradebook_rows(root: Path) -> dict:
    """Every grade of every submission: (assignment, student, cell) -> what the gradebook holds."""
    from nbgrader.api import Gradebook

    config = load_config(root)
    rows = {}
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as book:
        for assignment in ASSIGNMENTS:
            for submission in book.assignment_submissions(assignment):
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        rows[assignment, submission.student.id, grade.name] = (
                            grade.auto_score, grade.manual_score, grade.max_score, grade.needs_manual_grade)
                    for comment in notebook.comments:
                        key = (assignment, submission.student.id, "comment " + comment.name)
                        rows[key] = comment.auto_comment
    return rows


def graded_outputs(root: Path) -> dict:
    outputs = {}
    for path in sorted((root / "autograded").glob("*/*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id and cell.cell_type == "code":
                shown = []
                for o in cell.outputs:
                    # A kernel may send one print's text and its newline as two stream messages, or as
                    # one: the page shows the same text, so adjacent pieces of one stream are joined.
                    if o.output_type == "stream" and shown and shown[-1][:2] == ("stream", o.name):
                        shown[-1] = ("stream", o.name, shown[-1][2] + o.text)
                        continue
                    shown.append(("stream", o.name, o.text) if o.output_type == "stream" else
                                 (o.output_type, o.get("evalue"), o.get("data", {}).get("text/plain")))
                outputs[path.parent.parent.name, grade_id] = shown
    return outputs


@pytest.fixture(scope="module")
def serial_and_parallel(tmp_path_factory):
    serial = _course(tmp_path_factory, "serial")
    for assignment in ASSIGNMENTS:
        done = subprocess.run([NBGRADER, "autograde", assignment, "--force"], cwd=serial,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
    in_parallel = _course(tmp_path_factory, "parallel")
    printed = []
    for assignment in ASSIGNMENTS:
        done = subprocess.run([sys.executable, "-m", "instructor", "autograde", assignment, "--jobs", "2"],
                              cwd=in_parallel, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        printed.append(done.stdout)
    return serial, in_parallel, printed


def test_parallel_gradebook_equals_the_serial_one(serial_and_parallel):
    serial, in_parallel, _ = serial_and_parallel
    expected = gradebook_rows(serial)
    assert len({(a, s) for a, s, _ in expected}) == 4 * len(ASSIGNMENTS)
    assert {r[0] for r in expected.values() if isinstance(r, tuple)} > {0.0}  # some grades are not 0
    assert gradebook_rows(in_parallel) == expected


def test_parallel_graded_cells_show_what_the_serial_ones_show(serial_and_parallel):
    serial, in_parallel, _ = serial_and_parallel
    assert graded_outputs(in_parallel) == graded_outputs(serial)


def test_the_command_reports_every_submission(serial_and_parallel):
    _, _, printed = serial_and_parallel
    for assignment, text in zip(ASSIGNMENTS, printed):
        assert f"autograde {assignment}: 4 of 4 submissions graded" in text, text
        assert "sandboxed" in text


def test_a_submission_the_workers_did_not_execute_is_executed_when_recorded(tmp_path_factory):
    """The recorder's fallback: with nothing staged, it runs the execution steps itself."""
    from nbgrader.apps import NbGraderAPI

    from instructor.build import generate

    root = copy_course(tmp_path_factory.mktemp("fallback"))
    assignment = ASSIGNMENTS[0]
    assert not generate(root, assignment)
    name, _ = submissions.release_notebook(assignment, root)
    gradebook.submit(root, assignment, "full", name, submissions.solved(assignment, root))
    gradebook.submit(root, assignment, "blank", name, submissions.blank(assignment, root))
    config = load_config(root)
    steps, rest = parallel.split_pipeline(config)
    assert [s.rsplit(".", 1)[-1] for s in steps[:2]] == ["GradingExecute", "VerifyHiddenTests"]
    assert rest[0].endswith("SaveAutoGrades")
    config.Autograde.autograde_preprocessors = ["instructor.autograde.UseExecuted"] + rest
    config.UseExecuted.staging_dir = str(tmp_path_factory.mktemp("empty-staging"))
    config.UseExecuted.steps = steps
    for student in ("full", "blank"):
        assert NbGraderAPI(config=config).autograde(assignment, student, force=True)["success"]
    full, blank = (gradebook.scores(root, assignment, s) for s in ("full", "blank"))
    assert full.total == full.max_total > 0 and blank.total == 0


def test_the_command_refuses_to_grade_without_the_sandbox_it_was_promised(monkeypatch, tmp_path, capsys):
    def missing():
        raise sandbox.SandboxUnavailable("bubblewrap (`bwrap`) is not installed: " + sandbox.INSTALL_HINT)

    monkeypatch.setattr(sandbox, "check_bwrap", missing)
    args = type("Args", (), {"assignment": "a1_linear_regression", "student": None, "jobs": 1,
                             "no_sandbox": False})()
    assert parallel.run(args, tmp_path) == 2
    assert "--no-sandbox" in capsys.readouterr().out
