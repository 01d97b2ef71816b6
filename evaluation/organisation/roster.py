"""Roster files: one row per cadre, with the cadre's town and direct leaders.

A county keeps its 花名册 as a spreadsheet; the import reads it with polars (CSV or .xlsx),
checks every row with vectorised rules, and reports every bad row with its spreadsheet row
number and a reason in Chinese. Nothing here touches the database: `validate_roster` and
`plan_changes` are pure, so the same rules serve the CLI, the web preview and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from evaluation.errors import Invalid
from evaluation.infra.spreadsheets import Limits, read_table
from evaluation.organisation.contacts import (
    EMAIL_MAX,
    EMAIL_PATTERN,
    EMAIL_PROBLEM,
    PHONE_NOISE,
    PHONE_PATTERN,
    PHONE_PREFIX,
    PHONE_PROBLEM,
)
from evaluation.organisation.vocabulary import TOWN_TYPE_LABELS, TOWN_TYPE_SPELLINGS

# key -> (Chinese header, required, English alias)
COLUMNS: dict[str, tuple[str, bool, str]] = {
    "town_id": ("乡镇编码", True, "town_id"),
    "town_name": ("乡镇名称", True, "town_name"),
    "town_type": ("乡镇类型", True, "town_type"),
    "latitude": ("纬度", False, "latitude"),
    "longitude": ("经度", False, "longitude"),
    "cadre_id": ("干部编号", True, "cadre_id"),
    "name": ("姓名", True, "name"),
    "position": ("职务", True, "position"),
    "rank": ("职级", False, "rank"),
    "active": ("在职", False, "active"),
    "leader_ids": ("直接领导编号", False, "leader_ids"),
    "phone": ("手机号", False, "phone"),
    "email": ("电子邮箱", False, "email"),
}

HEADER = {key: spec[0] for key, spec in COLUMNS.items()}


def template_frame() -> pl.DataFrame:
    """The roster template an office downloads: the header and one example row."""
    example = {
        "town_id": "T001",
        "town_name": "塔山镇",
        "town_type": "农业乡镇",
        "latitude": "28.96",
        "longitude": "117.12",
        "cadre_id": "T001-001",
        "name": "张三",
        "position": "党委书记",
        "rank": "正科级",
        "active": "是",
        "leader_ids": "",
        "phone": "13800000000",
        "email": "zhangsan@example.gov.cn",
    }
    return pl.DataFrame([{HEADER[k]: v for k, v in example.items()}])


TRUE_WORDS = ("是", "在职", "1", "true", "yes", "y")
FALSE_WORDS = ("否", "离职", "不在职", "0", "false", "no", "n")
ID_PATTERN = r"^[A-Za-z0-9_\-]{1,32}$"
FIRST_DATA_ROW = 2  # spreadsheet row of the first data line (row 1 is the header)
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RosterCheck:
    rows: pl.DataFrame  # normalised rows, one per cadre (meaningful only when problems is empty)
    problems: pl.DataFrame  # row, column, message

    @property
    def ok(self) -> bool:
        return self.problems.is_empty()


def read_roster(content: bytes, filename: str) -> pl.DataFrame:
    """Read a roster (.xlsx, .xls, WPS or CSV in UTF-8/GBK) into a frame of strings keyed
    by column key, under the spreadsheet reader's limits. Blocking: call it in a thread."""
    names = [name for label, _required, alias in COLUMNS.values() for name in (label, alias)]
    return normalise_headers(read_table(content, filename, Limits(rows=MAX_ROWS + 1), names))


