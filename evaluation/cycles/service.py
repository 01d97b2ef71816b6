"""Cycles in the database: pinned rubric versions, atomic state moves, assignments."""

from __future__ import annotations

import functools
import json
from datetime import date
from typing import Any

import polars as pl

from evaluation import clock
from evaluation.cycles import states as cycles
from evaluation.cycles.assignment import generate_assignments, rater_loads
from evaluation.cycles.schemas import CycleRecord, ManualAssignment
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.groups import ASSIGNABLE
from evaluation.infra.bulk import insert_values
from evaluation.infra.invalidation import cycle_changed
from evaluation.organisation.directory import cadre_frame
from evaluation.rows import rows_of
from evaluation.rubrics.schema import Rubric
from evaluation.rubrics.versions import parsed_rubric
from evaluation.tables import (
    Assignment,
    Cadre,
    Cycle,
    Leadership,
    ProfileSnapshot,
    RubricVersion,
)


async def rubric_for_cycle(cycle_id: int) -> Rubric:
    rows = await Cycle.raw(  # one join, written once (read on every results page)
        f'SELECT r."source" AS "source" FROM "{Cycle._meta.tablename}" c '
        f'JOIN "{RubricVersion._meta.tablename}" r ON r."id" = c."rubric" WHERE c."id" = {{}}',
        cycle_id,
    )
    if not rows:
        raise NotFound("考核周期不存在")
    return parsed_rubric(rows[0]["source"])


async def create_cycle(
    *,
    name: str,
    period: str,
    year: int,
    quarter: int | None,
    rubric_id: int,
    opens_on: date,
    closes_on: date,
    remind_on: date | None = None,
    weights: dict[str, float] | None = None,
    peers_per_cadre: int = 4,
    publicity_days: int = 7,
    min_response_rate: float = 0.6,
) -> int:
    problems = {}
    if not name.strip() or len(name) > 64:
        problems["name"] = "请填写周期名称（不超过 64 个字）"
    if period not in ("annual", "quarterly"):
        problems["period"] = "周期类型应为年度或季度"
    elif period == "quarterly" and quarter not in (1, 2, 3, 4):
        problems["quarter"] = "季度周期需选择第几季度"
    if not 2000 <= year <= 2100:
        problems["year"] = "年份不正确"
    if not 1 <= peers_per_cadre <= 12:
        problems["peers_per_cadre"] = "每人同事评价人数应为 1–12"
    if not 5 <= publicity_days <= 30:
        problems["publicity_days"] = "公示期应为 5–30 天"
    if not 0 <= min_response_rate <= 1:
        problems["min_response_rate"] = "发布所需最低回收率应为 0–100%"
    if not await RubricVersion.exists().where(RubricVersion.id == rubric_id):
        problems["rubric"] = "请选择量表"
    for check in (
        lambda: cycles.check_dates(opens_on, closes_on, remind_on),
        lambda: cycles.check_weights(weights or dict(cycles.DEFAULT_WEIGHTS)),
    ):
        try:
            check()
        except Invalid as exc:
            problems.update(exc.problems)
    if problems:
        raise Invalid("周期信息有误", problems)
    checked = cycles.check_weights(weights or dict(cycles.DEFAULT_WEIGHTS))
    row = await Cycle.insert(
        Cycle(
            name=name.strip(),
            period=period,
            year=year,
            quarter=quarter if period == "quarterly" else None,
            rubric=rubric_id,
            weights=checked,
            peers_per_cadre=peers_per_cadre,
            publicity_days=publicity_days,
            min_response_rate=min_response_rate,
            opens_on=opens_on,
            closes_on=closes_on,
            remind_on=remind_on,
        )
    ).returning(Cycle.id)
    return int(row[0]["id"])


def _record(row: dict[str, Any]) -> CycleRecord:
    """A cycle row as its record; the JSON weights column arrives as text on SQLite."""
    raw = row["weights"]
    weights = json.loads(raw) if isinstance(raw, str) else dict(raw)
    return CycleRecord(**{**row, "weights": weights})


@functools.cache
def _cycle_select() -> str:
    """A cycle's record (its columns, its rubric's id, name and version) as SQL written once:
    every results page reads a cycle or two, and building the query through the ORM cost
    more than running it."""
    own = ", ".join(
        f'c."{column._meta.db_column_name}" AS "{column._meta.name}"'
        for column in Cycle._meta.columns
        if column._meta.name != "rubric"
    )
    return (
        f'SELECT {own}, c."rubric" AS "rubric_id", r."name" AS "rubric_name", '
        f'r."version" AS "rubric_version" FROM "{Cycle._meta.tablename}" c '
        f'JOIN "{RubricVersion._meta.tablename}" r ON r."id" = c."rubric"'
    )


