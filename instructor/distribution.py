"""What students receive: the release manifest, and the distribution `python -m instructor distribute` builds."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

from course import release_manifest
from instructor import lint, notebooks


def manifest(root: Path = notebooks.ROOT) -> dict:
    """course/release_manifest.json's content for the release notebooks under `root`."""
    found: dict[str, dict] = {}
    for assignment in notebooks.assignments(root):
        for path in sorted((root / "release" / assignment).glob("*.ipynb")):
            release = nbformat.read(path, as_version=4)
            source = nbformat.read(root / "source" / assignment / path.name, as_version=4)
            hidden = {c.metadata["nbgrader"]["grade_id"] for c in release_manifest.nbgrader_cells(source)
                      if lint.hidden_region(c.source).strip()}
            cells = [release_manifest.describe_cell(c, c.metadata.nbgrader["grade_id"] in hidden)
                     for c in release_manifest.nbgrader_cells(release)]
            found.setdefault(assignment, {})[path.name] = {"cells": cells}
    return found


def manifest_text(root: Path = notebooks.ROOT) -> str:
    return json.dumps(manifest(root), indent=1, sort_keys=True) + "\n"


def write_manifest(root: Path = notebooks.ROOT) -> bool:
    """Rewrite course/release_manifest.json from release/; True if it changed."""
    path = root / "course" / release_manifest.MANIFEST.name
    text = manifest_text(root)
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


# ---------------------------------------------------------------------------
# The student distribution
# ---------------------------------------------------------------------------

# What a student's machine runs: JupyterLab with nbgrader's Validate, the notebooks' imports,
# and Keras on JAX for the demo cells' comparisons with automatic differentiation (a part of
# the course a student should be able to run, though grading never imports them).
STUDENT_PACKAGES = ("jupyterlab", "notebook", "nbgrader", "nbclient", "nbconvert", "ipykernel", "ipywidgets",
                    "numpy", "scipy", "matplotlib", "keras", "jax", "jaxlib")
# Only for the demo cells: `python -m course validate` skips those and blocks these imports,
# so a classroom's CI installs the rest (requirements-validate.txt), 150 MB less.
DEMO_ONLY_PACKAGES = ("keras", "jax", "jaxlib")
TEMPLATES = notebooks.ROOT / "distribution"
NAME = "backprop-course"


def _closure(names) -> set[str]:
    """The installed distributions `names` need, extras followed as pip follows them."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[tuple[str, str]] = set()
    todo = [(canonicalize_name(n), "") for n in names]
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue  # a requirement whose marker excludes this platform
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
                continue
            todo += [(canonicalize_name(requirement.name), e) for e in ("", *requirement.extras)]
    return {name for name, _ in seen}


def pinned_requirements(root: Path, packages) -> str:
    """requirements.txt's pins of `packages` and everything they pull in."""
    from packaging.utils import canonicalize_name

    needed = _closure(packages)
    lines = []
    for line in (root / "requirements.txt").read_text().splitlines():
        pin = line.split("#", 1)[0].strip()
        if "==" in pin and canonicalize_name(pin.split("==")[0]) in needed:
            lines.append(pin)
    return "\n".join(lines) + "\n"


def build_wheel(root: Path, destination: Path) -> Path:
    """The `course` package as pip installs it (built from a copy: setuptools writes build/ beside it)."""
    import shutil
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        project.mkdir()
        shutil.copy(root / "pyproject.toml", project)
        shutil.copytree(root / "course", project / "course", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        destination.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "--disable-pip-version-check", "-w", str(destination), str(project)],
                       check=True, capture_output=True)
    [wheel] = destination.glob("*.whl")
    return wheel


def _student_readme(assignments: list[str], wheel: str, classroom: bool) -> str:
    from string import Template

    notebooks_list = "\n".join(f"- `{a}/{n}`" for a, names in assignments for n in names)
    text = Template((TEMPLATES / "README.md").read_text()).substitute(
        notebooks=notebooks_list, wheel=wheel, first=f"{assignments[0][0]}/{assignments[0][1][0]}",
        first_assignment=assignments[0][0])
    if not classroom:  # the classroom section is for a GitHub Classroom repository only
        text = text.split("<!-- classroom -->")[0].rstrip() + "\n"
    return text.replace("<!-- classroom -->\n", "")


