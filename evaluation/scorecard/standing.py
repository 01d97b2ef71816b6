"""Scores as the pages show them — the county board, a town's page, the public years, the
year-end inputs — read from the year's standing (`standings.model`)."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from evaluation.clock import today
from evaluation.errors import Invalid, NotFound
from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard import group_store, repository, value_store
from evaluation.scorecard.amounts import parse_number
from evaluation.scorecard.clusters import boards, member_rows
from evaluation.scorecard.contracts import _town
from evaluation.scorecard.plans import published_record
from evaluation.scorecard.publicity import publicity, refuse_if_published
from evaluation.scorecard.reporting import open_quarter, town_indicators
from evaluation.scorecard.schemas import (
    Board,
    IndicatorLine,
    PublicResults,
    PublicTown,
    TownScore,
    TownView,
)
from evaluation.scorecard.scoring import Scores
from evaluation.scorecard.standings.model import current
from evaluation.scorecard.tiers import YEAR_END, year_tiers


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


async def board(year: int) -> Board:
    record = await published_record(year)
    found = await current(record)
    quarter = found.quarters[-1] if found.quarters else None
    return Board(
        year=year,
        quarter=quarter,
        record=record,
        towns=_town_scores(found.scores(), found.towns, quarter) if quarter else [],
        bottlenecks=found.bottlenecks,
        flagged=found.flagged,
        composite=found.composite,
        year_end_due=record.plan.deadline(4) < today(),
    )


async def town_view(year: int, town_id: int, on: dt.date | None = None) -> TownView:
    record = await published_record(year)
    found = await current(record)
    towns = found.towns
    town = found.town(town_id)
    if town is None:
        raise NotFound("这个乡镇不在本年度考核之列" if record.results_on else "没有这个乡镇")
    values = await value_store.values(record.id)
    scores, quarters = found.scores(), found.quarters
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
    composite_list = [c for c in found.composite if c.town_id == town_id]
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
        confirmed=town_id in found.confirmed,
        composite=composite_list[0] if composite_list else None,
        group=group,
    )


async def year_towns(year: int) -> list[TownRecord]:
    """The towns assessed in a year: those of its frozen standing once its results are
    published (a town added since was not in it), else the county's towns."""
    return (await current(await published_record(year))).towns


async def set_year_end(
    year: int, town_id: int, field_check: str, third_party: str, by: str
) -> None:
    record = await published_record(year)
    refuse_if_published(record, "年终评分不再修改")
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
    found = await current(record)
    if 4 not in found.quarters:
        raise NotFound(f"{year} 年度乡镇考核尚未结束，结果年终公布")
    composites = {c.town_id: c for c in found.composite}
    standing = pl.DataFrame(
        [(c.town_id, c.town_type, c.composite) for c in found.composite if c.composite is not None],
        schema={"town_id": pl.Int64, "town_type": pl.String, "score": pl.Float64},
        orient="row",
    )
    tiers = {
        r["town_id"]: r
        for r in year_tiers(standing, record.plan.results_use, YEAR_END).iter_rows(named=True)
    }
    rows = []
    for town in _town_scores(found.scores(), found.towns, 4):
        final = composites.get(town.town_id)
        tier = tiers.get(town.town_id, {})
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
                excellent=bool(tier.get("excellent")),
                interview=bool(tier.get("lowest")),
            )
        )
    shown = await publicity(record)
    return PublicResults(
        year=year,
        title=record.plan.title,
        towns=rows,
        years=await finished_years(),
        in_publicity=shown.open,
        publicity_ends_on=record.publicity_ends_on,
        final=shown.final,
        appeals_pending=shown.pending,
    )


async def finished_years() -> list[int]:
    """Years whose results the office has published (in 公示 or final): they are public."""
    found = [await repository.published(y) for y in await repository.published_years()]
    return [r.year for r in found if r is not None and r.results_on is not None]
