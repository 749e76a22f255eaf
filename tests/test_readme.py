"""The README's commands are the real ones: CI runs the second, and the instructor's work when pasted."""
from __future__ import annotations

import csv
import os
import re
import subprocess

import nbformat

from instructor import submissions
from tests.conftest import ROOT, copy_course

README = (ROOT / "README.md").read_text()


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```(?:bash|sh)\n(.*?)```", text, re.S)


def commands(block: str) -> list[str]:
    """The commands of a block, without comments."""
    lines = [re.sub(r"\s+#\s.*$", "", line).strip() for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_readme_opens_with_the_two_commands():
    first, second = code_blocks(README)[:2]
    assert commands(first) == ["bash bootstrap.sh lab"]
    assert commands(second) == ["bash bootstrap.sh test"]
    assert README.index(first) < README.index("## For students")


def test_ci_runs_the_readme_test_command():
    test_command = commands(code_blocks(README)[1])[0]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
    assert test_command in ci, f".ci/run does not run {test_command!r}"


def _instructor_block() -> list[str]:
    [block] = [b for b in code_blocks(README) if "release_assignment" in b]
    return commands(block)


def _student_commands() -> list[str]:
    found = re.findall(r"`(\.venv/bin/nbgrader (?:fetch_assignment|submit) [^`]+)`", README)
    assert len(found) == 2, found
    return found


def test_instructor_commands_work_when_pasted(tmp_path):
    """Generate, release, (a student fetches and submits), collect, autograde, feedback, export."""
    root = copy_course(tmp_path / "course")
    (root / ".venv").symlink_to(ROOT / ".venv")
    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o777)
    env = {**os.environ, "NBGRADER_EXCHANGE": str(exchange)}
    env.pop("NBGRADER_DB_URL", None)

    def run(command: str) -> str:
        done = subprocess.run(["bash", "-c", command], cwd=root, env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "[ERROR]" not in done.stderr, f"{command}\n{done.stderr}"
        return done.stdout + done.stderr

    build, release, collect, autograde, feedback, export = _instructor_block()
    fetch, submit = _student_commands()
    assignment = re.search(r"release_assignment (\S+)", release).group(1)

    run(build)
    run(release)
    run(fetch)  # the student's copy lands in ./<assignment>
    name, _ = submissions.release_notebook(assignment, root)
    nbformat.write(submissions.solved(assignment, root), root / assignment / f"{name}.ipynb")
    run(submit)
    run(collect)
    [student] = [p.name for p in (root / "submitted").iterdir()]
    run(autograde)
    run(feedback)
    assert (root / "feedback" / student / assignment / f"{name}.html").exists()
    run(export)
    rows = [r for r in csv.DictReader(open(root / "grades.csv")) if r["assignment"] == assignment]
    assert len(rows) == 1 and float(rows[0]["score"]) == float(rows[0]["max_score"]) > 0, rows


def _configured(config, section: str, name: str, default):
    """`c.<section>.<name>` of nbgrader_config.py, or the trait's default when the file leaves it."""
    return config[section][name] if name in config.get(section, {}) else default


def test_the_limits_the_readme_states_are_the_ones_configured():
    """A limit changed (or set to infinity) in the code or the config, and not in the README, fails here;
    that each limit is enforced is tested in test_sandbox.py and test_hostile_submissions.py."""
    from course import checks
    from instructor.config import load_config
    from instructor.execute import GradingExecute
    from instructor.sandbox import SandboxedKernelManager

    words = (r"at most (\d+) s per cell and (\d+) s per notebook, (\d+) s per call of a graded function, "
             r"(\d+) GB of memory and (\d+) kB of printed output per cell")
    stated = re.search(words.replace(" ", r"\s+"), README)
    assert stated, "the README no longer states the grading limits where the students read them"
    per_cell, per_notebook, per_call, memory_gb, output_kb = map(int, stated.groups())
    file_mb = int(re.search(r"(\d+)\s+MB\s+per\s+written\s+file", README).group(1))
    config = load_config(ROOT)
    assert _configured(config, "Execute", "timeout", None) == per_cell
    assert _configured(config, "GradingExecute", "notebook_timeout",
                       GradingExecute.notebook_timeout.default_value) == per_notebook
    assert checks.SECONDS_PER_CALL == per_call
    memory_mb = _configured(config, "GradingExecute", "memory_limit_mb", GradingExecute.memory_limit_mb.default_value)
    assert memory_mb == memory_gb * 1024
    assert SandboxedKernelManager.memory_limit_mb.default_value == memory_gb * 1024
    assert _configured(config, "GradingExecute", "max_output_bytes",
                       GradingExecute.max_output_bytes.default_value) == output_kb * 1000
    assert SandboxedKernelManager.file_size_limit_mb.default_value == file_mb


def test_every_test_the_claims_table_names_exists():
    """tests/README.md maps each README claim to tests: none of them may be renamed away."""
    table = (ROOT / "tests" / "README.md").read_text()
    named = set(re.findall(r"`(test_\w+\.py)::(test_\w+)`", table))
    assert len(named) > 40, "the claims table names almost no test"
    missing = [f"{module}::{test}" for module, test in sorted(named)
               if not re.search(rf"^def {test}\(", (ROOT / "tests" / module).read_text(), re.M)]
    assert not missing, f"tests/README.md names tests that do not exist: {missing}"


def test_bootstrap_skips_what_has_not_changed():
    """A second `bash bootstrap.sh setup` installs nothing: the test install already serves it."""
    done = subprocess.run(["bash", "bootstrap.sh", "setup"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "installing" not in done.stdout + done.stderr and "creating .venv" not in done.stdout


def test_nbgrader_validate_exits_0_whatever_it_finds(course):
    """Why the build uses nbgrader's Validator, not its command: the command passes a notebook that fails."""
    from instructor.build import _validator

    root = course.generated("a1_linear_regression")
    blank = root / "release" / "a1_linear_regression" / "linear_regression.ipynb"
    nbgrader = ROOT / ".venv" / "bin" / "nbgrader"
    done = subprocess.run([str(nbgrader), "validate", str(blank)], cwd=root, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and "VALIDATION FAILED" in done.stdout + done.stderr, done.stdout[-2000:]
    assert _validator(root, invert=False).validate(str(blank))["failed"]


def test_the_exchange_is_in_the_course_folder_unless_named(monkeypatch):
    from instructor.config import load_config

    monkeypatch.delenv("NBGRADER_EXCHANGE", raising=False)
    assert load_config(ROOT).Exchange.root == str(ROOT / ".exchange")
    monkeypatch.setenv("NBGRADER_EXCHANGE", "/srv/elsewhere")
    assert load_config(ROOT).Exchange.root == "/srv/elsewhere"


def test_under_ci_a_missing_bwrap_or_browser_fails_the_run(tmp_path):
    """With neither on PATH (nor where the test looks), CI=true turns the skip into a failure."""
    probe = tmp_path / "test_probe.py"
    probe.write_text("import tests.test_sandbox\n\ndef test_nothing():\n    pass\n")
    env = {**os.environ, "CI": "true", "PATH": str(tmp_path)}
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(probe), "--rootdir", str(ROOT)], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode != 0 and "bubblewrap (bwrap) is missing" in done.stdout, done.stdout[-2000:]
    probe.write_text("import tests.test_browser\n\ndef test_nothing():\n    pass\n")
    env["BACKPROP_CHROMIUM"] = str(tmp_path / "no-chromium")
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(probe), "--rootdir", str(ROOT)], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode != 0 and "the browser test cannot run" in done.stdout, done.stdout[-2000:]
