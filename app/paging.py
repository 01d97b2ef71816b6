"""The search text and page number of a long list, read from the URL (`?q=…&page=…`); the
searching and slicing is `evaluation.infra.listing`."""

from __future__ import annotations

from typing import Any

from litestar import Request

MAX_QUERY = 32


def list_params(request: Request[Any, Any, Any]) -> tuple[str, int]:
    """The search text (trimmed, at most 32 characters) and page number (1 if garbled;
    past the end is clamped to the last page by `paginate`)."""
    query = request.query_params.get("q", "").strip()[:MAX_QUERY]
    raw = request.query_params.get("page", "1")
    return query, int(raw) if raw.isdigit() and len(raw) <= 9 else 1
