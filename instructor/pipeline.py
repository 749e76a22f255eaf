"""Small nbgrader preprocessors the course adds to nbgrader's own pipelines."""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor


class ClearJupytextMetadata(NbGraderPreprocessor):
    """Drop Jupytext's pairing metadata, which means nothing to a student's copy."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("jupytext", None)
        return nb, resources
