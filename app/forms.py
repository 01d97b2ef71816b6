"""Small helpers for HTML form posts (values are always strings; absent means empty)."""

from __future__ import annotations

from typing import Any

from litestar import Request

MAX_FIELD_CHARS = 2_000


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {k: v[:MAX_FIELD_CHARS] for k, v in form.items() if isinstance(v, str)}


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths, so `?next=` cannot send anyone to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
