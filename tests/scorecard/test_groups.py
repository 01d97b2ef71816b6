"""组团式考核 as properties over random counties: the group's result is its members' mean on
the shared indicators; a member's total is (1 − share) × its own + share × that result;
towns outside every group keep their totals; ranks are taken again; a member that falls
behind the group (or goes red on a shared indicator) is marked."""

from __future__ import annotations

import msgspec
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.scorecard.clusters import LAG_POINTS, blend, member_rows
from evaluation.scorecard.plan import TownGroup
from evaluation.scorecard.scoring import score
from tests.scorecard.test_scoring import PLAN, county

GROUP = PLAN.groups[0]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(6, 15), st.data())
def test_a_group_result_enters_each_members_total_by_its_share(
    seed: int, towns: int, data: st.DataObject
) -> None:
    town_frame, targets, values = county(seed, towns)
    scores = score(PLAN, values, targets, town_frame, [1, 2, 3, 4])
    chosen = data.draw(st.lists(st.integers(1, towns), min_size=2, max_size=5, unique=True))
    members = pl.DataFrame({"group": [GROUP.code] * len(chosen), "town_id": chosen})
    rows = member_rows(PLAN, scores.indicators, members)
    shared = scores.indicators.filter(pl.col("indicator").is_in(GROUP.indicators))
    for quarter in (1, 4):
        own = {
            t: shared.filter(pl.col("town_id") == t, pl.col("quarter") == quarter)["score"].mean()
            for t in chosen
        }
        result = sum(own.values()) / len(own)  # type: ignore[arg-type]
        now = rows.filter(pl.col("quarter") == quarter)
        assert now["result"].to_list() == pytest.approx([result] * len(chosen))
        for r in now.iter_rows(named=True):
            red = bool(
                shared.filter(
                    pl.col("town_id") == r["town_id"],
                    pl.col("quarter") == quarter,
                    pl.col("light") == "red",
                ).height
            )
            assert r["lagging"] == (r["member_score"] < result - LAG_POINTS or red)
    blended = blend(scores.totals, rows)
    assert blended.height == scores.totals.height  # towns outside the group stay listed
    before = {(r["town_id"], r["quarter"]): r["total"] for r in scores.totals.iter_rows(named=True)}
    for r in blended.iter_rows(named=True):
        key = (r["town_id"], r["quarter"])
        if r["town_id"] in chosen:
            assert r["total"] == pytest.approx(
                (1 - GROUP.share) * before[key] + GROUP.share * r["group_result"]
            )
        else:
            assert r["total"] == before[key] and r["group"] is None
    # ranks within type and quarter are taken again from the blended totals
    for _key, part in blended.group_by("quarter", "town_type"):
        best = part.sort("total", descending=True)["town_id"][0]
        assert part.filter(pl.col("town_id") == best)["rank"].item() == 1


def test_no_members_no_change() -> None:
    town_frame, targets, values = county(3, 8)
    scores = score(PLAN, values, targets, town_frame, [1, 2])
    empty = member_rows(
        PLAN, scores.indicators, pl.DataFrame(schema={"group": pl.String, "town_id": pl.Int64})
    )
    assert empty.is_empty()
    assert blend(scores.totals, empty)["total"].to_list() == scores.totals["total"].to_list()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(6, 12), st.sampled_from([None, 1, 2, 3, 4]), st.data())
def test_the_group_board_reads_the_member_rows_as_they_are(
    seed: int, towns: int, latest: int | None, data: st.DataObject
) -> None:
    """The 集体目标 board against a plain reading of member_rows: each quarter's group result
    in its place of the trend, the latest quarter's result, every member of the group (one
    not scored yet too) with its latest score and lag mark, best first; other groups' towns
    and rows stay out."""
    from evaluation.scorecard.clusters import boards

    town_frame, targets, values = county(seed, towns)
    scores = score(PLAN, values, targets, town_frame, [1, 2, 3, 4])
    chosen = data.draw(st.lists(st.integers(1, towns), min_size=2, max_size=5, unique=True))
    missing = data.draw(st.integers(towns + 1, towns + 3))  # a member with no rows yet
    members = pl.DataFrame({"group": [GROUP.code] * len(chosen), "town_id": chosen})
    rows = member_rows(PLAN, scores.indicators, members)
    quarters = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4, unique=True))
    rows = rows.filter(pl.col("quarter").is_in(quarters))
    # another group's rows and members that must not leak onto this board
    others = rows.with_columns(group=pl.lit("other"), result=pl.col("result") + 7.0)
    everyone = pl.concat(
        [members, pl.DataFrame({"group": [GROUP.code, "other"], "town_id": [missing, 1]})]
    )
    names = {t: f"镇{t}" for t in range(1, towns + 1)}  # (the unscored member: no name yet)
    (board,) = [
        b
        for b in boards(PLAN, pl.concat([rows, others]), everyone, names, latest)
        if b.code == GROUP.code
    ]

    by_quarter = {int(r["quarter"]): float(r["result"]) for r in rows.iter_rows(named=True)}
    assert board.trend == [by_quarter.get(q) for q in (1, 2, 3, 4)]
    assert board.quarter == latest and board.result == by_quarter.get(latest or 0)
    assert board.indicators == [PLAN.indicator(c).name for c in GROUP.indicators]
    assert (board.name, board.goal, board.share) == (GROUP.name, GROUP.goal, GROUP.share)
    now = {
        int(r["town_id"]): r
        for r in rows.filter(pl.col("quarter") == (latest or 0)).iter_rows(named=True)
    }
    expected = [
        (
            t,
            names.get(t, ""),
            now[t]["member_score"] if t in now else None,
            bool(now[t]["lagging"]) if t in now else False,
        )
        for t in [*chosen, missing]
    ]
    got = [(m.town_id, m.name, m.score, m.lagging) for m in board.members]
    assert sorted(got, key=str) == sorted(expected, key=str)
    scores = [m.score for m in board.members]
    shown = [s for s in scores if s is not None]
    assert scores == sorted(shown, reverse=True) + [None] * (len(scores) - len(shown))


