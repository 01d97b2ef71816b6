"""No page of another site can make a browser write here (issue 29, #2).

Every state-changing request (anything but GET, HEAD, OPTIONS) that a browser sends from
another origin says so in its `Origin` header (or, where a browser leaves Origin out, its
`Referer`): such a request is refused before any handler runs, whatever its token — the
anonymous resident API included, whose tokens are printed on public QR sheets. Requests
without either header (curl, other systems with bearer tokens) are not browsers acting for
someone and pass on to the usual checks. The JSON API also takes `application/json` only: a
cross-site form can send `text/plain` or urlencoded bodies without a preflight, never JSON.

The host compared is the request's own `Host` (a TLS-terminating proxy passes it through), so
the check holds behind the proxy without a configured public URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.datastructures import Headers
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_API = "/api/"


class UnsupportedMediaType(HTTPException):
    status_code = 415


def own_hosts(headers: Headers) -> set[str]:
    """The names this request reached us by: its `Host`, and the `X-Forwarded-Host` a reverse
    proxy that rewrites Host (nginx's default) passes on. A page of another site cannot add
    either header to a request without a CORS preflight this app never grants."""
    hosts = {headers.get("host", "").lower()}
    forwarded = headers.get("x-forwarded-host", "")
    hosts.update(h.strip().lower() for h in forwarded.split(",") if h.strip())
    return hosts


def foreign(headers: Headers) -> bool:
    """True when the request says it comes from a page of another origin."""
    hosts = own_hosts(headers)
    origin = headers.get("origin")
    if origin is not None:
        return origin == "null" or urlsplit(origin).netloc.lower() not in hosts
    referer = headers.get("referer")
    if referer:
        return urlsplit(referer).netloc.lower() not in hosts
    return False


def json_body(headers: Headers) -> bool:
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def same_origin_writes(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method", "GET") not in SAFE_METHODS:
            headers = Headers.from_scope(scope)
            if foreign(headers):
                raise PermissionDeniedException("拒绝来自其他网站的提交")
            if str(scope.get("path", "")).startswith(JSON_API) and not json_body(headers):
                raise UnsupportedMediaType("接口只接受 application/json 格式的请求体")
        await app(scope, receive, send)

    return middleware
