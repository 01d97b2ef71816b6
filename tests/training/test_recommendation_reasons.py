"""A recommendation's reason names only weaknesses the course targets, and every targeted
weakness of that cadre — whatever the catalogue and the profiles."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from training.planning.recommend import weakness_fit

NAMES = {
    "political": "政治素质",
    "service": "为民服务",
    "digital": "数字化治理能力",
    "conflict": "矛盾纠纷化解",
}
IDS = sorted(NAMES)

weakness = st.tuples(st.integers(1, 4), st.sampled_from(IDS), st.floats(0.05, 2.0))
target = st.tuples(st.integers(1, 5), st.sampled_from(IDS), st.floats(0.1, 1.0))


@given(st.lists(weakness, max_size=12), st.lists(target, max_size=12))
def test_reasons_name_exactly_the_targeted_weaknesses(
    weak: list[tuple[int, str, float]], aims: list[tuple[int, str, float]]
) -> None:
    weaknesses = pl.DataFrame(
        [
            {"ratee_id": r, "competency": c, "competency_name": NAMES[c], "severity": s}
            for r, c, s in weak
        ],
        schema={
            "ratee_id": pl.Int64,
            "competency": pl.String,
            "competency_name": pl.String,
            "severity": pl.Float64,
        },
    ).unique(["ratee_id", "competency"])
    targets = pl.DataFrame(
        [{"offering_id": o, "competency": c, "relevance": r} for o, c, r in aims],
        schema={"offering_id": pl.Int64, "competency": pl.String, "relevance": pl.Float64},
    ).unique(["offering_id", "competency"])
    fit = weakness_fit(weaknesses, targets)
    for row in fit.iter_rows(named=True):
        aimed = set(targets.filter(pl.col("offering_id") == row["offering_id"])["competency"])
        weak_here = set(weaknesses.filter(pl.col("ratee_id") == row["ratee_id"])["competency"])
        named = {c for c in IDS if NAMES[c] in row["reason"]}
        assert row["reason"].startswith("针对短板：")
        assert named == aimed & weak_here
        assert row["value"] > 0
