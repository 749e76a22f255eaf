"""Rules a source notebook must follow for its grades to mean anything.

- Every graded test cell ends in a hidden region with at least one
  `checks.record("topic.function", function)`: the verifier scores only what
  it can check outside the student's kernel, so a graded cell without one
  would be scored by the student's kernel.
- Every recorded check has cases in `course.<topic>.HIDDEN_CASES` and a
  reference in `instructor.references.<topic>`.
- Hidden regions only in graded cells; solution regions only in solution cells.
- Cell ids of graded and solution cells are unique.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader import utils

from course import checks
from instructor import references
from instructor.verify import expected_checks

BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def cell_name(cell, index: int) -> str:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    first = next((line for line in cell.source.splitlines() if line.strip()), "")[:60]
    return f"cell {grade_id or f'#{index}'} ({first!r})"


def hidden_region(source: str) -> str:
    if BEGIN_HIDDEN not in source:
        return ""
    return source.split(BEGIN_HIDDEN, 1)[1].split(END_HIDDEN, 1)[0]


def problems(notebook_path: Path) -> list[str]:
    """Every rule the notebook breaks, each naming the notebook and the cell."""
    notebook = nbformat.read(notebook_path, as_version=4)
    found, seen_ids = [], {}
    for index, cell in enumerate(notebook.cells):
        where = f"{notebook_path}: {cell_name(cell, index)}"
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id:
            if grade_id in seen_ids:
                found.append(f"{where}: grade_id {grade_id!r} is used twice")
            seen_ids[grade_id] = index
        hidden = hidden_region(cell.source)
        is_test = cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)
        if hidden and not is_test:
            found.append(f"{where}: hidden tests outside a graded test cell")
        if "BEGIN SOLUTION" in cell.source and not utils.is_solution(cell):
            found.append(f"{where}: a solution region in a cell not marked as a solution")
        if utils.is_solution(cell) and cell.cell_type == "code" and "BEGIN SOLUTION" not in cell.source:
            found.append(f"{where}: a solution cell without ### BEGIN SOLUTION")
        if not is_test:
            if expected_checks(cell.source):
                found.append(f"{where}: checks.record outside a graded test cell")
            continue
        recorded = expected_checks(hidden)
        if not recorded:
            found.append(f"{where}: a graded test cell must end with hidden "
                         f"checks.record(...) calls, or its score would come from the student's kernel")
        if expected_checks(cell.source.replace(hidden, "")):
            found.append(f"{where}: checks.record outside the hidden region")
        for check in recorded:
            try:
                checks.cases_for(check)
                references.reference(check)
            except (ImportError, AttributeError, KeyError, ValueError) as missing:
                found.append(f"{where}: check {check!r} has no cases or no reference ({missing!r})")
    return found
