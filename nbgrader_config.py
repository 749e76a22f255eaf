"""nbgrader configuration of the backpropagation course.

Read by every `nbgrader` command run from this folder, by the JupyterLab
nbgrader extensions, and by `python -m instructor`.
"""
import os
import sys

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
# The grading pipeline below names classes of the instructor-only package;
# it is importable from here, never from a student's installation.
if COURSE_ROOT not in sys.path:
    sys.path.insert(0, COURSE_ROOT)
# nbgrader runs the `alembic` command (installed beside it) when it creates a
# gradebook; without this, `.venv/bin/nbgrader ...` fails unless the virtual
# environment is activated.
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.CourseDirectory.course_id = "backprop"
c.CourseDirectory.root = COURSE_ROOT
# One gradebook per course folder, unless NBGRADER_DB_URL names another.
c.CourseDirectory.db_url = os.environ.get(
    "NBGRADER_DB_URL", "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db"))
# The MyST twin of every notebook (with solutions and hidden tests) must never
# be copied to students; nbgrader copies every other non-notebook file.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.md"]

c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", os.path.join(COURSE_ROOT, ".exchange"))

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
    "instructor.pipeline.ClearJupytextMetadata",
]

# Cells tagged "demo" (plots, long training, Keras) teach but are not graded;
# autograde and validation skip them, so a submission costs little more than
# starting its kernel.
c.Execute.skip_cells_with_tag = "demo"
# nbgrader's default for Python kernels, plus a quiet kernel log.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]

# Limits of a student's notebook at autograde (instructor/execute.py): a cell that
# runs longer is interrupted; one that prints more keeps only the beginning; a
# cell that kills the kernel is skipped and the notebook re-run without it.
# Graded cells take well under a second; demo cells are skipped.
c.Execute.timeout = 15
c.GradingExecute.max_output_bytes = 100_000
# Every student's kernel runs in bubblewrap (instructor/sandbox.py): no view of the course,
# the gradebook or other submissions, no network, no autodiff library, and this much memory.
# Grading refuses to start without bwrap; set sandbox = False only for code you trust.
c.GradingExecute.sandbox = True
c.GradingExecute.memory_limit_mb = 2048

# nbgrader's sanitizing steps, with a DeduplicateIds that cannot crash on a pasted copy
# of a locked cell (instructor/autograde.py says how nbgrader's does), and an OverwriteCells
# that marks a locked cell the student changed, so that the feedback says it was restored.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "instructor.autograde.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "instructor.autograde.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "instructor.execute.GradingExecute",
    "instructor.verify.VerifyHiddenTests",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# A deleted test cell comes back (and the verifier scores it 0) instead of
# leaving a grade that waits forever for a manual mark.
c.OverwriteCells.add_missing_cells = True

c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "instructor.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
