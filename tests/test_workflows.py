"""The GitHub Actions workflows: the course's CI, and the classroom template for students' repositories.

Both are checked against GitHub's workflow schema as check-jsonschema ships it
(`vendor.github-workflows`, no network), then for what they must do.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from course import release_manifest
from instructor import distribution
from tests.conftest import ROOT

CI_WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
CLASSROOM_TEMPLATE = ROOT / "distribution" / "classroom.yml"


def _schema_checker_missing() -> str | None:
    try:
        import check_jsonschema  # noqa: F401
    except ImportError:
        return "check-jsonschema is not installed (requirements-dev.txt)"
    return None


_missing = _schema_checker_missing()
if _missing and os.environ.get("CI") == "true":
    raise RuntimeError(f"the workflow checks cannot run: {_missing}")
pytestmark = pytest.mark.skipif(bool(_missing), reason=_missing or "")


def schema_problems(*paths: Path) -> str:
    """check-jsonschema's complaints about the workflow files (empty if they are valid)."""
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, paths)], capture_output=True, text=True, timeout=120)
    return "" if done.returncode == 0 else done.stdout + done.stderr


def test_workflows_follow_githubs_schema(tmp_path):
    generated = []
    for assignment in release_manifest.assignments():
        path = tmp_path / f"{assignment}.yml"
        path.write_text(distribution.classroom_workflow(
            [r for r in release_manifest.released() if r.assignment == assignment]))
        generated.append(path)
    assert schema_problems(CI_WORKFLOW, CLASSROOM_TEMPLATE, *generated) == ""
    # The check can fail: a misspelt key and a job with no steps are refused.
    broken = tmp_path / "broken.yml"
    broken.write_text(CI_WORKFLOW.read_text().replace("    steps:", "    step:"))
    assert "'step' was unexpected" in schema_problems(broken)


def test_ci_runs_the_readme_test_command_on_debian_with_python_311():
    workflow = yaml.safe_load(CI_WORKFLOW.read_text())
    assert set(workflow["on"]) >= {"push", "pull_request"}
    [job] = workflow["jobs"].values()
    assert re.fullmatch(r"debian:(bookworm|12)(-slim)?", job["container"]["image"]), job["container"]
    assert job["timeout-minutes"] <= 90  # CI's budget
    scripts = [step.get("run", "") for step in job["steps"]]
    assert any("python3.11" in s and "apt-get install" in s for s in scripts), "no Python 3.11 from Debian"
    assert "bash .ci/run" in [s.strip() for s in scripts]
    assert job["env"]["CI"] == "true"  # a missing browser or bwrap fails the run instead of skipping
    # .ci/run is what runs the README's test command (tests/test_readme.py checks that part).
    assert "bash bootstrap.sh test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("assignment", release_manifest.assignments())
def test_classroom_workflow_grades_every_test_cell_with_its_points(assignment):
    released = [r for r in release_manifest.released() if r.assignment == assignment]
    workflow = yaml.safe_load(distribution.classroom_workflow(released))
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    graders = [s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-command-grader@")]
    [reporter] = [s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-grading-reporter@")]
    tests = [(r, c) for r in released for c in r.test_cells]
    assert len(graders) == len(tests)
    for step, (notebook, cell) in zip(graders, tests):
        assert step["with"]["command"] == (f"python -m course validate {notebook.assignment}/{notebook.name} "
                                           f"--cell {cell['grade_id']}")
        assert step["with"]["max-score"] == cell["points"]
        assert reporter["env"][f"{step['id'].upper()}_RESULTS"] == f"${{{{ steps.{step['id']}.outputs.result }}}}"
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    assert steps.index(reporter) == len(steps) - 1
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11"
    install = next(s["run"] for s in steps if "pip install" in s.get("run", ""))
    assert "-r requirements-validate.txt" in install and "--no-deps wheels/*.whl" in install
    # One plain step, so that failures become annotations on the notebook and a summary table.
    assert any(s.get("run", "").startswith("python -m course validate .") for s in steps)
