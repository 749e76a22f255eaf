"""nbgrader's collect for a shared server: only a student's own submission, and never through a link.

The exchange's inbound folder is writable by every student (nbgrader's design), and nbgrader's
collect copies a submission folder as it finds it: it follows a link a student planted there (to the
course's solutions, readable by the grader who collects), and it takes a folder named after another
student as that student's work (with `--update`, replacing theirs). This collect skips a submission
that is a link or that is not owned by the student it is named after, and copies links as nothing.
The server's graders' configuration selects it (`c.ExchangeFactory.collect`, written by
instructor/server.py).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import stat

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.exchange import ignore_patterns


class LinkFreeCollect(ExchangeCollect):
    """ExchangeCollect that copies no link and no submission in another student's name."""

    def _genuine(self, record: dict) -> bool:
        path = os.path.join(self.inbound_path, record["filename"])
        info = os.lstat(path)
        try:
            owner = pwd.getpwuid(info.st_uid).pw_name
        except KeyError:
            owner = str(info.st_uid)
        if stat.S_ISDIR(info.st_mode) and owner == record["username"]:
            return True
        self.log.error("Skipped %s: a submission must be a folder owned by %s (this is %s, owned by %s)",
                       path, record["username"], "a folder" if stat.S_ISDIR(info.st_mode) else "not a folder",
                       owner)
        return False

    def init_src(self):
        super().init_src()
        kept = []
        for record in self.src_records:
            if self._genuine(record):
                kept.append(record)
                continue
            # The student's own newest submission, if any, instead of the forged one.
            pattern = os.path.join(self.inbound_path, f"{record['username']}+{self.coursedir.assignment_id}+*")
            genuine = [r for r in map(self._path_to_record, glob.glob(pattern)) if self._genuine(r)]
            if genuine:
                kept.append(self._sort_by_timestamp(genuine)[0])
        self.src_records = kept

    def do_copy(self, src, dest, log=None):
        # Links are copied as links (never followed), then removed from the grader's copy.
        shutil.copytree(src, dest, symlinks=True,
                        ignore=ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                               max_file_size=self.coursedir.max_file_size, log=self.log))
        for folder, folders, files in os.walk(dest):
            for name in folders + files:
                path = os.path.join(folder, name)
                if os.path.islink(path):
                    self.log.warning("Dropped a link from %s: %s -> %s",
                                     os.path.basename(src), os.path.relpath(path, dest), os.readlink(path))
                    os.unlink(path)
