"""Submissions made from release notebooks, for tests and benchmarks.

`solved(...)` fills every answer cell of a release notebook with the source
notebook's solution; `with_edits(...)` then changes named cells, to make a
submission with a known slip or a hostile one.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from instructor import notebooks


def solution_code(source_cell_text: str) -> str:
    """A solution cell's source as a student who solved it would submit it."""
    keep = [line for line in source_cell_text.split("\n")
            if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line]
    return "\n".join(keep)


def _cells_by_id(notebook) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade_id")}


def release_notebook(assignment: str, root: Path = notebooks.ROOT) -> tuple[str, nbformat.NotebookNode]:
    """(notebook name, release notebook) of a one-notebook assignment."""
    [path] = sorted((root / "release" / assignment).glob("*.ipynb"))
    return path.stem, nbformat.read(path, as_version=4)


def blank(assignment: str, root: Path = notebooks.ROOT) -> nbformat.NotebookNode:
    """The release notebook exactly as a student receives it."""
    return release_notebook(assignment, root)[1]


def solved(assignment: str, root: Path = notebooks.ROOT) -> nbformat.NotebookNode:
    """The release notebook with every answer cell filled from the source's solution."""
    name, notebook = release_notebook(assignment, root)
    source = nbformat.read(root / "source" / assignment / f"{name}.ipynb", as_version=4)
    solutions = _cells_by_id(source)
    notebook = copy.deepcopy(notebook)
    for grade_id, cell in _cells_by_id(notebook).items():
        if cell.metadata["nbgrader"].get("solution"):
            cell.source = solution_code(solutions[grade_id].source)
    return notebook


def with_edits(notebook: nbformat.NotebookNode, edits: dict[str, list[tuple[str, str]]]) -> nbformat.NotebookNode:
    """A copy with text replaced in named cells: {grade_id: [(old, new), ...]}."""
    notebook = copy.deepcopy(notebook)
    cells = _cells_by_id(notebook)
    for grade_id, replacements in edits.items():
        cell = cells[grade_id]
        for old, new in replacements:
            if old not in cell.source:
                raise ValueError(f"{old!r} is not in cell {grade_id}")
            cell.source = cell.source.replace(old, new)
    return notebook
