"""A kernel that sees only what it needs: bubblewrap from an empty root.

nbgrader runs a student's notebook in an ordinary Jupyter kernel, with the
grader's permissions.  `SandboxedKernelManager` starts the same kernel inside
bubblewrap (`bwrap`, no Docker, no root needed), in a file system that starts
empty and shows, read-only, only:

- the system's shared libraries (`/usr/lib/<arch>`, the dynamic loader) and a
  minimal `/etc` (the loader's cache, a passwd and group naming the student);
- the Python installation the kernel runs: its interpreter, its standard
  library (with that installation's own site-packages emptied), and its
  environment's site-packages, mounted at a neutral path with every
  automatic-differentiation or symbolic-maths package replaced by a stub that
  says why, and every file that names the course's folder (an editable
  install's finder, `direct_url.json`, `pyvenv.cfg`) emptied;
- the `course` package (its Keras modules stubbed likewise);
- the submission's files, copied by the launcher into `/submission`, a
  size-capped tmpfs that is the kernel's working folder; a size-capped private
  `/tmp`; and one folder holding the kernel's connection file and IPC sockets.

Nothing else of the machine is there: not the course, the gradebook, other
submissions, the exchange, home folders, other Python environments, `/proc` or
`/sys`.  bwrap reads its own arguments from a memory file (`--args`), so even
its command line names none of the paths above.  The kernel has no network (a
namespace of its own; ZMQ runs over IPC sockets), no other process in sight, an
unprivileged user, a clean environment, and limits: memory and process count
for the whole sandbox (a cgroup where the machine allows one,
`instructor.cgroups`; otherwise `RLIMIT_AS` per process and `RLIMIT_NPROC`),
the size of each written file, and the size of every writable folder.  Its raw
stdout and stderr go to a pipe the grader reads, caps and escapes.

Interrupts (the per-cell timeout) are sent as `interrupt_request` messages, which
ipykernel turns into a SIGINT to itself inside the sandbox: a signal to bwrap's
process group would reach bwrap itself as well.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer

from course import limits
from instructor.cgroups import ResourceGroup
from instructor.printable import printable

# Exposed inside the sandbox as the kernel's user; files owned by the grader look owned by it.
SANDBOX_UID = 65534
# Passed from the kernel's requested environment into the sandbox; everything else is dropped.
KEPT_ENVIRONMENT = ("NBGRADER_EXECUTION", "BACKPROP_CASE_KEY", "MPLBACKEND", "LANG", "LC_ALL", "TZ",
                    "PYTHONHASHSEED", "PYDEVD_DISABLE_FILE_VALIDATION")
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`), "
                "or grade without the sandbox (`--no-sandbox`, or c.GradingExecute.sandbox = False)")

# What a graded cell may not import, and what it is told (course/limits.py, shared with validation).
BLOCKED_PACKAGES, BLOCKED_COURSE_MODULES, BLOCKED_MODULES = (limits.BLOCKED_PACKAGES, limits.BLOCKED_COURSE_MODULES,
                                                             limits.BLOCKED_MODULES)
BLOCKED_MESSAGE = limits.BLOCKED_MESSAGE
# An ImportError, not ModuleNotFoundError, which `from course import keras_backend` would turn into
# "cannot import name".
BLOCKED_STUB = f"raise ImportError({BLOCKED_MESSAGE!r}.format(name=__name__), name=__name__)\n"

# Where things appear inside the sandbox: neutral paths that name nothing of the grader's machine.
INSIDE = Path("/opt/grading")
VENV_INSIDE = INSIDE / "venv"
PYTHON_INSIDE = INSIDE / "python"  # the base installation's parts, wherever they are on the host
LIB_INSIDE = INSIDE / "lib"
GIVEN_INSIDE = INSIDE / "given"
IPC_INSIDE = INSIDE / "ipc"  # a tiny tmpfs: the grader reaches its sockets through /proc/<pid>/root
CONNECTION_FILE_INSIDE = INSIDE / "kernel.json"
WORKDIR_INSIDE = Path("/submission")
HOME_INSIDE = "/tmp/home"

# Runs first inside the sandbox: set the limits, copy the submission into the writable tmpfs (regular
# files only, never through a link), then start the kernel module as `python -m` would.
LAUNCHER = """\
import os, resource, runpy, shutil, stat, sys
memory, file_size, processes = (int(a) for a in sys.argv[1:4])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
def copy(source, target):
    for entry in os.scandir(source):
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISDIR(mode):
            os.mkdir(os.path.join(target, entry.name))
            copy(entry.path, os.path.join(target, entry.name))
        elif stat.S_ISREG(mode):
            try:
                shutil.copyfile(entry.path, os.path.join(target, entry.name), follow_symlinks=False)
            except OSError:
                pass
