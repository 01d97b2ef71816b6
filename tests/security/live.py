"""A real `cadre360 serve` process on a fresh SQLite file, with the standing test people, and
a small browser-like HTTP client for it: the attacks that take a process down, starve its
event loop or depend on the connecting address are only honest against a real server."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.factories import PASSWORD
from tests.servers import CLI, free_port, serve

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass
class Site:
    url: str
    database_url: str
    server: subprocess.Popen[bytes]
    env: dict[str, str]

    def alive(self) -> bool:
        return self.server.poll() is None

    def peak_memory_mb(self) -> float:
        """The server process's peak resident memory (VmHWM), in MB."""
        status = Path(f"/proc/{self.server.pid}/status").read_text()
        kilobytes = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        return kilobytes / 1024

    def browser(self, **headers: str) -> Browser:
        return Browser(httpx.Client(base_url=self.url, headers=headers, timeout=60))

    def run(self, work: Callable[[], Awaitable[Any]]) -> Any:
        """Run database work (factories, services) against this site's database."""

        async def scoped() -> Any:
            from app.database import engine_from_url, use_engine

            use_engine(engine_from_url(self.database_url))
            return await work()

        return asyncio.run(scoped())


class Browser:
    """Cookies, CSRF tokens from the page a form sits on, no redirects followed."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def token(self, page: str = "/login") -> str:
        match = CSRF_INPUT.search(self.client.get(page).text)
        assert match, f"no CSRF field on {page}"
        return match.group(1)

    def post_form(
        self, path: str, data: dict[str, str], page: str = "/login", **kwargs: Any
    ) -> httpx.Response:
        return self.client.post(path, data={"_csrf_token": self.token(page), **data}, **kwargs)

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return self.post_form("/login", {"username": username, "password": password})

    def close(self) -> None:
        self.client.close()


@contextmanager
def live_site(
    tmp_path: Path, setup: Callable[[], Awaitable[Any]] | None = None, **settings: str
) -> Iterator[Site]:
    """Migrate a new database, add the standing people (and whatever `setup` adds), serve it
    with one worker, and stop it afterwards."""
    from tests.factories import standing_people

    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WORKERS": "1",
        "LOG_LEVEL": "warning",
        **settings,
    }
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True)
    site = Site(f"http://127.0.0.1:{port}", database_url, None, env)  # type: ignore[arg-type]

    async def populate() -> None:
        await standing_people()
        if setup:
            await setup()

    site.run(populate)
    site.server = serve(env, port)
    try:
        yield site
    finally:
        site.server.terminate()
        try:
            site.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            site.server.kill()
