"""The training office's plans, through the tables: weaknesses of a published cycle →
recommendations → the optimiser → enrolments (assigned, or waiting at a recorded random
position) → publication → attendance and feedback."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from piccolo.query.functions.aggregate import Count

from evaluation import clock
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.tables import Cadre
from training.catalogue.repository import offerings, targets, upcoming
from training.insight.repository import town_distances, weaknesses
from training.planning.feasible import greedy
from training.planning.optimiser import Infeasible, Plan, Problem
from training.planning.recommend import weakness_fit
from training.planning.strategy import choose_plan
from training.schemas import (
    PlanDetail,
    PlanEnrolment,
    PlanSummary,
    PublishedPlan,
    Recommendation,
)
from training.tables import Enrolment, Offering, TrainingPlan

TRAVEL_OTHER_TOWN = 60.0  # 元: a day's travel to another town when no coordinates are known
TRAVEL_PER_KM = 1.2


async def recommendations(
    cadre_id: int, shown: list[tuple[str, str, float]]
) -> list[Recommendation]:
    """For a feedback page: upcoming offerings that fit the specific weaknesses the page
    shows — (competency, its name, severity: how far below the norm), read from the page's
    own published rows, so a restricted reader learns nothing the page withholds and the
    snapshot is not read twice — best first, with the reason."""
    if not shown:  # nothing to fit: the catalogue is not read
        return []
    weak = pl.DataFrame(
        [(cadre_id, *row) for row in shown],
        schema={
            "ratee_id": pl.Int64,
            "competency": pl.String,
            "competency_name": pl.String,
            "severity": pl.Float64,
        },
        orient="row",
    )
    catalogue = upcoming(await offerings())
    if weak.is_empty() or catalogue.is_empty():
        return []
    fit = weakness_fit(weak, targets(catalogue)).head(5)
    chosen = fit.join(
        catalogue.rename({"id": "offering_id"}), on="offering_id", maintain_order="left"
    )
    return [
        Recommendation(
            offering_id=r["offering_id"],
            title=r["title"],
            kind=r["kind"],
            day=r["day"],
            venue=r["venue"],
            reason=r["reason"],
        )
        for r in chosen.iter_rows(named=True)
    ]


async def problem(
    cycle_id: int,
    per_cadre: int,
    budget: float,
    town_share: float,
    pinned: frozenset[tuple[int, int]] = frozenset(),
    excluded: frozenset[tuple[int, int]] = frozenset(),
    as_of: date | None = None,
) -> tuple[Problem, pl.DataFrame]:
    catalogue = upcoming(await offerings(), as_of)
    if catalogue.is_empty():
        raise Conflict("培训目录中没有尚未举办的场次：请先添加专题培训或交流场次")
    fit = weakness_fit(await weaknesses(cycle_id), targets(catalogue))
    cadres = pl.DataFrame(
        await Cadre.select(Cadre.id.as_alias("cadre_id"), Cadre.town.as_alias("town_id")).where(
            Cadre.active.eq(True)
        ),
        schema={"cadre_id": pl.Int64, "town_id": pl.Int64},
    )
    venues = catalogue.select(session_id="id", venue_town="venue_town", fee="fee")
    pairs = (
        fit.rename({"ratee_id": "cadre_id", "offering_id": "session_id"})
        .join(cadres, on="cadre_id")
        .join(venues, on="session_id")
        .join(
            (await town_distances()).rename({"from_town": "town_id", "to_town": "venue_town"}),
            on=["town_id", "venue_town"],
            how="left",
        )
        .with_columns(
            cost=pl.col("fee")
            + pl.when(pl.col("town_id") == pl.col("venue_town"))
            .then(0.0)
            .when(pl.col("km").is_not_null())
            .then(pl.col("km") * TRAVEL_PER_KM)
            .otherwise(TRAVEL_OTHER_TOWN)
        )
    )
    first_day = catalogue["day"].min()
    sessions = catalogue.select(
        session_id="id",
        capacity="capacity",
        day=(pl.col("day") - pl.lit(first_day)).dt.total_days(),
        start="start_minute",
        end="end_minute",
    )
    built = Problem(
        pairs=pairs.select("cadre_id", "session_id", "value", "cost"),
        sessions=sessions,
        cadres=cadres,
        per_cadre=per_cadre,
        budget=budget,
        town_share=town_share,
        pinned=pinned,
        excluded=excluded,
    )
    return built, pairs.select("cadre_id", "session_id", "value", "reason")


def check_parameters(per_cadre: int | None, budget: float | None, town_share: float | None) -> None:
    problems = {}
    if per_cadre is None or not 1 <= per_cadre <= 6:
        problems["per_cadre"] = "每人场次上限应为 1–6"
    if budget is not None and budget < 0:
        problems["budget"] = "预算不能为负数"
    if town_share is None or not 0 < town_share <= 1:
        problems["town_share"] = "同一天外出比例应在 1%–100% 之间"
    if problems:
        raise Invalid("参数有误", problems)


@dataclass(frozen=True)
class Prepared:
    """A checked request for a plan: the problem to solve and each pair's reason."""

    cycle_id: int
    problem: Problem
    reasons: pl.DataFrame
    parameters: dict[str, object]


