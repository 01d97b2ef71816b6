"""Read-only JSON for other systems (组织部 personnel system, the county data platform):
published cadre results, the roster and the published township scorecard. Each route needs
a bearer token holding its scope (`app.api_auth`); every use is in the audit log. Results
are the released numbers the office's personnel list carries, never a rater or a group the
release rule withholds."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.params import FromPath

from app.api_auth import token_scope
from app.errors import API_PROBLEMS
from evaluation.organisation.listing import RosterOut, roster_listing
from evaluation.results import listing
from evaluation.results.listing import CycleOut, CycleResultsOut
from evaluation.scorecard.standing import PublicResults, public_results

SECURITY: list[dict[str, list[str]]] = [{"BearerToken": []}]
COMMON: dict[str, Any] = {
    "exclude_from_auth": True,
    "tags": ["read"],
    "responses": API_PROBLEMS,
    "security": SECURITY,
}


@get("/api/v1/roster", guards=[token_scope("roster:read")], **COMMON)
async def roster() -> RosterOut:
    return await roster_listing()


@get("/api/v1/results", guards=[token_scope("results:read")], **COMMON)
async def published_cycles() -> list[CycleOut]:
    return await listing.published_cycles()


@get("/api/v1/results/{cycle_id:int}", guards=[token_scope("results:read")], **COMMON)
async def cycle_results(cycle_id: FromPath[int]) -> CycleResultsOut:
    return await listing.cycle_results(cycle_id)  # published (frozen) snapshots only


@get("/api/v1/scorecard/{year:int}", guards=[token_scope("scorecard:read")], **COMMON)
async def scorecard_year(year: FromPath[int]) -> PublicResults:
    return await public_results(year)


routes = [roster, published_cycles, cycle_results, scorecard_year]
