"""Running `cadre360 serve` as a real process for tests that need a real server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

CLI = [sys.executable, "-c", "from app.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(env: dict[str, str], port: int, **popen: object) -> subprocess.Popen[bytes]:
    """Start the server and return once /healthz answers."""
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    server = subprocess.Popen([*CLI, "serve"], env=env, **popen)  # type: ignore[call-overload]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server  # type: ignore[no-any-return]
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("server did not start")
