"""`python -m instructor autograde ASSIGNMENT [--jobs N]`: a cohort graded on every core.

`nbgrader autograde` grades one submission after another (nbgrader #174), and
almost all of that time is spent waiting for a student's kernel.  Running
several `nbgrader autograde` processes at once would have them all write the
same SQLite gradebook: "database is locked" errors, retries, and writes that
depend on timing.  So the work is split by what touches the gradebook:

0. admit (this process): `instructor.intake` makes a submission whose notebook
   is missing, renamed or unreadable gradable, and says what it did;
1. sanitize (this process, one submission after another, no kernel): nbgrader's
   own autograde with no autograde preprocessors: it records the student and
   the submission, copies the submission to autograded/, and restores the
   locked cells from the gradebook;
2. execute (worker processes, in parallel): the configured autograde
   preprocessors before the first that uses the gradebook (`SaveAutoGrades`):
   the sandboxed kernel (`instructor.execute.GradingExecute`) and the hidden
   tests' verification (`instructor.verify`), on the sanitized notebook; the
   executed notebook goes to a private staging folder;
3. record (this process, as each execution finishes): nbgrader's autograde
   again, whose execution step now reads the staged notebook (`UseExecuted`)
   and whose remaining preprocessors save the grades.

Only this process opens the gradebook; the workers never do.  Every step
nbgrader performs is still nbgrader's own code, so the gradebook holds what
`nbgrader autograde --force` would have written.  A submission whose execution
failed in a worker is executed again when it is recorded, so one broken
submission never stops the run; the command exits 1 if any submission could
not be graded.
"""
from __future__ import annotations

import argparse
import copy
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader import preprocessors as nbgrader_preprocessors
from traitlets import List, Unicode
from traitlets.config import Config

from instructor import intake
from instructor.config import load_config
from instructor.execute import LOCKED_CELL_EDITED

GRADEBOOK_STEP = "SaveAutoGrades"


@dataclass
class Outcome:
    """What happened to one submission."""

    student: str
    graded: bool = False
    executed_in_worker: bool = False  # False: the recorder had to execute it (a worker failed)
    problems: list[str] = field(default_factory=list)  # why it was not graded
    repairs: list[str] = field(default_factory=list)  # what instructor.intake did to make it gradable
    refused: list[str] = field(default_factory=list)  # what the sanitizing steps restored or left out
    score: float | None = None
    max_score: float | None = None


def _name(preprocessor) -> str:
    if isinstance(preprocessor, str):
        return preprocessor
    return f"{preprocessor.__module__}.{preprocessor.__qualname__}"


def split_pipeline(config: Config) -> tuple[list[str], list[str]]:
    """(execution steps, gradebook steps) of the configured autograde preprocessors."""
    names = [_name(p) for p in config.Autograde.autograde_preprocessors]
    for index, name in enumerate(names):
        if name.rsplit(".", 1)[-1] == GRADEBOOK_STEP:
            return names[:index], names[index:]
    raise ValueError(f"Autograde.autograde_preprocessors has no {GRADEBOOK_STEP}: {names}")


def staged_path(staging: str | Path, student: str, notebook: str) -> Path:
    return Path(staging) / student / f"{notebook}.ipynb"


def run_steps(steps: list[str], nb, resources: dict, config: Config):
    """Apply the named preprocessors as nbgrader's autograde would (NBGRADER_EXECUTION set)."""
    from traitlets.utils.importstring import import_item

    # nbgrader sets the variable around its own autograde step (and deletes it after).
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    for name in steps:
        nb, resources = import_item(name)(config=config)(nb, resources)
    return nb, resources


class UseExecuted(nbgrader_preprocessors.NbGraderPreprocessor):
    """Stands for the execution steps: the notebook a worker executed, or executes it here."""

    staging_dir = Unicode("", help="Where the workers put executed notebooks.").tag(config=True)
    steps = List(Unicode(), help="The execution steps, run here when nothing is staged.").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = staged_path(self.staging_dir, info["student"], info["notebook"])
        if path.exists():
            executed = nbformat.read(path, as_version=nbformat.NO_CONVERT)
            # Sources, not ids: nbformat invents a new id on every read of a cell that has none.
            if [(c.cell_type, c.source) for c in executed.cells] == [(c.cell_type, c.source) for c in nb.cells]:
                return executed, resources
            self.log.warning("%s does not match its submission; executing it again", path)
        else:
            self.log.warning("Nothing executed for %s/%s; executing it here",
                             info["student"], info["notebook"])
        resources.setdefault("metadata", {})
        return run_steps(list(self.steps), nb, resources, self.config)


