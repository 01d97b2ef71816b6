"""`cadre360 serve` with several workers: one listening socket per worker (SO_REUSEPORT), new
connections spread over the workers, a dead worker replaced, a taken port refused, and a
clean stop on SIGTERM."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.servers import CLI, answering_worker, free_port, serve

CONNECTIONS = 64
# Debian (where cadre360 runs, and CI) always has it; elsewhere serve falls back to uvicorn.run.
pytestmark = pytest.mark.skipif(
    not hasattr(socket, "SO_REUSEPORT"), reason="per-worker sockets need SO_REUSEPORT (Linux)"
)


def listeners(port: int) -> int:
    """Listening TCP sockets on `port`, from the kernel's own table."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    count += 1
    return count


def worker_of(connection: http.client.HTTPConnection) -> str:
    """The worker that answered: request ids start with the worker's pid (hex)."""
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    return str(response.getheader("x-request-id")).split("-")[0]


def wait_for(condition, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}",
        "PORT": str(free_port()),
        "WORKERS": "2",
        "LOG_LEVEL": "warning",
    }
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    return env


def test_workers_listen_on_their_own_sockets_and_share_the_connections(
    env: dict[str, str],
) -> None:
    port = int(env["PORT"])
    server = serve(env, port, workers=2)
    try:
        assert wait_for(lambda: listeners(port) == 2), "one listening socket per worker"

        def connect(_: int) -> tuple[http.client.HTTPConnection, str]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            return connection, worker_of(connection)

        with ThreadPoolExecutor(CONNECTIONS) as pool:  # a wave of keep-alive connections
            opened = list(pool.map(connect, range(CONNECTIONS)))
        per_worker = Counter(worker for _, worker in opened)
        for connection, worker in opened:  # keep-alive: the same worker answers again
            assert worker_of(connection) == worker
            connection.close()
        assert len(per_worker) == 2, per_worker
        assert min(per_worker.values()) >= CONNECTIONS // 5, per_worker  # P(fail) ~ 1e-6

        second = subprocess.run(
            [*CLI, "serve"], env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode != 0
        assert "already in use" in second.stderr
        assert listeners(port) == 2  # the running server is untouched

        os.kill(int(next(iter(per_worker)), 16), signal.SIGKILL)
        assert wait_for(lambda: listeners(port) == 2 and answering_worker(port) is not None), (
            "a worker replaced"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    assert listeners(port) == 0


def test_workers_stop_when_the_supervisor_is_killed(env: dict[str, str]) -> None:
    port = int(env["PORT"])
    server = serve(env, port, workers=2)
    assert wait_for(lambda: listeners(port) == 2)
    server.kill()  # SIGKILL: the supervisor cannot pass anything on
    server.wait(timeout=10)
    assert wait_for(lambda: listeners(port) == 0), "orphaned workers kept serving"


def test_a_worker_that_cannot_start_stops_the_server(tmp_path: Path) -> None:
    """No endless restarts of a broken start (here: a database never migrated)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}",
        "PORT": str(free_port()),
        "WORKERS": "2",
        "LOG_LEVEL": "warning",
    }
    started = subprocess.run([*CLI, "serve"], env=env, capture_output=True, timeout=60)
    assert started.returncode == 3  # uvicorn's startup-failure status
    assert listeners(int(env["PORT"])) == 0


def test_two_workers_accept_each_others_sign_in_forms_without_a_secret_key(
    env: dict[str, str],
) -> None:
    """The development default has no SECRET_KEY: the form served by one worker and posted to
    the other on a new connection (as browsers often do) must not be refused (was 8 of 20)."""
    env = {k: v for k, v in env.items() if k != "SECRET_KEY"}
    env["CADRE360_MODE"] = "development"
    port = int(env["PORT"])
    server = serve(env, port, workers=2)
    refused = []
    workers = set()
    try:
        for _ in range(20):
            form = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            form.request("GET", "/login")
            page = form.getresponse()
            body = page.read().decode()
            served_by = str(page.getheader("x-request-id")).split("-")[0]
            cookies = "; ".join(c.split(";")[0] for c in page.headers.get_all("set-cookie") or [])
            token = body.split('name="_csrf_token" value="')[1].split('"')[0]
            form.close()
            post = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # a new connection
            post.request(
                "POST",
                "/login",
                body=f"_csrf_token={token}&username=nobody&password=wrong-password-1",
                headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies},
            )
            answer = post.getresponse()
            answer.read()
            workers.add((served_by, str(answer.getheader("x-request-id")).split("-")[0]))
            if answer.status == 403:
                refused.append(answer.status)
            post.close()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    assert any(a != b for a, b in workers), "no form crossed between the workers"
    assert refused == []
