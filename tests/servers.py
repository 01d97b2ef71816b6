"""Running `cadre360 serve` as a real process for tests and benchmarks."""

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


def answering_worker(port: int) -> str | None:
    """The pid (hex) of the worker that answers /healthz on a new connection, if any:
    request ids start with it."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return str(response.headers.get("x-request-id", "")).split("-")[0]
    except OSError:
        return None


def serve(
    env: dict[str, str], port: int, workers: int = 1, **popen: object
) -> subprocess.Popen[bytes]:
    """Start the server and return once `workers` distinct workers have answered /healthz.
    Workers finish starting at different moments; a burst sent as soon as the first one
    answers would open every connection on that one."""
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    server = subprocess.Popen([*CLI, "serve"], env=env, **popen)  # type: ignore[call-overload]
    seen: set[str] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        worker = answering_worker(port)
        if worker:
            seen.add(worker)
            if len(seen) >= workers:
                return server  # type: ignore[no-any-return]
        else:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"server did not start {workers} worker(s)")
