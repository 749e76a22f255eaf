"""Hostile and broken submissions, graded for real, each with the score it deserves.

Every submission below starts from assignment 1's release notebook with the
solutions filled in, then cheats, breaks or attacks in one way.  They are all
graded in ONE run of the course's command (`instructor.autograde`: sandboxed
kernels, several at once), after an honest and a blank submission were graded
on their own; then:

- a cheat scores 0 on what it cheats, and the honest parts keep their points;
- the run grades every submission (none aborts it) and needs no manual grading;
- the honest submission's grades and files are exactly as before (no
  submission can change another's);
- where a submission is broken rather than cheating, its feedback says why;
- a notebook that is corrupt, renamed or missing is still graded, and says what
  happened (instructor.intake);
- two cheats that work without the sandbox (searching the disk, JAX's autodiff)
  are shown to work there, so that it is the sandbox that stops them.

Exercise points: loss_slope, prediction_slopes, observation_gradient, batch_gradient_shapes, batch_gradient
and softmax, 1 each; the scores checked are those of observation_gradient, batch_gradient and softmax
(the attacks aim at those three; the link cells stay honest).
"""
from __future__ import annotations

import copy
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from instructor import gradebook, intake, notebooks, submissions
from instructor.autograde import autograde
from tests.conftest import copy_course
from tests.listener import Listener, outputs_text as _outputs_text, require_bwrap

require_bwrap()

# nbgrader restores a deleted test cell without a cell id; nbformat warns when it writes it.
pytestmark = pytest.mark.filterwarnings("ignore::nbformat.warnings.MissingIDFieldWarning")

ASSIGNMENT = "a1_linear_regression"
CELLS = ("test_observation_gradient", "test_batch_gradient", "test_softmax")
POINTS = {cell: 1.0 for cell in ("test_loss_slope", "test_prediction_slopes", "test_observation_gradient",
                                 "test_batch_gradient_shapes", "test_batch_gradient", "test_softmax")}
ARGUMENTS = {"observation_gradient": "dloss_dyhat, dyhat_dw, dyhat_db",
             "batch_gradient": "dloss_dyhat, dyhat_dw, dyhat_db", "softmax": "Z"}
TIMEOUT = 8  # seconds per cell in this course copy (the course's own: 15)

WRONG = {
    "observation_gradient": "def observation_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n    return 0.0, 0.0",
    "batch_gradient": "def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n    return 0.0, 0.0",
    "softmax": "def softmax(Z):\n    return np.zeros_like(Z)",
}


# --- editing a submission ---------------------------------------------------------

