"""Training effectiveness from the tables: for each published plan whose cycle has a later
published cycle, per offering and targeted competency, trained (attended) cadres against the
waiting list — see `training.effects.effectiveness`."""

from __future__ import annotations

import polars as pl

from evaluation.results import snapshots as results_service
from evaluation.tables import Cycle
from training.effects.effectiveness import did, placebo
from training.planning.plan_store import published_plans
from training.schemas import EffectRow, Estimate, PlanEffects, PublishedPlan
from training.tables import Enrolment, Offering

MAIN_TARGET = 0.5


async def cycle_scores(cycle_id: int) -> pl.DataFrame:
    """ratee_id, competency, score (severity-corrected, before shrinkage), finding."""
    snapshot = await results_service.snapshot_for(cycle_id)
    rows = await results_service.cells(snapshot.id)
    return rows.filter(pl.col("corrected").is_not_null()).select(
        "ratee_id", "competency", score="corrected", finding="finding"
    )


async def next_published(cycle_id: int) -> tuple[int, str] | None:
    """The first published cycle of a later year: (id, name)."""
    cycle = await Cycle.select(Cycle.id, Cycle.year).where(Cycle.id == cycle_id).first()
    if cycle is None:
        return None
    later = (
        await Cycle.select(Cycle.id, Cycle.name, Cycle.year)
        .where((Cycle.state == "published") & (Cycle.year > cycle["year"]))
        .order_by(Cycle.year)
        .first()
    )
    return (int(later["id"]), str(later["name"])) if later else None


async def latest_plan_effects() -> PlanEffects | None:
    """The newest published plan that a later published cycle can measure."""
    for plan in await published_plans():
        effects = await plan_effects(plan)
        if effects is not None:
            return effects
    return None


async def plan_effects(plan: PublishedPlan) -> PlanEffects | None:
    after_cycle = await next_published(plan.cycle_id)
    if after_cycle is None:
        return None
    after_id, after_name = after_cycle
    before = await cycle_scores(plan.cycle_id)
    after = await cycle_scores(after_id)
    snapshot = await results_service.snapshot_for(after_id)
    names = {c.id: c.name for c in snapshot.rubric.competencies}
    enrolments = pl.DataFrame(
        await Enrolment.select(
            Enrolment.offering, Enrolment.cadre, Enrolment.status, Enrolment.attended_at
        ).where(Enrolment.plan == plan.id),
        schema={
            "offering": pl.Int64,
            "cadre": pl.Int64,
            "status": pl.String,
            "attended_at": pl.Datetime(time_zone="UTC"),
        },
    )
    offerings = {
        int(r["id"]): r
        for r in await Offering.select(Offering.id, Offering.title, Offering.competencies)
        .where(Offering.id.is_in(enrolments["offering"].unique().to_list() or [0]))
        .output(load_json=True)
    }
    attended = enrolments.filter(
        (pl.col("status") == "assigned") & pl.col("attended_at").is_not_null()
    )
    targeted_by = {offering_id: set(r["competencies"]) for offering_id, r in offerings.items()}
    rows = []
    for offering_id, group in enrolments.group_by("offering"):
        trained = set(
            group.filter((pl.col("status") == "assigned") & pl.col("attended_at").is_not_null())[
                "cadre"
            ].to_list()
        )
        waitlist = set(group.filter(pl.col("status") == "waitlist")["cadre"].to_list())
        offering = offerings[int(offering_id[0])]
        targets: dict[str, float] = offering["competencies"]
        main = {c for c, r in targets.items() if float(r) >= MAIN_TARGET}
        # the placebo is a competency no session the trained attended targeted
        untouched = set(targets).union(
            *(
                targeted_by.get(other, set())
                for other in attended.filter(pl.col("cadre").is_in(list(trained)))[
                    "offering"
                ].unique()
            )
        )
        for competency in sorted(main):
            estimate = did(before, after, competency, trained, waitlist)
            check = placebo(before, after, untouched, trained, waitlist) if estimate else None
            rows.append(
                EffectRow(
                    offering=offering["title"],
                    competency=names.get(competency, competency),
                    estimate=estimate,
                    placebo=check,
                    placebo_name=names.get(check.competency, check.competency) if check else "",
                    trained=len(trained),
                )
            )
    rows.sort(key=lambda r: (r.estimate is None, -(r.estimate.effect if r.estimate else 0)))
    return PlanEffects(plan=plan, after_id=after_id, after_name=after_name, rows=rows)


def describe(estimate: Estimate | None) -> str:
    if estimate is None:
        return "参训或对照人数不足 5 人，暂不估计"
    verdict = (
        "有明显提升" if estimate.lo > 0 else ("明显下降" if estimate.hi < 0 else "未见明显变化")
    )
    return f"{verdict}：{estimate.effect:+.2f}（95% 区间 {estimate.lo:+.2f}~{estimate.hi:+.2f}）"
