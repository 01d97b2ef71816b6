"""Values from other systems (12345 hotline, grid management, environmental monitoring,
training) — the scorecard's import interface.

One mapping file per source (`sources/*.toml`) says how its raw file becomes indicator values:
either `records` (one row per call, event or reading; a statistic per town and quarter, such as
the median hours from 受理 to 办结) or `values` (already one value per town, quarter and
indicator, with its unit). Pure: a frame of text columns in, a frame of values out, or Invalid
naming every problem — unknown towns, wrong units, duplicate quarters, dates outside the year,
unreadable numbers — so a bad file is refused whole.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path

import msgspec
import polars as pl

from evaluation.errors import Invalid
from evaluation.scorecard.plan import Plan

SOURCES_DIR = Path(__file__).resolve().parent / "sources"
MAX_PROBLEMS = 20
VALUE_COLUMNS = {
    "town": "乡镇",
    "quarter": "季度",
    "indicator": "指标",
    "value": "数值",
    "unit": "单位",
}


class Statistic(StrEnum):
    median_hours = "median_hours"  # median hours from `start` to `end`
    share = "share"  # percentage of records whose `column` equals `equals`
    events = "count"  # records whose `column` equals `equals` (all records without one)
    mean = "mean"  # mean of the numeric `column`


class Output(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    indicator: str
    statistic: Statistic
    unit: str
    start: str = ""
    end: str = ""
    column: str = ""
    equals: str = ""


class Mapping(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    source: str
    name: str
    kind: str  # "records" or "values"
    town_column: str = "乡镇"
    date_column: str = ""
    outputs: list[Output] = []


def load_mapping(source: str) -> Mapping:
    path = SOURCES_DIR / f"{source}.toml"
    if not path.exists():
        raise Invalid("未知的数据来源", {"source": source})
    return msgspec.convert(tomllib.loads(path.read_text(encoding="utf-8")), Mapping)


def known_sources() -> list[Mapping]:
    return [load_mapping(p.stem) for p in sorted(SOURCES_DIR.glob("*.toml"))]


def check_mapping(mapping: Mapping, plan: Plan) -> dict[str, str]:
    """A mapping's outputs must name indicators of the plan, in the plan's units."""
    problems = {}
    codes = {i.code: i for i in plan.indicators}
    for output in mapping.outputs:
        indicator = codes.get(output.indicator)
        if indicator is None:
            problems[output.indicator] = "不是本年度方案中的指标"
        elif indicator.unit != output.unit:
            problems[output.indicator] = f"单位为“{output.unit}”，方案要求“{indicator.unit}”"
    return problems


def parse_source(
    mapping: Mapping, plan: Plan, frame: pl.DataFrame, towns: dict[str, int], first_row: int = 2
) -> pl.DataFrame:
    """Indicator values (town_id, indicator, quarter, value) from a source file's rows.
    `towns` maps every town name (and code) of the roster to its id. Problems name rows
    from `first_row` (2 in a sheet under its header; 1 for a pushed list)."""
    problems = check_mapping(mapping, plan)
    if problems:
        raise Invalid("数据来源的映射与本年度方案不符", problems)
    frame = frame.with_row_index("_row", offset=first_row)
    if mapping.kind == "records":
        return _from_records(mapping, plan, frame, towns)
    return _from_values(mapping, plan, frame, towns)


def _add(found: dict[str, str], where: str, message: str) -> None:
    found[where] = f"{found[where]}；{message}" if where in found else message


def _problems(found: dict[str, str], title: str) -> None:
    if found:
        shown = dict(list(found.items())[:MAX_PROBLEMS])
        if len(found) > MAX_PROBLEMS:
            shown["…"] = f"另有 {len(found) - MAX_PROBLEMS} 处问题未列出"
        raise Invalid(f"{title}：共 {len(found)} 处问题，未导入任何数据", shown)


def _require(frame: pl.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise Invalid(
            "缺少必需的列：" + "、".join(missing),
            {"file": "表头需包含：" + "、".join(columns)},
        )


def _rows(frame: pl.DataFrame, mask: pl.Expr) -> list[int]:
    """The row numbers (`parse_source`'s `_row`) where `mask` holds."""
    return frame.filter(mask)["_row"].head(MAX_PROBLEMS).to_list()


def _town_ids(
    frame: pl.DataFrame, column: str, towns: dict[str, int], found: dict[str, str]
) -> pl.DataFrame:
    names = pl.col(column).cast(pl.String).str.strip_chars()
    frame = frame.with_columns(
        town_id=names.replace_strict(towns, default=None, return_dtype=pl.Int64)
    )
    unknown = frame.filter(pl.col("town_id").is_null())[column].unique().head(10).to_list()
    if unknown:
        _add(found, "乡镇", "花名册中没有这些乡镇：" + "、".join(str(u) for u in unknown))
    return frame


def _from_records(
    mapping: Mapping, plan: Plan, frame: pl.DataFrame, towns: dict[str, int]
) -> pl.DataFrame:
    needed = {mapping.town_column, mapping.date_column}
    for output in mapping.outputs:
        needed |= {c for c in (output.start, output.end, output.column) if c}
    _require(frame, sorted(needed))
    found: dict[str, str] = {}
    frame = _town_ids(frame, mapping.town_column, towns, found)
    times = {
        c: _parse_time(c)
        for c in {mapping.date_column}
        | {o.start for o in mapping.outputs if o.start}
        | {o.end for o in mapping.outputs if o.end}
    }
    frame = frame.with_columns(**{f"_t_{c}": e for c, e in times.items()})
    for column in times:
        bad = _rows(frame, pl.col(f"_t_{column}").is_null() & pl.col(column).is_not_null())
        if bad:
            _add(found, column, f"第 {'、'.join(map(str, bad))} 行的时间无法识别")
    dated = pl.col(f"_t_{mapping.date_column}")
    outside = _rows(frame, dated.dt.year() != plan.year)
    if outside:
        _add(
            found,
            mapping.date_column,
            f"第 {'、'.join(map(str, outside))} 行不在 {plan.year} 年度内",
        )
    for output in mapping.outputs:
        if output.statistic == Statistic.median_hours:
            backwards = _rows(frame, pl.col(f"_t_{output.end}") < pl.col(f"_t_{output.start}"))
            if backwards:
                _add(found, output.end, f"第 {'、'.join(map(str, backwards))} 行办结早于受理")
        if output.statistic == Statistic.mean:
            number = (
                pl.col(output.column)
                .cast(pl.String)
                .str.strip_chars()
                .cast(pl.Float64, strict=False)
            )
            bad = _rows(frame, number.is_null())
            if bad:
                _add(found, output.column, f"第 {'、'.join(map(str, bad))} 行不是数字")
    _problems(found, f"{mapping.name}数据有误")
    frame = frame.with_columns(quarter=dated.dt.quarter().cast(pl.Int32))
    grid = pl.DataFrame(
        {"town_id": sorted(set(towns.values()))}, schema={"town_id": pl.Int64}
    ).join(frame.select(pl.col("quarter").unique()), how="cross")
    parts = []
    for output in mapping.outputs:
        part = frame.group_by("town_id", "quarter").agg(value=_statistic(output))
        if output.statistic == Statistic.events:  # no records is a count of 0; totals run on
            part = grid.join(part, on=["town_id", "quarter"], how="left").with_columns(
                pl.col("value").fill_null(0.0)
            )
            if plan.indicator(output.indicator).cumulative:
                part = part.sort("quarter").with_columns(pl.col("value").cum_sum().over("town_id"))
        parts.append(part.with_columns(indicator=pl.lit(output.indicator)))
    values = pl.concat(parts, how="diagonal_relaxed")
    return _within_range(plan, values.select("town_id", "indicator", "quarter", "value"))


def _parse_time(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars().str.replace_all("/", "-")
    return pl.coalesce(
        text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False),
        text.str.to_datetime("%Y-%m-%d %H:%M", strict=False),
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False),
        text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
    )


