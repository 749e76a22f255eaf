"""python -m instructor.server install|start|stop|status: the course for a whole class on one machine.

  install ROSTER [--prefix DIR] [--port N] [--db-url URL]   (as root; running it again is harmless)
  start | stop | status [--prefix DIR]

`install` reads the roster (CSV: username,role,first_name,last_name,email; role is
student, grader or instructor), checks every line and every account before changing
anything, then sets up under PREFIX (default /opt/backprop):

  venv/      Debian's python3.11 venv every user can run: JupyterHub, the idle culler,
             JupyterLab, nbgrader, the `course` package (never `instructor`)
  proxy/     configurable-http-proxy from npm
  course/    the instructor's copy of the course (root:GRADERS, 2770: graders only)
  exchange/  nbgrader's shared exchange (1777, as nbgrader's docs give it)
  etc/       per-role Jupyter settings; the system-wide nbgrader_config.py is in venv/etc/jupyter
  bin/       `nbgrader` and `instructor` for graders, run in the course folder
  hub/       JupyterHub's config, state, secrets and log (root only)

A Unix account for every roster line (a random first password, in hub/initial-passwords.csv,
mode 600), the graders group, and the roster's names and emails in the gradebook.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import grp
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from instructor import notebooks

REPO = notebooks.ROOT
COURSE_ID = "backprop"
DEFAULT_PREFIX = Path("/opt/backprop")
DEBIAN_PYTHON = "/usr/bin/python3.11"
PROXY_PACKAGE = "configurable-http-proxy@5.3.0"
ROLES = ("student", "grader", "instructor")
COLUMNS = ("username", "role", "first_name", "last_name", "email")
# useradd's own rule, made stricter: lowercase, starts with a letter, at most 32 characters.
USERNAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+")
# The course folder's files the server copy needs to generate, release and grade.
COURSE_COPY = notebooks.COURSE_FILES + ("release", "course")
# JupyterLab plugins and server extensions students do not get (nbgrader's authoring and grading tools).
STUDENT_DISABLED_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                            "@jupyter/nbgrader:course-list")
STUDENT_DISABLED_SERVER = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")
# Formgrader is an iframe inside JupyterLab: a grader's server must allow framing by its own origin (nbgrader #1870).
GRADER_CSP = "frame-ancestors 'self'"
# A terminal's shell keeps the server's environment (PATH with bin/ and the venv); JupyterLab's default
# under a spawner is a login shell, and Debian's /etc/profile resets PATH.
TERMINAL = {"shell_command": ["/bin/bash"]}


class SetupError(Exception):
    """Something the administrator must fix; nothing has been changed."""


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    first_name: str
    last_name: str
    email: str

    @property
    def grades(self) -> bool:
        return self.role in ("grader", "instructor")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def read_roster(path: Path) -> list[Person]:
    """Every person on the roster; SetupError naming each bad line (all of them, not just the first)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SetupError(f"cannot read the roster {path}: {error}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or [h.strip().lower() for h in rows[0]] != list(COLUMNS):
        raise SetupError(f"{path}: the first line must be the header {','.join(COLUMNS)}")
    people, problems, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path.name} line {number}"
        if len(row) != len(COLUMNS):
            problems.append(f"{where}: {len(row)} fields, expected {len(COLUMNS)} ({','.join(COLUMNS)})")
            continue
        person = Person(*(cell.strip() for cell in row))
        if not USERNAME.fullmatch(person.username):
            problems.append(f"{where}: {person.username!r} is not a valid username "
                            "(lowercase letters, digits, '-' and '_', starting with a letter, at most 32)")
        if person.role not in ROLES:
            problems.append(f"{where}: role {person.role!r} is not one of {', '.join(ROLES)}")
        if not EMAIL.fullmatch(person.email):
            problems.append(f"{where}: {person.email!r} is not an email address")
        for name in (person.first_name, person.last_name):
            if not name or any(ch in name for ch in ":\n"):
                problems.append(f"{where}: names must be non-empty and contain no ':'")
                break
        if person.username in seen:
            problems.append(f"{where}: {person.username} is already on line {seen[person.username]}")
        seen.setdefault(person.username, number)
        people.append(person)
    if problems:
        raise SetupError("the roster has problems; nothing was changed:\n  " + "\n  ".join(problems))
    if not people:
        raise SetupError(f"{path}: the roster lists nobody")
    return people


