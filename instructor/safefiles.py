"""Files handled on behalf of student code: regular files only, never through a link.

A submission is a folder a student (or a student's kernel) made: it may hold
symbolic links to files of the instructor's, fifos or devices.  Whatever the
grader copies out of it, or writes into a folder like it, goes through here.
"""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path


def entries(folder: Path) -> tuple[list[Path], list[Path]]:
    """(regular files, everything else that is not a folder) under `folder`, never following a link."""
    regular, others = [], []
    for dirpath, dirnames, filenames in os.walk(folder):  # os.walk does not descend into linked folders
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath, name)
            mode = os.lstat(path).st_mode
            (regular if stat.S_ISREG(mode) else others).append(path)
    return regular, others


def remove_non_regular(folder: Path) -> list[str]:
    """Delete every link, fifo, socket or device under `folder`; their names, relative to it."""
    _, others = entries(folder)
    for path in others:
        path.unlink()
    return sorted(str(path.relative_to(folder)) for path in others)


def copy_regular_files(source: Path, target: Path) -> list[str]:
    """Copy the regular files under `source` into `target` (links skipped); the names skipped."""
    regular, others = entries(source)
    for path in regular:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        copy_file(path, destination)
    return sorted(str(path.relative_to(source)) for path in others)


def copy_file(source: Path, destination: Path) -> None:
    """Copy one regular file, opening neither end through a link."""
    flags = os.O_RDONLY | os.O_NOFOLLOW
    with os.fdopen(os.open(source, flags), "rb") as reading:
        if not stat.S_ISREG(os.fstat(reading.fileno()).st_mode):
            raise OSError(f"{source} is not a regular file")
        write_bytes(destination, reading)


def write_bytes(destination: Path, data) -> None:
    """Create or replace `destination` with `data` (bytes or a file to copy), never writing through a link."""
    if destination.is_symlink() or (destination.exists() and not destination.is_file()):
        destination.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    with os.fdopen(os.open(destination, flags, 0o644), "wb") as writing:
        if isinstance(data, bytes):
            writing.write(data)
        else:
            shutil.copyfileobj(data, writing)
