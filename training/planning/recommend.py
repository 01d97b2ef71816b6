"""Matching weaknesses to offerings: value = Σ severity × relevance over the competencies an
offering targets, with the reason in words. Pure over polars frames."""

from __future__ import annotations

import polars as pl


def weakness_fit(weaknesses: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """weaknesses: ratee_id, competency, competency_name, severity (how far below the
    comparable norm, on the 1–5 scale). targets: offering_id, competency, relevance.
    Returns ratee_id, offering_id, value, reason — best fit first within each cadre."""
    matched = weaknesses.join(targets, on="competency").with_columns(
        part=pl.col("severity") * pl.col("relevance")
    )
    return (
        matched.sort("part", descending=True)
        .group_by("ratee_id", "offering_id", maintain_order=True)
        .agg(
            value=pl.col("part").sum(),
            reason=pl.format(
                "{}低于同类干部常模 {} 分", pl.col("competency_name"), pl.col("severity").round(2)
            ).str.join("；"),
        )
        .with_columns(reason=pl.lit("针对短板：") + pl.col("reason"))
        .sort(["ratee_id", "value", "offering_id"], descending=[False, True, False])
    )