copy(sys.argv[4], os.getcwd())
os.makedirs(os.environ["HOME"], exist_ok=True)
module = sys.argv[5]
sys.argv = [module] + sys.argv[6:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""

# What one sandbox may print on its raw stdout and stderr before the rest is dropped.
RAW_OUTPUT_BYTES = 20_000


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
    probe = [path, "--ro-bind", "/", "/", "--dev", "/dev", "--unshare-all", "--unshare-user",
             "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--disable-userns", "--die-with-parent",
             "--", "true"]
    result = subprocess.run(probe, capture_output=True, text=True)
    if result.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot create a sandbox on this machine ({result.stderr.strip()}); "
            f"unprivileged user namespaces may be disabled: {INSTALL_HINT}")
    return path


def course_package_dir() -> Path:
    import course
    return Path(course.__file__).resolve().parent


LAYOUT_PROBE = """\
import glob, json, os, sys, sysconfig
v = sysconfig.get_config_vars()
print(json.dumps({
    "executable": os.path.realpath(sys.executable), "prefix": sys.prefix, "base_prefix": sys.base_prefix,
    "stdlib": sysconfig.get_path("stdlib", vars={"base": sys.base_prefix, "installed_base": sys.base_prefix}),
    "purelib": sysconfig.get_path("purelib"), "platlib": sysconfig.get_path("platlib"),
    "libpython": sorted(set(glob.glob(os.path.join(v.get("LIBDIR") or "/nonexistent", "libpython*.so*")))),
    "multiarch": v.get("MULTIARCH") or "", "version": "%d.%d" % sys.version_info[:2],
    "full_version": "%d.%d.%d" % sys.version_info[:3],
}))
"""


