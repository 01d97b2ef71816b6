"""The township scorecard's use cases: plans and their weights, contracts, quarterly
reporting with plausibility checks, imports from other systems, 核查, and scores.

Every write is one transaction; every number shown is computed by `scoring` from the stored
values, so a page and the next import can never disagree."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import math
import unicodedata
from collections.abc import Callable

import msgspec
import polars as pl

from evaluation.errors import Conflict, Invalid, NotFound, NotReady
from evaluation.infra.spreadsheets import Limits, read_table
from evaluation.organisation.schemas import TownRecord
from evaluation.scorecard import feeds, repository
from evaluation.scorecard.plan import (
    Dimension,
    Indicator,
    Method,
    Plan,
    Source,
    load_plan_text,
    moved_to_year,
    plan_for_year,
    plan_to_json,
    with_weights,
)
from evaluation.scorecard.plausibility import check_values
from evaluation.scorecard.schemas import (
    AttachmentFile,
    Board,
    Bottleneck,
    CompositeRow,
    Contract,
    ContractRow,
    ContractStatus,
    Decision,
    FormItem,
    ImportRecord,
    IndicatorLine,
    PlanComparison,
    PlanRecord,
    PublicResults,
    PublicTown,
    QuarterForm,
    ReviewItem,
    TownScore,
    TownView,
    WeightChange,
)
from evaluation.scorecard.scoring import Scores, composite, score
from evaluation.scorecard.sources import load_mapping, parse_source

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_SOURCE_RECORDS = 500_000
MAX_NOTE = 500
BOTTLENECK_TOWNS = 3


CLOCK: Callable[[], dt.date] = dt.date.today  # the app may pin it (tests travel in time)


def today() -> dt.date:
    return CLOCK()


# ---- plans ---------------------------------------------------------------------------


async def current_year() -> int | None:
    """This year when its plan is published; else the latest published year before it (a
    plan published ahead for next year does not become current early)."""
    years = await repository.published_years()
    now = today().year
    past = [y for y in years if y <= now]
    return past[-1] if past else (years[0] if years else None)


async def published_record(year: int) -> PlanRecord:
    record = await repository.published(year)
    if record is None:
        raise NotReady(f"{year} 年度考核方案尚未发布")
    return record


async def latest_version(year: int) -> PlanRecord | None:
    versions = await repository.plans(year)
    return versions[-1] if versions else None


async def comparison(year: int) -> PlanComparison:
    """The year's newest version beside the previous year's published plan."""
    record = await latest_version(year)
    if record is None:
        raise NotFound(f"没有 {year} 年度的考核方案")
    previous = await repository.published(year - 1)
    return PlanComparison(
        record=record,
        previous=previous,
        dimensions=_dimension_changes(record.plan, previous.plan if previous else None),
        indicators=_indicator_changes(record.plan, previous.plan if previous else None),
    )


def _dimension_changes(plan: Plan, before: Plan | None) -> list[WeightChange]:
    return [
        WeightChange(
            code=str(d),
            name=str(d),
            dimension=str(d),
            before=before.dimensions.get(d) if before else None,
            after=plan.dimensions.get(d),
        )
        for d in Dimension
    ]


def _indicator_changes(plan: Plan, before: Plan | None) -> list[WeightChange]:
    old = {i.code: i for i in before.indicators} if before else {}
    rows = [
        WeightChange(
            code=i.code,
            name=i.name,
            dimension=str(i.dimension),
            before=old[i.code].weight if i.code in old else None,
            after=i.weight,
        )
        for i in plan.indicators
    ]
    current = {i.code for i in plan.indicators}
    rows += [
        WeightChange(code=c, name=i.name, dimension=str(i.dimension), before=i.weight, after=None)
        for c, i in old.items()
        if c not in current
    ]
    return rows


async def add_plan(plan: Plan, note: str, by: str) -> int:
    """A new draft version of `plan.year` (refused once that year is published)."""
    if await repository.published(plan.year) is not None:
        raise Conflict(f"{plan.year} 年度方案已发布，历史不可改写；调整请在下一年度方案中进行")
    async with repository.transaction():
        versions = await repository.plans(plan.year)
        drafts = [v for v in versions if v.state == "draft"]
        if drafts:
            await repository.update_plan(drafts[-1].id, plan.title, plan_to_json(plan), note)
            return drafts[-1].id
        version = max((v.version for v in versions), default=0) + 1
        return await repository.insert_plan(
            plan.year, version, plan.title, plan_to_json(plan), note, by
        )


async def load_plan(text: str, note: str, by: str) -> int:
    return await add_plan(load_plan_text(text), note, by)


async def start_draft(year: int, by: str) -> int:
    """A draft for `year`: the existing one, or last year's plan carried over (weights and
    targets unchanged, dates moved a year) for the office to adjust."""
    latest = await latest_version(year)
    if latest is not None and latest.state == "draft":
        return latest.id
    previous = await repository.published(year - 1)
    if previous is None:
        return await add_plan(plan_for_year(year), "按方案文件起草", by)
    plan = moved_to_year(previous.plan, year)
    return await add_plan(plan, f"以 {year - 1} 年度方案为基础起草", by)


def _percent(raw: str, where: str, problems: dict[str, str]) -> float:
    text = unicodedata.normalize("NFKC", raw or "").strip().rstrip("%")
    try:
        value = float(text)
    except ValueError:
        problems[where] = "请填写 0–100 之间的百分数"
        return math.nan
    if not (math.isfinite(value) and 0 <= value <= 100):
        problems[where] = "请填写 0–100 之间的百分数"
        return math.nan
    return value / 100


async def set_weights(
    plan_id: int, dimensions: dict[str, str], indicators: dict[str, str], note: str, by: str
) -> PlanRecord:
    """New weights (as percentages typed on the form) for a draft plan."""
    record = await repository.plan(plan_id)
    if record.state != "draft":
        raise Conflict("已发布的方案不能修改权重；请起草新年度方案")
    problems: dict[str, str] = {}
    dims = {
        d: _percent(dimensions.get(d, ""), f"dim_{d}", problems) for d in record.plan.dimensions
    }
    inds = {
        i.code: _percent(indicators.get(i.code, ""), f"ind_{i.code}", problems)
        for i in record.plan.indicators
    }
    if problems:
        raise Invalid("请修改标出的权重", problems)
    plan = with_weights(record.plan, dims, inds)
    await repository.update_plan(plan_id, plan.title, plan_to_json(plan), note.strip()[:MAX_NOTE])
    return await repository.plan(plan_id)


async def publish(plan_id: int, by: str) -> PlanRecord:
    """Publish a draft: the year pins this version, and every town's contract is drawn up
    from the plan's default targets for its type."""
    async with repository.transaction():
        record = await repository.plan(plan_id)
        if record.state != "draft":
            raise Conflict("该方案已发布")
        if await repository.published(record.year) is not None:
            raise Conflict(f"{record.year} 年度已有发布的方案")
        await repository.mark_published(plan_id, by, dt.datetime.now(dt.UTC))
        rows = [
            (town.id, indicator.code, target)
            for town in await repository.towns()
            for indicator in record.plan.for_town_type(town.town_type)
            if (target := indicator.default_target(town.town_type)) is not None
        ]
        await repository.insert_targets(plan_id, rows)
    return await repository.plan(plan_id)


