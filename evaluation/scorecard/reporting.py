"""Quarterly values: a town's report inside its window (all or none, with attachments),
imports from other systems and training through one interface, the plausibility checks
after every write, and the office's 核查 with its reasons."""

from __future__ import annotations

import asyncio
import datetime as dt
import math

import msgspec
import polars as pl

from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.infra.spreadsheets import Limits, read_table
from evaluation.scorecard import repository
from evaluation.scorecard.clock import today
from evaluation.scorecard.contracts import _town, parse_number
from evaluation.scorecard.plan import (
    Indicator,
    Plan,
    Source,
)
from evaluation.scorecard.plans import MAX_NOTE, published_record
from evaluation.scorecard.plausibility import check_values
from evaluation.scorecard.schemas import (
    AttachmentFile,
    Decision,
    FormItem,
    ImportRecord,
    PlanRecord,
    QuarterForm,
    ReviewItem,
)
from evaluation.scorecard.sources import load_mapping, parse_source

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_SOURCE_RECORDS = 500_000


def window_opens(plan: Plan, quarter: int) -> dt.date:
    """Reporting opens on the first day of the quarter's second month (progress can be
    entered before the quarter ends) and closes on the plan's deadline."""
    return dt.date(plan.year, 3 * quarter - 1, 1)


def open_quarter(plan: Plan, on: dt.date) -> int | None:
    """The quarter a town may report on `on`, if any."""
    open_now = [q for q in (1, 2, 3, 4) if window_opens(plan, q) <= on <= plan.deadline(q)]
    return open_now[-1] if open_now else None


def town_indicators(plan: Plan, town_type: str, quarter: int) -> list[Indicator]:
    return [
        i
        for i in plan.for_town_type(town_type)
        if i.source == Source.town and quarter in i.quarters
    ]


async def quarter_form(
    year: int, town_id: int, quarter: int, on: dt.date | None = None
) -> QuarterForm:
    record = await published_record(year)
    if quarter not in (1, 2, 3, 4):
        raise NotFound("季度应为 1–4")
    town = await _town(town_id)
    values = await repository.values(record.id, town_id)
    targets = dict(
        (await repository.targets(record.id, town_id)).select("indicator", "target").iter_rows()
    )
    files = await repository.attachments(values["id"].to_list())
    by_value: dict[int, list[str]] = {}
    for f in files:
        by_value.setdefault(int(f["value"]), []).append(str(f["filename"]))

    def item(indicator, source: str) -> FormItem:  # type: ignore[no-untyped-def]
        rows = values.filter(pl.col("indicator") == indicator.code, pl.col("source") == source)
        now = rows.filter(pl.col("quarter") == quarter)
        before = rows.filter(pl.col("quarter") == quarter - 1)
        row = now.row(0, named=True) if now.height else None
        target = targets.get(indicator.code)
        return FormItem(
            code=indicator.code,
            name=indicator.name,
            unit=indicator.unit,
            dimension=str(indicator.dimension),
            cumulative=indicator.cumulative,
            target=target,
            pro_rata=(target * quarter / 4 if indicator.cumulative else target) if target else None,
            value=(row["corrected"] if row and row["corrected"] is not None else row["value"])
            if row
            else None,
            previous=before["value"].item() if before.height else None,
            note=row["note"] if row else "",
            status=row["status"] if row else None,
            flags=[f for f in (row["flags"] or "").split("\n") if f] if row else [],
            attachments=by_value.get(int(row["id"]), []) if row else [],
        )

    mine = town_indicators(record.plan, town.town_type, quarter)
    others = [
        i
        for i in record.plan.for_town_type(town.town_type)
        if i.source != Source.town and quarter in i.quarters
    ]
    on = on or today()
    return QuarterForm(
        plan_id=record.id,
        year=year,
        quarter=quarter,
        town_id=town.id,
        town_name=town.name,
        deadline=record.plan.deadline(quarter),
        open=open_quarter(record.plan, on) == quarter,
        items=[item(i, "town") for i in mine],
        imported=[item(i, str(i.source)) for i in others],
    )