async def _cycles(where: str = "", *args: Any) -> list[CycleRecord]:
    """The cycles matching `where` (SQL over `c`, `{}` placeholders), newest first."""
    condition = f" WHERE {where}" if where else ""
    rows = await Cycle.raw(f'{_cycle_select()}{condition} ORDER BY c."id" DESC', *args)
    return [_record(row) for row in rows]


async def get_cycle(cycle_id: int) -> CycleRecord:
    found = await _cycles('c."id" = {}', cycle_id)
    if not found:
        raise NotFound("考核周期不存在")
    return found[0]


async def list_cycles() -> list[CycleRecord]:
    return await _cycles()


async def set_weights(cycle_id: int, weights: dict[str, float]) -> None:
    cycle = await get_cycle(cycle_id)
    cycles.require_editable(cycle.state)
    checked = cycles.check_weights(weights)
    updated = (
        await Cycle.update({Cycle.weights: checked})
        .where((Cycle.id == cycle_id) & (Cycle.state == "draft"))
        .returning(Cycle.id)
    )
    if not updated:
        raise Conflict("周期状态已变化，请刷新后重试")


async def move_cycle(cycle_id: int, action: str, on: date | None = None) -> str:
    """Apply a state move; the WHERE on the old state makes a raced move a no-op refusal.
    `on` dates a move recorded after the fact (the demo's past cycles): never in the future."""
    if on is not None and on > clock.today():
        raise Invalid("日期不能晚于今天", {"on": "日期不能晚于今天"})
    cycle = await get_cycle(cycle_id)
    target = cycles.next_state(cycle.state, action)
    if action == "open" and not await Assignment.exists().where(Assignment.cycle == cycle_id):
        raise Conflict("请先生成评价任务，再开始评价")
    if action == "publish":
        raise Conflict("发布结果请使用“发布结果”（先计算并冻结结果）")
    if action == "reopen" and await ProfileSnapshot.exists().where(
        ProfileSnapshot.cycle == cycle_id
    ):
        raise Conflict("已计算过结果预览，不能再重新开放：前后两次结果相减可推算出个别评价人的评分")
    stamp = {
        "open": Cycle.opened_at,
        "reopen": Cycle.opened_at,
        "close": Cycle.closed_at,
        "publish": Cycle.published_at,
    }[action]
    updated = (
        await Cycle.update(
            {Cycle.state: target, stamp: clock.now() if on is None else clock.moment_on(on)}
        )
        .where((Cycle.id == cycle_id) & (Cycle.state == cycle.state))
        .returning(Cycle.id)
    )
    if not updated:
        raise Conflict("周期状态已被他人修改，请刷新后重试")
    cycle_changed()  # caches of this process (live resident links) follow the new state at once
    return target


async def organisation_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    cadres = pl.DataFrame(
        await Cadre.select(
            Cadre.id.as_alias("cadre_id"), Cadre.town.as_alias("town_id"), Cadre.active
        ),
        schema={"cadre_id": pl.Int64, "town_id": pl.Int64, "active": pl.Boolean},
    )
    links = pl.DataFrame(
        await Leadership.select(
            Leadership.leader.as_alias("leader_id"), Leadership.member.as_alias("member_id")
        ),
        schema={"leader_id": pl.Int64, "member_id": pl.Int64},
    )
    return cadres, links


async def generate_cycle_assignments(cycle_id: int) -> dict[str, int]:
    """(Re)generate rule-based assignments in a draft cycle; manual ones are kept."""
    cycle = await get_cycle(cycle_id)
    if cycle.state != "draft":
        raise Conflict("评价开始后不能重新生成任务；可以逐条添加或移除")
    frame = generate_assignments(*await organisation_frames(), cycle.peers_per_cadre, seed=cycle_id)
    async with Cycle._meta.db.transaction():
        await Assignment.delete().where(
            (Assignment.cycle == cycle_id) & (Assignment.source == "rule")
        )
        rows = frame.select(
            cycle=pl.lit(cycle_id),
            rater="rater_id",
            ratee="ratee_id",
            rater_group="rater_group",
            source=pl.lit("rule"),
            status=pl.lit("open"),
            reason=pl.lit(""),
            created_at=pl.lit(clock.now()),
        )
        await insert_values(Assignment, rows.columns, rows.rows())
    counts = frame.group_by("rater_group").len()
    return dict(counts.iter_rows())


