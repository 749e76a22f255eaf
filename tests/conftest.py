"""Shared fixtures: a throwaway copy of the course, generated once per session."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from instructor import notebooks

ROOT = notebooks.ROOT
# Every test course keeps its gradebook in its own folder, whatever the caller's environment says.
os.environ.pop("NBGRADER_DB_URL", None)
# JAX on the CPU for the whole session, set once here before any test module imports JAX (without
# it JAX looks for accelerators and warns). Float64 is switched on only inside the oracle checks
# (`jax.enable_x64`), so the Keras tests see JAX's defaults whatever order they run in.
os.environ["JAX_PLATFORMS"] = "cpu"
copy_course = notebooks.copy_course


class Course:
    """A copy of the course with its own gradebook; assignments generated on first use."""

    def __init__(self, root: Path):
        self.root = root
        self._generated: set[str] = set()

    def generated(self, assignment: str) -> Path:
        """The course root, with release/<assignment> freshly generated."""
        from instructor.build import generate

        if assignment not in self._generated:
            problems = generate(self.root, assignment)
            assert not problems, problems
            self._generated.add(assignment)
        return self.root


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> Course:
    return Course(copy_course(tmp_path_factory.mktemp("course")))


@pytest.fixture(scope="session")
def distribution(tmp_path_factory) -> Path:
    """`python -m instructor distribute --archive --classroom`, run once: the folder it built into."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "instructor", "distribute", "--out", str(out), "--archive",
                           "--classroom"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def keras_network(request):
    """The Keras twin the test module names in KERAS_TWIN, imported on first use (Keras is slow to import)."""
    return importlib.import_module(request.module.KERAS_TWIN)