# ---- contracts (绩效责任书) -------------------------------------------------------------


async def _town(town_id: int) -> TownRecord:
    for town in await repository.towns():
        if town.id == town_id:
            return town
    raise NotFound("没有这个乡镇")


def _digest(targets: pl.DataFrame) -> str:
    text = ";".join(
        f"{c}={v:g}" for c, v in targets.sort("indicator").select("indicator", "target").iter_rows()
    )
    return hashlib.sha256(text.encode()).hexdigest()


async def contract(year: int, town_id: int) -> Contract:
    record = await published_record(year)
    town = await _town(town_id)
    targets = await repository.targets(record.id, town_id)
    by_code = {r["indicator"]: r for r in targets.iter_rows(named=True)}
    rows = [
        ContractRow(
            code=i.code,
            name=i.name,
            dimension=str(i.dimension),
            unit=i.unit,
            method=str(i.method),
            higher_is_better=i.higher_is_better,
            cumulative=i.cumulative,
            weight=i.weight,
            target=by_code[i.code]["target"] if i.code in by_code else None,
            default_target=by_code[i.code]["default_target"] if i.code in by_code else None,
            reason=by_code[i.code]["reason"] if i.code in by_code else "",
        )
        for i in record.plan.for_town_type(town.town_type)
    ]
    accepted = (await repository.acceptances(record.id)).get(town_id)
    return Contract(
        plan_id=record.id,
        year=year,
        title=record.plan.title,
        town_id=town.id,
        town_name=town.name,
        town_type=town.town_type,
        rows=rows,
        confirmed_by=accepted["confirmed_by"] if accepted else None,
        confirmed_at=accepted["confirmed_at"] if accepted else None,
        changed_since_confirmation=accepted is not None
        and accepted["targets_digest"] != _digest(targets),
    )


