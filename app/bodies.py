"""JSON bodies nested past any schema's depth are refused before anything decodes them
(issue 29, #7): Litestar decodes a JSON body untyped first, and a body of 1,000 nested
brackets raised RecursionError — a 500 on every JSON route. No request schema here nests
deeper than a few levels; `MAX_DEPTH` leaves room to spare."""

from __future__ import annotations

import re

import numpy as np
from litestar.exceptions import ClientException, HTTPException
from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

MAX_DEPTH = 32
MAX_BODY = 8 * 1024 * 1024  # as the app's request_max_body_size
STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class TooLarge(HTTPException):
    status_code = 413


def nesting(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped)."""
    brackets = STRINGS.sub(b"", body).translate(None, NOT_BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def bounded_json(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_json(scope):
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                raise TooLarge("请求内容过大")
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if nesting(body) > MAX_DEPTH:
            raise ClientException(f"请求体嵌套过深（超过 {MAX_DEPTH} 层）")
        sent = False

        async def replay() -> ReceiveMessage:
            nonlocal sent
            if not sent:
                sent = True
                event: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
                return event
            return await receive()

        await app(scope, replay, send)

    return middleware


def is_json(scope: Scope) -> bool:
    if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return False
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media = value.split(b";")[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False
