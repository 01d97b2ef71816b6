"""红黄牌督办 as pure rules over frames: which late milestones get a yellow card today, which
yellow cards turn red, and how red cards' deductions reach the towns' totals at once.

* `milestones` — milestone_id, due_on, done_on (null while open);
* `cards` — card_id, milestone_id, colour, state;
* `deductions` — town_id, red_on, deduction, exempted.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from evaluation.scorecard.plan import CardRule
from evaluation.scorecard.scoring import with_class_rank


def open_until(on: dt.date) -> pl.Expr:
    """The last day a milestone was open as of `on`: the day it was done, or `on` itself.
    A card follows from when the work was done, never from when a sweep happened to run."""
    return pl.min_horizontal(pl.col("done_on").fill_null(pl.lit(on)), pl.lit(on))


def new_yellow(milestones: pl.DataFrame, cards: pl.DataFrame, on: dt.date) -> list[int]:
    """Milestones open past their date (still, or until they were done late) with no card."""
    carded = cards["milestone_id"].unique().to_list()
    late = milestones.filter(
        open_until(on) > pl.col("due_on"),
        ~pl.col("milestone_id").is_in(carded),
    )
    return sorted(late["milestone_id"].to_list())


def turning_red(
    milestones: pl.DataFrame, cards: pl.DataFrame, on: dt.date, rule: CardRule
) -> list[int]:
    """Yellow cards whose milestone stayed open past the grace period."""
    deadline = pl.col("due_on") + pl.duration(days=rule.grace_days)
    late = cards.filter(pl.col("colour") == "yellow", pl.col("state") != "closed").join(
        milestones, on="milestone_id"
    )
    return sorted(late.filter(open_until(on) > deadline)["card_id"].to_list())


def quarter_of(day: pl.Expr) -> pl.Expr:
    return day.dt.quarter().cast(pl.Int32)


def apply_deductions(
    totals: pl.DataFrame, deductions: pl.DataFrame, year: int, latest: int | None
) -> pl.DataFrame:
    """Totals less the red cards' deductions (exempted ones excepted): a quarter carries every
    card that turned red by its end, and the latest scored quarter — the standing the pages
    show — every card red so far (实时扣分). Ranks within type are taken again."""
    counted = deductions.filter(~pl.col("exempted")).with_columns(
        red_quarter=pl.when(pl.col("red_on").dt.year() > year)
        .then(pl.lit(5, dtype=pl.Int32))
        .otherwise(quarter_of(pl.col("red_on")))
    )
    if totals.is_empty():
        return totals.with_columns(deduction=pl.lit(0.0))
    per_quarter = (
        totals.select("town_id", "quarter")
        .join(counted.select("town_id", "red_quarter", "deduction"), on="town_id")
        .filter(
            (pl.col("red_quarter") <= pl.col("quarter"))
            | (pl.col("quarter") == pl.lit(latest if latest is not None else -1))
        )
        .group_by("town_id", "quarter")
        .agg(pl.col("deduction").sum())
    )
    adjusted = (
        totals.join(per_quarter, on=["town_id", "quarter"], how="left")
        .with_columns(pl.col("deduction").fill_null(0.0))
        .with_columns(total=pl.col("total") - pl.col("deduction"))
        .drop("rank", "of")
    )
    return with_class_rank(adjusted, "total").sort("quarter", "town_type", "rank", "town_id")
