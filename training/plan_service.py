"""The training office's plans, through the tables: weaknesses of a published cycle →
recommendations → the optimiser → enrolments (assigned, or waiting at a recorded random
position) → publication → attendance and feedback."""

from __future__ import annotations

import json
import math
import secrets
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import polars as pl

from evaluation import results_service
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.tables import Cadre, ProfileSnapshot, ScoreRow, Town
from training.catalogue import demo_workshops, exchange_sessions
from training.optimiser import Infeasible, Problem, greedy, solve
from training.recommend import weakness_fit
from training.tables import Enrolment, Offering, SessionFeedback, TrainingPlan

TRAVEL_OTHER_TOWN = 60.0  # 元: a day's travel to another town when no coordinates are known
TRAVEL_PER_KM = 1.2


async def offerings() -> pl.DataFrame:
    rows = await Offering.select(
        Offering.id,
        Offering.kind,
        Offering.title,
        Offering.competencies,
        Offering.format,
        Offering.trainer,
        Offering.venue_town,
        Offering.venue_town.name.as_alias("venue"),
        Offering.host_cadres,
        Offering.day,
        Offering.start_minute,
        Offering.end_minute,
        Offering.capacity,
        Offering.fee,
    ).order_by(Offering.day)
    for row in rows:  # kept as JSON text: each offering targets different competencies
        if not isinstance(row["competencies"], str):
            row["competencies"] = json.dumps(row["competencies"], ensure_ascii=False)
        row["targets"] = "、".join(json.loads(row["competencies"]))
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()


def upcoming(catalogue: pl.DataFrame, today: date | None = None) -> pl.DataFrame:
    """Sessions not yet held: only these can be recommended or planned."""
    if catalogue.is_empty():
        return catalogue
    return catalogue.filter(pl.col("day") >= (today or date.today()))


def targets(catalogue: pl.DataFrame) -> pl.DataFrame:
    """offering_id, competency, relevance."""
    return pl.DataFrame(
        [
            {"offering_id": row["id"], "competency": competency, "relevance": float(relevance)}
            for row in catalogue.select("id", "competencies").iter_rows(named=True)
            for competency, relevance in json.loads(row["competencies"]).items()
        ],
        schema={"offering_id": pl.Int64, "competency": pl.String, "relevance": pl.Float64},
    )


async def weaknesses(cycle_id: int, cadre_id: int | None = None) -> pl.DataFrame:
    """ratee_id, competency, competency_name, severity — the published weaknesses (of one
    cadre when given)."""
    snapshot = await results_service.snapshot_for(cycle_id)
    names = {c.id: c.name for c in snapshot.rubric.competencies}
    query = ScoreRow.select(
        ScoreRow.ratee.as_alias("ratee_id"), ScoreRow.competency, ScoreRow.norm, ScoreRow.score
    ).where((ScoreRow.snapshot == snapshot.id) & (ScoreRow.finding == "weakness"))
    if cadre_id is not None:
        query = query.where(ScoreRow.ratee == cadre_id)
    rows = await query
    return pl.DataFrame(
        rows,
        schema={
            "ratee_id": pl.Int64,
            "competency": pl.String,
            "norm": pl.Float64,
            "score": pl.Float64,
        },
    ).select(
        "ratee_id",
        "competency",
        competency_name=pl.col("competency").replace_strict(names, default=None),
        severity=pl.col("norm") - pl.col("score"),
    )