@lru_cache(maxsize=None)
def python_layout(python: str) -> dict:
    """Where the interpreter `python` keeps its parts, as that interpreter itself reports them."""
    result = subprocess.run([python, "-I", "-c", LAYOUT_PROBE], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def blocked_entries(folder: Path, names: Iterable[str]) -> list[Path]:
    """Entries of an import folder that would import as one of `names` (packages, modules, extensions)."""
    names = set(names)
    found = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        if entry.name.split(".", 1)[0] in names and not entry.name.endswith((".dist-info", ".egg-info")):
            found.append(Path(entry.path))
    return found


def naming_files(site_packages: Path) -> list[Path]:
    """Files in an environment that spell out where things live on the grader's machine."""
    found = []
    for entry in sorted(os.scandir(site_packages), key=lambda e: e.name):
        if entry.name.startswith("__editable__") or entry.name.endswith(".egg-link"):
            found.append(Path(entry.path))
        elif entry.name.endswith(".dist-info"):
            direct_url = Path(entry.path) / "direct_url.json"
            if direct_url.exists():
                found.append(direct_url)
    return found


class SandboxPlan:
    """bwrap's arguments for one kernel, and the small files they show (written into `static`)."""

    def __init__(self, *, python: str, connection_file: str, static_dir: str, given: str, env: dict[str, str],
                 tmp_size_mb: int, workdir_size_mb: int):
        self.args: list[str] = []
        self.layout = python_layout(python)
        self.static = Path(static_dir)
        self.connection_file, self.given, self.env = connection_file, given, env
        self.tmp_size_mb, self.workdir_size_mb = tmp_size_mb, workdir_size_mb
        self.python_inside = self.layout["executable"]

    def _add(self, *args: str) -> None:
        self.args += list(args)

    def _static_file(self, name: str, text: str) -> str:
        path = self.static / name
        path.write_text(text)
        return str(path)

    def _stub_dir(self) -> str:
        folder = self.static / "blocked"
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").write_text(BLOCKED_STUB)
        return str(folder)

    def _block(self, paths: Iterable[Path], inside_of: Path, shown_at: Path) -> None:
        """Replace each path (under `inside_of` on the host, shown at `shown_at`) by the stub."""
        for path in paths:
            target = str(shown_at / path.relative_to(inside_of))
            if path.is_dir():
                self._add("--ro-bind", self._stub_dir(), target)
            elif path.suffix == ".py":
                self._add("--ro-bind", str(self.static / "blocked" / "__init__.py"), target)
            else:
                self._add("--ro-bind", "/dev/null", target)

    def system(self) -> None:
        """The shared libraries and the dynamic loader, and a minimal /etc."""
        multiarch = self.layout["multiarch"]
        for top in ("/lib", "/lib64"):
            if os.path.islink(top):
                self._add("--symlink", os.readlink(top), top)
        for folder in (f"/usr/lib/{multiarch}" if multiarch else "", "/usr/lib64",
                       f"/lib/{multiarch}" if multiarch else "", "/lib64"):
            if folder and os.path.isdir(folder) and not os.path.islink(folder) and \
                    not os.path.islink(os.path.dirname(folder)):
                self._add("--ro-bind", folder, folder)
        if os.path.exists("/etc/ld.so.cache"):
            self._add("--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache")
        self._add("--ro-bind", self._static_file("passwd", f"student:x:{SANDBOX_UID}:{SANDBOX_UID}:"
                                                 f"student:{HOME_INSIDE}:/nonexistent\n"), "/etc/passwd")
        self._add("--ro-bind", self._static_file("group", f"student:x:{SANDBOX_UID}:\n"), "/etc/group")

    def _base(self, path: str | Path) -> Path:
        """Where a part of the base installation is shown: under PYTHON_INSIDE, as under its prefix."""
        path, base = Path(path), Path(self.layout["base_prefix"])
        return PYTHON_INSIDE / path.relative_to(base) if path.is_relative_to(base) else path

    def python(self) -> None:
        """The interpreter, its standard library, and its environment's packages (autodiff stubbed)."""
        layout = self.layout
        executable = layout["executable"]
        self._add("--ro-bind", executable, str(self._base(executable)))
        for library in layout["libpython"]:
            self._add("--ro-bind", library, str(self._base(library)))
        if layout["libpython"]:  # its run path names the host's folder
            self.env = {**self.env, "LD_LIBRARY_PATH": str(self._base(os.path.dirname(layout["libpython"][0])))}
        stdlib = Path(layout["stdlib"])
        self._add("--ro-bind", str(stdlib), str(self._base(stdlib)))
        in_venv = layout["prefix"] != layout["base_prefix"]
        site_packages = Path(layout["purelib"])
        for own in ("site-packages", "dist-packages"):  # the installation's own packages: not the kernel's
            if (stdlib / own).is_dir() and (in_venv or stdlib / own != site_packages):
                shown = str(self._base(stdlib / own))
                self._add("--tmpfs", shown, "--remount-ro", shown)
        self.python_inside = str(self._base(executable))
        if in_venv:
            shown = VENV_INSIDE / site_packages.relative_to(layout["prefix"])
            self._add("--ro-bind", str(site_packages), str(shown))
            if layout["platlib"] != layout["purelib"]:
                platlib = Path(layout["platlib"])
                self._add("--ro-bind", str(platlib), str(VENV_INSIDE / platlib.relative_to(layout["prefix"])))
            self._add("--symlink", self.python_inside, str(VENV_INSIDE / "bin" / "python"))
            self.python_inside = str(VENV_INSIDE / "bin" / "python")
            config = (f"home = {self._base(os.path.dirname(executable))}\ninclude-system-site-packages = false\n"
                      f"version = {layout['full_version']}\n")
            self._add("--ro-bind", self._static_file("pyvenv.cfg", config), str(VENV_INSIDE / "pyvenv.cfg"))
        else:
            shown = self._base(site_packages)
            if not site_packages.is_relative_to(layout["base_prefix"]):
                self._add("--ro-bind", str(site_packages), str(shown))
        if site_packages.is_dir():
            for path in naming_files(site_packages):
                self._add("--ro-bind", "/dev/null", str(shown / path.relative_to(site_packages)))
            self._block(blocked_entries(site_packages, BLOCKED_PACKAGES), site_packages, shown)

    def course(self) -> None:
        """The course package, its Keras modules stubbed."""
        package = course_package_dir()
        shown = LIB_INSIDE / "course"
        self._add("--ro-bind", str(package), str(shown))
        modules = [package / f"{name}.py" for name in BLOCKED_COURSE_MODULES if (package / f"{name}.py").exists()]
        self._block(modules, package, shown)
        cache = package / "__pycache__"
        if cache.is_dir():  # a stale .pyc would load by itself
            self._add("--tmpfs", str(shown / "__pycache__"), "--remount-ro", str(shown / "__pycache__"))

    def writable(self) -> None:
        """Three size-capped tmpfs (the submission's copy, /tmp, the sockets); the rest is read-only."""
        self._add("--size", str(self.workdir_size_mb * 2**20), "--tmpfs", str(WORKDIR_INSIDE),
                  "--size", str(self.tmp_size_mb * 2**20), "--tmpfs", "/tmp",
                  "--size", str(2**20), "--tmpfs", str(IPC_INSIDE),
                  "--ro-bind", self.given, str(GIVEN_INSIDE),
                  "--ro-bind", self.connection_file, str(CONNECTION_FILE_INSIDE),
                  "--remount-ro", "/dev", "--remount-ro", "/")

    def build(self) -> list[str]:
        # --new-session: no controlling terminal to push keystrokes into (TIOCSTI);
        # --die-with-parent: the sandbox goes when the grader does.  No --proc: nothing needs it.
        self._add("--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
                  "--disable-userns", "--die-with-parent", "--new-session", "--hostname", "sandbox",
                  "--cap-drop", "ALL", "--dev", "/dev")
        self.system()
        self.python()
        self.course()
        self.writable()
        self._add("--chdir", str(WORKDIR_INSIDE), "--clearenv")
        settings = {**self.env, "HOME": HOME_INSIDE, "TMPDIR": "/tmp", "PATH": str(VENV_INSIDE / "bin"),
                    "PYTHONPATH": str(LIB_INSIDE), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
                    "MPLCONFIGDIR": f"{HOME_INSIDE}/.matplotlib",
                    # ipykernel watches a parent PID unless it is 1; bwrap --die-with-parent does that job.
                    "JPY_PARENT_PID": "1"}
        for name, value in settings.items():
            self._add("--setenv", name, value)
        return self.args


def arguments_file(args: list[str]) -> int:
    """A memory file holding bwrap's arguments (NUL-separated), read through `--args FD`."""
    fd = os.memfd_create("bwrap-arguments", 0)  # not close-on-exec: bwrap must inherit it
    os.write(fd, b"".join(a.encode() + b"\0" for a in args))
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel runs inside bubblewrap, over IPC sockets."""

    memory_limit_mb = Integer(limits.MEMORY_LIMIT_MB,
                              help="Memory of the whole sandbox (a cgroup; else RLIMIT_AS per process)."
                              ).tag(config=True)
    max_processes = Integer(64, help="Processes and threads the sandbox may run at once.").tag(config=True)
    file_size_limit_mb = Integer(limits.FILE_SIZE_LIMIT_MB, help="Largest file the kernel may write."
                                 ).tag(config=True)
    tmp_size_mb = Integer(128, help="Size of the kernel's private /tmp.").tag(config=True)
    workdir_size_mb = Integer(128, help="Size of the kernel's working folder (its copy of the submission)."
                              ).tag(config=True)
    use_cgroups = Bool(True, help="Limit the whole sandbox with a cgroup where the machine allows it."
                       ).tag(config=True)

    _runtime_dir: str | None = None
    _given: str = ""
    _arguments_fd: int | None = None
    _group: ResourceGroup | None = None
    _raw_output: list[bytes]

    async def _async_pre_start_kernel(self, **kw: Any):
        self._given = str(kw.get("cwd") or os.getcwd())
        if self._runtime_dir is None:
            # Only the grader writes here (0700); the sandbox sees a few of its files, read-only.
            self._runtime_dir = tempfile.mkdtemp(prefix="backprop-kernel-")
            self.transport, self.cache_ports = "ipc", False  # no TCP ports to reserve
            self.connection_file = os.path.join(self._runtime_dir, "kernel.json")
        self.ip = str(IPC_INSIDE / "socket")  # what the kernel binds, inside; the grader's path is set at launch
        self._requested_env = dict(kw.get("env") or os.environ)
        self._info_reader, self._info_writer = os.pipe()
        self._output_reader, self._output_writer = os.pipe()
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)  # calls format_kernel_cmd
        # A signal to bwrap's process group would reach bwrap, not only the kernel.
        self.kernel_spec.interrupt_mode = "message"
        kw["cwd"] = self._runtime_dir  # bwrap's own; the kernel's is /submission inside
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # bwrap's own; --clearenv inside
        kw["pass_fds"] = (self._arguments_fd, self._info_writer)
        kw["stdout"] = kw["stderr"] = self._output_writer
        kw["stdin"] = subprocess.DEVNULL
        return kernel_cmd, kw

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        if len(command) < 3 or command[1] != "-m":
            raise SandboxUnavailable(f"cannot sandbox the kernel command {command!r}: "
                                     "expected `python -m MODULE ...`")
        environment = {name: self._requested_env[name] for name in KEPT_ENVIRONMENT
                       if name in self._requested_env}
        static = os.path.join(str(self._runtime_dir), "static")
        os.makedirs(static, exist_ok=True)
        plan = SandboxPlan(python=command[0], connection_file=self.connection_file, static_dir=static,
                           given=self._given, env=environment, tmp_size_mb=self.tmp_size_mb,
                           workdir_size_mb=self.workdir_size_mb)
        limits = [str(self.memory_limit_mb * 2**20), str(self.file_size_limit_mb * 2**20),
                  str(self.max_processes)]
        # bwrap takes options from the file; the command (which names no path of the grader's) stays here.
        self._arguments_fd = arguments_file(plan.build())
        kernel = [str(CONNECTION_FILE_INSIDE) if part == self.connection_file else part for part in command[2:]]
        inside = [plan.python_inside, "-c", LAUNCHER, *limits, str(GIVEN_INSIDE), *kernel]
        if self.use_cgroups and self._group is None:
            self._group = ResourceGroup.create(self.memory_limit_mb * 2**20, self.max_processes)
        bwrap = [check_bwrap(), "--info-fd", str(self._info_writer), "--args", str(self._arguments_fd), "--", *inside]
        return self._group.wrap(bwrap) if self._group else bwrap

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:  # the sandbox holds its own copies now
            for fd in (self._arguments_fd, self._info_writer, self._output_writer):
                os.close(fd)
            self._arguments_fd = None
        self._raw_output = []
        threading.Thread(target=self._drain, args=(self._output_reader,), daemon=True).start()
        try:
            child = _child_pid(self._info_reader)
        except SandboxUnavailable as problem:
            await asyncio.sleep(0.2)  # let the drain read what bwrap said
            raise SandboxUnavailable(f"{problem}: {self.raw_output()[:2000]}") from None
        # The kernel's sockets are in a tmpfs of the sandbox's own; the grader reaches them through
        # the sandbox's root as /proc shows it, so nothing on the grader's disks is writable inside.
        self.ip = f"/proc/{child}/root{IPC_INSIDE}/socket"

    def _drain(self, reader: int) -> None:
        """Keep the first RAW_OUTPUT_BYTES of what the sandbox writes on stdout and stderr."""
        kept = 0
        with os.fdopen(reader, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                if kept < RAW_OUTPUT_BYTES:
                    self._raw_output.append(chunk[:RAW_OUTPUT_BYTES - kept])
                    kept += len(self._raw_output[-1])

    def raw_output(self) -> str:
        """What the sandbox printed outside the kernel's messages, capped and escaped for a terminal."""
        return printable(b"".join(getattr(self, "_raw_output", [])).decode("utf-8", errors="replace"))

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self._group is not None:
            self._group.remove()
            self._group = None
        if not restart and self._runtime_dir:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
        text = self.raw_output()
        if text.strip():  # for debugging a sandbox; every line marked, so none can pass for the grader's
            self.log.debug("the sandboxed kernel printed outside its messages:\n%s",
                           "\n".join("  | " + line for line in text.splitlines()))


def _child_pid(reader: int) -> int:
    """bwrap's sandboxed child, from the JSON it writes on --info-fd (the read ends once it is written)."""
    data = b""
    with os.fdopen(reader, "rb", buffering=0) as stream:
        while b"}" not in data:
            chunk = stream.read(4096)
            if not chunk:
                break
            data += chunk
    try:
        return int(json.loads(data[:data.index(b"}") + 1])["child-pid"])
    except (ValueError, KeyError) as error:
        raise SandboxUnavailable(f"bwrap did not start its sandbox ({data[:200]!r})") from error
