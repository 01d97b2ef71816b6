"""申诉/复核 of a town's year result during 公示 — the `town_year` kind of appeal (the flow, the
store and 公示 are `evaluation.appeals`): the office publishes the year's results once
the fourth quarter is settled; a town objects to one indicator (or the whole) with reasons;
the office upholds with the indicator's fourth-quarter value corrected — recorded as a 核查
decision with the reason, so the result recomputes from it — or rejects, in writing. An
appeal after the period is refused; once the period is over and every appeal decided, the
year is final and no value of it changes."""

from __future__ import annotations

import datetime as dt
import math
from typing import ClassVar

import msgspec
import polars as pl

from evaluation.appeals import cases
from evaluation.appeals import store as appeal_store
from evaluation.appeals.publicity import Publicity
from evaluation.appeals.store import AppealRow
from evaluation.clock import today
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.scorecard import projects, repository, value_store
from evaluation.scorecard.amounts import parse_number, range_words
from evaluation.scorecard.plans import published_record
from evaluation.scorecard.publicity import publicity
from evaluation.scorecard.reporting import town_indicators
from evaluation.scorecard.schemas import PlanRecord
from evaluation.scorecard.standings.model import freeze, scored


async def year_publicity(year: int) -> Publicity:
    return await publicity(await published_record(year))


class Blocker(msgspec.Struct, frozen=True):
    """What keeps one town's year from being published."""

    town_id: int
    town_name: str
    missing_q4: list[str]  # indicator names the town has not reported for Q4
    open_reviews: int  # values of the year waiting for the office's 核查


async def publish_blockers(year: int) -> list[Blocker]:
    """Town by town, what must happen before the year can be published: every town's Q4
    reported, no 核查 open (issue 30: a year went out with 20 of 21 towns missing Q4 and
    three 核查 open, scoring 9.9/100)."""
    record = await published_record(year)
    values = await value_store.values(record.id)
    reported = values.filter((pl.col("quarter") == 4) & (pl.col("source") == "town"))
    flagged = values.filter(pl.col("status") == "flagged").group_by("town_id").len()
    open_by_town = dict(flagged.iter_rows())
    found = []
    for town in await repository.towns():
        have = set(reported.filter(pl.col("town_id") == town.id)["indicator"].to_list())
        missing = [
            i.name for i in town_indicators(record.plan, town.town_type, 4) if i.code not in have
        ]
        reviews = int(open_by_town.get(town.id, 0))
        if missing or reviews:
            found.append(Blocker(town.id, town.name, missing, reviews))
    return found


async def publish_results(year: int, by: str, on: dt.date | None = None) -> Publicity:
    """Publish the year's results for 公示 (from `on`, today by default) — only once every
    town's fourth quarter is in and no 核查 is open (`publish_blockers`)."""
    record = await published_record(year)
    start = on or today()
    await projects.sweep(year, start)  # the cards due by the day of publication are in it
    _, quarters = await scored(record)
    if 4 not in quarters and start <= record.plan.deadline(4):
        raise Conflict("第四季度结算后才能发布年度结果")
    blockers = await publish_blockers(year)  # past the deadline: what each town still owes
    if blockers:
        raise Invalid(
            "年度结果暂不能发布：以下乡镇还有未完成的事项",
            {
                b.town_name: "；".join(
                    ([f"第四季度 {len(b.missing_q4)} 项未填报"] if b.missing_q4 else [])
                    + ([f"{b.open_reviews} 个数据待核查"] if b.open_reviews else [])
                )
                for b in blockers
            },
        )
    if 4 not in quarters:
        raise Conflict("第四季度结算后才能发布年度结果")
    ends = start + dt.timedelta(days=record.plan.results_use.publicity_days)
    async with repository.transaction():  # published and frozen together, or neither
        if not await repository.publish_results(record.id, start, ends):
            raise Conflict("年度结果已发布")
        await freeze(record.id)
    return await year_publicity(year)


KIND = appeal_store.TOWN_YEAR


class TownAppealView(msgspec.Struct, frozen=True):
    id: int
    town_id: int
    town_name: str
    indicator: str
    indicator_name: str
    reason: str
    lodged_by: str
    lodged_on: dt.date
    state: str
    corrected: float | None
    decision_reason: str
    decided_on: dt.date | None

    @property
    def heading(self) -> str:
        return f"{self.town_name} · {self.indicator_name}（{self.lodged_on} {self.lodged_by} 提出）"

    @property
    def correction_words(self) -> str:
        return f"更正为 {self.corrected:g}；" if self.corrected is not None else ""


