from __future__ import annotations

from typing import Any

from litestar import Response, get

from app.database import check_database


@get("/healthz", exclude_from_auth=True, exclude_from_csrf=True)
async def healthz() -> Response[dict[str, Any]]:
    """Liveness and database round-trip; 503 when the database does not answer."""
    try:
        engine = await check_database()
    except Exception as exc:
        return Response(
            {"status": "unavailable", "database": "error", "detail": type(exc).__name__},
            status_code=503,
        )
    return Response({"status": "ok", "database": engine})


routes = [healthz]
