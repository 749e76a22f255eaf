"""`python -m course validate`: the verdicts autograde gives, exit codes CI can trust, bad input named.

Every run is the command itself, in a subprocess started outside the course folder (where
`instructor` cannot be imported, as in a student's installation).
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest

from course import checks, limits, release_manifest
from instructor import distribution, gradebook, notebooks, sandbox, submissions
from instructor.config import load_config
from tests.conftest import ROOT
from tests.test_assignments import spec

ASSIGNMENTS = notebooks.assignments()
A1 = "a1_linear_regression"


def validate(*args: str, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run([sys.executable, "-m", "course", "validate", *args], cwd=cwd,
                          env={**environment, **(env or {})}, capture_output=True, text=True, timeout=timeout)


def lines_by_cell(stdout: str) -> dict[str, str]:
    """{grade_id: PASS or FAIL} from the report."""
    found = {}
    for line in stdout.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("PASS", "FAIL", "MANUAL"):
            found[words[1]] = words[0]
    return found


def write(folder: Path, name: str, notebook) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / name)
    return folder / name


def test_manifest_is_what_release_holds():
    committed = release_manifest.MANIFEST.read_text()
    assert committed == distribution.manifest_text(ROOT), (
        "course/release_manifest.json is stale: run `python -m instructor build`")
    text = json.dumps(json.loads(committed))
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN", "checks.record"):
        assert marker not in text


def test_limits_are_the_graders():
    """course/limits.py holds the numbers autograde enforces."""
    config = load_config(ROOT)
    assert config.Execute.timeout == limits.CELL_TIMEOUT_SECONDS
    assert config.Execute.skip_cells_with_tag == limits.DEMO_TAG
    assert config.GradingExecute.max_output_bytes == limits.MAX_OUTPUT_BYTES
    assert config.GradingExecute.memory_limit_mb == limits.MEMORY_LIMIT_MB
    assert checks.SECONDS_PER_CALL == limits.SECONDS_PER_CALL
    assert sandbox.BLOCKED_MODULES == limits.BLOCKED_MODULES
    assert config.GradingExecute.notebook_timeout == limits.NOTEBOOK_TIMEOUT_SECONDS
    assert sandbox.BLOCKED_MESSAGE == limits.BLOCKED_MESSAGE
    assert sandbox.SandboxedKernelManager.file_size_limit_mb.default_value == limits.FILE_SIZE_LIMIT_MB


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_verdicts_are_autogrades(course, assignment, tmp_path):
    """Reference, blank and slip: each test cell passes here exactly when autograde gives it full marks."""
    root = course.generated(assignment)
    name, _ = submissions.release_notebook(assignment, root)
    reference = submissions.solved(assignment, root)
    cases = {"reference": (reference, 0), "blank": (submissions.blank(assignment, root), 1),
             "slip": (submissions.with_edits(reference, spec(assignment).SLIP["edits"]), 1)}
    for kind, (notebook, exit_code) in cases.items():
        student = f"validate-{kind}"
        gradebook.submit(root, assignment, student, name, notebook)
        result = gradebook.autograde(root, assignment, student)
        assert result["success"], result.get("log", "")
        graded = gradebook.scores(root, assignment, student).cells
        path = write(tmp_path / kind / assignment, f"{name}.ipynb", notebook)
        done = validate(str(path), "--junit", str(tmp_path / f"{kind}.xml"), cwd=tmp_path)
        assert done.returncode == exit_code, f"{kind}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        assert "Traceback" not in done.stdout + done.stderr
        verdicts = lines_by_cell(done.stdout)
        tests = {cell: score for cell, score in graded.items() if cell.startswith("test_")}
        assert set(verdicts) == set(tests), (verdicts, graded)
        for cell, (score, max_score) in tests.items():
            expected = "PASS" if score == max_score else "FAIL"
            assert verdicts[cell] == expected, f"{kind}: {cell} {verdicts[cell]} here, {score}/{max_score} at autograde"
            assert f"{cell} ({release_manifest.points_label(max_score)})" in done.stdout
        assert done.stdout.count("hidden tests: checked when graded") == len(tests)
        suite = ET.parse(tmp_path / f"{kind}.xml").getroot()
        assert int(suite.get("tests")) == len(tests)
        assert int(suite.get("failures")) == sum(v == "FAIL" for v in verdicts.values())


def test_a_failure_says_what_is_wrong(tmp_path):
    reference = submissions.solved(A1)
    slip = submissions.with_edits(reference, spec(A1).SLIP["edits"])
    path = write(tmp_path / A1, "linear_regression.ipynb", slip)
    done = validate(str(path), cwd=tmp_path)
    assert done.returncode == 1
    assert "FAIL  test_loss_slope (1 point): public tests failed" in done.stdout
    assert "expected -24.8, got -12.4" in done.stdout
    assert "a factor 2 is missing" in done.stdout
    # One wrong link costs that link's cell only: the compositions take link values, not the link.
    assert lines_by_cell(done.stdout)["test_observation_gradient"] == "PASS"
    assert lines_by_cell(done.stdout)["test_batch_gradient"] == "PASS"
    assert done.stdout.rstrip().endswith("validate: 1 notebook, public tests failed (exit 1)")


def test_junit_and_github_actions(tmp_path):
    slip = submissions.with_edits(submissions.solved(A1), spec(A1).SLIP["edits"])
    path = write(tmp_path / "work" / A1, "linear_regression.ipynb", slip)
    summary = tmp_path / "summary.md"
    done = validate("work", "--junit", "out/results.xml", cwd=tmp_path,
                    env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 1, done.stdout + done.stderr
    [annotation] = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert annotation.startswith(f"::error file={path.relative_to(tmp_path)},"
                                 f"title=test_loss_slope failed (1 point)::loss_slope for")
    assert "%0A" in annotation and "\n" not in annotation
    assert "| test_loss_slope | 1 | **failed** |" in summary.read_text()
    root = ET.parse(tmp_path / "out" / "results.xml").getroot()
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == ("testsuites", "6", "1", "0")
    [failure] = root.iter("failure")
    case = next(c for c in root.iter("testcase") if c.find("failure") is not None)
    assert case.get("name") == "test_loss_slope"
    assert case.get("classname") == f"{A1}.linear_regression"
    assert "factor 2" in failure.text
    # Outside GitHub Actions: no workflow commands.
    assert not [l for l in validate("work", cwd=tmp_path).stdout.splitlines() if l.startswith("::")]


def _deleted(notebook, grade_id):
    notebook = copy.deepcopy(notebook)
    notebook.cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return notebook


def _edited(notebook, grade_id, forge_checksum=False):
    from nbgrader.utils import compute_checksum

    notebook = copy.deepcopy(notebook)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = "pass  # the test, emptied"
    if forge_checksum:
        cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return notebook


def _retagged(notebook, grade_id):
    notebook = copy.deepcopy(notebook)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.metadata.nbgrader["points"] = 100
    return notebook


def _killing(notebook):
    notebook = copy.deepcopy(notebook)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "batch_gradient")
    cell.source = "import os\nos._exit(3)"
    return notebook


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (arguments, what the message must say)."""
    reference = submissions.solved(A1)
    other_name, other = submissions.release_notebook("a2_sigmoid_networks")
    a1 = tmp / A1
    (tmp / "empty").mkdir()
    corrupt = tmp / "corrupt" / A1 / "linear_regression.ipynb"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_text(nbformat.writes(reference)[:5000])
    not_nb = tmp / "notes.txt"
    not_nb.write_text("hello")
    plain = write(tmp / "plain", "scratch.ipynb", nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    return {
        "missing path": ([str(tmp / "nowhere.ipynb")], "nowhere.ipynb: no such file or folder"),
        "empty folder": ([str(tmp / "empty")], "a folder with no notebook (.ipynb) in it"),
        "not a notebook file": ([str(not_nb)], "not a notebook (expected a .ipynb file)"),
        "corrupt JSON": ([str(corrupt)], "is not valid notebook JSON (line"),
        "another assignment, in this one's folder": (
            [str(write(tmp / "wrong" / A1, "linear_regression.ipynb", other))],
            "is a notebook of a2_sigmoid_networks (sigmoid_networks.ipynb), not of a1_linear_regression"),
        "another assignment, by --assignment": (
            [str(write(tmp / "named", f"{other_name}.ipynb", other)), "--assignment", A1],
            "is a notebook of a2_sigmoid_networks (sigmoid_networks.ipynb), not of a1_linear_regression"),
        "no such assignment": ([str(write(tmp / "x", "linear_regression.ipynb", reference)), "--assignment", "a9"],
                               "there is no assignment 'a9' in this course"),
        "not a course notebook": ([str(plain)], "is not a notebook of this course"),
        "deleted test cell": ([str(write(tmp / "deleted" / A1, "linear_regression.ipynb",
                                         _deleted(reference, "test_batch_gradient")))],
                              "test cell test_batch_gradient (1 point) was deleted"),
        "edited test cell": ([str(write(tmp / "edited" / A1, "linear_regression.ipynb",
                                        _edited(reference, "test_softmax")))],
                             "test cell test_softmax (1 point) was edited"),
        "edited test cell, checksum forged": (
            [str(write(tmp / "forged" / A1, "linear_regression.ipynb",
                       _edited(reference, "test_observation_gradient", forge_checksum=True)))],
            "test cell test_observation_gradient (1 point) was edited"),
        "points changed": ([str(write(tmp / "points" / A1, "linear_regression.ipynb",
                                      _retagged(reference, "test_softmax")))],
                           "test cell test_softmax: its nbgrader metadata"),
        "an instructor's source notebook": ([str(ROOT / "source" / A1 / "linear_regression.ipynb")],
                                            "is an instructor's source notebook"),
        "kernel death": ([str(write(tmp / "dies" / A1, "linear_regression.ipynb", _killing(reference)))],
                         "the kernel died while running cell batch_gradient"),
    }


def test_bad_input_exits_2_with_a_clear_message(tmp_path):
    for name, (arguments, message) in _bad_inputs(tmp_path).items():
        done = validate(*arguments, cwd=tmp_path)
        output = done.stdout + done.stderr
        assert done.returncode == 2, f"{name}: exit {done.returncode}\n{output}"
        assert message in done.stdout, f"{name}: {message!r} not in\n{output}"
        assert "Traceback" not in output, f"{name}:\n{output}"
        assert "ERROR  cannot be validated" in done.stdout, f"{name}: {output}"


def test_a_folder_validates_its_assignment_notebooks_only(tmp_path):
    folder = tmp_path / A1
    write(folder, "linear_regression.ipynb", submissions.solved(A1))
    write(folder, "scratch.ipynb", nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]))
    write(folder / ".ipynb_checkpoints", "linear_regression-checkpoint.ipynb", submissions.blank(A1))
    done = validate(str(folder), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "scratch.ipynb\n  SKIPPED  not an assignment notebook" in done.stdout
    assert "checkpoint" not in done.stdout
    assert "validate: 1 notebook, every public test passed (exit 0)" in done.stdout
    # Only scratch notebooks: nothing was validated, and that is not a pass.
    (folder / "linear_regression.ipynb").unlink()
    assert validate(str(folder), cwd=tmp_path).returncode == 2


def test_one_cell_and_several_notebooks(tmp_path):
    slip = submissions.with_edits(submissions.solved(A1), spec(A1).SLIP["edits"])
    path = write(tmp_path / A1, "linear_regression.ipynb", slip)
    assert validate(str(path), "--cell", "test_softmax", cwd=tmp_path).returncode == 0
    assert validate(str(path), "--cell", "test_loss_slope", cwd=tmp_path).returncode == 1
    unknown = validate(str(path), "--cell", "test_nothing", cwd=tmp_path)
    assert unknown.returncode == 2 and "no test cell test_nothing" in unknown.stdout
    # The worst verdict wins: a failing notebook and an unusable path give 2.
    assert validate(str(path), str(tmp_path / "missing"), cwd=tmp_path).returncode == 2


def test_graded_cells_run_under_the_graders_rules(tmp_path):
    """No autodiff outside demo cells, demo cells skipped, a demo tag on an answer ignored, no instructor."""
    reference = submissions.solved(A1)
    notebook = copy.deepcopy(reference)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax")
    cell.source = "import jax\n" + cell.source
    cell.metadata["tags"] = ["demo"]  # a student's tag cannot skip an answer
    demo = next(c for c in notebook.cells if "demo" in c.metadata.get("tags", []) and c.cell_type == "code"
                and not c.metadata.get("nbgrader"))
    demo.source = "raise SystemExit('a demo cell ran')"
    path = write(tmp_path / A1, "linear_regression.ipynb", notebook)
    probe = ("import sys; from course.validate import run; code = run(sys.argv[1:]); "
             "print('instructor imported:', any(m.split('.')[0] == 'instructor' for m in sys.modules)); "
             "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert lines_by_cell(done.stdout)["test_softmax"] == "FAIL"
    assert "jax is not available when your notebook is graded" in done.stdout
    assert lines_by_cell(done.stdout)["test_batch_gradient"] == "PASS"
    assert "a demo cell ran" not in done.stdout
    assert "instructor imported: False" in done.stdout


def test_a_cell_past_the_time_limit_is_interrupted_and_named(tmp_path):
    notebook = copy.deepcopy(submissions.solved(A1))
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "batch_gradient")
    cell.source = "import time\ntime.sleep(600)\n" + cell.source
    path = write(tmp_path / A1, "linear_regression.ipynb", notebook)
    done = validate(str(path), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert lines_by_cell(done.stdout) == {"test_loss_slope": "PASS", "test_prediction_slopes": "PASS",
                                          "test_observation_gradient": "PASS", "test_batch_gradient_shapes": "PASS",
                                          "test_batch_gradient": "FAIL", "test_softmax": "PASS"}
    assert (f"an earlier cell failed: cell batch_gradient: the cell ran past the {limits.CELL_TIMEOUT_SECONDS} s "
            f"limit and was interrupted") in done.stdout


def test_a_cell_past_the_memory_limit_fails_and_says_so(tmp_path):
    notebook = copy.deepcopy(submissions.solved(A1))
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax")
    cell.source = f"import numpy as np\nbig = np.ones({limits.MEMORY_LIMIT_MB * 2**20 // 8 * 3 // 2})\n" + cell.source
    path = write(tmp_path / A1, "linear_regression.ipynb", notebook)
    done = validate(str(path), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert lines_by_cell(done.stdout)["test_softmax"] == "FAIL"
    assert (f"an earlier cell failed: cell softmax: the cell ran out of memory (at most {limits.MEMORY_LIMIT_MB} MB)"
            in done.stdout), done.stdout