class Server:
    """The class server's files under one prefix."""

    def __init__(self, prefix: Path):
        self.prefix = prefix.resolve()
        self.venv, self.proxy = self.prefix / "venv", self.prefix / "proxy"
        self.course, self.exchange = self.prefix / "course", self.prefix / "exchange"
        self.etc, self.bin, self.hub = self.prefix / "etc", self.prefix / "bin", self.prefix / "hub"
        self.settings_path = self.hub / "server.json"
        self.accounts_path = self.hub / "accounts.json"  # the accounts this installer created
        self.passwords_path = self.hub / "initial-passwords.csv"
        self.log_path = self.hub / "jupyterhub.log"
        self.pid_path = self.hub / "jupyterhub.pid"

    # -- state --
    def settings(self) -> dict:
        if not self.settings_path.exists():
            raise SetupError(f"no server is installed under {self.prefix} (run install first)")
        return json.loads(self.settings_path.read_text())

    def managed_accounts(self) -> set[str]:
        return set(json.loads(self.accounts_path.read_text())) if self.accounts_path.exists() else set()

    # -- install steps, each skipped when already done --
    def build_venv(self) -> None:
        requirements = REPO / "hub" / "requirements.txt"
        stamp = self.venv / f".installed-{_digest(requirements, REPO / 'pyproject.toml', *sorted((REPO / 'course').glob('*.py')))}"
        if stamp.exists():
            log("venv: up to date")
            return
        if not (self.venv / "bin" / "python").exists():
            log(f"venv: creating {self.venv} from Debian's {DEBIAN_PYTHON}")
            _run([DEBIAN_PYTHON, "-m", "venv", str(self.venv)])
        log("venv: installing the pinned packages (hub/requirements.txt) and the course package")
        pip = [str(self.venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        _run(pip + ["-r", str(requirements)])
        # Not editable: students' servers import `course` from the venv, never from the course folder.
        _run(pip + ["--no-deps", "--no-build-isolation", "--force-reinstall", str(REPO)], cwd="/")
        site = Path(_output([str(self.venv / "bin" / "python"), "-c",
                             "import sysconfig; print(sysconfig.get_paths()['purelib'])"]))
        # As bootstrap.sh does for .venv: nbformat need not build a parser it never uses (3 s per command).
        shutil.copy(REPO / "tools" / "lazy_rfc3987.py", site / "course_lazy_rfc3987.py")
        (site / "course_lazy_rfc3987.pth").write_text("import course_lazy_rfc3987\n")
        for old in self.venv.glob(".installed-*"):
            old.unlink()
        stamp.touch()

    def install_proxy(self) -> None:
        binary = self.proxy / "node_modules" / ".bin" / "configurable-http-proxy"
        if binary.exists():
            log("proxy: configurable-http-proxy is installed")
            return
        log(f"proxy: npm install {PROXY_PACKAGE}")
        _run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(self.proxy), PROXY_PACKAGE])

    def copy_course(self) -> None:
        if self.course.exists():
            log(f"course: {self.course} exists, left as it is (the instructors' edits and grades stay)")
        else:
            log(f"course: copying the course into {self.course}")
            notebooks.copy_course(self.course, also=tuple(n for n in COURSE_COPY if n not in notebooks.COURSE_FILES))

    def share_course(self, group: str) -> None:
        """The course folder for the graders group only."""
        gid = grp.getgrnam(group).gr_gid
        # Graders share everything in it; the setgid bit keeps new files in their group.
        for path in [self.course, *self.course.rglob("*")]:
            os.lchown(path, -1, gid)
            if not path.is_symlink():
                mode = path.stat().st_mode
                os.chmod(path, (mode | 0o060 | (0o2010 if path.is_dir() else 0)) & ~0o007)
        os.chmod(self.course, 0o2770)
        # A default ACL gives the group write access whatever a grader's umask (SQLite's gradebook needs it).
        if shutil.which("setfacl"):
            _run(["setfacl", "-R", "-d", "-m", f"g:{group}:rwX,o::---", str(self.course)])

    def write_configs(self, settings: dict) -> None:
        for folder in (self.hub, self.etc / "student" / "labconfig", self.etc / "grader", self.bin,
                       self.venv / "etc" / "jupyter"):
            folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.hub, 0o700)
        _write(self.settings_path, json.dumps(settings, indent=2) + "\n", 0o600)
        _write(self.hub / "jupyterhub_config.py", (REPO / "hub" / "jupyterhub_config.py").read_text(), 0o600)
        secret = self.hub / "jupyterhub_cookie_secret"
        if not secret.exists():
            _write(secret, secrets.token_hex(32) + "\n", 0o600)
        os.chmod(secret, 0o600)
        # Read by every user's nbgrader (a Jupyter config folder of the venv): the shared exchange.
        _write(self.venv / "etc" / "jupyter" / "nbgrader_config.py", _NBGRADER_SYSTEM.format(
            course_id=COURSE_ID, exchange=self.exchange, late_penalty=settings["late_penalty"]), 0o644)
        _write(self.etc / "student" / "jupyter_server_config.json", json.dumps(
            {"ServerApp": {"jpserver_extensions": {name: False for name in STUDENT_DISABLED_SERVER},
                           "terminado_settings": TERMINAL}}, indent=2) + "\n", 0o644)
        _write(self.etc / "student" / "labconfig" / "page_config.json", json.dumps(
            {"disabledExtensions": {name: True for name in STUDENT_DISABLED_PLUGINS}}, indent=2) + "\n", 0o644)
        _write(self.etc / "grader" / "nbgrader_config.py", _NBGRADER_GRADERS.format(course=self.course), 0o644)
        _write(self.etc / "grader" / "jupyter_server_config.json", json.dumps(
            {"ServerApp": {"tornado_settings": {"headers": {"Content-Security-Policy": GRADER_CSP}},
                           "terminado_settings": TERMINAL}},
            indent=2) + "\n", 0o644)
        for command, program in (("nbgrader", f'"{self.venv}/bin/nbgrader"'),
                                 ("instructor", f'"{self.venv}/bin/python" -m instructor')):
            # Graders only: a PostgreSQL URL may carry a password.
            _write(self.bin / command, _WRAPPER.format(course=self.course, exchange=self.exchange, etc=self.etc,
                                                       db_url=settings["db_url"], program=program), 0o750)
            os.chown(self.bin / command, -1, grp.getgrnam(settings["graders_group"]).gr_gid)

    def make_exchange(self) -> None:
        self.exchange.mkdir(parents=True, exist_ok=True)
        os.chmod(self.exchange, 0o1777)  # nbgrader's docs: world-writable; sticky, so nobody removes another's

    def add_to_gradebook(self, people: list[Person], db_url: str) -> None:
        """The roster's students, with their names and emails, in the gradebook.

        Assignments enter it when an instructor generates them (nbgrader generate_assignment),
        so that formgrader's totals count only the assignments of the term so far.
        """
        script = ("import json, sys\nfrom nbgrader.api import Gradebook\n"
                  "with Gradebook(sys.argv[2]) as gb:\n"
                  "    for p in json.loads(sys.argv[1]):\n"
                  "        gb.update_or_create_student(p['username'], first_name=p['first_name'],"
                  " last_name=p['last_name'], email=p['email'])\n")
        students = [p.__dict__ for p in people if p.role == "student"]
        log(f"gradebook: {len(students)} students, with names and emails ({db_url})")
        env = {**os.environ, "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
        _run([str(self.venv / "bin" / "python"), "-c", script, json.dumps(students), db_url], cwd=self.course, env=env)


def _digest(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _run(command: list[str], **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        shown = " ".join(arg if len(arg) < 80 else arg[:60] + "..." for arg in command)
        raise SetupError(f"{shown} failed ({done.returncode}):\n"
                         f"{(done.stdout + done.stderr)[-3000:]}")


def _output(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def _write(path: Path, text: str, mode: int) -> None:
    """Write `text` with `mode`, never through a link an earlier run or another user left there."""
    temporary = path.with_name(f".{path.name}.new")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


_NBGRADER_SYSTEM = '''"""nbgrader's system-wide configuration on the class server (written by instructor/server.py)."""
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{course_id}"
c.Exchange.root = "{exchange}"
# A resubmission replaces the collected copy (nbgrader's `collect --update`), so autograde grades the newest.
c.ExchangeCollect.update = True
# Submissions sit in an inbound folder nobody but the instructor can list, under names nobody can guess.
c.ExchangeSubmit.add_random_string = True
# A submission after its assignment's due date (nbgrader db assignment add A --duedate=...) is marked late;
# "zero" takes every point of a late submission, "none" only marks it.
c.LateSubmissionPlugin.penalty_method = "{late_penalty}"
'''

_NBGRADER_GRADERS = '''"""nbgrader for graders on the class server (written by instructor/server.py)."""
c = get_config()  # noqa: F821
# Formgrader reads nbgrader's configuration from the server's working directory, a grader's home:
# the course's own configuration (grading pipeline, sandbox, limits) is loaded from here instead.
load_subconfig("{course}/nbgrader_config.py")  # noqa: F821
# Collect neither links nor a submission in another student's name (instructor/exchange.py).
c.ExchangeFactory.collect = "instructor.exchange.SafeCollect"
# `nbgrader export` lists released assignments only: no 0 for an assignment nobody could submit yet.
c.ExportApp.plugin_class = "instructor.export.ReleasedCsvExport"
'''

_WRAPPER = '''#!/bin/sh
# Run in the course folder with the class server's exchange and gradebook (written by instructor/server.py).
cd "{course}" || exit 1
umask 0007  # what one grader writes, the others can change (the gradebook, submitted/, autograded/)
JUPYTER_CONFIG_PATH="{etc}/grader" NBGRADER_EXCHANGE="{exchange}" NBGRADER_DB_URL="{db_url}" \\
  exec {program} "$@"
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check_prerequisites() -> None:
    if os.geteuid() != 0:
        raise SetupError("run install as root (it creates Unix accounts and a group)")
    missing = [tool for tool in ("useradd", "npm", "bwrap") if not shutil.which(tool)]
    if not os.access(DEBIAN_PYTHON, os.X_OK):
        missing.append(f"{DEBIAN_PYTHON} (apt-get install python3.11 python3.11-venv)")
    if missing:
        raise SetupError("missing: " + ", ".join(missing) + "; nothing was changed")


def _check_accounts(people: list[Person], managed: set[str]) -> None:
    taken = []
    for person in people:
        try:
            account = pwd.getpwnam(person.username)
        except KeyError:
            continue
        if person.username not in managed:
            taken.append(f"{person.username} (uid {account.pw_uid}, {account.pw_gecos or 'no name'})")
    if taken:
        raise SetupError("these accounts already exist and were not made by this installer; rename them "
                         "in the roster or remove the accounts. Nothing was changed:\n  " + "\n  ".join(taken))


def _create_accounts(server: Server, people: list[Person], group: str) -> None:
    """Create the missing accounts; on any failure remove the ones this run made (no partial setup)."""
    managed, created, passwords = server.managed_accounts(), [], []
    new_group = not _group_exists(group)
    try:
        if new_group:
            _run(["groupadd", group])
        for person in people:
            if person.username in managed:
                continue
            _run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment",
                  f"{person.first_name} {person.last_name}", person.username])
            created.append(person.username)
            password = secrets.token_urlsafe(12)
            subprocess.run(["chpasswd"], input=f"{person.username}:{password}\n", text=True, check=True)
            passwords.append((person.username, password))
        for person in people:
            home = Path(pwd.getpwnam(person.username).pw_dir)
            os.chmod(home, 0o700)  # nobody reads another's work
            member = person.username in grp.getgrnam(group).gr_mem
            if person.grades and not member:
                _run(["gpasswd", "--add", person.username, group])
            elif not person.grades and member:
                _run(["gpasswd", "--delete", person.username, group])
        _write(server.accounts_path, json.dumps(sorted(managed | set(created))) + "\n", 0o600)
    except BaseException:
        for username in created:
            subprocess.run(["userdel", "--remove", username], capture_output=True)
        if new_group:
            subprocess.run(["groupdel", group], capture_output=True)
        raise
    if passwords:
        old = server.passwords_path.read_text() if server.passwords_path.exists() else "username,password\n"
        _write(server.passwords_path, old + "".join(f"{u},{p}\n" for u, p in passwords), 0o600)
        log(f"accounts: {len(created)} created; their first passwords are in {server.passwords_path}")
    else:
        log("accounts: every roster account exists")


def install(roster: Path, prefix: Path, port: int, ip: str, db_url: str | None, cull_timeout: int,
            group: str = f"nbgrader-{COURSE_ID}", late_penalty: str = "none") -> int:
    people = read_roster(roster)
    if db_url and db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg2://" + db_url[len("postgresql://"):]  # SQLAlchemy 2.1 would want psycopg 3
    server = Server(prefix)
    _check_prerequisites()
    _check_accounts(people, server.managed_accounts())
    old = json.loads(server.settings_path.read_text()) if server.settings_path.exists() else {}
    settings = {
        "prefix": str(server.prefix), "ip": ip, "port": port,
        "hub_port": old.get("hub_port") or _free_port(), "proxy_api_port": old.get("proxy_api_port") or _free_port(),
        "graders_group": group, "cull_timeout": cull_timeout, "late_penalty": late_penalty,
        "db_url": db_url or old.get("db_url") or f"sqlite:///{server.course / 'gradebook.db'}",
        "students": sorted(p.username for p in people if p.role == "student"),
        "graders": sorted(p.username for p in people if p.grades),
        "instructors": sorted(p.username for p in people if p.role == "instructor"),
    }
    log(f"roster: {len(settings['students'])} students, {len(settings['graders'])} graders; prefix {server.prefix}")
    server.hub.mkdir(parents=True, exist_ok=True)
    os.chmod(server.prefix, 0o755)
    os.chmod(server.hub, 0o700)
    # The slow, network-bound steps first: if one fails, no account exists yet.
    server.build_venv()
    server.install_proxy()
    _create_accounts(server, people, group)
    server.copy_course()
    server.make_exchange()
    server.write_configs(settings)
    server.add_to_gradebook(people, settings["db_url"])
    server.share_course(group)
    if _running_pid(server):
        log("installed; JupyterHub is running: stop and start it to apply a changed roster")
    else:
        log(f"installed: start it with `python -m instructor.server start --prefix {server.prefix}`")
    return 0


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def _running_pid(server: Server) -> int | None:
    try:
        pid = int(server.pid_path.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start(prefix: Path, wait: float = 120) -> int:
    server = Server(prefix)
    settings = server.settings()
    if _running_pid(server):
        log(f"JupyterHub is already running (pid {_running_pid(server)})")
        return 0
    log(f"starting JupyterHub on port {settings['port']}; log: {server.log_path}")
    with open(server.log_path, "a") as output:
        process = subprocess.Popen(
            [str(server.venv / "bin" / "jupyterhub"), "-f", str(server.hub / "jupyterhub_config.py")],
            cwd=server.hub, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, "PATH": f"{server.venv / 'bin'}:/usr/bin:/bin"})
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SetupError(f"JupyterHub exited ({process.returncode}); the end of its log:\n"
                             + server.log_path.read_text()[-3000:])
        try:
            with socket.create_connection(("127.0.0.1", settings["port"]), timeout=1):
                pass
            log(f"JupyterHub is up: http://{socket.gethostname()}:{settings['port']}/ (pid {process.pid})")
            return 0
        except OSError:
            time.sleep(0.5)
    raise SetupError(f"JupyterHub did not answer on port {settings['port']} within {wait:.0f} s; see {server.log_path}")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _leftovers(server: Server) -> list[int]:
    """Processes still running a program of this server's venv (a user's server the Hub lost)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(server.venv / "bin") in cmdline.read_bytes().decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return [pid for pid in found if pid != os.getpid() and _alive(pid)]


def _wait_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def stop(prefix: Path) -> int:
    server = Server(prefix)
    pid = _running_pid(server)
    if pid is None:
        log("JupyterHub is not running")
    else:
        os.kill(pid, signal.SIGTERM)  # the Hub stops every user's server, the culler and its proxy
        if _wait_gone([pid], 60):
            log("JupyterHub did not stop within 60 s: killed")
            os.kill(pid, signal.SIGKILL)
            _wait_gone([pid], 10)
        log("JupyterHub stopped")
    left = _leftovers(server)
    if left:
        log(f"stopping {len(left)} leftover processes of this server: {left}")
        for leftover in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(leftover, signal.SIGTERM)
        for leftover in _wait_gone(left, 15):
            with contextlib.suppress(ProcessLookupError):
                os.kill(leftover, signal.SIGKILL)
    return 0


def status(prefix: Path) -> int:
    server = Server(prefix)
    settings, pid = server.settings(), _running_pid(server)
    print(f"prefix {server.prefix}; port {settings['port']}; {len(settings['students'])} students, "
          f"{len(settings['graders'])} graders; gradebook {settings['db_url']}")
    print(f"JupyterHub running (pid {pid})" if pid else "JupyterHub is not running")
    return 0 if pid else 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("install", "start", "stop", "status"):
        sub = commands.add_parser(name)
        sub.add_argument("--prefix", type=Path, default=DEFAULT_PREFIX)
        if name == "install":
            sub.add_argument("roster", type=Path)
            sub.add_argument("--port", type=int, default=8000, help="the Hub's public port")
            sub.add_argument("--ip", default="0.0.0.0", help="the address it listens on (default: every one)")
            sub.add_argument("--db-url", default=None,
                             help="the gradebook (default SQLite in the course folder; e.g. postgresql:///backprop)")
            sub.add_argument("--cull-timeout", type=int, default=3600, help="seconds before an idle server stops")
            sub.add_argument("--graders-group", default=f"nbgrader-{COURSE_ID}",
                             help="the Unix group of graders and instructors (nbgrader's docs: nbgrader-COURSE)")
            sub.add_argument("--late-penalty", choices=("none", "zero"), default="none",
                             help="what a submission after the due date loses (default: nothing, marked late)")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            return install(args.roster, args.prefix, args.port, args.ip, args.db_url, args.cull_timeout,
                           args.graders_group, args.late_penalty)
        return {"start": start, "stop": stop, "status": status}[args.command](args.prefix)
    except SetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
