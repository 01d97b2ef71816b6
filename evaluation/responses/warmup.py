"""Warm the resident path's caches when a server process starts: live QR links of open cycles
and their forms, so the first residents after a restart do not all pay for cold lookups.
Bounded, so a province-size deployment still starts quickly; the rest fill on demand."""

from __future__ import annotations

from evaluation.responses.campaigns import warm_live_links
from evaluation.responses.context import ratee_context

WARM_LIMIT = 20_000


async def warm_resident_path(limit: int = WARM_LIMIT) -> int:
    links = await warm_live_links(limit)
    for cycle_id, ratee_id in {(link.cycle_id, link.ratee_id) for link in links}:
        await ratee_context(cycle_id, ratee_id, "resident")
    return len(links)