async def prepare(
    cycle_id: int,
    per_cadre: int,
    budget: float | None,
    town_share: float,
    pinned: frozenset[tuple[int, int]] = frozenset(),
    excluded: frozenset[tuple[int, int]] = frozenset(),
    as_of: date | None = None,
) -> Prepared:
    """Check the parameters and build the problem over the sessions held on or after `as_of`
    (today). Raises Invalid in Chinese for anything the office can fix."""
    check_parameters(per_cadre, budget, town_share)
    held = {session for _, session in pinned | excluded}
    open_sessions = set(upcoming(await offerings(), as_of)["id"].to_list() or [])
    if stale := sorted(held - open_sessions):
        message = "、".join(f"第 {s} 号" for s in stale) + "场次已经举办或不存在"
        raise Invalid(message, {"pinned": message})
    built, reasons = await problem(
        cycle_id,
        per_cadre,
        math.inf if budget is None else budget,
        town_share,
        pinned,
        excluded,
        as_of,
    )
    parameters: dict[str, object] = {
        "per_cadre": per_cadre,
        "budget": budget,
        "town_share": town_share,
        "pinned": sorted(pinned),
        "excluded": sorted(excluded),
    }
    return Prepared(cycle_id, built, reasons, parameters)


def infeasible(exc: Infeasible) -> Invalid:
    return Invalid("无法满足全部约束：" + "；".join(exc.reasons), {"plan": "；".join(exc.reasons)})


async def run_plan(
    cycle_id: int,
    per_cadre: int,
    budget: float | None,
    town_share: float,
    pinned: frozenset[tuple[int, int]] = frozenset(),
    excluded: frozenset[tuple[int, int]] = frozenset(),
    as_of: date | None = None,
) -> int:
    """Solve and store a plan (not yet published) in one go — for the demo and scripts; the
    web runs the same steps as a background job (`training.planning.jobs`). Raises Invalid
    naming the binding constraints when the pins cannot all be honoured."""
    prepared = await prepare(cycle_id, per_cadre, budget, town_share, pinned, excluded, as_of)
    try:
        plan = choose_plan(prepared.problem)
    except Infeasible as exc:
        raise infeasible(exc) from None
    return await store_plan(prepared, plan, greedy(prepared.problem))


