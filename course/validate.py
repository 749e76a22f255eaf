"""`python -m course validate PATH...`: check notebooks as grading will, with exit codes CI can trust.

nbgrader's own `validate` command exits 0 whatever it finds (nbgrader #1908).  This runs
each notebook the way autograde does (a fresh kernel through nbgrader's `Execute`, the
limits of `course.limits`, cells tagged demo skipped), prints one line per test cell with
its points, and exits

- 0 when every public test passes,
- 1 when one fails,
- 2 when a notebook cannot be checked: a path that does not exist, a folder with no
  notebook, a file that is not a notebook, another assignment's notebook, a test cell
  deleted or edited (checked against `course/release_manifest.json`), a kernel that dies
  or a cell that will not stop.

Hidden tests are not in a student's copy: they run when the notebook is graded, and the
report says so.  `--junit FILE` writes JUnit XML; under GitHub Actions
(`GITHUB_ACTIONS=true`) failures also become annotations and the job summary a table.
"""
from __future__ import annotations

import copy
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from course import limits, release_manifest

EXIT_PASSED, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
MAX_MESSAGE_LINES = 12

# Runs first in the kernel's process: the grader's memory and file-size limits, and the
# autodiff libraries unavailable, then the kernel module as `python -m` would start it.
# (At autograde bubblewrap does this and more; on a student's machine this is what we can.)
KERNEL_LAUNCHER = """\
import importlib.abc, importlib.util, runpy, sys
memory, file_size, blocked, message, module = sys.argv[1:6]
try:
    import resource
except ImportError:
    resource = None
if resource is not None:
    for which, value in ((resource.RLIMIT_AS, int(memory)), (resource.RLIMIT_FSIZE, int(file_size))):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass
blocked = tuple(blocked.split(","))

class Blocked(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name in blocked or name.startswith(tuple(b + "." for b in blocked)):
            return importlib.util.spec_from_loader(name, self)
        return None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        raise ImportError(message.format(name=module.__name__), name=module.__name__)

sys.meta_path.insert(0, Blocked())
sys.argv = [module] + sys.argv[6:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


class Unusable(Exception):
    """A notebook that cannot be checked; the message says why and what to do."""


class Foreign(Unusable):
    """A notebook with no cell of any assignment (a scratch notebook, in a folder)."""


@dataclass
class TestCell:
    grade_id: str
    points: float
    passed: bool | None          # None: graded by hand
    message: str = ""
    hidden_tests: bool = False


@dataclass
class Report:
    path: Path
    assignment: str = ""
    tests: list[TestCell] = field(default_factory=list)
    problem: str = ""            # why the notebook could not be checked (exit 2)
    foreign: bool = False        # not a notebook of any assignment
    skipped: str = ""            # why a notebook found in a folder was left out

    @property
    def exit_code(self) -> int:
        if self.problem:
            return EXIT_UNUSABLE
        return EXIT_FAILED if any(t.passed is False for t in self.tests) else EXIT_PASSED


# ---------------------------------------------------------------------------
# Finding and reading notebooks
# ---------------------------------------------------------------------------

def notebooks_in(paths: Iterable[str]) -> list[tuple[Path, bool, str]]:
    """(path, named explicitly, problem) for every notebook the arguments name."""
    found = []
    for argument in paths:
        path = Path(argument)
        if not path.exists():
            found.append((path, True, f"{argument}: no such file or folder"))
        elif path.is_dir():
            inside = sorted(p for p in path.rglob("*.ipynb")
                            if ".ipynb_checkpoints" not in p.parts and not any(
                                part.startswith(".") for part in p.relative_to(path).parts[:-1]))
            if not inside:
                found.append((path, True, f"{argument}: a folder with no notebook (.ipynb) in it"))
            found += [(p, False, "") for p in inside]
        elif path.suffix != ".ipynb":
            found.append((path, True, f"{argument}: not a notebook (expected a .ipynb file)"))
        else:
            found.append((path, True, ""))
    return found


def read_notebook(path: Path):
    import nbformat

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Unusable(f"cannot be read ({error})") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise Unusable(f"is not valid notebook JSON (line {error.lineno}, column {error.colno}: "
                       f"{error.msg}); the file is damaged: restore it from your last good copy "
                       f"(git, or JupyterLab's File > Revert Notebook to Checkpoint)") from None
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 - nbformat raises several kinds for one cause
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Unusable(f"is not a valid Jupyter notebook ({first})") from None
    return notebook


def expected_release(path: Path, assignment: str | None,
                     released: list[release_manifest.ReleasedNotebook]) -> list[release_manifest.ReleasedNotebook]:
    """The released notebooks `path` should be, from --assignment, its folder or its name."""
    for wanted in (assignment, path.resolve().parent.name):
        if wanted and any(r.assignment == wanted for r in released):
            named = [r for r in released if r.assignment == wanted and r.name == path.name]
            return named or [r for r in released if r.assignment == wanted]
    return [r for r in released if r.name == path.name]


def match_release(notebook, path: Path, assignment: str | None) -> release_manifest.ReleasedNotebook:
    """The released notebook `notebook` is a copy of, or Unusable saying what it is instead."""
    released = release_manifest.released()
    if assignment and assignment not in release_manifest.assignments():
        raise Unusable(f"there is no assignment {assignment!r} in this course "
                       f"(its assignments: {', '.join(release_manifest.assignments())})")
    expected = expected_release(path, assignment, released)
    shared = release_manifest.identify(notebook, released)
    if not shared:
        raise Foreign("is not a notebook of this course: it has none of the graded cells of any "
                      "assignment (validate the copy of the released notebook you worked in)")
    best_count, best = shared[0]
    mine = [(n, r) for n, r in shared if r in expected]
    if expected and (not mine or mine[0][0] < best_count):
        want = expected[0]
        raise Unusable(f"is a notebook of {best.assignment} ({best.name}), not of {want.assignment}: "
                       f"validate the {want.name} you received for {want.assignment}, or name the "
                       f"assignment with --assignment")
    return mine[0][1] if mine else best


# ---------------------------------------------------------------------------
# Running a notebook as autograde does
# ---------------------------------------------------------------------------

def _executor_class():
    from jupyter_client.manager import AsyncKernelManager
    from nbformat.v4 import new_output
    from nbgrader.preprocessors import Execute

    class LimitedKernelManager(AsyncKernelManager):
        """A kernel started through KERNEL_LAUNCHER, under the grader's limits."""

        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            if len(command) < 3 or command[1] != "-m":
                return command  # not `python -m ...`: run it as it is
            return [command[0], "-c", KERNEL_LAUNCHER, str(limits.MEMORY_LIMIT_MB * 2**20),
                    str(limits.FILE_SIZE_LIMIT_MB * 2**20), ",".join(limits.BLOCKED_MODULES),
                    limits.BLOCKED_MESSAGE, command[2], *command[3:]]

    class ValidateExecute(Execute):
        """nbgrader's Execute (what autograde runs) with the grading limits; remembers the running cell."""

        running: int | None = None

        def preprocess_cell(self, cell, resources, index):
            self.running, self._kept, self._truncated = index, 0, False
            return super().preprocess_cell(cell, resources, index)

        def output(self, outs, msg, display_id, cell_index):
            # The grader keeps MAX_OUTPUT_BYTES of each cell; so does this, so that a cell
            # printing megabytes costs no more here than there.
            if self._truncated:
                return None
            size = len(str(msg.get("content", "")))
            if self._kept + size <= limits.MAX_OUTPUT_BYTES:
                self._kept += size
                return super().output(outs, msg, display_id, cell_index)
            self._truncated = True
            outs.append(new_output("stream", name="stdout", text=(
                f"\n[output truncated: this cell printed more than {limits.MAX_OUTPUT_BYTES // 1000} kB]\n")))
            return None

    return ValidateExecute, LimitedKernelManager


