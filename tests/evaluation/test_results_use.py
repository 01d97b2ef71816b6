"""The 优秀 and 后进 lists as properties over any county: 优秀 never exceeds a town's quota
(a fifth of its cadres, at least one), never includes a cadre scored on too few of the
competencies that apply, a red light or a weakness, and takes a town's best first; every
后进 entry's evidence names its weaknesses or says there are none."""

from __future__ import annotations

import math

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.results.county import EXCELLENT_EVIDENCE, EXCELLENT_SHARE, results_use
from evaluation.results.county_view import list_evidence
from evaluation.rubrics.loader import load_default_rubric

GREEN, RED = 3.5, 2.5


@st.composite
def counties(draw: st.DrawFn) -> dict[str, pl.DataFrame]:
    towns = draw(st.integers(1, 4))
    rows = []
    for town in range(1, towns + 1):
        for _ in range(draw(st.integers(1, 14))):
            applicable = draw(st.integers(4, 10))
            weaknesses = draw(
                st.lists(st.sampled_from(["political", "lawful_admin"]), max_size=2, unique=True)
            )
            rows.append(
                {
                    "ratee_id": len(rows) + 1,
                    "town_id": town,
                    "town": f"镇{town}",
                    "name": f"干部{len(rows) + 1}",
                    "overall": draw(st.floats(1.5, 5.0)),
                    "red": draw(st.integers(0, 2)),
                    "green": draw(st.integers(0, applicable)),
                    "weak": len(weaknesses),
                    "weaknesses": weaknesses,
                    "competencies": draw(st.integers(1, applicable)),
                    "applicable": applicable,
                    "rank": 1,
                    "peers": 1,
                }
            )
    cadres = pl.DataFrame(rows, schema_overrides={"weaknesses": pl.List(pl.String)})
    towns_frame = pl.DataFrame(
        {
            "town_id": [1],
            "town": ["镇1"],
            "competency": ["political"],
            "mean": [3.0],
            "cadres": [3],
            "light": ["yellow"],
            "lagging": [False],
        }
    )
    return {"cadres": cadres, "towns": towns_frame}


@settings(max_examples=150, deadline=None)
@given(counties())
def test_the_excellent_list_keeps_its_quota_and_its_evidence_rule(
    frames: dict[str, pl.DataFrame],
) -> None:
    lists = results_use(frames, GREEN, RED)
    excellent = lists["excellent_cadres"]
    cadres = frames["cadres"]
    eligible = cadres.filter(
        (pl.col("overall") >= GREEN)
        & (pl.col("red") == 0)
        & (pl.col("weak") == 0)
        & (pl.col("competencies") >= (pl.col("applicable") * EXCELLENT_EVIDENCE).ceil())
    )
    for town, members in cadres.group_by("town_id"):
        quota = max(1, math.floor(members.height * EXCELLENT_SHARE))
        chosen = excellent.filter(pl.col("town_id") == town[0])
        candidates = eligible.filter(pl.col("town_id") == town[0])
        assert chosen.height == min(quota, candidates.height)
        if chosen.height and chosen.height < candidates.height:  # the best go first
            left_out = candidates.filter(~pl.col("ratee_id").is_in(chosen["ratee_id"].implode()))
            assert chosen["overall"].min() >= left_out["overall"].max()  # type: ignore[operator]
    assert (excellent["competencies"] >= excellent["applicable"] * EXCELLENT_EVIDENCE).all()
    assert (excellent["red"] == 0).all() and (excellent["weak"] == 0).all()


@settings(max_examples=60, deadline=None)
@given(counties())
def test_every_lagging_entry_says_what_its_weaknesses_are(frames: dict[str, pl.DataFrame]) -> None:
    worded = list_evidence(results_use(frames, GREEN, RED), load_default_rubric())
    for evidence in worded["lagging_cadres"]["evidence"].to_list():
        assert not evidence.rstrip().endswith("短板：")
        assert "短板：" in evidence or "无单项短板" in evidence
    for evidence in worded["excellent_cadres"]["evidence"].to_list():
        assert "名额" in evidence and "项有分" in evidence