async def contracts(year: int) -> list[ContractStatus]:
    record = await published_record(year)
    targets = await repository.targets(record.id)
    adjusted = (
        targets.filter(pl.col("target") != pl.col("default_target")).group_by("town_id").len()
    )
    counts = dict(adjusted.iter_rows())
    accepted = await repository.acceptances(record.id)
    return [
        ContractStatus(
            town_id=town.id,
            town_name=town.name,
            town_type=town.town_type,
            adjusted=int(counts.get(town.id, 0)),
            confirmed_by=accepted[town.id]["confirmed_by"] if town.id in accepted else None,
            confirmed_at=accepted[town.id]["confirmed_at"] if town.id in accepted else None,
        )
        for town in await repository.towns()
    ]


def parse_number(raw: str) -> float | None:
    """A number as people type it: full-width digits, thousands separators, a trailing %."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace(",", "").rstrip("%").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


async def adjust_target(year: int, town_id: int, code: str, raw: str, reason: str) -> None:
    """Change one town's target; a confirmed contract must then be confirmed again."""
    record = await published_record(year)
    town = await _town(town_id)
    indicator = next((i for i in record.plan.for_town_type(town.town_type) if i.code == code), None)
    if indicator is None or indicator.method != Method.attainment:
        raise Invalid("该指标没有可调整的目标", {"indicator": "请选择本乡镇的目标类指标"})
    value = parse_number(raw)
    problems = {}
    if value is None or math.isnan(value) or value <= 0 or value > indicator.maximum * 4:
        problems["target"] = "目标值应为正数"
    if len(reason.strip()) < 4:
        problems["reason"] = "请写明调整理由（至少 4 个字）"
    if problems:
        raise Invalid("目标未调整", problems)
    async with repository.transaction():
        if not await repository.set_target(
            record.id, town_id, code, float(value or 0), reason.strip()[:MAX_NOTE]
        ):
            raise NotFound("该乡镇没有这个指标的目标")
        await repository.delete_acceptance(record.id, town_id)


async def confirm_contract(year: int, town_id: int, by: str) -> None:
    record = await published_record(year)
    targets = await repository.targets(record.id, town_id)
    if targets.is_empty():
        raise NotFound("该乡镇没有责任书")
    if town_id in await repository.acceptances(record.id):
        raise Conflict("责任书已确认")
    await repository.insert_acceptance(record.id, town_id, by, _digest(targets))


# ---- quarterly reporting ----------------------------------------------------------------


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


# ---- imports from other systems -----------------------------------------------------------


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


# ---- 核查 -----------------------------------------------------------------------------------


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


# ---- scores -------------------------------------------------------------------------------


async def effective_values(record: PlanRecord) -> pl.DataFrame:
    """The value that counts per town, indicator and quarter: the indicator's own source
    (the town's report, or the system it is imported from), corrected where the office
    corrected it; the leadership team's 360 where the plan takes it."""
    values = await repository.values(record.id)
    sources = pl.DataFrame(
        {
            "indicator": [i.code for i in record.plan.indicators],
            "source": [str(i.source) for i in record.plan.indicators],
        }
    )
    counted = values.join(sources, on=["indicator", "source"]).select(
        "town_id",
        "indicator",
        "quarter",
        value=pl.coalesce("corrected", "value"),
    )
    if any(i.source == Source.team360 for i in record.plan.indicators):
        team = await feeds.leadership_scores(record.plan.year)
        counted = pl.concat([counted, team.select(counted.columns)]).unique(
            ["town_id", "indicator", "quarter"], keep="first"
        )
    return counted


def settled_quarters(plan: Plan, values: pl.DataFrame, towns: list[TownRecord]) -> list[int]:
    """Quarters that are scored: those whose deadline has passed, and an open one once every
    town has sent everything due — a quarter still being filled would count the towns that
    have not sent yet as zero."""
    on = today()
    reported = values.filter(pl.col("source") == "town")
    settled = []
    for quarter in sorted(set(values["quarter"].to_list())):
        if plan.deadline(quarter) < on:
            settled.append(quarter)
            continue
        sent = reported.filter(pl.col("quarter") == quarter)
        due = sum(len(town_indicators(plan, t.town_type, quarter)) for t in towns)
        if due and sent.height >= due:
            settled.append(quarter)
    return settled


