"""组团式考核 for the pages: who is in each of the year's groups (the office names them), one
board per group — its result by quarter and its members, a lagging one marked — and a
town's own group line."""

from __future__ import annotations

import msgspec
import polars as pl

from evaluation.errors import Invalid, NotFound
from evaluation.scorecard import group_store, repository, value_store
from evaluation.scorecard.clusters import LAG_POINTS, member_rows
from evaluation.scorecard.plans import published_record
from evaluation.scorecard.standing import score_from


class MemberLine(msgspec.Struct, frozen=True):
    town_id: int
    name: str
    score: float | None  # mean score on the shared indicators, latest scored quarter
    lagging: bool


class GroupBoard(msgspec.Struct, frozen=True):
    code: str
    name: str
    goal: str
    indicators: list[str]  # names
    share: float
    quarter: int | None
    result: float | None
    trend: list[float | None]  # Q1..Q4
    members: list[MemberLine]
    lag_points: float = LAG_POINTS


async def boards(year: int) -> list[GroupBoard]:
    record = await published_record(year)
    towns = await repository.towns()
    names = {t.id: t.name for t in towns}
    scores, quarters = await score_from(record, await value_store.values(record.id), towns)
    members = await group_store.members(record.id)
    rows = member_rows(record.plan, scores.indicators, members)
    latest = quarters[-1] if quarters else None
    found = []
    for group in record.plan.groups:
        mine = rows.filter(pl.col("group") == group.code)
        now = mine.filter(pl.col("quarter") == (latest or 0))
        by_town = {r["town_id"]: r for r in now.iter_rows(named=True)}
        trend: list[float | None] = [None] * 4
        for quarter, result in mine.select("quarter", "result").unique().iter_rows():
            trend[quarter - 1] = result
        found.append(
            GroupBoard(
                code=group.code,
                name=group.name,
                goal=group.goal,
                indicators=[record.plan.indicator(c).name for c in group.indicators],
                share=group.share,
                quarter=latest,
                result=now["result"][0] if now.height else None,
                trend=trend,
                members=sorted(
                    (
                        MemberLine(
                            town_id=town_id,
                            name=names.get(town_id, ""),
                            score=by_town[town_id]["member_score"] if town_id in by_town else None,
                            lagging=bool(by_town[town_id]["lagging"])
                            if town_id in by_town
                            else False,
                        )
                        for town_id in members.filter(pl.col("group") == group.code)["town_id"]
                    ),
                    key=lambda m: -(m.score or 0.0),
                ),
            )
        )
    return found


async def town_group(year: int, town_id: int) -> GroupBoard | None:
    """The board of the group the town belongs to this year, if any."""
    for board in await boards(year):
        if any(m.town_id == town_id for m in board.members):
            return board
    return None


async def set_members(year: int, code: str, town_ids: list[int], by: str) -> None:
    record = await published_record(year)
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
