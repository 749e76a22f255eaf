"""How fast the course runs, builds and grades, against the cost of starting a kernel.

    .venv/bin/python benchmarks/speed.py [--repeat N] [--skip SECTION ...]

Prints, side by side in one run, each figure as the median of N runs with its
range (min–max), and each ratio taken within one repetition, its two sides run
back to back in alternating order:

1. notebooks: each assignment's source notebook executed headless (every cell,
   demos included) against a notebook holding only its imports; target ≤ 2×.
   Also the slowest graded cell (hidden tests included) of each, from the
   executed notebook's own cell timings; target < 1 s.
2. build: `python -m instructor build` for every assignment (sync, lint,
   generate, validate, validate inverted); target < 30 s.
3. autograde: one solved submission of each assignment against a trivial
   one-cell submission, both through nbgrader's autograde API; target ≤ 1.5×.
4. sliders: every learning-rate slider's redraw latency (benchmarks/sliders.py).
5. start-up: the commands the course runs, against `python -c pass`.

A missed target is printed as MISSED and makes the script exit 1.  Everything
runs in a temporary copy of the course; the repository is not touched.
Figures depend on the machine and its load: ratios, measured side by side,
depend on it less than seconds do.
"""
from __future__ import annotations

import argparse
import ast
import warnings
import copy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_notebook  # noqa: E402

from instructor import notebooks  # noqa: E402

PYTHON = sys.executable
# nbgrader's gradebook code triggers these inside SQLAlchemy (as in the test suite's filter).
warnings.filterwarnings("ignore", module="nbgrader")
warnings.filterwarnings("ignore", message=".*not in session.*")
TARGETS = {"notebook": 2.0, "build": 30.0, "autograde": 1.5}
SECTIONS = ("notebooks", "build", "autograde", "sliders", "startup")


