"""`python -m course validate` against the autograde of the same notebook, side by side.

    .venv/bin/python benchmarks/validate.py [--repeat 5] [--assignment a1_linear_regression ...] [--kind solved]

In a temporary copy of the course, one submission (solved, blank or the classic slip) of
each assignment is put in submitted/ and the same notebook in a student's folder.  Each
round times, one after the other and alternating which goes first:

1. `python -m course validate ASSIGNMENT_FOLDER` (what a student or a classroom's CI runs);
2. `nbgrader autograde ASSIGNMENT --student ID --force` (the course's grading pipeline: the
   sandbox, the hidden tests' verification, the gradebook).

Prints the median and range of each, and validate's median over autograde's against the
target: never slower than 1.5x.  Autograde runs in the sandbox when bwrap works here, and
without it otherwise (the output says which).  Not a timed test: figures depend on the
machine and its load (the load average is printed); the ratio is measured side by side.
"""
from __future__ import annotations

import argparse
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
warnings.filterwarnings("ignore", module="nbgrader")

from instructor import gradebook, notebooks, submissions  # noqa: E402

NBGRADER = str(Path(sys.executable).with_name("nbgrader"))
TARGET = 1.5
STUDENT = "benchmark"


def sandbox_available() -> tuple[bool, str]:
    from instructor.sandbox import SandboxUnavailable, check_bwrap

    try:
        check_bwrap()
    except SandboxUnavailable as missing:
        return False, str(missing)
    return True, ""


def submission(assignment: str, kind: str, root: Path):
    import importlib

    solved = submissions.solved(assignment, root)
    if kind == "blank":
        return submissions.blank(assignment, root)
    if kind == "slip":
        return submissions.with_edits(solved, importlib.import_module(f"tests.spec_{assignment}").SLIP["edits"])
    return solved


def timed(command: list[str], cwd: Path, allowed: tuple[int, ...]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in allowed:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def describe(values: list[float]) -> str:
    return f"median {statistics.median(values):5.2f} s  (range {min(values):.2f}-{max(values):.2f} s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="rounds per assignment (default 5)")
    parser.add_argument("--assignment", action="append", default=None, help="default: every assignment")
    parser.add_argument("--kind", choices=("solved", "blank", "slip"), default="solved")
    args = parser.parse_args()

    from instructor.build import generate

    sandboxed, why_not = sandbox_available()
    grading = "sandboxed (bubblewrap)" if sandboxed else f"UNSANDBOXED: bwrap unavailable here ({why_not})"
    print(f"autograde: {grading}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
          f"{args.repeat} rounds, {args.kind} submissions")
    assignments = args.assignment or notebooks.assignments()
    verdicts = []
    with tempfile.TemporaryDirectory() as scratch:
        root = notebooks.copy_course(Path(scratch) / "course")
        work = Path(scratch) / "student"
        for assignment in assignments:
            problems = generate(root, assignment)
            if problems:
                sys.exit("\n".join(problems))
            name, _ = submissions.release_notebook(assignment, root)
            notebook = submission(assignment, args.kind, root)
            gradebook.submit(root, assignment, STUDENT, name, notebook)
            (work / assignment).mkdir(parents=True)
            import nbformat
            nbformat.write(notebook, work / assignment / f"{name}.ipynb")

            validate = [sys.executable, "-m", "course", "validate", assignment]
            autograde = [NBGRADER, "autograde", assignment, "--student", STUDENT, "--force"]
            if not sandboxed:
                autograde.append("--GradingExecute.sandbox=False")
            times: dict[str, list[float]] = {"validate": [], "autograde": []}
            for round_ in range(args.repeat):
                order = ("validate", "autograde") if round_ % 2 == 0 else ("autograde", "validate")
                for which in order:
                    if which == "validate":
                        times[which].append(timed(validate, work, allowed=(0, 1)))
                    else:
                        times[which].append(timed(autograde, root, allowed=(0,)))
            ratio = statistics.median(times["validate"]) / statistics.median(times["autograde"])
            verdict = "MET" if ratio <= TARGET else "MISSED"
            verdicts.append(verdict)
            print(f"\n{assignment} ({name}.ipynb)")
            print(f"  python -m course validate   {describe(times['validate'])}")
            print(f"  nbgrader autograde          {describe(times['autograde'])}")
            print(f"  validate / autograde = {ratio:.2f}x (target <= {TARGET}x): {verdict}")
    overall = "MET" if all(v == "MET" for v in verdicts) else "MISSED"
    print(f"\ntarget (validate never slower than {TARGET}x autograde): {overall} for {len(verdicts)} assignments")
    return 0 if overall == "MET" else 1


if __name__ == "__main__":
    sys.exit(main())
