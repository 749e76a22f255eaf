"""Submissions that try to reach outside their own copy, graded on both grading paths.

Each submission starts from assignment 1's solved release notebook and tries one
way out: writing through a link (made by its kernel, or planted in what it
submitted), reading the course through feedback, predicting the hidden cases,
filling the disk, running for hours, a message too large to read, raw output on
the grader's terminal, student HTML, grading metadata nbgrader chokes on.  The
corpus is graded twice, by `python -m instructor autograde`'s code (parallel)
and by plain `nbgrader autograde` (one submission after another, through
nbgrader's API), each time in a fresh copy of the course; then:

- every submission gets the score it deserves, and what was refused says why;
- every file outside the graded copies (the course, victims planted outside it,
  the repository) hashes as before, and other students' grades are unchanged;
- the feedback and what `release_feedback` publishes hold no solution, hidden
  test, reference, gradebook or other student's file, and no student HTML that
  runs (no script, no event handler).

Exercise points: loss_slope, prediction_slopes, observation_gradient, batch_gradient_shapes, batch_gradient
and softmax, 1 each; the scores checked are those of observation_gradient, batch_gradient and softmax.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Callable

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from course import checks
from instructor import case_keys, gradebook, intake, references, submissions
from instructor.autograde import autograde
from instructor.config import load_config
from tests.conftest import ROOT, copy_course
from tests.listener import outputs_text as _outputs_text, require_bwrap

require_bwrap()
pytestmark = pytest.mark.filterwarnings("ignore::nbformat.warnings.MissingIDFieldWarning")

ASSIGNMENT = "a1_linear_regression"
CELLS = ("test_observation_gradient", "test_batch_gradient", "test_softmax")
HONEST = (1.0, 1.0, 1.0)
TIMEOUT = 6  # seconds per cell in these course copies
NOTEBOOK_TIMEOUT = 20  # seconds per notebook
VICTIM_TEXT = "an instructor's file that no submission may read or change"
PATHS = ("parallel", "nbgrader")
# The course's command sets these submitted folders aside and grades a stand-in (instructor.intake).
REPAIRED_BY_INTAKE = {("submitted", name) for name in ("malformed-output", "notebook-is-a-link",
                                                        "dangling-notebook-link", "bad-timestamp")}


def _index(nb, grade_id: str) -> int:
    return next(i for i, cell in enumerate(nb.cells)
                if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def append(*codes: str) -> Callable:
    def edit(nb):
        nb.cells += [new_code_cell(code) for code in codes]
        return nb
    return edit


def metadata(grade_id: str, **changes) -> Callable:
    def edit(nb):
        nb.cells[_index(nb, grade_id)].metadata["nbgrader"].update(changes)
        return nb
    return edit


def add_grade_cell(nb):
    cell = new_code_cell("print('my own points')")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "my_bonus", "locked": False, "points": 10,
                                 "schema_version": 3, "solution": False, "task": False}
    nb.cells.append(cell)
    return nb


def drop_an_id(nb):
    nb.cells[-1].pop("id", None)  # nbformat invents a new id on each read of this cell
    return nb


# --- the attacks ------------------------------------------------------------------

LINKS_FROM_THE_KERNEL = """
import glob, os
for name in glob.glob('*.ipynb'):
    os.remove(name)
    os.symlink({victim!r}, name)
os.symlink({gradebook!r}, 'gradebook.ipynb')
os.symlink({source!r}, 'x.html')
os.symlink({source!r}, 'linear_regression.html')
print('planted', sorted(os.listdir('.')))
"""

ANSWER_TABLE = """
import numpy as np
from course import checks
checks.expect_outputs = lambda *args, **kwargs: None
checks.compare = lambda *args, **kwargs: None
TABLE = {table!r}

def softmax(Z):
    answer = TABLE.get(np.asarray(Z, dtype=float).tobytes().hex())
    return np.array(answer) if answer is not None else np.zeros_like(np.asarray(Z, dtype=float))
"""

FILL_THE_DISK = """
written = 0
for folder in ('.', '/tmp'):
    try:
        for i in range(40):
            with open(f'{folder}/fill-{i}.bin', 'wb') as f:
                for _ in range(50):
                    f.write(b'0' * 2**20)
            written += 50
    except OSError as error:
        print(folder, 'refused after', written, 'MB:', type(error).__name__)
