"""组团 memberships in the table."""

from __future__ import annotations

import polars as pl

from evaluation.scorecard.standings import store as standings
from evaluation.scorecard.tables import GroupMember


async def members(plan_id: int) -> pl.DataFrame:
    rows = await GroupMember.select(GroupMember.group, GroupMember.town.as_alias("town_id")).where(
        GroupMember.plan == plan_id
    )
    return pl.DataFrame(rows, schema={"group": pl.String, "town_id": pl.Int64})


@standings.invalidates
async def replace(plan_id: int, group: str, town_ids: list[int], by: str) -> None:
    """The group's members become `town_ids`, at once (a town in another group is refused
    by the one-group index and nothing changes)."""
    async with GroupMember._meta.db.transaction():
        await GroupMember.delete().where(GroupMember.plan == plan_id, GroupMember.group == group)
        if town_ids:
            await GroupMember.insert(
                *[GroupMember(plan=plan_id, group=group, town=t, added_by=by) for t in town_ids]
            )
