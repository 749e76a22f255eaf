"""`nbgrader export` of the released assignments only.

nbgrader's CSV export lists every assignment in the gradebook, so a student gets 0 on an
assignment nobody has released yet. This exporter keeps the assignments released through the
exchange (a folder in its `outbound/`), unless `--CsvExportPlugin.assignment` names others.
The class server's configuration selects it (`c.ExportApp.plugin_class`, instructor/server.py).
"""
from __future__ import annotations

import os

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default.exchange import Exchange
from nbgrader.plugins import CsvExportPlugin


def released_assignments(config) -> list[str]:
    """The assignments with a folder in the exchange's outbound/ for this course."""
    exchange, course = Exchange(config=config), CourseDirectory(config=config)
    outbound = os.path.join(exchange.root, course.course_id, "outbound")
    return sorted(os.listdir(outbound)) if os.path.isdir(outbound) else []


class ReleasedCsvExport(CsvExportPlugin):
    """CsvExportPlugin restricted to released assignments."""

    def export(self, gradebook: Gradebook) -> None:
        if not self.assignment:
            released = set(released_assignments(self.config))
            self.assignment = [a.name for a in gradebook.assignments if a.name in released]
            if not self.assignment:
                self.log.warning("No assignment has been released: %s lists no grades", self.to)
                self.assignment = ["(none released)"]
        super().export(gradebook)
