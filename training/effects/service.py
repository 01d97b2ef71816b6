"""Training effectiveness from the tables: for each published plan whose cycle has a later
published cycle, per offering and targeted competency, trained (attended) cadres against the
waiting list — see `training.effects.effectiveness`."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from evaluation.results import snapshots as results_service
from evaluation.tables import Cycle
from training.effects.effectiveness import Estimate, did, placebo
from training.tables import Enrolment, Offering, TrainingPlan

MAIN_TARGET = 0.5


async def cycle_scores(cycle_id: int) -> pl.DataFrame:
    """ratee_id, competency, score (severity-corrected, before shrinkage), finding."""
    snapshot = await results_service.snapshot_for(cycle_id)
    rows = await results_service.cells(snapshot.id)
    return rows.filter(pl.col("corrected").is_not_null()).select(
        "ratee_id", "competency", score="corrected", finding="finding"
    )


async def next_published(cycle_id: int) -> dict[str, Any] | None:
    cycle = await Cycle.select(Cycle.id, Cycle.year).where(Cycle.id == cycle_id).first()
    if cycle is None:
        return None
    return (
        await Cycle.select(Cycle.id, Cycle.name, Cycle.year)
        .where((Cycle.state == "published") & (Cycle.year > cycle["year"]))
        .order_by(Cycle.year)
        .first()
    )


async def plan_effects(plan_id: int) -> dict[str, Any]:
    plan = (
        await TrainingPlan.select(TrainingPlan.id, TrainingPlan.cycle)
        .where(TrainingPlan.id == plan_id)
        .first()
    )
    if plan is None:
        return {"after": None, "rows": []}
    after_cycle = await next_published(int(plan["cycle"]))
    if after_cycle is None:
        return {"after": None, "rows": []}
    before = await cycle_scores(int(plan["cycle"]))
    after = await cycle_scores(int(after_cycle["id"]))
    snapshot = await results_service.snapshot_for(int(after_cycle["id"]))
    names = {c.id: c.name for c in snapshot.rubric.competencies}
    enrolments = pl.DataFrame(
        await Enrolment.select(
            Enrolment.offering, Enrolment.cadre, Enrolment.status, Enrolment.attended_at
        ).where(Enrolment.plan == plan_id),
        schema={
            "offering": pl.Int64,
            "cadre": pl.Int64,
            "status": pl.String,
            "attended_at": pl.Datetime(time_zone="UTC"),
        },
    )
    offerings = {
        int(r["id"]): r
        for r in await Offering.select(Offering.id, Offering.title, Offering.competencies).where(
            Offering.id.is_in(enrolments["offering"].unique().to_list() or [0])
        )
    }
    attended = enrolments.filter(
        (pl.col("status") == "assigned") & pl.col("attended_at").is_not_null()
    )
    targeted_by = {
        int(r["id"]): set(
            json.loads(r["competencies"])
            if isinstance(r["competencies"], str)
            else r["competencies"]
        )
        for r in offerings.values()
    }
    rows = []
    for offering_id, group in enrolments.group_by("offering"):
        trained = set(
            group.filter((pl.col("status") == "assigned") & pl.col("attended_at").is_not_null())[
                "cadre"
            ].to_list()
        )
        waitlist = set(group.filter(pl.col("status") == "waitlist")["cadre"].to_list())
        offering = offerings[int(offering_id[0])]
        targets = offering["competencies"]
        targets = json.loads(targets) if isinstance(targets, str) else targets
        main = {c for c, r in targets.items() if float(r) >= MAIN_TARGET}
        for competency in sorted(main):
            estimate = did(before, after, competency, trained, waitlist)
            rows.append(
                {
                    "offering": offering["title"],
                    "competency": names.get(competency, competency),
                    "estimate": estimate,
                    # the placebo is a competency no session the trained attended targeted
                    "placebo": placebo(
                        before,
                        after,
                        set(targets).union(
                            *(
                                targeted_by.get(other, set())
                                for other in attended.filter(pl.col("cadre").is_in(list(trained)))[
                                    "offering"
                                ].unique()
                            )
                        ),
                        trained,
                        waitlist,
                    )
                    if estimate
                    else None,
                    "trained": len(trained),
                }
            )
    rows.sort(
        key=lambda r: (r["estimate"] is None, -(r["estimate"].effect if r["estimate"] else 0))
    )
    return {"after": after_cycle, "rows": rows}


def describe(estimate: Estimate | None) -> str:
    if estimate is None:
        return "参训或对照人数不足 5 人，暂不估计"
    verdict = (
        "有明显提升" if estimate.lo > 0 else ("明显下降" if estimate.hi < 0 else "未见明显变化")
    )
    return f"{verdict}：{estimate.effect:+.2f}（95% 区间 {estimate.lo:+.2f}~{estimate.hi:+.2f}）"