async def _q4_value(record: PlanRecord, town_id: int, code: str) -> dict[str, object] | None:
    """The town's fourth-quarter value of the indicator from its own source, if any."""
    indicator = record.plan.indicator(code)
    values = (await value_store.values(record.id, town_id)).filter(
        pl.col("indicator") == indicator.code,
        pl.col("quarter") == 4,
        pl.col("source") == str(indicator.source),
    )
    return None if values.is_empty() else values.row(0, named=True)


class TownYearAppeals:
    kind: ClassVar[str] = KIND
    reason_hint: ClassVar[str] = "请写明申诉理由和依据（至少 10 个字）"
    already_pending: ClassVar[str] = "本镇已有一件待复核的申诉，考核办答复后可再提出"

    async def lodging(self, period: int, subject: int, item: str) -> dict[str, str]:
        record = await repository.plan(period)
        state = await publicity(record)
        if state.starts_on is None:
            raise Conflict("年度结果尚未发布，发布后公示期内可以申诉")
        if not state.open:
            raise Conflict(f"公示期已于 {state.ends_on} 结束，不再受理申诉")
        town = next((t for t in await repository.towns() if t.id == subject), None)
        if town is None:
            raise NotFound("没有这个乡镇")
        if item and item not in {i.code for i in record.plan.for_town_type(town.town_type)}:
            return {"indicator": "请选择本镇考核的指标，或“年度结果”"}
        return {}

    async def correction(self, case: AppealRow, raw: str) -> tuple[str, dict[str, str]]:
        if not case.item:
            return "", {"value": "针对年度结果整体的申诉没有可更正的数值：请驳回并说明理由"}
        record = await repository.plan(case.period)
        value = parse_number(raw)
        if await _q4_value(record, case.subject, case.item) is None:
            return "", {"value": "该指标第四季度没有数值可更正"}
        if value is None or math.isnan(value):
            return "", {"value": "请填写更正后的数值"}
        indicator = record.plan.indicator(case.item)
        if not indicator.minimum <= value <= indicator.maximum:
            return "", {"value": range_words(indicator)}
        return repr(value), {}

    async def apply(self, case: AppealRow, correction: str, reason: str, by: str) -> None:
        """The corrected value as a 核查 record with the reason; the year frozen again (the
        appeal path: the one way a published year changes)."""
        record = await repository.plan(case.period)
        target = await _q4_value(record, case.subject, case.item)
        assert target is not None  # checked by `correction` in the same request
        before = target["corrected"] if target["corrected"] is not None else target["value"]
        await value_store.review(
            int(target["id"]),  # type: ignore[call-overload]
            "correct",
            float(before),  # type: ignore[arg-type]
            float(correction),
            f"申诉复核：{reason}",
            by,
        )
        await freeze(record.id)


POLICY = TownYearAppeals()


async def views(year: int, town_id: int | None = None) -> list[TownAppealView]:
    record = await published_record(year)
    names = {i.code: i.name for i in record.plan.indicators}
    towns = {t.id: t.name for t in await repository.towns()}
    return [
        TownAppealView(
            id=r.id,
            town_id=r.subject,
            town_name=towns.get(r.subject, ""),
            indicator=r.item,
            indicator_name=names.get(r.item, "年度结果") if r.item else "年度结果",
            reason=r.reason,
            lodged_by=r.lodged_by,
            lodged_on=r.lodged_on,
            state=r.state,
            corrected=float(r.correction) if r.correction else None,
            decision_reason=r.decision_reason,
            decided_on=r.decided_on,
        )
        for r in await appeal_store.rows(KIND, period=record.id, subject=town_id)
    ]


async def lodge(year: int, town_id: int, indicator: str, reason: str, by: str) -> int:
    record = await published_record(year)
    return await cases.lodge(POLICY, record.id, town_id, indicator, reason, by)


async def decide(appeal_id: int, uphold: bool, raw_value: str, reason: str, by: str) -> None:
    await cases.decide(POLICY, appeal_id, uphold, raw_value, reason, by)


async def year_of(appeal_id: int) -> int:
    return (await repository.plan((await appeal_store.row(KIND, appeal_id)).period)).year
