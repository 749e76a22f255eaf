"""Submitting, autograding and reading scores through nbgrader's Python API."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from instructor.config import load_config


@dataclass
class Scores:
    """A graded submission: the total and every graded cell's score."""

    total: float
    max_total: float
    cells: dict[str, tuple[float | None, float]]
    needs_manual_grade: bool


def submit(root: Path, assignment: str, student: str, notebook_name: str,
           notebook: nbformat.NotebookNode) -> Path:
    """Put `notebook` where nbgrader collects it: submitted/<student>/<assignment>/."""
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook_name}.ipynb"
    nbformat.write(notebook, path)
    return path


def autograde(root: Path, assignment: str, student: str) -> dict:
    """nbgrader autograde --force for one student; nbgrader's result dict."""
    from nbgrader.apps import NbGraderAPI
    return NbGraderAPI(config=load_config(root)).autograde(assignment, student, force=True)


def scores(root: Path, assignment: str, student: str) -> Scores:
    """The gradebook's scores of one submission."""
    from nbgrader.api import Gradebook
    config = load_config(root)
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        cells = {}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                cells[grade.name] = (grade.score if grade.score is not None else None, grade.max_score)
        return Scores(submission.score, submission.max_score, cells,
                      submission.needs_manual_grade)
