"""Importing objective evidence (CSV, Excel or JSON rows) for a cycle: all rows or none."""

from __future__ import annotations

import polars as pl
from piccolo.query.functions.aggregate import Count

from evaluation.cycles.service import get_cycle, rubric_for_cycle
from evaluation.errors import Conflict, Invalid
from evaluation.evidence.mapping import EVIDENCE_COLUMNS, map_evidence
from evaluation.evidence.schemas import (
    CadreCycleSummary,
    CadreEvidence,
    EvidenceCadre,
    EvidenceRow,
    IndicatorSummary,
)
from evaluation.infra.bulk import insert_chunked
from evaluation.infra.spreadsheets import Limits, read_table
from evaluation.tables import Cadre, Evidence, Response

MAX_ROWS = 100_000


def read_evidence_file(content: bytes, filename: str) -> pl.DataFrame:
    """An evidence sheet (.xlsx, .xls, WPS or CSV) under the spreadsheet reader's limits.
    Blocking: call it in a thread."""
    names = [name for pair in EVIDENCE_COLUMNS.items() for name in pair]
    limits = Limits(rows=MAX_ROWS + 1, columns=20)
    return evidence_frame(read_table(content, filename, limits, names))


def evidence_frame(frame: pl.DataFrame) -> pl.DataFrame:
    renames = {}
    for key, label in EVIDENCE_COLUMNS.items():
        for column in frame.columns:
            if column.strip() in (key, label):
                renames[column] = key
    missing = [label for key, label in EVIDENCE_COLUMNS.items() if key not in renames.values()]
    if missing:
        raise Invalid(
            "缺少必需的列：" + "、".join(missing),
            {"file": "表头需包含：干部编号、指标、期间、数值"},
        )
    if frame.height > MAX_ROWS:
        raise Invalid(f"一次最多导入 {MAX_ROWS} 行", {"file": "请分批导入"})
    return frame.select([pl.col(src).cast(pl.String).alias(dst) for src, dst in renames.items()])


async def import_evidence_rows(cycle_id: int, rows: list[EvidenceRow], source: str) -> int:
    """Rows another system sent (the API) through the same mapping and checks as a file;
    returns how many were stored."""
    frame = pl.DataFrame(
        {
            "cadre_id": [r.cadre_id for r in rows],
            "indicator": [r.indicator for r in rows],
            "period": [r.period for r in rows],
            "value": [str(r.value) for r in rows],
        },
        schema={name: pl.String for name in ("cadre_id", "indicator", "period", "value")},
    )
    return (await import_evidence(cycle_id, evidence_frame(frame), source)).height


async def import_evidence(cycle_id: int, frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """Map and store; on any bad row raise Invalid listing every one and write nothing. A
    published cycle's evidence is part of its frozen result and is never replaced."""
    if (await get_cycle(cycle_id)).state == "published":
        raise Conflict("结果已发布并冻结，不能再导入这一周期的客观数据")
    rubric = await rubric_for_cycle(cycle_id)
    known = pl.DataFrame(
        await Cadre.select(Cadre.external_id, Cadre.id),
        schema={"external_id": pl.String, "id": pl.Int64},
    )
    mapped, problems = map_evidence(frame, rubric, known)
    if not problems.is_empty():
        raise Invalid(
            f"有 {problems['row'].n_unique()} 行存在问题，未导入任何数据",
            {
                f"第 {row} 行": "；".join(messages)
                for row, messages in problems.group_by("row", maintain_order=True)
                .agg("message")
                .iter_rows()
            },
        )
    async with Evidence._meta.db.transaction():
        for cadre, indicator, period in (
            mapped.select("cadre", "indicator", "period").unique().iter_rows()
        ):
            await Evidence.delete().where(
                (Evidence.cycle == cycle_id)
                & (Evidence.cadre == cadre)
                & (Evidence.indicator == indicator)
                & (Evidence.period == period)
            )
        rows = [
            Evidence(
                cycle=cycle_id,
                cadre=r["cadre"],
                competency=r["competency"],
                indicator=r["indicator"],
                period=r["period"],
                value=r["value"],
                level=r["level"],
                source=source,
            )
            for r in mapped.iter_rows(named=True)
        ]
        await insert_chunked(Evidence, rows)
    return mapped


async def evidence_summary(cycle_id: int) -> list[IndicatorSummary]:
    rows = await Evidence.select(Evidence.indicator, Evidence.level).where(
        Evidence.cycle == cycle_id
    )
    if not rows:
        return []
    summary = (
        pl.DataFrame(rows)
        .group_by("indicator")
        .agg(pl.len().alias("cadres"), pl.col("level").mean().round(2).alias("mean_level"))
        .sort("indicator")
    )
    return [IndicatorSummary(**row) for row in summary.iter_rows(named=True)]


async def cadre_cycle_summary(cycle_id: int, cadre_id: int) -> CadreCycleSummary:
    """Evidence (with the anchor each level maps to) and response counts per rater group."""
    rubric = await rubric_for_cycle(cycle_id)
    rows = (
        await Evidence.select(
            Evidence.competency, Evidence.indicator, Evidence.period, Evidence.value, Evidence.level
        )
        .where((Evidence.cycle == cycle_id) & (Evidence.cadre == cadre_id))
        .order_by(Evidence.indicator)
    )
    evidence = []
    for row in rows:
        competency = rubric.competency(row["competency"])
        indicator = next(i for i in competency.indicators if i.id == row["indicator"])
        anchor = competency.anchor(row["level"])
        evidence.append(
            CadreEvidence(
                competency=competency.id,
                competency_name=competency.name,
                indicator=indicator.id,
                indicator_name=indicator.name,
                unit=indicator.unit,
                period=row["period"],
                value=row["value"],
                level=row["level"],
                anchor_label=anchor.label,
                anchor_behaviour=anchor.behaviour,
            )
        )
    counts = (
        await Response.select(Response.rater_group, Count(alias="count"))
        .where((Response.cycle == cycle_id) & (Response.ratee == cadre_id))
        .group_by(Response.rater_group)
    )
    return CadreCycleSummary(
        evidence=evidence, responses={r["rater_group"]: r["count"] for r in counts}
    )


async def evidence_cadres(cycle_id: int) -> list[EvidenceCadre]:
    rows = (
        await Evidence.select(Evidence.cadre, Evidence.cadre.name)
        .where(Evidence.cycle == cycle_id)
        .distinct()
        .order_by(Evidence.cadre)
    )
    return [EvidenceCadre(cadre_id=r["cadre"], name=r["cadre.name"]) for r in rows]
