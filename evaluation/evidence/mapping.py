"""Objective behaviour evidence: rows (cadre, indicator, period, value) mapped onto anchor
levels by the rubric's thresholds. Pure and vectorised; the repository stores the result."""

from __future__ import annotations

import polars as pl

from evaluation.rubrics.schema import Rubric

EVIDENCE_COLUMNS = {"cadre_id": "干部编号", "indicator": "指标", "period": "期间", "value": "数值"}


def indicator_table(rubric: Rubric) -> pl.DataFrame:
    rows = [
        {
            "indicator": ind.id,
            "indicator_name": ind.name,
            "competency": comp.id,
            "higher_is_better": ind.higher_is_better,
            "t1": ind.thresholds[0],
            "t2": ind.thresholds[1],
            "t3": ind.thresholds[2],
            "t4": ind.thresholds[3],
        }
        for comp in rubric.competencies
        for ind in comp.indicators
    ]
    schema = {
        "indicator": pl.String,
        "indicator_name": pl.String,
        "competency": pl.String,
        "higher_is_better": pl.Boolean,
        "t1": pl.Float64,
        "t2": pl.Float64,
        "t3": pl.Float64,
        "t4": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def indicator_ids(table: pl.DataFrame) -> dict[str, str]:
    """An indicator's Chinese name (as the rubric shows it) → its id, for the names that
    name one indicator only: an office's sheet says 矛盾纠纷化解率, not
    conflict_resolution_rate. A name two indicators share stays as written (and is refused
    as unknown, naming it)."""
    counts = table.group_by("indicator_name").len()
    unique = counts.filter(pl.col("len") == 1)["indicator_name"]
    named = table.filter(pl.col("indicator_name").is_in(unique.implode()))
    return dict(zip(named["indicator_name"], named["indicator"], strict=True))


def level_expr() -> pl.Expr:
    """1 + the number of cut points passed (≥ when higher is better, ≤ when lower is)."""
    passed_high = sum(
        (pl.col("value") >= pl.col(t)).cast(pl.Int64) for t in ("t1", "t2", "t3", "t4")
    )
    passed_low = sum(
        (pl.col("value") <= pl.col(t)).cast(pl.Int64) for t in ("t1", "t2", "t3", "t4")
    )
    return (1 + pl.when(pl.col("higher_is_better")).then(passed_high).otherwise(passed_low)).alias(
        "level"
    )


def map_evidence(
    rows: pl.DataFrame, rubric: Rubric, known_cadres: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """rows: cadre_id (external), indicator (its id or its Chinese name), period, value —
    strings. known_cadres: external_id, id. Returns (mapped rows, problems with row number
    and message)."""
    table = indicator_table(rubric)
    df = rows.with_row_index("row", offset=2).with_columns(
        pl.col("cadre_id", "indicator", "period").cast(pl.String).str.strip_chars(),
        pl.col("value")
        .cast(pl.String)
        .str.strip_chars()
        .cast(pl.Float64, strict=False)
        .alias("number"),
    )
    df = df.with_columns(pl.col("indicator").replace(indicator_ids(table)))
    df = df.join(known_cadres, left_on="cadre_id", right_on="external_id", how="left").join(
        table, on="indicator", how="left"
    )
    checks = [
        (pl.col("id").is_null(), pl.format("干部编号“{}”不存在", pl.col("cadre_id"))),
        (
            pl.col("competency").is_null(),
            pl.format("指标“{}”不在本周期量表中", pl.col("indicator")),
        ),
        (
            pl.col("number").is_null() | pl.col("number").is_nan() | pl.col("number").is_infinite(),
            pl.format("数值“{}”不是有效数字", pl.col("value").cast(pl.String)),
        ),
        (
            pl.col("period").is_null() | (pl.col("period").str.len_chars() > 16),
            pl.lit("期间应填写，如 2026 或 2026Q3"),
        ),
    ]
    problems = pl.concat(
        [
            df.filter(cond.fill_null(True)).select("row", msg.alias("message"))
            for cond, msg in checks
        ]
    ).sort("row")
    mapped = (
        df.filter(
            pl.col("id").is_not_null()
            & pl.col("competency").is_not_null()
            & pl.col("number").is_finite()
        )
        .with_columns(pl.col("number").alias("value"))
        .with_columns(level_expr())
        .select(
            pl.col("id").alias("cadre"),
            "cadre_id",
            "indicator",
            "indicator_name",
            "competency",
            "period",
            "value",
            "level",
        )
    )
    return mapped, problems
