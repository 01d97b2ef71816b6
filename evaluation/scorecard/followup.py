"""结果运用 for the towns: the year's tiers (优秀, project-fund priority, the lowest proposed
for 约谈), 约谈 records with their commitments and a later review of whether they were met,
and 专项督导 tasks followed until closed."""

from __future__ import annotations

import datetime as dt

import msgspec
import polars as pl

from evaluation.clock import today
from evaluation.errors import Conflict, Invalid
from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard import fault_tolerance, repository
from evaluation.scorecard import followup_store as store
from evaluation.scorecard.inputs import date as _date
from evaluation.scorecard.inputs import text as _text
from evaluation.scorecard.plan import ResultsUse
from evaluation.scorecard.plans import published_record
from evaluation.scorecard.schemas import PlanRecord
from evaluation.scorecard.scoring import as_shown
from evaluation.scorecard.standings.model import current
from evaluation.scorecard.tiers import YEAR_END, by_type, fund_priority, year_tiers

OUTCOMES = {"met": "已落实", "partly": "部分落实", "unmet": "未落实"}
STANDING_SCHEMA = {
    "town_id": pl.Int64,
    "town_type": pl.String,
    "score": pl.Float64,
}


class TierRow(msgspec.Struct, frozen=True):
    town_id: int
    name: str
    town_type: str
    score: float
    rank: int
    of: int
    excellent: bool
    lowest: bool
    fund_priority: bool


class InterviewView(msgspec.Struct, frozen=True):
    id: int
    year: int
    town_id: int
    town_name: str
    held_on: dt.date
    held_by: str
    issues: str
    commitments: list[str]
    outcome: str  # "" until reviewed
    outcome_note: str


class SupervisionView(msgspec.Struct, frozen=True):
    id: int
    town_id: int
    town_name: str
    title: str
    due_on: dt.date
    state: str
    closing_note: str
    overdue: bool


class ResultsUseView(msgspec.Struct, frozen=True):
    year: int
    basis: str  # what the tiers are read from: 年终综合 or the latest scored quarter
    by_type: bool  # ranked within town types (else the county as one group)
    rows: list[TierRow]
    interviews: list[InterviewView]
    earlier_interviews: list[InterviewView]  # last year's, whose commitments are reviewed now
    tasks: list[SupervisionView]


async def year_standing(record: PlanRecord) -> tuple[str, pl.DataFrame, list[TownRecord]]:
    """The year's standing: the year-end composite once the fourth quarter is scored, else the
    latest scored quarter's total (ranked within town type either way) — with the towns it
    was drawn over (as they were when a published year was frozen)."""
    found = await current(record)
    scores, quarters = found.scores(), found.quarters
    if not quarters:
        return "尚无已结算季度", pl.DataFrame(schema=STANDING_SCHEMA), found.towns
    final = found.composite
    if final:
        frame = pl.DataFrame(
            [(c.town_id, c.town_type, c.composite) for c in final if c.composite is not None],
            schema=STANDING_SCHEMA,
            orient="row",
        )
        return YEAR_END, frame, found.towns
    latest = scores.totals.filter(pl.col("quarter") == quarters[-1])
    return (
        f"第{quarters[-1]}季度总分（年终前）",
        latest.select("town_id", "town_type", score="total").cast(STANDING_SCHEMA),  # type: ignore[arg-type]
        found.towns,
    )


async def _excellent_by_year(upto: int, years: int, known: set[int]) -> dict[int, set[int]]:
    """Each year's 优秀 towns over the `years` up to `upto`, whose own (`known`) the caller
    has already drawn."""
    found: dict[int, set[int]] = {upto: known}
    for year in range(upto - years + 1, upto):
        record = await repository.published(year)
        if record is None:
            continue
        basis, standing, _ = await year_standing(record)
        if basis == YEAR_END:
            tiers = year_tiers(standing, record.plan.results_use, basis)
            found[year] = set(tiers.filter("excellent")["town_id"].to_list())
    return found


def _interview(row: dict[str, object]) -> InterviewView:
    return InterviewView(
        id=int(row["id"]),  # type: ignore[call-overload]
        year=int(row["year"]),  # type: ignore[call-overload]
        town_id=int(row["town"]),  # type: ignore[call-overload]
        town_name=str(row["town_name"]),
        held_on=row["held_on"],  # type: ignore[arg-type]
        held_by=str(row["held_by"]),
        issues=str(row["issues"]),
        commitments=[c.strip() for c in str(row["commitments"]).splitlines() if c.strip()],
        outcome=str(row["outcome"]),
        outcome_note=str(row["outcome_note"]),
    )


