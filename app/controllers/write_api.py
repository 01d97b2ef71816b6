"""Data in from other systems (12345, grid, environment monitoring…): a bearer token with the
`scorecard:write` scope pushes one source's quarter as JSON — the same mapping, checks and
plausibility review as the office's file upload (`evaluation.scorecard.imports`), whole or
not at all, each refused row named with its reason. A second push of a quarter before it
settles replaces the first, which is kept as history (the import page lists both)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, post
from litestar.params import FromPath, JSONBody

from app.api_auth import token_scope
from app.errors import API_PROBLEMS
from evaluation.scorecard.imports import ImportResult, import_pushed

MAX_PUSHED = 50_000
Text = Annotated[str, msgspec.Meta(max_length=200)]
COMMON: dict[str, Any] = {
    "guards": [token_scope("scorecard:write")],
    "exclude_from_auth": True,
    "tags": ["write"],
    "responses": API_PROBLEMS,
    "security": [{"BearerToken": []}],
    "status_code": 200,
}


class PushedValue(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One indicator value of one town and quarter: `town` its name or code, `indicator` the
    plan's code or Chinese name, `value` as measured (year to date for a cumulative
    indicator), `unit` as the plan states it. Wrong values are refused by row, in words."""

    town: Text
    quarter: int | Text
    indicator: Text
    value: float | Text | None
    unit: Text


class ValuesPush(msgspec.Struct, forbid_unknown_fields=True):
    values: Annotated[list[PushedValue], msgspec.Meta(max_length=MAX_PUSHED)]


class RecordsPush(msgspec.Struct, forbid_unknown_fields=True):
    """A records source's own rows (work orders, patrol events…) with its export's columns."""

    records: Annotated[
        list[dict[Text, Text | float | int | None]], msgspec.Meta(max_length=MAX_PUSHED)
    ]


def _caller(request: Request[Any, Any, Any]) -> str:
    return f"api:{request.scope.get('api_token', '')}"


@post("/api/v1/scorecard/{year:int}/sources/{source:str}/values", **COMMON)
async def push_values(
    year: FromPath[int],
    source: FromPath[str],
    data: JSONBody[ValuesPush],
    request: Request[Any, Any, Any],
) -> ImportResult:
    """A quarter's indicator values of a `values` source (e.g. environment), one item per
    town, quarter and indicator; problems name items from 1."""
    rows = [msgspec.structs.asdict(v) for v in data.values]
    return await import_pushed(year, source, "values", rows, _caller(request))


@post("/api/v1/scorecard/{year:int}/sources/{source:str}/records", **COMMON)
async def push_records(
    year: FromPath[int],
    source: FromPath[str],
    data: JSONBody[RecordsPush],
    request: Request[Any, Any, Any],
) -> ImportResult:
    """Raw records of a `records` source (e.g. 12345 work orders), summed per town and
    quarter by its mapping exactly as an uploaded export would be."""
    rows: list[dict[str, object]] = [dict(r) for r in data.records]
    return await import_pushed(year, source, "records", rows, _caller(request))


routes = [push_values, push_records]
