"""Shared fixtures: a throwaway copy of the course, generated once per session."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from instructor import notebooks

ROOT = notebooks.ROOT
COURSE_FILES = ("nbgrader_config.py", "source", "instructor")


def copy_course(destination: Path) -> Path:
    """The course's instructor files, without any nbgrader state."""
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
    for name in COURSE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        else:
            shutil.copy(source, destination / name)
    return destination


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Path:
    """A copy of the course with release/ freshly generated and its own gradebook."""
    from instructor.build import generate

    root = copy_course(tmp_path_factory.mktemp("course"))
    for assignment in notebooks.assignments(root):
        problems = generate(root, assignment)
        assert not problems, problems
    return root
