"""nbgrader's settings for a student's copy of the backpropagation course.

JupyterLab's Validate button reads this file from the folder JupyterLab was started in:
with it, Validate runs a notebook as grading does (demo cells skipped, the same time limit),
as `python -m course validate` does.
"""
from course import limits

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.Execute.skip_cells_with_tag = limits.DEMO_TAG
c.Execute.timeout = limits.CELL_TIMEOUT_SECONDS
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