async def recommendations(cadre_id: int) -> list[dict[str, Any]]:
    """For a cadre's feedback page: offerings that fit their weaknesses in the latest
    published cycle, best first, with the reason."""
    cycles = await results_service.published_cycles()
    catalogue = upcoming(await offerings())
    if not cycles or catalogue.is_empty():
        return []
    weak = await weaknesses(int(cycles[0]["id"]), cadre_id)
    fit = weakness_fit(weak, targets(catalogue)).head(5)
    return fit.join(catalogue.rename({"id": "offering_id"}), on="offering_id").to_dicts()


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
    towns = pl.DataFrame(
        await Town.select(Town.id, Town.latitude, Town.longitude),
        schema={"id": pl.Int64, "latitude": pl.Float64, "longitude": pl.Float64},
    )
    venues = catalogue.select(offering_id="id", venue_town="venue_town", fee="fee")
    pairs = (
        fit.rename({"ratee_id": "cadre_id", "offering_id": "session_id"})
        .join(cadres, on="cadre_id")
        .join(venues.rename({"offering_id": "session_id"}), on="session_id")
        .join(towns.rename({"id": "town_id"}), on="town_id", how="left")
        .join(
            towns.rename({"id": "venue_town", "latitude": "vlat", "longitude": "vlon"}),
            on="venue_town",
            how="left",
        )
        .with_columns(
            km=111.0
            * (
                (pl.col("latitude") - pl.col("vlat")) ** 2
                + (pl.col("longitude") - pl.col("vlon")) ** 2
            ).sqrt()
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


async def run_plan(
    cycle_id: int,
    per_cadre: int,
    budget: float | None,
    town_share: float,
    pinned: frozenset[tuple[int, int]] = frozenset(),
    excluded: frozenset[tuple[int, int]] = frozenset(),
    as_of: date | None = None,
) -> int:
    """Solve and store a plan (not yet published) over the sessions held on or after
    `as_of` (today). Raises Invalid naming the binding
    constraints when the pins cannot all be honoured."""
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
    try:
        plan = solve(built)
    except Infeasible as exc:
        raise Invalid(
            "无法满足全部约束：" + "；".join(exc.reasons), {"plan": "；".join(exc.reasons)}
        ) from None
    baseline = greedy(built)
    async with TrainingPlan._meta.db.transaction():
        created = await TrainingPlan.insert(
            TrainingPlan(
                cycle=cycle_id,
                parameters={
                    "per_cadre": per_cadre,
                    "budget": budget,
                    "town_share": town_share,
                    "pinned": sorted(pinned),
                    "excluded": sorted(excluded),
                },
                objective=plan.objective,
                greedy_objective=baseline.objective,
                cost=plan.cost,
                status=plan.status,
                seat_prices={str(k): round(v, 4) for k, v in plan.seat_prices.iter_rows()},
            )
        ).returning(TrainingPlan.id)
        plan_id = int(created[0]["id"])
        assigned = plan.assignments.join(reasons, on=["cadre_id", "session_id"], how="left")
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
        rows.extend(waiting_list(plan_id, built, plan.assignments, reasons))
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
    await TrainingPlan.update({TrainingPlan.published_at: datetime.now(UTC)}).where(
        TrainingPlan.id == plan_id
    )


async def my_training(cadre_id: int) -> list[dict[str, Any]]:
    """The cadre's enrolments in published plans, with attendance and feedback state."""
    rows = (
        await Enrolment.select(
            Enrolment.id,
            Enrolment.status,
            Enrolment.waitlist_rank,
            Enrolment.reason,
            Enrolment.attended_at,
            Enrolment.offering.title.as_alias("title"),
            Enrolment.offering.kind.as_alias("kind"),
            Enrolment.offering.day.as_alias("day"),
            Enrolment.offering.format.as_alias("format"),
            Enrolment.offering.venue_town.name.as_alias("venue"),  # type: ignore[union-attr]
        )
        .where((Enrolment.cadre == cadre_id) & Enrolment.plan.published_at.is_not_null())
        .order_by(Enrolment.offering.day)
    )
    given = {
        r["enrolment"]
        for r in await SessionFeedback.select(SessionFeedback.enrolment).where(
            SessionFeedback.enrolment.is_in([r["id"] for r in rows] or [0])
        )
    }
    for row in rows:
        row["feedback_given"] = row["id"] in given
    return rows


async def record_feedback(
    enrolment_id: int, cadre_id: int, reaction: int | None, usefulness: int | None, comment: str
) -> None:
    enrolment = (
        await Enrolment.select(Enrolment.id, Enrolment.status)
        .where(
            (Enrolment.id == enrolment_id)
            & (Enrolment.cadre == cadre_id)
            & Enrolment.plan.published_at.is_not_null()
        )
        .first()
    )
    if enrolment is None or enrolment["status"] != "assigned":
        raise NotFound("找不到这条培训安排")
    problems = {}
    if reaction is None or not 1 <= reaction <= 5:
        problems["reaction"] = "请为培训的总体感受打分（1–5）"
    if usefulness is None or not 1 <= usefulness <= 5:
        problems["usefulness"] = "请为对工作的帮助打分（1–5）"
    if len(comment) > 500:
        problems["comment"] = "意见不超过 500 字"
    if problems:
        raise Invalid("反馈未提交", problems)
    if await SessionFeedback.exists().where(SessionFeedback.enrolment == enrolment_id):
        raise Conflict("这次培训的反馈已经提交过了")
    await SessionFeedback.insert(
        SessionFeedback(
            enrolment=enrolment_id,
            reaction=reaction,
            usefulness=usefulness,
            comment=comment.strip(),
        )
    )


async def check_in(token: str, cadre_id: int) -> dict[str, Any]:
    """The QR code at the venue: a logged-in cadre scanning it is marked present."""
    offering = (
        await Offering.select(Offering.id, Offering.title)
        .where((Offering.checkin_token == token) & (Offering.checkin_token != ""))
        .first()
    )
    if offering is None:
        raise NotFound("签到码无效")
    updated = (
        await Enrolment.update({Enrolment.attended_at: datetime.now(UTC)})
        .where(
            (Enrolment.offering == offering["id"])
            & (Enrolment.cadre == cadre_id)
            & (Enrolment.status == "assigned")
            & Enrolment.plan.published_at.is_not_null()
        )
        .returning(Enrolment.id)
    )
    if not updated:
        raise NotFound("您不在这次培训的名单上")
    return offering


async def load_demo_catalogue(start: date) -> int:
    """The demo's catalogue: the workshops, and exchanges hosted by clearly strong towns in
    the latest published cycle."""
    town_ids = [r["id"] for r in await Town.select(Town.id).order_by(Town.id)]
    rows = demo_workshops(start, town_ids)
    cycles = await results_service.published_cycles()
    if cycles:
        snapshot = await results_service.snapshot_for(int(cycles[0]["id"]))
        towns = (await results_service.county_frames(snapshot))["towns"]
        strong = towns.filter(pl.col("lo") > pl.col("norm"))
        rows += exchange_sessions(
            strong, {c.id: c.name for c in snapshot.rubric.competencies}, start
        )
    for row in rows:
        await Offering.insert(Offering(**row, checkin_token=secrets.token_urlsafe(12)))
    return len(rows)


async def latest_plan() -> dict[str, Any] | None:
    return await TrainingPlan.select().order_by(TrainingPlan.id, ascending=False).first()


async def plan_detail(plan_id: int) -> dict[str, Any]:
    plan = await TrainingPlan.select().where(TrainingPlan.id == plan_id).first()
    if plan is None:
        raise NotFound("培训方案不存在")
    for key in ("parameters", "seat_prices"):
        if isinstance(plan[key], str):
            plan[key] = json.loads(plan[key])
    enrolments = (
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
    plan["enrolments"] = enrolments
    plan["assigned"] = sum(1 for e in enrolments if e["status"] == "assigned")
    plan["waiting"] = sum(1 for e in enrolments if e["status"] == "waitlist")
    return plan


async def published_cycle_ids() -> list[int]:
    return [
        int(r["cycle"])
        for r in await ProfileSnapshot.select(ProfileSnapshot.cycle).where(
            ProfileSnapshot.frozen.eq(True)
        )
    ]


async def demand_report(cycle_id: int) -> pl.DataFrame:
    from training.demand import demand

    catalogue = await offerings()
    cadres = pl.DataFrame(
        await Cadre.select(Cadre.id.as_alias("cadre_id"), Cadre.town.as_alias("town_id")),
        schema={"cadre_id": pl.Int64, "town_id": pl.Int64},
    )
    seats = (
        catalogue.select(offering_id="id", capacity="capacity")
        if catalogue.height
        else pl.DataFrame(schema={"offering_id": pl.Int64, "capacity": pl.Int64})
    )
    fit = (
        targets(catalogue)
        if catalogue.height
        else pl.DataFrame(
            schema={"offering_id": pl.Int64, "competency": pl.String, "relevance": pl.Float64}
        )
    )
    return demand(await weaknesses(cycle_id), cadres, fit, seats)


async def town_distances() -> pl.DataFrame:
    """from_town, to_town, km — where both towns have coordinates."""
    towns = pl.DataFrame(
        await Town.select(Town.id, Town.latitude, Town.longitude),
        schema={"id": pl.Int64, "latitude": pl.Float64, "longitude": pl.Float64},
    ).drop_nulls()
    pairs = towns.join(towns, how="cross", suffix="_to")
    return pairs.select(
        from_town="id",
        to_town="id_to",
        km=111.0
        * (
            (pl.col("latitude") - pl.col("latitude_to")) ** 2
            + (pl.col("longitude") - pl.col("longitude_to")) ** 2
        ).sqrt(),
    )


async def exchange_plan(cycle_id: int, host_cap: int = 2) -> pl.DataFrame:
    from training.exchange import pair_towns

    snapshot = await results_service.snapshot_for(cycle_id)
    towns = (await results_service.county_frames(snapshot))["towns"]
    names = dict(towns.select("town_id", "town").unique("town_id").iter_rows())
    competency_names = {c.id: c.name for c in snapshot.rubric.competencies}
    return pair_towns(towns, await town_distances(), host_cap=host_cap).with_columns(
        host_name=pl.col("host").replace_strict(names, default=None),
        visitor_name=pl.col("visitor").replace_strict(names, default=None),
        competency_name=pl.col("competency").replace_strict(competency_names, default=None),
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


async def catalogue_lookups() -> tuple[dict[str, str], dict[str, int]]:
    """Competency names and ids (of the newest rubric) → id; town names → id."""
    from evaluation.rubric_loader import load_default_rubric

    rubric = load_default_rubric()
    competencies = {c.name: c.id for c in rubric.competencies} | {
        c.id: c.id for c in rubric.competencies
    }
    towns = {r["name"]: int(r["id"]) for r in await Town.select(Town.id, Town.name)}
    return competencies, towns


async def add_offerings(rows: list[dict[str, Any]]) -> int:
    async with Offering._meta.db.transaction():  # all rows or none
        for row in rows:
            await Offering.insert(Offering(**row, checkin_token=secrets.token_urlsafe(12)))
    return len(rows)


async def offering(offering_id: int) -> dict[str, Any]:
    row = (
        await Offering.select(
            Offering.id,
            Offering.title,
            Offering.day,
            Offering.checkin_token,
            Offering.venue_town.name,
        )
        .where(Offering.id == offering_id)
        .first()
    )
    if row is None:
        raise NotFound("场次不存在")
    return row


async def simulate_attendance(plan_id: int, seed: int, effect: float) -> pl.DataFrame:
    """The demo's past plan: most assigned cadres attend (recorded as checked in); returns
    cadre_id, competency, effect for the competencies their sessions targeted."""
    rows = pl.DataFrame(
        await Enrolment.select(
            Enrolment.id, Enrolment.cadre, Enrolment.offering, Enrolment.offering.competencies
        ).where((Enrolment.plan == plan_id) & (Enrolment.status == "assigned")),
        schema={
            "id": pl.Int64,
            "cadre": pl.Int64,
            "offering": pl.Int64,
            "offering.competencies": pl.Object,
        },
    )
    rng = np.random.default_rng(seed + plan_id)
    attended = rows.filter(pl.Series(rng.random(rows.height) < 0.9))
    ids = attended["id"].to_list()
    for start in range(0, len(ids), 500):
        await Enrolment.update({Enrolment.attended_at: datetime.now(UTC)}).where(
            Enrolment.id.is_in(ids[start : start + 500])
        )
    boosts = [
        {"cadre_id": cadre, "competency": competency, "effect": effect * float(relevance)}
        for cadre, targets_json in attended.select("cadre", "offering.competencies").iter_rows()
        for competency, relevance in (
            json.loads(targets_json) if isinstance(targets_json, str) else targets_json
        ).items()
    ]
    frame = pl.DataFrame(
        boosts, schema={"cadre_id": pl.Int64, "competency": pl.String, "effect": pl.Float64}
    )
    return frame.group_by("cadre_id", "competency").agg(pl.col("effect").max())


async def published_plans() -> list[dict[str, Any]]:
    return (
        await TrainingPlan.select(
            TrainingPlan.id, TrainingPlan.cycle, TrainingPlan.cycle.name, TrainingPlan.published_at
        )
        .where(TrainingPlan.published_at.is_not_null())
        .order_by(TrainingPlan.id, ascending=False)
    )
