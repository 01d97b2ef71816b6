"""The read model's computation: a plan year's standing from its inputs (the values that
count, the settled quarters, scores with 组团 shares and red-card deductions, the year-end
composite, the bottlenecks), the standing pages read (`current`: frozen, stored or computed in
memory), and the writes that store it (`refresh`, `refresh_all`, `refresh_stale`, `freeze`)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from evaluation.clock import today
from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard import (
    feeds,
    group_store,
    project_store,
    repository,
    value_store,
)
from evaluation.scorecard.cards import apply_deductions
from evaluation.scorecard.clusters import blend, member_rows
from evaluation.scorecard.plan import Method, Plan, Source
from evaluation.scorecard.reporting import town_indicators
from evaluation.scorecard.schemas import Bottleneck, CompositeRow, PlanRecord
from evaluation.scorecard.scoring import Scores, composite, score
from evaluation.scorecard.standings import store as standings
from evaluation.scorecard.standings.snapshot import Snapshot, snapshot

BOTTLENECK_TOWNS = 3


async def effective_values(record: PlanRecord, values: pl.DataFrame) -> pl.DataFrame:
    """The value that counts per town, indicator and quarter (from the stored `values`): the
    indicator's own source (the town's report, or the system it is imported from), corrected
    where the office corrected it; the leadership team's 360 where the plan takes it."""
    sources = pl.DataFrame(
        {
            "indicator": [i.code for i in record.plan.indicators],
            "source": [str(i.source) for i in record.plan.indicators],
        }
    )
    counted = values.join(sources, on=["indicator", "source"]).select(
        "town_id",
        "indicator",
        "quarter",
        value=pl.coalesce("corrected", "value"),
    )
    if any(i.source == Source.team360 for i in record.plan.indicators):
        team = await feeds.leadership_scores(record.plan.year)
        counted = pl.concat([counted, team.select(counted.columns)]).unique(
            ["town_id", "indicator", "quarter"], keep="first"
        )
    return counted


def settled_quarters(plan: Plan, values: pl.DataFrame, towns: list[TownRecord]) -> list[int]:
    """Quarters that are scored: those whose deadline has passed, and an open one once every
    town has sent everything due — a quarter still being filled would count the towns that
    have not sent yet as zero."""
    on = today()
    reported = values.filter(pl.col("source") == "town")
    settled = []
    for quarter in sorted(set(values["quarter"].to_list())):
        if plan.deadline(quarter) < on:
            settled.append(quarter)
            continue
        sent = reported.filter(pl.col("quarter") == quarter)
        due = sum(len(town_indicators(plan, t.town_type, quarter)) for t in towns)
        if due and sent.height >= due:
            settled.append(quarter)
    return settled


async def scored(record: PlanRecord) -> tuple[Scores, list[int]]:
    """The plan year's scores and settled quarters as the pages show them (its standing)."""
    found = await current(record)
    return found.scores(), found.quarters


async def compute(
    record: PlanRecord, on: dt.date | None = None, towns: list[TownRecord] | None = None
) -> Snapshot:
    """The plan year's standing from its inputs as they are now (reads only), over the
    county's towns or the `towns` given (a frozen year's, when an appeal re-freezes it)."""
    values = await value_store.values(record.id)
    if towns is None:
        towns = await repository.towns()
    else:
        values = values.filter(pl.col("town_id").is_in([t.id for t in towns]))
    scores, quarters = await score_from(record, values, towns)
    quarter = quarters[-1] if quarters else None
    return snapshot(
        on=on or today(),
        scores=scores,
        quarters=quarters,
        towns=towns,
        confirmed=sorted(set(await repository.acceptances(record.id)) & {t.id for t in towns}),
        composite=await composite_rows(record, scores, towns),
        bottlenecks=await bottlenecks(record, scores, quarter, towns) if quarter else [],
        flagged=values.filter(pl.col("status") == "flagged").height,
        feed=await feeds.feed_stamp(record.plan.year),
    )


async def current(record: PlanRecord) -> Snapshot:
    """The standing pages read: frozen once the year's results are published (only the appeal
    path changes it then); else the stored one while its inputs are as they were — no write
    since, the same day (quarters settle by date), the same towns and the same published 360
    feed — and otherwise computed here, in memory: a read never writes."""
    stored = await standings.load(record.id)
    if stored is not None and stored.state == "frozen":
        return stored.snapshot
    if (
        stored is not None
        and stored.state == "fresh"
        and stored.snapshot.computed_on == today()
        and stored.snapshot.towns == await repository.towns()
        and stored.snapshot.feed == await feeds.feed_stamp(record.plan.year)
    ):
        return stored.snapshot
    return await compute(record)


async def refresh(plan_id: int) -> bool:
    """Recompute and store a plan's standing (the write's recomputation, the sweep's daily
    one); a frozen standing is left as it is — False then."""
    stored = await standings.state(plan_id)
    if stored is not None and stored[0] == "frozen":
        return False
    since = stored[1] if stored is not None else None
    record = await repository.plan(plan_id)
    return await standings.save(plan_id, await compute(record), "fresh", since=since)


