"""Quarterly values: a town's report inside its window (all or none, with attachments),
imports from other systems and training through one interface, the plausibility checks
after every write, and the office's 核查 with its reasons."""

from __future__ import annotations

import datetime as dt
import math

import msgspec
import polars as pl

from evaluation import clock
from evaluation.clock import today
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.scorecard import draft_store, repository, value_store
from evaluation.scorecard.amounts import corrected_value, due, parse_number, range_words
from evaluation.scorecard.attachment_types import ALLOWED_WORDS, KINDS, kind_of
from evaluation.scorecard.contracts import _town
from evaluation.scorecard.plan import (
    Indicator,
    Plan,
    Source,
)
from evaluation.scorecard.plans import MAX_NOTE, published_record
from evaluation.scorecard.plausibility import CheckRule, check_values, rules
from evaluation.scorecard.publicity import refuse_if_final
from evaluation.scorecard.schemas import (
    AttachmentFile,
    Decision,
    FormItem,
    PlanRecord,
    QuarterForm,
    ReviewItem,
)

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
TOWN_ATTACHMENT_QUOTA = 100 * 1024 * 1024  # a town's evidence files for one year


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
    values = await value_store.values(record.id, town_id)
    targets = dict(
        (await repository.targets(record.id, town_id)).select("indicator", "target").iter_rows()
    )
    files = await value_store.attachments(values["id"].to_list())
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
            pro_rata=due(indicator, target * quarter / 4 if indicator.cumulative else target)
            if target
            else None,
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
            problems[where] = range_words(indicator)
        else:
            rows.append((indicator.code, value, notes.get(indicator.code, "").strip()[:MAX_NOTE]))
    known = {i.code for i in town_indicators(record.plan, town.town_type, quarter)}
    for upload in uploads:
        if upload.indicator not in known:
            problems[f"file_{upload.indicator}"] = "附件对应的指标不在本季度填报表中"
        elif len(upload.content) > MAX_ATTACHMENT_BYTES:
            problems[f"file_{upload.indicator}"] = "附件不能超过 5 MB"
        elif kind_of(upload.content) is None:
            problems[f"file_{upload.indicator}"] = f"附件类型不受支持：请上传{ALLOWED_WORDS}"
    used = await value_store.attachment_bytes(record.id, town_id) if uploads else 0
    if used + sum(len(u.content) for u in uploads) > TOWN_ATTACHMENT_QUOTA:
        problems[f"file_{uploads[0].indicator}"] = (
            f"本乡镇本年度的附件已用 {used / 2**20:.1f} MB，"
            f"上限 {TOWN_ATTACHMENT_QUOTA // 2**20} MB：请压缩后再上传或联系考核办"
        )
    if problems:
        raise Invalid("请修改标出的问题后再提交，已填写的内容都还在", problems)
    async with repository.transaction():
        ids = await value_store.upsert_town_values(
            record.id, town_id, quarter, rows, by, clock.moment_on(on)
        )
        for upload in uploads:
            kind = kind_of(upload.content) or "text"
            await value_store.add_attachment(
                ids[upload.indicator], upload.filename, KINDS[kind], upload.content
            )
        await recheck(record, quarter)
        await draft_store.drop(record.id, town_id, quarter)
    flagged = (await value_store.values(record.id, town_id)).filter(
        pl.col("quarter") == quarter, pl.col("status") == "flagged"
    )
    return [record.plan.indicator(c).name for c in flagged["indicator"].to_list()]


DRAFT_FIELD_MAX = 200  # characters a drafted figure or note keeps


async def save_draft(
    year: int,
    town_id: int,
    quarter: int,
    fields: dict[str, str],
    notes: dict[str, str],
    by: str,
    on: dt.date | None = None,
) -> int:
    """Keep what the reporter typed so far — unchecked, counting nowhere — while the quarter
    is open; attachments are sent with the quarter itself. Returns how many figures it holds."""
    record = await published_record(year)
    town = await _town(town_id)
    if open_quarter(record.plan, on or today()) != quarter:
        raise Conflict(f"第 {quarter} 季度不在填报期内，不能保存草稿")
    codes = {i.code for i in town_indicators(record.plan, town.town_type, quarter)}
    kept = {
        f"v_{code}": value.strip()[:DRAFT_FIELD_MAX]
        for code, value in fields.items()
        if code in codes and value.strip()
    }
    kept |= {
        f"n_{code}": note.strip()[:MAX_NOTE]
        for code, note in notes.items()
        if code in codes and note.strip()
    }
    await draft_store.save(record.id, town_id, quarter, kept, by)
    return sum(1 for key in kept if key.startswith("v_"))


