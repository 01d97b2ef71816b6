"""Results as people read them: competency names from the cycle's rubric, codes as words
(app.labels) and the evidence sentence behind each entry of the results-use lists. Used by
the county page, its Excel export and the public page, so all three say the same."""

from __future__ import annotations

import polars as pl

from app.labels import LABELS
from evaluation.rubrics.schema import Rubric


def named(frame: pl.DataFrame, rubric: Rubric, column: str = "competency") -> pl.DataFrame:
    names = {c.id: c.name for c in rubric.competencies}
    return frame.with_columns(
        pl.col(column).replace_strict(names, default=pl.col(column)).alias(f"{column}_name")
    )


def worded(frame: pl.DataFrame, **columns: str) -> pl.DataFrame:
    """column=kind: add `<column>_label` with the word for each code."""
    return frame.with_columns(
        pl.col(column)
        .cast(pl.String)
        .replace_strict(LABELS[kind], default=pl.col(column).cast(pl.String))
        .alias(f"{column}_label")
        for column, kind in columns.items()
    )


def list_evidence(lists: dict[str, pl.DataFrame], rubric: Rubric) -> dict[str, pl.DataFrame]:
    """An `evidence` sentence on every entry of the results-use lists."""
    names = {c.id: c.name for c in rubric.competencies}

    def competencies(column: str) -> pl.Expr:
        return (
            pl.col(column)
            .list.eval(pl.element().replace_strict(names, default=pl.element()))
            .list.join("、")
        )

    excellent = lists["excellent_cadres"].with_columns(
        evidence=pl.format(
            "综合 {}（可比类别第 {} / {} 名），{} 项适用能力中 {} 项有分、{} 项绿灯，无短板；"
            "本镇符合条件 {} 人，名额 {} 人，列第 {}",
            pl.col("overall").round(2),
            "rank",
            "peers",
            "applicable",
            "competencies",
            "green",
            "eligible",
            "quota",
            "place",
        )
    )
    lagging = lists["lagging_cadres"].with_columns(
        evidence=pl.format(
            "综合 {}，红灯 {} 项{}",
            pl.col("overall").round(2),
            "red",
            pl.when(pl.col("weaknesses").list.len() > 0)
            .then(pl.lit("，短板：") + competencies("weaknesses"))
            .otherwise(pl.lit("，无单项短板（整体水平偏低）")),
        )
    )
    return {"excellent_cadres": excellent, "lagging_cadres": lagging}


def indicator_names(frame: pl.DataFrame, rubric: Rubric) -> pl.DataFrame:
    names = {i.id: i.name for c in rubric.competencies for i in c.indicators}
    units = {i.id: i.unit for c in rubric.competencies for i in c.indicators}
    return frame.with_columns(
        indicator_name=pl.col("indicator").replace_strict(names, default=pl.col("indicator")),
        unit=pl.col("indicator").replace_strict(units, default=""),
    )


TIER_WORDS = {"excellent": "优秀", "lagging": "后进", "standard": "称职"}
TOWN_TIER_WORDS = {"excellent": "优秀乡镇", "lowest": "末位乡镇（约谈）", "standard": "—"}


def personnel_sheets(
    people: pl.DataFrame,
    lists: dict[str, pl.DataFrame],
    exemptions: dict[int, list[str]],
    basis: str,
) -> list[tuple[str, pl.DataFrame]]:
    """The personnel office's workbook: 提拔推荐 and 绩效奖金系数, each entry with its
    evidence (the 360 list's sentence, the town's tier and what it was read from) and the
    town's approved 容错 exemptions."""
    evidence = pl.concat(
        [lists[k].select("ratee_id", "evidence") for k in ("excellent_cadres", "lagging_cadres")]
    )
    worded_rows = (
        people.join(evidence, on="ratee_id", how="left")
        .with_columns(
            tier_word=pl.col("tier").replace_strict(TIER_WORDS),
            town_word=pl.col("town_tier").replace_strict(TOWN_TIER_WORDS),
            evidence=pl.col("evidence").fill_null(
                pl.format("综合 {}，未列入优秀或后进名单", pl.col("overall").round(2))
            ),
            exemption=pl.col("town_id").replace_strict(
                {k: "；".join(v) for k, v in exemptions.items()}, default="", return_dtype=pl.String
            ),
            basis=pl.lit(basis),
        )
        .sort("coefficient", "overall", descending=True)
    )
    columns = {
        "town": "乡镇",
        "name": "姓名",
        "position": "职务",
        "overall": "360综合得分",
        "tier_word": "360等次",
        "town_word": "乡镇考核等次",
        "basis": "乡镇等次依据",
        "coefficient": "绩效奖金系数",
        "evidence": "依据",
        "exemption": "容错豁免",
    }
    recommended = worded_rows.filter("recommend").select(list(columns)).rename(columns)
    return [
        ("提拔推荐", recommended),
        ("绩效奖金系数", worded_rows.select(list(columns)).rename(columns)),
    ]
