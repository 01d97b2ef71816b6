"""Values from other systems and from training — the scorecard's import interface: a file or
a frame becomes indicator values through the source's mapping, whole or not at all, once per
source and quarter; the quarter's checks run again afterwards."""

from __future__ import annotations

import asyncio

import msgspec
import polars as pl

from evaluation import clock
from evaluation.errors import Invalid
from evaluation.infra.spreadsheets import Limits, read_table
from evaluation.scorecard import import_store, repository, value_store
from evaluation.scorecard.plans import published_record
from evaluation.scorecard.reporting import recheck
from evaluation.scorecard.schemas import (
    ImportRecord,
    PlanRecord,
)
from evaluation.scorecard.sources import VALUE_COLUMNS, load_mapping, parse_source


class ImportResult(msgspec.Struct, frozen=True):
    source: str
    quarters: list[int]
    towns: int
    values: int
    records: int
    replaced: list[int] = []  # quarters whose earlier import this one took the place of


def read_source_file(content: bytes, filename: str) -> pl.DataFrame:
    """CSV, Excel or JSON (a list of objects). Blocking: run it in a thread."""
    stripped = content.lstrip()
    if filename.lower().endswith(".json") or stripped[:1] in (b"[", b"{"):
        try:
            rows = msgspec.json.decode(content)
        except (msgspec.DecodeError, RecursionError):  # malformed, or nested past reason
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
    year: int, source: str, filename: str, frame: pl.DataFrame, by: str, first_row: int = 2
) -> ImportResult:
    """Values from one source file (or push), whole or not at all. A quarter imported
    before is replaced — its earlier import kept as history — until the quarter settles
    (its reporting deadline passes); after that corrections go through 核查."""
    record = await published_record(year)
    mapping = load_mapping(source)
    town_list = await repository.towns()
    names = {t.name: t.id for t in town_list} | {t.external_id: t.id for t in town_list}
    values = parse_source(mapping, record.plan, frame, names, first_row)
    quarters = sorted(set(values["quarter"].to_list()))
    async with repository.transaction():
        # two imports of one source at once take turns here (SQLite's writer already does)
        await import_store.lock_source(record.id, source)
        live = await import_store.imported_quarters(record.id, source)
        already = sorted(set(quarters) & live)
        _refuse_replacing(record, mapping.name, already, quarters, live)
        values = await _carry_year_to_date(record, source, values, min(quarters))
        if already:
            await import_store.replace_imported(record.id, source, already, by)
        await value_store.insert_imported(record.id, source, values, by)
        for quarter in quarters:
            await import_store.insert_import(record.id, source, quarter, filename, frame.height, by)
        for quarter in quarters:
            await recheck(record, quarter)
    return ImportResult(
        source=source,
        quarters=quarters,
        towns=values["town_id"].n_unique(),
        values=values.height,
        records=frame.height,
        replaced=already,
    )


def _refuse_replacing(
    record: PlanRecord, name: str, already: list[int], quarters: list[int], live: set[int]
) -> None:
    """A settled quarter keeps its import; an open one may be replaced unless a later
    quarter of the source was imported after it (its year-to-date figures continue from
    this one: replace from the earliest quarter on, in one file)."""
    on = clock.today()
    settled = [q for q in already if record.plan.deadline(q) < on]
    if settled:
        raise Invalid(
            f"{name}第 {'、'.join(map(str, settled))} 季度已结算"
            f"（报送截止 {record.plan.deadline(settled[0]).isoformat()} 已过），未重复导入",
            {"季度": "已结算季度的导入数据不再替换；如数据有误，请在核查中更正"},
        )
    later = sorted(q for q in live if already and q > max(already) and q not in quarters)
    if later:
        raise Invalid(
            f"{name}第 {'、'.join(map(str, later))} 季度的数据在其后已经导入，未替换",
            {"季度": "累计数按季度接续：请从要更正的季度起，连同其后各季度一起重新导入"},
        )


async def _carry_year_to_date(
    record: PlanRecord, source: str, values: pl.DataFrame, first: int
) -> pl.DataFrame:
    """Counts of cumulative indicators continue from the quarter before the file's first."""
    cumulative = [i.code for i in record.plan.indicators if i.cumulative and i.source == source]
    if first == 1 or not cumulative:
        return values
    stored = (
        (await value_store.values(record.id))
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


async def import_pushed(
    year: int, source: str, kind: str, rows: list[dict[str, object]], by: str
) -> ImportResult:
    """Rows pushed by another system (the write API) as `kind` says they are: a `values`
    source's items (town, quarter, indicator, value, unit) or a `records` source's own rows —
    checked, whole or not at all, exactly like a file of theirs; problems name rows from 1."""
    mapping = load_mapping(source)
    if mapping.kind != kind:
        raise Invalid(
            f"{mapping.name}按{'指标值' if mapping.kind == 'values' else '原始记录'}推送",
            {"source": f"请推送到 /api/v1/scorecard/{{year}}/sources/{source}/{mapping.kind}"},
        )
    if not rows:
        raise Invalid("没有推送任何数据", {"source": "请至少推送一条"})
    if mapping.kind == "values":
        rows = [{VALUE_COLUMNS[k]: v for k, v in r.items()} for r in rows]
        schema: dict[str, pl.DataType] | None = {
            label: pl.String() for label in VALUE_COLUMNS.values()
        }
    else:
        schema = None
    frame = pl.DataFrame(
        [{str(k): _text(v) for k, v in r.items()} for r in rows],
        schema=schema,
        infer_schema_length=None,
    )
    return await import_frame(year, source, f"{mapping.name}接口推送", frame, by, first_row=1)


def _text(value: object) -> str | None:
    """A pushed field as a cell of a file would read (numbers keep their digits)."""
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    return str(value)


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
            replaced_at=r["replaced_at"],
            replaced_by=str(r["replaced_by"] or ""),
            replaced_values=len(msgspec.json.decode(r["replaced_values"] or "[]")),
        )
        for r in await import_store.imports(record.id)
    ]


MAX_SOURCE_RECORDS = 500_000
