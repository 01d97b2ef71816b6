"""Profile rules on hand-built frames: evidence, findings, gaps, lights, overall."""

from __future__ import annotations

import polars as pl
import pytest

from evaluation.analytics.profiles import overall, profile_rows, spearman_brown


@pytest.mark.parametrize(
    ("single", "raters", "enough"),
    [
        (0.50, 3, True),
        (0.37, 4, True),
        (0.30, 6, True),
        (0.37, 3, False),
        (0.30, 5, False),
        (0.50, 2, False),
    ],
)
def test_spearman_brown_gives_the_rater_counts_in_the_literature(
    single: float, raters: int, enough: bool
) -> None:
    assert (spearman_brown(single, raters) >= 0.70) is enough


def frames(peers: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    # five staff cadres on one competency; cadre 1 clearly low, cadre 5 clearly high
    scores = pl.DataFrame(
        {
            "cell": [1, 2, 3, 4, 5],  # one competency: the cell code is the cadre's
            "ratee_id": [1, 2, 3, 4, 5],
            "competency": ["service"] * 5,
            "score": [2.0, 3.4, 3.5, 3.6, 4.6],
            "lo": [1.7, 3.1, 3.2, 3.3, 4.3],
            "hi": [2.3, 3.7, 3.8, 3.9, 4.9],
            "n": [peers] * 5,
            "raw_mean": [2.1, 3.4, 3.5, 3.6, 4.5],
        }
    )
    groups = pl.DataFrame(
        {
            "cell": [1, 2, 3, 4, 5, 1, 2, 3],
            "ratee_id": [1, 2, 3, 4, 5, 1, 2, 3],
            "competency": ["service"] * 8,
            "rater_group": ["peer"] * 5 + ["self"] * 3,
            "n": [peers] * 5 + [1] * 3,
            "raw_mean": [2.1, 3.4, 3.5, 3.6, 4.5, 3.9, 1.8, 3.6],
        }
    )
    ratees = pl.DataFrame({"ratee_id": [1, 2, 3, 4, 5], "position_class": ["staff"] * 5})
    return scores, groups, ratees


def test_findings_gaps_and_lights_on_enough_evidence() -> None:
    rows = profile_rows(*frames(peers=4), green_from=3.6, red_below=2.6).sort("ratee_id")
    assert rows["finding"].to_list() == [
        "weakness",
        "as_expected",
        "as_expected",
        "as_expected",
        "strength",
    ]
    assert rows["light"].to_list() == ["red", "yellow", "yellow", "green", "green"]
    assert rows["gap_kind"].to_list() == [
        "blind_spot",
        "hidden_strength",
        None,
        None,
        None,
    ]  # 3.9 vs 2.0; 1.8 vs 3.4
    assert rows["rank"].to_list() == [5, 4, 3, 2, 1]
    assert rows["percentile"].to_list() == [10.0, 30.0, 50.0, 70.0, 90.0]
    assert rows.filter(pl.col("ratee_id") == 1)["severity"].item() == pytest.approx(
        17.1 / 5 - 2.0
    )  # norm − score


def test_no_weakness_is_declared_on_thin_evidence() -> None:
    rows = profile_rows(*frames(peers=2), green_from=3.6, red_below=2.6)
    assert set(rows["finding"]) == {"insufficient_evidence"}
    assert rows["severity"].is_null().all()
    assert (
        rows.filter(pl.col("ratee_id") == 1)["light"].item() == "red"
    )  # the light still shows the level


def test_overall_renormalises_competency_weights() -> None:
    rows = pl.DataFrame(
        {
            "ratee_id": [1, 1, 1],
            "competency": ["service", "integrity", "land_transfer"],
            "score": [4.0, 3.0, 2.0],
            "finding": ["as_expected", "weakness", "weakness"],
            "severity": [None, 0.2, 0.9],
        }
    )
    result = overall(rows, {"service": 0.5, "integrity": 0.3, "land_transfer": 0.2})
    assert result["overall"].item() == pytest.approx((4 * 0.5 + 3 * 0.3 + 2 * 0.2) / 1.0)
    assert result["weaknesses"].item().to_list() == [
        "land_transfer",
        "integrity",
    ]  # most severe first