def classroom_workflow(release: list[release_manifest.ReleasedNotebook]) -> str:
    """The classroom workflow for one assignment's repository: one grader step per test cell."""
    import yaml

    template = (TEMPLATES / "classroom.yml").read_text()
    workflow = yaml.safe_load(template)
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    grader = next(s for s in steps if s.get("id") == "public-tests")
    reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
    graders, runners, results = [], [], {}
    for notebook in release:
        for cell in notebook.test_cells:
            step_id = cell["grade_id"].replace("_", "-")
            graders.append({**grader, "name": cell["grade_id"], "id": step_id, "with": {
                **grader["with"], "test-name": f"{cell['grade_id']} (public tests)",
                "command": f"python -m course validate {notebook.assignment}/{notebook.name} "
                           f"--cell {cell['grade_id']}",
                "max-score": int(cell["points"]) if float(cell["points"]).is_integer() else cell["points"]}})
            runners.append(step_id)
            results[f"{step_id.upper()}_RESULTS"] = f"${{{{ steps.{step_id}.outputs.result }}}}"
    reporter["env"], reporter["with"]["runners"] = results, ",".join(runners)
    index = steps.index(grader)
    steps[index:index + 1] = graders
    class Dumper(yaml.SafeDumper):
        """Multi-line strings (a step's script) as YAML block literals, as people write them."""

    Dumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))
    header = "".join(line + "\n" for line in template.splitlines() if line.startswith("#"))
    return header + yaml.dump(workflow, Dumper=Dumper, sort_keys=False, width=110)


def _write_copy(root: Path, folder: Path, assignments: list[str], wheel: Path, classroom: bool) -> None:
    import shutil

    folder.mkdir(parents=True)
    listed = []
    for assignment in assignments:
        names = []
        for path in sorted((root / "release" / assignment).glob("*.ipynb")):
            (folder / assignment).mkdir(exist_ok=True)
            shutil.copy(path, folder / assignment / path.name)
            names.append(path.name)
        listed.append((assignment, names))
    (folder / "wheels").mkdir()
    shutil.copy(wheel, folder / "wheels" / wheel.name)
    (folder / "requirements.txt").write_text(
        "# Everything your copy of the course runs, pinned (the demo cells' Keras and JAX included).\n"
        + pinned_requirements(root, STUDENT_PACKAGES))
    validate_only = [p for p in STUDENT_PACKAGES if p not in DEMO_ONLY_PACKAGES]
    (folder / "requirements-validate.txt").write_text(
        "# What `python -m course validate` needs (no Keras, no JAX: it skips the demo cells), pinned.\n"
        + pinned_requirements(root, validate_only))
    shutil.copy(TEMPLATES / "nbgrader_config.py", folder / "nbgrader_config.py")
    (folder / ".gitignore").write_text(".venv/\n__pycache__/\n.ipynb_checkpoints/\nvalidate-results.xml\n")
    (folder / "README.md").write_text(_student_readme(listed, wheel.name, classroom))
    if classroom:
        workflows = folder / ".github" / "workflows"
        workflows.mkdir(parents=True)
        released = [r for r in release_manifest.released() if r.assignment in assignments]
        (workflows / "classroom.yml").write_text(classroom_workflow(released))


def _git_repository(folder: Path) -> bool:
    """Make `folder` a repository with one commit, as a template repository starts; False without git."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        return False
    identity = ["-c", "user.name=backprop course", "-c", "user.email=course@localhost",
                "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "The assignment, as released"]):
        subprocess.run(["git", *identity, *command], cwd=folder, check=True, capture_output=True)
    return True


def distribute(root: Path = notebooks.ROOT, out: Path | None = None, archive: bool = False,
               classroom: bool = False, stdout=None) -> int:
    """Build what students receive under `out` (default dist/); 0 on success, 1 with the reason."""
    import shutil
    import sys
    import tempfile

    stdout = stdout or sys.stdout
    out = Path(out or root / "dist")
    committed = root / "course" / release_manifest.MANIFEST.name
    if not committed.exists() or committed.read_text() != manifest_text(root):
        print("course/release_manifest.json does not describe release/: run `python -m instructor build` first",
              file=stdout)
        return 1
    assignments = notebooks.assignments(root)
    folder = out / NAME
    targets = [folder] + ([out / "classroom"] if classroom else [])
    for target in targets:
        if target.exists():
            shutil.rmtree(target)
    with tempfile.TemporaryDirectory() as scratch:
        wheel = build_wheel(root, Path(scratch))
        _write_copy(root, folder, assignments, wheel, classroom=False)
        print(f"distribution: {folder} ({len(assignments)} assignments, {wheel.name})", file=stdout)
        if archive:
            made = shutil.make_archive(str(out / NAME), "zip", root_dir=out, base_dir=NAME)
            print(f"archive: {made}", file=stdout)
        for assignment in assignments if classroom else []:
            repository = out / "classroom" / assignment
            _write_copy(root, repository, [assignment], wheel, classroom=True)
            committed_repo = _git_repository(repository)
            print(f"classroom template: {repository}"
                  + (" (a git repository: push it to GitHub and mark it as a template)" if committed_repo
                     else " (git is missing: make it a repository before pushing it)"), file=stdout)
    return 0