def normalise_headers(frame: pl.DataFrame) -> pl.DataFrame:
    by_header = {}
    for key, (label, _required, alias) in COLUMNS.items():
        by_header[label] = key
        by_header[alias] = key
    renames = {c: by_header[c.strip()] for c in frame.columns if c.strip() in by_header}
    missing = [
        label
        for key, (label, required, _) in COLUMNS.items()
        if required and key not in renames.values()
    ]
    if missing:
        raise Invalid(
            "花名册缺少必需的列：" + "、".join(missing),
            {"file": "表头需包含：" + "、".join(HEADER.values())},
        )
    if frame.height > MAX_ROWS:
        raise Invalid(f"花名册行数超过上限 {MAX_ROWS}", {"file": "请分批导入"})
    frame = frame.select([pl.col(src).alias(dst) for src, dst in renames.items()])
    for key in COLUMNS:
        if key not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(key))
    return frame.select(
        [pl.col(k).cast(pl.String).str.strip_chars().replace("", None).alias(k) for k in COLUMNS]
    )


def validate_roster(
    frame: pl.DataFrame, known_cadre_ids: frozenset[str] = frozenset()
) -> RosterCheck:
    """Check every row; `known_cadre_ids` are cadres already stored (valid leader targets)."""
    df = frame.with_columns(
        [pl.col(k).cast(pl.String).str.strip_chars().replace("", None) for k in COLUMNS]
    )
    df = df.with_row_index("row", offset=FIRST_DATA_ROW).with_columns(
        town_type_code=pl.col("town_type").replace_strict(
            TOWN_TYPE_SPELLINGS, default=None, return_dtype=pl.String
        ),
        lat=pl.col("latitude").cast(pl.Float64, strict=False),
        lon=pl.col("longitude").cast(pl.Float64, strict=False),
        active_flag=pl.when(
            pl.col("active").is_null() | pl.col("active").str.to_lowercase().is_in(TRUE_WORDS)
        )
        .then(True)
        .when(pl.col("active").str.to_lowercase().is_in(FALSE_WORDS))
        .then(False),
        phone=pl.col("phone").str.replace_all(PHONE_NOISE, "").str.replace(PHONE_PREFIX, ""),
        email=pl.col("email").str.to_lowercase(),
        leaders=pl.col("leader_ids")
        .str.replace_all(r"[；;，,、\s]+", ";")
        .str.strip_chars(";")
        .str.split(";")
        .list.eval(pl.element().filter(pl.element() != ""))
        .fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )
    rules: list[pl.DataFrame] = []

    def rule(condition: pl.Expr, column: str, message: pl.Expr | str) -> None:
        msg = pl.lit(message) if isinstance(message, str) else message
        rules.append(
            df.filter(condition).select(
                "row", pl.lit(HEADER.get(column, column)).alias("column"), msg.alias("message")
            )
        )

    for key, (label, required, _) in COLUMNS.items():
        if required:
            rule(pl.col(key).is_null(), key, f"缺少“{label}”")
    rule(
        pl.col("town_type").is_not_null() & pl.col("town_type_code").is_null(),
        "town_type",
        pl.format("乡镇类型“{}”无法识别，应为：", pl.col("town_type"))
        + pl.lit("、".join(TOWN_TYPE_LABELS.values())),
    )
    for key, low, high, word in (("lat", 3.0, 54.0, "latitude"), ("lon", 73.0, 136.0, "longitude")):
        label = HEADER[word]
        rule(
            pl.col(word).is_not_null()
            & (pl.col(key).is_null() | ~pl.col(key).is_between(low, high)),
            word,
            pl.format(f"{label}“{{}}”不是 {low:g}～{high:g} 之间的数字", pl.col(word)),
        )
    rule(
        pl.col("active_flag").is_null(),
        "active",
        pl.format("在职“{}”应填 是 或 否", pl.col("active")),
    )
    for key in ("cadre_id", "town_id"):
        rule(
            pl.col(key).is_not_null() & ~pl.col(key).str.contains(ID_PATTERN),
            key,
            pl.format(
                f"{HEADER[key]}“{{}}”只能包含字母、数字、下划线或连字符（最多 32 位）",
                pl.col(key),
            ),
        )
    for key, limit in (("name", 32), ("town_name", 64), ("position", 32), ("rank", 16)):
        rule(pl.col(key).str.len_chars() > limit, key, f"“{HEADER[key]}”超过 {limit} 个字符")
    rule(
        pl.col("phone").is_not_null() & ~pl.col("phone").str.contains(PHONE_PATTERN),
        "phone",
        pl.format(f"手机号“{{}}”{PHONE_PROBLEM}", pl.col("phone")),
    )
    rule(
        pl.col("email").is_not_null()
        & (
            ~pl.col("email").str.contains(EMAIL_PATTERN)
            | (pl.col("email").str.len_chars() > EMAIL_MAX)
        ),
        "email",
        pl.format(f"电子邮箱“{{}}”{EMAIL_PROBLEM}", pl.col("email")),
    )
    _rule_duplicates(df, rules)
    _rule_town_consistency(df, rules)
    _rule_leaders(df, known_cadre_ids, rules)

    problems = (
        pl.concat(rules).unique(maintain_order=True).sort("row", maintain_order=True)
        if rules
        else pl.DataFrame(schema={"row": pl.UInt32, "column": pl.String, "message": pl.String})
    )
    rows = df.select(
        "row",
        "town_id",
        "town_name",
        pl.col("town_type_code").alias("town_type"),
        pl.col("lat").alias("latitude"),
        pl.col("lon").alias("longitude"),
        "cadre_id",
        "name",
        "position",
        pl.col("rank").fill_null(""),
        pl.col("active_flag").alias("active"),
        "phone",
        "email",
        "leaders",
    )
    return RosterCheck(rows=rows, problems=problems)


