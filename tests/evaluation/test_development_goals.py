"""Development goals (pure): what a plan form may hold, each refusal named by its row, and
how a later score reads against a goal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.development.goals import Goal, GoalInput, progress, read_goals
from evaluation.errors import Invalid

NAMES = {"service": "为民服务", "digital": "数字化治理", "law": "依法行政", "team": "团结协作"}
BASE = {"service": 2.4, "digital": 3.1, "law": None, "team": 3.9}
COURSES = {"为民服务窗口礼仪与效能"}
ACTIONS = "每月参加一次群众接待日并整理诉求台账"


def row(competency: str = "service", target: str = "4", actions: str = ACTIONS, course: str = ""):  # type: ignore[no-untyped-def]
    return GoalInput(competency=competency, target=target, actions=actions, course=course)


def test_a_good_plan_keeps_its_goals_with_their_baselines() -> None:
    goals = read_goals(
        [row(course="为民服务窗口礼仪与效能"), row("law", "3"), row("")], NAMES, BASE, COURSES
    )
    assert [(g.competency, g.name, g.target, g.baseline, g.course) for g in goals] == [
        ("service", "为民服务", 4, 2.4, "为民服务窗口礼仪与效能"),
        ("law", "依法行政", 3, None, ""),
    ]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([row(""), row("")], "goal1_competency"),  # nothing chosen
        ([row("nobody")], "goal1_competency"),  # not in the rubric
        ([row(), row("service")], "goal2_competency"),  # the same competency twice
        ([row(target="")], "goal1_target"),
        ([row(target="6")], "goal1_target"),
        ([row(target="0")], "goal1_target"),
        ([row(actions="多学习")], "goal1_actions"),  # too vague to act on
        ([row(actions="字" * 501)], "goal1_actions"),
        ([row(course="自己编的课")], "goal1_course"),
        ([row(), row("digital"), row("law"), row("team")], "goals"),  # more than three
    ],
)
def test_each_bad_row_is_refused_by_name(rows: list[GoalInput], problem: str) -> None:
    with pytest.raises(Invalid) as refused:
        read_goals(rows, NAMES, BASE, COURSES)
    assert problem in refused.value.problems


def goal(target: int, baseline: float | None) -> Goal:
    return Goal(
        competency="service", name="为民服务", target=target, actions=ACTIONS, baseline=baseline
    )


@given(
    st.integers(1, 5),
    st.one_of(st.none(), st.floats(1, 5)),
    st.one_of(st.none(), st.floats(1, 5)),
)
def test_progress_reads_the_new_score_against_the_goal(
    target: int, baseline: float | None, now: float | None
) -> None:
    (found,) = progress([goal(target, baseline)], {"service": now})
    assert found.now == now
    assert found.reached == (now is not None and now >= target)
    if now is None:
        assert "没有可显示的结果" in found.words
    elif found.reached:
        assert found.words.startswith("已达到目标")
    elif baseline is not None and now - baseline >= 0.2:
        assert found.words.startswith("有进步") and found.change == pytest.approx(now - baseline)
    elif baseline is not None and now - baseline <= -0.2:
        assert found.words.startswith("有所下降")
    elif baseline is not None:
        assert found.words == "基本持平"
    else:
        assert found.words.startswith("离目标还差")