def _task(row: dict[str, object], on: dt.date) -> SupervisionView:
    due: dt.date = row["due_on"]  # type: ignore[assignment]
    return SupervisionView(
        id=int(row["id"]),  # type: ignore[call-overload]
        town_id=int(row["town"]),  # type: ignore[call-overload]
        town_name=str(row["town_name"]),
        title=str(row["title"]),
        due_on=due,
        state=str(row["state"]),
        closing_note=str(row["closing_note"]),
        overdue=row["state"] == "open" and due < on,
    )


async def _plan_ids(*years: int) -> list[int]:
    found = [await repository.published(y) for y in years]
    return [r.id for r in found if r is not None]


async def results_use(year: int) -> ResultsUseView:
    record = await published_record(year)
    basis, standing, towns = await year_standing(record)
    names = {t.id: t.name for t in towns}
    rule = record.plan.results_use
    tiers = year_tiers(standing, rule, basis)
    final = basis == YEAR_END
    priority = (
        fund_priority(
            await _excellent_by_year(
                year,
                rule.fund_years,
                set(tiers.filter("excellent")["town_id"].to_list()),
            ),
            year,
            rule.fund_years,
        )
        if final
        else set()
    )
    on = today()
    return ResultsUseView(
        year=year,
        basis=basis,
        by_type=by_type(standing),
        rows=[
            TierRow(
                town_id=r["town_id"],
                name=names.get(r["town_id"], ""),
                town_type=r["town_type"],
                score=r["score"],
                rank=r["rank"],
                of=r["of"],
                excellent=r["excellent"],
                lowest=r["lowest"],
                fund_priority=r["town_id"] in priority,
            )
            for r in tiers.sort("town_type", "rank").iter_rows(named=True)
        ],
        interviews=[_interview(r) for r in await store.interviews([record.id])],
        earlier_interviews=[
            _interview(r) for r in await store.interviews(await _plan_ids(year - 1))
        ],
        tasks=[_task(r, on) for r in await store.supervisions([record.id])],
    )


async def town_followups(
    year: int, town_id: int
) -> tuple[list[InterviewView], list[SupervisionView]]:
    """A town's 约谈 of this year and last (with whether the commitments were met) and its
    督导 tasks this year — shown on the town's own page."""
    plan_ids = await _plan_ids(year - 1, year)
    interviews = [_interview(r) for r in await store.interviews(plan_ids, town_id)]
    on = today()
    tasks = [_task(r, on) for r in await store.supervisions(plan_ids, town_id)]
    return interviews, tasks


async def _check_town(town_id: int, problems: dict[str, str]) -> None:
    if town_id not in {t.id for t in await repository.towns()}:
        problems["town"] = "请选择乡镇"


async def record_interview(
    year: int,
    town_id: int,
    held_on: str,
    held_by: str,
    issues: str,
    commitments: str,
    by: str,
) -> int:
    record = await published_record(year)
    problems: dict[str, str] = {}
    await _check_town(town_id, problems)
    day = _date(held_on, "held_on", problems)
    if day and day > today():
        problems["held_on"] = "约谈日期不能晚于今天：约谈举行后再记录"
    who = _text(held_by, "held_by", "约谈人（姓名、职务）", problems, 2)
    raised = _text(issues, "issues", "约谈指出的问题（至少 10 个字）", problems, 10)
    promised = _text(commitments, "commitments", "整改承诺（每行一条）", problems, 4)
    if problems:
        raise Invalid("约谈记录未保存", problems)
    return await store.insert_interview(
        {
            "plan": record.id,
            "town": town_id,
            "held_on": day,
            "held_by": who[:128],
            "issues": raised,
            "commitments": promised,
            "recorded_by": by,
        }
    )


async def review_interview(interview_id: int, outcome: str, note: str, by: str) -> None:
    await store.interview(interview_id)
    problems: dict[str, str] = {}
    if outcome not in OUTCOMES:
        problems["outcome"] = "请选择承诺落实情况"
    why = _text(note, "outcome_note", "核实情况（至少 4 个字）", problems, 4)
    if problems:
        raise Invalid("落实情况未保存", problems)
    await store.review_interview(interview_id, outcome, why, by)


