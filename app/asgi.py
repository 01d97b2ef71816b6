"""The one place that assembles the Litestar application."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from pathlib import Path
from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from piccolo.engine.postgres import PostgresEngine

from app.accounts.auth import PUBLIC_PATHS, SessionAuthMiddleware
from app.bodies import bounded_json
from app.config import Settings, apply_clock, apply_password_policy, load_settings, transport
from app.controllers import (
    admin,
    api,
    appeals,
    audit_log,
    auth,
    campaigns,
    cycles,
    development,
    feedback,
    field_checks,
    followup,
    health,
    my_training,
    mystery,
    office,
    organisation,
    people,
    personnel,
    progress,
    projects,
    public,
    rating,
    read_api,
    reminders,
    results,
    roster,
    rubrics,
    scorecard,
    town,
    town_appeals,
    training,
    write_api,
)
from app.csrf import SessionCSRFMiddleware, csrf_config
from app.daily import daily
from app.database import engine_from_url, use_engine
from app.errors import EXCEPTION_HANDLERS
from app.forms import MAX_ID, NOTICE_KEY, out_of_range
from app.middleware import before_send, configure_logging, request_timer_middleware
from app.origin import same_origin_writes
from app.ratelimit import RateLimiter
from app.templating import template_config
from evaluation.infra.pg_group_commit import start_pg_writer, stop_pg_writer
from evaluation.outbox import worker as delivery
from evaluation.scorecard.daily import after_write

STATIC_DIR = Path(__file__).resolve().parent / "static"
PG_POOL_MAX = 20
DELIVERY_INTERVAL = 60.0  # seconds between delivery runs when nothing wakes them (retries)


PARAMETER_PLACES = {"path": "路径", "query": "查询", "header": "请求头", "cookie": "Cookie"}
STATUS_WORDS = {
    "200": "成功",
    "201": "已创建",
    "204": "成功，无内容",
    "302": "跳转",
    "303": "跳转",
    "400": "请求有误（problem+json 写明原因）",
    "401": "未登录，或令牌无效、已吊销",
    "403": "无此权限",
    "404": "不存在",
    "409": "与当前状态冲突",
    "413": "请求过大",
    "429": "过于频繁，请稍后再试",
}


class ApiDocs(OpenAPIRenderPlugin):
    """The API reference at /schema, rendered here from the OpenAPI document: no script and
    nothing from another site (the CSP allows neither, and a county's server may have no
    way out), readable in Chinese; the JSON document beside it for machines."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        operations = []
        for path, methods in sorted(openapi_schema.get("paths", {}).items()):
            if not path.startswith("/api/"):  # the pages are for people, not other systems
                continue
            for method, op in methods.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                operations.append(
                    {
                        "id": op.get("operationId", f"{method}{path}"),
                        "method": method.upper(),
                        "path": path,
                        "summary": op.get("summary", ""),
                        "description": op.get("description", ""),
                        "scopes": sorted(
                            {
                                scope
                                for need in op.get("security", [])
                                for v in need.values()
                                for scope in v
                            }
                        ),
                        "parameters": [
                            {
                                "name": p.get("name", ""),
                                "where": PARAMETER_PLACES.get(p.get("in", ""), p.get("in", "")),
                                "type": (p.get("schema") or {}).get("type", ""),
                            }
                            for p in op.get("parameters", [])
                        ],
                        "responses": [
                            (code, STATUS_WORDS.get(code, ""))
                            for code in sorted(op.get("responses", {}))
                        ],
                    }
                )
        template = request.app.template_engine.get_template("api/reference.html")  # type: ignore[union-attr]
        return template.render(
            operations=operations,
            json_url=f"{request.url.path.rstrip('/')}/openapi.json",
            version=openapi_schema.get("openapi", ""),
        ).encode()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    engine = use_engine(engine_from_url(settings.database_url))
    apply_clock(settings)
    apply_password_policy(settings)
    NOTICE_KEY["secret"] = settings.secret_key  # notices are signed like cookies

    sweeps: list[asyncio.Task[None]] = []

    async def start_pool() -> None:
        if isinstance(engine, PostgresEngine):
            await engine.start_connection_pool(min_size=1, max_size=PG_POOL_MAX)
            await start_pg_writer(engine.config)

    async def warm_caches() -> None:
        from evaluation.responses.warmup import warm_resident_path

        await warm_resident_path()

    async def start_deliveries() -> None:
        """Notices leave in the background: woken when a message is queued (and every
        `DELIVERY_INTERVAL` for retries), never inside the request that queued it; several
        workers may run this at once (each message is claimed by one). `cadre360 deliver`
        does the same from cron. Nothing runs when notices stay in the outbox."""
        sender = transport(settings)
        if sender.name == "outbox":
            return
        wakeup = delivery.wakeup()

        async def deliveries() -> None:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), timeout=DELIVERY_INTERVAL)
                wakeup.clear()
                try:
                    await delivery.deliver_queued(sender)
                except Exception:  # retried on the next wake-up; say so loudly
                    logging.getLogger("cadre360.outbox").exception("delivery failed")

        sweeps.append(asyncio.get_running_loop().create_task(deliveries()))

    async def start_sweeps() -> None:
        """The card sweep at start-up and then hourly in this process (idempotent, so
        several workers sweeping at once is harmless); `cadre360 sweep` does the same from
        cron. Not in tests: they sweep when their story needs it."""
        if settings.mode == "test":
            return

        async def hourly() -> None:
            while True:
                try:
                    await daily(settings)
                except Exception:  # a failed sweep is retried next hour; say so loudly
                    logging.getLogger("cadre360.sweep").exception("card sweep failed")
                await asyncio.sleep(3600)

        sweeps.append(asyncio.get_running_loop().create_task(hourly()))

    async def recompute_after_write(request: Request[Any, Any, Any]) -> None:
        """The job a write enqueues: once its response is sent, the town-year standings it
        made stale are computed and stored again (until then pages compute them in memory);
        a write that touched none pays nothing."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        try:
            await after_write()
        except Exception:  # the next write or the hourly upkeep tries again
            logging.getLogger("cadre360.standing").exception("standing recomputation failed")

    async def stop_sweeps() -> None:
        for task in sweeps:
            task.cancel()

    async def settle_heap() -> None:
        """Move what startup built (modules, routes, warmed caches) out of the cyclic
        collector's reach: one full collection over it took ~70 ms here, and those pauses
        were the resident path's p99. Not in tests, which build many apps in one process."""
        if settings.mode != "test":
            gc.collect()
            gc.freeze()

    async def close_pool() -> None:
        if isinstance(engine, PostgresEngine):
            await stop_pg_writer()
            await engine.close_connection_pool()

    app = Litestar(
        route_handlers=[
            *auth.routes,
            *people.routes,
            *office.routes,
            *organisation.routes,
            *roster.routes,
            *admin.routes,
            *health.routes,
            *cycles.routes,
            *rubrics.routes,
            *campaigns.routes,
            *progress.routes,
            *reminders.routes,
            *public.routes,
            *feedback.routes,
            *results.routes,
            *training.routes,
            *my_training.routes,
            *audit_log.routes,
            *rating.routes,
            *api.routes,
            *development.routes,
            *field_checks.routes,
            *read_api.routes,
            *write_api.routes,
            *mystery.routes,
            *scorecard.routes,
            *town.routes,
            *projects.routes,
            *followup.routes,
            *appeals.routes,
            *personnel.routes,
            *town_appeals.routes,
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], include_in_schema=False
            ),
        ],
        middleware=[
            request_timer_middleware,
            same_origin_writes,
            bounded_json,
            DefineMiddleware(SessionAuthMiddleware, exclude=PUBLIC_PATHS),
            # inside the session middleware: a signed-in user's token is bound to the session
            DefineMiddleware(
                SessionCSRFMiddleware,
                config=csrf_config(settings.secret_key, settings.cookies_secure),
            ),
        ],
        template_config=template_config(),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="cadre360",
            version="0.1.0",
            path="/schema",
            render_plugins=[ApiDocs(path="/")],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="只读访问令牌，由系统管理员在“访问令牌”页签发",
                    )
                }
            ),
        ),
        before_send=[before_send],
        after_response=recompute_after_write,
        before_request=reject_ids_out_of_range,
        on_startup=[start_pool, warm_caches, start_sweeps, start_deliveries, settle_heap],
        on_shutdown=[stop_sweeps, close_pool],
        state=State(
            {
                "settings": settings,
                "resident_limiter": RateLimiter(settings.resident_rate_limit),
            }
        ),
        request_max_body_size=8 * 1024 * 1024,
        debug=False,
    )
    strict_request_schemas(app)
    return app


# query values that are free text or handled by their own reader (search, messages, paging)
FREE_QUERY = frozenset({"q", "msg", "next", "page"})


async def reject_ids_out_of_range(request: Request[Any, Any, Any]) -> None:
    """An id no table can hold is simply not there: 404, never a database error. Async on
    purpose: Litestar runs a sync hook in a worker thread, a hand-off on every request that
    cost ~10% of the resident path's CPU and its latency."""
    for value in request.path_params.values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFoundException("页面不存在")
    for key, raw in request.query_params.multi_items():
        if key not in FREE_QUERY and out_of_range(raw):
            raise NotFoundException("页面不存在")


def strict_request_schemas(app: Litestar) -> None:
    """Request bodies are msgspec Structs that refuse unknown fields; say so in the OpenAPI
    document (`additionalProperties: false`) so clients and fuzzers know it."""
    import msgspec

    from app.controllers import api, progress

    structs = {
        name: value
        for module in (api, progress)
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, msgspec.Struct)
    }
    schemas = app.openapi_schema.components.schemas or {}
    for name, schema in schemas.items():
        struct = structs.get(name)
        if struct is not None and struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