def _rule_duplicates(df: pl.DataFrame, rules: list[pl.DataFrame]) -> None:
    rules.append(
        df.filter(pl.col("cadre_id").is_not_null())
        .with_columns(first_row=pl.col("row").min().over("cadre_id"))
        .filter(pl.col("row") != pl.col("first_row"))
        .select(
            "row",
            pl.lit(HEADER["cadre_id"]).alias("column"),
            pl.format(
                "干部编号“{}”重复（与第 {} 行相同）", pl.col("cadre_id"), pl.col("first_row")
            ).alias("message"),
        )
    )


def _rule_town_consistency(df: pl.DataFrame, rules: list[pl.DataFrame]) -> None:
    """All rows of one town must agree on its name, type and coordinates."""
    for key in ("town_name", "town_type_code", "lat", "lon"):
        first = pl.col(key).first().over("town_id", order_by="row")
        label = HEADER.get(
            key, {"town_type_code": "乡镇类型", "lat": "纬度", "lon": "经度"}.get(key, key)
        )
        rules.append(
            df.filter(
                pl.col("town_id").is_not_null() & first.is_not_null() & pl.col(key).is_not_null()
            )
            .filter(pl.col(key) != first)
            .select(
                "row",
                pl.lit(label).alias("column"),
                pl.format(f"同一乡镇“{{}}”的{label}与前面的行不一致", pl.col("town_id")).alias(
                    "message"
                ),
            )
        )


def _rule_leaders(df: pl.DataFrame, known: frozenset[str], rules: list[pl.DataFrame]) -> None:
    links = (
        df.select("row", "cadre_id", pl.col("leaders").alias("leader"))
        .explode("leader")
        .drop_nulls("leader")
    )
    in_file = df.get_column("cadre_id").drop_nulls()
    valid_targets = pl.concat([in_file, pl.Series(sorted(known), dtype=pl.String)])
    column = pl.lit(HEADER["leader_ids"]).alias("column")
    rules.append(
        links.filter(~pl.col("leader").is_in(valid_targets.implode())).select(
            "row",
            column,
            pl.format("直接领导编号“{}”在花名册中不存在", pl.col("leader")).alias("message"),
        )
    )
    rules.append(
        links.filter(pl.col("leader") == pl.col("cadre_id")).select(
            "row", column, pl.lit("干部不能是自己的直接领导").alias("message")
        )
    )