async def add_supervision(year: int, town_id: int, title: str, due_on: str, by: str) -> int:
    record = await published_record(year)
    problems: dict[str, str] = {}
    await _check_town(town_id, problems)
    what = _text(title, "title", "督导事项", problems, 4)
    due = _date(due_on, "due_on", problems)
    if due and due < today():
        problems["due_on"] = "完成时限不能早于今天"
    if problems:
        raise Invalid("督导任务未保存", problems)
    return await store.insert_supervision(
        {"plan": record.id, "town": town_id, "title": what[:128], "due_on": due, "created_by": by}
    )


async def close_supervision(task_id: int, note: str, by: str) -> None:
    await store.supervision(task_id)
    problems: dict[str, str] = {}
    found = _text(note, "closing_note", "督导结论（至少 4 个字）", problems, 4)
    if problems:
        raise Invalid("督导任务未关闭", problems)
    if not await store.close_supervision(task_id, found, by):
        raise Conflict("该督导任务已关闭")


async def year_of_interview(interview_id: int) -> int:
    return (await repository.plan(int((await store.interview(interview_id))["plan"]))).year


async def year_of_supervision(task_id: int) -> int:
    return (await repository.plan(int((await store.supervision(task_id))["plan"]))).year


class TownTiers(msgspec.Struct, frozen=True):
    """A year's town tiers for the personnel lists: `frame` (town_id, excellent, lowest),
    what they were read from, and each town's approved 容错 exemptions (by town id)."""

    rule: ResultsUse
    basis: str
    frame: pl.DataFrame
    exemptions: dict[int, list[str]]


async def town_tiers(year: int) -> TownTiers:
    record = await repository.published(year)
    empty = pl.DataFrame(
        schema={"town_id": pl.Int64, "excellent": pl.Boolean, "lowest": pl.Boolean}
    )
    if record is None:
        return TownTiers(ResultsUse(), f"{year} 年度无乡镇考核方案", empty, {})
    basis, standing, towns = await year_standing(record)
    tiers = year_tiers(standing, record.plan.results_use, basis)
    ids = {t.name: t.id for t in towns}
    approved: dict[int, list[str]] = {}
    for e in await fault_tolerance.exemption_views(year):
        if e.state == "approved":
            approved.setdefault(ids.get(e.town_name, 0), []).append(
                f"{e.project}（红牌扣 {e.deduction:g} 分经容错豁免：{e.decision_reason}）"
            )
    return TownTiers(
        record.plan.results_use, basis, tiers.select("town_id", "excellent", "lowest"), approved
    )


TOWN_LIST_SCHEMA = {"town_id": pl.Int64, "town": pl.String, "evidence": pl.String}


async def town_lists(year: int) -> dict[str, pl.DataFrame]:
    """Which towns are 先进 and which 后进 (proposed for 约谈) in `year` — the one rule every
    page, export and the API use: the year's scorecard tiers (`town_tiers`: 优秀 by the
    year-end composite, which counts the leadership team's 360 as an indicator; the last
    of each type proposed for 约谈). Each town with its evidence (town_id, town, evidence)."""
    record = await repository.published(year)
    if record is None:
        empty = pl.DataFrame(schema=TOWN_LIST_SCHEMA)
        return {"excellent_towns": empty, "lagging_towns": empty}
    basis, standing, towns = await year_standing(record)
    tiers = year_tiers(standing, record.plan.results_use, basis)
    names = pl.DataFrame(
        [(t.id, t.name) for t in towns],
        schema={"town_id": pl.Int64, "town": pl.String},
        orient="row",
    )
    within = "同类乡镇" if by_type(standing) else "全县"
    evidence = pl.format(
        "{}{} 分，{}第 {} 名（共 {} 个）",
        pl.lit(basis),
        as_shown("score"),
        pl.lit(within),
        "rank",
        "of",
    )
    shaped = tiers.join(names, on="town_id").with_columns(evidence=evidence).sort("rank", "town_id")
    return {
        "excellent_towns": shaped.filter("excellent").select(list(TOWN_LIST_SCHEMA)),
        "lagging_towns": shaped.filter("lowest")
        .with_columns(evidence=pl.col("evidence") + "，提请约谈")
        .select(list(TOWN_LIST_SCHEMA)),
    }
