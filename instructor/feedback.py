"""Feedback without the hidden tests.

nbgrader's feedback shows every cell as graded, hidden tests included
(nbgrader issue #917).  This removes the hidden regions from the cell sources
and, because a traceback can quote the line that raised, replaces every
traceback frame that quotes a hidden line.
"""
from __future__ import annotations

from nbconvert.filters import strip_ansi
from nbgrader.preprocessors import ClearHiddenTests


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests for feedback: sources and tracebacks."""

    def _hidden_lines(self, source: str) -> list[str]:
        lines, inside = [], False
        for line in source.split("\n"):
            if self.begin_test_delimeter in line:
                inside = True
            elif self.end_test_delimeter in line:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
        return lines

    def preprocess_cell(self, cell, resources, index):
        hidden = self._hidden_lines(cell.source) if cell.cell_type == "code" else []
        cell, resources = super().preprocess_cell(cell, resources, index)
        if hidden:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output.traceback = [
                        "(a frame of the hidden tests)"
                        if any(line in strip_ansi(frame) for line in hidden) else frame
                        for frame in output.traceback]
        return cell, resources
