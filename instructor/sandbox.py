"""A kernel that cannot see the course, keep its grader waiting, or reach the network.

nbgrader runs a student's notebook in an ordinary Jupyter kernel, with the
grader's permissions: the code could read `source/` (the solutions), the
gradebook, other students' submissions and the instructor's home, write
anywhere the instructor can, and open network connections.  `SandboxedKernelManager`
starts the same kernel inside bubblewrap (`bwrap`, no Docker, no root needed):

- the file system is read-only, with the course folder, every home directory,
  /tmp, /run, the gradebook and the exchange hidden under empty tmpfs mounts;
  only what the kernel needs is shown again: the Python installation, the
  `course` package (read-only), the submission's own working copy (writable)
  and a directory holding the kernel's connection file and sockets;
- no network: a network namespace of its own, with only a loopback of its own.
  The kernel talks to the grader over ZMQ on IPC sockets in that one directory,
  so it needs no TCP at all;
- its own PID namespace (it sees no other process, and every process it starts
  dies with it), a user namespace with an unprivileged user and no
  capabilities, no further user namespaces;
- a clean environment (the grader's variables, tokens and database URLs never
  reach it), one BLAS thread, and a cap on its address space (RLIMIT_AS) and on
  the size of any file it writes;
- no automatic differentiation: JAX, Keras, PyTorch, TensorFlow and the
  course's Keras modules are hidden, and importing one says why.  The graded
  cells never need them (the Keras comparisons are `demo` cells, skipped at
  autograde), and each would hand a student the gradient the exercise asks
  them to derive.

Interrupts (the per-cell timeout) are sent as `interrupt_request` messages, which
ipykernel turns into a SIGINT to itself inside the sandbox: a signal to bwrap's
process group would reach bwrap itself as well.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, List, Unicode

# Exposed inside the sandbox as the kernel's user; files owned by the grader look owned by it.
SANDBOX_UID = 65534
# Passed from the grader's environment to the kernel; everything else is dropped.
KEPT_ENVIRONMENT = ("NBGRADER_EXECUTION", "JAX_PLATFORMS", "KERAS_BACKEND", "MPLBACKEND", "LANG", "LC_ALL",
                    "TZ", "PYTHONHASHSEED", "PYDEVD_DISABLE_FILE_VALIDATION")
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`), "
                "or grade without the sandbox (`--no-sandbox`, or c.GradingExecute.sandbox = False)")

# Modules a graded cell must not use: each computes the gradients the exercises ask for.
BLOCKED_MODULES = ("jax", "jaxlib", "keras", "tensorflow", "torch", "autograd", "course.keras_backend",
                   "course.network_321_keras", "course.house_prices_keras")
BLOCKED_MESSAGE = ("{name} is not available when your notebook is graded: the graded functions must compute "
                   "their derivatives by hand (automatic differentiation is for the cells tagged demo)")

# Shown in place of every blocked package and module: importing it says why.  An ImportError, not
# ModuleNotFoundError, which `from course import keras_backend` would turn into "cannot import name".
BLOCKED_STUB = f"raise ImportError({BLOCKED_MESSAGE!r}.format(name=__name__), name=__name__)\n"

# Runs first inside the sandbox: set the limits, then start the kernel module as `python -m` would.
LAUNCHER = """\
import resource, runpy, sys
memory, file_size = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
module = sys.argv[3]
sys.argv = [module] + sys.argv[4:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


class SandboxUnavailable(RuntimeError):
    """bwrap is missing or cannot create its namespaces here."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@lru_cache(maxsize=None)
def check_bwrap() -> str:
    """The path of a working bwrap, or SandboxUnavailable saying why and what to do."""
    path = bwrap_path()
    if path is None:
        raise SandboxUnavailable(f"bubblewrap (`bwrap`) is not installed: {INSTALL_HINT}")
    probe = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all",
             "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
             "--disable-userns", "--die-with-parent", "--", "true"]
    result = subprocess.run(probe, capture_output=True, text=True)
    if result.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot create a sandbox on this machine ({result.stderr.strip()}); "
            f"unprivileged user namespaces may be disabled: {INSTALL_HINT}")
    return path


def _existing(paths: Iterable[str | os.PathLike | None]) -> list[Path]:
    found = []
    for path in paths:
        if path:
            path = Path(path).resolve()
            if path.exists() and path != Path("/") and path not in found:
                found.append(path)
    return sorted(found, key=lambda p: len(p.parts))  # parents before children


def course_package_dir() -> Path:
    import course
    return Path(course.__file__).resolve().parent


def default_hidden(course_root: str | os.PathLike | None = None) -> list[str]:
    """Folders a student's kernel must not see, whatever the configuration adds."""
    return [str(p) for p in (course_root, course_package_dir().parent, Path.home(), "/home", "/root",
                             "/srv", "/mnt", "/media", "/tmp", "/var/tmp", "/run", tempfile.gettempdir()) if p]


def policy_from_config(config) -> tuple[list[str], list[str]]:
    """(folders, files) to hide for the course nbgrader's `config` describes."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    hidden = default_hidden(coursedir.root)
    exchange = config.Exchange.get("root") if "Exchange" in config else None
    hidden += [exchange or "/srv/nbgrader/exchange"]
    files = []
    if coursedir.db_url.startswith("sqlite:///"):
        database = coursedir.db_url[len("sqlite:///"):]
        files += [database + suffix for suffix in ("", "-journal", "-wal", "-shm")]
    return hidden, files


def default_shown() -> list[str]:
    """Read-only folders a kernel needs even when they lie in a hidden one."""
    return [sys.prefix, sys.base_prefix, sys.exec_prefix, str(course_package_dir()),
            str(Path(sys.executable).resolve().parent.parent)]


def module_paths(names: Iterable[str]) -> list[str]:
    """Where the named modules are (a package's folder; a module's file and its bytecode), without importing them."""
    import importlib.util

    paths: list[str] = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            paths += list(spec.submodule_search_locations)
        elif spec.origin and os.path.isfile(spec.origin):
            paths.append(spec.origin)
            if spec.origin.endswith(".py"):  # a stale .pyc would still load by itself
                paths.append(importlib.util.cache_from_source(spec.origin))
    return paths


def bwrap_arguments(*, workdir: str, runtime_dir: str, hidden: Iterable[str], hidden_files: Iterable[str],
                    shown: Iterable[str], env: dict[str, str], tmp_size_mb: int,
                    blocked: Iterable[str] = (), blocked_stub: str | None = None) -> list[str]:
    """bwrap's options (everything before `--`) for one kernel."""
    # --new-session: no controlling terminal to push keystrokes into (TIOCSTI);
    # --die-with-parent: the sandbox goes when the grader does.
    args = [check_bwrap(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--disable-userns", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    hidden = _existing(hidden)
    for path in hidden:
        args += ["--size", str(tmp_size_mb * 2**20), "--tmpfs", str(path)]
    for path in _existing(hidden_files):  # unreadable, unless a hidden folder already hides it
        if path.is_file() and not any(folder in path.parents for folder in hidden):
            args += ["--ro-bind", "/dev/null", str(path)]
    for path in _existing(shown):
        args += ["--ro-bind", str(path), str(path)]
    # After the folders shown again, which may hold them: a package becomes a folder holding only
    # the stub's __init__.py, a module becomes the stub (its bytecode, an empty file).
    for path in _existing(blocked):
        if path.is_dir() and blocked_stub:
            args += ["--ro-bind", str(Path(blocked_stub).parent), str(path)]
        elif path.suffix == ".py" and blocked_stub:
            args += ["--ro-bind", blocked_stub, str(path)]
        else:
            args += ["--ro-bind", "/dev/null", str(path)]
    for path in _existing([workdir, runtime_dir]):
        args += ["--bind", str(path), str(path)]
    # What a hidden folder shows is empty and stays so (the binds above keep their own modes);
    # only the private /tmp is writable, besides the working copy.
    private_tmp = Path("/tmp")
    for path in hidden:
        if path != private_tmp:
            args += ["--remount-ro", str(path)]
    home = "/tmp/home"
    args += ["--dir", home, "--chdir", str(Path(workdir).resolve()), "--clearenv"]
    path_dirs = [str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]
    settings = {**env, "HOME": home, "TMPDIR": "/tmp", "PATH": os.pathsep.join(path_dirs),
                "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "MPLCONFIGDIR": "/tmp/home/.matplotlib",
                # ipykernel watches a parent PID unless it is 1; bwrap --die-with-parent does that job.
                "JPY_PARENT_PID": "1"}
    for name, value in settings.items():
        args += ["--setenv", name, value]
    return args


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel runs inside bubblewrap, over IPC sockets."""

    hidden = List(Unicode(), help="Folders hidden from the kernel (an empty tmpfs over each); "
                                  "default: default_hidden()").tag(config=True)
    hidden_files = List(Unicode(), help="Files hidden from the kernel (/dev/null over each)."
                        ).tag(config=True)
    shown = List(Unicode(), help="Folders shown read-only again inside hidden ones.").tag(config=True)
    memory_limit_mb = Integer(2048, help="Address space of the kernel (RLIMIT_AS).").tag(config=True)
    file_size_limit_mb = Integer(64, help="Largest file the kernel may write.").tag(config=True)
    tmp_size_mb = Integer(256, help="Size of each tmpfs (the private /tmp among them).").tag(config=True)
    blocked_modules = List(Unicode(), default_value=list(BLOCKED_MODULES),
                           help="Modules hidden from the kernel; importing one raises an error saying why."
                           ).tag(config=True)

    _runtime_dir: str | None = None
    _workdir: str = ""

    async def _async_pre_start_kernel(self, **kw: Any):
        self._workdir = str(kw.get("cwd") or os.getcwd())
        if self._runtime_dir is None:
            # Every ZMQ socket of this kernel is a file in here: the only channel out of the sandbox.
            self._runtime_dir = tempfile.mkdtemp(prefix="backprop-kernel-")
            self.transport, self.cache_ports = "ipc", False  # no TCP ports to reserve
            self.connection_file = os.path.join(self._runtime_dir, "kernel.json")
            self.ip = os.path.join(self._runtime_dir, "ipc")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        # A signal to bwrap's process group would reach bwrap, not only the kernel.
        self.kernel_spec.interrupt_mode = "message"
        return kernel_cmd, kw

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        if len(command) < 3 or command[1] != "-m":
            raise SandboxUnavailable(f"cannot sandbox the kernel command {command!r}: "
                                     "expected `python -m MODULE ...`")
        # The folder shown is the real one: reach the interpreter through it, not through a symlink
        # (a `.venv` linked from a hidden folder), while keeping the venv's own `python` link.
        command[0] = os.path.join(os.path.realpath(os.path.dirname(command[0])), os.path.basename(command[0]))
        environment = {name: os.environ[name] for name in KEPT_ENVIRONMENT if name in os.environ}
        options = bwrap_arguments(workdir=self._workdir, runtime_dir=str(self._runtime_dir),
                                  hidden=self.hidden or default_hidden(), hidden_files=self.hidden_files,
                                  shown=list(self.shown) + default_shown(), env=environment,
                                  tmp_size_mb=self.tmp_size_mb, blocked=module_paths(self.blocked_modules),
                                  blocked_stub=self._blocked_stub())
        limits = [str(self.memory_limit_mb * 2**20), str(self.file_size_limit_mb * 2**20)]
        return options + ["--", command[0], "-c", LAUNCHER, *limits, command[2], *command[3:]]

    def _blocked_stub(self) -> str:
        stub = Path(str(self._runtime_dir)) / "blocked" / "__init__.py"
        stub.parent.mkdir(exist_ok=True)
        stub.write_text(BLOCKED_STUB)
        return str(stub)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._runtime_dir:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
