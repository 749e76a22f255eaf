"""Grading a cohort: plain `nbgrader autograde` against `python -m instructor autograde --jobs N`.

    .venv/bin/python benchmarks/autograde_parallel.py [--submissions 20] [--rounds 3]
                                                      [--assignment a1_linear_regression]
                                                      [--jobs N] [--skip-unsandboxed]

In a temporary copy of the course, makes N synthetic submissions of one
assignment (solved, blank, the classic slip, one exercise unfinished, in turn),
then grades them all, side by side in one run, in each of `--rounds` rounds:

1. serially with nbgrader's own command, `nbgrader autograde ASSIGNMENT --force`
   (the course's pipeline: every kernel sandboxed);
2. the same with the sandbox off (`--GradingExecute.sandbox=False`): the
   difference is the sandbox's cost per submission;
3. with the course's command, `python -m instructor autograde ASSIGNMENT --jobs N`
   (sandboxed, N kernels at once; default: every core).

The order of the three runs rotates from round to round (a disk cache or a
neighbour's load favours no run). Each figure is the median over the rounds,
with its range (min–max); each ratio is taken within a round, then summarised
the same way. Targets: serial / parallel ≥ 0.8 × jobs; sandbox ≤ 10 % of a
serial submission; the parallel gradebook holds the serial one's grades.  A
missed target is printed as MISSED and makes the script exit 1.  Not a timed
test: figures depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
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


def spread(values: list[float], unit: str = "", digits: int = 2) -> str:
    """"median (min–max)" of `values`."""
    f = f"{{:.{digits}f}}"
    return (f"{f.format(statistics.median(values))}{unit} "
            f"({f.format(min(values))}–{f.format(max(values))}{unit})")


def verdict(ok: bool, missed: str) -> str:
    return "ok" if ok else f"MISSED: {missed}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of the three runs (order rotated)")
    parser.add_argument("--assignment", default="a1_linear_regression")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-unsandboxed", action="store_true", help="skip run 2 (the sandbox's cost)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each line as it is measured, even into a file

    with tempfile.TemporaryDirectory(prefix="autograde-bench-") as folder:
        root = notebooks.copy_course(Path(folder) / "course")
        count = len(make_submissions(root, args.assignment, args.submissions))
        print(f"{count} submissions of {args.assignment}, {os.cpu_count()} cores, --jobs {args.jobs}, "
              f"{args.rounds} rounds (order rotated); figures: median (min–max) over the rounds")

        runs = {
            "serial": [NBGRADER, "autograde", args.assignment, "--force"],
            "parallel": [sys.executable, "-m", "instructor", "autograde", args.assignment, "--jobs", str(args.jobs)],
        }
        if not args.skip_unsandboxed:
            runs["unsandboxed"] = [NBGRADER, "autograde", args.assignment, "--force", "--GradingExecute.sandbox=False"]
        # Warm the disk cache and the gradebook, so that the first timed run is not the only cold one.
        timed([NBGRADER, "autograde", args.assignment, "--force", "--student", "student000"], root)
        timed(runs["serial"], root)
        reference_grades = grades(root, args.assignment)

        seconds = {name: [] for name in runs}
        same = True
        names = list(runs)
        for round_ in range(args.rounds):
            order = names[round_ % len(names):] + names[:round_ % len(names)]  # each run first once
            for name in order:
                seconds[name].append(timed(runs[name], root))
                same &= grades(root, args.assignment) == reference_grades
            print(f"  round {round_ + 1}: " + ", ".join(f"{n} {seconds[n][-1]:.1f} s" for n in order))

        per = {name: [t / count for t in times] for name, times in seconds.items()}
        print(f"  {'nbgrader autograde (serial, sandboxed)':<48} {spread(per['serial'], ' s')} per submission")
        if "unsandboxed" in per:
            print(f"  {'nbgrader autograde (serial, no sandbox)':<48} {spread(per['unsandboxed'], ' s')} per submission")
        print(f"  {f'python -m instructor autograde --jobs {args.jobs}':<48} {spread(per['parallel'], ' s')} per submission")

        failures = 0
        speedups = [s / p for s, p in zip(seconds["serial"], seconds["parallel"])]
        target = 0.8 * args.jobs
        ok = statistics.median(speedups) >= target
        failures += not ok
        print(f"serial / parallel: {spread(speedups, '×')}  target ≥ {target:.1f}×: "
              f"{verdict(ok, f'median {statistics.median(speedups):.2f}×')}")
        print(f"the same grades as serial nbgrader autograde, every round: {'yes' if same else 'NO'}")
        failures += not same
        if "unsandboxed" in per:
            overhead = [(s - u) * 1000 for s, u in zip(per["serial"], per["unsandboxed"])]
            share = [(s / u - 1) * 100 for s, u in zip(per["serial"], per["unsandboxed"])]
            ok = statistics.median(share) <= 10
            failures += not ok
            print(f"sandbox overhead: {spread(overhead, ' ms', 0)} per submission, {spread(share, ' %', 0)}  "
                  f"target ≤ 10 %: {verdict(ok, f'median {statistics.median(share):.0f} %')}")
        print(f"a class of {CLASS_SIZE}: about {statistics.median(per['serial']) * CLASS_SIZE / 60:.1f} min "
              f"serially, {statistics.median(per['parallel']) * CLASS_SIZE / 60:.1f} min with --jobs {args.jobs}")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
