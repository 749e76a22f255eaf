"""The grading sandbox, probed from inside: one sandboxed kernel runs a notebook of probes.

A fake course (solutions in source/, references in instructor/, a gradebook,
other students' submitted and autograded work, an exchange, a gradebook kept
elsewhere) surrounds the kernel's working copy; the real repository and the
instructor's home are there too.  Every probe first checks, on the host, that
what it looks for exists, so an invisible file means the sandbox hid it.
"""
from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from instructor import sandbox
from tests.conftest import ROOT

if sandbox.bwrap_path() is None:
    if os.environ.get("CI") == "true":
        pytest.fail("bubblewrap (bwrap) is missing: CI must grade in the sandbox "
                    "(bootstrap.sh test installs it)", pytrace=False)
    pytest.skip("bubblewrap (bwrap) is not installed", allow_module_level=True)

SECRET_VARIABLE = "BACKPROP_TEST_GRADER_TOKEN"


def _write(path: Path, text: str = "secret") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


class Listener:
    """A TCP server on the grader's loopback that counts who reaches it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.server.close()


def _probe_cells(secrets: dict[str, str], writes: dict[str, str], port: int, blocked: list[str]) -> list[str]:
    return [
        # 0: what can be read
        "import json, os\n"
        "def seen(path):\n"
        "    try:\n"
        "        if os.path.isdir(path):\n"
        "            return sorted(os.listdir(path))\n"
        "        with open(path, 'rb') as f:\n"
        "            return f.read(16).decode(errors='replace')\n"
        "    except OSError as error:\n"
        "        return type(error).__name__\n"
        f"print(json.dumps({{name: seen(path) for name, path in {secrets!r}.items()}}))",
        # 1: where it can write
        "def write(path):\n"
        "    try:\n"
        "        with open(path, 'w') as f:\n"
        "            f.write('written by the sandbox')\n"
        "        return 'written'\n"
        "    except OSError as error:\n"
        "        return type(error).__name__\n"
        f"print(json.dumps({{name: write(path) for name, path in {writes!r}.items()}}))",
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
        # 3: environment, user, processes
        "print(json.dumps({'env': sorted(os.environ), 'uid': os.getuid(),\n"
        "                  'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),\n"
        "                  'pid_namespace': os.readlink('/proc/self/ns/pid')}))",
        # 4-5: an endless loop, interrupted by the timeout; the kernel lives on
        "while True:\n    pass",
        "print('alive after the interrupt')",
        # 6: more memory than allowed
        "import numpy as np\nhuge = np.ones(2**28)",
        "small = bytearray(20 * 2**20)\nprint('20 MB is fine')",
        # 8: a file larger than allowed
        "try:\n"
        "    with open('big.bin', 'wb') as f:\n"
        "        f.write(b'0' * (3 * 2**20))\n"
        "    print('wrote 3 MB')\n"
        "except OSError as error:\n"
        "    print('refused:', type(error).__name__)",
        # 9: automatic differentiation, by import and by the files themselves
        "import importlib, sys\n"
        "def load(name):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "        return 'imported'\n"
        "    except ImportError as error:\n"
        "        return str(error)\n"
        f"print(json.dumps({{'jax': load('jax'), 'keras': load('course.network_321_keras'),\n"
        f"                  'files': {{path: seen(path) for path in {blocked!r}}}}}))",
    ]


class Recording(sandbox.SandboxedKernelManager):
    started: list[sandbox.SandboxedKernelManager] = []

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        Recording.started.append(self)


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sandbox")
    course = tmp / "course"
    workdir = course / "autograded" / "me" / "a1"
    _write(workdir / "given.txt", "data the student submitted")
    exchange = tmp / "exchange"
    database = _write(tmp / "elsewhere" / "gradebook.db", "SQLite format 3")
    secrets = {
        "solutions": _write(course / "source" / "a1" / "a1.md", "### BEGIN SOLUTION"),
        "references": _write(course / "instructor" / "references" / "topic.py", "def reference(): ..."),
        "gradebook": _write(course / "gradebook.db", "SQLite format 3"),
        "other submission": _write(course / "submitted" / "other" / "a1" / "a1.ipynb", "{}"),
        "other autograded": _write(course / "autograded" / "other" / "a1" / "a1.ipynb", "{}"),
        "exchange": _write(exchange / "backprop" / "inbound" / "other+a1" / "a1.ipynb", "{}"),
        "gradebook elsewhere": database,
        "repository sources": ROOT / "source",
        "repository references": ROOT / "instructor" / "references",
        "repository git": ROOT / ".git",
        "home": Path.home(),
        "own working copy": workdir / "given.txt",
    }
    for name, path in secrets.items():
        assert path.exists(), f"the probe needs {path} on the host"
    writes = {"course root": course / "planted.txt", "repository": ROOT / "planted.txt",
              "home": Path.home() / "planted.txt", "exchange": exchange / "planted.txt",
              "working copy": workdir / "made_here.txt", "private tmp": Path("/tmp/private.txt")}

    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{database}"
    config.Exchange.root = str(exchange)
    hidden, hidden_files = sandbox.policy_from_config(config)
    config.SandboxedKernelManager.hidden = hidden
    config.SandboxedKernelManager.hidden_files = hidden_files
    config.SandboxedKernelManager.memory_limit_mb = 1024
    config.SandboxedKernelManager.file_size_limit_mb = 1

    listener = Listener()
    blocked = sandbox.module_paths(["jax", "course.network_321_keras"])[:2]  # a package, a module
    assert all(Path(p).exists() for p in blocked), blocked
    cells = _probe_cells({k: str(v) for k, v in secrets.items()}, {k: str(v) for k, v in writes.items()},
                         listener.port, blocked)
    notebook = new_notebook(cells=[new_code_cell(c) for c in cells])
    os.environ[SECRET_VARIABLE] = "must not reach the kernel"
    try:
        NotebookClient(notebook, kernel_manager_class=Recording, config=config, timeout=3,
                       interrupt_on_timeout=True, allow_errors=True,
                       resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        os.environ.pop(SECRET_VARIABLE, None)
        listener.close()
    yield {"notebook": notebook, "secrets": secrets, "writes": writes, "listener": listener,
           "workdir": workdir, "km": Recording.started[-1]}
    for path in writes.values():
        if path.parent != workdir and path.exists() and path.read_text() == "written by the sandbox":
            path.unlink()


def _printed(notebook, index: int) -> str:
    return "".join(o.get("text", "") for o in notebook.cells[index].outputs if o.output_type == "stream")


def _errors(notebook, index: int) -> list[str]:
    return [o.ename for o in notebook.cells[index].outputs if o.output_type == "error"]


def test_kernel_cannot_see_the_course_the_gradebook_other_submissions_or_the_home(probe):
    seen = json.loads(_printed(probe["notebook"], 0))
    assert seen.pop("own working copy") == "data the student"  # its first 16 bytes
    home = seen.pop("home")
    # The home holds at most the folders leading to what the kernel must run (the Python installation).
    shown = [Path(p) for p in sandbox.default_shown()]
    assert all(any(Path.home() / entry in [s, *s.parents] for s in shown) for entry in home), home
    for name, result in seen.items():
        assert result in ("FileNotFoundError", "PermissionError", []), (
            f"the sandboxed kernel can read {name}: {result!r}")


def test_kernel_writes_only_to_its_working_copy_and_a_private_tmp(probe):
    written = json.loads(_printed(probe["notebook"], 1))
    assert written.pop("working copy") == "written"
    assert (probe["workdir"] / "made_here.txt").read_text() == "written by the sandbox"
    assert written.pop("private tmp") == "written"
    assert not Path("/tmp/private.txt").exists(), "the kernel's /tmp is the grader's"
    for name, result in written.items():
        assert result != "written", f"the sandboxed kernel wrote into the {name}"
        assert not probe["writes"][name].exists()


def test_kernel_has_no_network(probe):
    reached = json.loads(_printed(probe["notebook"], 2))
    assert set(reached.values()) <= {"ConnectionRefusedError", "OSError", "gaierror"}, reached
    assert "connected" not in reached.values()
    assert probe["listener"].connections == 0


def test_kernel_gets_a_clean_environment_no_privileges_and_no_other_processes(probe):
    facts = json.loads(_printed(probe["notebook"], 3))
    assert SECRET_VARIABLE not in facts["env"]
    assert not [name for name in facts["env"] if "NBGRADER_DB" in name or "TOKEN" in name]
    assert facts["uid"] == sandbox.SANDBOX_UID
    # Its own PID namespace (so /proc lists none of the machine's processes), not small PIDs by luck.
    assert facts["pid_namespace"] != os.readlink("/proc/self/ns/pid"), f"the kernel sees other processes: {facts['pids']}"


def test_timeout_interrupts_a_cell_and_the_kernel_lives_on(probe):
    assert _errors(probe["notebook"], 4) == ["KeyboardInterrupt"]
    assert _printed(probe["notebook"], 5) == "alive after the interrupt\n"


def test_memory_and_file_size_limits(probe):
    assert _errors(probe["notebook"], 6) == ["MemoryError"]
    assert _printed(probe["notebook"], 7) == "20 MB is fine\n"
    assert _printed(probe["notebook"], 8) == "refused: OSError\n"
    assert (probe["workdir"] / "big.bin").stat().st_size <= 2**20


def test_automatic_differentiation_is_not_available(probe):
    notebook = probe["notebook"]
    facts = json.loads(_printed(notebook, 9))
    assert "jax is not available when your notebook is graded" in facts["jax"], facts
    assert "course.network_321_keras is not available" in facts["keras"], facts
    # What stands in their place is the stub, not a file of theirs.
    package, module = facts["files"].values()
    assert package == ["__init__.py"] and module == "raise ImportErro"  # its first 16 bytes, facts["files"]


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
    assert not Path(km._runtime_dir).exists(), "the kernel's sockets and connection file are left over"


def test_a_missing_bwrap_is_refused_with_instructions(monkeypatch):
    sandbox.check_bwrap.cache_clear()
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
            sandbox.check_bwrap()
    finally:
        sandbox.check_bwrap.cache_clear()


def test_bwrap_hides_folders_before_showing_what_the_kernel_needs(tmp_path):
    hidden_folder = tmp_path / "course"
    (hidden_folder / "course").mkdir(parents=True)
    gradebook_elsewhere = _write(tmp_path / "elsewhere" / "gradebook.db")  # outside the hidden folders
    args = sandbox.bwrap_arguments(workdir=str(tmp_path), runtime_dir=str(tmp_path),
                                   hidden=[str(hidden_folder)],
                                   hidden_files=[str(gradebook_elsewhere), str(hidden_folder / "missing.db")],
                                   shown=[str(hidden_folder / "course")], env={}, tmp_size_mb=8)
    flat = " ".join(args)
    assert f"--tmpfs {hidden_folder} " in flat and f"--remount-ro {hidden_folder} " in flat
    assert f"--ro-bind /dev/null {gradebook_elsewhere} " in flat and "missing.db" not in flat
    assert flat.index(f"--tmpfs {hidden_folder} ") < flat.index(f"--ro-bind {hidden_folder / 'course'} ")
    assert "--unshare-all" in args and "--clearenv" in args and "--new-session" in args
