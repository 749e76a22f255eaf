"""A class at once on the class server: 30 students fetch and submit together, then log in together.

As root: `.venv/bin/python benchmarks/hub_load.py [--students 30]`. Installs the class server
(`python -m instructor.server install`) under /opt/bp-bench-hub for a roster of `bp-load-NN`
students and one instructor, and prints, beside the same steps for one student alone:

- fetch, submit and collect through nbgrader's exchange, every student's command at the same time;
  every collected file must be byte-identical to what its student submitted;
- the memory of the Hub (JupyterHub, its proxy, the idle culler) and of the students' servers, with
  every student logged in through the Hub and their JupyterLab running, per active student.

Accounts and files are removed at the end (the venv and proxy stay, for the next run).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import pwd
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from instructor import notebooks  # noqa: E402
from tests.lab import free_port  # noqa: E402

PREFIX = Path("/opt/bp-bench-hub")
GROUP = "bp-bench-graders"
INSTRUCTOR = "bp-load-prof"
SOLO = "bp-load-solo"  # the single-user baseline: the same steps, alone
ASSIGNMENT = notebooks.assignments()[0]


def server(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "instructor.server", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"instructor.server {args[0]} failed:\n{done.stdout}{done.stderr}")


def as_user(user: str, command: str) -> float:
    """Run `command` in `user`'s login shell (their home); seconds taken."""
    start = time.perf_counter()
    done = subprocess.run(["runuser", "--login", user, "--command", command], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{user}: {command}\n{done.stdout}{done.stderr}")
    return time.perf_counter() - start


def at_once(users: list[str], command: str) -> tuple[float, list[float]]:
    """Every user runs `command` at the same time: (wall seconds, each user's seconds)."""
    start = time.perf_counter()
    with ThreadPoolExecutor(len(users)) as pool:
        each = list(pool.map(lambda user: as_user(user, command), users))
    return time.perf_counter() - start, each


# What nbgrader's submit adds beside the student's files.
NBGRADER_FILES = {"timestamp.txt", "submission_secret.txt"}


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in NBGRADER_FILES}


def remove_everything(students: list[str]) -> None:
    if (PREFIX / "hub" / "server.json").exists():
        server("stop", "--prefix", str(PREFIX))
    for name in students + [INSTRUCTOR]:
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        subprocess.run(["userdel", "--remove", name], capture_output=True)
    subprocess.run(["groupdel", GROUP], capture_output=True)
    if PREFIX.exists():
        for child in PREFIX.iterdir():
            if child.name not in ("venv", "proxy"):
                shutil.rmtree(child) if child.is_dir() else child.unlink()


def exchange_round(students: list[str]) -> dict[str, float]:
    """Fetch, answer (a file of the student's own), submit, collect; verify the collected bytes."""
    nbgrader = f"{PREFIX}/venv/bin/nbgrader"
    fetch_wall, fetch_each = at_once(students, f"{nbgrader} fetch_assignment {ASSIGNMENT} --course=backprop")
    for user in students:  # each student's own answer, so that no two submissions are alike
        as_user(user, f"head -c 200000 /dev/urandom > {ASSIGNMENT}/answer.bin && "
                      f"echo '# {user}' >> {ASSIGNMENT}/linear_regression.ipynb")
    submitted = {user: files(Path(pwd.getpwnam(user).pw_dir) / ASSIGNMENT) for user in students}
    submit_wall, submit_each = at_once(students, f"{nbgrader} submit {ASSIGNMENT} --course=backprop")
    collect = as_user(INSTRUCTOR, f"{PREFIX}/bin/nbgrader collect {ASSIGNMENT}")
    for user in students:
        got = files(PREFIX / "course" / "submitted" / user / ASSIGNMENT)
        if got != submitted[user]:
            sys.exit(f"{user}'s collected submission differs from what was submitted:\n{got}\n{submitted[user]}")
    return {"fetch wall": fetch_wall, "fetch median": statistics.median(fetch_each), "fetch max": max(fetch_each),
            "submit wall": submit_wall, "submit median": statistics.median(submit_each),
            "submit max": max(submit_each), "collect": collect}


def rss_mb(pids) -> float:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(found.group(1)) if found else 0
    return total / 1024


