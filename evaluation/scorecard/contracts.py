"""绩效责任书: each town's targets for a plan year, adjusted with a reason and confirmed by the
town."""

from __future__ import annotations

import hashlib
import math

import polars as pl

from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard import repository
from evaluation.scorecard.amounts import parse_number
from evaluation.scorecard.plan import (
    Method,
)
from evaluation.scorecard.plans import MAX_NOTE, published_record
from evaluation.scorecard.schemas import (
    Contract,
    ContractRow,
    ContractStatus,
)


async def _town(town_id: int) -> TownRecord:
    for town in await repository.towns():
        if town.id == town_id:
            return town
    raise NotFound("没有这个乡镇")


def _digest(targets: pl.DataFrame) -> str:
    text = ";".join(
        f"{c}={v:g}" for c, v in targets.sort("indicator").select("indicator", "target").iter_rows()
    )
    return hashlib.sha256(text.encode()).hexdigest()


async def contract(year: int, town_id: int) -> Contract:
    record = await published_record(year)
    town = await _town(town_id)
    targets = await repository.targets(record.id, town_id)
    by_code = {r["indicator"]: r for r in targets.iter_rows(named=True)}
    rows = [
        ContractRow(
            code=i.code,
            name=i.name,
            dimension=str(i.dimension),
            unit=i.unit,
            method=str(i.method),
            higher_is_better=i.higher_is_better,
            cumulative=i.cumulative,
            weight=i.weight,
            target=by_code[i.code]["target"] if i.code in by_code else None,
            default_target=by_code[i.code]["default_target"] if i.code in by_code else None,
            reason=by_code[i.code]["reason"] if i.code in by_code else "",
        )
        for i in record.plan.for_town_type(town.town_type)
    ]
    accepted = (await repository.acceptances(record.id)).get(town_id)
    plan = record.plan
    c = plan.composite
    rules = [
        "各季度数据于季度结束后按时填报（截止日："
        + "、".join(f"第{q}季度 {plan.deadline(q):%-m月%-d日}" for q in (1, 2, 3, 4))
        + "），逾期未报的指标按 0 分计并亮红灯。",
        f"亮灯：完成进度低于应达进度的 {plan.lights.yellow_below:.0%} 亮黄灯（预警），"
        f"低于 {plan.lights.red_below:.0%} 亮红灯（约谈问责）；未下达目标的指标亮红灯并说明原因。",
        f"重点项目节点逾期未完成亮黄牌，{plan.cards.grace_days} 天后仍未完成转红牌，"
        f"每张红牌从总分扣 {plan.cards.red_deduction:g} 分；符合容错情形的可申请豁免。",
        f"年终综合得分 = 指标得分 {c.indicators:.0%} + 实地核查 {c.field_check:.0%} + "
        f"群众满意度 {c.satisfaction:.0%} + 第三方评估 {c.third_party:.0%}。",
        "结果公示期内对结果有异议的，可提出申诉；结果用于资金分配、评先评优和约谈。",
    ]
    return Contract(
        rules=rules,
        plan_id=record.id,
        year=year,
        title=record.plan.title,
        town_id=town.id,
        town_name=town.name,
        town_type=town.town_type,
        rows=rows,
        confirmed_by=accepted["confirmed_by"] if accepted else None,
        confirmed_at=accepted["confirmed_at"] if accepted else None,
        changed_since_confirmation=accepted is not None
        and accepted["targets_digest"] != _digest(targets),
    )


async def contracts(year: int) -> list[ContractStatus]:
    record = await published_record(year)
    targets = await repository.targets(record.id)
    adjusted = (
        targets.filter(pl.col("target") != pl.col("default_target")).group_by("town_id").len()
    )
    counts = dict(adjusted.iter_rows())
    accepted = await repository.acceptances(record.id)
    return [
        ContractStatus(
            town_id=town.id,
            town_name=town.name,
            town_type=town.town_type,
            adjusted=int(counts.get(town.id, 0)),
            confirmed_by=accepted[town.id]["confirmed_by"] if town.id in accepted else None,
            confirmed_at=accepted[town.id]["confirmed_at"] if town.id in accepted else None,
        )
        for town in await repository.towns()
    ]


async def adjust_target(year: int, town_id: int, code: str, raw: str, reason: str) -> None:
    """Change one town's target; a confirmed contract must then be confirmed again."""
    record = await published_record(year)
    town = await _town(town_id)
    indicator = next((i for i in record.plan.for_town_type(town.town_type) if i.code == code), None)
    if indicator is None or indicator.method != Method.attainment:
        raise Invalid("该指标没有可调整的目标", {"indicator": "请选择本乡镇的目标类指标"})
    value = parse_number(raw)
    problems = {}
    if value is None or math.isnan(value) or value <= 0 or value > indicator.maximum * 4:
        problems["target"] = "目标值应为正数"
    if len(reason.strip()) < 4:
        problems["reason"] = "请写明调整理由（至少 4 个字）"
    if problems:
        raise Invalid("目标未调整", problems)
    async with repository.transaction():
        if not await repository.set_target(
            record.id, town_id, code, float(value or 0), reason.strip()[:MAX_NOTE]
        ):
            raise NotFound("该乡镇没有这个指标的目标")
        await repository.delete_acceptance(record.id, town_id)


async def confirm_contract(year: int, town_id: int, by: str) -> None:
    record = await published_record(year)
    targets = await repository.targets(record.id, town_id)
    if targets.is_empty():
        raise NotFound("该乡镇没有责任书")
    if town_id in await repository.acceptances(record.id):
        raise Conflict("责任书已确认")
    await repository.insert_acceptance(record.id, town_id, by, _digest(targets))
