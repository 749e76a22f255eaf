"""JupyterLab's Validate button and `python -m course validate` give the same verdict.

JupyterLab is started in a student's copy of the distribution, as its README says
(`jupyter lab` from that folder, so nbgrader reads the copy's nbgrader_config.py), and
the notebooks of the round trip (reference, blank, one classic slip per assignment, and
an edited test cell) are validated through nbgrader's server extension: the request
the toolbar's Validate button sends, `POST /assignments/validate`.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from instructor import notebooks, submissions
from tests.lab import JupyterLab
from tests.test_assignments import spec

ASSIGNMENTS = notebooks.assignments()
BUTTON_VERDICT = {"passed": 0, "failed": 1, "changed": 2}


def button_verdict(lab: JupyterLab, path: str) -> tuple[str, dict]:
    """What the Validate button is told for the notebook at `path` (relative to JupyterLab's root)."""
    request = urllib.request.Request(
        f"{lab.base}/assignments/validate", data=urllib.parse.urlencode({"path": path}).encode(),
        headers={"Authorization": f"token {lab.token}"}, method="POST")
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.loads(response.read())
    assert answer["success"], answer.get("value")
    results = answer["value"]
    if results.get("changed") or results.get("type_changed"):
        return "changed", results
    return ("failed" if results.get("failed") else "passed"), results


def _demo_cell_kills_the_kernel(notebook):
    """Harmless at grading, where demo cells are skipped; fatal if the button ran them."""
    notebook = copy.deepcopy(notebook)
    demo = next(c for c in notebook.cells if c.cell_type == "code" and "demo" in c.metadata.get("tags", []))
    demo.source = "import os\nos._exit(1)"
    return notebook


def _edited_test_cell(notebook):
    notebook = copy.deepcopy(notebook)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade") and
                not c.metadata["nbgrader"].get("solution"))
    cell.source = "pass  # emptied"
    return notebook


@pytest.fixture(scope="module")
def student_copy(distribution, tmp_path_factory) -> Path:
    """The student's folder: the distribution, with the round trip's notebooks beside the blank ones."""
    folder = tmp_path_factory.mktemp("student") / "backprop-course"
    shutil.copytree(distribution / "backprop-course", folder)
    for assignment in ASSIGNMENTS:
        name, blank = submissions.release_notebook(assignment)
        reference = submissions.solved(assignment)
        cases = {"reference": reference, "blank": blank,
                 "slip": submissions.with_edits(reference, spec(assignment).SLIP["edits"]),
                 "edited": _edited_test_cell(reference), "demo": _demo_cell_kills_the_kernel(reference)}
        for kind, notebook in cases.items():
            (folder / kind / assignment).mkdir(parents=True)
            nbformat.write(notebook, folder / kind / assignment / f"{name}.ipynb")
    return folder


@pytest.fixture(scope="module")
def lab(student_copy, tmp_path_factory):
    command = [str(Path(sys.executable).with_name("jupyter")), "lab", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.root_dir={student_copy}"] + (["--allow-root"] if os.getuid() == 0 else [])
    with JupyterLab(tmp_path_factory.mktemp("lab-state"), command=command, cwd=student_copy) as server:
        yield server


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_validate_button_agrees_with_the_command(lab, student_copy, assignment):
    name, _ = submissions.release_notebook(assignment)
    # "demo": passes only if the button skips demo cells as grading does (the copy's nbgrader_config.py).
    expected = {"reference": "passed", "blank": "failed", "slip": "failed", "edited": "changed", "demo": "passed"}
    for kind, verdict in expected.items():
        relative = f"{kind}/{assignment}/{name}.ipynb"
        started = time.perf_counter()
        button, results = button_verdict(lab, relative)
        print(f"{relative}: the button took {time.perf_counter() - started:.1f} s")
        command = subprocess.run([sys.executable, "-m", "course", "validate", relative], cwd=student_copy,
                                 capture_output=True, text=True, timeout=300)
        assert button == verdict, f"{relative}: the button says {button}: {results}"
        assert command.returncode == BUTTON_VERDICT[button], (
            f"{relative}: the button says {button}, the command exits {command.returncode}\n{command.stdout}")
        if button == "failed":
            # The same cells fail: each failing cell's source is one the command names as FAIL.
            failing = {line.split()[1] for line in command.stdout.splitlines() if line.startswith("  FAIL")}
            sources = {c.metadata.nbgrader["grade_id"]: c.source.strip()
                       for c in nbformat.read(student_copy / relative, as_version=4).cells
                       if c.metadata.get("nbgrader", {}).get("grade")}
            assert {g for g, s in sources.items() if s in {f["source"] for f in results["failed"]}} == failing


@pytest.mark.parametrize("kind,verdict", [("reference", 0), ("slip", 1)])
def test_the_button_itself_in_a_browser(lab, student_copy, kind, verdict):
    """The toolbar's Validate, clicked in headless Chromium: its dialog says what the command's exit code says."""
    from tests.test_browser import _missing  # the browser test's own check (fails under CI=true)

    if _missing:
        pytest.skip(_missing)
    from tests.lab import Notebook, chromium

    assignment = ASSIGNMENTS[0]
    name, _ = submissions.release_notebook(assignment)
    relative = f"{kind}/{assignment}/{name}.ipynb"
    with chromium() as page:
        Notebook(page, lab, relative).open()
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").first.click()
        dialog = page.locator(".jp-Dialog").filter(has_text="Validation Results")
        dialog.wait_for(timeout=180_000)
        page.wait_for_function("() => !document.querySelector('.jp-Dialog')?.textContent.includes('Validating')",
                               timeout=180_000)
        text = " ".join(dialog.inner_text().split())
    command = subprocess.run([sys.executable, "-m", "course", "validate", relative], cwd=student_copy,
                             capture_output=True, text=True, timeout=300)
    assert command.returncode == verdict, command.stdout
    if verdict == 0:
        assert "Success! Your notebook passes all the tests." in text, text
    else:
        # One failing cell, the one the command names, with the same message.
        assert text.count("The following cell failed") == 1, text
        assert "Success!" not in text
        slip = spec(assignment).SLIP
        [failing] = slip["failing_cells"]
        assert f"FAIL  {failing}" in command.stdout, command.stdout
        assert slip["feedback_mentions"] in text and slip["feedback_mentions"] in command.stdout, (text, command.stdout)
