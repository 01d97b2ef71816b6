"""The organisation as the rest of the code sees it: towns, cadres, a leader's team."""

from __future__ import annotations

import msgspec


class TownRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    external_id: str
    name: str
    town_type: str
    latitude: float | None = None
    longitude: float | None = None


class TownOverview(msgspec.Struct, frozen=True, kw_only=True):
    """A town on the office's pages: its cadres and how many hold each class of post."""

    id: int
    external_id: str
    name: str
    town_type: str
    cadres: int
    active: int
    leadership: int
    station_head: int
    staff: int
    village: int


class StaffByClass(msgspec.Struct, frozen=True, kw_only=True):
    """Cadres per position class, county-wide (the training office's first figures)."""

    leadership: int
    station_head: int
    staff: int
    village: int


class PersonRef(msgspec.Struct, frozen=True, kw_only=True):
    """Someone named on a page: a cadre's leader, a team member."""

    id: int
    name: str
    position: str
    external_id: str = ""  # 干部编号, where a page lets people type it


class CadreRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    external_id: str
    name: str
    position: str
    rank: str
    active: bool
    town_id: int
    town_name: str
    town_type: str
    leaders: tuple[PersonRef, ...] = ()


class TeamMember(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    external_id: str
    name: str
    position: str
    rank: str
    active: bool
