"""The training office's plans, through the tables: weaknesses of a published cycle →
recommendations → the optimiser → enrolments (assigned, or waiting at a recorded random
position) → publication → attendance and feedback."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from evaluation import clock
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.tables import Cadre
from training.catalogue.repository import offerings, targets, upcoming
from training.insight.repository import town_distances, weaknesses
from training.planning.feasible import greedy
from training.planning.optimiser import Infeasible, Plan, Problem
from training.planning.recommend import weakness_fit
from training.planning.strategy import choose_plan
from training.tables import Enrolment, Offering, TrainingPlan

TRAVEL_OTHER_TOWN = 60.0  # 元: a day's travel to another town when no coordinates are known
TRAVEL_PER_KM = 1.2


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
