"""The demand report: shared weaknesses the catalogue does not cover, so the office can
commission new workshops ("23 cadres in 9 towns weak in 数字化治理能力, no course")."""

from __future__ import annotations

import polars as pl

MAIN_TARGET = 0.5  # an offering covers a competency it targets with at least this relevance


def demand(
    weaknesses: pl.DataFrame, cadres: pl.DataFrame, targets: pl.DataFrame, seats: pl.DataFrame
) -> pl.DataFrame:
    """weaknesses: ratee_id, competency, competency_name. cadres: cadre_id, town_id.
    targets: offering_id, competency, relevance. seats: offering_id, capacity.
    Returns competency, competency_name, cadres, towns, offerings, seats, gap, message —
    uncovered and under-seated competencies first."""
    covering = (
        targets.filter(pl.col("relevance") >= MAIN_TARGET)
        .join(seats, on="offering_id")
        .group_by("competency")
        .agg(offerings=pl.len(), seats=pl.col("capacity").sum())
    )
    need = (
        weaknesses.join(cadres.rename({"cadre_id": "ratee_id"}), on="ratee_id")
        .group_by("competency", "competency_name")
        .agg(cadres=pl.col("ratee_id").n_unique(), towns=pl.col("town_id").n_unique())
    )
    return (
        need.join(covering, on="competency", how="left")
        .with_columns(pl.col("offerings", "seats").fill_null(0))
        .with_columns(gap=(pl.col("cadres") - pl.col("seats")).clip(lower_bound=0))
        .with_columns(
            message=pl.when(pl.col("offerings") == 0)
            .then(
                pl.format(
                    "{} 个乡镇的 {} 名干部在{}上有短板，目录中没有对应课程",
                    "towns",
                    "cadres",
                    "competency_name",
                )
            )
            .when(pl.col("gap") > 0)
            .then(
                pl.format(
                    "{} 名干部在{}上有短板，现有 {} 个场次共 {} 个座位，缺 {} 个",
                    "cadres",
                    "competency_name",
                    "offerings",
                    "seats",
                    "gap",
                )
            )
        )
        .sort(["offerings", "gap", "cadres"], descending=[False, True, True])
    )
