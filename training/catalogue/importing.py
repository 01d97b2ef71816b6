"""Adding offerings to the catalogue — one from a form, or many from an Excel sheet — with
every problem reported in Chinese against its row, and nothing written unless all rows are
valid. Pure: rows in, checked rows or problems out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from evaluation.infra.spreadsheets import Limits, read_table
from training.catalogue.schemas import OfferingDraft

HEADER = {
    "名称": "title",
    "类型": "kind",
    "针对能力": "competencies",
    "形式": "format",
    "培训师": "trainer",
    "地点乡镇": "venue",
    "日期": "day",
    "座位": "capacity",
    "费用": "fee",
}
KINDS = {
    "专题培训": "workshop",
    "跨乡镇交流": "exchange",
    "workshop": "workshop",
    "exchange": "exchange",
}


def check_offering(
    row: dict[str, Any], competencies: dict[str, str], towns: dict[str, int]
) -> tuple[OfferingDraft | None, dict[str, str]]:
    """row: the HEADER's English keys as text. competencies: name or id → id. towns:
    name → id. Returns the checked offering, or the problems by field."""
    problems: dict[str, str] = {}
    title = str(row.get("title") or "").strip()
    if not title or len(title) > 64:
        problems["title"] = "请填写名称（不超过 64 个字）"
    kind = KINDS.get(str(row.get("kind") or "专题培训").strip())
    if kind is None:
        problems["kind"] = "类型应为“专题培训”或“跨乡镇交流”"
    targets: dict[str, float] = {}
    for part in (
        str(row.get("competencies") or "").replace(",", "、").replace("，", "、").split("、")
    ):
        name = part.strip()
        if not name:
            continue
        if name not in competencies:
            problems["competencies"] = f"未知能力：{name}"
            break
        targets[competencies[name]] = 1.0
    if not targets and "competencies" not in problems:
        problems["competencies"] = "请至少填写一项针对的能力（用“、”分隔）"
    venue = str(row.get("venue") or "").strip()
    if venue and venue not in towns:
        problems["venue"] = f"没有名为{venue}的乡镇"
    day = _date(row.get("day"))
    if day is None:
        problems["day"] = "日期应为 2027-03-01 这样的格式"
    capacity = _number(row.get("capacity"))
    if capacity is None or capacity != int(capacity) or not 1 <= capacity <= 1000:
        problems["capacity"] = "座位应为 1–1000 的整数"
    fee = _number(row.get("fee") if row.get("fee") not in (None, "") else 0)
    if fee is None or fee < 0:
        problems["fee"] = "费用应为不小于 0 的数字（元）"
    if problems or kind is None or day is None:
        return None, problems
    return OfferingDraft(
        kind=kind,
        title=title,
        competencies=targets,
        format=str(row.get("format") or "").strip()[:32],
        trainer=str(row.get("trainer") or "").strip()[:64],
        venue_town=towns.get(venue),
        day=day,
        capacity=int(capacity or 0),
        fee=float(fee or 0),
    ), {}


def check_sheet(
    frame: pl.DataFrame, competencies: dict[str, str], towns: dict[str, int]
) -> tuple[list[OfferingDraft], dict[str, str]]:
    """Every row checked; problems keyed 第 N 行 (the sheet's row number, header = 1)."""
    missing = [name for name in ("名称", "针对能力", "日期", "座位") if name not in frame.columns]
    if missing:
        return [], {"文件": "缺少必需的列：" + "、".join(missing)}
    rows = frame.rename({k: v for k, v in HEADER.items() if k in frame.columns}).to_dicts()
    checked, problems = [], {}
    for number, row in enumerate(rows, start=2):
        fields, errors = check_offering(row, competencies, towns)
        if errors:
            problems[f"第 {number} 行"] = "；".join(errors.values())
        elif fields:
            checked.append(fields)
    if not rows:
        problems["文件"] = "表格中没有数据行"
    return checked, problems


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def read_sheet(content: bytes, filename: str) -> pl.DataFrame:
    """A catalogue sheet (.xlsx, .xls, WPS or CSV) as text columns, under the spreadsheet
    reader's limits (raises Invalid in Chinese). Blocking: call it in a thread."""
    return read_table(content, filename, Limits(rows=2_000, columns=30), list(HEADER))