class OverwriteCells(nbgrader_preprocessors.OverwriteCells):
    """nbgrader's, which also marks a locked code cell the student changed, so that feedback can say so.

    nbgrader restores such a cell with only a log line for the instructor.  Every cell with hidden
    tests differs from its source, so a change is found against the release notebook instead.
    """

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        info = resources["nbgrader"]
        release = Path(CourseDirectory(config=self.config).format_path(
            "release", ".", info["assignment"])) / f"{info['notebook']}.ipynb"
        self._released = {}
        if release.exists():
            for cell in nbformat.read(release, as_version=4).cells:
                metadata = cell.metadata.get("nbgrader", {})
                if metadata.get("locked") and cell.cell_type == "code":
                    self._released[metadata.get("grade_id")] = cell.source.strip()
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        edited = grade_id in self._released and cell.source.strip() != self._released[grade_id]
        self._as_released = grade_id in self._released and not edited
        cell, resources = super().preprocess_cell(cell, resources, index)
        if edited and cell.cell_type == "code":
            cell.metadata[LOCKED_CELL_EDITED] = True
        return cell, resources


    def report_change(self, name, attr, old, new):
        # A test cell as released differs from its source by the hidden tests alone (nbgrader #1961):
        # restoring them is routine, not a change worth a warning on every honest submission.
        if attr == "checksum" and getattr(self, "_as_released", False):
            self.log.debug("restored the hidden tests of %s", name)
            return
        super().report_change(name, attr, old, new)


class DeduplicateIds(nbgrader_preprocessors.DeduplicateIds):
    """nbgrader's, except that a duplicated cell loses its nbgrader metadata entirely.

    nbgrader leaves `{}` on the copy, on which its own `OverwriteCells.add_missing_task_cells`
    raises KeyError: one copied cell (a locked test, pasted twice) would leave the whole
    submission ungraded.  The last copy keeps the metadata, as in nbgrader.
    """

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources


def _execute(task: tuple) -> list[str]:
    """Worker: the execution steps on every sanitized notebook of one submission; problems, if any."""
    root, overrides, student, workdir, staging, steps = task
    config = load_config(Path(root))
    config.merge(Config(overrides))
    problems = []
    for path in sorted(Path(workdir).glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
            resources = {"metadata": {"path": str(path.parent)},
                         "nbgrader": {"student": student, "notebook": path.stem,
                                      "assignment": path.parent.name}}
            nb, _ = run_steps(steps, nb, resources, config)
            target = staged_path(staging, student, path.stem)
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
        except Exception as error:  # noqa: BLE001 - reported; the recorder executes it again
            problems.append(f"{path.name}: {type(error).__name__}: {error}")
    return problems


def submitted_students(root: Path, assignment: str) -> list[str]:
    submitted = root / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())


def _nbgrader_autograde(api, assignment: str, student: str) -> list[str]:
    """nbgrader's autograde --force of one submission through `api`; its errors, if any."""
    result = api.autograde(assignment, student, force=True)
    if result["success"]:
        return []
    lines = (result.get("log", "") + result.get("error", "")).splitlines()
    errors = [line for line in lines if line.startswith("[ERROR]") or "Error" in line]
    return errors[:20] or ["nbgrader autograde failed"]


