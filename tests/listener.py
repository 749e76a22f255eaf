"""What the grading tests share: bwrap required under CI, a TCP listener that counts who reaches it, and
the text a graded cell shows."""
from __future__ import annotations

import os
import socket
import threading

import pytest

from instructor import sandbox


def require_bwrap() -> None:
    """Skip the calling module without bwrap; under CI, fail it: CI must grade in the sandbox."""
    if sandbox.bwrap_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("bubblewrap (bwrap) is missing: CI must grade in the sandbox "
                        "(bootstrap.sh test installs it)", pytrace=False)
        pytest.skip("bubblewrap (bwrap) is not installed", allow_module_level=True)


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


def outputs_text(cell) -> str:
    """Everything a cell's outputs show as text: streams, errors and their tracebacks, text/* data."""
    parts = []
    for output in cell.get("outputs", []):
        parts += [output.get("text", ""), output.get("evalue", "")] + list(output.get("traceback", []))
        parts += [str(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(parts)