async def scored(record: PlanRecord) -> tuple[Scores, list[int]]:
    town_list = await repository.towns()
    quarters = settled_quarters(record.plan, await repository.values(record.id), town_list)
    values = (await effective_values(record)).filter(pl.col("quarter").is_in(quarters))
    towns = pl.DataFrame(
        {"town_id": [t.id for t in town_list], "town_type": [t.town_type for t in town_list]},
        schema={"town_id": pl.Int64, "town_type": pl.String},
    )
    targets = await repository.targets(record.id)
    return score(record.plan, values, targets, towns, quarters), quarters


def _town_scores(scores: Scores, towns: list[TownRecord], quarter: int) -> list[TownScore]:
    names = {t.id: t for t in towns}
    dims = scores.dimensions.filter(pl.col("quarter") == quarter)
    by_town: dict[int, dict[str, float]] = {}
    for town_id, dimension, value in dims.select("town_id", "dimension", "score").iter_rows():
        by_town.setdefault(town_id, {})[dimension] = value
    trend: dict[int, list[float | None]] = {}
    for town_id, q, total in scores.totals.select("town_id", "quarter", "total").iter_rows():
        trend.setdefault(town_id, [None] * 4)[q - 1] = total
    rows = scores.totals.filter(pl.col("quarter") == quarter).sort("town_type", "rank")
    return [
        TownScore(
            town_id=r["town_id"],
            name=names[r["town_id"]].name,
            town_type=r["town_type"],
            total=r["total"],
            rank=r["rank"],
            of=r["of"],
            red=r["red"] or 0,
            yellow=r["yellow"] or 0,
            dimensions=by_town.get(r["town_id"], {}),
            trend=trend.get(r["town_id"], [None] * 4),
        )
        for r in rows.iter_rows(named=True)
        if r["town_id"] in names
    ]


async def composite_rows(
    record: PlanRecord, scores: Scores, towns: list[TownRecord]
) -> list[CompositeRow]:
    """The year-end composite, once the fourth quarter is scored."""
    year_end = scores.totals.filter(pl.col("quarter") == 4)
    if year_end.is_empty():
        return []
    satisfaction = await feeds.resident_satisfaction(record.plan.year)
    frame = composite(record.plan, year_end, await repository.adjustments(record.id), satisfaction)
    names = {t.id: t.name for t in towns}
    return [
        CompositeRow(
            town_id=r["town_id"],
            name=names.get(r["town_id"], ""),
            town_type=r["town_type"],
            composite=r["composite"],
            rank=r["rank"],
            of=r["of"],
            indicators=r["indicators"],
            field_check=r["field_check"],
            satisfaction=r["satisfaction"],
            third_party=r["third_party"],
            missing=list(r["missing"]),
        )
        for r in frame.iter_rows(named=True)
    ]


async def bottlenecks(year: int, scores: Scores, quarter: int) -> list[Bottleneck]:
    """Indicators lagging in several towns now, with the earlier years they also lagged in."""

    def lagging(s: Scores, q: int) -> dict[str, list[int]]:
        rows = s.indicators.filter(
            pl.col("quarter") == q,
            pl.col("light") != "green",
            pl.col("method") != Method.rank,  # half the towns are always below the middle
        )
        grouped = rows.group_by("indicator").agg(pl.col("town_id").unique().sort())
        return {
            code: towns for code, towns in grouped.iter_rows() if len(towns) >= BOTTLENECK_TOWNS
        }

    now = lagging(scores, quarter)
    years: dict[str, list[int]] = {code: [year] for code in now}
    for earlier in await repository.published_years():
        if earlier >= year or not now:
            continue
        record = await repository.published(earlier)
        if record is None:
            continue
        past, quarters = await scored(record)
        if quarters:
            for code in lagging(past, quarters[-1]):
                if code in years:
                    years[code].insert(0, earlier)
    record = await published_record(year)
    names = {t.id: t.name for t in await repository.towns()}
    return sorted(
        (
            Bottleneck(
                code=code,
                name=record.plan.indicator(code).name,
                towns=[names.get(t, "") for t in towns],
                years=years[code],
            )
            for code, towns in now.items()
        ),
        key=lambda b: (-len(b.years), -len(b.towns)),
    )


async def board(year: int) -> Board:
    record = await published_record(year)
    scores, quarters = await scored(record)
    towns = await repository.towns()
    quarter = quarters[-1] if quarters else None
    values = await repository.values(record.id)
    return Board(
        year=year,
        quarter=quarter,
        record=record,
        towns=_town_scores(scores, towns, quarter) if quarter else [],
        bottlenecks=await bottlenecks(year, scores, quarter) if quarter else [],
        flagged=values.filter(pl.col("status") == "flagged").height,
        composite=await composite_rows(record, scores, towns),
    )