async def add_assignment(
    cycle_id: int, rater_id: int, ratee_id: int, group: str, reason: str
) -> int:
    cycle = await get_cycle(cycle_id)
    if cycle.state not in ("draft", "open"):
        raise Conflict("周期已截止，不能再添加评价任务")
    problems = {}
    if group not in ASSIGNABLE:
        problems["rater_group"] = "请选择评价主体"
    if not reason.strip():
        problems["reason"] = "手工调整需填写原因"
    if group == "self" and rater_id != ratee_id:
        problems["rater_group"] = "自评的评价人和被评价人须为同一人"
    if group != "self" and rater_id == ratee_id:
        problems["rater"] = "不能评价自己（自评请选择“本人”）"
    for key, cadre_id in (("rater", rater_id), ("ratee", ratee_id)):
        if not await Cadre.exists().where((Cadre.id == cadre_id) & (Cadre.active.eq(True))):
            problems[key] = "干部不存在或不在职"
    if problems:
        raise Invalid("无法添加评价任务", problems)
    duplicate = await Assignment.exists().where(
        (Assignment.cycle == cycle_id)
        & (Assignment.rater == rater_id)
        & (Assignment.ratee == ratee_id)
        & (Assignment.rater_group == group)
        & (Assignment.status != "removed")
    )
    if duplicate:
        raise Conflict("该评价任务已存在")
    row = await Assignment.insert(
        Assignment(
            cycle=cycle_id,
            rater=rater_id,
            ratee=ratee_id,
            rater_group=group,
            source="manual",
            reason=reason.strip()[:500],
        )
    ).returning(Assignment.id)
    return int(row[0]["id"])


async def remove_assignment(assignment_id: int, reason: str) -> int:
    """Mark an open assignment removed, keeping the reason; returns its cycle."""
    row = (
        await Assignment.select(Assignment.status, Assignment.cycle, Assignment.cycle.state)
        .where(Assignment.id == assignment_id)
        .first()
    )
    if row is None:
        raise NotFound("评价任务不存在")
    if not reason.strip():
        raise Invalid("请填写移除原因", {"reason": "手工调整需填写原因"})
    if row["cycle.state"] not in ("draft", "open"):
        raise Conflict("周期已截止，不能再调整评价任务")
    if row["status"] != "open":
        raise Conflict("已提交或已移除的任务不能移除")
    await Assignment.update(
        {
            Assignment.status: "removed",
            Assignment.reason: reason.strip()[:500],
            Assignment.removed_at: clock.now(),
        }
    ).where((Assignment.id == assignment_id) & (Assignment.status == "open"))
    return int(row["cycle"])


async def assignment_frame(cycle_id: int) -> pl.DataFrame:
    rows = await Assignment.select(
        Assignment.id,
        Assignment.rater.as_alias("rater_id"),
        Assignment.ratee.as_alias("ratee_id"),
        Assignment.rater_group,
        Assignment.status,
        Assignment.source,
        Assignment.reason,
    ).where(Assignment.cycle == cycle_id)
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "rater_id": pl.Int64,
            "ratee_id": pl.Int64,
            "rater_group": pl.String,
            "status": pl.String,
            "source": pl.String,
            "reason": pl.String,
        },
    )


async def live_assignment_counts(cycle_id: int) -> dict[str, int]:
    """Assignments not removed, per rater group (every assignable group, 0 where none)."""
    live = (await assignment_frame(cycle_id)).filter(pl.col("status") != "removed")
    return {g: int((live["rater_group"] == g).sum()) for g in ASSIGNABLE}


async def assignment_overview(cycle_id: int) -> tuple[pl.DataFrame, list[ManualAssignment]]:
    """For the office's assignment page: each rater's load (with name and town), busiest
    first within a town; and the assignments added by hand, with both names."""
    frame = await assignment_frame(cycle_id)
    names = (await cadre_frame()).select(
        pl.col("cadre_id").alias("id"), "name", "external_id", "town"
    )
    loads = (
        rater_loads(frame.filter(pl.col("status") != "removed"))
        .join(names, left_on="rater_id", right_on="id", how="left")
        .sort(["town", "total", "external_id"], descending=[False, True, False])
    )  # a fixed order, so each page of the list holds the same raters every time
    manual = (
        frame.filter(pl.col("source") == "manual")
        .join(
            names.select(pl.col("id").alias("rater_id"), pl.col("name").alias("rater")),
            on="rater_id",
        )
        .join(
            names.select(pl.col("id").alias("ratee_id"), pl.col("name").alias("ratee")),
            on="ratee_id",
        )
    )
    return loads, rows_of(manual, ManualAssignment)


async def open_cycles() -> list[CycleRecord]:
    """Every cycle collecting answers (an annual cycle and a quarterly pulse may run at
    once), newest first."""
    return await _cycles('c."state" = {}', "open")


async def current_open_cycle() -> CycleRecord | None:
    """The newest cycle that is collecting answers."""
    found = await open_cycles()
    return found[0] if found else None
