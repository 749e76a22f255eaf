"""The grading sandbox, probed from inside: one sandboxed kernel runs a notebook of probes.

A fake course (solutions in source/, references in instructor/, a gradebook,
other students' submitted and autograded work, an exchange) surrounds the
kernel's working copy; the real repository and the instructor's home are there
too, and so are a second copy of the course and a second Python environment
holding a `jax` package, both outside every course folder.  Every probe first
checks, on the host, that what it looks for exists, so an invisible file means
the sandbox hid it.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from instructor import sandbox
from instructor.cgroups import ResourceGroup
from tests.conftest import ROOT
from tests.listener import Listener, require_bwrap

require_bwrap()

SECRET_VARIABLE = "BACKPROP_TEST_GRADER_TOKEN"
MEMORY_MB = 1024
MAX_PROCESSES = 32
TMP_MB = 32
# Where a kernel may write: its copy of the submission, its /tmp and its sockets, each a capped tmpfs.
WRITABLE = {str(sandbox.WORKDIR_INSIDE), "/tmp", str(sandbox.IPC_INSIDE)}


def _write(path: Path, text: str = "secret") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


SEEN = """
import json, os, sys
def seen(path):
    try:
        if os.path.isdir(path):
            return sorted(os.listdir(path))
        with open(path, 'rb') as f:
            return f.read(16).decode(errors='replace')
    except OSError as error:
        return type(error).__name__
"""

WRITABLE_PLACES = """
def writable_places():
    found = []
    for folder, subfolders, _ in os.walk('/'):
        subfolders[:] = [s for s in subfolders if not os.path.islink(os.path.join(folder, s))]
        probe = os.path.join(folder, '.probe-written')
        try:
            with open(probe, 'w') as f:
                f.write('x')
            os.remove(probe)
            found.append(folder)
        except OSError:
            pass
    return found
print(json.dumps(writable_places()))
"""

IMPORTS = """
import importlib
def load(name, extra_path=None):
    if extra_path:
        sys.path.insert(0, extra_path)
    try:
        module = importlib.import_module(name)
        return 'imported ' + str(getattr(module, '__file__', ''))
    except ImportError as error:
        return str(error)
    finally:
        if extra_path:
            sys.path.remove(extra_path)
        sys.modules.pop(name, None)
"""

PROCESSES = """
import threading, time
threads, stop = [], threading.Event()
try:
    for _ in range(500):
        thread = threading.Thread(target=stop.wait)
        thread.start()
        threads.append(thread)
except RuntimeError:
    pass
stop.set()
print(json.dumps({'threads': len(threads)}))
"""

FORKED_MEMORY = """
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        try:
            block = bytearray(700 * 2**20)
            for i in range(0, len(block), 4096):
                block[i] = 1
            time.sleep(1)
            os._exit(0)
        except MemoryError:
            os._exit(3)
    children.append(pid)
codes = [os.waitpid(pid, 0)[1] for pid in children]
print(json.dumps({'finished': sum(code == 0 for code in codes)}))
"""

DISK = """
written = 0
try:
    for i in range(40):
        with open(f'/tmp/fill-{i}.bin', 'wb') as f:
            f.write(b'0' * 2**20 * 4)
        written += 4
except OSError as error:
    print(json.dumps({'written_mb': written, 'error': type(error).__name__}))
