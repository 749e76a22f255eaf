"""`python -m instructor build`: from the MyST sources to a validated release/.

1. sync: rebuild every source .ipynb from its MyST .md;
2. lint: the rules of `instructor.lint`;
3. generate: `nbgrader generate_assignment --force` for every assignment, and
   course/release_manifest.json from release/ (what `python -m course validate`
   checks a student's copy against);
4. validate: every source notebook passes every test, hidden tests verified
   against the references; every release notebook passes none.

nbgrader's own `validate` command exits 0 whatever it finds, so its exit code
proves nothing; this command exits 1 on any failure, naming the notebook and
the cell.  Steps 3 and 4 run through nbgrader's Python API in this process
(validation fans out over the cores), not as one command per notebook.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbconvert.filters import strip_ansi

from instructor import lint, notebooks
from instructor.config import load_config


def _validator(root: Path, invert: bool):
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, Execute
    from nbgrader.validator import Validator

    from instructor.verify import VerifyHiddenTests

    class VerifyingValidator(Validator):
        """nbgrader's validator, with hidden tests checked as autograde checks them."""

        preprocessors = [CheckCellMetadata, ClearOutput, Execute, VerifyHiddenTests]

    return VerifyingValidator(config=load_config(root), invert=invert)


def _cell_names(path: Path) -> dict[str, str]:
    notebook = nbformat.read(path, as_version=4)
    return {cell.source.strip(): lint.cell_name(cell, i) for i, cell in enumerate(notebook.cells)}


def validate(path: Path, root: Path, invert: bool = False) -> list[str]:
    """Problems found validating one notebook (inverted: cells that pass)."""
    results = _validator(root, invert).validate(str(path))
    names = _cell_names(path)
    rel = os.path.relpath(path, root)
    found = []
    for kind, cells in results.items():
        for cell in cells:
            name = names.get(cell["source"].strip(), "a cell")
            if kind == "failed":
                error = strip_ansi(cell["raw_error"]).strip().splitlines()
                found.append(f"{rel}, {name}: fails:\n      " + "\n      ".join(error[-12:]))
            elif kind == "passed":
                found.append(f"{rel}, {name}: passes in the student version "
                             f"(a test that passes before any answer proves nothing)")
            else:
                found.append(f"{rel}, {name}: {kind} (checksum or cell type changed)")
    return found


def _validate_task(task: tuple[str, str, bool]) -> list[str]:
    path, root, invert = task
    return validate(Path(path), Path(root), invert)


def generate(root: Path, assignment: str) -> list[str]:
    """Regenerate release/<assignment>; problems, if any."""
    from nbgrader.apps import NbGraderAPI

    result = NbGraderAPI(config=load_config(root)).generate_assignment(assignment, force=True)
    if result["success"]:
        return []
    return [f"generate_assignment {assignment} failed:\n{result.get('log', '')}\n{result.get('error', '')}"]


def build(root: Path = notebooks.ROOT, selected: list[str] | None = None, jobs: int | None = None,
          out=sys.stdout) -> int:
    """Sync, lint, generate and validate; 0 if everything passed, else 1."""
    started = time.perf_counter()
    names = selected or notebooks.assignments(root)
    unknown = set(names) - set(notebooks.assignments(root))
    if unknown:
        print(f"No such assignment in source/: {', '.join(sorted(unknown))}", file=out)
        return 1
    sources = [md for name in names for md in notebooks.source_markdown(root, name)]

    changed = [md for md in sources if notebooks.sync(md)]
    print(f"sync: {len(sources)} notebooks, {len(changed)} rewritten from their MyST source", file=out)

    problems = [p for md in sources for p in lint.problems(notebooks.paired_ipynb(md))]
    if not problems:
        for name in names:
            problems += generate(root, name)
        print(f"generate: release/ rebuilt for {', '.join(names)}", file=out)
        if not problems and (root / "course").is_dir():
            from instructor.distribution import write_manifest
            if write_manifest(root):
                print("generate: course/release_manifest.json rewritten from release/", file=out)
    if not problems:
        tasks = [(str(notebooks.paired_ipynb(md)), str(root), False) for md in sources]
        tasks += [(str(root / "release" / md.parent.name / notebooks.paired_ipynb(md).name), str(root), True)
                  for md in sources]
        # A fork server, not fork: the caller may hold threads (JAX does) that
        # a forked child would inherit mid-lock.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["instructor.build"])
        with ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1, mp_context=context) as pool:
            for found in pool.map(_validate_task, tasks):
                problems += found
        print(f"validate: {len(sources)} source notebooks (every test must pass) and "
              f"{len(sources)} release notebooks (no test may pass)", file=out)

    seconds = time.perf_counter() - started
    if problems:
        print(f"\nBUILD FAILED ({len(problems)} problems, {seconds:.1f} s):", file=out)
        for problem in problems:
            print(f"  - {problem}", file=out)
        return 1
    print(f"build passed in {seconds:.1f} s", file=out)
    return 0
