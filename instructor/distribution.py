"""What students receive: the release manifest, and the distribution `python -m instructor distribute` builds."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

from course import release_manifest
from instructor import lint, notebooks


def manifest(root: Path = notebooks.ROOT) -> dict:
    """course/release_manifest.json's content for the release notebooks under `root`."""
    found: dict[str, dict] = {}
    for assignment in notebooks.assignments(root):
        for path in sorted((root / "release" / assignment).glob("*.ipynb")):
            release = nbformat.read(path, as_version=4)
            source = nbformat.read(root / "source" / assignment / path.name, as_version=4)
            hidden = {c.metadata["nbgrader"]["grade_id"] for c in release_manifest.nbgrader_cells(source)
                      if lint.hidden_region(c.source).strip()}
            cells = [release_manifest.describe_cell(c, c.metadata.nbgrader["grade_id"] in hidden)
                     for c in release_manifest.nbgrader_cells(release)]
            found.setdefault(assignment, {})[path.name] = {"cells": cells}
    return found


def manifest_text(root: Path = notebooks.ROOT) -> str:
    return json.dumps(manifest(root), indent=1, sort_keys=True) + "\n"


def write_manifest(root: Path = notebooks.ROOT) -> bool:
    """Rewrite course/release_manifest.json from release/; True if it changed."""
    path = root / "course" / release_manifest.MANIFEST.name
    text = manifest_text(root)
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True
