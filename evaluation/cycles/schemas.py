"""What a cycle is, as every other package reads it (decoded from storage once)."""

from __future__ import annotations

from datetime import date, datetime

import msgspec


class CycleRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    period: str  # annual | quarterly
    year: int
    quarter: int | None
    rubric_id: int
    rubric_name: str
    rubric_version: str
    weights: dict[str, float]
    peers_per_cadre: int
    opens_on: date
    closes_on: date
    remind_on: date | None
    state: str  # draft | open | closed | published
    publicity_days: int = 7
    publicity_ends_on: date | None = None  # the last day of 公示 (set at publication)
    min_response_rate: float = 0.6  # below it, publishing needs a written reason
    publish_reason: str = ""
    created_at: datetime | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    published_at: datetime | None = None


class ManualAssignment(msgspec.Struct, frozen=True, kw_only=True):
    """An assignment the office added by hand, with both names and the reason."""

    id: int
    rater: str
    ratee: str
    rater_group: str
    status: str
    reason: str | None