async def draft_of(year: int, town_id: int, quarter: int) -> tuple[dict[str, str], dict[str, str]]:
    """The saved draft's figures and notes by indicator code (empty when there is none)."""
    record = await published_record(year)
    fields = await draft_store.load(record.id, town_id, quarter)
    values = {k.removeprefix("v_"): v for k, v in fields.items() if k.startswith("v_")}
    notes = {k.removeprefix("n_"): v for k, v in fields.items() if k.startswith("n_")}
    return values, notes


async def recheck(record: PlanRecord, quarter: int) -> None:
    """Run the plausibility checks on the quarter's town values and store their flags
    (values the office already decided keep their decision)."""
    values = await value_store.values(record.id)
    previous = await repository.published(record.plan.year - 1)
    history = await value_store.values(previous.id) if previous is not None else None
    towns = pl.DataFrame(
        [(t.id, t.name, t.town_type) for t in await repository.towns()],
        schema={"town_id": pl.Int64, "name": pl.String, "town_type": pl.String},
        orient="row",
    )
    flags = check_values(record.plan, values, quarter, towns, history)
    messages = flags.group_by("town_id", "indicator").agg(pl.col("message").str.join("\n"))
    town_values = values.filter(pl.col("quarter") == quarter, pl.col("source") == "town")
    updates = (
        town_values.join(messages, on=["town_id", "indicator"], how="left")
        .with_columns(pl.col("message").fill_null(""))
        .filter(pl.col("message") != pl.col("flags"))
        .filter(pl.col("status").is_in(["ok", "flagged"]))
        .select("id", "message")
    )
    await value_store.set_flags([(int(i), str(m)) for i, m in updates.iter_rows()])


async def check_rules(year: int) -> list[CheckRule]:
    """The year's plausibility checks as the 核查 page explains them."""
    return rules((await published_record(year)).plan)


async def review_queue(year: int) -> list[ReviewItem]:
    record = await published_record(year)
    values = await value_store.values(record.id)
    flagged = values.filter(pl.col("status") == "flagged").sort("quarter", "town_id", "indicator")
    towns = {t.id: t.name for t in await repository.towns()}
    files = await value_store.attachments(flagged["id"].to_list())
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
    row = await value_store.value_row(value_id)
    record = await repository.plan(int(row["plan"]))
    await refuse_if_final(record)
    indicator = record.plan.indicator(str(row["indicator"]))
    problems = {}
    if decision not in ("confirm", "correct"):
        problems["decision"] = "请选择“确认无误”或“更正”"
    if len(reason.strip()) < 4:
        problems["reason"] = "请写明核查结论（至少 4 个字）"
    after = float(row["value"])
    if decision == "correct":
        value, refusal = corrected_value(raw, indicator, "请填写更正后的数值")
        if value is None:
            problems["value"] = refusal
        else:
            after = value
    if problems:
        raise Invalid("核查未保存", problems)
    async with repository.transaction():
        current = await value_store.value_row(value_id)
        if current["status"] != "flagged":
            raise Conflict("该数值已核查过")
        await value_store.review(
            value_id, decision, float(row["value"]), after, reason.strip()[:MAX_NOTE], by
        )


async def decisions(year: int) -> list[Decision]:
    record = await published_record(year)
    values = await value_store.values(record.id)
    reviewed = values.filter(pl.col("status").is_in(["confirmed", "corrected"]))
    towns = {t.id: t.name for t in await repository.towns()}
    by_id = {r["id"]: r for r in reviewed.iter_rows(named=True)}
    out = []
    for r in await value_store.reviews(list(by_id)):
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
    row = await value_store.value_row(value_id)
    return (await repository.plan(int(row["plan"]))).year


async def attachment(attachment_id: int) -> AttachmentFile:
    row = await value_store.attachment(attachment_id)
    return AttachmentFile(
        id=int(row["id"]),
        town_id=int(row["town_id"]),
        filename=str(row["filename"]),
        content=bytes(row["content"]),
    )
