"""组团式考核 as properties over random counties: the group's result is its members' mean on
the shared indicators; a member's total is (1 − share) × its own + share × that result;
towns outside every group keep their totals; ranks are taken again; a member that falls
behind the group (or goes red on a shared indicator) is marked."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.scorecard.clusters import LAG_POINTS, blend, member_rows
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
