"""One control group per graded kernel: memory, processes and CPU for all its processes together.

An rlimit binds one process: a kernel that forks ten children may use ten times
its memory limit.  A cgroup binds them all.  Where the machine lets this user
make cgroups (cgroup v2 with the memory and pids controllers delegated, or the
v1 memory and pids hierarchies writable; the cpu controller, where there is one, holds it to one
core), `ResourceGroup.create` makes one and
the sandbox starts inside it; elsewhere it returns None and the sandbox falls
back to rlimits (`RLIMIT_AS` per process, `RLIMIT_NPROC` for the count).
"""
from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

CGROUP_FS = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000


def _own_cgroups() -> dict[str, str]:
    """controller ('' for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    found = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            found[controller] = path
    return found


class ResourceGroup:
    """A cgroup made for one sandbox; `procs_files` are where its first process writes its pid."""

    def __init__(self, folders: list[Path], procs_files: list[Path]):
        self.folders = folders
        self.procs_files = procs_files

    @classmethod
    def create(cls, memory_bytes: int, max_processes: int) -> "ResourceGroup | None":
        name = f"backprop-grading-{uuid.uuid4().hex[:12]}"
        own = _own_cgroups()
        for make in (cls._v2, cls._v1):
            try:
                group = make(own, name, memory_bytes, max_processes)
            except OSError:
                group = None
            if group:
                return group
        return None

    @classmethod
    def _v2(cls, own, name, memory_bytes, max_processes):
        if "" not in own or not (CGROUP_FS / "cgroup.controllers").exists():
            return None
        parent = CGROUP_FS / own[""].lstrip("/")
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        if "memory" not in enabled or "pids" not in enabled:
            return None
        folder = parent / name
        folder.mkdir()
        group = cls([folder], [folder / "cgroup.procs"])
        try:
            (folder / "memory.max").write_text(str(memory_bytes))
            (folder / "memory.swap.max").write_text("0")
            (folder / "pids.max").write_text(str(max_processes))
            if (folder / "cpu.max").exists():  # one core's worth, however many processes spin
                (folder / "cpu.max").write_text(f"{CPU_PERIOD_US} {CPU_PERIOD_US}")
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def _v1(cls, own, name, memory_bytes, max_processes):
        if "memory" not in own or "pids" not in own:
            return None
        memory = CGROUP_FS / "memory" / own["memory"].lstrip("/") / name
        pids = CGROUP_FS / "pids" / own["pids"].lstrip("/") / name
        memory.mkdir()
        group = cls([memory], [memory / "cgroup.procs"])
        try:
            pids.mkdir()
            group.folders.append(pids)
            group.procs_files.append(pids / "cgroup.procs")
            (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            swap = memory / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(memory_bytes))
            (pids / "pids.max").write_text(str(max_processes))
            if "cpu" in own:  # one core's worth, however many processes spin
                cpu = CGROUP_FS / "cpu" / own["cpu"].lstrip("/") / name
                cpu.mkdir()
                group.folders.append(cpu)
                group.procs_files.append(cpu / "cgroup.procs")
                (cpu / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
                (cpu / "cpu.cfs_quota_us").write_text(str(CPU_PERIOD_US))
        except OSError:
            group.remove()
            raise
        return group

    def wrap(self, command: list[str]) -> list[str]:
        """`command`, started inside this group: a shell joins it, then becomes the command."""
        joins = "".join(f"echo $$ > '{path}' || exit 125; " for path in self.procs_files)
        return ["/bin/sh", "-c", joins + 'exec "$@"', "sh", *command]

    def remove(self) -> None:
        """Kill whatever is left in the group and delete it."""
        for _ in range(50):
            left = [int(p) for path in self.procs_files if path.exists()
                    for p in path.read_text().split()]
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            for folder in list(self.folders):
                try:
                    folder.rmdir()
                    self.folders.remove(folder)
                except FileNotFoundError:
                    self.folders.remove(folder)
                except OSError:
                    pass
            if not self.folders:
                return
            time.sleep(0.02)
