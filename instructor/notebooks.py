"""The course's notebooks: where they are, and their Jupytext pairs.

The MyST `.md` file is the source of truth (people edit and review it); the
paired `.ipynb` is what nbgrader reads, rebuilt from it and committed without
outputs.  Cell ids of unchanged cells are kept, so diffs stay small.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs

ROOT = Path(__file__).resolve().parent.parent
FORMAT = "md:myst"
# What an instructor's copy of the course needs to generate and grade: no nbgrader state.
COURSE_FILES = ("nbgrader_config.py", "source", "instructor")


def copy_course(destination: Path, also: tuple[str, ...] = ()) -> Path:
    """A copy of the course's instructor files (and the folders `also` names), for tests and benchmarks."""
    destination.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
    for name in COURSE_FILES + also:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        else:
            shutil.copy(source, destination / name)
    return destination


def assignments(root: Path = ROOT) -> list[str]:
    """Every assignment in source/, in order."""
    return sorted(p.name for p in (root / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


def source_markdown(root: Path = ROOT, assignment: str | None = None) -> list[Path]:
    """The MyST source of every notebook (of one assignment, if given)."""
    names = [assignment] if assignment else assignments(root)
    return sorted(md for name in names for md in (root / "source" / name).glob("*.md"))


def paired_ipynb(markdown: Path) -> Path:
    return markdown.with_suffix(".ipynb")


def notebook_from_markdown(markdown: Path) -> nbformat.NotebookNode:
    """The notebook the MyST file describes, with the cell ids of its current .ipynb."""
    notebook = jupytext.read(markdown, fmt=FORMAT)
    ipynb = paired_ipynb(markdown)
    if ipynb.exists():
        notebook = combine_inputs_with_outputs(notebook, nbformat.read(ipynb, as_version=4), fmt=FORMAT)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def paired_text(markdown: Path) -> str:
    """The .ipynb text the build writes for `markdown` (no outputs, its cell ids kept)."""
    return jupytext.writes(notebook_from_markdown(markdown), fmt="ipynb")


def sync(markdown: Path) -> bool:
    """Rewrite the .ipynb of `markdown` from it; True if the file changed."""
    ipynb = paired_ipynb(markdown)
    text = paired_text(markdown)
    if ipynb.exists() and ipynb.read_text() == text:
        return False
    ipynb.write_text(text)
    return True
