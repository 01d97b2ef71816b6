"""Profile rules on hand-built frames: evidence from the shown interval, specific weakness vs
general level, gaps, lights, overall and the level finding."""

from __future__ import annotations

import polars as pl
import pytest

from evaluation.analytics.profiles import EVIDENCE_WIDTH, overall, profile_rows

# five staff cadres on two competencies; cadre 1 low on "service" only, cadre 2 low on both
SCORES = {
    "service": [2.6, 2.7, 3.5, 3.6, 4.3],
    "integrity": [3.5, 2.7, 3.4, 3.6, 3.7],
    "teamwork": [3.5, 2.7, 3.5, 3.5, 3.6],
}


def frames(
    half_width: float, specific_se: float = 0.1
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rows = []
    for k, (competency, values) in enumerate(SCORES.items()):
        for i, score in enumerate(values):
            own = sum(v[i] for v in SCORES.values()) / len(SCORES)
            rows.append(
                {
                    "cell": i * 3 + k,
                    "ratee_id": i + 1,
                    "competency": competency,
                    "score": score,
                    "lo": score - half_width,
                    "hi": score + half_width,
                    "sd": half_width / 1.645,
                    # the within-form contrast, relative to comparable cadres
                    "specific": (score - own) * 1.5,
                    "specific_se": specific_se,
                }
            )
    scores = pl.DataFrame(rows)
    self_means = pl.DataFrame({"cell": [0, 3], "self_mean": [4.2, 1.3]})
    ratees = pl.DataFrame({"ratee_id": [1, 2, 3, 4, 5], "position_class": ["staff"] * 5})
    return scores, self_means, ratees


def test_a_specific_weakness_is_not_a_low_general_level() -> None:
    rows = profile_rows(*frames(half_width=0.2), green_from=3.6, red_below=2.6)
    service = rows.filter(pl.col("competency") == "service").sort("ratee_id")
    # cadre 1: service below the norm and below their own other competencies → 短板
    # cadre 2: everything equally low → below the norm, but no specific weakness
    assert service["finding"].to_list()[:2] == ["weakness", "below_norm"]
    assert rows.filter(pl.col("ratee_id") == 2)["finding"].to_list() == ["below_norm"] * 3
    assert service["finding"][4] == "strength"
    weak = service.filter(pl.col("finding") == "weakness")
    assert weak["severity"].item() == pytest.approx(weak["norm"].item() - 2.6)


def test_findings_need_a_narrow_enough_interval() -> None:
    rows = profile_rows(
        *frames(half_width=EVIDENCE_WIDTH / 2 + 0.01), green_from=3.6, red_below=2.6
    )
    assert set(rows["finding"]) == {"insufficient_evidence"}
    assert rows["severity"].is_null().all()
    assert rows.filter(pl.col("ratee_id") == 2)["light"].to_list() == ["yellow"] * 3  # 2.7


def test_a_contrast_within_its_error_is_no_weakness() -> None:
    rows = profile_rows(*frames(half_width=0.2, specific_se=0.5), green_from=3.6, red_below=2.6)
    assert "weakness" not in set(rows["finding"])


def test_gaps_lights_rank_and_percentile() -> None:
    rows = profile_rows(*frames(half_width=0.2), green_from=3.6, red_below=2.6)
    service = rows.filter(pl.col("competency") == "service").sort("ratee_id")
    assert service["gap_kind"].to_list() == ["blind_spot", "hidden_strength", None, None, None]
    assert service["light"].to_list() == ["yellow", "yellow", "yellow", "green", "green"]
    assert service["rank"].to_list() == [5, 4, 3, 2, 1]
    assert service["percentile"].to_list() == [10.0, 30.0, 50.0, 70.0, 90.0]


def test_overall_renormalises_weights_and_reads_the_general_level() -> None:
    rows = profile_rows(*frames(half_width=0.2), green_from=3.6, red_below=2.6)
    weights = {"service": 0.5, "integrity": 0.3, "teamwork": 0.2, "land_transfer": 0.4}
    result = overall(rows, weights, rows.select("ratee_id", "position_class").unique())
    first = result.filter(pl.col("ratee_id") == 1)
    assert first["overall"].item() == pytest.approx(2.6 * 0.5 + 3.5 * 0.3 + 3.5 * 0.2)
    assert first["weaknesses"].item().to_list() == ["service"]
    levels = dict(result.select("ratee_id", "level").iter_rows())
    assert levels[2] == "overall_low"  # every competency low: the level, not a 短板
    assert levels[3] == "overall_typical"


def test_the_overall_renormalises_over_what_was_released_and_names_its_level() -> None:
    """Boundaries a mutation run found untested: the weights are renormalised over the
    competencies released for the cadre (a withheld one does not pull the overall down), a
    competency the rubric does not weigh counts for nothing, the count of competencies is
    the weighted ones, weaknesses come most severe first, and the level words are exact."""
    weights = {"a": 0.5, "b": 0.3, "c": 0.2}
    rows = pl.DataFrame(
        {
            "ratee_id": [1, 1, 1, 2, 2, 2, 3, 3, 3],
            "competency": ["a", "b", "x", "a", "b", "c", "a", "b", "c"],
            "score": [4.0, 2.0, 1.0, 1.6, 1.6, 1.6, 4.9, 4.9, 4.9],  # class mean 3.25
            "sd": [0.05] * 9,
            "finding": ["weakness", "weakness", None, None, None, None, None, None, None],
            "severity": [0.2, 0.9, None, None, None, None, None, None, None],
            "position_class": ["staff"] * 9,
        }
    )
    result = overall(rows, weights, rows.select("ratee_id", "position_class").unique())
    first = result.filter(pl.col("ratee_id") == 1).row(0, named=True)
    # (4·0.5 + 2·0.3) / 0.8: "c" was withheld, "x" is not in the rubric
    assert first["overall"] == pytest.approx(3.25)
    assert first["competencies"] == 2
    assert first["weaknesses"] == ["b", "a"]  # most severe first
    levels = dict(result.select("ratee_id", "level").iter_rows())
    assert levels[2] == "overall_low" and levels[3] == "overall_high"
    assert levels[1] == "overall_typical"


def test_a_weakness_needs_a_contrast_beyond_the_minimum_and_enough_other_competencies() -> None:
    """The 短板 rule's parts one by one (a mutation run found them untested): a contrast
    within MIN_SPECIFIC is no weakness or strength however certain, a missing contrast is
    none, a cadre with too few other competencies has none; and the words are exact."""
    from evaluation.analytics.profiles import MIN_SPECIFIC

    plan = {  # cadre: (score on "a", specific on "a")
        1: (2.5, -(MIN_SPECIFIC - 0.05)),
        2: (2.5, -(MIN_SPECIFIC + 0.05)),
        3: (3.5, MIN_SPECIFIC - 0.05),
        4: (3.5, MIN_SPECIFIC + 0.05),
        5: (2.0, None),
        6: (2.5, -1.0),
    }
    rows = []
    for cadre, (score_a, specific_a) in plan.items():
        competencies = ["a", "b"] if cadre == 6 else ["a", "b", "c"]
        for k, competency in enumerate(competencies):
            score = score_a if competency == "a" else 3.0
            rows.append(
                {
                    "cell": cadre * 3 + k,
                    "ratee_id": cadre,
                    "competency": competency,
                    "score": score,
                    "lo": score - 0.2,
                    "hi": score + 0.2,
                    "sd": 0.12,
                    "specific": specific_a if competency == "a" else 0.0,
                    "specific_se": 0.01,
                }
            )
    scores = pl.DataFrame(rows, schema_overrides={"specific": pl.Float64})
    ratees = pl.DataFrame({"ratee_id": list(plan), "position_class": ["staff"] * len(plan)})
    self_means = pl.DataFrame(schema={"cell": pl.Int64, "self_mean": pl.Float64})
    out = profile_rows(scores, self_means, ratees, green_from=3.6, red_below=2.6)
    found = {
        (r["ratee_id"], r["competency"]): (r["finding"], r["light"])
        for r in out.iter_rows(named=True)
    }
    assert found[(1, "a")][0] == "below_norm"  # clearly below, but not a 短板
    assert found[(2, "a")][0] == "weakness"
    assert found[(3, "a")][0] == "above_norm"
    assert found[(4, "a")][0] == "strength"
    assert found[(5, "a")] == ("below_norm", "red")  # no contrast: no 短板; below the red line
    assert found[(6, "a")][0] == "below_norm"  # one other competency cannot tell
    assert found[(1, "b")] == ("as_expected", "yellow")


def cells(*rows: tuple[int, str, float, float, float | None, float], self_means=None):  # type: ignore[no-untyped-def]
    """Hand-made released cells: (ratee, competency, score, half width, specific, se)."""
    frame = pl.DataFrame(
        [
            {
                "cell": i,
                "ratee_id": ratee,
                "competency": competency,
                "score": score,
                "lo": score - half,
                "hi": score + half,
                "sd": half / 1.645,
                "specific": specific,
                "specific_se": se,
            }
            for i, (ratee, competency, score, half, specific, se) in enumerate(rows)
        ],
        schema_overrides={"specific": pl.Float64},
    )
    ratees = pl.DataFrame({"ratee_id": sorted({r[0] for r in rows}), "position_class": "staff"})
    means = self_means or {}
    return (
        frame,
        pl.DataFrame(
            {"cell": list(means), "self_mean": list(means.values())},
            schema={"cell": pl.Int64, "self_mean": pl.Float64},
        ),
        ratees,
    )


def findings(frame: pl.DataFrame) -> dict[tuple[int, str], str]:
    return {(r, c): f for r, c, f in frame.select("ratee_id", "competency", "finding").rows()}


def test_the_profile_rules_hold_at_their_stated_boundaries() -> None:
    """Boundaries `make mutate` found untested. Evidence: an interval exactly EVIDENCE_WIDTH
    wide is enough ("at most"). Below / above the norm: the whole interval beyond it (one
    touching the norm is not). A weakness needs a score below the norm (not equal) and a
    contrast below −MIN_SPECIFIC (not equal); a strength mirrors it and needs the contrast
    above 0 beyond its error — a contrast that is missing is no strength."""
    # every competency's norm is 3.0 exactly; cadres 1–3 have three other competencies
    rows = [
        (1, "a", 2.5, 0.5, 0.0, 0.01),  # hi = norm: touches it → as expected, not below
        (2, "a", 3.0, 0.5, -0.5, 0.01),  # score = norm: clearly low contrast, still no 短板
        (3, "a", 3.5, 0.5, 0.5, 0.4),  # lo = norm, and a contrast within its error
        (1, "b", 2.0, 0.5, -0.3, 0.01),  # contrast exactly −MIN_SPECIFIC: below the norm only
        (2, "b", 4.0, 0.5, 0.3, 0.01),  # exactly +MIN_SPECIFIC: above the norm only
        (3, "b", 3.0, 0.5, None, 0.01),  # no contrast
        (1, "c", 3.0, 0.4, 0.5, 0.01),  # score = norm: clearly high contrast, no strength
        (2, "c", 3.0, 0.4, 0.0, 0.01),
        (3, "c", 3.0, 0.4, 0.0, 0.01),
        (1, "d", 3.0, 0.4, 0.0, 0.01),
        (2, "d", 3.0, 0.4, 0.0, 0.01),
        (3, "d", 4.0, 0.5, None, 0.01),  # above the norm, no contrast: above, not a strength
        (4, "d", 2.0, 0.5, 0.0, 0.01),
    ]
    got = profile_rows(*cells(*rows), green_from=3.6, red_below=2.6)
    found = findings(got)
    assert found[(1, "a")] == "as_expected"
    assert found[(2, "a")] == "as_expected"
    assert found[(3, "a")] == "as_expected"
    assert found[(1, "b")] == "below_norm"
    assert found[(2, "b")] == "above_norm"
    assert found[(3, "d")] == "above_norm"
    assert found[(1, "c")] == "as_expected"
    assert got["enough_evidence"].to_list() == [True] * len(rows)  # 1.0 wide at most
    assert {"specific", "specific_se"}.isdisjoint(got.columns)  # the contrast is never released


def test_ranks_share_the_best_place_and_every_listed_cadre_is_kept() -> None:
    """Equal scores share the best of their places (the next one skips: 1, 1, 1, 4), and a
    cadre missing from the class list keeps its cells (without a class), not dropped."""
    rows = [(1, "a", 3.0, 0.2, 0.0, 0.1), (2, "a", 3.0, 0.2, 0.0, 0.1)]
    rows += [(3, "a", 2.0, 0.2, 0.0, 0.1), (4, "a", 3.0, 0.2, 0.0, 0.1)]
    scores, self_means, ratees = cells(*rows)
    got = profile_rows(scores, self_means, ratees, green_from=3.6, red_below=2.6)
    assert got.sort("ratee_id")["rank"].to_list() == [1, 1, 4, 1]
    partial = profile_rows(
        scores, self_means, ratees.filter(pl.col("ratee_id") != 4), green_from=3.6, red_below=2.6
    )
    assert partial.sort("ratee_id")["ratee_id"].to_list() == [1, 2, 3, 4]
    assert partial.filter(pl.col("ratee_id") == 4)["position_class"].item() is None


def test_gaps_are_self_minus_score_and_only_beyond_a_third_of_the_scale() -> None:
    """A gap of exactly 4/3 either way is no blind spot or hidden strength; a small one is
    neither; the gap itself is shown."""
    third = 4 / 3
    rows = [
        (1, "a", third, 0.2, 0.0, 0.1),
        (2, "a", 2 * third, 0.2, 0.0, 0.1),
        (3, "a", 3.0, 0.2, 0.0, 0.1),
        (4, "a", 3.0, 0.2, 0.0, 0.1),
        (5, "a", 2.0, 0.2, 0.0, 0.1),
    ]
    means = {0: 2 * third, 1: third, 2: 3.5, 3: 2.5, 4: 4.0}
    got = profile_rows(*cells(*rows, self_means=means), green_from=3.6, red_below=2.6)
    got = got.sort("ratee_id")
    assert got["gap"].to_list() == pytest.approx([third, -third, 0.5, -0.5, 2.0])
    assert got["gap_kind"].to_list() == [None, None, None, None, "blind_spot"]


def test_the_overall_keeps_a_cadre_outside_the_class_list() -> None:
    """A cadre whose class is unknown still gets an overall."""
    rows = profile_rows(*frames(half_width=0.2), green_from=3.6, red_below=2.6)
    classes = rows.select("ratee_id", "position_class").unique().filter(pl.col("ratee_id") != 5)
    result = overall(rows, {"service": 0.5, "integrity": 0.3, "teamwork": 0.2}, classes)
    assert sorted(result["ratee_id"].to_list()) == [1, 2, 3, 4, 5]
    assert result.filter(pl.col("ratee_id") == 5)["overall"].item() == pytest.approx(
        4.3 * 0.5 + 3.7 * 0.3 + 3.6 * 0.2
    )
