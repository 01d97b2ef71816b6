"""Town × competency results, systemic bottlenecks and trends on simulated cycles with
planted weaknesses and planted improvement."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.analytics.pipeline import aggregate
from evaluation.analytics.town_results import bottlenecks, cadre_trend, town_competency, trend
from evaluation.rubrics.loader import load_default_rubric
from tests.simulation import simulate_cycle

WEIGHTS = {"superior": 0.35, "peer": 0.35, "resident": 0.3}


def scores(responses: pl.DataFrame) -> pl.DataFrame:
    """The released scores of a cycle, through the whole pipeline."""
    ratees = responses.select(pl.col("ratee_id").unique()).with_columns(
        position_class=pl.lit("staff")
    )
    profiles = aggregate(responses, ratees, load_default_rubric(), WEIGHTS).profiles
    return profiles.filter(pl.col("score").is_not_null())


PER_TOWN = 15


def planted(seed: int) -> pl.DataFrame:
    """Eight towns; `digital` is weak in towns 0–3, `conflict` only in town 5."""
    responses = simulate_cycle(
        towns=8, per_town=PER_TOWN, peers=4, residents=3, seed=seed
    ).responses
    town = (pl.col("ratee_id") - 1) // PER_TOWN
    drop = (
        pl.when((pl.col("competency") == "digital") & (town <= 3))
        .then(1.4)
        .when((pl.col("competency") == "conflict") & (town == 5))
        .then(1.4)
        .otherwise(0.0)
    )
    return responses.with_columns(level=(pl.col("level") - drop).round().clip(1, 5).cast(pl.Int64))


def ratees(responses: pl.DataFrame) -> pl.DataFrame:
    return responses.select(pl.col("ratee_id").unique()).with_columns(
        town_id=(pl.col("ratee_id") - 1) // PER_TOWN
    )


def test_planted_weak_towns_lag_and_a_county_wide_weakness_is_systemic() -> None:
    responses = planted(seed=3)
    towns = town_competency(scores(responses), ratees(responses), 3.6, 2.6)
    lagging = towns.filter("lagging")
    assert set(lagging.filter(pl.col("competency") == "digital")["town_id"]) == {0, 1, 2, 3}
    assert set(lagging.filter(pl.col("competency") == "conflict")["town_id"]) == {5}
    found = bottlenecks(towns).filter("systemic")
    assert found["competency"].to_list() == ["digital"]
    assert found["lagging_towns"].item() == 4
    assert (
        not towns.filter(
            ~pl.col("competency").is_in(["digital", "conflict"]) & pl.col("lagging")
        ).height
        > 1
    )  # at most one chance finding among the 48 ordinary cells


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 300))
def test_town_intervals_hold_the_mean_and_stay_on_the_scale(seed: int) -> None:
    responses = simulate_cycle(towns=4, per_town=6, peers=3, residents=0, seed=seed).responses
    towns = town_competency(scores(responses), ratees_of(responses, 6), 3.6, 2.6)
    assert (towns["lo"] <= towns["mean"]).all()
    assert (towns["mean"] <= towns["hi"]).all()
    assert towns["lo"].min() >= 1
    assert towns["hi"].max() <= 5
    assert (towns["cadres"] == 6).all()


def ratees_of(responses: pl.DataFrame, per_town: int) -> pl.DataFrame:
    return responses.select(pl.col("ratee_id").unique()).with_columns(
        town_id=(pl.col("ratee_id") - 1) // per_town
    )


def test_trend_finds_planted_improvement_and_little_else() -> None:
    before = simulate_cycle(towns=6, per_town=20, peers=5, residents=0, seed=8).responses
    improved = pl.col("ratee_id") <= 20  # the first town's cadres were trained on service
    after = simulate_cycle(
        towns=6, per_town=20, peers=5, residents=0, seed=8, noise_seed=99
    ).responses.with_columns(
        level=pl.when(improved & (pl.col("competency") == "service"))
        .then((pl.col("level") + 2).clip(1, 5))
        .otherwise(pl.col("level"))
    )
    change = trend(scores(after), scores(before))
    trained = change.filter(improved & (pl.col("competency") == "service"))
    others = change.filter(~(improved & (pl.col("competency") == "service")))
    print(f"trained: {trained['clear'].mean():.0%} clear; others: {others['clear'].mean():.1%}")
    assert trained["clear"].mean() >= 0.8
    assert (trained["change"] > 0).all()
    assert others["clear"].mean() <= 0.15  # a 90% interval misses 0 about 10% of the time
    assert (change["change_lo"] <= change["change"]).all()
    assert (change["change"] <= change["change_hi"]).all()


COMPETENCIES = ["service", "integrity", "execution", "conflict", "innovation", "learning"]


@st.composite
def one_cadres_cells(draw: st.DrawFn) -> list[dict[str, object]]:
    """A cadre's cells in one cycle: any subset of competencies, a score or none (withheld),
    an interval around it."""
    chosen = draw(st.lists(st.sampled_from(COMPETENCIES), unique=True, max_size=len(COMPETENCIES)))
    cells = []
    for competency in chosen:
        score = draw(st.none() | st.floats(1, 5))
        low, high = draw(st.floats(0, 1.5)), draw(st.floats(0, 1.5))
        cells.append(
            {
                "ratee_id": 7,
                "competency": competency,
                "score": score,
                "lo": None if score is None else score - low,
                "hi": None if score is None else score + high,
            }
        )
    return cells


@given(one_cadres_cells(), one_cadres_cells())
@settings(max_examples=200, deadline=None)
def test_a_cadres_trend_is_the_trend_of_their_cells(
    now: list[dict[str, object]], before: list[dict[str, object]]
) -> None:
    """The feedback page's per-cadre trend (no frame steps) says exactly what `trend` says
    of the same cells: which competencies changed, by how much (to the last bit or so), and
    whether clearly."""
    schema = {
        "ratee_id": pl.Int64,
        "competency": pl.String,
        "score": pl.Float64,
        "lo": pl.Float64,
        "hi": pl.Float64,
    }
    expected = trend(
        pl.DataFrame(now, schema=schema).drop_nulls("score"),
        pl.DataFrame(before, schema=schema).drop_nulls("score"),
    )
    found = cadre_trend(now, before)
    assert sorted(found) == expected["competency"].to_list()
    for row in expected.iter_rows(named=True):
        mine = found[row["competency"]]
        assert mine.clear == row["clear"]
        for key in ("previous", "change", "change_lo", "change_hi"):
            # polars' vectorised arithmetic on a longer frame may round the last bit apart
            assert getattr(mine, key) == pytest.approx(row[key], rel=1e-12, abs=1e-12), key


def test_public_town_cells_never_average_fewer_than_three_cadres() -> None:
    from evaluation.results.county import public_towns

    towns = pl.DataFrame(
        {
            "town_id": [1, 1, 2],
            "town": ["甲镇", "甲镇", "乙镇"],
            "competency": ["service", "digital", "service"],
            "cadres": [12, 2, 3],
            "mean": [3.5, 4.1, 3.2],
            "lo": [3.2, 3.0, 2.8],
            "hi": [3.8, 4.9, 3.6],
            "light": ["yellow", "green", "yellow"],
            "norm": [3.4, 3.4, 3.4],
            "lagging": [False, False, False],
        }
    )
    shown = public_towns(towns)
    assert shown.select("town_id", "competency").rows() == [(1, "service"), (2, "service")]


def test_town_lights_follow_the_interval_against_the_county_norm() -> None:
    responses = planted(seed=3)
    towns = town_competency(scores(responses), ratees(responses), 3.6, 2.6, rule="norm")
    red = towns.filter(pl.col("light") == "red")
    assert set(red.filter(pl.col("competency") == "digital")["town_id"]) == {0, 1, 2, 3}
    assert (
        towns.filter(pl.col("light") == "green")["lo"]
        > towns.filter(pl.col("light") == "green")["norm"]
    ).all()
    by_thresholds = town_competency(
        scores(responses), ratees(responses), 3.6, 2.6, rule="thresholds"
    )
    # the same cells lit by the cadres' thresholds: town means sit between them, so nearly
    # everything is yellow — the rule the rubric chooses for towns discriminates
    assert (by_thresholds["light"] == "yellow").mean() > (towns["light"] == "yellow").mean()


@given(
    shift=st.floats(-1.5, 1.5),
    effects=st.lists(st.floats(-0.6, 0.6), min_size=3, max_size=12),
    seed=st.integers(0, 1_000),
)
@settings(max_examples=40, deadline=None)
def test_the_360_town_standing_is_symmetric_and_reads_no_absolute_level(
    shift: float, effects: list[float], seed: int
) -> None:
    """A town is 较强 / 较弱 only against the county: the same county shifted up or down reads
    the same, and mirroring every town's effect mirrors its standing."""
    from evaluation.results.county import town_standing

    rng = np.random.default_rng(seed)
    rows = [
        (t, f"镇{t}", 3.2 + e + float(rng.normal(0, 0.25)))
        for t, e in enumerate(effects)
        for _ in range(15)
    ]
    frame = pl.DataFrame(rows, schema=["town_id", "town", "overall"], orient="row")
    base = dict(town_standing(frame).select("town_id", "standing").iter_rows())
    moved = town_standing(frame.with_columns(pl.col("overall") + shift))
    assert dict(moved.select("town_id", "standing").iter_rows()) == base
    mirrored = town_standing(frame.with_columns((6.4 - pl.col("overall")).alias("overall")))
    flip = {"stronger": "weaker", "weaker": "stronger", "middle": "middle"}
    assert dict(mirrored.select("town_id", "standing").iter_rows()) == {
        t: flip[s] for t, s in base.items()
    }