def seconds_of(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def repeated_seconds(run, repeat: int) -> list[float]:
    return [seconds_of(run) for _ in range(repeat)]


def side_by_side(first, second, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds of `first` and of `second`, run back to back `repeat` times, in alternating order."""
    a, b = [], []
    for i in range(repeat):
        if i % 2:
            b.append(seconds_of(second))
            a.append(seconds_of(first))
        else:
            a.append(seconds_of(first))
            b.append(seconds_of(second))
    return a, b


def spread(values: list[float], unit: str = "", digits: int = 2) -> str:
    """"median (min–max)" of `values`."""
    f = f"{{:.{digits}f}}"
    return (f"{f.format(statistics.median(values))}{unit} "
            f"({f.format(min(values))}–{f.format(max(values))}{unit})")


MISSED: list[str] = []


def verdict(what: str, value: float, target: float, below: bool = False) -> str:
    """"ok", or "MISSED by N%" (recorded: the script then exits 1)."""
    ok = value < target if below else value <= target
    if ok:
        return "ok"
    MISSED.append(what)
    return f"MISSED by {value / target - 1:.0%}"


# --- 1. notebooks against their imports ------------------------------------------

def imports_only(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A notebook with one cell: every top-level import statement of `notebook`, in order."""
    lines = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics
            continue
        lines += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return new_notebook(cells=[new_code_cell("\n".join(dict.fromkeys(lines)))],
                        metadata=copy.deepcopy(notebook.metadata))


def execute(notebook: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """`notebook` executed headless (a copy; nbclient records each cell's timing)."""
    from nbclient import NotebookClient

    executed = copy.deepcopy(notebook)
    NotebookClient(executed, timeout=600, kernel_name="python3", record_timing=True,
                   extra_arguments=["--IPKernelApp.log_level=ERROR"],
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return executed


def slowest_graded_cell(executed: nbformat.NotebookNode) -> tuple[str, float]:
    """(grade id, seconds) of the graded cell that ran longest, from nbclient's timings."""
    from datetime import datetime

    def seconds(cell) -> float:
        timing = cell.metadata["execution"]
        start, end = (datetime.fromisoformat(timing[key].replace("Z", "+00:00"))
                      for key in ("iopub.execute_input", "shell.execute_reply"))
        return (end - start).total_seconds()

    graded = [(cell.metadata["nbgrader"]["grade_id"], seconds(cell)) for cell in executed.cells
              if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")]
    return max(graded, key=lambda item: item[1])


def bench_notebooks(repeat: int) -> list[tuple[str, list[float], list[float], list[float], str]]:
    """(assignment, full seconds, imports-only seconds, slowest graded cell's seconds, its id) per notebook."""
    rows = []
    for markdown in notebooks.source_markdown():
        ipynb = notebooks.paired_ipynb(markdown)
        notebook = nbformat.read(ipynb, as_version=4)
        baseline = imports_only(notebook)
        graded: list[tuple[str, float]] = []
        full, empty = side_by_side(lambda: graded.append(slowest_graded_cell(execute(notebook, ipynb.parent))),
                                   lambda: execute(baseline, ipynb.parent), repeat)
        rows.append((markdown.parent.name, full, empty, [g[1] for g in graded], max(graded, key=lambda g: g[1])[0]))
    return rows


# --- 2. the instructor build -----------------------------------------------------

def bench_build(repeat: int) -> list[float]:
    def build():
        with tempfile.TemporaryDirectory() as folder:
            course = notebooks.copy_course(Path(folder), also=("release",))
            subprocess.run([PYTHON, "-m", "instructor", "build"], cwd=course, check=True,
                           stdout=subprocess.DEVNULL)
    return repeated_seconds(build, repeat)


# --- 3. autograde against a trivial submission -------------------------------------

TRIVIAL = "zz_trivial"


def add_trivial_assignment(course: Path) -> None:
    """An assignment of one graded cell, `assert True`: what grading costs beyond the notebook."""
    cell = new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 1, "grade_id": "trivial",
        "schema_version": 3}})
    folder = course / "source" / TRIVIAL
    folder.mkdir()
    nbformat.write(new_notebook(cells=[cell], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), folder / "trivial.ipynb")


def bench_autograde(repeat: int) -> list[tuple[str, list[float], list[float]]]:
    """(assignment, seconds of its solved submission, of the trivial one beside it) per assignment."""
    from instructor import gradebook
    from instructor.build import generate
    from instructor.submissions import release_notebook, solved

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        course = notebooks.copy_course(Path(folder), also=("release",))
        assignments = notebooks.assignments(course)
        add_trivial_assignment(course)

        def grader(assignment: str):
            def grade():
                result = gradebook.autograde(course, assignment, "benchmark")
                assert result["success"], result.get("log")
            return grade

        for assignment in [*assignments, TRIVIAL]:
            assert not generate(course, assignment), f"could not generate {assignment}"
            name, notebook = release_notebook(assignment, course)
            submission = notebook if assignment == TRIVIAL else solved(assignment, course)
            gradebook.submit(course, assignment, "benchmark", name, submission)
            grader(assignment)()  # the first grading also creates the student and the gradebook: not timed
        for assignment in assignments:
            solved_seconds, trivial_seconds = side_by_side(grader(assignment), grader(TRIVIAL), repeat)
            rows.append((assignment, solved_seconds, trivial_seconds))
    return rows


# --- 5. start-up ---------------------------------------------------------------------

STARTUP_COMMANDS = {
    "python -c pass": [PYTHON, "-c", "pass"],
    "nbgrader --version": [str(Path(PYTHON).with_name("nbgrader")), "--version"],
    "jupytext --version": [str(Path(PYTHON).with_name("jupytext")), "--version"],
    "python -c 'import nbformat'": [PYTHON, "-c", "import nbformat"],
    "python -m instructor --help": [PYTHON, "-m", "instructor", "--help"],
}


def bench_startup(repeat: int) -> list[tuple[str, list[float]]]:
    return [(label, repeated_seconds(lambda: subprocess.run(command, cwd=ROOT, check=True,
                                                               stdout=subprocess.DEVNULL), repeat))
            for label, command in STARTUP_COMMANDS.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median and range)")
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # each line as it is measured, even into a file
    print(f"backprop course speed benchmark: {args.repeat} runs per figure, median (min–max), "
          f"python {sys.version.split()[0]}")

    if "notebooks" not in args.skip:
        print("\n1. headless execution, whole source notebook vs a notebook of its imports only, back to back "
              f"(target ≤ {TARGETS['notebook']:g}×); the slowest graded cell (target < 1 s)")
        for name, full, empty, graded, grade_id in bench_notebooks(args.repeat):
            ratios = [f / e for f, e in zip(full, empty)]
            print(f"   {name}: notebook {spread(full, ' s')}, imports {spread(empty, ' s')}, ratio "
                  f"{spread(ratios, '×')}  {verdict(f'{name} notebook', statistics.median(ratios), TARGETS['notebook'])}")
            print(f"   {'':{len(name)}}  slowest graded cell {grade_id}: {spread(graded, ' s')}  "
                  f"{verdict(f'{name} graded cell', max(graded), 1.0, below=True)}")

    if "build" not in args.skip:
        seconds = bench_build(args.repeat)
        count = len(notebooks.assignments())
        print(f"\n2. instructor build, {count} assignments (sync, lint, generate, validate both ways; "
              f"target < {TARGETS['build']:g} s)")
        print(f"   python -m instructor build: {spread(seconds, ' s', 1)}  "
              f"{verdict('build', statistics.median(seconds), TARGETS['build'], below=True)}")

    if "autograde" not in args.skip:
        print(f"\n3. autograde of one solved submission (nbgrader's API, in process) vs a one-cell submission, "
              f"back to back (target ≤ {TARGETS['autograde']:g}×)")
        for name, solved_seconds, trivial_seconds in bench_autograde(args.repeat):
            ratios = [s / t for s, t in zip(solved_seconds, trivial_seconds)]
            print(f"   {name}: {spread(solved_seconds, ' s')}, trivial {spread(trivial_seconds, ' s')}, ratio "
                  f"{spread(ratios, '×')}  "
                  f"{verdict(f'{name} autograde', statistics.median(ratios), TARGETS['autograde'])}")

    if "sliders" not in args.skip:
        print("\n4. slider latency (benchmarks/sliders.py)")
        sys.stdout.flush()
        if subprocess.run([PYTHON, str(ROOT / "benchmarks" / "sliders.py")], cwd=ROOT).returncode:
            MISSED.append("sliders")

    if "startup" not in args.skip:
        print("\n5. start-up of the commands the course runs")
        for label, seconds in bench_startup(args.repeat):
            print(f"   {label:<32}{spread(seconds, ' s')}")

    print("\nMISSED: " + ", ".join(MISSED) if MISSED else "\nevery target met")
    return 1 if MISSED else 0


if __name__ == "__main__":
    sys.exit(main())
