"""Catalogue entries as the rest of the code sees them."""

from __future__ import annotations

from datetime import date

import msgspec


class OfferingDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A checked offering, ready to store (from the form or one row of a sheet)."""

    kind: str  # workshop | exchange
    title: str
    competencies: dict[str, float]  # competency id → relevance 0–1
    format: str = ""
    trainer: str = ""
    venue_town: int | None = None
    host_cadres: str = ""
    day: date
    capacity: int
    fee: float = 0.0


class OfferingRef(msgspec.Struct, frozen=True, kw_only=True):
    """An offering's identity and where its check-in code points."""

    id: int
    title: str
    day: date
    checkin_token: str
    venue_name: str | None


class OfferingRow(msgspec.Struct, frozen=True, kw_only=True):
    """A session as the catalogue page lists it (`targets`: the competencies' names)."""

    id: int
    kind: str
    title: str
    targets: str
    venue: str | None
    host_cadres: str
    day: date
    capacity: int
    fee: float