class Upload(msgspec.Struct, frozen=True):
    indicator: str
    filename: str
    content_type: str
    content: bytes


async def report(
    year: int,
    town_id: int,
    quarter: int,
    fields: dict[str, str],
    notes: dict[str, str],
    uploads: list[Upload],
    by: str,
    on: dt.date | None = None,
) -> list[str]:
    """Store a town's values for a quarter — all of them or none — and check them. Returns
    the names of the indicators flagged for 核查."""
    record = await published_record(year)
    town = await _town(town_id)
    on = on or today()
    if open_quarter(record.plan, on) != quarter:
        raise Conflict(
            f"第 {quarter} 季度不在填报期内（截止 {record.plan.deadline(quarter):%Y-%m-%d}），"
            "如需补报请联系考核办"
        )
    problems: dict[str, str] = {}
    rows: list[tuple[str, float, str]] = []
    for indicator in town_indicators(record.plan, town.town_type, quarter):
        value = parse_number(fields.get(indicator.code, ""))
        where = indicator.code
        if value is None:
            problems[where] = "请填写本季度的数值"
        elif math.isnan(value):
            problems[where] = "请填写数字"
        elif not indicator.minimum <= value <= indicator.maximum:
            problems[where] = (
                f"超出可能的范围（{indicator.minimum:g}–{indicator.maximum:g} {indicator.unit}）"
            )
        else:
            rows.append((indicator.code, value, notes.get(indicator.code, "").strip()[:MAX_NOTE]))
    known = {i.code for i in town_indicators(record.plan, town.town_type, quarter)}
    for upload in uploads:
        if upload.indicator not in known:
            problems[f"file_{upload.indicator}"] = "附件对应的指标不在本季度填报表中"
        elif len(upload.content) > MAX_ATTACHMENT_BYTES:
            problems[f"file_{upload.indicator}"] = "附件不能超过 5 MB"
    if problems:
        raise Invalid("请修改标出的问题后再提交，已填写的内容都还在", problems)
    async with repository.transaction():
        ids = await repository.upsert_town_values(record.id, town_id, quarter, rows, by)
        for upload in uploads:
            await repository.add_attachment(
                ids[upload.indicator], upload.filename, upload.content_type, upload.content
            )
        await recheck(record, quarter)
    flagged = (await repository.values(record.id, town_id)).filter(
        pl.col("quarter") == quarter, pl.col("status") == "flagged"
    )
    return [record.plan.indicator(c).name for c in flagged["indicator"].to_list()]


async def recheck(record: PlanRecord, quarter: int) -> None:
    """Run the plausibility checks on the quarter's town values and store their flags
    (values the office already decided keep their decision)."""
    values = await repository.values(record.id)
    flags = check_values(record.plan, values, quarter)
    messages = flags.group_by("town_id", "indicator").agg(pl.col("message").str.join("\n"))
    town_values = values.filter(pl.col("quarter") == quarter, pl.col("source") == "town")
    updates = (
        town_values.join(messages, on=["town_id", "indicator"], how="left")
        .with_columns(pl.col("message").fill_null(""))
        .filter(pl.col("message") != pl.col("flags"))
        .filter(pl.col("status").is_in(["ok", "flagged"]))
        .select("id", "message")
    )
    await repository.set_flags([(int(i), str(m)) for i, m in updates.iter_rows()])


class ImportResult(msgspec.Struct, frozen=True):
    source: str
    quarters: list[int]
    towns: int
    values: int
    records: int