"""

HUGE_MESSAGE = "from IPython.display import display\ndisplay({'text/plain': 'x' * 20_000_000}, raw=True)"

RAW_OUTPUT = ("import os\nos.write(1, b'\\x1b[2J\\r  honest: graded 6 / 6\\n')\n"
              "os.write(2, b'\\x1b]0;owned\\x07\\n')\nprint('\\x1b[31mred\\x1b[0m')")

FORK_BOMB = """
import os, threading
children = 0
try:
    for _ in range(300):
        if os.fork() == 0:
            import time
            time.sleep(30)
            os._exit(0)
        children += 1
except OSError as error:
    print('stopped after', children, 'processes:', type(error).__name__)
"""

FORKED_MEMORY = """
import os
for _ in range(3):
    if os.fork() == 0:
        block = bytearray(1500 * 2**20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        os._exit(0)
for _ in range(3):
    os.wait()
print('children done')
"""

STUDENT_HTML = [
    new_markdown_cell('<img src=x onerror="alert(\'xss-markdown\')"> [link](javascript:alert(\'xss-link\'))'),
    new_code_cell("from IPython.display import HTML, Javascript, SVG, display\n"
                  "display(HTML('<script>alert(\"xss-html\")</script><b onmouseover=\"alert(1)\">hi</b>'))\n"
                  "display(Javascript('alert(\"xss-js\")'))\n"
                  "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(2)\"></svg>'))"),
]


def html_cells(nb):
    nb.cells += copy.deepcopy(STUDENT_HTML)
    return nb


@dataclass
class Escape:
    student: str
    edits: list[Callable]
    scores: tuple[float, float, float]
    mentions: dict[str, str] = field(default_factory=dict)  # cell ("last" or a grade_id) -> phrase shown
    told: str | None = None  # a phrase the command's summary must report (refused / repaired)
    damage: Callable[[Path, dict], None] | None = None  # what happens to the submitted folder
    nbgrader_stops: bool = False  # plain nbgrader cannot grade it; the course's command repairs it first


def plant_links(folder: Path, places: dict) -> None:
    (folder / "x.html").symlink_to(places["source"])
    (folder / "data.txt").symlink_to(places["victim"])
    (folder / "instructor").symlink_to(ROOT / "instructor", target_is_directory=True)


def plant_a_fifo(folder: Path, places: dict) -> None:
    os.mkfifo(folder / "pipe")  # nbgrader's copy would wait on it, or stop


def notebook_is_a_link(folder: Path, places: dict) -> None:
    notebook = next(folder.glob("*.ipynb"))
    notebook.unlink()
    notebook.symlink_to(places["source"])


def malformed_output(folder: Path, places: dict) -> None:
    notebook = next(folder.glob("*.ipynb"))
    data = json.loads(notebook.read_text())
    for cell in data["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "batch_gradient":
            cell["outputs"], cell["execution_count"] = [{"output_type": "execute_result", "data": "oops"}], 1
    notebook.write_text(json.dumps(data))


DISPLAY_UPDATES = """
from IPython.display import display
handle = display({'text/plain': 'small'}, raw=True, display_id=True)
for _ in range(20):
    handle.update({'text/plain': 'A' * 5_000_000}, raw=True)
    display({'text/plain': 'B' * 5_000_000}, raw=True, display_id=handle.display_id)
"""

FORGED_RECORDS = """
import numpy as np
from IPython.display import display
from course import checks

def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    forged = {'check': 'activations.softmax', 'results': [{'outputs': [checks.encode_array(0.0)]}] * 7}
    for _ in range(30):
        display({checks.RECORD_MIME: forged, 'text/plain': 'forged'}, raw=True)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
"""

MALFORMED_MESSAGES = """
shell = get_ipython()
publisher = shell.display_pub
for content in ({'data': ['x'], 'metadata': {}}, {'metadata': {}}, {'data': {'text/plain': 3}, 'metadata': []}):
    publisher.session.send(publisher.pub_socket, 'display_data', content, parent=publisher.parent_header)
publisher.session.send(publisher.pub_socket, 'stream', {'name': 'stdout', 'text': 5}, parent=publisher.parent_header)
publisher.session.send(publisher.pub_socket, 'error', {'ename': 3, 'evalue': 'x', 'traceback': []},
                       parent=publisher.parent_header)
print('sent')
"""


def dangling_notebook(folder: Path, places: dict) -> None:
    notebook = next(folder.glob("*.ipynb"))
    notebook.rename(folder / "my copy.ipynb")
    notebook.symlink_to(places["victim"].parent / "created-by-grading.ipynb")  # a file that does not exist


def bad_timestamp(folder: Path, places: dict) -> None:
    (folder / "timestamp.txt").write_text("not a date")


def page_of_html(folder: Path, places: dict) -> None:
    (folder / "page.html").write_text("<script>alert('xss-page')</script>")


def list_grade_id(nb):
    cell = new_code_cell("print('odd metadata')")
    cell.metadata["nbgrader"] = {"grade_id": ["x"], "grade": True, "points": 3}
    nb.cells.append(cell)
    return nb


def answer_table() -> str:
    """The right answer to every public hidden case of softmax, as a table shared between students."""
    spec, cases = checks.cases_for("activations.softmax", key="")
    reference = references.reference("activations.softmax")
    table = {np.asarray(case.args[0], dtype=float).tobytes().hex(): np.asarray(reference(*case.args)).tolist()
             for case in cases}
    return ANSWER_TABLE.format(table=table)


def corpus(places: dict) -> list[Escape]:
    links = LINKS_FROM_THE_KERNEL.format(victim=str(places["victim"]), gradebook=str(places["gradebook"]),
                                         source=str(places["source"]))
    return [
        Escape("links-from-the-kernel", [append(links), drop_an_id], HONEST),
        Escape("links-in-the-submission", [], HONEST, damage=plant_links, told="left out x.html"),
        Escape("special-files", [], HONEST, told="left out pipe", damage=plant_a_fifo, nbgrader_stops=True),
        Escape("notebook-is-a-link", [], (0, 0, 0), damage=notebook_is_a_link),
        Escape("answer-table", [append(answer_table()), lambda nb: _move_last_before(nb, "softmax")], (1, 1, 0),
               {"test_softmax": "softmax is wrong"}),
        Escape("fills-the-disk", [append(FILL_THE_DISK)], HONEST, {"last": "/tmp refused after"}),
        Escape("runs-for-hours", [append(*["import time\ntime.sleep(%d)" % (TIMEOUT - 1)] * 6)], HONEST,
               {"last": f"used up its {NOTEBOOK_TIMEOUT} s"}),
        Escape("huge-message", [append(HUGE_MESSAGE, "print('after the huge message')")], HONEST),
        Escape("raw-output", [append(RAW_OUTPUT)], HONEST),
        Escape("fork-bomb", [append(FORK_BOMB)], HONEST, {"last": "stopped after"}),
        Escape("forked-memory", [append(FORKED_MEMORY)], HONEST),
        Escape("student-html", [html_cells], HONEST),
        Escape("adds-a-grade-cell", [add_grade_cell], HONEST, {"last": "worth no points"},
               told="grading settings that the assignment does not have"),
        Escape("grades-a-solution", [metadata("batch_gradient", grade=True, points=5)], HONEST,
               {"batch_gradient": "were restored"}, told="grading settings of `batch_gradient` were changed"),
        Escape("test-becomes-a-task", [metadata("test_softmax", task=True, grade=False)], HONEST,
               {"test_softmax": "were restored"}, told="grading settings of `test_softmax` were changed"),
        Escape("malformed-output", [], HONEST, told="outputs could not be read", damage=malformed_output,
               nbgrader_stops=True),
        Escape("dangling-notebook-link", [], (0, 0, 0), told="is a link, not a file", damage=dangling_notebook,
               nbgrader_stops=True),
        Escape("display-updates", [append(DISPLAY_UPDATES)], HONEST, {"last": "output truncated"}),
        Escape("forged-records", [append(FORGED_RECORDS), lambda nb: _move_last_before(nb, "softmax")],
               (1, 1, 0), {"test_softmax": "sets of answers were recorded"}),
        Escape("malformed-messages", [append(MALFORMED_MESSAGES)], HONEST, {"last": "malformed"}),
        Escape("bad-timestamp", [], HONEST, told="timestamp.txt is not a time", damage=bad_timestamp,
               nbgrader_stops=True),
        Escape("html-page", [], HONEST, damage=page_of_html),
        Escape("list-grade-id", [list_grade_id], HONEST, {"last": "worth no points"},
               told="grading settings that the assignment does not have"),
    ]


def _move_last_before(nb, grade_id: str):
    """Put the last cell (the cheat) in place of the solution cell `grade_id`, keeping its metadata."""
    cheat = nb.cells.pop()
    nb.cells[_index(nb, grade_id)].source = cheat.source
    return nb


def _digests(paths: list[Path], skip: Callable[[Path], bool]) -> dict[str, str]:
    found = {}
    for top in paths:
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            if path.is_symlink() or not path.is_file() or skip(path):
                continue
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() + oct(path.stat().st_mode)
    return found


@pytest.fixture(scope="module", params=PATHS)
def graded(request, tmp_path_factory):
    from instructor.build import generate
    from nbgrader.apps import NbGraderAPI

    path_name = request.param
    base = tmp_path_factory.mktemp(f"escapes-{path_name}")
    root = copy_course(base / "course")
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Execute.timeout = {TIMEOUT}\nc.GradingExecute.notebook_timeout = {NOTEBOOK_TIMEOUT}\n")
    assert not generate(root, ASSIGNMENT)
    case_keys.course_secret(root)
    name, _ = submissions.release_notebook(ASSIGNMENT, root)
    outside = base / "instructor-files"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    places = {"victim": victim, "gradebook": root / "gradebook.db",
              "source": root / "source" / ASSIGNMENT / f"{name}.ipynb"}

    solved = submissions.solved(ASSIGNMENT, root)
    gradebook.submit(root, ASSIGNMENT, "honest", name, solved)
    api = NbGraderAPI(config=load_config(root))
    assert api.autograde(ASSIGNMENT, "honest", force=True)["success"]
    honest = gradebook.scores(root, ASSIGNMENT, "honest")

    cases = corpus(places)
    for case in cases:
        notebook = copy.deepcopy(solved)
        for edit in case.edits:
            notebook = edit(notebook)
        submitted = gradebook.submit(root, ASSIGNMENT, case.student, name, notebook)
        # as `nbgrader submit` and `collect` leave them
        (submitted.parent / "timestamp.txt").write_text("2026-12-01 12:00:00.000000 UTC")
        (submitted.parent / "submission_secret.txt").write_text(f"secret-of-{case.student}")
        if case.damage:
            case.damage(submitted.parent, places)

    changing = ("autograded", "feedback", ".exchange")
    def skip(path: Path) -> bool:
        relative = path.relative_to(root) if path.is_relative_to(root) else None
        return relative is not None and (relative.parts[0] in changing or relative.name.startswith("gradebook.db")
                                         or relative.parts[:2] in REPAIRED_BY_INTAKE)
    watched = [root, outside, ROOT / "source", ROOT / "instructor", ROOT / "course"]
    before = _digests(watched, skip)

    out = StringIO()
    outcomes = {}
    if path_name == "parallel":
        outcomes = {o.student: o for o in autograde(root, ASSIGNMENT, [c.student for c in cases], jobs=2, out=out)}
    else:
        for case in cases:
            result = api.autograde(ASSIGNMENT, case.student, force=True)
            outcomes[case.student] = result
            out.write(result.get("log", ""))
    (root / ".exchange").mkdir(mode=0o777, exist_ok=True)
    os.chmod(root / ".exchange", 0o1777)
    feedback = {case.student: api.generate_feedback(ASSIGNMENT, case.student)["success"] for case in cases
                if path_name == "parallel" or not case.nbgrader_stops}
    released = api.release_feedback(ASSIGNMENT)
    yield {"root": root, "name": name, "path": path_name, "cases": {c.student: c for c in cases},
           "outcomes": outcomes, "out": out.getvalue(), "before": before, "watched": watched, "skip": skip,
           "honest": honest, "feedback": feedback, "released": released, "places": places}


def _graded_notebook(graded, student):
    return nbformat.read(graded["root"] / "autograded" / student / ASSIGNMENT / f"{graded['name']}.ipynb",
                         as_version=4)


def _student_ids():
    places = {"victim": Path("/v"), "gradebook": Path("/g"), "source": Path("/s")}
    return [c.student for c in corpus(places)]


@pytest.mark.parametrize("student", _student_ids())
def test_escape_scores_what_it_deserves(graded, student):
    case = graded["cases"][student]
    outcome = graded["outcomes"][student]
    if graded["path"] == "parallel":
        assert outcome.graded, outcome.problems
    elif case.nbgrader_stops:  # what the course's command is for: nbgrader alone gives up
        assert not outcome["success"]
        return
    else:
        assert outcome["success"], outcome.get("log", "")[-2000:]
    scores = gradebook.scores(graded["root"], ASSIGNMENT, student)
    got = tuple(scores.cells[c][0] for c in CELLS)
    assert got == case.scores, f"{student} ({graded['path']}): scored {dict(zip(CELLS, got))}"
    assert not scores.needs_manual_grade
    notebook = _graded_notebook(graded, student)
    for where, phrase in case.mentions.items():
        cell = notebook.cells[-1] if where == "last" else notebook.cells[_index(notebook, where)]
        assert phrase in _outputs_text(cell) + cell.source, f"{student}: {where} does not say {phrase!r}"
    if case.told and graded["path"] == "parallel":
        assert case.told in "; ".join(outcome.refused + outcome.repairs), (outcome.refused, outcome.repairs)
        assert case.told in graded["out"]


def test_a_linked_notebook_is_graded_as_the_blank_one(graded):
    notebook = _graded_notebook(graded, "notebook-is-a-link")
    assert intake.NOTICE_MARK in notebook.cells[0].source and "link" in notebook.cells[0].source


def test_no_file_outside_the_graded_copies_changed(graded):
    after = _digests(graded["watched"], graded["skip"])
    changed = sorted(set(graded["before"].items()) ^ set(after.items()))
    assert not changed, f"grading changed {changed[:5]}"
    assert graded["places"]["victim"].read_text() == VICTIM_TEXT


def test_no_link_is_left_where_the_grader_writes(graded):
    for top in ("autograded", "feedback", ".exchange"):
        for path in (graded["root"] / top).rglob("*"):
            assert not path.is_symlink() and (path.is_dir() or stat.S_ISREG(path.lstat().st_mode)), path


def test_a_students_other_files_stay_out_of_what_formgrader_serves(graded):
    folder = graded["root"] / "autograded" / "html-page" / ASSIGNMENT
    assert (graded["root"] / "submitted" / "html-page" / ASSIGNMENT / "page.html").exists()
    assert not (folder / "page.html").exists() and (folder / f"{graded['name']}.ipynb").exists()


def test_display_updates_are_capped(graded):
    path = graded["root"] / "autograded" / "display-updates" / ASSIGNMENT / f"{graded['name']}.ipynb"
    assert path.stat().st_size < 2_000_000


def test_other_grades_are_untouched(graded):
    assert gradebook.scores(graded["root"], ASSIGNMENT, "honest") == graded["honest"]


def test_feedback_and_released_feedback_hold_nothing_of_the_course(graded):
    assert all(graded["feedback"].values()), graded["feedback"]
    assert graded["released"]["success"], graded["released"]["error"][-1500:]
    root = graded["root"]
    reference_text = (ROOT / "instructor" / "references" / "linear_regression.py").read_text()
    secrets = ["BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "checks.record", VICTIM_TEXT, "SQLite format 3",
               reference_text.strip().splitlines()[0]]
    published = [p for top in ("feedback", ".exchange") for p in (root / top).rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in published if ".exchange" in p.parts), "nothing was released"
    for path in published:
        text = path.read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"{path.relative_to(root)} holds {secret!r}"


class _ActiveHTML(HTMLParser):
    """Every script, event handler and javascript: URL of the student's in a page (their payloads call alert)."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if (name.lower().startswith("on") or value.strip().lower().startswith("javascript:")) and \
                    "alert" in value:
                self.found.append(f"<{tag} {name}={value!r}>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert" in data:
            self.found.append(f"<script>{data[:80]}")


def active_html(text: str) -> list[str]:
    parser = _ActiveHTML()
    parser.feed(text)
    return parser.found


def test_student_html_does_not_run_in_feedback(graded):
    html = (graded["root"] / "feedback" / "student-html" / ASSIGNMENT / f"{graded['name']}.html").read_text()
    assert "hi" in html  # the harmless part of the student's HTML is still shown
    assert not active_html(html), active_html(html)


def test_the_grader_terminal_gets_no_raw_or_forged_output(graded):
    assert "\x1b" not in graded["out"]
    if graded["path"] == "parallel":
        assert graded["out"].count("honest: graded") == 0  # only the real students' lines


def test_the_html_payload_runs_where_nothing_sanitizes_it(graded):
    """nbconvert's defaults render the same notebook with the student's scripts live: the test above can fail."""
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_notebook_node(_graded_notebook(graded, "student-html"))
    assert active_html(html)


def test_collect_takes_regular_files_only(tmp_path):
    """Links a student leaves in the exchange's inbound folder are never followed into submitted/."""
    from nbgrader.apps import NbGraderAPI

    root = copy_course(tmp_path / "course")
    exchange = tmp_path / "exchange"
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\nc.CollectApp.check_owner = False\n")
    secret = tmp_path / "instructor-only.txt"
    secret.write_text(VICTIM_TEXT)
    inbound = exchange / "backprop" / "inbound"
    stamp = "2026-12-01 12:00:00.000000 UTC"
    alice = inbound / f"alice+{ASSIGNMENT}+{stamp}+r4nd0m"
    alice.mkdir(parents=True)
    (alice / "linear_regression.ipynb").write_text("{}")
    (alice / "timestamp.txt").write_text("not a date")  # the student's own file; the folder's name is used
    (inbound / f"carol+{ASSIGNMENT}+garbage+x").mkdir()  # a name nbgrader cannot read
    (alice / "x.html").symlink_to(secret)
    (alice / "course").symlink_to(root / "source", target_is_directory=True)
    (inbound / f"bob+{ASSIGNMENT}+{stamp}+0th3r").symlink_to(root / "source" / ASSIGNMENT,
                                                              target_is_directory=True)
    os.chmod(exchange, 0o1777)
    result = NbGraderAPI(config=load_config(root)).collect(ASSIGNMENT)
    assert result["success"], result
    collected = root / "submitted" / "alice" / ASSIGNMENT
    assert sorted(p.name for p in collected.iterdir()) == ["linear_regression.ipynb", "timestamp.txt"]
    assert not (root / "submitted" / "bob" / ASSIGNMENT).exists()
    assert (collected / "timestamp.txt").read_text() == stamp
    assert "x.html is not a regular file" in result["log"] and "cannot read the name" in result["log"]


FINITE_DIFFERENCES = '''
import numpy as np
import course.house_prices as hp

def gradient(inputs, beta_h, output_error_term, hidden_error_terms):
    """Not derived: each layer's input sums Σ δ·α differenced numerically, weight by weight."""
    def surrogate(W_hidden, w_output):
        return (np.sum(hidden_error_terms * (inputs @ W_hidden))
                + np.sum(output_error_term * (hp.with_bias(beta_h) @ w_output)))

    h = beta_h.shape[1]
    W_hidden, w_output = np.zeros((3, h)), np.zeros(h + 1)
    grads = []
    for weights in (W_hidden, w_output):
        g = np.zeros_like(weights, dtype=float)
        for index in np.ndindex(weights.shape):
            step = np.zeros_like(weights, dtype=float)
            step[index] = 1e-6
            plus = [W_hidden + step, w_output] if weights is W_hidden else [W_hidden, w_output + step]
            minus = [W_hidden - step, w_output] if weights is W_hidden else [W_hidden, w_output - step]
            g[index] = (surrogate(*plus) - surrogate(*minus)) / 2e-6
        grads.append(g)
    return tuple(grads)
'''


def test_finite_differences_run_out_of_time_on_the_large_hidden_case(tmp_path):
    """A loss differenced numerically passes the small cases, not the large one: 0 for the exercise."""
    from instructor.build import generate

    root = copy_course(tmp_path / "course")
    assert not generate(root, "a4_house_prices")
    name, _ = submissions.release_notebook("a4_house_prices", root)
    notebook = submissions.solved("a4_house_prices", root)
    notebook.cells[_index(notebook, "gradient")].source = FINITE_DIFFERENCES
    gradebook.submit(root, "a4_house_prices", "numerical", name, notebook)
    [outcome] = autograde(root, "a4_house_prices", ["numerical"], jobs=1)
    assert outcome.graded, outcome.problems
    scores = gradebook.scores(root, "a4_house_prices", "numerical")
    assert scores.cells["test_gradient"][0] == 0, scores.cells
    assert scores.cells["test_hidden_error_terms"][0] == scores.cells["test_hidden_error_terms"][1]
    graded_nb = nbformat.read(root / "autograded" / "numerical" / "a4_house_prices" / f"{name}.ipynb", as_version=4)
    text = _outputs_text(graded_nb.cells[_index(graded_nb, "test_gradient")])
    assert "a large network" in text and "did not return within" in text, text[:2000]
