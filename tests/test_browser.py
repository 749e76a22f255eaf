"""The course as a student meets it: JupyterLab in headless Chromium.

JupyterLab is started with the README's command (`bash bootstrap.sh lab`, localhost,
token auth). Every source and release notebook is opened and run cell by cell; every
learning-rate slider is dragged (the figure must change) and typed into (nonsense refused,
out-of-range values clamped, as the page itself shows). In a blank release notebook only the
cells that depend on an unanswered exercise may fail. Screenshots: artifacts/browser/.
Slider latency is measured by benchmarks/sliders.py, not here.
"""
from __future__ import annotations

import ast
import math
import os
import re
import subprocess
from pathlib import Path

import nbformat
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


def _defined_names(statement: ast.stmt) -> set[str]:
    """Names a top-level statement binds (a function, a class, imports, assignment and loop targets)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def _used_names(statement: ast.stmt) -> set[str]:
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def cells_awaiting_the_student(notebook) -> tuple[set[int], set[str]]:
    """(indices of the cells that may fail in a blank notebook, the exercises' names).

    Derived from the notebook, statement by statement in notebook order: a solution cell may
    fail, and so may a cell with a statement that uses a name a solution cell defines, or a
    name bound at or after such a statement (it may never have run), transitively.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    to_python = TransformerManager().transform_cell
    exercises: set[str] = set()
    tainted: set[str] = set()
    awaiting: set[int] = set()
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        statements = ast.parse(to_python(cell.source)).body
        if cell.metadata.get("nbgrader", {}).get("solution", False):
            awaiting.add(index)
            for statement in statements:
                exercises |= _defined_names(statement)
            tainted |= exercises
            continue
        failing_from = next((i for i, st in enumerate(statements) if _used_names(st) & tainted), None)
        if failing_from is not None:
            awaiting.add(index)
            for statement in statements[failing_from:]:
                tainted |= _defined_names(statement)
    return awaiting, exercises


def _exercise_slider(notebook: Notebook, path: str, index: int) -> None:
    """Drag the slider (the figure must change) and type into its box (refused, clamped)."""
    page = notebook.page
    errors = notebook.errors_by_cell()
    image, status, state = notebook.image_png(index), notebook.status(index), notebook.slider_state(index)
    notebook.drag_slider(index, 0.15 if "too large" in status else 0.85)
    notebook.wait_for_status_change(index, status)
    notebook.settle(index)  # every redraw the drag asked for has arrived
    moved = notebook.slider_state(index)
    assert moved["now"] != state["now"] and moved["box"] != state["box"], f"{path}: slider {index} did not move"
    assert notebook.image_png(index) != image, f"{path}: slider {index} moved, plot did not"
    _shot(page, f"{path}-slider{index}")

    said = notebook.type_learning_rate(index, "fast please")
    assert "not a number" in said, said
    assert notebook.slider_state(index)["now"] == moved["now"], "nonsense moved the slider"
    for typed, end in (("1e9", "max"), ("1e-9", "min")):
        said = notebook.type_learning_rate(index, typed)
        assert "outside this slider's range" in said, said
        clamped = notebook.slider_state(index)
        # The page itself shows the clamped value: the handle at that end of the track (noUiSlider's
        # aria values, rounded to a tenth of a decade), the box the value the kernel says it used.
        assert math.isclose(clamped["now"], clamped[end], abs_tol=1e-9), (typed, clamped)
        used = re.search(r"using ([0-9.e+-]+?)\.?(?:\s|$)", said).group(1)
        assert clamped["box"] == used, (typed, clamped, said)
        assert math.isclose(math.log10(float(used)), clamped[end], abs_tol=0.05), (typed, clamped)
    assert notebook.errors_by_cell() == errors and not notebook.widget_errors(), "the slider made a cell fail"


@pytest.mark.parametrize("path", _notebook_paths("source"))
def test_source_notebook_runs_and_every_slider_answers(lab, page, path):
    before = _tracked_state()
    notebook = Notebook(page, lab, path).open(cells=len(nbformat.read(ROOT / path, as_version=4).cells))
    run = notebook.run_all()
    _shot(page, path)
    assert not run.widget_errors, f"{path}: {run.widget_errors}"
    assert not run.errors, f"{path}: a cell shows an error or writes to stderr:\n" + "\n".join(run.errors)
    sliders = notebook.sliders()
    assert sliders, f"{path} shows no learning-rate slider"
    for slider in sliders:
        assert slider.has_image, f"{path}: slider {slider.index} drew no figure ({slider.status!r})"
        _exercise_slider(notebook, path, slider.index)
    assert _tracked_state() == before, "running the notebook in JupyterLab changed files of the project"


@pytest.mark.parametrize("path", _notebook_paths("release"))
def test_release_notebook_fails_only_where_the_student_has_work_to_do(lab, page, path):
    source = nbformat.read(ROOT / path, as_version=4)
    awaiting, exercises = cells_awaiting_the_student(source)
    assert exercises, f"{path} asks nothing of the student"
    notebook = Notebook(page, lab, path).open(cells=len(source.cells))
    run = notebook.run_all()
    _shot(page, path)
    assert run.cells == len(source.cells), "the page's cells are not the notebook's"
    assert not run.widget_errors, f"{path}: {run.widget_errors}"
    assert run.errors_by_cell, f"{path}: nothing fails in the blank notebook, so nothing is asked of the student"
    unexpected = {index: texts for index, texts in run.errors_by_cell.items() if index not in awaiting}
    assert not unexpected, (f"{path}: cells that use no exercise show errors:\n"
                            + "\n".join(f"cell {i}: {t[0][:300]}" for i, t in unexpected.items()))
    # Every slider cell that needs no exercise shows a working slider; one that needs an exercise
    # shows a slider saying so, or fails before making it (allowed above).
    independent = [i for i, cell in enumerate(source.cells)
                   if cell.cell_type == "code" and "LearningRateSlider(" in cell.source and i not in awaiting]
    sliders = notebook.sliders()
    assert sum(slider.has_image for slider in sliders) >= len(independent), (
        f"{path}: the slider cells {independent} use no exercise, but only "
        f"{sum(s.has_image for s in sliders)} sliders drew a figure")
    for slider in sliders:
        if slider.has_image:  # trains with the course's code only: it works before any exercise is done
            _exercise_slider(notebook, path, slider.index)
            continue
        # A slider whose training needs an exercise says which, and keeps saying so when moved.
        needs = re.search(r"Not yet: this slider trains with (\w+)", slider.status)
        assert needs and needs.group(1) in exercises, f"{path}: slider {slider.index}: {slider.status!r}"
        box = notebook.slider_state(slider.index)["box"]
        notebook.drag_slider(slider.index, 0.85)
        page.wait_for_function(
            "([i, before]) => (" + _boxes() + ")()[i].querySelector('.widget-text input').value !== before",
            arg=[slider.index, box], timeout=30_000)  # the kernel answered: its box follows the slider
        notebook.settle(slider.index)
        assert "Not yet" in notebook.status(slider.index), notebook.status(slider.index)
        assert not notebook.widget_errors()
    assert set(notebook.errors_by_cell()) == set(run.errors_by_cell), "moving a slider made a cell fail"


def _boxes() -> str:
    from tests.lab import _SLIDER_BOXES
    return _SLIDER_BOXES


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


def test_cells_awaiting_the_student_follow_the_names_transitively():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    solution = new_code_cell("def gradient(x):\n    raise NotImplementedError()",
                             metadata={"nbgrader": {"solution": True, "grade": False}})
    notebook = new_notebook(cells=[
        new_code_cell("%matplotlib inline\nimport numpy as np\nx = np.ones(3)"),  # 0: independent
        solution,                                                                 # 1: the exercise
        new_markdown_cell("text"),                                                # 2
        new_code_cell("y = 2 * x\ng = gradient(x)\nz = 3"),                       # 3: uses it
        new_code_cell("print(y)"),                                                # 4: y ran before
        new_code_cell("print(g + z)"),                                            # 5: g, z may not exist
        new_code_cell("h = lambda: g\nprint(x)"),                                 # 6: uses g
        new_code_cell("print(h, np.pi)"),                                         # 7: transitively
    ])
    awaiting, exercises = cells_awaiting_the_student(notebook)
    assert exercises == {"gradient"}
    assert awaiting == {1, 3, 5, 6, 7}


_GRAPH_VIEW_CELLS = [
    """\
import numpy as np
from course import graphs
from course.graph_view import GraphView
graph = graphs.network_321()
rng = np.random.default_rng(0)
inputs = {"X": rng.normal(size=(5, 3)), "W1": rng.normal(0, 0.7, (3, 2)), "w2": rng.normal(0, 0.7, 2),
          "y": np.exp(rng.normal(0, 0.5, 5))}""",
    """\
def loss_slope(y_hat, y):
    return 2 * (y_hat - y) / len(y)""",
    """\
def backward(values):
    d_y_hat = loss_slope(values["y_hat"], values["y"])
    d_z2 = d_y_hat * values["y_hat"]
    d_a1 = np.outer(d_z2, values["w2"])
    d_z1 = d_a1 * values["a1"] * (1 - values["a1"])
    return {"L": 1.0, "y_hat": d_y_hat, "z2": d_z2, "w2": values["a1"].T @ d_z2, "a1": d_a1, "z1": d_z1,
            "W1": values["X"].T @ d_z1}""",
    "GraphView(graph, inputs, lambda values: backward(values), title='the 3-2-1 network, checked')",
]
# The function cell edited as a student would: the factor 2 of the squared error's slope forgotten.
_GRAPH_VIEW_WRONG_LINK = "def loss_slope(y_hat, y):\n    return (y_hat - y) / len(y)"


def test_graph_view_marks_the_first_wrong_node_after_the_function_cell_is_run_again(lab, page):
    """A correct backward pass: no node marked. One link edited to a wrong one and only its cell run
    again: the view redraws itself and marks ŷ, the first wrong node in backward order."""
    folder = ROOT / "artifacts" / "browser"  # ignored by git, and under the folder the lab serves
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "graph_view_check.ipynb"
    kernel = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}}
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in _GRAPH_VIEW_CELLS],
                                            metadata=kernel), path)  # with its kernel: no "Select Kernel" dialog
    notebook = Notebook(page, lab, str(path.relative_to(ROOT))).open(cells=len(_GRAPH_VIEW_CELLS))
    run = notebook.run_all()
    assert not run.errors and not run.widget_errors, run.errors + run.widget_errors
    view = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .backprop-graph-view")
    view.wait_for(timeout=30_000)
    assert view.get_attribute("data-state") == "ok", view.inner_text()
    assert view.get_attribute("data-first-wrong") == ""
    assert view.locator('.graph-node[data-status="ok"]').count() == 7  # every node given a gradient
    assert view.locator('.graph-node[data-first-wrong], .graph-node[data-downstream]').count() == 0
    assert view.locator(".graph-edge-shape").count() == 8  # a shape on every edge
    view.scroll_into_view_if_needed()
    _shot(page, "graph-view-correct")

    # Edit the link's cell and run that cell alone (Shift+Enter in its editor).
    cell = notebook.cells.nth(1)
    prompt = cell.locator(".jp-InputPrompt").inner_text()
    view_prompt = notebook.cells.nth(3).locator(".jp-InputPrompt").inner_text()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(_GRAPH_VIEW_WRONG_LINK)  # no key events: no auto-indent, no auto-brackets
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("([el, before]) => el.textContent !== before && /\\[\\d+\\]/.test(el.textContent)",
                           arg=[cell.locator(".jp-InputPrompt").element_handle(), prompt], timeout=60_000)
    page.wait_for_selector('.backprop-graph-view[data-first-wrong="y_hat"]', timeout=30_000)
    assert view.get_attribute("data-state") == "wrong"
    first = view.locator('.graph-node[data-first-wrong="true"]')
    assert first.count() == 1 and first.get_attribute("data-node") == "y_hat"
    assert "first wrong node in backward order: ŷ (y_hat)" in view.locator(".graph-view-verdict").inner_text()
    # Every gradient computed from ∂L/∂ŷ is marked downstream of the error.
    downstream = {view.locator(".graph-node[data-downstream]").nth(i).get_attribute("data-node")
                  for i in range(view.locator(".graph-node[data-downstream]").count())}
    assert downstream == {"z2", "w2", "a1", "z1", "W1", "X"}, downstream
    # Only the function's cell ran: the view's own cell did not.
    assert notebook.cells.nth(3).locator(".jp-InputPrompt").inner_text() == view_prompt
    assert not notebook.errors_by_cell() and not notebook.widget_errors()
    view.scroll_into_view_if_needed()
    _shot(page, "graph-view-first-wrong-node")