async def town_view(year: int, town_id: int, on: dt.date | None = None) -> TownView:
    record = await published_record(year)
    town = await _town(town_id)
    scores, quarters = await scored(record)
    towns = await repository.towns()
    quarter = quarters[-1] if quarters else None
    mine = (
        [s for s in _town_scores(scores, towns, quarter) if s.town_id == town_id] if quarter else []
    )
    statuses = dict(
        (await repository.values(record.id, town_id))
        .filter(pl.col("quarter") == (quarter or 0), pl.col("source") == "town")
        .select("indicator", "status")
        .iter_rows()
    )
    lines = [
        IndicatorLine(
            code=r["indicator"],
            name=record.plan.indicator(r["indicator"]).name,
            dimension=r["dimension"],
            unit=record.plan.indicator(r["indicator"]).unit,
            value=r["value"],
            target=r["target"],
            pro_rata=r["pro_rata"],
            attainment=r["attainment"],
            score=r["score"],
            light=r["light"],
            reason=r["reason"],
            status=statuses.get(r["indicator"]),
        )
        for r in scores.indicators.filter(
            pl.col("town_id") == town_id, pl.col("quarter") == (quarter or 0)
        ).iter_rows(named=True)
    ]
    on = on or today()
    open_q = open_quarter(record.plan, on)
    reported = 0
    due = 0
    if open_q:
        due_codes = {i.code for i in town_indicators(record.plan, town.town_type, open_q)}
        due = len(due_codes)
        mine_values = await repository.values(record.id, town_id)
        reported = mine_values.filter(
            pl.col("quarter") == open_q,
            pl.col("source") == "town",
            pl.col("indicator").is_in(list(due_codes)),
        ).height
    composite_list = [
        c for c in await composite_rows(record, scores, towns) if c.town_id == town_id
    ]
    return TownView(
        year=year,
        quarter=quarter,
        record=record,
        town_id=town.id,
        town_name=town.name,
        town_type=town.town_type,
        score=mine[0] if mine else None,
        lines=sorted(
            lines, key=lambda line: ({"red": 0, "yellow": 1}.get(line.light, 2), line.dimension)
        ),
        open_quarter=open_q,
        deadline=record.plan.deadline(open_q) if open_q else None,
        reported=reported,
        due=due,
        confirmed=town_id in await repository.acceptances(record.id),
        composite=composite_list[0] if composite_list else None,
    )


async def set_year_end(
    year: int, town_id: int, field_check: str, third_party: str, by: str
) -> None:
    record = await published_record(year)
    await _town(town_id)
    problems = {}
    parsed = {}
    for name, raw in (("field_check", field_check), ("third_party", third_party)):
        value = parse_number(raw)
        if value is not None and (math.isnan(value) or not 0 <= value <= 100):
            problems[name] = "请填写 0–100 之间的分数"
        parsed[name] = value
    if problems:
        raise Invalid("年终评分未保存", problems)
    await repository.set_adjustment(
        record.id, town_id, parsed["field_check"], parsed["third_party"], by
    )


# ---- small reads for the pages -----------------------------------------------------------


async def published_years() -> list[int]:
    return await repository.published_years()


async def plan_record(plan_id: int) -> PlanRecord:
    return await repository.plan(plan_id)


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


async def public_results(year: int) -> PublicResults:
    """Published to everyone once the year is complete (all four quarters scored)."""
    record = await repository.published(year)
    if record is None:
        raise NotFound("没有这一年度公布的乡镇考核结果")
    scores, quarters = await scored(record)
    if 4 not in quarters:
        raise NotFound(f"{year} 年度乡镇考核尚未结束，结果年终公布")
    towns = await repository.towns()
    composites = {c.town_id: c for c in await composite_rows(record, scores, towns)}
    rows = []
    for town in _town_scores(scores, towns, 4):
        final = composites.get(town.town_id)
        rows.append(
            PublicTown(
                town_id=town.town_id,
                name=town.name,
                town_type=town.town_type,
                dimensions=town.dimensions,
                total=town.total,
                composite=final.composite if final else None,
                rank=final.rank if final else town.rank,
                of=final.of if final else town.of,
            )
        )
    return PublicResults(
        year=year, title=record.plan.title, towns=rows, years=await finished_years()
    )


async def finished_years() -> list[int]:
    """Years whose fourth quarter is scored: their results are public."""
    finished = []
    for year in await repository.published_years():
        record = await repository.published(year)
        if record is not None and 4 in (await scored(record))[1]:
            finished.append(year)
    return finished


async def towns() -> list[TownRecord]:
    return await repository.towns()