async def store_plan(prepared: Prepared, plan: Plan, baseline: Plan) -> int:
    """The plan and its enrolments (assigned with reasons, then the waiting lists), at once."""
    async with TrainingPlan._meta.db.transaction():
        created = await TrainingPlan.insert(
            TrainingPlan(
                cycle=prepared.cycle_id,
                parameters=prepared.parameters,
                objective=plan.objective,
                greedy_objective=baseline.objective,
                cost=plan.cost,
                status=plan.status,
                gap=plan.gap,
                bound=plan.bound,
                seat_prices={str(k): round(v, 4) for k, v in plan.seat_prices.iter_rows()},
            )
        ).returning(TrainingPlan.id)
        plan_id = int(created[0]["id"])
        assigned = plan.assignments.join(
            prepared.reasons, on=["cadre_id", "session_id"], how="left"
        )
        rows = [
            Enrolment(
                plan=plan_id,
                offering=row["session_id"],
                cadre=row["cadre_id"],
                status="assigned",
                value=row["value"],
                reason=("（指定）" if row["pinned"] else "") + (row["reason"] or ""),
            )
            for row in assigned.iter_rows(named=True)
        ]
        rows.extend(waiting_list(plan_id, prepared.problem, plan.assignments, prepared.reasons))
        for start in range(0, len(rows), 500):
            await Enrolment.insert(*rows[start : start + 500])
    return plan_id


def waiting_list(
    plan_id: int, built: Problem, assigned: pl.DataFrame, reasons: pl.DataFrame
) -> list[Enrolment]:
    """Cadres who fit a full session but were not placed in it wait in a random order,
    drawn from the plan's id and recorded, so anyone can check it was not hand-picked."""
    taken = assigned.group_by("session_id").len()
    full = built.sessions.join(taken, on="session_id").filter(pl.col("len") >= pl.col("capacity"))
    waiting = (
        reasons.join(full.select("session_id"), on="session_id")
        .join(assigned.select("cadre_id", "session_id"), on=["cadre_id", "session_id"], how="anti")
        .sort("session_id", "cadre_id")
    )
    rng = np.random.default_rng(plan_id)
    waiting = waiting.with_columns(draw=pl.Series(rng.random(waiting.height))).with_columns(
        rank=pl.col("draw").rank("ordinal").over("session_id").cast(pl.Int64)
    )
    return [
        Enrolment(
            plan=plan_id,
            offering=row["session_id"],
            cadre=row["cadre_id"],
            status="waitlist",
            waitlist_rank=row["rank"],
            value=row["value"],
            reason=row["reason"] or "",
        )
        for row in waiting.iter_rows(named=True)
    ]


async def publish(plan_id: int) -> None:
    plan = (
        await TrainingPlan.select(TrainingPlan.id, TrainingPlan.published_at)
        .where(TrainingPlan.id == plan_id)
        .first()
    )
    if plan is None:
        raise NotFound("培训方案不存在")
    if plan["published_at"] is not None:
        raise Conflict("该方案已经发布")
    await TrainingPlan.update({TrainingPlan.published_at: clock.now()}).where(
        TrainingPlan.id == plan_id
    )


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


async def parse_pairs(text: str, label: str) -> frozenset[tuple[int, int]]:
    """Lines of "干部编号 场次编号" (the roster's cadre id, the catalogue's session number)."""
    wanted: list[tuple[int, str, int]] = []
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.replace("，", " ").replace(",", " ").split()
        if not parts:
            continue
        if len(parts) != 2 or not parts[1].isdigit():
            problems.append(f"{label}第 {number} 行应为“干部编号 场次编号”")
            continue
        wanted.append((number, parts[0], int(parts[1])))
    known = {
        r["external_id"]: int(r["id"])
        for r in await Cadre.select(Cadre.id, Cadre.external_id).where(
            Cadre.external_id.is_in([w[1] for w in wanted] or [""])
        )
    }
    sessions = {int(r["id"]) for r in await Offering.select(Offering.id)}
    pairs = set()
    for number, external, session in wanted:
        if external not in known:
            problems.append(f"{label}第 {number} 行：没有编号为 {external} 的干部")
        elif session not in sessions:
            problems.append(f"{label}第 {number} 行：没有第 {session} 号场次")
        else:
            pairs.add((known[external], session))
    if problems:
        raise Invalid("；".join(problems), {label_key(label): "；".join(problems)})
    return frozenset(pairs)


def label_key(label: str) -> str:
    return "pinned" if label == "指定" else "excluded"
