"""Request logging and security headers.

Both hang on Litestar's app-level `before_send` hook, which sees every response as it goes
out — including those that exception handlers build from errors raised inside middleware
(the login redirect) and 404s for unknown paths, which no route middleware ever sees.
"""

from __future__ import annotations

import itertools
import logging
import os
import time

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app import audit

request_log = logging.getLogger("cadre360.request")
STATE_KEY = "cadre360_request"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


ENCODED_SECURITY_HEADERS = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_request_ids = itertools.count(1)
_PROCESS = f"{os.getpid():x}-"


def next_request_id() -> str:
    """Unique per process and cheap (this runs on every request): pid, then a counter."""
    return f"{_PROCESS}{next(_request_ids):x}"


def request_timer_middleware(app: ASGIApp) -> ASGIApp:
    """Stamps each request with an id and a start time for the log line."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})[STATE_KEY] = {
                "id": next_request_id(),
                "started": time.perf_counter(),
            }
        await app(scope, receive, send)

    return middleware


PRIVATE_SUFFIXES = (".pdf", ".xlsx", ".csv")
ANSWER_PREFIXES = ("/r/", "/code")  # anonymous forms, often on a service hall's tablet
API_PREFIX = "/api/"
NO_STORE = (b"cache-control", b"no-store")
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def private(scope: Scope) -> bool:
    """Pages of a signed-in person, every file download and the anonymous answer forms:
    never kept in a browser's cache (a shared office PC would keep a cadre's report for the
    next user; a service hall's tablet, the last resident's answers)."""
    path = str(scope.get("path", ""))
    return (
        scope.get("user") is not None
        or path.endswith(PRIVATE_SUFFIXES)
        or path.startswith(ANSWER_PREFIXES)
        or path.startswith(API_PREFIX)  # token answers (rosters, results) and the rating API
    )


async def before_send(message: Message, scope: Scope) -> None:
    if scope["type"] != "http":
        return
    record = scope.setdefault("state", {}).setdefault(STATE_KEY, {"id": next_request_id()})
    if message["type"] == "http.response.start":
        headers: list[tuple[bytes, bytes]] = message.setdefault("headers", [])  # type: ignore[assignment]
        present = {name.lower() for name, _ in headers}
        headers.extend(h for h in ENCODED_SECURITY_HEADERS if h[0] not in present)
        if private(scope):
            headers[:] = [h for h in headers if h[0].lower() != b"cache-control"]
            headers.append(NO_STORE)
        app = scope.get("app")
        settings = getattr(getattr(app, "state", None), "settings", None)
        if getattr(settings, "mode", "") == "production":
            headers.append(HSTS)
        headers.append((b"x-request-id", record["id"].encode()))
        record["status"] = message["status"]
    elif message["type"] == "http.response.body" and not message.get("more_body", False):
        _log(scope, record)
        status = record.get("status")
        if isinstance(status, int):
            await audit.record(scope, status)


def _log(scope: Scope, record: dict[str, object]) -> None:
    if not request_log.isEnabledFor(logging.INFO):
        return
    started = record.get("started")
    user = scope.get("user")
    request_log.info(
        msgspec.json.encode(
            {
                "event": "request",
                "id": record["id"],
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": record.get("status"),
                "ms": round((time.perf_counter() - started) * 1000, 2)
                if isinstance(started, float)
                else None,
                "user": getattr(user, "id", None),
            }
        ).decode()
    )


def configure_logging(level: str) -> None:
    logger = logging.getLogger("cadre360")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