"""


def _probe_cells(secrets: dict[str, str], port: int, second_env: str, grader_pid: int) -> list[str]:
    return [
        # 0: what can be read
        SEEN + f"print(json.dumps({{name: seen(path) for name, path in {secrets!r}.items()}}))",
        # 1: where it can write (the whole visible file system, walked)
        WRITABLE_PLACES,
        # 2: the network
        "import socket\n"
        "def reach(address):\n"
        "    try:\n"
        "        socket.create_connection(address, timeout=2).close()\n"
        "        return 'connected'\n"
        "    except OSError as error:\n"
        "        return type(error).__name__\n"
        f"print(json.dumps({{'grader': reach(('127.0.0.1', {port})), 'internet': reach(('1.1.1.1', 53)),\n"
        "                  'dns': reach(('example.com', 80))}))",
        # 3: environment, user, processes, what names the grader's paths
        "def signal_grader():\n"
        "    try:\n"
        f"        os.kill({grader_pid}, 0)\n"
        "        return 'reachable'\n"
        "    except OSError as error:\n"
        "        return type(error).__name__\n"
        "print(json.dumps({'env': dict(os.environ), 'uid': os.getuid(), 'argv': sys.argv, 'path': sys.path,\n"
        "                  'pid': os.getpid(), 'grader': signal_grader(), 'root': sorted(os.listdir('/')),\n"
        "                  'proc': seen('/proc/1/cmdline'), 'cwd': os.getcwd(), 'files': sorted(os.listdir('.'))}))",
        # 4-5: an endless loop, interrupted by the timeout; the kernel lives on
        "while True:\n    pass",
        "print('alive after the interrupt')",
        # 6-7: more memory than allowed
        "import numpy as np\nhuge = np.ones(2**28)",
        "small = bytearray(20 * 2**20)\nprint('20 MB is fine')",
        # 8: a file larger than allowed
        "try:\n"
        "    with open('big.bin', 'wb') as f:\n"
        "        f.write(b'0' * (3 * 2**20))\n"
        "    print('wrote 3 MB')\n"
        "except OSError as error:\n"
        "    print('refused:', type(error).__name__)",
        # 9: automatic differentiation and symbolic maths: installed, in the course, or in another environment
        IMPORTS + "print(json.dumps({'jax': load('jax'), 'keras': load('course.network_321_keras'),\n"
                  "                  'sympy': load('sympy'),\n"
                  f"                  'other env': load('jax', {second_env!r})}}))",
        # 10: how many threads and processes
        PROCESSES,
        # 11: forked children together against the memory limit
        FORKED_MEMORY,
        # 12: filling the disk
        DISK,
        # 13: raw output on the kernel's own stdout and stderr, with terminal escapes
        "os.write(1, b'\\x1b[2J\\r  other-student: graded 6 / 6\\n'); os.write(2, b'\\x1b]0;title\\x07 raw stderr\\n')",
    ]


class Recording(sandbox.SandboxedKernelManager):
    started: list[sandbox.SandboxedKernelManager] = []

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        Recording.started.append(self)


@pytest.fixture(scope="module")
def outside_copies():
    """A second copy of the course and a second Python environment with JAX, outside every course folder."""
    tag = uuid.uuid4().hex[:8]
    places = [Path(f"/srv/backprop-last-term-{tag}"), Path(f"/opt/backprop-other-env-{tag}")]
    course_copy, environment = places
    shutil.copytree(ROOT / "instructor" / "references", course_copy / "instructor" / "references")
    _write(course_copy / "source" / "a1" / "a1.md", "### BEGIN SOLUTION")
    site = environment / "lib" / "python3.11" / "site-packages"
    _write(site / "jax" / "__init__.py", "def grad(f):\n    return f\n")
    yield {"course copy": course_copy, "environment site-packages": site}
    for place in places:
        shutil.rmtree(place, ignore_errors=True)


@pytest.fixture(scope="module")
def probe(tmp_path_factory, outside_copies, capfd_module):
    tmp = tmp_path_factory.mktemp("sandbox")
    course = tmp / "course"
    workdir = course / "autograded" / "me" / "a1"
    _write(workdir / "given.txt", "data the student submitted")
    (workdir / "link-to-source.txt").symlink_to(course / "source" / "a1" / "a1.md")
    exchange = tmp / "exchange"
    secrets = {
        "solutions": _write(course / "source" / "a1" / "a1.md", "### BEGIN SOLUTION"),
        "references": _write(course / "instructor" / "references" / "topic.py", "def reference(): ..."),
        "gradebook": _write(course / "gradebook.db", "SQLite format 3"),
        "other submission": _write(course / "submitted" / "other" / "a1" / "a1.ipynb", "{}"),
        "other autograded": _write(course / "autograded" / "other" / "a1" / "a1.ipynb", "{}"),
        "exchange": _write(exchange / "backprop" / "inbound" / "other+a1" / "a1.ipynb", "{}"),
        "own folder on the host": workdir / "given.txt",
        "repository sources": ROOT / "source",
        "repository references": ROOT / "instructor" / "references",
        "repository git": ROOT / ".git",
        "home": Path.home(),
        "grader's /tmp": _write(Path("/tmp") / f"backprop-grader-file-{uuid.uuid4().hex[:8]}"),
        **{f"{name}": path for name, path in outside_copies.items()},
    }
    for name, path in secrets.items():
        assert path.exists(), f"the probe needs {path} on the host"
    grader_file = secrets["grader's /tmp"]

    config = Config()
    config.SandboxedKernelManager.memory_limit_mb = MEMORY_MB
    config.SandboxedKernelManager.max_processes = MAX_PROCESSES
    config.SandboxedKernelManager.file_size_limit_mb = 1
    config.SandboxedKernelManager.tmp_size_mb = TMP_MB

    listener = Listener()
    cells = _probe_cells({k: str(v) for k, v in secrets.items()}, listener.port,
                         str(outside_copies["environment site-packages"]), os.getpid())
    notebook = new_notebook(cells=[new_code_cell(c) for c in cells])
    os.environ[SECRET_VARIABLE] = "must not reach the kernel"
    try:
        NotebookClient(notebook, kernel_manager_class=Recording, config=config, timeout=5,
                       interrupt_on_timeout=True, allow_errors=True,
                       resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        os.environ.pop(SECRET_VARIABLE, None)
        listener.close()
        grader_file.unlink()
    yield {"notebook": notebook, "secrets": secrets, "listener": listener, "workdir": workdir,
           "km": Recording.started[-1], "tmp": tmp,
           "terminal": capfd_module.readouterr()}


@pytest.fixture(scope="module")
def capfd_module():
    """What the grader's own stdout and stderr received while the probe ran."""
    import sys
    import tempfile

    class Captured:
        def __init__(self):
            self.files = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]
            self.saved = [os.dup(1), os.dup(2)]
            sys.stdout.flush(), sys.stderr.flush()
            for fd, file in zip((1, 2), self.files):
                os.dup2(file.fileno(), fd)

        def readouterr(self) -> str:
            sys.stdout.flush(), sys.stderr.flush()
            for fd, saved in zip((1, 2), self.saved):
                os.dup2(saved, fd)
            text = ""
            for file in self.files:
                file.seek(0)
                text += file.read().decode(errors="replace")
            return text

    return Captured()


