"""The stored training plans as the office and the cadres read them: one plan in full, the
history of plans, a plan as a sheet, and the published plans."""

from __future__ import annotations

import polars as pl
from piccolo.query.functions.aggregate import Count

from evaluation.errors import NotFound
from training.schemas import PlanDetail, PlanEnrolment, PlanSummary, PublishedPlan
from training.tables import Enrolment, TrainingPlan


async def plan_detail(plan_id: int) -> PlanDetail:
    plan = (
        await TrainingPlan.select().where(TrainingPlan.id == plan_id).output(load_json=True).first()
    )
    if plan is None:
        raise NotFound("培训方案不存在")
    rows = (
        await Enrolment.select(
            Enrolment.id,
            Enrolment.status,
            Enrolment.waitlist_rank,
            Enrolment.reason,
            Enrolment.value,
            Enrolment.cadre.name.as_alias("name"),
            Enrolment.cadre.town.name.as_alias("town"),  # type: ignore[union-attr]
            Enrolment.offering.as_alias("offering_id"),
            Enrolment.offering.title.as_alias("title"),
        )
        .where(Enrolment.plan == plan_id)
        .order_by(Enrolment.offering)
        .order_by(Enrolment.status)
    )
    enrolments = [PlanEnrolment(**row) for row in rows]
    return PlanDetail(
        id=plan["id"],
        cycle_id=plan["cycle"],
        published_at=plan["published_at"],
        objective=plan["objective"],
        greedy_objective=plan["greedy_objective"],
        gap=plan["gap"],
        bound=plan["bound"],
        cost=plan["cost"],
        status=plan["status"],
        parameters=dict(plan["parameters"] or {}),
        seat_prices={str(k): float(v) for k, v in (plan["seat_prices"] or {}).items()},
        enrolments=enrolments,
        assigned=sum(1 for e in enrolments if e.status == "assigned"),
        waiting=sum(1 for e in enrolments if e.status == "waitlist"),
    )


async def plan_history() -> list[PlanSummary]:
    """Every plan run, newest first, with its enrolment counts — so an earlier plan (and
    what it decided) stays readable after a new run."""
    plans = await TrainingPlan.select(
        TrainingPlan.id,
        TrainingPlan.cycle.name,
        TrainingPlan.created_at,
        TrainingPlan.published_at,
        TrainingPlan.objective,
        TrainingPlan.cost,
    ).order_by(TrainingPlan.id, ascending=False)
    counts = {
        (int(r["plan"]), str(r["status"])): int(r["count"])
        for r in await Enrolment.select(Enrolment.plan, Enrolment.status, Count()).group_by(
            Enrolment.plan, Enrolment.status
        )
    }
    return [
        PlanSummary(
            id=r["id"],
            cycle_name=r["cycle.name"],
            created_at=r["created_at"],
            published_at=r["published_at"],
            objective=r["objective"],
            cost=r["cost"],
            assigned=counts.get((r["id"], "assigned"), 0),
            waiting=counts.get((r["id"], "waitlist"), 0),
        )
        for r in plans
    ]


def plan_frame(plan: PlanDetail) -> pl.DataFrame:
    """A plan's enrolments as the table people read and export (Chinese headers)."""
    return pl.DataFrame(
        [
            {
                "场次编号": e.offering_id,
                "场次": e.title,
                "干部": e.name,
                "乡镇": e.town,
                "状态": "已安排" if e.status == "assigned" else f"候补第 {e.waitlist_rank} 位",
                "理由": e.reason,
            }
            for e in plan.enrolments
        ],
        schema={
            "场次编号": pl.Int64,
            "场次": pl.String,
            "干部": pl.String,
            "乡镇": pl.String,
            "状态": pl.String,
            "理由": pl.String,
        },
    )


async def published_plans() -> list[PublishedPlan]:
    rows = (
        await TrainingPlan.select(
            TrainingPlan.id, TrainingPlan.cycle, TrainingPlan.cycle.name, TrainingPlan.published_at
        )
        .where(TrainingPlan.published_at.is_not_null())
        .order_by(TrainingPlan.id, ascending=False)
    )
    return [
        PublishedPlan(
            id=r["id"],
            cycle_id=r["cycle"],
            cycle_name=r["cycle.name"],
            published_at=r["published_at"],
        )
        for r in rows
    ]