async def refresh_all() -> int:
    """Every published plan's standing brought up to date: recomputed where not frozen, and
    frozen where the year's results are published but no frozen standing exists yet (a
    database from before the read model). How many were written."""
    written = 0
    for plan_id in await standings.unfrozen():
        record = await repository.plan(plan_id)
        if record.results_on is not None:
            await freeze(plan_id)
            written += 1
        elif await refresh(plan_id):
            written += 1
    return written


async def refresh_stale() -> int:
    """The recomputation a write enqueues (run after its response is sent): every stale
    standing stored again. How many were."""
    return sum([await refresh(plan_id) for plan_id in await standings.stale()])


async def freeze(plan_id: int) -> None:
    """Freeze the plan year as it stands: at publication of its results, and again when an
    upheld appeal corrects it (the appeal path, the only one that may) — over the towns it
    was first frozen with, whatever joined the county since."""
    record = await repository.plan(plan_id)
    stored = await standings.load(plan_id)
    towns = stored.snapshot.towns if stored is not None and stored.state == "frozen" else None
    await standings.save(plan_id, await compute(record, towns=towns), "frozen")


async def score_from(
    record: PlanRecord, stored: pl.DataFrame, town_list: list[TownRecord]
) -> tuple[Scores, list[int]]:
    """Scores of the settled quarters from the year's stored values, with each 组团 member's
    share of its group's result, less red-card deductions (as the daily sweep left them: a
    read never writes). A town without a contract for the year is not scored — a town added
    since the plan was published gets one first (`plans.draw_up_missing_contracts`) — so it
    is never scored 0 for lack of targets."""
    targets = await repository.targets(record.id)
    contracted = set(targets["town_id"].to_list())
    town_list = [t for t in town_list if t.id in contracted]  # no contract: not scored (yet)
    quarters = settled_quarters(record.plan, stored, town_list)
    values = (await effective_values(record, stored)).filter(pl.col("quarter").is_in(quarters))
    towns = pl.DataFrame(
        {"town_id": [t.id for t in town_list], "town_type": [t.town_type for t in town_list]},
        schema={"town_id": pl.Int64, "town_type": pl.String},
    )
    scores = score(record.plan, values, targets, towns, quarters)
    members = member_rows(record.plan, scores.indicators, await group_store.members(record.id))
    totals = apply_deductions(
        blend(scores.totals, members),
        await project_store.deductions(record.id),
        record.plan.year,
        quarters[-1] if quarters else None,
    )
    return Scores(scores.indicators, scores.dimensions, totals), quarters


async def composite_rows(
    record: PlanRecord, scores: Scores, towns: list[TownRecord]
) -> list[CompositeRow]:
    """The year-end composite, once the fourth quarter is scored."""
    year_end = scores.totals.filter(pl.col("quarter") == 4)
    if year_end.is_empty():
        return []
    satisfaction = await feeds.resident_satisfaction(record.plan.year)
    frame = composite(record.plan, year_end, await value_store.adjustments(record.id), satisfaction)
    names = {t.id: t.name for t in towns}
    return [
        CompositeRow(
            town_id=r["town_id"],
            name=names.get(r["town_id"], ""),
            town_type=r["town_type"],
            composite=r["composite"],
            rank=r["rank"],
            of=r["of"],
            indicators=r["indicators"],
            field_check=r["field_check"],
            satisfaction=r["satisfaction"],
            third_party=r["third_party"],
            missing=list(r["missing"]),
        )
        for r in frame.iter_rows(named=True)
    ]


async def bottlenecks(
    record: PlanRecord, scores: Scores, quarter: int, town_list: list[TownRecord]
) -> list[Bottleneck]:
    """Indicators lagging in several towns now, with the earlier years they also lagged in."""

    def lagging(s: Scores, q: int) -> dict[str, list[int]]:
        rows = s.indicators.filter(
            pl.col("quarter") == q,
            pl.col("light") != "green",
            pl.col("method") != Method.rank,  # half the towns are always below the middle
        )
        grouped = rows.group_by("indicator").agg(pl.col("town_id").unique().sort())
        return {
            code: towns for code, towns in grouped.iter_rows() if len(towns) >= BOTTLENECK_TOWNS
        }

    year = record.plan.year
    now = lagging(scores, quarter)
    years: dict[str, list[int]] = {code: [year] for code in now}
    for earlier in await repository.published_years():
        if earlier >= year or not now:
            continue
        past_record = await repository.published(earlier)
        if past_record is None:
            continue
        earlier_standing = await current(past_record)
        past, quarters = earlier_standing.scores(), earlier_standing.quarters
        if quarters:
            for code in lagging(past, quarters[-1]):
                if code in years:
                    years[code].insert(0, earlier)
    names = {t.id: t.name for t in town_list}
    return sorted(
        (
            Bottleneck(
                code=code,
                name=record.plan.indicator(code).name,
                towns=[names.get(t, "") for t in towns],
                years=years[code],
            )
            for code, towns in now.items()
        ),
        key=lambda b: (-len(b.years), -len(b.towns)),
    )
