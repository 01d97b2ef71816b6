"""Maps every error to a Chinese HTML page or an RFC 9457 problem+json body, in one place."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from app.accounts.auth import PasswordChangeRequired
from app.templating import render
from evaluation.errors import Conflict, DomainError, Invalid, NotFound, NotReady, PermissionDenied

log = logging.getLogger("cadre360.errors")

PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的请求方式",
    409: "操作与当前状态冲突",
    413: "上传内容过大",
    415: "请求格式不受支持",
    422: "提交的内容无法处理",
    429: "请求过于频繁",
    500: "系统出现问题",
    503: "服务暂不可用",
}
DOMAIN_STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    NotReady: 409,
}
ERROR_TEMPLATES = {403, 404, 500}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith(("/api/", "/healthz", "/schema")):
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    errors: dict[str, str] | list[Any] | None = None,
) -> Response[Any]:
    if wants_json(request):
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": TITLES.get(status, "错误"),
            "status": status,
            "detail": detail,
            "instance": request.url.path,
        }
        if errors:
            body["errors"] = errors
        return Response(content=body, status_code=status, media_type=PROBLEM_JSON)
    name = f"errors/{status}.html" if status in ERROR_TEMPLATES else "errors/error.html"
    return render(
        request,
        name,
        status_code=status,
        title=TITLES.get(status, "出错了"),
        detail=detail,
        status=status,
    )


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    detail = exc.detail if _is_chinese(exc.detail) else TITLES.get(status, "出错了")
    if status == 403 and "CSRF" in str(exc.detail):
        detail = "页面已过期或来源不明，请刷新页面后重试"
    if status >= 500:
        log.exception("server error on %s", request.url.path, exc_info=exc)
    extra = (
        exc.extra if isinstance(exc, ValidationException) and isinstance(exc.extra, list) else None
    )
    if isinstance(exc, ValidationException):
        detail = "提交的数据格式不正确，请检查后重试"
    return problem(request, status, detail, extra)


def not_authorized_handler(
    request: Request[Any, Any, Any], exc: NotAuthorizedException
) -> Response[Any]:
    if wants_json(request) or request.method not in ("GET", "HEAD"):
        detail = exc.detail if _is_chinese(exc.detail) else "请先登录"
        return problem(request, 401, detail)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path=f"/login?next={quote(target)}")


def password_change_handler(
    request: Request[Any, Any, Any], _: PasswordChangeRequired
) -> Response[Any]:
    if wants_json(request):
        return problem(request, 403, "首次登录请先修改密码")
    return Redirect(path="/account/password")


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = next((s for t, s in DOMAIN_STATUS.items() if isinstance(exc, t)), 400)
    if isinstance(exc, NotReady) and not wants_json(request):
        return not_ready_page(request, exc)
    errors = exc.problems if isinstance(exc, Invalid) else None
    return problem(request, status, exc.message, errors)


def not_ready_page(request: Request[Any, Any, Any], exc: NotReady) -> Response[Any]:
    """ "Not ready yet" is a page that says so and leads somewhere useful, never a 404."""
    user = request.scope.get("user")
    role = getattr(user, "role", None)
    if exc.cycle_id is not None and role in ("assessment_office", "admin"):
        back, label = f"/office/cycles/{exc.cycle_id}", "返回考核周期"
    else:
        back, label = "/", "返回首页"
    return render(
        request,
        "errors/not_ready.html",
        status_code=409,
        title="暂时还看不到",
        detail=exc.message,
        back=back,
        back_label=label,
    )


def server_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "系统出现问题，已记录，请稍后重试")


def _is_chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in str(text))


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    NotAuthorizedException: not_authorized_handler,
    PasswordChangeRequired: password_change_handler,
    HTTPException: http_exception_handler,
    DomainError: domain_error_handler,
    Exception: server_error_handler,
}


class Problem(msgspec.Struct):
    """RFC 9457 problem details, as every API error is answered."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: dict[str, str] | list[Any] | None = None


API_PROBLEMS = {
    status: ResponseSpec(
        data_container=Problem, description=TITLES[status], media_type=PROBLEM_JSON
    )
    for status in (400, 401, 403, 404, 405, 409, 413, 422, 429)
}
