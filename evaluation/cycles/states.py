"""Cycle life: draft → open → closed → published, and the rules each state enforces.

Pure: the service asks `next_state` before it writes, and writes with the old state in its
WHERE clause, so a refused or raced move changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from evaluation.errors import Conflict, Invalid
from evaluation.groups import GROUPS

STATES = ("draft", "open", "closed", "published")
STATE_WORDS = {"draft": "草稿", "open": "进行中", "closed": "已截止", "published": "已发布"}
DEFAULT_WEIGHTS = {"superior": 0.35, "peer": 0.35, "resident": 0.30, "self": 0.0, "mystery": 0.0}
MIN_RESIDENT_WEIGHT = 0.30


@dataclass(frozen=True)
class Move:
    action: str
    label: str
    source: str
    target: str


MOVES = {
    "open": Move("open", "开始评价", "draft", "open"),
    "close": Move("close", "截止评价", "open", "closed"),
    "reopen": Move("reopen", "重新开放", "closed", "open"),
    "publish": Move("publish", "发布结果", "closed", "published"),
}

REFUSALS = {
    ("open", "open"): "评价已在进行中",
    ("open", "closed"): "已截止的周期请使用“重新开放”",
    ("open", "published"): "结果已发布，周期不能再开放",
    ("close", "draft"): "周期尚未开始，无需截止",
    ("close", "closed"): "周期已截止",
    ("close", "published"): "结果已发布，周期已结束",
    ("reopen", "draft"): "周期尚未开始",
    ("reopen", "open"): "评价已在进行中",
    ("reopen", "published"): "结果发布后不能重新开放收集",
    ("publish", "draft"): "周期尚未开始评价，不能发布",
    ("publish", "open"): "请先截止评价，再发布结果",
    ("publish", "published"): "结果已发布",
}


def next_state(state: str, action: str) -> str:
    move = MOVES.get(action)
    if move is None:
        raise Invalid(f"未知操作：{action}", {"action": "不支持的操作"})
    if state != move.source:
        raise Conflict(
            REFUSALS.get(
                (action, state), f"当前状态（{STATE_WORDS.get(state, state)}）不允许{move.label}"
            )
        )
    return move.target


def available_moves(state: str) -> list[Move]:
    return [m for m in MOVES.values() if m.source == state]


def require_editable(state: str) -> None:
    """Rubric, weights and dates change only in draft: once raters have seen the form, no."""
    if state != "draft":
        raise Conflict("周期开始后不能再修改量表、权重或日期")


def check_weights(weights: dict[str, float]) -> dict[str, float]:
    """Weights per rater group: known groups, each 0–1, summing to 1, residents ≥ 30%."""
    problems = {}
    for group, value in weights.items():
        if group not in GROUPS:
            problems[f"weight_{group}"] = f"未知评价主体：{group}"
        elif not 0 <= value <= 1:
            problems[f"weight_{group}"] = "权重应在 0 到 100% 之间"
    total = sum(weights.values())
    if abs(total - 1) > 0.001:
        problems["weights"] = f"各评价主体权重之和应为 100%，现为 {total * 100:.1f}%"
    if weights.get("resident", 0) < MIN_RESIDENT_WEIGHT - 1e-9:
        problems["weight_resident"] = "群众评价权重不应低于 30%"
    if problems:
        raise Invalid("权重设置有误", problems)
    return {g: round(weights.get(g, 0.0), 4) for g in GROUPS}


def check_dates(opens_on: date, closes_on: date, remind_on: date | None) -> None:
    problems = {}
    if closes_on <= opens_on:
        problems["closes_on"] = "截止日期应晚于开始日期"
    if remind_on is not None and not opens_on <= remind_on <= closes_on:
        problems["remind_on"] = "提醒日期应在开始与截止日期之间"
    if problems:
        raise Invalid("日期设置有误", problems)
