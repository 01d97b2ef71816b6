"""Goals of a development plan and their progress — pure: what a goal is, how a form's
goals are checked, and how a later cycle's score reads against the goal."""

from __future__ import annotations

import msgspec

from evaluation.errors import Invalid

MAX_GOALS = 3
ACTIONS_LENGTH = (10, 500)
STEADY = 0.2  # a change in score smaller than this reads as 基本持平


class Goal(msgspec.Struct, frozen=True, kw_only=True):
    competency: str
    name: str
    target: int  # the anchor level aimed for (1–5)
    actions: str  # what the cadre will do
    course: str = ""  # a course or exchange chosen to help (its title)
    baseline: float | None = None  # the score in the cycle the plan answers


class Progress(msgspec.Struct, frozen=True, kw_only=True):
    goal: Goal
    now: float | None  # the score in the later cycle (None: not shown to this reader)
    change: float | None
    reached: bool
    words: str


class GoalInput(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the plan form as typed."""

    competency: str
    target: str
    actions: str
    course: str = ""


def read_goals(
    rows: list[GoalInput],
    names: dict[str, str],
    baselines: dict[str, float | None],
    courses: set[str],
) -> list[Goal]:
    """The goals of a plan form: rows with no competency are left out; 1–MAX_GOALS goals,
    each a different competency of the cadre's rubric, a target level 1–5, concrete
    actions, a course from those offered. Every problem is named by
    its row (`goal1_actions` …)."""
    problems: dict[str, str] = {}
    goals: list[Goal] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        key = f"goal{number}"
        competency = row.competency.strip()
        if not competency:
            continue
        if competency not in names:
            problems[f"{key}_competency"] = f"第 {number} 项：请从列表中选择能力"
            continue
        if competency in seen:
            problems[f"{key}_competency"] = f"第 {number} 项：与前面的目标是同一项能力"
        seen.add(competency)
        target = int(row.target) if row.target.strip().isdigit() else 0
        if not 1 <= target <= 5:
            problems[f"{key}_target"] = f"第 {number} 项：请选择目标水平（1–5 级）"
        actions = row.actions.strip()
        least, most = ACTIONS_LENGTH
        if not least <= len(actions) <= most:
            problems[f"{key}_actions"] = (
                f"第 {number} 项：请写出具体做法（{least}–{most} 字），如做什么、何时、与谁"
            )
        course = row.course.strip()
        if course and course not in courses:
            problems[f"{key}_course"] = f"第 {number} 项：请从列表中选择培训或交流"
        goals.append(
            Goal(
                competency=competency,
                name=names[competency],
                target=target,
                actions=actions,
                course=course,
                baseline=baselines.get(competency),
            )
        )
    if not goals and not problems:
        problems["goal1_competency"] = "请至少确定一项发展目标"
    if len(goals) > MAX_GOALS:
        problems["goals"] = f"发展目标最多 {MAX_GOALS} 项，聚焦最要紧的"
    if problems:
        raise Invalid("发展计划未保存", problems)
    return goals


def progress(goals: list[Goal], now: dict[str, float | None]) -> list[Progress]:
    """Each goal against the later cycle's score of its competency."""
    found = []
    for goal in goals:
        score = now.get(goal.competency)
        change = None if score is None or goal.baseline is None else score - goal.baseline
        reached = score is not None and score >= goal.target
        if score is None:
            words = "本期这一项没有可显示的结果"
        elif reached:
            words = f"已达到目标（{goal.target} 级）"
        elif change is None:
            words = f"离目标还差 {goal.target - score:.1f}"
        elif change >= STEADY:
            words = f"有进步（+{change:.1f}），离目标还差 {goal.target - score:.1f}"
        elif change <= -STEADY:
            words = f"有所下降（{change:.1f}）"
        else:
            words = "基本持平"
        found.append(Progress(goal=goal, now=score, change=change, reached=reached, words=words))
    return found
