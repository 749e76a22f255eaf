"""The course's nbgrader configuration, loaded as nbgrader loads it."""
from __future__ import annotations

from pathlib import Path

from jupyter_core.paths import jupyter_config_path
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader


def load_config(root: Path) -> Config:
    """nbgrader_config.py of the course at `root` (its CourseDirectory.root is `root`).

    As nbgrader does, every Jupyter config folder's nbgrader_config.py is read first (a class
    server's system-wide one: the exchange, late penalties), lowest priority first; the course's wins.
    """
    config = Config()
    for folder in reversed(jupyter_config_path()):
        if (Path(folder) / "nbgrader_config.py").is_file():
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
    config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    return config
