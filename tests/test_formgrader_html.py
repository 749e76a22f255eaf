"""Student HTML in formgrader: the instructor's view of a submission runs none of it.

A submission whose Markdown and outputs carry scripts, event handlers and
javascript: links is autograded; then a real Jupyter server, started in the
course folder as an instructor starts it, serves formgrader's page for that
submission, and the page must hold no script of the student's, no handler and
no javascript: URL, while the harmless text still shows.
"""
from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from instructor import gradebook, submissions
from instructor.autograde import autograde
from instructor.config import load_config
from tests.conftest import copy_course
from tests.lab import free_port
from tests.listener import require_bwrap
from tests.test_escapes import ASSIGNMENT, STUDENT_HTML, active_html

require_bwrap()


@pytest.fixture(scope="module")
def formgrader_page(tmp_path_factory):
    from nbgrader.api import Gradebook

    from instructor.build import generate

    root = copy_course(tmp_path_factory.mktemp("formgrader") / "course")
    assert not generate(root, ASSIGNMENT)
    name, _ = submissions.release_notebook(ASSIGNMENT, root)
    notebook = submissions.solved(ASSIGNMENT, root)
    notebook.cells += copy.deepcopy(STUDENT_HTML)
    submitted = gradebook.submit(root, ASSIGNMENT, "mallory", name, notebook)
    (submitted.parent / "page.html").write_text("<script>alert('xss-page')</script>")  # served, if it is there
    [outcome] = autograde(root, ASSIGNMENT, ["mallory"], jobs=1)
    assert outcome.graded, outcome.problems
    config = load_config(root)
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as book:
        submission_id = book.find_submission_notebook(name, ASSIGNMENT, "mallory").id

    port, token = free_port(), "formgrader-test-token"
    log = open(root / "server.log", "w")
    jupyter = Path(sys.executable).parent / "jupyter"
    server = subprocess.Popen(
        [str(jupyter), "server", "--no-browser", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.ip=127.0.0.1",
         *(["--allow-root"] if os.getuid() == 0 else [])],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("NBGRADER_")})
    url = f"http://127.0.0.1:{port}/formgrader/submissions/{submission_id}/?token={token}"
    try:
        deadline, page = time.monotonic() + 90, None
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(url, timeout=20) as response:
                    page = response.read().decode()
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        assert page is not None, (root / "server.log").read_text()[-3000:]
        try:
            with urllib.request.urlopen(url.replace("/?token", "/page.html?token"), timeout=20) as response:
                student_file = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            student_file = error.code, ""
        yield {"page": page, "student file": student_file}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_formgrader_shows_the_submission(formgrader_page):
    assert "hi" in formgrader_page["page"] and "batch_gradient" in formgrader_page["page"]


def test_formgrader_runs_no_student_html(formgrader_page):
    assert not active_html(formgrader_page["page"]), active_html(formgrader_page["page"])


def test_formgrader_serves_no_file_of_the_students(formgrader_page):
    status, text = formgrader_page["student file"]
    assert status == 404 and "alert" not in text, formgrader_page["student file"]