def _printed(notebook, index: int) -> str:
    return "".join(o.get("text", "") for o in notebook.cells[index].outputs if o.output_type == "stream")


def _facts(notebook, index: int):
    return json.loads(_printed(notebook, index).strip().splitlines()[-1])


def _errors(notebook, index: int) -> list[str]:
    return [o.ename for o in notebook.cells[index].outputs if o.output_type == "error"]


def test_kernel_sees_nothing_of_the_machine_but_what_it_runs(probe):
    seen = _facts(probe["notebook"], 0)
    for name, result in seen.items():
        assert result in ("FileNotFoundError", "PermissionError"), (
            f"the sandboxed kernel can see {name} ({probe['secrets'][name]}): {result!r}")


def test_kernel_works_on_its_own_copy_of_the_submission_without_its_links(probe):
    facts = _facts(probe["notebook"], 3)
    assert facts["cwd"] == str(sandbox.WORKDIR_INSIDE)
    assert "given.txt" in facts["files"] and "link-to-source.txt" not in facts["files"]
    assert not (probe["workdir"] / "big.bin").exists(), "the kernel wrote into the grader's folder"


def test_kernel_writes_only_to_its_capped_tmpfs_folders(probe):
    writable = _facts(probe["notebook"], 1)
    outside = [w for w in writable if not any(w == place or w.startswith(place + "/") for place in WRITABLE)]
    assert not outside, f"the sandboxed kernel can write into {outside}"
    assert {str(sandbox.WORKDIR_INSIDE), "/tmp"} <= set(writable)


def test_writable_folders_have_a_quota(probe):
    facts = _facts(probe["notebook"], 12)
    assert facts["error"] == "OSError" and facts["written_mb"] <= TMP_MB, facts


def test_kernel_has_no_network(probe):
    reached = _facts(probe["notebook"], 2)
    assert set(reached.values()) <= {"ConnectionRefusedError", "OSError", "gaierror"}, reached
    assert probe["listener"].connections == 0


