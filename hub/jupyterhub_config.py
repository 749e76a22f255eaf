"""JupyterHub for the course, on one machine: real Unix accounts, one JupyterLab each.

Copied next to `server.json` (its settings, written by `python -m instructor.server install`)
and read by `jupyterhub -f`. Students get a server that opens their home, without
formgrader or the authoring tools; graders (the course's Unix group) get theirs opened
on the course folder, with formgrader, whose iframe needs `frame-ancestors 'self'`.
"""
import grp
import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
S = json.loads((HERE / "server.json").read_text())
PREFIX = Path(S["prefix"])
VENV_BIN = PREFIX / "venv" / "bin"

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.JupyterHub.bind_url = f"http://{S['ip']}:{S['port']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{S['hub_port']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{S['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [str(PREFIX / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(HERE / "proxy.pid")
# JupyterHub refuses a secret others can read: the installer writes it with mode 600.
c.JupyterHub.cookie_secret_file = str(HERE / "jupyterhub_cookie_secret")
c.JupyterHub.db_url = f"sqlite:///{HERE / 'jupyterhub.sqlite'}"
c.JupyterHub.pid_file = str(HERE / "jupyterhub.pid")

# Everyone logs in with their Unix password (PAM); only the roster's accounts may.
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(S["students"]) | set(S["graders"])
c.Authenticator.admin_users = set(S["instructors"])

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120  # two cores, a class logging in at once
c.Spawner.start_timeout = 120


def is_grader(username: str) -> bool:
    """Membership of the course's graders group decides, so that `gpasswd` alone changes a role."""
    return username in grp.getgrnam(S["graders_group"]).gr_mem


def pre_spawn_hook(spawner):
    """Students: their home, the student settings. Graders: the course folder, formgrader."""
    role = "grader" if is_grader(spawner.user.name) else "student"
    spawner.environment = {
        "PATH": os.pathsep.join([str(PREFIX / "bin"), str(VENV_BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
        # etc/<role> (server extensions, JupyterLab's disabled plugins, the CSP), then
        # the venv's own etc/jupyter, which holds the system-wide nbgrader_config.py.
        "JUPYTER_CONFIG_PATH": str(PREFIX / "etc" / role),
        "NBGRADER_EXCHANGE": str(PREFIX / "exchange"),
        "KERAS_BACKEND": "jax",
        **({"NBGRADER_DB_URL": S["db_url"]} if role == "grader" else {}),
    }
    spawner.notebook_dir = str(PREFIX / "course") if role == "grader" else "~"


c.Spawner.pre_spawn_hook = pre_spawn_hook

# Idle servers are stopped (jupyterhub-idle-culler, a Hub service with only the scopes it needs).
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [str(VENV_BIN / "python"), "-m", "jupyterhub_idle_culler",
                f"--timeout={S['cull_timeout']}", f"--cull-every={max(30, S['cull_timeout'] // 4)}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
