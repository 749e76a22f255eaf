"""Grading a cohort: plain `nbgrader autograde` against `python -m instructor autograde --jobs N`.

    .venv/bin/python benchmarks/autograde_parallel.py [--submissions 40] [--assignment a1_linear_regression]
                                                      [--jobs N] [--skip-unsandboxed]

In a temporary copy of the course, makes N synthetic submissions of one
assignment (solved, blank, the classic slip, one exercise unfinished, in turn),
then grades them all, side by side in one run:

1. serially with nbgrader's own command, `nbgrader autograde ASSIGNMENT --force`
   (the course's pipeline: every kernel sandboxed);
2. the same with the sandbox off (`--GradingExecute.sandbox=False`): the
   difference is the sandbox's cost per submission;
3. with the course's command, `python -m instructor autograde ASSIGNMENT --jobs N`
   (sandboxed, N kernels at once; default: every core).

Prints each wall time, the ratio serial / parallel, the sandbox's overhead per
submission, the time a class of 200 would take, and whether the parallel
gradebook holds the serial one's grades.  Not a timed test: figures depend on
the machine and its load; the ratio is measured side by side.
"""
from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy warnings inside nbgrader's gradebook code
warnings.filterwarnings("ignore", message=".*not in session.*")

from instructor import gradebook, notebooks, submissions  # noqa: E402
from instructor.config import load_config  # noqa: E402

NBGRADER = str(Path(sys.executable).with_name("nbgrader"))
CLASS_SIZE = 200


def make_submissions(root: Path, assignment: str, count: int) -> list[str]:
    import importlib

    from instructor.build import generate

    problems = generate(root, assignment)
    if problems:
        sys.exit("\n".join(problems))
    name, _ = submissions.release_notebook(assignment, root)
    solved = submissions.solved(assignment, root)
    unfinished = copy.deepcopy(solved)
    cell = next(c for c in unfinished.cells if c.metadata.get("nbgrader", {}).get("solution"))
    cell.source += "\nraise ValueError('not finished')"
    slip = importlib.import_module(f"tests.spec_{assignment}").SLIP["edits"]
    kinds = [solved, submissions.blank(assignment, root), submissions.with_edits(solved, slip), unfinished]
    students = [f"student{i:03d}" for i in range(count)]
    for i, student in enumerate(students):
        gradebook.submit(root, assignment, student, name, kinds[i % len(kinds)])
    return students


def timed(command: list[str], root: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def grades(root: Path, assignment: str) -> dict:
    from nbgrader.api import Gradebook

    config = load_config(root)
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as book:
        return {(s.student.id, g.name): (g.auto_score, g.needs_manual_grade)
                for s in book.assignment_submissions(assignment) for n in s.notebooks for g in n.grades}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--assignment", default="a1_linear_regression")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-unsandboxed", action="store_true", help="skip run 2 (the sandbox's cost)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="autograde-bench-") as folder:
        root = notebooks.copy_course(Path(folder) / "course")
        count = len(make_submissions(root, args.assignment, args.submissions))
        print(f"{count} submissions of {args.assignment}, {os.cpu_count()} cores")

        def report(label: str, seconds: float) -> None:
            print(f"  {label:<48} {seconds:7.1f} s  {seconds / count:5.2f} s per submission")

        # Warm the disk cache and the gradebook, so that the first timed run is not the only cold one.
        timed([NBGRADER, "autograde", args.assignment, "--force", "--student", "student000"], root)
        serial = timed([NBGRADER, "autograde", args.assignment, "--force"], root)
        serial_grades = grades(root, args.assignment)
        report("nbgrader autograde (serial, sandboxed)", serial)
        unsandboxed = None
        if not args.skip_unsandboxed:
            unsandboxed = timed([NBGRADER, "autograde", args.assignment, "--force",
                                 "--GradingExecute.sandbox=False"], root)
            report("nbgrader autograde (serial, no sandbox)", unsandboxed)
        parallel = timed([sys.executable, "-m", "instructor", "autograde", args.assignment,
                          "--jobs", str(args.jobs)], root)
        same = grades(root, args.assignment) == serial_grades
        report(f"python -m instructor autograde --jobs {args.jobs}", parallel)
        print(f"serial / parallel: {serial / parallel:.2f}x; the same grades: {'yes' if same else 'NO'}")
        if unsandboxed is not None:
            print(f"sandbox overhead: {(serial - unsandboxed) / count * 1000:+.0f} ms per submission "
                  f"({(serial / unsandboxed - 1):+.0%})")
        print(f"a class of {CLASS_SIZE}: about {serial / count * CLASS_SIZE / 60:.1f} min serially, "
              f"{parallel / count * CLASS_SIZE / 60:.1f} min with --jobs {args.jobs}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
