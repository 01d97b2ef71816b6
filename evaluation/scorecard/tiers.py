"""结果运用 tiers as pure rules over a year's standings.

`standing` — town_id, town_type, score: the year-end composite once the year is scored,
else the latest scored quarter's total. Towns are tiered within their type (分类排名) when
every type has at least `MIN_GROUP` towns; with fewer, a type cannot be ranked fairly (a
town alone in its type would always be first and never last), so the county is ranked as
one group.
"""

from __future__ import annotations

import math

import polars as pl

from evaluation.scorecard.plan import ResultsUse
from evaluation.scorecard.scoring import as_shown

MIN_GROUP = 3


def excellent_places(of: int, share: float) -> int:
    """How many of a group of `of` towns are 优秀: the share rounded down, at least one —
    none in a group too small to rank."""
    return max(1, math.floor(of * share + 1e-9)) if of >= MIN_GROUP else 0


def by_type(standing: pl.DataFrame) -> bool:
    """Whether the tiers are drawn within town types (else across the county)."""
    counts = standing.group_by("town_type").len()
    return not counts.is_empty() and bool(counts["len"].min() >= MIN_GROUP)  # type: ignore[operator]


def with_tiers(standing: pl.DataFrame, rule: ResultsUse) -> pl.DataFrame:
    """The standing with its group's `rank` (shared on ties) and `of`, `excellent` (the top
    share of the group — a quota: towns tied at the cut are taken in town order, so it is
    never exceeded) and `lowest` (its last `interview_lowest`, proposed for 约谈 — every town
    tied at the bottom is)."""
    group = ["town_type"] if by_type(standing) else []

    def over(expr: pl.Expr) -> pl.Expr:
        return expr.over(group) if group else expr

    shown = -pl.col("_shown")  # scores compare as the pages show them
    descending = pl.struct(shown, "town_id")
    ranked = (
        standing.with_columns(_shown=as_shown("score"))
        .with_columns(
            rank=over(shown.rank("min")).cast(pl.Int64),
            place=over(descending.rank("ordinal")).cast(pl.Int64),
            from_bottom=over(shown.rank("max")).cast(pl.Int64),
            of=over(pl.len()).cast(pl.Int64),
        )
        .drop("_shown")
    )
    places = pl.col("of").map_elements(
        lambda of: excellent_places(of, rule.excellent_share), return_dtype=pl.Int64
    )
    lowest = (pl.col("of") >= MIN_GROUP) & (
        pl.col("from_bottom") > pl.col("of") - rule.interview_lowest
    )
    # no town is both: one tied at the bottom is proposed for 约谈, never 优秀 (issue 30)
    return ranked.with_columns(
        excellent=(pl.col("place") <= places) & ~lowest,
        lowest=lowest,
    ).drop("place", "from_bottom")


YEAR_END = "年终综合得分"  # the basis a year's 优秀 is drawn on


def year_tiers(standing: pl.DataFrame, rule: ResultsUse, basis: str) -> pl.DataFrame:
    """The one rule for which towns are 先进 (`excellent`) and which 后进 (`lowest`, proposed
    for 约谈), used by every page, export and the API: the tiers of `with_tiers`, with 优秀
    a year-end verdict only (drawn on the year-end composite, `basis` == YEAR_END) while the
    last of each group is proposed for 约谈 on whatever the year has settled so far."""
    return with_tiers(standing, rule).with_columns(
        excellent=pl.col("excellent") & (basis == YEAR_END)
    )


def fund_priority(excellent_by_year: dict[int, set[int]], year: int, years: int) -> set[int]:
    """Towns 优秀 in each of the `years` years up to and including `year` (项目资金优先)."""
    window = [excellent_by_year.get(y) for y in range(year - years + 1, year + 1)]
    if any(w is None for w in window):
        return set()
    return set.intersection(*[w for w in window if w is not None])


def personnel(
    cadres: pl.DataFrame,
    excellent: list[int],
    lagging: list[int],
    towns: pl.DataFrame,
    rule: ResultsUse,
) -> pl.DataFrame:
    """The personnel office's list: per cadre (ratee_id, town_id, …) the 360 tier (优秀 from
    the quota'd list, 后进, else 称职), the town's tier (`towns`: town_id, excellent,
    lowest), the 绩效奖金 coefficient (the cadre's tier factor times the town's) and whether
    the cadre is recommended for promotion (优秀, in a town not proposed for 约谈)."""
    tier = (
        pl.when(pl.col("ratee_id").is_in(excellent))
        .then(pl.lit("excellent"))
        .when(pl.col("ratee_id").is_in(lagging))
        .then(pl.lit("lagging"))
        .otherwise(pl.lit("standard"))
    )
    joined = cadres.with_columns(tier=tier).join(
        towns.select("town_id", "excellent", "lowest"), on="town_id", how="left"
    )
    town_tier = (
        pl.when(pl.col("excellent").fill_null(False))
        .then(pl.lit("excellent"))
        .when(pl.col("lowest").fill_null(False))
        .then(pl.lit("lowest"))
        .otherwise(pl.lit("standard"))
    )
    own = pl.col("tier").replace_strict(
        {"excellent": rule.bonus_excellent, "lagging": rule.bonus_lagging, "standard": 1.0},
        return_dtype=pl.Float64,
    )
    town = pl.col("town_tier").replace_strict(
        {"excellent": rule.town_excellent, "lowest": rule.town_lowest, "standard": 1.0},
        return_dtype=pl.Float64,
    )
    return (
        joined.with_columns(town_tier=town_tier)
        .with_columns(
            coefficient=(own * town).round(2),
            recommend=(pl.col("tier") == "excellent") & (pl.col("town_tier") != "lowest"),
        )
        .drop("excellent", "lowest")
    )
