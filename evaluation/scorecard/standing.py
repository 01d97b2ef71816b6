"""Scores as the pages show them: the values that count, the settled quarters, red-card
deductions, the county board, a town's page, the year-end composite and the public years."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from evaluation.clock import today
from evaluation.errors import Invalid, NotFound
from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard import (
    feeds,
    group_store,
    project_store,
    repository,
    value_store,
)
from evaluation.scorecard.cards import apply_deductions
from evaluation.scorecard.clusters import blend, boards, member_rows
from evaluation.scorecard.contracts import _town, parse_number
from evaluation.scorecard.plan import (
    Method,
    Plan,
    Source,
)
from evaluation.scorecard.plans import published_record
from evaluation.scorecard.publicity import publicity, refuse_if_final
from evaluation.scorecard.reporting import open_quarter, town_indicators
from evaluation.scorecard.schemas import (
    Board,
    Bottleneck,
    CompositeRow,
    IndicatorLine,
    PlanRecord,
    PublicResults,
    PublicTown,
    TownScore,
    TownView,
)
from evaluation.scorecard.scoring import Scores, composite, score

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
    return await score_from(record, await value_store.values(record.id), await repository.towns())


async def score_from(
    record: PlanRecord, stored: pl.DataFrame, town_list: list[TownRecord]
) -> tuple[Scores, list[int]]:
    """Scores of the settled quarters from the year's stored values, with each 组团 member's
    share of its group's result, less red-card deductions (as the daily sweep left them: a
    read never writes)."""
    quarters = settled_quarters(record.plan, stored, town_list)
    values = (await effective_values(record, stored)).filter(pl.col("quarter").is_in(quarters))
    towns = pl.DataFrame(
        {"town_id": [t.id for t in town_list], "town_type": [t.town_type for t in town_list]},
        schema={"town_id": pl.Int64, "town_type": pl.String},
    )
    targets = await repository.targets(record.id)
    scores = score(record.plan, values, targets, towns, quarters)
    members = member_rows(record.plan, scores.indicators, await group_store.members(record.id))
    totals = apply_deductions(
        blend(scores.totals, members),
        await project_store.deductions(record.id),
        record.plan.year,
        quarters[-1] if quarters else None,
    )
    return Scores(scores.indicators, scores.dimensions, totals), quarters


def _town_scores(scores: Scores, towns: list[TownRecord], quarter: int) -> list[TownScore]:
    names = {t.id: t for t in towns}
    dims = scores.dimensions.filter(pl.col("quarter") == quarter)
    by_town: dict[int, dict[str, float]] = {}
    for town_id, dimension, value in dims.select("town_id", "dimension", "score").iter_rows():
        by_town.setdefault(town_id, {})[dimension] = value
    trend: dict[int, list[float | None]] = {}
    for town_id, q, total in scores.totals.select("town_id", "quarter", "total").iter_rows():
        trend.setdefault(town_id, [None] * 4)[q - 1] = total
    rows = scores.totals.filter(pl.col("quarter") == quarter).sort("town_type", "rank")
    return [
        TownScore(
            town_id=r["town_id"],
            name=names[r["town_id"]].name,
            town_type=r["town_type"],
            total=r["total"],
            rank=r["rank"],
            of=r["of"],
            red=r["red"] or 0,
            yellow=r["yellow"] or 0,
            dimensions=by_town.get(r["town_id"], {}),
            trend=trend.get(r["town_id"], [None] * 4),
            deduction=float(r.get("deduction") or 0.0),
        )
        for r in rows.iter_rows(named=True)
        if r["town_id"] in names
    ]


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
        past, quarters = await score_from(
            past_record, await value_store.values(past_record.id), town_list
        )
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


async def board(year: int) -> Board:
    record = await published_record(year)
    values = await value_store.values(record.id)
    towns = await repository.towns()
    scores, quarters = await score_from(record, values, towns)
    quarter = quarters[-1] if quarters else None
    return Board(
        year=year,
        quarter=quarter,
        record=record,
        towns=_town_scores(scores, towns, quarter) if quarter else [],
        bottlenecks=await bottlenecks(record, scores, quarter, towns) if quarter else [],
        flagged=values.filter(pl.col("status") == "flagged").height,
        composite=await composite_rows(record, scores, towns),
    )


async def town_view(year: int, town_id: int, on: dt.date | None = None) -> TownView:
    record = await published_record(year)
    towns = await repository.towns()
    town = next((t for t in towns if t.id == town_id), None)
    if town is None:
        raise NotFound("没有这个乡镇")
    values = await value_store.values(record.id)
    scores, quarters = await score_from(record, values, towns)
    mine_values = values.filter(pl.col("town_id") == town_id, pl.col("source") == "town")
    quarter = quarters[-1] if quarters else None
    mine = (
        [s for s in _town_scores(scores, towns, quarter) if s.town_id == town_id] if quarter else []
    )
    statuses = dict(
        mine_values.filter(pl.col("quarter") == (quarter or 0))
        .select("indicator", "status")
        .iter_rows()
    )
    lines = [
        IndicatorLine(
            code=r["indicator"],
            name=record.plan.indicator(r["indicator"]).name,
            dimension=r["dimension"],
            unit=record.plan.indicator(r["indicator"]).unit,
            value=r["value"],
            target=r["target"],
            pro_rata=r["pro_rata"],
            attainment=r["attainment"],
            score=r["score"],
            light=r["light"],
            reason=r["reason"],
            status=statuses.get(r["indicator"]),
        )
        for r in scores.indicators.filter(
            pl.col("town_id") == town_id, pl.col("quarter") == (quarter or 0)
        ).iter_rows(named=True)
    ]
    on = on or today()
    open_q = open_quarter(record.plan, on)
    reported = 0
    due = 0
    if open_q:
        due_codes = {i.code for i in town_indicators(record.plan, town.town_type, open_q)}
        due = len(due_codes)
        reported = mine_values.filter(
            pl.col("quarter") == open_q,
            pl.col("indicator").is_in(list(due_codes)),
        ).height
    composite_list = [
        c for c in await composite_rows(record, scores, towns) if c.town_id == town_id
    ]
    memberships = await group_store.members(record.id)
    group = next(
        (
            b
            for b in boards(
                record.plan,
                member_rows(record.plan, scores.indicators, memberships),
                memberships,
                {t.id: t.name for t in towns},
                quarter,
            )
            if any(m.town_id == town_id for m in b.members)
        ),
        None,
    )
    return TownView(
        year=year,
        quarter=quarter,
        record=record,
        town_id=town.id,
        town_name=town.name,
        town_type=town.town_type,
        score=mine[0] if mine else None,
        lines=sorted(
            lines, key=lambda line: ({"red": 0, "yellow": 1}.get(line.light, 2), line.dimension)
        ),
        open_quarter=open_q,
        deadline=record.plan.deadline(open_q) if open_q else None,
        reported=reported,
        due=due,
        confirmed=town_id in await repository.acceptances(record.id),
        composite=composite_list[0] if composite_list else None,
        group=group,
    )


async def set_year_end(
    year: int, town_id: int, field_check: str, third_party: str, by: str
) -> None:
    record = await published_record(year)
    await refuse_if_final(record)
    await _town(town_id)
    problems = {}
    parsed = {}
    for name, raw in (("field_check", field_check), ("third_party", third_party)):
        value = parse_number(raw)
        if value is not None and (math.isnan(value) or not 0 <= value <= 100):
            problems[name] = "请填写 0–100 之间的分数"
        parsed[name] = value
    if problems:
        raise Invalid("年终评分未保存", problems)
    await value_store.set_adjustment(
        record.id, town_id, parsed["field_check"], parsed["third_party"], by
    )


async def public_results(year: int) -> PublicResults:
    """Published to everyone once the office has published the year (its fourth quarter
    settled) for 公示."""
    record = await repository.published(year)
    if record is None:
        raise NotFound("没有这一年度公布的乡镇考核结果")
    if record.results_on is None:
        raise NotFound(f"{year} 年度乡镇考核结果尚未公布：第四季度结算后由考核办发布并公示")
    scores, quarters = await scored(record)
    if 4 not in quarters:
        raise NotFound(f"{year} 年度乡镇考核尚未结束，结果年终公布")
    towns = await repository.towns()
    composites = {c.town_id: c for c in await composite_rows(record, scores, towns)}
    rows = []
    for town in _town_scores(scores, towns, 4):
        final = composites.get(town.town_id)
        rows.append(
            PublicTown(
                town_id=town.town_id,
                name=town.name,
                town_type=town.town_type,
                dimensions=town.dimensions,
                total=town.total,
                composite=final.composite if final else None,
                rank=final.rank if final else town.rank,
                of=final.of if final else town.of,
            )
        )
    return PublicResults(
        year=year,
        title=record.plan.title,
        towns=rows,
        years=await finished_years(),
        in_publicity=(await publicity(record)).open,
        publicity_ends_on=record.publicity_ends_on,
    )


async def finished_years() -> list[int]:
    """Years whose results the office has published (in 公示 or final): they are public."""
    found = [await repository.published(y) for y in await repository.published_years()]
    return [r.year for r in found if r is not None and r.results_on is not None]
