"""结果运用 tiers: 优秀 is the top share of a group (none in a group too small to rank), the
lowest are proposed for 约谈, groups are town types only when every type can be ranked, and
project-fund priority needs 优秀 in every year of the window."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.scorecard.plan import ResultsUse
from evaluation.scorecard.tiers import (
    by_type,
    excellent_places,
    fund_priority,
    personnel,
    with_tiers,
)

RULE = ResultsUse(excellent_share=0.2, interview_lowest=1)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABC"), st.floats(0, 120)), min_size=1, max_size=30))
def test_tiers_by_group(rows: list[tuple[str, float]]) -> None:
    standing = pl.DataFrame(
        {
            "town_id": list(range(len(rows))),
            "town_type": [t for t, _ in rows],
            "score": [s for _, s in rows],
        }
    )
    tiers = with_tiers(standing, RULE)
    grouped = by_type(standing)
    assert grouped == all(standing.group_by("town_type").len()["len"] >= 3)
    for _, part in tiers.group_by("town_type" if grouped else pl.lit(1)):
        of = part.height
        assert (part["of"] == of).all()
        assert part["excellent"].sum() <= excellent_places(of, RULE.excellent_share)
        if of < 3:
            assert not part["excellent"].any() and not part["lowest"].any()
        else:  # compared as shown (one decimal); no town is both 优秀 and 约谈
            shown = pl.col("score").round(1)
            best, worst = part.select(shown.max()).item(), part.select(shown.min()).item()
            assert part.filter(shown == worst)["lowest"].all()
            assert part.filter(pl.col("excellent") & pl.col("lowest")).is_empty()
            if best != worst:  # a group all tied at the bottom has no 优秀 town
                assert part.filter(shown == best)["excellent"].any()


def test_fund_priority_needs_every_year_of_the_window() -> None:
    years = {2024: {1, 2}, 2025: {2, 3}, 2026: {2}}
    assert fund_priority(years, 2026, 2) == {2}
    assert fund_priority(years, 2026, 3) == {2}
    assert fund_priority(years, 2025, 3) == set()  # 2023 has no result
    assert fund_priority({2026: {4}}, 2026, 1) == {4}


def test_the_personnel_list_multiplies_the_cadres_tier_by_the_towns_and_never_recommends_from_a_town_proposed_for_interview() -> (
    None
):
    """Every combination of a cadre's 360 tier and the town's tier (a town without a tier
    counts as standard): the coefficient is the product of the plan's two factors, and only
    an 优秀 cadre of a town not proposed for 约谈 is recommended."""
    # factors whose products need rounding (1.15 × 1.05 = 1.2075 → 1.21): the sheet shows two
    # decimals, and the coefficient paid is the one shown
    rule = ResultsUse(
        bonus_excellent=1.15, bonus_lagging=0.85, town_excellent=1.05, town_lowest=0.95
    )
    towns = pl.DataFrame(
        {"town_id": [1, 2, 3], "excellent": [True, False, False], "lowest": [False, True, False]}
    )
    cadres = pl.DataFrame(
        {"ratee_id": list(range(1, 13)), "town_id": [t for t in (1, 2, 3, 4) for _ in range(3)]}
    )
    excellent = [r for r in range(1, 13) if r % 3 == 1]
    lagging = [r for r in range(1, 13) if r % 3 == 2]
    out = personnel(cadres, excellent, lagging, towns, rule).sort("ratee_id")
    assert out["ratee_id"].to_list() == list(range(1, 13))  # town 4 has no tier: still listed
    assert {"excellent", "lowest"}.isdisjoint(out.columns)  # the town's flags are read, not shown
    own = {1: ("excellent", 1.15), 2: ("lagging", 0.85), 0: ("standard", 1.0)}
    town = {1: ("excellent", 1.05), 2: ("lowest", 0.95), 3: ("standard", 1.0), 4: ("standard", 1.0)}
    for row in out.iter_rows(named=True):
        tier, factor = own[row["ratee_id"] % 3]
        town_tier, town_factor = town[row["town_id"]]
        assert (row["tier"], row["town_tier"]) == (tier, town_tier)
        assert row["coefficient"] == round(factor * town_factor, 2)
        assert row["recommend"] == (tier == "excellent" and town_tier != "lowest")


def test_ranks_are_shared_on_ties_and_the_quota_breaks_a_tie_by_town_number() -> None:
    """Ranks as the pages show them (a tie shares the better rank), and a 优秀 quota of one
    cut through a tie goes to the lower town number, whatever order the rows come in."""
    standing = pl.DataFrame(
        {
            "town_id": [7, 3, 5, 9, 1],
            "town_type": ["agricultural"] * 5,
            "score": [90.0, 90.0, 80.0, 70.0, 60.0],
        }
    )
    tiers = with_tiers(standing, ResultsUse(excellent_share=0.2)).sort("town_id")
    assert dict(tiers.select("town_id", "rank").iter_rows()) == {1: 5, 3: 1, 5: 3, 7: 1, 9: 4}
    assert tiers.filter("excellent")["town_id"].to_list() == [3]
    assert tiers.filter("lowest")["town_id"].to_list() == [1]
    assert set(tiers["of"].to_list()) == {5}
