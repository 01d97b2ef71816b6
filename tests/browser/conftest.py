"""A real server started the way `make run` starts one, and headless Debian Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def demo_database(directory: Path, towns: int = 4, per_town: int = 20) -> Path:
    """migrate → demo, as `make run` does, into a fresh SQLite file."""
    db = directory / "cadre360.sqlite"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "LOG_LEVEL": "warning"}
    _cli(env, "migrate")
    _cli(env, "demo", "--towns", str(towns), "--cadres-per-town", str(per_town), "--seed", "1")
    return db


@contextlib.contextmanager
def serving(db: Path, **extra: str) -> Iterator[str]:
    """`cadre360 serve` on `db` and a free port (`extra`: settings, CADRE360_TODAY say)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "PORT": str(port),
        "LOG_LEVEL": "warning",
        **extra,
    }
    server = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("cadre360 serve did not come up") from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default demo county, built once (migrate → demo, ~15 s); servers take copies."""
    return demo_database(tmp_path_factory.mktemp("demo-template"))


def copy_database(template: Path, directory: Path) -> Path:
    """A private copy of a demo database (SQLite's online backup: WAL contents included)."""
    target = directory / "cadre360.sqlite"
    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


@pytest.fixture(scope="module")
def live_server(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """migrate → demo → serve, as `make run` does, on a free port and its own database — one
    per journey module, so what one journey changes (a cycle closed, a card answered) no other
    finds, whichever order the two test workers run them in."""
    with serving(copy_database(demo_template, tmp_path_factory.mktemp("live"))) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Per module: playwright's sync API holds an event loop on this thread while it runs."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} missing: `make test` installs Debian's chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def screenshot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
