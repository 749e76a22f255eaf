"""`python -m instructor distribute`: what students receive holds no solution, and validates once installed.

Built once with the real command (tests/conftest.py) (folder, zip and classroom repositories).
The install test makes a fresh virtual environment whose only `course` is the distribution's
wheel (`pip install --no-deps`), and which reuses the test environment's other packages
through a .pth file rather than downloading them again.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

from instructor import notebooks, submissions
from tests.conftest import ROOT
from tests.test_course_pipeline import _hidden_and_solution_lines

ASSIGNMENTS = notebooks.assignments()
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "checks.record",
           "instructor.references", "from instructor", "import instructor")


@pytest.fixture(scope="module")
def dist(distribution) -> Path:
    return distribution


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a copy, the contents of the wheel unpacked beside it, .git left out."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and ".git" not in relative.parts:
            found[str(relative)] = path.read_bytes()
            if path.suffix == ".whl":
                with zipfile.ZipFile(path) as wheel:
                    for name in wheel.namelist():
                        found[f"{relative}!{name}"] = wheel.read(name)
    return found


def _secrets() -> tuple[list[str], set[str]]:
    """Lines of solutions and hidden tests, and the names of the graded functions."""
    lines, graded = [], set()
    for markdown in notebooks.source_markdown():
        hidden, solutions = _hidden_and_solution_lines(notebooks.paired_ipynb(markdown))
        lines += hidden + solutions
        for cell in nbformat.read(notebooks.paired_ipynb(markdown), as_version=4).cells:
            graded |= {name.split(".")[1] for name in re.findall(r"record\(\"([\w.]+)\"", cell.source)}
    return lines, graded


def _copies(dist: Path) -> list[Path]:
    return [dist / "backprop-course"] + [dist / "classroom" / a for a in ASSIGNMENTS]


def test_nothing_of_the_instructors_is_in_it(dist):
    lines, graded = _secrets()
    assert lines and graded
    for copy in _copies(dist):
        files = _files(copy)
        assert files, copy
        for name, content in files.items():
            parts = set(re.split(r"[/!]", name))
            assert not parts & {"source", "instructor", "tests", "gradebook.db", "autograded", "submitted"}, name
            assert not (name.endswith(".md") and name != "README.md"), f"{name}: a MyST source?"
            text = content.decode("utf-8", errors="replace")
            for marker in MARKERS:
                assert marker not in text, f"{copy.name}/{name} contains {marker!r}"
            for line in lines:
                assert line not in text, f"{copy.name}/{name} leaks {line!r}"
            if name.endswith(".py"):
                for function in graded:
                    assert not re.search(rf"^\s*def {function}\(", text, re.M), f"{name} defines {function}"
        wheel_packages = {n.split("!")[1].split("/")[0] for n in files if "!" in n}
        assert {p for p in wheel_packages if not p.endswith(".dist-info")} == {"course"}


def test_it_holds_the_release_notebooks_and_what_students_need(dist):
    copy = dist / "backprop-course"
    for assignment in ASSIGNMENTS:
        for path in (ROOT / "release" / assignment).glob("*.ipynb"):
            assert (copy / assignment / path.name).read_bytes() == path.read_bytes()
    for name in ("README.md", "requirements.txt", "requirements-validate.txt", "nbgrader_config.py"):
        assert (copy / name).is_file(), name
    readme = (copy / "README.md").read_text()
    assert "python -m course validate a1_linear_regression" in readme
    assert "GitHub Classroom" not in readme  # that section is for the classroom repositories
    pins = {line.split("==")[0].lower(): line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if "==" in line}
    for requirements in ("requirements.txt", "requirements-validate.txt"):
        for line in (copy / requirements).read_text().splitlines():
            if line and not line.startswith("#"):
                assert pins.get(line.split("==")[0].lower(), "").split("#")[0].strip() == line, line
    student = (copy / "requirements.txt").read_text()
    validate_only = (copy / "requirements-validate.txt").read_text()
    for package in ("jupyterlab", "nbgrader", "numpy", "scipy", "matplotlib", "ipywidgets", "keras", "jax"):
        assert re.search(rf"^{package}==", student, re.M | re.I), package
    for package in ("keras", "jax", "jaxlib"):
        assert not re.search(rf"^{package}==", validate_only, re.M | re.I), package
    for dev_only in ("pytest", "playwright", "jupytext", "check-jsonschema"):
        assert not re.search(rf"^{dev_only}==", student + validate_only, re.M | re.I), dev_only
    with zipfile.ZipFile(dist / "backprop-course.zip") as archive:
        names = {n for n in archive.namelist() if not n.endswith("/")}
    assert names == {f"backprop-course/{p.relative_to(copy)}" for p in copy.rglob("*") if p.is_file()}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_classroom_template_is_a_repository_of_its_assignment(dist, assignment):
    repository = dist / "classroom" / assignment
    tracked = subprocess.run(["git", "ls-files"], cwd=repository, capture_output=True, text=True,
                             check=True).stdout.split()
    on_disk = sorted(str(p.relative_to(repository)) for p in repository.rglob("*")
                     if p.is_file() and ".git" not in p.relative_to(repository).parts)
    assert sorted(tracked) == on_disk
    assert ".github/workflows/classroom.yml" in tracked
    assert [p.split("/")[0] for p in tracked if p.endswith(".ipynb")] == [assignment]
    assert "## GitHub Classroom" in (repository / "README.md").read_text()
    log = subprocess.run(["git", "log", "--oneline"], cwd=repository, capture_output=True, text=True).stdout
    assert len(log.splitlines()) == 1


@pytest.fixture(scope="module")
def student_python(dist, tmp_path_factory) -> Path:
    """A new virtual environment with the distribution's wheel as its `course`, other packages reused."""
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # The test environment's packages, after the venv's own (a plain path: its .pth files, the
    # editable install of this folder's `course` among them, are not run).
    (site / "reused.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    [wheel] = (dist / "backprop-course" / "wheels").glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", "--disable-pip-version-check", str(wheel)], check=True, capture_output=True)
    return python


def test_validate_works_from_an_install(dist, student_python, tmp_path):
    copy = tmp_path / "my-course"
    shutil.copytree(dist / "backprop-course", copy)
    where = subprocess.run([str(student_python), "-c", "import course, importlib.util; print(course.__file__); "
                            "print(importlib.util.find_spec('instructor'))"], cwd=copy, capture_output=True,
                           text=True, check=True).stdout.split()
    assert Path(where[0]).is_relative_to(student_python.parent.parent), where
    assert where[1] == "None", "instructor is importable from the student's installation"

    def validate(*paths):
        return subprocess.run([str(student_python), "-m", "course", "validate", *paths], cwd=copy,
                              capture_output=True, text=True, timeout=300)

    blank = validate("a1_linear_regression")
    assert blank.returncode == 1 and "FAIL  test_batch_gradient (1 point)" in blank.stdout, blank.stdout + blank.stderr
    nbformat.write(submissions.solved("a1_linear_regression"), copy / "a1_linear_regression" / "linear_regression.ipynb")
    solved = validate("a1_linear_regression")
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert validate("a2_sigmoid_networks/none.ipynb").returncode == 2
