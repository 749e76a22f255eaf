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

from course import limits  # noqa: E402 - the limits grading and `python -m course validate` share
from instructor.printable import install_log_escaping  # noqa: E402

# nbgrader logs names a student chose (files, folders in the exchange): escaped, never raw.
install_log_escaping()

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
# Collecting and releasing feedback copy regular files only: a link a student leaves in the
# exchange is never followed (instructor/exchange.py).
c.ExchangeFactory.collect = "instructor.exchange.SafeCollect"
c.ExchangeFactory.release_feedback = "instructor.exchange.SafeReleaseFeedback"

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
c.Execute.skip_cells_with_tag = limits.DEMO_TAG
# nbgrader's default for Python kernels, plus a quiet kernel log.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]

# Limits of a student's notebook at autograde (instructor/execute.py): a cell that
# runs longer is interrupted; a notebook that runs longer in all has its remaining cells
# left unrun; one that prints more keeps only the beginning; a cell that kills the kernel
# is skipped and the notebook re-run without it.  Demo cells are skipped.
c.Execute.timeout = limits.CELL_TIMEOUT_SECONDS  # 15 s
c.GradingExecute.notebook_timeout = limits.NOTEBOOK_TIMEOUT_SECONDS  # 120 s
c.GradingExecute.max_output_bytes = limits.MAX_OUTPUT_BYTES  # 100 kB
# Every student's kernel runs in bubblewrap (instructor/sandbox.py), on a scratch copy of the
# submission: an empty root showing only the Python installation, the course package and that
# copy; no network, no autodiff library; this much memory and this many processes for the whole
# sandbox (a cgroup where the machine allows it); size-capped writable folders.
# Grading refuses to start without bwrap; set sandbox = False only for code you trust.
c.GradingExecute.sandbox = True
c.GradingExecute.memory_limit_mb = limits.MEMORY_LIMIT_MB  # 2 GB
c.SandboxedKernelManager.max_processes = 64
c.SandboxedKernelManager.file_size_limit_mb = limits.FILE_SIZE_LIMIT_MB
c.SandboxedKernelManager.workdir_size_mb = 128
c.SandboxedKernelManager.tmp_size_mb = 128

# nbgrader's sanitizing steps, with a DeduplicateIds that cannot crash on a pasted copy
# of a locked cell (instructor/autograde.py says how nbgrader's does), and an OverwriteCells
# that marks a locked cell the student changed, so that the feedback says it was restored.
# First, no link from the submission is followed, and grading metadata the student changed
# is restored, with a note saying so (instructor/sanitize.py).
c.Autograde.sanitize_preprocessors = [
    "instructor.sanitize.RefuseLinks",
    "nbgrader.preprocessors.ClearOutput",
    "instructor.sanitize.RestoreGradingMetadata",
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
    "instructor.sanitize.NoLinksInAutograded",
]
# A deleted test cell comes back (and the verifier scores it 0) instead of
# leaving a grade that waits forever for a manual mark.
c.OverwriteCells.add_missing_cells = True

c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "instructor.feedback.ScoreSummary",
    "instructor.feedback.HideHiddenTests",
    "nbconvert.preprocessors.sanitize.SanitizeHTML",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# Student HTML is sanitized wherever a person sees it: in feedback (above) and in formgrader,
# whose submission view is an HTMLExporter configured from here. No script, no event handler,
# no SVG or JavaScript output survives.
c.HTMLExporter.preprocessors = ["nbconvert.preprocessors.sanitize.SanitizeHTML"]
c.HTMLExporter.sanitize_html = True
# Markdown is cleaned again once rendered: its own link syntax can make a javascript: URL.
c.HTMLExporter.filters = {"markdown2html": "instructor.feedback.markdown2html_sanitized"}