def execute(notebook, path: Path):
    """`notebook` run in a fresh kernel, from its folder, as autograde runs it."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbgrader import utils
    from nbgrader.preprocessors import ClearOutput

    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        # As at autograde: a demo tag cannot skip a graded or answer cell.
        tags = cell.get("metadata", {}).get("tags", [])
        if (utils.is_grade(cell) or utils.is_solution(cell)) and limits.DEMO_TAG in tags:
            cell.metadata.tags = [t for t in tags if t != limits.DEMO_TAG]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                       "language": "python"}
    executor_class, kernel_manager = _executor_class()
    executor = executor_class(
        timeout=limits.CELL_TIMEOUT_SECONDS, skip_cells_with_tag=limits.DEMO_TAG, kernel_name="python3",
        kernel_manager_class=kernel_manager, shutdown_kernel="immediate",
        extra_arguments=["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"])
    resources = {"metadata": {"path": str(path.resolve().parent)}}
    notebook, resources = ClearOutput().preprocess(notebook, resources)
    try:
        # The environment nbgrader's validator gives a kernel (the Validate button's).
        with utils.setenv(NBGRADER_VALIDATING="1", NBGRADER_EXECUTION="validate"):
            notebook, _ = executor.preprocess(notebook, resources)
    except DeadKernelError:
        raise Unusable(f"the kernel died while running {_cell_label(notebook, executor.running)} "
                       f"(os._exit, a crash, or more than {limits.MEMORY_LIMIT_MB} MB of memory); "
                       f"at grading that cell scores 0 and the notebook is run again without it") from None
    except CellTimeoutError:
        raise Unusable(f"{_cell_label(notebook, executor.running)} ran past the "
                       f"{limits.CELL_TIMEOUT_SECONDS} s limit and did not stop when interrupted") from None
    except Exception as error:  # noqa: BLE001 - a kernel that cannot start is reported, not raised
        raise Unusable(f"could not be run: {type(error).__name__}: {error}") from None
    return notebook


def _cell_label(notebook, index: int | None) -> str:
    if index is None:
        return "a cell"
    cell = notebook.cells[index]
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {grade_id}" if grade_id else f"cell {index + 1} (counting from 1)"


def _error_text(output) -> str:
    """One error output as a student should read it."""
    from nbconvert.filters import strip_ansi

    name, value = output.get("ename", ""), output.get("evalue", "")
    if name in ("CellTimeoutError", "KeyboardInterrupt"):
        return f"the cell ran past the {limits.CELL_TIMEOUT_SECONDS} s limit and was interrupted"
    if name == "MemoryError":
        return f"the cell ran out of memory (at most {limits.MEMORY_LIMIT_MB} MB)"
    if name == "CheckFailed":
        return value
    # The error and the line it came from; the whole traceback is in the notebook.
    lines = strip_ansi("\n".join(output.get("traceback", []))).splitlines()
    arrows = [line.strip() for line in lines if line.lstrip().startswith("---->")]
    return f"{name}: {value}" + (f"\n  at {arrows[-1]}" if arrows else "")


def _failure_message(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            parts.append(_error_text(output))
        elif output.get("output_type") == "stream" and output.get("name") == "stderr":
            parts.append("wrote to stderr, which scores the cell 0: " + output.get("text", "").strip())
    text = "\n".join(p.strip() for p in parts if p.strip()) or "partial credit: not every check passed"
    return "\n".join(text.splitlines()[:MAX_MESSAGE_LINES])


def _first_error(cell) -> str:
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return _error_text(errors[0]).splitlines()[0] if errors else ""


def scores(executed, release: release_manifest.ReleasedNotebook) -> list[TestCell]:
    """One TestCell per test cell of `release`, scored as nbgrader scores it."""
    from nbgrader import utils

    tests = {entry["grade_id"]: entry for entry in release.test_cells}
    results, earlier_error = [], ""
    for index, cell in enumerate(executed.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id not in tests:
            if cell.cell_type == "code" and _first_error(cell):
                # A test often fails because an answer cell above it did: say which.
                earlier_error = f"(an earlier cell failed: {_cell_label(executed, index)}: {_first_error(cell)})"
            continue
        entry = tests[grade_id]
        points = float(entry["points"] or 0)
        if cell.cell_type != "code" or utils.is_solution(cell):
            results.append(TestCell(grade_id, points, None, "graded by hand"))
            continue
        score, max_score = utils.determine_grade(cell)
        passed = score is not None and score >= max_score
        message = "" if passed else "\n".join(filter(None, [_failure_message(cell), earlier_error]))
        results.append(TestCell(grade_id, points, passed, message, entry.get("hidden_tests", False)))
    return results


def _is_source(notebook) -> bool:
    """True for a notebook that still holds solutions or hidden tests (nbgrader's own markers)."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    markers = (ClearSolutions.begin_solution_delimeter.default_value,
               ClearHiddenTests.begin_test_delimeter.default_value)
    return any(marker in cell.source for cell in notebook.cells for marker in markers)


