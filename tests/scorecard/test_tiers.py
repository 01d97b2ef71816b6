"""结果运用 tiers: 优秀 is the top share of a group (none in a group too small to rank), the
lowest are proposed for 约谈, groups are town types only when every type can be ranked, and
project-fund priority needs 优秀 in every year of the window."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.scorecard.plan import ResultsUse
from evaluation.scorecard.tiers import by_type, excellent_places, fund_priority, with_tiers

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
