"""How fast the course runs, builds and grades, against the cost of starting a kernel.

    .venv/bin/python benchmarks/speed.py [--repeat N] [--skip SECTION ...]

Prints, side by side in one run (each figure the median of N runs):

1. notebooks: each assignment's source notebook executed headless (every cell,
   demos included) against a notebook holding only its imports; target ≤ 2×.
2. build: `python -m instructor build` for every assignment (sync, lint,
   generate, validate, validate inverted); target < 30 s.
3. autograde: one solved submission of each assignment against a trivial
   one-cell submission, both through nbgrader's autograde API; target ≤ 1.5×.
4. sliders: every learning-rate slider's redraw latency (benchmarks/sliders.py).
5. start-up: the commands the course runs, against `python -c pass`.

Everything runs in a temporary copy of the course; the repository is not touched.
Figures depend on the machine and its load: compare ratios, which are measured
side by side, rather than seconds.
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


def median_seconds(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def verdict(value: float, target: float) -> str:
    return "ok" if value <= target else f"MISSED by {value / target - 1:.0%}"


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


def execute(notebook: nbformat.NotebookNode, cwd: Path) -> None:
    from nbclient import NotebookClient

    NotebookClient(copy.deepcopy(notebook), timeout=600, kernel_name="python3",
                   extra_arguments=["--IPKernelApp.log_level=ERROR"],
                   resources={"metadata": {"path": str(cwd)}}).execute()


def bench_notebooks(repeat: int) -> list[tuple[str, float, float]]:
    rows = []
    for markdown in notebooks.source_markdown():
        ipynb = notebooks.paired_ipynb(markdown)
        notebook = nbformat.read(ipynb, as_version=4)
        baseline = imports_only(notebook)
        empty = median_seconds(lambda: execute(baseline, ipynb.parent), repeat)
        full = median_seconds(lambda: execute(notebook, ipynb.parent), repeat)
        rows.append((markdown.parent.name, full, empty))
    return rows


# --- 2. the instructor build -----------------------------------------------------

def bench_build(repeat: int) -> float:
    def build():
        with tempfile.TemporaryDirectory() as folder:
            course = notebooks.copy_course(Path(folder), also=("release",))
            subprocess.run([PYTHON, "-m", "instructor", "build"], cwd=course, check=True,
                           stdout=subprocess.DEVNULL)
    return median_seconds(build, repeat)


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


def bench_autograde(repeat: int) -> list[tuple[str, float]]:
    from instructor import gradebook
    from instructor.build import generate
    from instructor.submissions import release_notebook, solved

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        course = notebooks.copy_course(Path(folder), also=("release",))
        assignments = notebooks.assignments(course)
        add_trivial_assignment(course)
        for assignment in [*assignments, TRIVIAL]:
            assert not generate(course, assignment), f"could not generate {assignment}"
            name, notebook = release_notebook(assignment, course)
            submission = notebook if assignment == TRIVIAL else solved(assignment, course)
            gradebook.submit(course, assignment, "benchmark", name, submission)

            def grade():
                result = gradebook.autograde(course, assignment, "benchmark")
                assert result["success"], result.get("log")
            grade()  # the first grading also creates the student and the gradebook: not timed
            rows.append((assignment, median_seconds(grade, repeat)))
    return rows


# --- 5. start-up ---------------------------------------------------------------------

STARTUP_COMMANDS = {
    "python -c pass": [PYTHON, "-c", "pass"],
    "nbgrader --version": [str(Path(PYTHON).with_name("nbgrader")), "--version"],
    "jupytext --version": [str(Path(PYTHON).with_name("jupytext")), "--version"],
    "python -c 'import nbformat'": [PYTHON, "-c", "import nbformat"],
    "python -m instructor --help": [PYTHON, "-m", "instructor", "--help"],
}


def bench_startup(repeat: int) -> list[tuple[str, float]]:
    return [(label, median_seconds(lambda: subprocess.run(command, cwd=ROOT, check=True,
                                                             stdout=subprocess.DEVNULL), repeat))
            for label, command in STARTUP_COMMANDS.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS)
    args = parser.parse_args(argv)
    print(f"backprop course speed benchmark: median of {args.repeat} runs, python {sys.version.split()[0]}")

    if "notebooks" not in args.skip:
        print("\n1. headless execution, whole source notebook vs a notebook of its imports only "
              f"(target ≤ {TARGETS['notebook']:g}×)")
        print(f"   {'assignment':<24}{'notebook':>10}{'imports':>10}{'ratio':>8}  verdict")
        for name, full, empty in bench_notebooks(args.repeat):
            ratio = full / empty
            print(f"   {name:<24}{full:>9.2f}s{empty:>9.2f}s{ratio:>7.2f}×  {verdict(ratio, TARGETS['notebook'])}")

    if "build" not in args.skip:
        seconds = bench_build(args.repeat)
        count = len(notebooks.assignments())
        print(f"\n2. instructor build, {count} assignments (sync, lint, generate, validate both ways; "
              f"target < {TARGETS['build']:g} s)")
        print(f"   python -m instructor build: {seconds:.1f} s  {verdict(seconds, TARGETS['build'])}")

    if "autograde" not in args.skip:
        rows = bench_autograde(args.repeat)
        trivial = dict(rows)[TRIVIAL]
        print(f"\n3. autograde of one submission (nbgrader's API, in process) vs a one-cell submission "
              f"(target ≤ {TARGETS['autograde']:g}×)")
        print(f"   {'assignment':<24}{'seconds':>9}{'ratio':>8}  verdict")
        for name, seconds in rows:
            ratio = seconds / trivial
            note = "the trivial submission" if name == TRIVIAL else verdict(ratio, TARGETS["autograde"])
            print(f"   {name:<24}{seconds:>8.2f}s{ratio:>7.2f}×  {note}")

    if "sliders" not in args.skip:
        print("\n4. slider latency (benchmarks/sliders.py)")
        sys.stdout.flush()
        subprocess.run([PYTHON, str(ROOT / "benchmarks" / "sliders.py")], cwd=ROOT, check=False)

    if "startup" not in args.skip:
        print("\n5. start-up of the commands the course runs")
        for label, seconds in bench_startup(args.repeat):
            print(f"   {label:<32}{seconds:>6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