def test_each_group_has_its_own_result_and_towns_outside_keep_theirs() -> None:
    """Two groups (three shared indicators in all — a table polars could read as columns
    when its orientation is left to guess): each group's result is the mean of its own
    members, never of both groups together; a town outside both keeps its total."""
    other = next(i.code for i in PLAN.indicators if i.code not in GROUP.indicators)
    second = TownGroup(code="second", name="第二组团", goal="产业链", indicators=[other], share=0.2)
    plan = msgspec.structs.replace(PLAN, groups=[GROUP, second])
    town_frame, targets, values = county(11, 8)
    scores = score(plan, values, targets, town_frame, [1, 2])
    members = pl.DataFrame({"group": [GROUP.code] * 3 + ["second"] * 2, "town_id": [1, 2, 3, 4, 5]})
    rows = member_rows(plan, scores.indicators, members)
    for (group, quarter), part in rows.group_by("group", "quarter"):
        mine = members.filter(pl.col("group") == group)["town_id"]
        codes = GROUP.indicators if group == GROUP.code else [other]
        expected = (
            scores.indicators.filter(
                pl.col("town_id").is_in(mine.implode()),
                pl.col("quarter") == quarter,
                pl.col("indicator").is_in(codes),
            )
            .group_by("town_id")
            .agg(pl.col("score").mean())["score"]
            .mean()
        )
        assert part["result"].to_list() == pytest.approx([expected] * part.height)
    blended = blend(scores.totals, rows)
    assert blended.height == scores.totals.height
    kept = blended.filter(pl.col("town_id") > 5).sort("town_id", "quarter")["total"]
    assert (
        kept.to_list()
        == scores.totals.filter(pl.col("town_id") > 5).sort("town_id", "quarter")["total"].to_list()
    )


def test_a_member_exactly_lag_points_below_does_not_lag() -> None:
    """Lagging is *more than* LAG_POINTS below the group's result (or a red light)."""
    indicators = pl.DataFrame(
        {
            "town_id": [1, 2, 3, 4],
            "quarter": [1] * 4,
            "indicator": [GROUP.indicators[0]] * 4,
            "score": [80.0, 90.0, 79.0, 91.0],
            "light": ["green"] * 4,
        }
    )
    members = pl.DataFrame({"group": [GROUP.code] * 2, "town_id": [1, 2]})
    rows = member_rows(PLAN, indicators, members)
    assert rows["result"].to_list() == [85.0, 85.0]
    assert rows.sort("town_id")["lagging"].to_list() == [False, False]
    members = pl.DataFrame({"group": [GROUP.code] * 2, "town_id": [3, 4]})
    assert member_rows(PLAN, indicators, members).sort("town_id")["lagging"].to_list() == [
        True,
        False,
    ]


def test_a_plan_group_without_members_yet_has_an_empty_board_and_no_blend() -> None:
    """The office defines a group before naming its towns: the member table is empty but
    typed, the board shows the group with nobody on it, and the totals are unchanged with
    the same columns as a blended table."""
    from evaluation.scorecard.clusters import boards

    town_frame, targets, values = county(5, 6)
    scores = score(PLAN, values, targets, town_frame, [1])
    nobody = pl.DataFrame(schema={"group": pl.String, "town_id": pl.Int64})
    rows = member_rows(PLAN, scores.indicators, nobody)
    (board,) = boards(PLAN, rows, nobody, {}, 1)
    assert board.code == GROUP.code and board.members == [] and board.result is None
    some = pl.DataFrame({"group": [GROUP.code] * 2, "town_id": [1, 2]})
    blended = blend(scores.totals, member_rows(PLAN, scores.indicators, some))
    assert blend(scores.totals, rows).schema == blended.schema


def test_a_group_of_one_town_has_that_towns_result() -> None:
    from evaluation.scorecard.clusters import boards

    town_frame, targets, values = county(8, 6)
    scores = score(PLAN, values, targets, town_frame, [1])
    alone = pl.DataFrame({"group": [GROUP.code], "town_id": [3]})
    rows = member_rows(PLAN, scores.indicators, alone)
    (board,) = boards(PLAN, rows, alone, {3: "三镇"}, 1)
    assert board.result == rows["member_score"].item() and board.members[0].name == "三镇"
