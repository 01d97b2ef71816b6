"""Published means published (issue 29, #3). Before: a transfer recorded with an effective
date back inside the cycle, then any upheld appeal, recomputed the cycle on the organisation
as rebuilt from history — 965 cells' norms, percentiles and ranks and 328 summaries moved.
Now an appeal's recomputation reads the people the publication froze: only the appellant's
own result changes."""

from __future__ import annotations

import datetime as dt

import polars as pl

from evaluation.organisation import upkeep
from evaluation.results import appeals, snapshots
from evaluation.tables import Cadre, ProfileSnapshot, Town
from tests.factories import People, answer_assignments, cadre_id, close_and_publish, open_cycle


async def frozen_snapshots(cycle_id: int) -> list[int]:
    rows = await ProfileSnapshot.select(ProfileSnapshot.id).where(
        (ProfileSnapshot.cycle == cycle_id) & ProfileSnapshot.frozen.eq(True)
    )
    return sorted(int(r["id"]) for r in rows)


async def cells(snapshot: int) -> pl.DataFrame:
    rows = await snapshots.cells(snapshot)
    return rows.select("ratee_id", "competency", "norm", "percentile").sort(
        "ratee_id", "competency"
    )


async def snapshot_people(snapshot: int) -> pl.DataFrame:
    rows = await snapshots.people(snapshot)
    return rows.select("ratee_id", "town_id", "position").sort("ratee_id")


async def test_a_backdated_transfer_never_moves_a_published_result(
    sqlite_url: str, people: People
) -> None:
    cycle_id = await open_cycle()
    await answer_assignments(cycle_id, varied=True)
    await close_and_publish(cycle_id)
    member = await cadre_id(people.member.cadre_external_id or "")
    moved = await cadre_id(people.leader.cadre_external_id or "")
    home = (await Cadre.select(Cadre.town).where(Cadre.id == moved).first())["town"]
    other = (await Town.select(Town.id).where(Town.id != home).first())["id"]
    await upkeep.transfer(
        moved,
        town_id=other,
        position="镇长",
        effective_on=dt.date(2026, 12, 2),  # inside the cycle (1–20 December)
        reason="县委组织部〔2026〕12号",
        by="office",
    )
    [published] = await frozen_snapshots(cycle_id)
    competency = (await cells(published)).filter(pl.col("ratee_id") == member)["competency"][0]
    appeal = await appeals.lodge(
        cycle_id, member, "member", competency, "驻村期间接触少，评价依据不足"
    )
    await appeals.decide(appeal, True, "exclude", "经核实接触确实较少", "office")
    first, latest = (await frozen_snapshots(cycle_id))[0], (await frozen_snapshots(cycle_id))[-1]
    assert latest != first  # recomputed and frozen again
    assert (await snapshot_people(latest)).equals(
        await snapshot_people(first)
    )  # as published, not as rebuilt
    others = pl.col("ratee_id") != member
    assert (await cells(latest)).filter(others).equals((await cells(first)).filter(others))
