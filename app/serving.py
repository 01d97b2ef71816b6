"""Running uvicorn with several worker processes, each on its own listening socket.

uvicorn's multi-worker mode binds one socket in the parent and shares it: the workers race
for `accept()`, and a wave of new keep-alive connections often lands mostly on one of them
while the other core idles. Measured here with 64 connections and two workers: one run in
four put all 64 on one worker (1,170 resident submissions/s, against ~1,600/s when split).
On Linux each worker instead binds its own `SO_REUSEPORT` socket and the kernel spreads new
connections across them by address hash — the approach of uvicorn's open PR #2472 and of
gunicorn's `reuse_port`. Elsewhere, or with one worker, plain `uvicorn.run` serves.

The supervisor here is deliberately small: start the workers, restart one that dies, stop
them all on SIGINT/SIGTERM (uvicorn shuts each down gracefully), and give up when a worker
fails during startup (uvicorn's exit code 3), as uvicorn's own supervisor does.
"""

from __future__ import annotations

import errno
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

logger = logging.getLogger("cadre360.serving")
CHECK_EVERY_S = 0.5
STOP_TIMEOUT_S = 30.0
PARENT_CHECK_S = 1.0


class PortInUse(RuntimeError):
    pass


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def ensure_port_free(host: str, port: int) -> None:
    """Refuse to start beside anything already listening — including an older cadre360,
    whose SO_REUSEPORT workers would otherwise silently share the port with ours."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(f"{host}:{port} is already in use") from None
            raise


def reuse_port_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(options: dict[str, Any]) -> None:
    """One worker process: its own socket in the port's SO_REUSEPORT group."""
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    config = uvicorn.Config(**options)
    sock = reuse_port_socket(config.host, config.port)
    uvicorn.Server(config).run(sockets=[sock])


def _exit_with_parent(parent: int) -> None:
    """A worker whose supervisor is gone (killed outright) shuts down instead of serving on
    unsupervised; SIGTERM lets uvicorn finish the requests in flight."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os.kill(os.getpid(), signal.SIGTERM)


@dataclass
class Supervisor:
    options: dict[str, Any]  # uvicorn.Config keyword arguments (picklable: spawned workers)
    workers: int
    processes: list[BaseProcess] = field(default_factory=list)
    startup_failed: bool = False

    def _start(self) -> BaseProcess:
        process = multiprocessing.get_context("spawn").Process(
            target=_worker, args=(self.options,), name="cadre360-worker"
        )
        process.start()
        return process

    def run(self) -> int:
        """Serve until SIGINT/SIGTERM; the exit status (non-zero after a startup failure)."""
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.processes = [self._start() for _ in range(self.workers)]
        while not stop.wait(CHECK_EVERY_S):
            self._replace_dead(stop)
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes in-flight requests
        for process in self.processes:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join()
        return STARTUP_FAILURE if self.startup_failed else 0

    def _replace_dead(self, stop: threading.Event) -> None:
        for index, process in enumerate(self.processes):
            if process.is_alive():
                continue
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                logger.error("worker %s failed to start; stopping", process.pid)
                self.startup_failed = True
                stop.set()
                return
            logger.warning("worker %s exited (%s); starting another", process.pid, process.exitcode)
            self.processes[index] = self._start()


def serve(options: dict[str, Any], workers: int) -> int:
    """Serve `options` (uvicorn.Config keyword arguments) with `workers` processes."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(**options, workers=workers)
        return 0
    ensure_port_free(options["host"], options["port"])
    return Supervisor(options, workers).run()
