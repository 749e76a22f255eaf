"""Sanitizing steps of autograde: what a submission changed that grading cannot accept, and why.

nbgrader stops grading a submission, with "NOT GRADED" and a traceback for the
instructor only, when the student added a cell with grading metadata, marked a
solution cell as graded, turned a test into a task, or left links in the
submission.  These steps, first and last among the course's autograde
preprocessors, put such a submission back into a gradable shape and leave a
note for every change, which the student's feedback shows under the cell
(`instructor.execute.GRADER_NOTES`) and the autograde command prints:

- `RestoreGradingMetadata`: each cell's nbgrader metadata as the release
  notebook gave it; metadata on a cell the assignment does not have is removed
  (the cell is then an ordinary cell, worth nothing);
- `RefuseLinks`: a submitted notebook that is a link is graded as the blank
  notebook; every other link, fifo or device in the submission is left out of
  the autograded copy (nbgrader's copy has followed it), and nothing in the
  autograded folder is a link when nbgrader writes the graded notebook there.
"""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from instructor import safefiles
from instructor.execute import GRADER_NOTES, LOCKED_CELL_EDITED
from instructor.printable import one_line

GRADING_KEYS = ("grade", "solution", "locked", "task", "points", "grade_id", "checksum", "schema_version",
                "cell_type")


def note(cell, text: str) -> None:
    """Leave `text` for the student under `cell` (code) or at its top (markdown)."""
    if cell.cell_type == "code":
        cell.metadata.setdefault(GRADER_NOTES, []).append(text)
    else:
        cell.source = f"**Note from the grader:** {text}\n\n" + cell.source


def notes_in(nb) -> list[str]:
    """Every note the sanitizing steps left in a notebook, for the instructor's summary."""
    found = []
    for cell in nb.cells:
        found += cell.metadata.get(GRADER_NOTES, [])
        if cell.metadata.get(LOCKED_CELL_EDITED):
            found.append(f"locked cell {cell.metadata.get('nbgrader', {}).get('grade_id')} was edited: restored")
        if cell.cell_type == "markdown" and cell.source.startswith("**Note from the grader:**"):
            found.append(cell.source.split("\n", 1)[0][len("**Note from the grader:** "):])
    return found


def _paths(config, resources) -> tuple[Path, Path, Path]:
    """(release notebook, submitted folder, autograded folder) of the notebook being graded."""
    info = resources["nbgrader"]
    coursedir = CourseDirectory(config=config)
    release = Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"]))
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"]))
    autograded = Path(coursedir.format_path(coursedir.autograded_directory, info["student"], info["assignment"]))
    return release / f"{info['notebook']}.ipynb", submitted, autograded


class RestoreGradingMetadata(NbGraderPreprocessor):
    """Every cell's grading metadata as released; a note wherever the student's differed."""

    def preprocess(self, nb, resources):
        release, _, _ = _paths(self.config, resources)
        self._released = {}
        if release.exists():
            for cell in nbformat.read(release, as_version=4).cells:
                metadata = cell.metadata.get("nbgrader")
                if isinstance(metadata, dict) and metadata.get("grade_id"):
                    self._released[metadata["grade_id"]] = (cell.cell_type, metadata)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" not in cell.metadata or not self._released:
            return cell, resources
        metadata = cell.metadata["nbgrader"]
        grade_id = metadata.get("grade_id") if isinstance(metadata, dict) else None
        grade_id = grade_id if isinstance(grade_id, str) else None  # a list or a number names no cell
        given = self._released.get(grade_id)
        if given is None:
            del cell.metadata["nbgrader"]
            if isinstance(metadata, dict) and any(metadata.get(k) for k in ("grade", "solution", "task", "locked")):
                note(cell, "this cell carries grading settings that the assignment does not have "
                           f"(`{grade_id}`); it was run as an ordinary cell and is worth no points.")
            return cell, resources
        cell_type, released = given
        mine = {k: metadata.get(k) for k in GRADING_KEYS} if isinstance(metadata, dict) else {}
        if mine != {k: released.get(k) for k in GRADING_KEYS}:
            cell.metadata["nbgrader"] = copy.deepcopy(released)
            if cell_type == cell.cell_type:
                note(cell, f"the grading settings of `{grade_id}` were changed in your notebook; "
                           "they were restored as the assignment gave them.")
            # a changed cell type is restored, and noted, by nbgrader's OverwriteCells
        return cell, resources


class RefuseLinks(NbGraderPreprocessor):
    """First step: no link from a submission is followed into grading."""

    def preprocess(self, nb, resources):
        from instructor import intake

        release, submitted, autograded = _paths(self.config, resources)
        notebook = submitted / f"{resources['nbgrader']['notebook']}.ipynb"
        if notebook.is_symlink() or (notebook.exists() and not notebook.is_file()):
            nb = intake.stand_in(release, f"`{notebook.name}` is a link, not a file; only files are graded")
        if submitted.is_dir():
            for name in safefiles.entries(submitted)[1]:
                copied = autograded / name.relative_to(submitted)
                if copied.is_dir() and not copied.is_symlink():
                    shutil.rmtree(copied)  # nbgrader's copy followed a linked folder
                elif copied.exists() or copied.is_symlink():
                    copied.unlink()
                self.log.warning("left out of grading: %s is a link or a special file",
                                 one_line(str(name.relative_to(submitted))))
        if autograded.is_dir():
            for name in safefiles.remove_non_regular(autograded):
                self.log.warning("removed %s from the autograded folder: not a regular file", one_line(name))
            keep_only_what_grading_shows(self.config, submitted, autograded)
        return nb, resources


def keep_only_what_grading_shows(config, submitted: Path, autograded: Path) -> None:
    """The autograded folder holds the notebooks and the instructor's files, nothing else a student wrote.

    Formgrader serves that folder's files (a student's `page.html` would run in the instructor's
    session) and feedback copies them out; the kernel still gets the student's files, from
    submitted/ (instructor.execute).
    """
    coursedir = CourseDirectory(config=config)
    source = Path(coursedir.format_path(coursedir.source_directory, ".", autograded.name))
    keep = {"timestamp.txt", "submission_secret.txt"}
    for path in safefiles.entries(submitted)[0] if submitted.is_dir() else []:
        relative = path.relative_to(submitted)
        copied = autograded / relative
        if relative.suffix == ".ipynb" or str(relative) in keep or (source / relative).exists():
            continue
        if copied.is_file() and not copied.is_symlink():
            copied.unlink()


class NoLinksInAutograded(NbGraderPreprocessor):
    """Last step: nothing in the autograded folder is a link when nbgrader writes and chmods there."""

    def preprocess(self, nb, resources):
        _, _, autograded = _paths(self.config, resources)
        if autograded.is_dir():
            for name in safefiles.remove_non_regular(autograded):
                self.log.warning("removed %s from the autograded folder: not a regular file", one_line(name))
        return nb, resources
