"""Making every collected submission gradable before nbgrader sees it.

nbgrader's autograde stops on a submission it cannot read (a notebook that is
not JSON, an empty file, a notebook saved under another name, a folder with no
notebook): it logs a traceback, the submission gets no autograded notebook, and
the gradebook either forgets it or leaves it "needing manual grading" with
nothing to grade.  Before grading, `admit` repairs what it can and stands in
for what it cannot, so that every submission is graded and its feedback says
what happened:

- the expected notebook is missing and exactly one other notebook was
  submitted (`linear_regression (1).ipynb`, `my copy.ipynb`): that notebook is
  graded under the expected name;
- the notebook cannot be read, or nothing can be found: the student's file is
  kept beside it as `<name>.ipynb.unreadable`, and the blank release notebook,
  opened by a note saying why, is graded in its place (0 points, not a
  traceback).

The instructor's command output lists every such submission; the originals stay
in `submitted/`, so a repaired file can be graded again.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

from instructor import safefiles

UNREADABLE_SUFFIX = ".unreadable"
NOTICE_MARK = "The grader could not read your submission"


def valid_timestamp(text: str) -> bool:
    """Whether nbgrader can read `text` as a submission time (a student can write anything there)."""
    from nbgrader.utils import parse_utc

    try:
        parse_utc(text.strip())
    except Exception:  # noqa: BLE001 - anything nbgrader cannot parse
        return False
    return True


def problem_with(path: Path) -> str | None:
    """Why `path` cannot be graded as a notebook; None if it can."""
    if path.is_symlink() or not path.is_file():
        return "it is a link or a special file, not a notebook file"
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 - any reason a notebook cannot be read is reported
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"{type(error).__name__}: {reason[:200]}"
    return None


def without_outputs(path: Path) -> nbformat.NotebookNode | None:
    """The notebook at `path` with every output cleared, if that is all that kept it from opening."""
    import json

    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        for cell in data["cells"]:
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
        notebook = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(notebook)
    except Exception:  # noqa: BLE001 - not repairable this way
        return None
    return notebook


def stand_in(release: Path, reason: str) -> nbformat.NotebookNode:
    """The blank release notebook, opened by a note saying why it is graded instead of the student's."""
    notebook = nbformat.read(release, as_version=4)
    notebook.cells.insert(0, new_markdown_cell(
        f"**{NOTICE_MARK}**: {reason}. The blank assignment was graded in its place, so every exercise "
        "scores 0. Your file is kept; ask your instructor to grade it again once it opens in JupyterLab."))
    return notebook


def admit(root: Path, assignment: str, student: str) -> list[str]:
    """Make `student`'s submission of `assignment` gradable; a line for each change made."""
    folder = root / "submitted" / student / assignment
    releases = sorted((root / "release" / assignment).glob("*.ipynb"))
    expected = {path.stem for path in releases}
    notes = []
    # nbgrader copies a submission's other files following links (and stops at a fifo): only regular
    # files are graded.  A linked notebook is kept aside below, like an unreadable one.
    linked = {folder / f"{stem}.ipynb" for stem in expected}
    _, others = safefiles.entries(folder) if folder.is_dir() else ([], [])
    for path in others:
        if path not in linked:
            path.unlink()
            notes.append(f"left out {path.relative_to(folder)}: a link or a special file, not a regular file")
    timestamp = folder / "timestamp.txt"
    if timestamp.is_file() and not valid_timestamp(timestamp.read_text(errors="replace")):
        from datetime import datetime, timezone

        timestamp.rename(timestamp.with_name("timestamp.txt" + UNREADABLE_SUFFIX))
        collected = datetime.fromtimestamp(timestamp.with_name("timestamp.txt" + UNREADABLE_SUFFIX).stat().st_mtime,
                                           timezone.utc)
        timestamp.write_text(collected.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        notes.append("timestamp.txt is not a time nbgrader can read: the time the submission was collected "
                     "stands in for it")
    for release in releases:
        path = folder / release.name
        if path.is_symlink():  # dangling or not: removed (a link holds nothing of the student's), never written through
            path.unlink()
            nbformat.write(stand_in(release, f"`{release.name}` is a link, not a file; only files are graded"),
                           path)
            notes.append(f"graded the blank notebook: `{release.name}` is a link, not a file")
            continue
        if not path.exists():
            others = sorted(p for p in folder.glob("*.ipynb") if p.stem not in expected)
            readable = [p for p in others if problem_with(p) is None]
            if len(others) == 1 and readable:
                safefiles.copy_file(others[0], path)
                notes.append(f"{release.name} was not submitted: graded {others[0].name} in its place")
                continue
            found = ", ".join(p.name for p in sorted(folder.iterdir()) if p.is_file()) or "nothing"
            reason = f"no notebook named `{release.name}` was submitted (found: {found})"
        else:
            problem = problem_with(path)
            if problem is None:
                continue
            repaired = without_outputs(path)
            shutil.move(path, path.with_name(path.name + UNREADABLE_SUFFIX))
            if repaired is not None:
                nbformat.write(repaired, path)
                notes.append(f"{release.name}: its outputs could not be read ({problem}); they were cleared "
                             "(outputs are not graded) and the notebook graded")
                continue
            reason = f"`{release.name}` is not a notebook that can be opened ({problem})"
        nbformat.write(stand_in(release, reason), path)
        notes.append(f"graded the blank notebook: {reason}")
    return notes