def validate_notebook(path: Path, assignment: str | None = None) -> Report:
    """The report on one notebook (never raises for a bad notebook)."""
    report = Report(path)
    try:
        notebook = read_notebook(path)
        release = match_release(notebook, path, assignment)
        report.assignment = release.assignment
        if _is_source(notebook):
            raise Unusable("is an instructor's source notebook (it holds solutions or hidden tests): the "
                           "instructor's build validates those (`python -m instructor build`)")
        changed = release_manifest.changes(notebook, release)
        if changed:
            raise Unusable(
                "has changed where grading does not allow it: " + "; ".join(changed) + ". Locked cells "
                "are restored from the release when graded, and deleted test cells score 0: copy the "
                "original cells back from a fresh copy of the notebook")
        report.tests = scores(execute(notebook, path), release)
    except Unusable as unusable:
        report.problem, report.foreign = str(unusable), isinstance(unusable, Foreign)
    return report


# ---------------------------------------------------------------------------
# Reporting: terminal, JUnit XML, GitHub Actions
# ---------------------------------------------------------------------------

def _indent(text: str, prefix: str = "        ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def print_report(report: Report, out) -> None:
    where = f" ({report.assignment})" if report.assignment else ""
    print(f"{report.path}{where}", file=out)
    if report.skipped:
        print(f"  SKIPPED  {report.skipped}", file=out)
        return
    if report.problem:
        print(f"  ERROR  cannot be validated: {report.problem}", file=out)
        return
    for test in report.tests:
        points = release_manifest.points_label(test.points)
        hidden = "; hidden tests: checked when graded" if test.hidden_tests else ""
        if test.passed is None:
            print(f"  MANUAL  {test.grade_id} ({points}): graded by hand", file=out)
        elif test.passed:
            print(f"  PASS  {test.grade_id} ({points}): public tests passed{hidden}", file=out)
        else:
            print(f"  FAIL  {test.grade_id} ({points}): public tests failed{hidden}", file=out)
            print(_indent(test.message), file=out)
    failed = [t for t in report.tests if t.passed is False]
    total = sum(t.points for t in report.tests)
    if failed:
        print(f"  {len(failed)} of {len(report.tests)} test cells failed their public tests "
              f"({sum(t.points for t in failed):g} of {total:g} points)", file=out)
    else:
        print(f"  every public test passed ({total:g} points, if the hidden tests pass too)", file=out)


def write_junit(reports: list[Report], destination: Path) -> None:
    """JUnit XML: one suite per notebook, one case per test cell, an error for an unusable notebook."""
    from xml.etree import ElementTree as ET  # the standard library's; JUnit needs no more

    suites = ET.Element("testsuites", name="python -m course validate")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for report in reports:
        suite = ET.SubElement(suites, "testsuite", name=str(report.path))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        classname = f"{report.assignment or 'notebook'}.{report.path.stem}"
        if report.skipped or report.problem:
            case = ET.SubElement(suite, "testcase", classname=classname, name="notebook", file=str(report.path))
            counts["tests"] += 1
            if report.skipped:
                ET.SubElement(case, "skipped", message=report.skipped)
                counts["skipped"] += 1
            else:
                ET.SubElement(case, "error", message=report.problem, type="unusable").text = report.problem
                counts["errors"] += 1
        for test in report.tests:
            case = ET.SubElement(suite, "testcase", classname=classname, name=test.grade_id,
                                 file=str(report.path))
            counts["tests"] += 1
            if test.passed is None:
                ET.SubElement(case, "skipped", message="graded by hand")
                counts["skipped"] += 1
            elif not test.passed:
                ET.SubElement(case, "failure", message=test.message.splitlines()[0] if test.message else "failed",
                              type="public tests").text = test.message
                counts["failures"] += 1
            ET.SubElement(case, "properties").append(ET.Element("property", name="points", value=f"{test.points:g}"))
            if test.hidden_tests:
                ET.SubElement(case, "system-out").text = "hidden tests: checked when graded"
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    destination.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(destination, encoding="utf-8", xml_declaration=True)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(reports: list[Report]) -> list[str]:
    """GitHub Actions workflow commands: an error annotation per failed test or unusable notebook."""
    lines = []
    for report in reports:
        file = _escape_property(str(report.path))
        if report.problem:
            lines.append(f"::error file={file},title={_escape_property('cannot validate')}::"
                         f"{_escape_data(report.problem)}")
        for test in report.tests:
            if test.passed is False:
                title = _escape_property(f"{test.grade_id} failed ({release_manifest.points_label(test.points)})")
                lines.append(f"::error file={file},title={title}::{_escape_data(test.message)}")
    return lines


def github_summary(reports: list[Report]) -> str:
    """A Markdown table for the job's summary page."""
    rows = ["| Notebook | Test cell | Points | Public tests |", "|---|---|---|---|"]
    for report in reports:
        if report.problem or report.skipped:
            rows.append(f"| {report.path} | | | {'cannot be validated' if report.problem else 'skipped'}: "
                        f"{(report.problem or report.skipped).replace('|', '/')} |")
        for test in report.tests:
            verdict = {True: "passed", False: "**failed**", None: "graded by hand"}[test.passed]
            rows.append(f"| {report.path} | {test.grade_id} | {test.points:g} | {verdict} |")
    return "\n".join(rows) + "\n\nHidden tests are checked when the notebook is graded.\n"


def run(paths: list[str], *, assignment: str | None = None, cells: list[str] | None = None,
        junit: str | None = None, out=sys.stdout) -> int:
    """Validate every notebook `paths` name; the exit code (0, 1 or 2)."""
    reports = []
    for path, explicit, problem in notebooks_in(paths):
        if problem:
            reports.append(Report(path, problem=problem))
            continue
        report = validate_notebook(path, assignment)
        if not explicit and report.foreign:
            # A scratch notebook beside the assignment's is not the student's answer.
            report = Report(path, skipped="not an assignment notebook")
        reports.append(report)
    if cells:
        for report in reports:
            unknown = set(cells) - {t.grade_id for t in report.tests}
            report.tests = [t for t in report.tests if t.grade_id in cells]
            if unknown and not report.problem and not report.skipped:
                report.problem = f"no test cell {', '.join(sorted(unknown))} in this notebook"
    if reports and all(r.skipped for r in reports):
        reports.append(Report(Path(" ".join(paths)), problem="none of these notebooks is an assignment notebook"))
    for report in reports:
        print_report(report, out)
    code = max(r.exit_code for r in reports)
    verdict = {EXIT_PASSED: "every public test passed", EXIT_FAILED: "public tests failed",
               EXIT_UNUSABLE: "a notebook could not be validated"}[code]
    checked = sum(1 for r in reports if not r.skipped)
    print(f"validate: {checked} notebook{'s' if checked != 1 else ''}, {verdict} (exit {code})", file=out)
    if junit:
        write_junit(reports, Path(junit))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in github_annotations(reports):
            print(line, file=out)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(github_summary(reports))
    return code