def process_tree(pid: int) -> list[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def users_pids(users: list[str]) -> list[int]:
    uids = {pwd.getpwnam(u).pw_uid for u in users}
    return [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/status")
            if p.exists() and _uid(p) in uids]


def _uid(status: Path) -> int | None:
    try:
        return int(re.search(r"Uid:\s+(\d+)", status.read_text()).group(1))
    except (OSError, AttributeError):
        return None


def log_in_all(base: str, users: list[str], passwords: dict[str, str]) -> float:
    """Every user logs in (a form post, as a browser does) and their server starts; wall seconds."""
    import requests

    def one(user: str) -> None:
        session = requests.Session()
        session.get(f"{base}/hub/login")
        reply = session.post(f"{base}/hub/login?next=/hub/spawn", timeout=300,
                             data={"username": user, "password": passwords[user],
                                   "_xsrf": session.cookies.get("_xsrf", "")})
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            # As a browser: the server's OAuth handshake with the Hub, then JupyterLab's page.
            reply = session.get(f"{base}/user/{user}/lab", timeout=120)
            if reply.status_code == 200 and reply.url.endswith(f"/user/{user}/lab"):
                return
            time.sleep(1)
        raise RuntimeError(f"{user}'s server did not start")

    start = time.perf_counter()
    with ThreadPoolExecutor(min(len(users), 10)) as pool:
        list(pool.map(one, users))
    return time.perf_counter() - start


def hub_memory(base: str, active: list[str], everyone: list[str], passwords: dict[str, str],
               idle: float) -> dict[str, float]:
    """Log `active` in (their servers start); the Hub's memory beside theirs, per active student."""
    hub_pid = int((PREFIX / "hub" / "jupyterhub.pid").read_text())
    login = log_in_all(base, active, passwords)
    time.sleep(3)
    servers = rss_mb(users_pids(active))
    hub = rss_mb(process_tree(hub_pid)) - rss_mb(users_pids(everyone))  # JupyterHub, its proxy and culler
    return {"log in + spawn wall (s)": login, "hub MB": hub, "hub MB per student": (hub - idle) / len(active),
            "server MB per student": servers / len(active)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the benchmark creates Unix accounts")
    students = [f"bp-load-{n:02d}" for n in range(args.students)]
    everyone = students + [SOLO]
    remove_everything(everyone)
    roster = Path(tempfile.mkdtemp()) / "class.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["username", "role", "first_name", "last_name", "email"])
        writer.writerows([u, "student", "Load", u[-2:], f"{u}@example.edu"] for u in everyone)
        writer.writerow([INSTRUCTOR, "instructor", "Pat", "Professor", "pat@example.edu"])
    port = free_port()
    try:
        started = time.perf_counter()
        server("install", str(roster), "--prefix", str(PREFIX), "--port", str(port), "--ip", "127.0.0.1",
               "--graders-group", GROUP)
        install = time.perf_counter() - started
        server("start", "--prefix", str(PREFIX))
        as_user(INSTRUCTOR, f"{PREFIX}/bin/nbgrader generate_assignment {ASSIGNMENT} --force && "
                            f"{PREFIX}/bin/nbgrader release_assignment {ASSIGNMENT}")
        single = exchange_round([SOLO])
        many = exchange_round(students)
        passwords = dict(csv.reader((PREFIX / "hub" / "initial-passwords.csv").read_text().splitlines()[1:]))
        base = f"http://127.0.0.1:{port}"
        idle = rss_mb(process_tree(int((PREFIX / "hub" / "jupyterhub.pid").read_text())))
        memory_one = hub_memory(base, [SOLO], everyone, passwords, idle)
        memory_many = hub_memory(base, students, everyone, passwords, idle)
    finally:
        remove_everything(everyone)
    n = len(students)
    print(f"\nClass server, measured under load (2 shared cores); install of {len(everyone) + 1} accounts: {install:.1f} s;"
          f" the Hub idle: {idle:.0f} MB")
    print(f"{'':28}{'1 student':>12}{f'{n} at once':>14}")
    for key in single:
        print(f"{key + ' (s)':28}{single[key]:12.2f}{many[key]:14.2f}")
    print(f"{'collect per submission (s)':28}{single['collect']:12.2f}{many['collect'] / n:14.2f}")
    print(f"{'':28}{'1 active':>12}{f'{n} active':>14}")
    for key in memory_one:
        print(f"{key:28}{memory_one[key]:12.1f}{memory_many[key]:14.1f}")
    print(f"all {n + 1} submissions collected byte-identical to what their students submitted")
    print(json.dumps({"single": single, "many": many, "memory_one": memory_one, "memory_many": memory_many}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