def _index(nb, grade_id: str) -> int:
    return next(i for i, cell in enumerate(nb.cells)
                if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def replace(grade_id: str, code: str) -> Callable:
    def edit(nb):
        nb.cells[_index(nb, grade_id)].source = code
        return nb
    return edit


def extend(grade_id: str, code: str) -> Callable:
    """Append code to a cell (the answer stays)."""
    def edit(nb):
        nb.cells[_index(nb, grade_id)].source += "\n" + code
        return nb
    return edit


def insert_after(grade_id: str, code: str) -> Callable:
    """A new cell of the student's own after `grade_id`."""
    def edit(nb):
        nb.cells.insert(_index(nb, grade_id) + 1, new_code_cell(code))
        return nb
    return edit


def append(code: str) -> Callable:
    def edit(nb):
        nb.cells.append(new_code_cell(code))
        return nb
    return edit


def delete(grade_id: str) -> Callable:
    def edit(nb):
        del nb.cells[_index(nb, grade_id)]
        return nb
    return edit


def retype(grade_id: str) -> Callable:
    """Delete a locked cell and type its visible code into a new cell of one's own."""
    def edit(nb):
        index = _index(nb, grade_id)
        source = nb.cells[index].source
        nb.cells[index] = new_code_cell(source)
        return nb
    return edit


def duplicate(grade_id: str) -> Callable:
    def edit(nb):
        index = _index(nb, grade_id)
        twin = copy.deepcopy(nb.cells[index])
        twin.pop("id", None)
        nb.cells.insert(index + 1, nbformat.from_dict({**twin, "id": "twin"}))
        return nb
    return edit


def tag(grade_id: str, *tags: str) -> Callable:
    def edit(nb):
        nb.cells[_index(nb, grade_id)].metadata["tags"] = list(tags)
        return nb
    return edit


# --- the attacks -----------------------------------------------------------------

PATCH_THE_TESTS = """
import numpy as np
from course import checks, gradcheck
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
checks.compare = lambda *args, **kwargs: None
checks.expect_outputs = lambda *args, **kwargs: None
gradcheck.assert_gradient = lambda *args, **kwargs: None
"""

FORGE_RECORDS = """
from IPython.display import display
from course import checks

def forged(check, function):
    zero = checks.encode_array(0.0)
    display({checks.RECORD_MIME: {"check": check, "results": [{"outputs": [zero]}] * 50},
             "text/plain": "all hidden tests passed"}, raw=True)
    display({"text/plain": "1.0"}, raw=True)  # nbgrader reads a number in a result as partial credit

checks.record = forged
"""

# An answer that is the worked example's number whatever it is asked, and equal to anything.
LYING_OBJECTS = """
class Liar:
    def __init__(self, value):
        self.value = value
    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)
    def __float__(self):
        return float(self.value)
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__

def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):
    return Liar(1.4223812206360753), Liar(1.0736810456284795)
"""

# Each function steals its answer if it can find one: a reference implementation on disk,
# the solutions in source/, another student's submission; otherwise it answers 0.  It knows where
# the course is (KNOWN_COURSE is replaced by its path), as if an earlier leak had told it.
SNOOPER = r'''
import glob, importlib, json, sys
from pathlib import Path

def _places():
    here = Path.cwd().resolve()
    return [Path("KNOWN_COURSE"), here, *here.parents, Path.home(), *map(Path, sys.path)]

def _stolen_reference(name):
    for place in _places():
        if (place / "instructor" / "references" / "linear_regression.py").exists():
            sys.path.insert(0, str(place))
            return getattr(importlib.import_module("instructor.references.linear_regression"), name)
    try:
        return getattr(importlib.import_module("instructor.references.linear_regression"), name)
    except ImportError:
        return None

def _stolen_solution(name, pattern):
    for place in _places():
        for path in sorted(glob.glob(str(place / pattern))):
            try:
                cells = json.load(open(path))["cells"]
            except Exception:
                continue
            for cell in cells:
                code = "".join(cell["source"])
                if code.lstrip().startswith(f"def {name}(") and "NotImplementedError" not in code \
                        and "_stolen" not in code:
                    namespace = {"np": np}
                    exec(code, namespace)
                    return namespace[name]
    return None

def observation_gradient(dloss_dyhat, dyhat_dw, dyhat_db):
    stolen = _stolen_reference("observation_gradient")
    return stolen(dloss_dyhat, dyhat_dw, dyhat_db) if stolen else (0.0, 0.0)

def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):
    stolen = _stolen_solution("batch_gradient", "source/*/*.ipynb")
    return stolen(dloss_dyhat, dyhat_dw, dyhat_db) if stolen else (0.0, 0.0)

def softmax(Z):
    stolen = _stolen_solution("softmax", "submitted/*/*/*.ipynb")
    return stolen(Z) if stolen else np.zeros_like(Z)
'''

SABOTAGE = """
import glob, os, sqlite3
from pathlib import Path

here = Path.cwd().resolve()
for place in [here, *here.parents]:
    for database in glob.glob(str(place / "gradebook.db")):
        try:
            connection = sqlite3.connect(database)
            connection.execute("UPDATE grade SET auto_score = 0, manual_score = 0")
            connection.commit()
        except Exception:
            pass
    for victim in glob.glob(str(place / "submitted" / "*" / "*" / "*.ipynb")) + \\
            glob.glob(str(place / "autograded" / "*" / "*" / "*.ipynb")):
        if "saboteur" not in victim:
            try:
                os.remove(victim)
            except OSError:
                pass
    try:
        (place / "source" / "planted.txt").write_text("planted")
    except OSError:
        pass
"""

# The gradient by automatic differentiation: right, but not derived; the grader offers no autodiff.
AUTODIFF = """
import jax
jax.config.update("jax_enable_x64", True)

def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):
    # The batch loss to first order in (w, b), built from the links, differentiated by JAX.
    def loss(w, b):
        return jax.numpy.mean(jax.numpy.asarray(dloss_dyhat)
                              * (jax.numpy.asarray(dyhat_dw) * w + jax.numpy.asarray(dyhat_db) * b))
    dw, db = jax.grad(loss, argnums=(0, 1))(0.0, 0.0)
    return float(dw), float(db)
"""

IGNORES_INTERRUPTS = """
def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        try:
            pass
        except BaseException:
            pass
"""

NETWORK = """
import socket, urllib.request
for attempt in (lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"answers"),
                lambda: urllib.request.urlopen("http://example.com", timeout=2)):
    try:
        attempt()
        print("reached the network")
    except OSError as error:
        print("no network:", type(error).__name__)
"""


@dataclass
class Hostile:
    student: str
    edits: list[Callable]
    scores: tuple[float, float, float]  # observation_gradient, batch_gradient, softmax (the CELLS)
    # cell (a grade_id, or "last") -> a phrase its outputs must show
    mentions: dict[str, str] = field(default_factory=dict)
    # what happens to the submitted file after it is written (a student's file-level mistakes)
    damage: Callable[[Path], None] | None = None
    notice: str | None = None  # what the graded notebook's first cell must say, if intake stood in


def corrupt(path: Path) -> None:
    path.write_text('{"cells": [{"cell_type": "code", "source": "def softmax(Z):')  # saved half-way


def rename(path: Path) -> None:
    path.rename(path.with_name(f"{path.stem} (1).ipynb"))


def no_notebook(path: Path) -> None:
    path.with_name("answers.py").write_text("def softmax(Z): ...")
    path.unlink()


def define(function: str, body: str) -> str:
    return f"def {function}({ARGUMENTS[function]}):\n    " + body.replace("\n", "\n    ")


def corpus(port: int, course: Path = Path("/nonexistent")) -> list[Hostile]:
    batch, softmax = "batch_gradient", "softmax"
    return [
        Hostile("patches-numpy-and-checks", [replace(batch, WRONG[batch] + PATCH_THE_TESTS)], (1, 0, 1),
                {"test_batch_gradient": "batch_gradient is wrong"}),
        Hostile("forges-records", [replace(softmax, WRONG[softmax] + FORGE_RECORDS)], (1, 1, 0)),
        Hostile("lying-objects", [replace(batch, LYING_OBJECTS)], (1, 0, 1),
                {"test_batch_gradient": "expected 1.0625, got 1.422381221"}),  # the worked example's answer
        Hostile("input-transformer",
                [extend(softmax, "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])")],
                (1, 1, 0), {"test_softmax": "no answers were recorded"}),
        Hostile("tags-test-as-demo", [replace(batch, WRONG[batch]), tag("test_batch_gradient", "demo")],
                (1, 0, 1), {"test_batch_gradient": "on the lecture's 3 observations"}),  # the test ran
        Hostile("snooper", [replace("observation_gradient", SNOOPER.replace("KNOWN_COURSE", str(course))),
                            replace(batch, "pass"),
                            replace(softmax, "pass")], (0, 0, 0)),
        Hostile("saboteur", [append(SABOTAGE)], (1, 1, 1)),
        Hostile("autodiff", [replace(batch, AUTODIFF)], (1, 0, 1),
                {"batch_gradient": "jax is not available when your notebook is graded"}),
        Hostile("edits-locked-tests", [replace("test_observation_gradient", "print('all good')"),
                                       replace(batch, WRONG[batch]), replace("test_batch_gradient", "pass")],
                (1, 0, 1), {"test_observation_gradient": "your changes to it were discarded",
                            "test_batch_gradient": "your changes to it were discarded"}),
        Hostile("deletes-a-test", [delete("test_batch_gradient")], (1, 0, 1),
                {"test_batch_gradient": "deleted"}),
        Hostile("retypes-a-test", [retype("test_observation_gradient")], (0, 1, 1),
                {"test_observation_gradient": "deleted"}),
        Hostile("duplicates-a-test", [replace(softmax, WRONG[softmax]), duplicate("test_softmax")],
                (1, 1, 0)),
        Hostile("loops-at-top-level", [append("while True:\n    pass")], (1, 1, 1)),
        Hostile("loops-in-a-function", [replace(batch, define(batch, "while True:\n    pass"))], (1, 0, 1),
                {"test_batch_gradient": "endless loop"}),
        Hostile("ignores-interrupts", [replace(batch, IGNORES_INTERRUPTS)], (1, 0, 1),
                {"test_batch_gradient": "did not stop when interrupted"}),
        Hostile("prints-megabytes", [extend(batch, "_solved = batch_gradient\n" + define(
                    batch, "print('y' * 300_000)\nreturn _solved(dloss_dyhat, dyhat_dw, dyhat_db)")),
                                     append("print('x' * 5_000_000)")], (1, 1, 1),
                {"test_batch_gradient": "output truncated"}),
        Hostile("exits-and-crashes", [extend("observation_gradient", "import sys\nsys.exit(1)"),
                                      replace(batch, define(batch, "import os\nos._exit(0)")),
                                      append("import ctypes\nctypes.string_at(0)")], (1, 0, 1),
                {"test_batch_gradient": "kernel died", "last": "kernel died"}),
        Hostile("uses-too-much-memory", [replace(batch, define(batch, "return np.ones(2**31).sum(), 0.0")),
                                         append("hoard = bytearray(3 * 2**30)")], (1, 0, 1),
                {"test_batch_gradient": "ran out of memory", "last": "ran out of memory"}),
        Hostile("nan-and-wrong-shapes", [
            replace("observation_gradient",
                    define("observation_gradient", "return float('nan'), float('nan')")),
            replace(batch, define(batch, "return np.zeros(3), np.zeros(3)"))], (0, 0, 1),
                {"test_observation_gradient": "not a finite number",
                 # one entry per observation where the gradient is one number: the catalogued slip's hint
                 "test_batch_gradient": "the gradient came back with one entry per observation"}),
        Hostile("calls-the-network", [append(NETWORK.format(port=port))], (1, 1, 1), {"last": "no network"}),
        Hostile("corrupt-notebook", [], (0, 0, 0), damage=corrupt, notice="is not a notebook that can be opened"),
        Hostile("renamed-notebook", [], (1, 1, 1), damage=rename),
        Hostile("no-notebook", [], (0, 0, 0), damage=no_notebook, notice="no notebook named"),
    ]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from instructor.build import generate

    root = copy_course(tmp_path_factory.mktemp("hostile"))
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Execute.timeout = {TIMEOUT}\n")
    assert not generate(root, ASSIGNMENT)
    name, _ = submissions.release_notebook(ASSIGNMENT, root)
    solved = submissions.solved(ASSIGNMENT, root)

    # An honest and a blank submission, graded first, on their own.
    gradebook.submit(root, ASSIGNMENT, "honest", name, solved)
    gradebook.submit(root, ASSIGNMENT, "blank", name, submissions.blank(ASSIGNMENT, root))
    first = autograde(root, ASSIGNMENT, ["honest", "blank"], jobs=2)
    assert all(o.graded for o in first), first
    before = {s: gradebook.scores(root, ASSIGNMENT, s) for s in ("honest", "blank")}
    files = [root / d / s / ASSIGNMENT / f"{name}.ipynb" for d in ("submitted", "autograded")
             for s in ("honest", "blank")]
    digests = {path: _digest(path) for path in files}

    listener = Listener()
    hostile = corpus(listener.port, root)
    for case in hostile:
        notebook = copy.deepcopy(solved)
        for edit in case.edits:
            notebook = edit(notebook)
        path = gradebook.submit(root, ASSIGNMENT, case.student, name, notebook)
        if case.damage:
            case.damage(path)
    try:
        outcomes = autograde(root, ASSIGNMENT, [c.student for c in hostile], jobs=os.cpu_count())
    finally:
        listener.close()
    yield {"root": root, "name": name, "hostile": {c.student: c for c in hostile},
           "outcomes": {o.student: o for o in outcomes}, "before": before, "digests": digests,
           "listener": listener}


@pytest.mark.parametrize("student", [c.student for c in corpus(0)])
def test_hostile_submission_scores_what_it_deserves(graded, student):
    case = graded["hostile"][student]
    outcome = graded["outcomes"][student]
    assert outcome.graded, outcome.problems
    assert outcome.executed_in_worker, "graded by the serial fallback, not in parallel"
    scores = gradebook.scores(graded["root"], ASSIGNMENT, student)
    got = tuple(scores.cells[c][0] for c in CELLS)
    assert got == case.scores, f"{student}: scored {dict(zip(CELLS, got))}"
    assert scores.max_total == sum(POINTS.values())
    assert not scores.needs_manual_grade

    notebook = nbformat.read(graded["root"] / "autograded" / student / ASSIGNMENT / f"{graded['name']}.ipynb",
                             as_version=4)
    for where, phrase in case.mentions.items():
        cell = notebook.cells[-1] if where == "last" else notebook.cells[_index(notebook, where)]
        assert phrase in _outputs_text(cell), f"{student}: {where} does not say {phrase!r}"
    if case.notice:
        assert intake.NOTICE_MARK in notebook.cells[0].source and case.notice in notebook.cells[0].source
        assert any(case.notice in repair for repair in outcome.repairs), outcome.repairs
    else:
        assert intake.NOTICE_MARK not in notebook.cells[0].source


def test_an_honest_notebook_gets_no_grader_notes(graded):
    root, name = graded["root"], graded["name"]
    for student in ("honest", "blank", "renamed-notebook"):
        notebook = nbformat.read(root / "autograded" / student / ASSIGNMENT / f"{name}.ipynb", as_version=4)
        for cell in notebook.cells:
            text = _outputs_text(cell) if cell.cell_type == "code" else ""
            assert "Note from the grader" not in text and "GradingLimit" not in text, (student, text)


def test_an_unreadable_notebook_is_kept_for_the_instructor(graded):
    folder = graded["root"] / "submitted" / "corrupt-notebook" / ASSIGNMENT
    kept = folder / f"{graded['name']}.ipynb{intake.UNREADABLE_SUFFIX}"
    assert kept.read_text().startswith('{"cells": [{"cell_type"')


def test_no_submission_changes_another(graded):
    root = graded["root"]
    for student, scores in graded["before"].items():
        assert gradebook.scores(root, ASSIGNMENT, student) == scores, f"{student}'s grades changed"
    for path, digest in graded["digests"].items():
        assert path.exists() and _digest(path) == digest, f"{path} was changed"
    assert not list((root / "source").rglob("planted.txt"))


def test_feedback_says_which_limit_was_hit(graded):
    from nbgrader.apps import NbGraderAPI

    from instructor.config import load_config

    root = graded["root"]
    expected = {"uses-too-much-memory": "ran out of memory", "ignores-interrupts": "did not stop when interrupted",
                "loops-in-a-function": "endless loop", "prints-megabytes": "output truncated",
                "corrupt-notebook": intake.NOTICE_MARK}
    api = NbGraderAPI(config=load_config(root))
    for student, phrase in expected.items():
        assert api.generate_feedback(ASSIGNMENT, student)["success"], student
        html = (root / "feedback" / student / ASSIGNMENT / f"{graded['name']}.html").read_text()
        assert phrase in html, f"{student}'s feedback does not say {phrase!r}"
        assert "checks.record" not in html  # the hidden tests stay hidden


def test_grading_again_in_another_order_gives_the_same_scores(graded):
    root = graded["root"]
    again = ["saboteur", "exits-and-crashes", "nan-and-wrong-shapes", "honest", "forges-records"]
    before = {s: gradebook.scores(root, ASSIGNMENT, s) for s in again}
    outcomes = autograde(root, ASSIGNMENT, again, jobs=1)
    assert all(o.graded for o in outcomes), outcomes
    assert {s: gradebook.scores(root, ASSIGNMENT, s) for s in again} == before


def test_no_submission_reached_the_network(graded):
    assert graded["listener"].connections == 0


def test_output_is_capped(graded):
    path = graded["root"] / "autograded" / "prints-megabytes" / ASSIGNMENT / f"{graded['name']}.ipynb"
    assert path.stat().st_size < 1_500_000


@pytest.mark.parametrize("student", ["snooper", "autodiff"])
def test_the_cheat_would_work_without_the_sandbox(graded, student):
    """Unsandboxed, the snooper steals all three answers and autodiff passes: the sandbox is what stops them."""
    root = graded["root"]
    submitted = root / "submitted" / student / ASSIGNMENT
    gradebook.submit(root, ASSIGNMENT, f"{student}-unsandboxed", graded["name"],
                     nbformat.read(submitted / f"{graded['name']}.ipynb", as_version=4))
    [outcome] = autograde(root, ASSIGNMENT, [f"{student}-unsandboxed"], jobs=1, sandbox=False)
    assert outcome.graded, outcome.problems
    scores = gradebook.scores(root, ASSIGNMENT, f"{student}-unsandboxed")
    assert scores.total == scores.max_total, scores.cells


PATCH_EVERYTHING = PATCH_THE_TESTS + """
checks.record = lambda *args, **kwargs: None
checks.call_student = lambda function, *args: None
"""


@pytest.fixture(scope="module")
def patched_blanks(tmp_path_factory):
    """Every assignment: the blank notebook with the test helpers patched to pass, and the reference."""
    from instructor.build import generate

    root = copy_course(tmp_path_factory.mktemp("patched"))
    results = {}
    for assignment in notebooks.assignments(root):
        assert not generate(root, assignment)
        name, blank = submissions.release_notebook(assignment, root)
        blank = insert_after("setup", PATCH_EVERYTHING)(blank)
        gradebook.submit(root, assignment, "patched", name, blank)
        gradebook.submit(root, assignment, "reference", name, submissions.solved(assignment, root))
        outcomes = autograde(root, assignment, ["patched", "reference"], jobs=2)
        assert all(o.graded for o in outcomes), outcomes
        results[assignment] = {s: gradebook.scores(root, assignment, s) for s in ("patched", "reference")}
    return results


@pytest.mark.parametrize("assignment", notebooks.assignments())
def test_patched_test_helpers_pass_nothing_in_any_assignment(patched_blanks, assignment):
    scores = patched_blanks[assignment]
    assert scores["reference"].total == scores["reference"].max_total > 0, scores["reference"].cells
    assert scores["patched"].total == 0, scores["patched"].cells