def read_source_file(content: bytes, filename: str) -> pl.DataFrame:
    """CSV, Excel or JSON (a list of objects). Blocking: run it in a thread."""
    stripped = content.lstrip()
    if filename.lower().endswith(".json") or stripped[:1] in (b"[", b"{"):
        try:
            rows = msgspec.json.decode(content)
        except msgspec.DecodeError:
            raise Invalid(
                "JSON 文件无法解析", {"file": '应为对象列表：[{"所属乡镇": …}, …]'}
            ) from None
        if isinstance(rows, dict):
            rows = rows.get("records") or rows.get("data") or []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise Invalid("JSON 文件格式不对", {"file": "应为对象列表，每个对象是一条记录"})
        if len(rows) > MAX_SOURCE_RECORDS:
            raise Invalid(f"一次最多导入 {MAX_SOURCE_RECORDS} 条记录", {"file": "请分批导入"})
        if not rows:
            raise Invalid("文件里没有记录", {"file": "请检查导出的文件"})
        return pl.DataFrame(
            [{str(k): None if v is None else str(v) for k, v in r.items()} for r in rows],
            infer_schema_length=None,
        )
    return read_table(content, filename, Limits(rows=MAX_SOURCE_RECORDS, columns=40))


async def import_source(
    year: int, source: str, filename: str, content: bytes, by: str
) -> ImportResult:
    frame = await asyncio.to_thread(read_source_file, content, filename)
    return await import_frame(year, source, filename, frame, by)


async def import_frame(
    year: int, source: str, filename: str, frame: pl.DataFrame, by: str
) -> ImportResult:
    """Values from one source file, whole or not at all; a quarter is imported once per
    source."""
    record = await published_record(year)
    mapping = load_mapping(source)
    town_list = await repository.towns()
    names = {t.name: t.id for t in town_list} | {t.external_id: t.id for t in town_list}
    values = parse_source(mapping, record.plan, frame, names)
    quarters = sorted(set(values["quarter"].to_list()))
    already = sorted(set(quarters) & await repository.imported_quarters(record.id, source))
    if already:
        raise Invalid(
            f"{mapping.name}第 {'、'.join(map(str, already))} 季度的数据已经导入过，未重复导入",
            {"季度": "同一来源每个季度只导入一次；如数据有误，请在核查中更正"},
        )
    values = await _carry_year_to_date(record, source, values, min(quarters))
    async with repository.transaction():
        await repository.insert_imported(record.id, source, values, by)
        for quarter in quarters:
            await repository.insert_import(record.id, source, quarter, filename, frame.height, by)
        for quarter in quarters:
            await recheck(record, quarter)
    return ImportResult(
        source=source,
        quarters=quarters,
        towns=values["town_id"].n_unique(),
        values=values.height,
        records=frame.height,
    )


async def _carry_year_to_date(
    record: PlanRecord, source: str, values: pl.DataFrame, first: int
) -> pl.DataFrame:
    """Counts of cumulative indicators continue from the quarter before the file's first."""
    cumulative = [i.code for i in record.plan.indicators if i.cumulative and i.source == source]
    if first == 1 or not cumulative:
        return values
    stored = (
        (await repository.values(record.id))
        .filter(
            pl.col("source") == source,
            pl.col("quarter") == first - 1,
            pl.col("indicator").is_in(cumulative),
        )
        .select("town_id", "indicator", carried=pl.col("value"))
    )
    return (
        values.join(stored, on=["town_id", "indicator"], how="left")
        .with_columns(value=pl.col("value") + pl.col("carried").fill_null(0.0))
        .drop("carried")
    )


async def import_values(year: int, source: str, values: pl.DataFrame, by: str) -> ImportResult:
    """The import interface for other packages (training feeds 学习发展 through it): values
    (town_id, indicator, quarter, value) checked exactly like a file from that source."""
    plan = (await published_record(year)).plan
    units = {i.code: i.unit for i in plan.indicators}
    towns = {t.id: t.name for t in await repository.towns()}
    frame = pl.DataFrame(
        {
            "乡镇": [towns.get(int(t), str(t)) for t in values["town_id"].to_list()],
            "季度": values["quarter"].cast(pl.String).to_list(),
            "指标": values["indicator"].to_list(),
            "数值": values["value"].cast(pl.String).to_list(),
            "单位": [units.get(c, "") for c in values["indicator"].to_list()],
        },
        schema={name: pl.String for name in ("乡镇", "季度", "指标", "数值", "单位")},
    )
    return await import_frame(year, source, f"{source}-feed", frame, by)


