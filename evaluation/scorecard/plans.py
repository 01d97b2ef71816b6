"""A year's plan: drafting, weights checked like a file, publication (which pins the year and
draws up the contracts), and the small reads the pages need."""

from __future__ import annotations

import math
import unicodedata

from evaluation import clock
from evaluation.clock import today
from evaluation.errors import Conflict, Invalid, NotFound, NotReady
from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard import repository
from evaluation.scorecard.plan import (
    Dimension,
    Plan,
    moved_to_year,
    plan_for_year,
    plan_to_json,
    with_weights,
)
from evaluation.scorecard.schemas import (
    PlanComparison,
    PlanRecord,
    WeightChange,
)

MAX_NOTE = 500


async def current_year() -> int | None:
    """This year when its plan is published; else the latest published year before it (a
    plan published ahead for next year does not become current early)."""
    years = await repository.published_years()
    now = today().year
    past = [y for y in years if y <= now]
    return past[-1] if past else (years[0] if years else None)


async def published_record(year: int) -> PlanRecord:
    record = await repository.published(year)
    if record is None:
        raise NotReady(f"{year} 年度考核方案尚未发布")
    return record


async def latest_version(year: int) -> PlanRecord | None:
    versions = await repository.plans(year)
    return versions[-1] if versions else None


async def comparison(year: int) -> PlanComparison:
    """The year's newest version beside the previous year's published plan."""
    record = await latest_version(year)
    if record is None:
        raise NotFound(f"没有 {year} 年度的考核方案")
    previous = await repository.published(year - 1)
    return PlanComparison(
        record=record,
        previous=previous,
        dimensions=_dimension_changes(record.plan, previous.plan if previous else None),
        indicators=_indicator_changes(record.plan, previous.plan if previous else None),
    )


def _dimension_changes(plan: Plan, before: Plan | None) -> list[WeightChange]:
    return [
        WeightChange(
            code=str(d),
            name=str(d),
            dimension=str(d),
            before=before.dimensions.get(d) if before else None,
            after=plan.dimensions.get(d),
        )
        for d in Dimension
    ]


def _indicator_changes(plan: Plan, before: Plan | None) -> list[WeightChange]:
    old = {i.code: i for i in before.indicators} if before else {}
    rows = [
        WeightChange(
            code=i.code,
            name=i.name,
            dimension=str(i.dimension),
            before=old[i.code].weight if i.code in old else None,
            after=i.weight,
        )
        for i in plan.indicators
    ]
    current = {i.code for i in plan.indicators}
    rows += [
        WeightChange(code=c, name=i.name, dimension=str(i.dimension), before=i.weight, after=None)
        for c, i in old.items()
        if c not in current
    ]
    return rows


async def add_plan(plan: Plan, note: str, by: str) -> int:
    """A new draft version of `plan.year` (refused once that year is published)."""
    if await repository.published(plan.year) is not None:
        raise Conflict(f"{plan.year} 年度方案已发布，历史不可改写；调整请在下一年度方案中进行")
    async with repository.transaction():
        versions = await repository.plans(plan.year)
        drafts = [v for v in versions if v.state == "draft"]
        if drafts:
            await repository.update_plan(drafts[-1].id, plan.title, plan_to_json(plan), note)
            return drafts[-1].id
        version = max((v.version for v in versions), default=0) + 1
        return await repository.insert_plan(
            plan.year, version, plan.title, plan_to_json(plan), note, by
        )


async def start_draft(year: int, by: str) -> int:
    """A draft for `year`: the existing one, or last year's plan carried over (weights and
    targets unchanged, dates moved a year) for the office to adjust."""
    latest = await latest_version(year)
    if latest is not None and latest.state == "draft":
        return latest.id
    previous = await repository.published(year - 1)
    if previous is None:
        return await add_plan(plan_for_year(year), "按方案文件起草", by)
    plan = moved_to_year(previous.plan, year)
    return await add_plan(plan, f"以 {year - 1} 年度方案为基础起草", by)


def _percent(raw: str, where: str, problems: dict[str, str]) -> float:
    text = unicodedata.normalize("NFKC", raw or "").strip().rstrip("%")
    try:
        value = float(text)
    except ValueError:
        problems[where] = "请填写 0–100 之间的百分数"
        return math.nan
    if not (math.isfinite(value) and 0 <= value <= 100):
        problems[where] = "请填写 0–100 之间的百分数"
        return math.nan
    return value / 100


async def set_weights(
    plan_id: int, dimensions: dict[str, str], indicators: dict[str, str], note: str, by: str
) -> PlanRecord:
    """New weights (as percentages typed on the form) for a draft plan."""
    record = await repository.plan(plan_id)
    if record.state != "draft":
        raise Conflict("已发布的方案不能修改权重；请起草新年度方案")
    problems: dict[str, str] = {}
    dims = {
        d: _percent(dimensions.get(d, ""), f"dim_{d}", problems) for d in record.plan.dimensions
    }
    inds = {
        i.code: _percent(indicators.get(i.code, ""), f"ind_{i.code}", problems)
        for i in record.plan.indicators
    }
    if problems:
        raise Invalid("请修改标出的权重", problems)
    plan = with_weights(record.plan, dims, inds)
    await repository.update_plan(plan_id, plan.title, plan_to_json(plan), note.strip()[:MAX_NOTE])
    return await repository.plan(plan_id)


async def publish(plan_id: int, by: str) -> PlanRecord:
    """Publish a draft: the year pins this version, and every town's contract is drawn up
    from the plan's default targets for its type."""
    async with repository.transaction():
        record = await repository.plan(plan_id)
        if record.state != "draft":
            raise Conflict("该方案已发布")
        if await repository.published(record.year) is not None:
            raise Conflict(f"{record.year} 年度已有发布的方案")
        await repository.mark_published(plan_id, by, clock.now())
        await repository.insert_targets(plan_id, default_targets(record, await repository.towns()))
    return await repository.plan(plan_id)


def default_targets(record: PlanRecord, towns: list[TownRecord]) -> list[tuple[int, str, float]]:
    """The contract rows the plan draws up for `towns`: each indicator's default target for
    the town's type."""
    return [
        (town.id, indicator.code, target)
        for town in towns
        for indicator in record.plan.for_town_type(town.town_type)
        if (target := indicator.default_target(town.town_type)) is not None
    ]


async def draw_up_missing_contracts() -> int:
    """A town added after a year's plan was published (a roster import, a new township) gets
    that year's contract from the defaults for its type — before it is scored, so it is
    never scored 0 for lack of one. Years whose results are published are left as they were
    (the town was not assessed in them). How many towns got one."""
    drawn = 0
    towns = await repository.towns()
    for year in await repository.published_years():
        record = await repository.published(year)
        if record is None or record.results_on is not None:
            continue
        have = set((await repository.targets(record.id))["town_id"].to_list())
        missing = [t for t in towns if t.id not in have]
        if missing:
            await repository.insert_targets(record.id, default_targets(record, missing))
            drawn += len(missing)
    return drawn


async def published_years() -> list[int]:
    return await repository.published_years()


async def plan_record(plan_id: int) -> PlanRecord:
    return await repository.plan(plan_id)


async def towns() -> list[TownRecord]:
    return await repository.towns()