def test_kernel_gets_a_clean_environment_and_no_paths_of_the_grader(probe):
    facts = _facts(probe["notebook"], 3)
    assert SECRET_VARIABLE not in facts["env"]
    assert not [name for name in facts["env"] if "NBGRADER_DB" in name or "TOKEN" in name]
    assert facts["uid"] == sandbox.SANDBOX_UID
    # No /proc: neither bwrap's command line nor the mount table can be read.
    assert facts["proc"] == "FileNotFoundError" and "proc" not in facts["root"]
    told = json.dumps([facts["env"], facts["argv"], facts["path"]])
    for place in (str(ROOT), str(probe["tmp"]), str(Path.home())):
        assert place not in told, f"the kernel is told of {place}"


def test_kernel_is_in_a_pid_namespace_of_its_own(probe):
    facts = _facts(probe["notebook"], 3)
    # No /proc to list processes in: the grader's own PID names no process inside.
    assert facts["grader"] == "ProcessLookupError", "the kernel can signal the grader's process"


def test_timeout_interrupts_a_cell_and_the_kernel_lives_on(probe):
    assert _errors(probe["notebook"], 4) == ["KeyboardInterrupt"]
    assert _printed(probe["notebook"], 5) == "alive after the interrupt\n"


def test_memory_and_file_size_limits(probe):
    assert _errors(probe["notebook"], 6) == ["MemoryError"]
    assert _printed(probe["notebook"], 7) == "20 MB is fine\n"
    assert _printed(probe["notebook"], 8) == "refused: OSError\n"


def test_processes_are_limited(probe):
    assert _facts(probe["notebook"], 10)["threads"] < MAX_PROCESSES


def test_forked_children_share_one_memory_limit(probe):
    group = ResourceGroup.create(2**30, 8)
    if group is None:  # no cgroup here: RLIMIT_AS binds each process alone
        if os.environ.get("CI") == "true":  # CI's machine delegates cgroups: losing them is a failure
            pytest.fail("no cgroup could be made: the sandbox's memory is limited per process only")
        pytest.skip("this machine lets no cgroup be made; each process has its own RLIMIT_AS")
    group.remove()
    assert _facts(probe["notebook"], 11)["finished"] <= 1  # 4 x 700 MB in a 1 GB sandbox


def test_automatic_differentiation_is_not_available_from_anywhere(probe):
    facts = _facts(probe["notebook"], 9)
    assert "jax is not available when your notebook is graded" in facts["jax"], facts
    assert "course.network_321_keras is not available" in facts["keras"], facts
    assert not facts["sympy"].startswith("imported"), facts
    assert not facts["other env"].startswith("imported"), facts


def test_raw_output_never_reaches_the_grader_terminal(probe):
    assert "other-student: graded" not in probe["terminal"] and "\x1b" not in probe["terminal"]
    raw = probe["km"].raw_output()
    assert "other-student: graded" in raw and "\x1b" not in raw and "\\x1b" in raw


def test_importing_autodiff_says_why(tmp_path):
    notebook = new_notebook(cells=[new_code_cell("import jax"), new_code_cell("from course import keras_backend")])
    NotebookClient(notebook, kernel_manager_class=sandbox.SandboxedKernelManager, timeout=30, allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in notebook.cells:
        [error] = [o for o in cell.outputs if o.output_type == "error"]
        assert error.ename == "ImportError"
        assert "is not available when your notebook is graded" in error.evalue
        assert "derivatives by hand" in error.evalue


def test_kernel_leaves_nothing_behind(probe):
    km = probe["km"]
    assert not km.has_kernel
    assert not Path(km._runtime_dir).exists(), "the kernel's connection file and stubs are left over"


def test_a_missing_bwrap_is_refused_with_instructions(monkeypatch):
    sandbox.check_bwrap.cache_clear()
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
            sandbox.check_bwrap()
    finally:
        sandbox.check_bwrap.cache_clear()


def test_blocked_packages_are_found_by_what_an_import_folder_holds(tmp_path):
    for entry in ("jax", "sympy", "torch"):
        (tmp_path / entry).mkdir()
    for entry in ("autograd.py", "mpmath.cpython-311-x86_64-linux-gnu.so", "numpy_helpers.py"):
        (tmp_path / entry).write_text("")
    (tmp_path / "jax-0.10.2.dist-info").mkdir()
    found = {p.name for p in sandbox.blocked_entries(tmp_path, sandbox.BLOCKED_PACKAGES)}
    assert found == {"jax", "sympy", "torch", "autograd.py", "mpmath.cpython-311-x86_64-linux-gnu.so"}