def _statistic(output: Output) -> pl.Expr:
    match output.statistic:
        case Statistic.median_hours:
            span = pl.col(f"_t_{output.end}") - pl.col(f"_t_{output.start}")
            return (span.dt.total_seconds() / 3600).median()
        case Statistic.share:
            hit = pl.col(output.column).cast(pl.String).str.strip_chars() == output.equals
            return hit.mean() * 100
        case Statistic.events:
            if not output.column:
                return pl.len().cast(pl.Float64)
            hit = pl.col(output.column).cast(pl.String).str.strip_chars() == output.equals
            return hit.sum().cast(pl.Float64)
        case Statistic.mean:
            return pl.col(output.column).cast(pl.String).str.strip_chars().cast(pl.Float64).mean()


def _from_values(
    mapping: Mapping, plan: Plan, frame: pl.DataFrame, towns: dict[str, int]
) -> pl.DataFrame:
    _require(frame, list(VALUE_COLUMNS.values()))
    frame = frame.rename({label: key for key, label in VALUE_COLUMNS.items()})
    found: dict[str, str] = {}
    frame = _town_ids(frame, "town", towns, found)
    allowed = {o.indicator: o.unit for o in mapping.outputs}
    names = {i.name: i.code for i in plan.indicators if i.code in allowed}
    code = pl.col("indicator").cast(pl.String).str.strip_chars()
    frame = frame.with_columns(
        indicator=pl.when(code.is_in(list(names))).then(code.replace(names)).otherwise(code),
        quarter=pl.col("quarter")
        .cast(pl.String)
        .str.strip_chars()
        .str.replace_all("^第|季度$|^Q", "")
        .cast(pl.Int32, strict=False),
        value=pl.col("value").cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False),
        unit=pl.col("unit").cast(pl.String).str.strip_chars(),
    )
    stray = _rows(frame, ~pl.col("indicator").is_in(list(allowed)))
    if stray:
        _add(found, "指标", f"第 {'、'.join(map(str, stray))} 行的指标不属于{mapping.name}")
    units = pl.col("indicator").replace_strict(allowed, default=None, return_dtype=pl.String)
    wrong = _rows(frame, pl.col("indicator").is_in(list(allowed)) & (pl.col("unit") != units))
    if wrong:
        _add(
            found,
            "单位",
            f"第 {'、'.join(map(str, wrong))} 行的单位与方案不符（应为 "
            + "、".join(f"{plan.indicator(c).name}：{u}" for c, u in allowed.items())
            + "）",
        )
    bad_quarter = _rows(frame, ~pl.col("quarter").is_in([1, 2, 3, 4]) | pl.col("quarter").is_null())
    if bad_quarter:
        _add(found, "季度", f"第 {'、'.join(map(str, bad_quarter))} 行的季度应为 1–4")
    bad_value = _rows(frame, pl.col("value").is_null() | ~pl.col("value").is_finite())
    if bad_value:
        _add(found, "数值", f"第 {'、'.join(map(str, bad_value))} 行的数值不是数字")
    duplicated = _rows(
        frame,
        pl.struct("town", "indicator", "quarter").is_duplicated() & pl.col("town_id").is_not_null(),
    )
    if duplicated:
        _add(
            found,
            "重复",
            f"第 {'、'.join(map(str, duplicated))} 行重复：同一乡镇、指标、季度只能有一行",
        )
    _problems(found, f"{mapping.name}数据有误")
    return _within_range(plan, frame.select("town_id", "indicator", "quarter", "value"))


def _within_range(plan: Plan, values: pl.DataFrame) -> pl.DataFrame:
    bounds = pl.DataFrame(
        {
            "indicator": [i.code for i in plan.indicators],
            "name": [i.name for i in plan.indicators],
            "minimum": [i.minimum for i in plan.indicators],
            "maximum": [i.maximum for i in plan.indicators],
        }
    )
    checked = values.join(bounds, on="indicator", how="left")
    outside = checked.filter(
        (pl.col("value") < pl.col("minimum")) | (pl.col("value") > pl.col("maximum"))
    )
    if outside.height:
        first = outside.row(0, named=True)
        raise Invalid(
            f"有 {outside.height} 个数值超出指标的合理范围，未导入任何数据",
            {
                first[
                    "name"
                ]: f"{first['value']:g} 不在 {first['minimum']:g}–{first['maximum']:g} 之间"
            },
        )
    return values.with_columns(
        pl.col("town_id").cast(pl.Int64),
        pl.col("quarter").cast(pl.Int32),
        pl.col("value").cast(pl.Float64),
    ).sort("indicator", "town_id", "quarter")
