"""The course's nbgrader configuration, loaded as nbgrader loads it."""
from __future__ import annotations

from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader


def load_config(root: Path) -> Config:
    """nbgrader_config.py of the course at `root` (its CourseDirectory.root is `root`)."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
