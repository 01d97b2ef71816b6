"""Tables of the evaluated population: county, towns, cadres and who leads whom.

External ids come from the county's own roster and make imports idempotent.
"""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class County(Table):
    id: Serial
    name = Varchar(length=64, unique=True)


class Town(Table):
    id: Serial
    external_id = Varchar(length=32, unique=True)
    county = ForeignKey(references=County, on_delete=OnDelete.restrict, null=False)
    name = Varchar(length=64)
    town_type = Varchar(length=16, index=True)
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)


class Cadre(Table):
    id: Serial
    external_id = Varchar(length=32, unique=True)
    name = Varchar(length=32)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    position = Varchar(length=32)
    rank = Varchar(length=16, default="")
    active = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class Leadership(Table):
    """`leader` leads `member` (a cadre may have several leaders, e.g. 书记 and 分管领导)."""

    id: Serial
    leader = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    member = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    sort_order = Integer(default=0)