def autograde(root: Path, assignment: str, students: list[str] | None = None, jobs: int | None = None,
              sandbox: bool = True, out=None) -> list[Outcome]:
    """Grade every submission (or `students`) of `assignment`, `jobs` kernels at once (default: all cores)."""
    from nbgrader.apps import NbGraderAPI

    out = out or sys.stdout
    if sandbox:
        from instructor import sandbox as bubblewrap
        bubblewrap.check_bwrap()  # before anything is graded: no sandbox, no grading
    overrides = {} if sandbox else {"GradingExecute": {"sandbox": False}}
    config = load_config(root)
    config.merge(Config(overrides))
    steps, gradebook_steps = split_pipeline(config)
    students = students if students is not None else submitted_students(root, assignment)
    staging = tempfile.mkdtemp(prefix="backprop-autograde-")  # under /tmp: hidden from every kernel

    sanitize = copy.deepcopy(config)  # Config(config) would share its sections
    sanitize.Autograde.autograde_preprocessors = []
    record = copy.deepcopy(config)
    record.Autograde.autograde_preprocessors = ["instructor.autograde.UseExecuted"] + gradebook_steps
    record.UseExecuted.staging_dir = staging
    record.UseExecuted.steps = steps
    sanitizer, recorder = NbGraderAPI(config=sanitize), NbGraderAPI(config=record)

    outcomes = {s: Outcome(s) for s in students}
    # A fork server, not fork: the caller may hold threads (JAX does) that a forked child would inherit.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["instructor.autograde", "instructor.execute", "instructor.verify"])
    try:
        with ProcessPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1), mp_context=context) as pool:
            running: dict[Future, str] = {}
            for student in students:
                outcomes[student].repairs = intake.admit(root, assignment, student)
                outcomes[student].problems += _nbgrader_autograde(sanitizer, assignment, student)
                outcomes[student].refused = _refusals(root / "autograded" / student / assignment)
                if not outcomes[student].problems:
                    workdir = root / "autograded" / student / assignment
                    task = (str(root), overrides, student, str(workdir), staging, steps)
                    running[pool.submit(_execute, task)] = student
                else:  # nbgrader stopped before execution: say so now, with its reason
                    print(_summary(outcomes[student]), file=out)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    outcome = outcomes[running.pop(future)]
                    try:
                        outcome.problems += future.result()
                        outcome.executed_in_worker = not outcome.problems
                    except Exception as error:  # noqa: BLE001 - a dead worker: the recorder executes it
                        outcome.problems.append(f"worker failed: {type(error).__name__}: {error}")
                    errors = _nbgrader_autograde(recorder, assignment, outcome.student)
                    outcome.problems += errors
                    outcome.graded = not errors
                    if outcome.graded:
                        outcome.score, outcome.max_score = _score(config, assignment, outcome.student)
                    print(_summary(outcome), file=out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [outcomes[s] for s in students]


def _refusals(folder: Path) -> list[str]:
    """The notes the sanitizing steps left in the autograded notebooks of one submission."""
    from instructor.sanitize import notes_in

    found = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            found += notes_in(nbformat.read(path, as_version=4))
        except Exception:  # noqa: BLE001 - an unreadable notebook is reported by nbgrader itself
            pass
    return found


def _score(config: Config, assignment: str, student: str) -> tuple[float | None, float | None]:
    from nbgrader.api import Gradebook

    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return submission.score, submission.max_score


def _summary(outcome: Outcome) -> str:
    """One line per submission; everything from the student's side escaped, so nothing forges a line."""
    from instructor.printable import one_line

    if outcome.graded:
        verdict = f"graded {outcome.score:g} / {outcome.max_score:g}" if outcome.score is not None else "graded"
    else:
        verdict = "NOT GRADED"
    line = f"  {one_line(outcome.student, 80)}: {verdict}"
    for label, items in (("repaired", outcome.repairs), ("refused", outcome.refused),
                         ("problems", outcome.problems)):
        if items:
            line += f"\n      {label}: " + one_line("; ".join(items), 400)
    return line


def run(args: argparse.Namespace, root: Path, out=None) -> int:
    """The `autograde` command: 0 if every submission was graded, 1 if not, 2 if it could not start."""
    import warnings

    from instructor.printable import one_line
    from instructor.sandbox import SandboxUnavailable

    # SQLAlchemy's notes on nbgrader's own gradebook code: noise for an instructor, not a problem.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    out = out or sys.stdout
    began = time.perf_counter()
    try:
        outcomes = autograde(root, args.assignment, args.student, args.jobs, not args.no_sandbox, out)
    except SandboxUnavailable as problem:
        print(f"Cannot grade safely: {problem}", file=out)
        return 2
    if not outcomes:
        print(f"No submissions of {args.assignment} in {root / 'submitted'}", file=out)
        return 1
    failed = [one_line(o.student, 80) for o in outcomes if not o.graded]
    repaired = [one_line(o.student, 80) for o in outcomes if o.repairs]
    if repaired:
        print(f"look at these (their notebooks were missing or unreadable): {', '.join(repaired)}", file=out)
    print(f"autograde {args.assignment}: {len(outcomes) - len(failed)} of {len(outcomes)} submissions graded "
          f"in {time.perf_counter() - began:.1f} s ({args.jobs or os.cpu_count()} at once, "
          f"{'NOT sandboxed' if args.no_sandbox else 'sandboxed'})", file=out)
    if failed:
        print(f"not graded: {', '.join(failed)}", file=out)
    return 1 if failed else 0
