"""The course as a student meets it: JupyterLab in headless Chromium.

JupyterLab is started with the README's command (`bash bootstrap.sh lab`, localhost,
token auth). Every source and release notebook is opened and run cell by cell; every
learning-rate slider is dragged and typed into. Screenshots: artifacts/browser/.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from instructor import notebooks
from tests.conftest import ROOT
from tests.lab import CHROMIUM, JupyterLab, Notebook, chromium

SHOTS = ROOT / "artifacts" / "browser"


def _browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (Debian's chromium package; bootstrap.sh test installs it)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (requirements-dev.txt)"
    return None


_missing = _browser_missing()
if _missing and os.environ.get("CI") == "true":
    # Under CI a missing browser is a broken setup, never a reason to test less.
    raise RuntimeError(f"the browser test cannot run: {_missing}")
pytestmark = pytest.mark.skipif(bool(_missing), reason=_missing or "")


def _notebook_paths(kind: str) -> list[str]:
    paths = []
    for assignment in notebooks.assignments():
        for markdown in notebooks.source_markdown(ROOT, assignment):
            ipynb = notebooks.paired_ipynb(markdown).relative_to(ROOT)
            paths.append(str(ipynb if kind == "source" else Path("release", *ipynb.parts[1:])))
    return paths


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    state = tmp_path_factory.mktemp("lab")
    with JupyterLab(state) as server:
        # Release the first assignment through the course's exchange, as an instructor would,
        # so that the student's Assignments panel has something to list.
        released = subprocess.run(
            [str(ROOT / ".venv/bin/nbgrader"), "release_assignment", notebooks.assignments()[0]],
            cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=120)
        assert released.returncode == 0, released.stdout + released.stderr
        yield server
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "jupyterlab.log").write_text(server.log_path.read_text())


@pytest.fixture
def page():
    with chromium() as browser_page:
        yield browser_page


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", name)
    page.screenshot(path=str(SHOTS / f"{safe}.png"))


def _tracked_state() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--ignored", "--", "source", "release"], cwd=ROOT,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("path", _notebook_paths("source"))
def test_source_notebook_runs_and_every_slider_answers(lab, page, path):
    before = _tracked_state()
    notebook = Notebook(page, lab, path).open()
    run = notebook.run_all()
    _shot(page, path)
    assert not run.widget_errors, f"{path}: {run.widget_errors}"
    assert not run.errors, f"{path}: a cell shows an error or writes to stderr:\n" + "\n".join(run.errors)
    sliders = notebook.sliders()
    assert sliders, f"{path} shows no learning-rate slider"
    latencies = {}
    for slider in sliders:
        assert slider.has_image, f"{path}: slider {slider.index} drew no figure ({slider.status!r})"
        image, status = notebook.image_png(slider.index), notebook.status(slider.index)
        notebook.drag_slider(slider.index, 0.15 if "too large" in status else 0.85)
        page.wait_for_function(
            "([i, s]) => (" + _boxes() + ")()[i].querySelector('.widget-html').textContent !== s",
            arg=[slider.index, status], timeout=30_000)
        page.wait_for_timeout(300)
        assert notebook.image_png(slider.index) != image, f"{path}: slider {slider.index} moved, plot did not"
        _shot(page, f"{path}-slider{slider.index}")
        latencies[slider.index] = [_latency_or_none(notebook, slider.index) for _ in range(5)]
        said = notebook.type_learning_rate(slider.index, "fast please")
        assert "not a number" in said, said
        said = notebook.type_learning_rate(slider.index, "1e9")
        assert "outside this slider's range" in said, said
        assert not notebook.error_outputs() and not notebook.widget_errors()
    (SHOTS / f"{Path(path).stem}-latency.json").write_text(json.dumps(latencies))
    assert _tracked_state() == before, "running the notebook in JupyterLab changed files of the project"


def _latency_or_none(notebook: Notebook, index: int) -> float | None:
    """A measurement for benchmarks/sliders.py's figures, not an assertion: the drag above is the test."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        return notebook.key_latency_ms(index, timeout=10)
    except PlaywrightTimeout:
        return None


def _boxes() -> str:
    from tests.lab import _SLIDER_BOXES
    return _SLIDER_BOXES


@pytest.mark.parametrize("path", _notebook_paths("release"))
def test_release_notebook_fails_only_where_the_student_has_work_to_do(lab, page, path):
    notebook = Notebook(page, lab, path).open()
    run = notebook.run_all()
    _shot(page, path)
    assert not run.widget_errors, f"{path}: {run.widget_errors}"
    assert run.errors, f"{path}: nothing fails in the blank notebook, so nothing is asked of the student"
    # An unanswered exercise raises NotImplementedError; a demo cell that uses its result
    # then meets a NameError. Anything else is the course's fault.
    unexpected = [error for error in run.errors
                  if "NotImplementedError" not in error and "NameError" not in error]
    assert not unexpected, f"{path}: errors other than an unanswered exercise:\n" + "\n".join(unexpected)
    for slider in notebook.sliders():
        # A slider whose training needs the student's function says so instead of failing.
        assert slider.has_image or "Not yet" in slider.status, slider


def test_myst_source_opens_as_a_notebook(lab, page):
    markdown = notebooks.source_markdown(ROOT, notebooks.assignments()[0])[0].relative_to(ROOT)
    notebook = Notebook(page, lab, str(markdown)).open()
    assert notebook.cells.count() > 5
    assert page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").count() > 0
    _shot(page, "myst-as-notebook")


def test_nbgrader_panels_open(lab, page):
    page.goto(lab.url())
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name=re.compile("Formgrader")).click()
    formgrader = page.frame_locator("iframe[src*='formgrader']")
    for assignment in notebooks.assignments():
        formgrader.get_by_text(assignment, exact=True).first.wait_for(timeout=60_000)
    _shot(page, "formgrader")
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name=re.compile("Assignment List")).click()
    # The released assignment is there to fetch.
    page.locator("#released_assignments_list").get_by_text(notebooks.assignments()[0]).wait_for(
        timeout=60_000)
    _shot(page, "assignment-list")
