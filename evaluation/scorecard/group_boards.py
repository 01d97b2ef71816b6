"""组团式考核 for the pages: who is in each of the year's groups (the office names them), one
board per group — its result by quarter and its members, a lagging one marked (the town's
own page reads its group from `standing.town_view`)."""

from __future__ import annotations

import polars as pl

from evaluation.errors import Invalid, NotFound
from evaluation.scorecard import clusters, group_store, repository
from evaluation.scorecard.clusters import GroupBoard
from evaluation.scorecard.plans import published_record
from evaluation.scorecard.publicity import refuse_if_published
from evaluation.scorecard.standings.model import current


async def boards(year: int) -> list[GroupBoard]:
    record = await published_record(year)
    found = await current(record)
    towns, scores, quarters = found.towns, found.scores(), found.quarters
    members = await group_store.members(record.id)
    return clusters.boards(
        record.plan,
        clusters.member_rows(record.plan, scores.indicators, members),
        members,
        {t.id: t.name for t in towns},
        quarters[-1] if quarters else None,
    )


async def set_members(year: int, code: str, town_ids: list[int], by: str) -> None:
    record = await published_record(year)
    refuse_if_published(record, "组团不再调整")
    group = next((g for g in record.plan.groups if g.code == code), None)
    if group is None:
        raise NotFound("方案中没有这个组团")
    towns = {t.id: t.name for t in await repository.towns()}
    problems: dict[str, str] = {}
    chosen = sorted(set(town_ids))
    if any(t not in towns for t in chosen):
        problems["towns"] = "请选择本县的乡镇"
    elif len(chosen) < 2:
        problems["towns"] = "组团至少需要两个乡镇"
    current = await group_store.members(record.id)
    elsewhere = current.filter(pl.col("group") != code, pl.col("town_id").is_in(chosen))
    if elsewhere.height:
        other = {g.code: g.name for g in record.plan.groups}
        taken = "、".join(
            f"{towns[t]}（已在{other.get(g, g)}）"
            for g, t in elsewhere.select("group", "town_id").iter_rows()
        )
        problems["towns"] = f"一个乡镇一年只能参加一个组团：{taken}"
    if problems:
        raise Invalid("组团成员未保存", problems)
    await group_store.replace(record.id, code, chosen, by)
