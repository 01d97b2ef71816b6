"""The demo county served over HTTP for page tests: a private copy of the session's demo
database behind a test client, signing in as the demo's accounts, and posting a form with
the CSRF token its page carries."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from litestar.testing import TestClient

from app.config import apply_clock, load_settings
from app.demo.loader import DEMO_PASSWORD
from tests.conftest import copy_of, run_blocking
from tests.factories import CSRF_INPUT

T = TypeVar("T")

LOGINS = {  # role → the demo county's login for it
    "admin": "admin",
    "assessment_office": "office",
    "training_office": "training",
    "leader": "leader",
    "cadre": "cadre",
    "mystery": "visitor",
    "reporter": "reporter",
    "field_checker": "checker",
}


def demo_copy(
    template: Path, directory: Path, facts: Callable[[str], Awaitable[T]]
) -> tuple[str, T]:
    """A private copy of the demo database in `directory`, and what `facts` reads from it."""
    url = copy_of(template, directory)
    return url, run_blocking(facts(url))


@contextmanager
def serve(url: str, today: dt.date | None = None) -> Iterator[TestClient]:
    """A test client on the app serving the database at `url` — on the day `today` when
    given (the suite's pinned day comes back afterwards)."""
    from app.asgi import create_app

    environ = {**os.environ, "DATABASE_URL": url}
    if today is not None:
        environ["CADRE360_TODAY"] = today.isoformat()
    try:
        with TestClient(
            app=create_app(load_settings(environ)), base_url="http://testserver.local"
        ) as client:
            yield client
    finally:
        if today is not None:
            apply_clock(load_settings(dict(os.environ)))


def sign_in(client: TestClient, role: str | None, password: str = DEMO_PASSWORD) -> None:
    client.cookies.clear()
    if role is None:
        return
    page = client.get("/login").text
    token = CSRF_INPUT.search(page).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/login",
        data={"_csrf_token": token, "username": LOGINS.get(role, role), "password": password},
        follow_redirects=False,
    )
    assert answer.status_code == 302, (role, answer.text[:300])


def token_of(client: TestClient, page: str) -> str:
    match = CSRF_INPUT.search(client.get(page).text)
    assert match, page
    return match.group(1)


def form_post(client: TestClient, url: str, page: str, **data: str):  # type: ignore[no-untyped-def]
    """POST `data` to `url` with the CSRF token of the form on `page`."""
    return client.post(
        url, data={"_csrf_token": token_of(client, page), **data}, follow_redirects=False
    )