async def review_queue(year: int) -> list[ReviewItem]:
    record = await published_record(year)
    values = await repository.values(record.id)
    flagged = values.filter(pl.col("status") == "flagged").sort("quarter", "town_id", "indicator")
    towns = {t.id: t.name for t in await repository.towns()}
    files = await repository.attachments(flagged["id"].to_list())
    previous = values.filter(pl.col("source") == "town").select(
        "town_id",
        "indicator",
        (pl.col("quarter") + 1).alias("quarter"),
        pl.col("value").alias("previous"),
    )
    flagged = flagged.join(previous, on=["town_id", "indicator", "quarter"], how="left")
    items = []
    for row in flagged.iter_rows(named=True):
        indicator = record.plan.indicator(row["indicator"])
        items.append(
            ReviewItem(
                value_id=row["id"],
                town_id=row["town_id"],
                town_name=towns.get(row["town_id"], ""),
                indicator=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                quarter=row["quarter"],
                value=row["value"],
                previous=row["previous"],
                flags=[f for f in row["flags"].split("\n") if f],
                note=row["note"],
                attachments=[
                    (int(f["id"]), str(f["filename"])) for f in files if f["value"] == row["id"]
                ],
            )
        )
    return items


async def decide(value_id: int, decision: str, raw: str, reason: str, by: str) -> None:
    """The office confirms a flagged value as reported, or corrects it — always with a reason."""
    row = await repository.value_row(value_id)
    record = await repository.plan(int(row["plan"]))
    indicator = record.plan.indicator(str(row["indicator"]))
    problems = {}
    if decision not in ("confirm", "correct"):
        problems["decision"] = "请选择“确认无误”或“更正”"
    if len(reason.strip()) < 4:
        problems["reason"] = "请写明核查结论（至少 4 个字）"
    after = float(row["value"])
    if decision == "correct":
        value = parse_number(raw)
        if value is None or math.isnan(value):
            problems["value"] = "请填写更正后的数值"
        elif not indicator.minimum <= value <= indicator.maximum:
            problems["value"] = f"超出可能的范围（{indicator.minimum:g}–{indicator.maximum:g}）"
        else:
            after = value
    if problems:
        raise Invalid("核查未保存", problems)
    async with repository.transaction():
        current = await repository.value_row(value_id)
        if current["status"] != "flagged":
            raise Conflict("该数值已核查过")
        await repository.review(
            value_id, decision, float(row["value"]), after, reason.strip()[:MAX_NOTE], by
        )


async def decisions(year: int) -> list[Decision]:
    record = await published_record(year)
    values = await repository.values(record.id)
    reviewed = values.filter(pl.col("status").is_in(["confirmed", "corrected"]))
    towns = {t.id: t.name for t in await repository.towns()}
    by_id = {r["id"]: r for r in reviewed.iter_rows(named=True)}
    out = []
    for r in await repository.reviews(list(by_id)):
        value = by_id[int(r["value"])]
        out.append(
            Decision(
                value_id=int(r["value"]),
                town_name=towns.get(value["town_id"], ""),
                name=record.plan.indicator(value["indicator"]).name,
                quarter=value["quarter"],
                decision=str(r["decision"]),
                before=float(r["before"]),
                after=float(r["after"]),
                reason=str(r["reason"]),
                decided_by=str(r["decided_by"]),
                decided_at=r["decided_at"],
            )
        )
    return out[::-1]


async def year_of_value(value_id: int) -> int:
    row = await repository.value_row(value_id)
    return (await repository.plan(int(row["plan"]))).year


async def import_history(year: int) -> list[ImportRecord]:
    record = await published_record(year)
    return [
        ImportRecord(
            source=str(r["source"]),
            quarter=int(r["quarter"]),
            filename=str(r["filename"]),
            records=int(r["records"]),
            imported_by=str(r["imported_by"]),
            imported_at=r["imported_at"],
        )
        for r in await repository.imports(record.id)
    ]


async def attachment(attachment_id: int) -> AttachmentFile:
    row = await repository.attachment(attachment_id)
    return AttachmentFile(
        id=int(row["id"]),
        town_id=int(row["town_id"]),
        filename=str(row["filename"]),
        content=bytes(row["content"]),
    )
