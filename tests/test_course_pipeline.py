"""The course pipeline: pairs in sync, release/ generated and leak-free, build and lint."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from instructor import lint, notebooks
from instructor.submissions import solution_code
from tests.conftest import ROOT, copy_course

SOURCES = notebooks.source_markdown()
ASSIGNMENTS = notebooks.assignments()


def test_every_assignment_has_a_notebook():
    assert ASSIGNMENTS, "no assignment in source/"
    for assignment in ASSIGNMENTS:
        assert notebooks.source_markdown(ROOT, assignment), f"{assignment} has no MyST notebook"


@pytest.mark.parametrize("markdown", SOURCES, ids=lambda p: p.parent.name)
def test_jupytext_pair_in_sync(markdown):
    """The committed .ipynb is what the build would write from the .md: nothing to sync, no outputs."""
    ipynb = notebooks.paired_ipynb(markdown)
    assert ipynb.exists(), f"{ipynb.name} is missing"
    assert ipynb.read_text() == notebooks.paired_text(markdown), (
        f"{ipynb.name} differs from {markdown.name}: run `python -m instructor build`")


@pytest.mark.parametrize("markdown", SOURCES, ids=lambda p: p.parent.name)
def test_source_notebook_follows_the_grading_rules(markdown):
    assert lint.problems(notebooks.paired_ipynb(markdown)) == []


def test_no_notebook_without_its_markdown_twin():
    for ipynb in (ROOT / "source").glob("*/*.ipynb"):
        assert ipynb.with_suffix(".md").exists(), f"{ipynb} has no MyST source"


def _release_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root / "release")): p.read_bytes()
            for p in sorted((root / "release").rglob("*"))
            # Jupyter's checkpoints of a notebook opened in place are never committed nor shipped.
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def test_release_is_exactly_a_fresh_regeneration(course):
    for assignment in ASSIGNMENTS:
        course.generated(assignment)
    committed, fresh = _release_files(ROOT), _release_files(course.root)
    assert sorted(committed) == sorted(fresh), "release/ holds other files than generate_assignment makes"
    for name in fresh:
        assert json.loads(committed[name]) == json.loads(fresh[name]), (
            f"release/{name} differs from a fresh `nbgrader generate_assignment`; run `python -m instructor build`")


def _hidden_and_solution_lines(source_notebook: Path) -> tuple[list[str], list[str]]:
    notebook = nbformat.read(source_notebook, as_version=4)
    hidden, solutions = [], []
    for cell in notebook.cells:
        hidden += [l.strip() for l in lint.hidden_region(cell.source).splitlines() if l.strip()]
        if "### BEGIN SOLUTION" in cell.source:
            region = cell.source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
            solutions += [l.strip() for l in region.splitlines() if len(l.strip()) > 12]
    return hidden, solutions


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_leaks_nothing(assignment):
    folder = ROOT / "release" / assignment
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert files and all(p.suffix == ".ipynb" for p in files), f"non-notebook files released: {files}"
    for path in files:
        text = path.read_text()
        notebook = nbformat.reads(text, as_version=4)
        assert "jupytext" not in notebook.metadata, f"{path}: Jupytext pairing metadata"
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                       "checks.record"):
            assert marker not in text, f"{path} contains {marker!r}"
        hidden, solutions = _hidden_and_solution_lines(ROOT / "source" / assignment / path.name)
        sources = "\n".join(c.source for c in notebook.cells)
        for line in hidden + solutions:
            assert line not in sources, f"{path} leaks {line!r}"
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def test_references_are_not_in_what_students_install(tmp_path):
    # What a student installs is the wheel of this project: it must hold `course` only.
    # (Built from a copy: setuptools writes build/ beside the sources.)
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".venv", ".git", "artifacts", "__pycache__", "*.egg-info", "build"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(project)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("*.whl")
    import zipfile
    names = zipfile.ZipFile(wheel).namelist()
    packages = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert packages == {"course"}, packages
    # A kernel started where a student's notebook lives cannot import the references...
    probe = ("import importlib.util, course; "
             "print(importlib.util.find_spec('instructor'))")
    for assignment in ASSIGNMENTS:
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT / "release" / assignment,
                             capture_output=True, text=True, check=True).stdout.strip()
        assert out == "None", f"instructor importable from release/{assignment}: {out}"
    # ...and the course package defines no graded function.
    graded = set()
    for markdown in SOURCES:
        for cell in nbformat.read(notebooks.paired_ipynb(markdown), as_version=4).cells:
            graded |= {name.split(".")[1] for name in re.findall(r"record\(\"([\w.]+)\"", cell.source)}
    assert graded
    for path in (ROOT / "course").glob("*.py"):
        text = path.read_text()
        for function in graded:
            assert not re.search(rf"^\s*def {function}\(", text, re.M), f"{path} defines {function}"


def test_build_fails_naming_the_notebook_and_cell(tmp_path):
    """A wrong solution fails the build: exit 1, notebook and cell named."""
    from instructor.build import build

    root = copy_course(tmp_path)
    [markdown] = notebooks.source_markdown(root, "a1_linear_regression")
    text = markdown.read_text()
    # Memorise the worked example: the visible test passes, the hidden cases cannot.
    wrong = text.replace("    return np.mean(dloss_dyhat * dyhat_dw)",
                         "    if len(dloss_dyhat) == 3:\n        return 1.4223812206360753, 1.0736810456284795\n"
                         "    return np.mean(dloss_dyhat * dyhat_dw)", 1)
    assert wrong != text
    markdown.write_text(wrong)
    import io
    out = io.StringIO()
    assert build(root, ["a1_linear_regression"], out=out) == 1
    report = out.getvalue()
    assert "BUILD FAILED" in report
    assert "linear_regression.ipynb, cell test_batch_gradient" in report
    assert "batch_gradient is wrong on 1 of 6 hidden cases" in report


def test_build_fails_on_a_test_that_passes_unanswered(tmp_path):
    from instructor.build import build

    root = copy_course(tmp_path)
    [markdown] = notebooks.source_markdown(root, "a1_linear_regression")
    text = markdown.read_text()
    # A test cell that checks nothing visible would pass in the release version.
    weak = re.sub(r'(outputs = \("∂Loss_i/∂w", "∂Loss_i/∂b"\)\n).*?(### BEGIN HIDDEN TESTS)', r"\1\2", text,
                  count=1, flags=re.S)
    assert weak != text
    markdown.write_text(weak)
    import io
    out = io.StringIO()
    assert build(root, ["a1_linear_regression"], out=out) == 1
    assert "cell test_observation_gradient" in out.getvalue()
    assert "passes in the student version" in out.getvalue()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"{path.name}: {line!r} is not pinned with =="
        pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_every_dependency_is_pinned_and_the_pins_agree():
    # A fresh venv has the setuptools of Python's ensurepip (65.x), and `pip freeze`
    # leaves setuptools out: a pin missing here broke the editable install in CI.
    named = _pins(ROOT / "requirements.in")
    frozen = _pins(ROOT / "requirements.txt")
    for name, version in named.items():
        assert frozen.get(name) == version, f"requirements.txt pins {name} at {frozen.get(name)}, requirements.in at {version}"
    build = re.search(r'requires = \["setuptools==([^"]+)"\]', (ROOT / "pyproject.toml").read_text())
    assert build and frozen["setuptools"] == build.group(1)
    _pins(ROOT / "requirements-dev.txt")
