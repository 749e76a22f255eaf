"""A whole class on one server: the README's install command, then the class driven through the Hub.

`python -m instructor.server install` on a roster made here (three students, one instructor,
accounts prefixed `bp-`), then `start`; every student logs in through JupyterHub in headless
Chromium, fetches assignment 1 from the Assignments tab, answers it (correctly, partly, with a
hostile cell), validates and submits; the instructor collects, autogrades (sandboxed), releases
feedback and sees the three submissions in formgrader; each student fetches their own feedback.
A student then probes what they can read. Everything is removed afterwards, except the server's
venv and proxy under /opt/bp-test-hub (rebuilt only when hub/requirements.txt changes).
Needs root, Debian's python3.11 and chromium, npm and bwrap: under CI=true a missing one fails.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from instructor import notebooks
from tests.conftest import ROOT
from tests.lab import CHROMIUM, free_port

PREFIX = Path("/opt/bp-test-hub")
GROUP = "bp-graders"
INSTRUCTOR = "bp-prof"
ASSIGNMENT = notebooks.assignments()[0]
NOTEBOOK = f"{ASSIGNMENT}/linear_regression.ipynb"
SHOTS = ROOT / "artifacts" / "hub"

CORRECT = {
    "loss_slope": "def loss_slope(y_hat, y):\n    return 2 * (y_hat - y)\n",
    "prediction_slopes": "def prediction_slopes(x):\n    x = np.asarray(x, dtype=float)\n"
                         "    return x, np.ones_like(x)\n",
    "observation_gradient": "def observation_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n"
                            "    return dloss_dyhat * dyhat_dw, dloss_dyhat * dyhat_db\n",
    "batch_gradient_shapes": "def batch_gradient_shapes(n):\n    return (n,), (n,), (n,), (), ()\n",
    "batch_gradient": "def batch_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n"
                      "    return np.mean(dloss_dyhat * dyhat_dw), np.mean(dloss_dyhat * dyhat_db)\n",
    "softmax": "def softmax(Z):\n    e = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
               "    return e / e.sum(axis=1, keepdims=True)\n",
}
# The classic slip in one link (the factor 2 of ∂Loss_i/∂ŷ forgotten): 5 of assignment 1's 6 points.
PARTLY = {**CORRECT, "loss_slope": "def loss_slope(y_hat, y):\n    return y_hat - y\n"}
# Looks for the course, the gradebook, other students' work and submissions, and answers nothing.
HOSTILE = {"observation_gradient": (
    "import glob, os\n"
    "stolen = [p for pattern in ('/opt/*/course/source/*/*.md', '/opt/*/course/gradebook.db',\n"
    "          '/home/*/*/*.ipynb', '/opt/*/exchange/*/inbound/*', '/opt/*/hub/*') for p in glob.glob(pattern)]\n"
    "print('STOLEN', stolen)\n"
    "def observation_gradient(dloss_dyhat, dyhat_dw, dyhat_db):\n    return (0.0, 0.0)\n")}
# Bob's first try answers only the first exercise (1 point); he resubmits PARTLY later.
FIRST_TRY = {"loss_slope": CORRECT["loss_slope"]}
STUDENTS = {"bp-ada": CORRECT, "bp-bob": FIRST_TRY, "bp-eve": HOSTILE}
EXPECTED_SCORES = {"bp-ada": 6.0, "bp-bob": 5.0, "bp-eve": 0.0}


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "the class server is installed as root (it creates Unix accounts)"
    for path, what in ((CHROMIUM, "Debian's chromium"), ("/usr/bin/python3.11", "Debian's python3.11")):
        if not Path(path).exists():
            return f"{path} is missing ({what}; bootstrap.sh test installs it)"
    for tool in ("npm", "bwrap", "runuser", "useradd"):
        if not shutil.which(tool):
            return f"{tool} is missing (bootstrap.sh test installs it)"
    return None


_why = _missing()
if _why and os.environ.get("CI") == "true":
    raise RuntimeError(f"the class-server test cannot run: {_why}")
pytestmark = pytest.mark.skipif(bool(_why), reason=_why or "")


def server(*args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
    """The README's command: `python -m instructor.server ...` from the course folder."""
    return subprocess.run([sys.executable, "-m", "instructor.server", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def as_user(user: str, *command: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """What `user` would run in a terminal of their own server (a login environment, their home)."""
    return subprocess.run(["runuser", "--login", user, "--command", " ".join(command)], capture_output=True,
                          text=True, timeout=timeout)


def _remove_everything(prefix: Path = PREFIX, group: str = GROUP) -> None:
    """Stop the Hub; remove every account the installer made, the group, and all but venv/ and proxy/."""
    if (prefix / "hub" / "server.json").exists():
        server("stop", "--prefix", str(prefix))
    accounts = prefix / "hub" / "accounts.json"
    names = set(json.loads(accounts.read_text())) if accounts.exists() else set()
    for name in names | set(STUDENTS) | {INSTRUCTOR}:
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        subprocess.run(["userdel", "--remove", name], capture_output=True)
    subprocess.run(["groupdel", group], capture_output=True)
    if prefix.exists():
        for child in prefix.iterdir():
            if child.name not in ("venv", "proxy"):
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()


def _write_roster(path: Path, lines: list[str]) -> Path:
    path.write_text("username,role,first_name,last_name,email\n" + "".join(line + "\n" for line in lines))
    return path


ROSTER = ["bp-ada,student,Ada,Lovelace,ada@example.edu", "bp-bob,student,Bob,Builder,bob@example.edu",
          "bp-eve,student,Eve,Probe,eve@example.edu", f"{INSTRUCTOR},instructor,Pat,Professor,pat@example.edu"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    _remove_everything()
    roster = _write_roster(tmp_path_factory.mktemp("roster") / "class.csv", ROSTER)
    port = free_port()
    args = ["install", str(roster), "--prefix", str(PREFIX), "--port", str(port), "--ip", "127.0.0.1",
            "--graders-group", GROUP, "--late-penalty", "zero"]
    installed = server(*args)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    started = server("start", "--prefix", str(PREFIX))
    assert started.returncode == 0, started.stdout + started.stderr
    passwords = dict(csv.reader((PREFIX / "hub" / "initial-passwords.csv").read_text().splitlines()[1:]))
    try:
        yield {"base": f"http://127.0.0.1:{port}", "passwords": passwords, "install": args, "roster": roster}
    finally:
        SHOTS.mkdir(parents=True, exist_ok=True)
        if (PREFIX / "hub" / "jupyterhub.log").exists():
            shutil.copy(PREFIX / "hub" / "jupyterhub.log", SHOTS / "jupyterhub.log")
        _remove_everything()


# -- the roster: every mistake named, nothing changed --------------------------------------------

def test_a_malformed_roster_names_every_bad_line_and_changes_nothing(tmp_path):
    prefix = tmp_path / "never-made"
    roster = _write_roster(tmp_path / "bad.csv", [
        "bp-ok,student,Ok,Fine,ok@example.edu",
        "Bad Name,student,Bad,Name,bad@example.edu",
        "bp-role,teacher,Ro,Le,role@example.edu",
        "bp-mail,student,Mail,Less,not-an-email",
        "bp-short,student,Short",
        "bp-ok,grader,Twice,Listed,twice@example.edu"])
    result = server("install", str(roster), "--prefix", str(prefix), "--graders-group", "bp-never")
    assert result.returncode == 1
    for expected in ("line 3: 'Bad Name' is not a valid username", "line 4: role 'teacher'",
                     "line 5: 'not-an-email' is not an email", "line 6: 3 fields", "line 7: bp-ok is already on line 2",
                     "nothing was changed"):
        assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not prefix.exists()
    assert subprocess.run(["id", "bp-ok"], capture_output=True).returncode != 0


def test_an_account_that_already_exists_stops_the_install_before_any_change(tmp_path):
    prefix = tmp_path / "never-made"
    subprocess.run(["userdel", "--remove", "bp-taken"], capture_output=True)
    subprocess.run(["useradd", "--comment", "Someone Else", "bp-taken"], check=True)
    try:
        roster = _write_roster(tmp_path / "class.csv", ["bp-fresh,student,New,Student,new@example.edu",
                                                        "bp-taken,student,Tak,En,taken@example.edu"])
        result = server("install", str(roster), "--prefix", str(prefix), "--graders-group", "bp-never")
        assert result.returncode == 1
        assert "bp-taken (uid" in result.stderr and "Someone Else" in result.stderr, result.stderr
        assert not prefix.exists()
        assert subprocess.run(["id", "bp-fresh"], capture_output=True).returncode != 0
        assert subprocess.run(["getent", "group", "bp-never"], capture_output=True).returncode != 0
    finally:
        subprocess.run(["userdel", "--remove", "bp-taken"], capture_output=True)


# -- the class, through the Hub, in a browser ----------------------------------------------------

def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _login(page, hub, user: str) -> None:
    page.goto(f"{hub['base']}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub["passwords"][user])
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=180_000)
    page.wait_for_selector(".jp-DirListing-content", timeout=120_000)


def _open_assignment_list(page) -> None:
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name=re.compile("Assignment List")).click()
    page.locator("#released_assignments_list").wait_for(timeout=60_000)


def _nbgrader_menu(page) -> list[str]:
    page.get_by_role("menuitem", name="Nbgrader").click()
    items = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
    page.keyboard.press("Escape")
    return items


def _answer(page, hub, user: str, answers: dict[str, str]) -> None:
    """Open the fetched notebook, type each answer over its solution cell, save."""
    page.goto(f"{hub['base']}/user/{user}/lab/tree/{NOTEBOOK}")
    page.wait_for_function("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
                           ".some(e => /\\| Idle/.test(e.textContent))", timeout=120_000)
    for name, code in answers.items():
        cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").filter(
            has_text=f"def {name}(").first
        cell.scroll_into_view_if_needed()
        editor = cell.locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(f"# answer of {user}\n{code}")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(state="detached", timeout=30_000)


def _validate(page) -> tuple[bool, str]:
    """Press Validate in the notebook's toolbar: (passed, what the dialog says)."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").click()
    verdict = page.locator(".jp-Dialog .validation-success, .jp-Dialog .validation-failed")
    verdict.wait_for(timeout=240_000)
    passed, text = "validation-success" in verdict.get_attribute("class"), verdict.inner_text()
    page.keyboard.press("Escape")
    return passed, text


def _gradebook_scores() -> dict[str, float]:
    script = ("import json, sys\nfrom nbgrader.api import Gradebook\n"
              "with Gradebook(sys.argv[1]) as gb:\n"
              "    print(json.dumps({s.student.id: s.score for s in gb.assignment_submissions(sys.argv[2])}))\n"
              "    print(json.dumps({s.id: [s.first_name, s.last_name, s.email] for s in gb.students}))\n")
    done = subprocess.run([str(PREFIX / "venv/bin/python"), "-c", script, f"sqlite:///{PREFIX}/course/gradebook.db",
                           ASSIGNMENT], capture_output=True, text=True, check=True,
                          env={**os.environ, "PATH": f"{PREFIX}/venv/bin:/usr/bin:/bin"})
    scores, students = (json.loads(line) for line in done.stdout.splitlines())
    return scores, students


def test_a_class_through_the_hub(hub):
    from playwright.sync_api import sync_playwright

    from tests.lab import CHROMIUM_ARGS

    def instructor(*command: str, timeout: float = 600) -> str:
        done = as_user(INSTRUCTOR, *command, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def new_page():
            return browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()

        # The instructor logs in and releases the assignment (the grader's terminal commands).
        prof = new_page()
        _login(prof, hub, INSTRUCTOR)
        assert "Formgrader" in " ".join(_nbgrader_menu(prof))
        prof.locator(".lm-TabBar-tab", has_text="Create Assignment").first.wait_for(timeout=30_000)
        instructor(f"{PREFIX}/bin/nbgrader", "generate_assignment", ASSIGNMENT, "--force")
        instructor(f"{PREFIX}/bin/nbgrader", "release_assignment", ASSIGNMENT)

        pages = {}
        for user, answers in STUDENTS.items():
            page = pages[user] = new_page()
            _login(page, hub, user)
            menu = " ".join(_nbgrader_menu(page))
            assert "Formgrader" not in menu and "Course List" not in menu, menu
            assert "Assignment List" in menu
            assert page.locator(".lm-TabBar-tab", has_text="Create Assignment").count() == 0
            _open_assignment_list(page)
            page.locator("#released_assignments_list").get_by_text(ASSIGNMENT).wait_for(timeout=60_000)
            page.locator("#released_assignments_list").get_by_role("button", name="Fetch").click()
            page.locator("#fetched_assignments_list").get_by_text(ASSIGNMENT).wait_for(timeout=60_000)
            # Their server shows their home: the fetched assignment, nothing of the course.
            listing = page.request.get(f"{hub['base']}/user/{user}/api/contents").json()
            assert sorted(item["name"] for item in listing["content"]) == [ASSIGNMENT], listing
            _answer(page, hub, user, answers)
            passed, verdict = _validate(page)
            _shot(page, f"{user}-validated")
            assert passed == (answers is CORRECT), verdict
            assert ("passes all the tests" in verdict) == passed, verdict
            _open_assignment_list(page)
            page.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
            page.locator("#submitted_assignments_list").get_by_text(ASSIGNMENT).wait_for(timeout=60_000)
            _shot(page, f"{user}-submitted")

        # Collected once; then the due date passes and Bob, who first answered only the first exercise,
        # resubmits the rest: collecting again takes his newer submission (collect --update, in the
        # server's config), and it is late, so it loses its points (--late-penalty zero).
        instructor(f"{PREFIX}/bin/nbgrader", "collect", ASSIGNMENT)
        due = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        instructor(f"{PREFIX}/bin/nbgrader", "db", "assignment", "add", ASSIGNMENT, f"'--duedate={due}'")
        pages["bp-bob"].wait_for_timeout(1500)  # the due date has whole seconds
        bob = pages["bp-bob"]
        _answer(bob, hub, "bp-bob", PARTLY)
        _open_assignment_list(bob)
        bob.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
        bob.wait_for_function("() => document.querySelectorAll('#submitted_assignments_list .list_item').length >= 2",
                              timeout=60_000)
        collected = instructor(f"{PREFIX}/bin/nbgrader", "collect", ASSIGNMENT)
        assert "Updating submission: bp-bob" in collected, collected
        graded = instructor(f"{PREFIX}/bin/instructor", "autograde", ASSIGNMENT, timeout=900)
        instructor(f"{PREFIX}/bin/nbgrader", "generate_feedback", ASSIGNMENT, "--force")
        instructor(f"{PREFIX}/bin/nbgrader", "release_feedback", ASSIGNMENT)
        # The export lists the released assignment only, one row per student, with the scores above.
        instructor(f"{PREFIX}/bin/nbgrader", "generate_assignment", notebooks.assignments()[1], "--force")
        instructor(f"{PREFIX}/bin/nbgrader", "export")
        rows = list(csv.DictReader((PREFIX / "course" / "grades.csv").open()))
        assert {(r["assignment"], r["student_id"], float(r["raw_score"]), float(r["score"])) for r in rows} == {
            (ASSIGNMENT, user, score, 0.0 if user == "bp-bob" else score)
            for user, score in EXPECTED_SCORES.items()}, rows
        assert {r["student_id"]: r["duedate"] for r in rows}["bp-ada"].startswith(due[:16]), rows
        scores, students = _gradebook_scores()
        assert scores == EXPECTED_SCORES, (scores, graded)
        # The roster's names and emails are in the gradebook.
        assert students["bp-ada"] == ["Ada", "Lovelace", "ada@example.edu"]
        # The hostile cell found nothing when graded (sandbox), nor when the student ran it.
        graded_eve = (PREFIX / "course/autograded/bp-eve" / NOTEBOOK).read_text()
        assert "STOLEN []" in graded_eve, graded_eve[:2000]

        # Formgrader renders inside JupyterLab for the instructor and lists the three submissions.
        prof.reload()
        prof.wait_for_selector(".jp-DirListing-content", timeout=120_000)
        prof.get_by_role("menuitem", name="Nbgrader").click()
        prof.get_by_role("menuitem", name=re.compile("Formgrader")).click()
        formgrader = prof.frame_locator("iframe[src*='formgrader']")
        formgrader.locator(f"a[href*='manage_submissions/{ASSIGNMENT}']").first.click(timeout=60_000)
        for user in STUDENTS:
            formgrader.get_by_text(user, exact=True).first.wait_for(timeout=60_000)
        _shot(prof, "formgrader-submissions")

        # The graders' commands are on the PATH of a terminal in their JupyterLab.
        prof.locator(".lm-TabBar-addButton:not(.lm-mod-hidden)").first.click()  # a new Launcher
        # (a click event: Playwright's pointer click is refused while formgrader's frame is open beside it)
        prof.locator(".jp-LauncherCard[title='Start a new terminal session']").last.dispatch_event("click")
        prof.locator(".jp-Terminal .xterm-helper-textarea").wait_for(state="attached", timeout=60_000)
        prof.wait_for_timeout(1500)  # the shell's prompt
        prof.locator(".jp-Terminal .xterm-helper-textarea").focus()
        prof.keyboard.type("command -v nbgrader instructor > ~/which.txt\n")
        which = Path(f"/home/{INSTRUCTOR}/which.txt")
        for _ in range(60):
            if which.exists() and which.read_text().count("\n") >= 2:
                break
            prof.wait_for_timeout(500)
        assert which.read_text().split() == [f"{PREFIX}/bin/nbgrader", f"{PREFIX}/bin/instructor"]

        # Each student fetches feedback: their own, and only theirs.
        for user, page in pages.items():
            _open_assignment_list(page)
            page.locator("#submitted_assignments_list").get_by_role("button", name="Fetch Feedback").first.click()
            page.wait_for_timeout(500)
            feedback_dir = Path(f"/home/{user}/{ASSIGNMENT}/feedback")
            for _ in range(120):
                found = list(feedback_dir.glob("*/*.html")) if feedback_dir.exists() else []
                if found:
                    break
                page.wait_for_timeout(500)
            assert found, f"{user} got no feedback"
            html = "".join(path.read_text() for path in found)
            assert f"answer of {user}" in html
            assert not any(f"answer of {other}" in html for other in STUDENTS if other != user)
            _shot(page, f"{user}-feedback")
        browser.close()


# -- what a student cannot do --------------------------------------------------------------------

def _fails(user: str, command: str) -> bool:
    return as_user(user, command).returncode != 0


def test_a_student_cannot_read_what_is_not_theirs(hub):
    eve = "bp-eve"
    # Make sure there is something to steal: Ada's fetched notebook and her submission.
    ada_home = Path("/home/bp-ada")
    assert ada_home.is_dir()
    inbound = PREFIX / "exchange" / "backprop" / "inbound"
    submissions = sorted(inbound.iterdir()) if inbound.exists() else []
    ada_submissions = [p for p in submissions if p.name.startswith("bp-ada+")]
    probes = {
        "another student's home": f"ls /home/bp-ada",
        "another student's notebook": f"cat /home/bp-ada/{NOTEBOOK}",
        "the exchange's submissions (listing)": f"ls {inbound}",
        "the course's solutions": f"cat {PREFIX}/course/source/{ASSIGNMENT}/linear_regression.md",
        "the course folder": f"ls {PREFIX}/course",
        "the references": f"ls {PREFIX}/course/instructor/references",
        "the gradebook": f"cat {PREFIX}/course/gradebook.db",
        "the hub's secrets": f"cat {PREFIX}/hub/jupyterhub_cookie_secret",
        "the feedback folder (listing)": f"ls {PREFIX}/exchange/backprop/feedback",
        "writing into the released assignment": f"touch {PREFIX}/exchange/backprop/outbound/{ASSIGNMENT}/x",
        "writing into the students' environment": f"touch {PREFIX}/venv/lib/python3.11/site-packages/x.py",
        "importing the instructor package": f"{PREFIX}/venv/bin/python -c 'import instructor'",
    }
    allowed = [what for what, command in probes.items() if not _fails(eve, command)]
    assert not allowed, f"bp-eve could: {allowed}"
    # nbgrader makes each submission folder writable by everyone (0777): what protects it is a name
    # nobody can list (above) or guess (a random 12-character suffix, 72 bits).
    assert ada_submissions and all(re.fullmatch(r"[\w-]{12}", p.name.rsplit("+", 1)[1]) for p in ada_submissions)
    # The shell is not simply broken: Eve reads her own work and the released notebook.
    assert not _fails(eve, f"cat /home/bp-eve/{NOTEBOOK} > /dev/null")
    assert not _fails(eve, f"cat {PREFIX}/exchange/backprop/outbound/{NOTEBOOK} > /dev/null")


def test_formgrader_is_for_graders_only_and_frames_only_on_graders_servers(hub):
    from tests.lab import chromium

    with chromium() as page:
        _login(page, hub, "bp-ada")
        own = page.request.get(f"{hub['base']}/user/bp-ada/formgrader", max_redirects=0)
        assert own.status == 404, own.status
        lab = page.request.get(f"{hub['base']}/user/bp-ada/lab")
        assert "frame-ancestors 'none'" in lab.headers.get("content-security-policy", ""), lab.headers
        theirs = page.request.get(f"{hub['base']}/user/{INSTRUCTOR}/formgrader", max_redirects=0)
        assert theirs.status in (302, 403, 404), theirs.status
        assert "manage_assignments" not in theirs.text()
    with chromium() as page:
        _login(page, hub, INSTRUCTOR)
        formgrader = page.request.get(f"{hub['base']}/user/{INSTRUCTOR}/formgrader")
        assert formgrader.status == 200
        assert formgrader.headers.get("content-security-policy") == "frame-ancestors 'self'", formgrader.headers


def test_installing_again_changes_nothing_and_keeps_the_class(hub):
    before = {p: p.read_bytes() for p in (PREFIX / "hub").iterdir() if p.suffix in (".json", ".py", ".csv")}
    again = server(*hub["install"])
    assert again.returncode == 0, again.stdout + again.stderr
    assert "every roster account exists" in again.stdout and "venv: up to date" in again.stdout
    after = {p: p.read_bytes() for p in before}
    assert after == before
    assert server("status", "--prefix", str(PREFIX)).returncode == 0  # still running


def test_collect_takes_no_forged_submission_and_no_planted_link(hub):
    """Eve writes into the world-writable inbound: a folder in Ada's name, a link in Ada's name, and a
    newer submission of her own holding a link to the course's solutions. Collect takes none of it."""
    inbound = PREFIX / "exchange" / "backprop" / "inbound"
    submitted = PREFIX / "course" / "submitted"
    ada_before = (submitted / "bp-ada" / NOTEBOOK).read_bytes()
    future = "2099-01-01 00:00:00.000000 UTC"
    solutions = PREFIX / "course" / "source" / ASSIGNMENT / "linear_regression.md"
    forged, linked, own = (inbound / f"bp-ada+{ASSIGNMENT}+{future}+forged", inbound / f"bp-ada+{ASSIGNMENT}+{future}+link",
                           inbound / f"bp-eve+{ASSIGNMENT}+{future}+planted")
    script = (f"mkdir '{forged}' && echo '{future}' > '{forged}/timestamp.txt' && echo '{{}}' > '{forged}/linear_regression.ipynb'"
              f" && ln -s /home/bp-eve '{linked}'"
              f" && mkdir '{own}' && echo '{future}' > '{own}/timestamp.txt'"
              f" && cp /home/bp-eve/{NOTEBOOK} '{own}/' && ln -s '{solutions}' '{own}/solutions.txt'")
    planted = as_user("bp-eve", script)
    assert planted.returncode == 0, planted.stderr
    collected = as_user(INSTRUCTOR, f"{PREFIX}/bin/nbgrader", "collect", ASSIGNMENT)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "Skipped" in collected.stderr and "is not a regular file" in collected.stderr, collected.stderr
    assert (submitted / "bp-ada" / NOTEBOOK).read_bytes() == ada_before
    eve = submitted / "bp-eve" / ASSIGNMENT
    assert (eve / "timestamp.txt").read_text().strip() == future  # her own newer submission was taken
    assert not (eve / "solutions.txt").exists() and not (eve / "solutions.txt").is_symlink()


def test_the_kubernetes_files_say_what_the_readme_says():
    """Not run on a cluster (none here): valid YAML, the exchange ReadWriteMany, grading as a Job."""
    import yaml

    folder = ROOT / "hub" / "k8s"
    values = yaml.safe_load((folder / "values.yaml").read_text())
    claims = {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all((folder / "storage.yaml").read_text())}
    job = yaml.safe_load((folder / "autograde-job.yaml").read_text())
    assert claims["backprop-exchange"]["spec"]["accessModes"] == ["ReadWriteMany"]
    mounted = {v["persistentVolumeClaim"]["claimName"] for v in values["singleuser"]["storage"]["extraVolumes"]}
    assert mounted == {"backprop-exchange"}  # students' pods: the exchange, never the course
    assert values["cull"]["enabled"] is True
    assert job["kind"] == "Job" and "python -m instructor autograde" in job["spec"]["template"]["spec"]["containers"][0]["args"][0]


def test_the_roster_goes_into_a_postgresql_gradebook(hub):
    """`install --db-url postgresql://...`: the installer's gradebook step against Debian's PostgreSQL
    (a throwaway cluster on a Unix socket, no TCP), with the server venv's psycopg2."""
    import tempfile

    from instructor.server import Server, read_roster

    bin_dir = Path("/usr/lib/postgresql/15/bin")
    if not bin_dir.exists():
        message = "Debian's postgresql-15 is missing"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="bp-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    port = free_port()

    def postgres(*command: str) -> None:
        done = subprocess.run(["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True,
                              cwd=folder, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    postgres(str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres")
    postgres(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-w", "-l", str(folder / "log"), "-o",
             f"-k {folder} -p {port} -c listen_addresses=''", "start")
    try:
        postgres(str(bin_dir / "createdb"), "-h", str(folder), "-p", str(port), "-U", "postgres", "backprop")
        url = f"postgresql+psycopg2://postgres@/backprop?host={folder}&port={port}"
        people = read_roster(hub["roster"])
        Server(PREFIX).add_to_gradebook(people, url)
        Server(PREFIX).add_to_gradebook(people, url)  # again: harmless
        script = ("import json, sys\nfrom nbgrader.api import Gradebook\n"
                  "with Gradebook(sys.argv[1]) as gb:\n"
                  "    print(json.dumps({s.id: [s.first_name, s.email] for s in gb.students}))\n")
        done = subprocess.run([str(PREFIX / "venv/bin/python"), "-c", script, url], capture_output=True, text=True,
                              env={**os.environ, "PATH": f"{PREFIX}/venv/bin:/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"bp-ada": ["Ada", "ada@example.edu"], "bp-bob": ["Bob", "bob@example.edu"],
                                           "bp-eve": ["Eve", "eve@example.edu"]}
    finally:
        postgres(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(folder)


def _processes() -> list[tuple[int, str, int]]:
    """(pid, command line, uid) of every running process (zombies, waiting for a parent to reap them, are not)."""
    found = []
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            status = (folder / "status").read_text()
            command = (folder / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            uid = int(re.search(r"Uid:\s+(\d+)", status).group(1))
        except (OSError, AttributeError):
            continue
        if not re.search(r"State:\s+Z", status):
            found.append((int(folder.name), command, uid))
    return found


def test_the_idle_culler_runs_beside_the_hub(hub):
    prefix = f"{PREFIX}/venv/bin/python -m jupyterhub_idle_culler --timeout=3600"
    assert any(command.startswith(prefix) for _, command, _ in _processes())


def test_stop_ends_the_hub_its_proxy_and_every_users_server(hub):
    """Last: `stop`, and nothing of the class is left running."""
    import pwd

    uids = {pwd.getpwnam(user).pw_uid for user in [*STUDENTS, INSTRUCTOR]}
    assert any(uid in uids for *_, uid in _processes())  # the servers of the test above still run
    stopped = server("stop", "--prefix", str(PREFIX))
    assert stopped.returncode == 0, stopped.stderr
    left = [(pid, command) for pid, command, uid in _processes()
            if uid in uids or str(PREFIX) in command]
    assert not left, left
    assert server("status", "--prefix", str(PREFIX)).returncode == 3
