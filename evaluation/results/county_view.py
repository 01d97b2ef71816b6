"""Results as people read them: competency names from the cycle's rubric, codes as words
(evaluation.words) and the evidence sentence behind each entry of the results-use lists. Used by
the county page, its Excel export and the public page, so all three say the same."""

from __future__ import annotations

import polars as pl

from evaluation.rubrics.schema import Rubric
from evaluation.words import LABELS


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


EXPORT_SHEETS = {
    "towns": (
        "乡镇×能力",
        {
            "town": "乡镇",
            "competency_name": "能力",
            "cadres": "干部数",
            "mean": "校准均分",
            "lo": "区间下限",
            "hi": "区间上限",
            "norm": "全县常模",
            "light_label": "灯",
            "lagging": "低于常模",
        },
    ),
    "bottlenecks": (
        "系统性短板",
        {
            "competency_name": "能力",
            "towns": "涉及乡镇",
            "lagging_towns": "落后乡镇数",
            "county_mean": "全县均分",
            "systemic": "系统性",
        },
    ),
    "cadres": (
        "干部综合排名",
        {
            "town": "乡镇",
            "name": "姓名",
            "position": "职务",
            "position_class_label": "可比类别",
            "overall": "综合得分",
            "rank": "类内名次",
            "peers": "类内人数",
            "level_label": "整体水平",
            "red": "红灯数",
            "weak": "短板数",
        },
    ),
    "scores": (
        "干部分项得分",
        {
            "town": "乡镇",
            "name": "姓名",
            "competency_name": "能力",
            "score": "得分",
            "lo": "可能范围下限",
            "hi": "可能范围上限",
            "raw_mean": "原始均分",
            "n": "评价数",
            "reliability": "可靠程度（0–1）",
            "light_label": "灯",
            "finding_label": "判断",
            "percentile": "百分位",
            "withheld": "不显示原因",
        },
    ),
    "groups": (
        "分组明细",
        {
            "town": "乡镇",
            "name": "姓名",
            "competency_name": "能力",
            "rater_group_label": "评价组",
            "n": "人数",
            "raw_mean": "原始均分",
            "corrected_mean": "校准均分",
            "weight": "权重",
            "reason": "隐藏原因",
        },
    ),
    "agreement": (
        "评价一致性",
        {
            "rater_group_label": "评价组",
            "competency_name": "能力",
            "cadres": "被评干部数",
            "raters_per_cadre": "每人评价人数",
            "icc1": "单人信度ICC(1)",
            "icc1k": "平均信度ICC(1,k)",
            "alpha": "Krippendorff α",
        },
    ),
    "evidence": (
        "客观数据",
        {
            "town": "乡镇",
            "indicator_name": "指标",
            "unit": "单位",
            "cadres": "干部数",
            "mean_value": "平均值",
            "mean_level": "平均对应等级",
        },
    ),
    "raters": (
        "评价人复核",
        {
            "town": "乡镇",
            "name": "评价人",
            "position": "职务",
            "severity": "严格度",
            "extreme": "宽严异常",
            "straight_lining": "全部同分",
            "identical_cluster": "雷同答卷",
            "misfit": "拟合异常",
        },
    ),
}
LIST_SHEETS = {
    "excellent_cadres": "优秀干部",
    "lagging_cadres": "后进干部",
    "excellent_towns": "先进乡镇",
    "lagging_towns": "后进乡镇",
}


def export_frames(
    frames: dict[str, pl.DataFrame], lists: dict[str, pl.DataFrame], rubric: Rubric
) -> list[tuple[str, pl.DataFrame]]:
    """Every table of the county view as the sheets of the export, in words."""
    shaped = {
        "towns": worded(named(frames["towns"], rubric), light="light"),
        "bottlenecks": named(frames["bottlenecks"], rubric),
        "cadres": worded(frames["cadres"], position_class="position_class", level="level"),
        "scores": worded(named(frames["scores"], rubric), light="light", finding="finding"),
        "groups": worded(named(frames["groups"], rubric), rater_group="group"),
        "agreement": worded(named(frames["agreement"], rubric), rater_group="group"),
        "evidence": indicator_names(frames["evidence"], rubric),
        "raters": frames["raters"].with_columns(
            extreme=pl.col("extreme").replace_strict(
                {"strict": "偏严", "lenient": "偏宽"}, default=None
            )
        ),
    }
    sheets = [
        (sheet, shaped[key].select(list(columns)).rename(columns))
        for key, (sheet, columns) in EXPORT_SHEETS.items()
    ]
    for key, sheet in LIST_SHEETS.items():
        frame = lists[key]
        keep = ["town", "name", "evidence"] if "name" in frame.columns else ["town", "evidence"]
        sheets.append(
            (
                sheet,
                frame.select(keep).rename(
                    {"town": "乡镇", "name": "姓名", "evidence": "依据"}, strict=False
                ),
            )
        )
    return sheets
