"""nbgrader's local exchange, copying only regular files: a student's link is never followed.

A student owns their folder in the exchange's inbound directory and can leave a
symbolic link there (to another student's submission, the course's solutions,
the gradebook).  nbgrader's `collect` copies with `shutil.copytree`, which
follows such links into `submitted/`, and from there into feedback.  These
subclasses skip every link, fifo or device, and say which in the log.

On a shared server the inbound directory is writable by every student, so a
folder named after another student could be taken as theirs (with `--update`,
replacing their work): a submission owned by neither its student nor the
grader collecting is skipped, and that student's own newest one taken instead.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import stat
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.utils import ignore_patterns

from instructor import safefiles
from instructor.printable import one_line


class SafeCollect(ExchangeCollect):
    """`nbgrader collect` that copies a submission's regular files only, and trusts no timestamp file.

    A folder in the inbound directory whose name nbgrader cannot read (`x+a1+garbage+y`) would stop
    the collection of the whole class: it is skipped with a warning.  The `timestamp.txt` a student
    wrote is replaced by the time in the folder's name, which nbgrader has read.
    """

    def _path_to_record(self, path):
        try:
            return super()._path_to_record(path)
        except Exception:  # noqa: BLE001 - a name nbgrader cannot read: this folder alone is skipped
            self.log.warning("Not collected: cannot read the name of %s", one_line(os.path.basename(path)))
            return {"username": "", "filename": os.path.basename(path), "malformed": True,
                    "timestamp": datetime.min.replace(tzinfo=timezone.utc)}

    def _genuine(self, record: dict) -> bool:
        """A folder (not a link) owned by its student, or by the grader (a single-user exchange)."""
        path = os.path.join(self.inbound_path, record["filename"])
        info = os.lstat(path)
        try:
            owner = pwd.getpwuid(info.st_uid).pw_name
        except KeyError:
            owner = str(info.st_uid)
        if stat.S_ISDIR(info.st_mode) and (owner == record["username"] or info.st_uid == os.getuid()):
            return True
        self.log.error("Skipped %s: a submission must be a folder owned by %s (this is %s, owned by %s)",
                       one_line(path), one_line(record["username"]),
                       "a folder" if stat.S_ISDIR(info.st_mode) else "not a folder", one_line(owner))
        return False

    def init_src(self):
        super().init_src()
        kept = []
        for record in self.src_records:
            if record.get("malformed"):
                continue
            if self._genuine(record):
                kept.append(record)
                continue
            # The student's own newest submission, if any, instead of the forged one.
            pattern = os.path.join(self.inbound_path, f"{glob.escape(record['username'])}+"
                                                      f"{glob.escape(self.coursedir.assignment_id)}+*")
            genuine = [r for r in map(self._path_to_record, glob.glob(pattern))
                       if not r.get("malformed") and self._genuine(r)]
            if genuine:
                kept.append(self._sort_by_timestamp(genuine)[0])
        self.src_records = kept

    def do_copy(self, src, dest, log=None):
        if os.path.islink(src) or not os.path.isdir(src):
            self.log.error("Not collected: %s is not a folder of the student's (a link?)", one_line(src))
            return
        nbgrader_ignore = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                          max_file_size=self.coursedir.max_file_size, log=self.log)

        def ignore(folder, names):
            skipped = set(nbgrader_ignore(folder, names))
            for name in names:
                mode = os.lstat(os.path.join(folder, name)).st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    self.log.warning("Not collected: %s is not a regular file (a link?)",
                                     one_line(os.path.join(folder, name)))
                    skipped.add(name)
            return skipped

        size = sum(os.lstat(p).st_size for p in safefiles.entries(Path(src))[0])
        if size > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big. Size is {size}, "
                               f"maximum size is {1000 * self.coursedir.max_dir_size}")
        shutil.copytree(src, dest, symlinks=True, ignore=ignore,
                        copy_function=lambda s, d: safefiles.copy_file(Path(s), Path(d)))
        stamp = os.path.basename(os.path.normpath(src)).rsplit("+", 3)[2]
        safefiles.write_bytes(Path(dest) / "timestamp.txt", stamp.encode())
        if self.coursedir.groupshared:
            for dirname, _, _ in os.walk(dest):
                mode = os.stat(dirname).st_mode
                if mode & 0o2770 != 0o2770:
                    os.chmod(dirname, (mode | 0o2770) & 0o2777)


class SafeReleaseFeedback(ExchangeReleaseFeedback):
    """`nbgrader release_feedback` that publishes regular files only."""

    def copy_files(self):
        for path in Path(self.src_path).glob("*") if self.src_path else []:
            if path.is_symlink() or (path.exists() and not path.is_file() and not path.is_dir()):
                self.log.warning("Not released: %s is not a regular file", one_line(str(path)))
                path.unlink()
        return super().copy_files()
