"""Search and paging for long lists (the page reads `?q=…&page=…` from the URL, so any view of
a list can be bookmarked or sent to a colleague). The filtering is one vectorised polars
expression over the columns people search by; paging slices the frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import polars as pl

PER_PAGE = 50


@dataclass(frozen=True)
class Paged:
    """One page of a (searched) list, and how to reach the others."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    query: str
    keep: dict[str, str] = field(default_factory=dict)  # other URL parameters to carry

    def link(self, page: int) -> str:
        params = {**self.keep, **({"q": self.query} if self.query else {}), "page": str(page)}
        return "?" + urlencode(params)


def search(frame: pl.DataFrame, query: str, columns: list[str]) -> pl.DataFrame:
    """Rows where any of `columns` contains `query` (literally; case-insensitive for
    Latin letters, as in roster numbers)."""
    if not query or frame.is_empty():
        return frame
    needle = query.lower()
    matches = [
        pl.col(c)
        .cast(pl.String)
        .fill_null("")
        .str.to_lowercase()
        .str.contains(needle, literal=True)
        for c in columns
    ]
    return frame.filter(pl.any_horizontal(matches))


def paginate(
    frame: pl.DataFrame,
    page: int,
    query: str = "",
    per_page: int = PER_PAGE,
    keep: dict[str, str] | None = None,
) -> Paged:
    total = frame.height
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = frame.slice((page - 1) * per_page, per_page).to_dicts()
    return Paged(rows, total, page, pages, query, keep or {})
