"""What each released notebook holds, so a student's copy can be checked against it.

`release_manifest.json` (written by `python -m instructor build` from release/) lists, for
every assignment's notebook, its graded, answer and locked cells in order: their nbgrader
ids, kinds, points and the checksums nbgrader computed when it made the release.  It holds
no solution and no hidden test.  From it, `python -m course validate` tells which
assignment a notebook belongs to and which of its cells were deleted or edited.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MANIFEST = Path(__file__).with_name("release_manifest.json")
# The nbgrader metadata a student must not change; the checksum covers the source with it.
GRADING_KEYS = ("grade", "solution", "locked", "points")


@dataclass(frozen=True)
class ReleasedNotebook:
    assignment: str
    name: str          # file name, e.g. linear_regression.ipynb
    cells: tuple       # dicts: grade_id, cell_type, grade, solution, locked, points, checksum, hidden_tests

    @property
    def grade_ids(self) -> list[str]:
        return [c["grade_id"] for c in self.cells]

    def cell(self, grade_id: str) -> dict | None:
        return next((c for c in self.cells if c["grade_id"] == grade_id), None)

    @property
    def test_cells(self) -> list[dict]:
        return [c for c in self.cells if c["grade"]]


def points_label(points: float) -> str:
    return f"{points:g} point{'' if points == 1 else 's'}"


def describe_cell(cell, hidden_tests: bool = False) -> dict:
    """The manifest entry of one released nbgrader cell."""
    meta = cell.metadata["nbgrader"]
    return {"grade_id": meta["grade_id"], "cell_type": cell.cell_type,
            **{key: meta.get(key, None if key == "points" else False) for key in GRADING_KEYS},
            "checksum": meta.get("checksum"), "hidden_tests": hidden_tests}


@lru_cache(maxsize=None)
def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def released(path: Path = MANIFEST) -> list[ReleasedNotebook]:
    """Every released notebook the manifest lists."""
    return [ReleasedNotebook(assignment, name, tuple(entry["cells"]))
            for assignment, notebooks in sorted(_load(path).items())
            for name, entry in sorted(notebooks.items())]


def assignments(path: Path = MANIFEST) -> list[str]:
    return sorted(_load(path))


def nbgrader_cells(notebook) -> list:
    return [c for c in notebook.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]


def identify(notebook, released_notebooks: list[ReleasedNotebook]) -> list[tuple[int, ReleasedNotebook]]:
    """Released notebooks sharing nbgrader cells with `notebook`, most shared first."""
    ids = {c.metadata.nbgrader["grade_id"] for c in nbgrader_cells(notebook)}
    scored = [(len(ids & set(r.grade_ids)), r) for r in released_notebooks]
    return sorted([(n, r) for n, r in scored if n], key=lambda item: -item[0])


def _kind(entry: dict) -> str:
    if entry["grade"] and not entry["solution"]:
        return "test cell"
    if entry["solution"]:
        return "answer cell"
    return "locked cell"


def changes(notebook, release: ReleasedNotebook) -> list[str]:
    """Every way `notebook` departs from `release` where grading would notice; empty if none."""
    from nbgrader.utils import compute_checksum  # nbgrader's own checksum, as autograde computes it

    found = []
    mine: dict[str, list] = {}
    for cell in nbgrader_cells(notebook):
        mine.setdefault(cell.metadata.nbgrader["grade_id"], []).append(cell)
    for entry in release.cells:
        grade_id, kind = entry["grade_id"], _kind(entry)
        points = f" ({points_label(entry['points'])})" if entry["grade"] else ""
        cells = mine.get(grade_id, [])
        if not cells:
            found.append(f"{kind} {grade_id}{points} was deleted")
            continue
        if len(cells) > 1:
            found.append(f"{kind} {grade_id} appears {len(cells)} times (a pasted copy?)")
        cell = cells[0]
        if cell.cell_type != entry["cell_type"]:
            found.append(f"{kind} {grade_id} was changed from a {entry['cell_type']} cell to a "
                         f"{cell.cell_type} cell")
            continue
        meta = cell.metadata.nbgrader
        if any(meta.get(key, None if key == "points" else False) != entry[key] for key in GRADING_KEYS
               if not (key == "points" and not entry["grade"])):
            found.append(f"{kind} {grade_id}: its nbgrader metadata (grade, solution, locked, points) "
                         f"was changed")
            continue
        if entry["locked"] and entry["checksum"]:
            restored = copy.deepcopy(cell)
            restored.metadata.nbgrader.update({key: entry[key] for key in GRADING_KEYS})
            if compute_checksum(restored) != entry["checksum"]:
                found.append(f"{kind} {grade_id}{points} was edited")
    for grade_id in mine:
        if release.cell(grade_id) is None:
            found.append(f"cell {grade_id} is not a cell of {release.name} in {release.assignment}")
    return found
