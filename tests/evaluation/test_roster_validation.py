"""Roster validation is pure: table-driven cases for each rule, hypothesis for robustness."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.errors import Invalid
from evaluation.organisation.roster import FIRST_DATA_ROW, HEADER, read_roster, validate_roster
from tests.factories import roster_frame, to_csv, to_xlsx


@pytest.fixture(scope="module")
def roster() -> pl.DataFrame:
    return roster_frame(towns=2, per_town=15)


def with_cell(frame: pl.DataFrame, index: int, column: str, value: str | None) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) == index)
        .then(pl.lit(value, dtype=pl.String))
        .otherwise(pl.col(column))
        .alias(column)
    )


def test_demo_roster_is_valid(roster: pl.DataFrame) -> None:
    check = validate_roster(roster)
    assert check.ok, check.problems.to_dicts()
    assert check.rows.height == roster.height


@pytest.mark.parametrize(
    ("column", "value", "expected_column", "expected"),
    [
        ("name", None, "姓名", "缺少“姓名”"),
        ("cadre_id", None, "干部编号", "缺少“干部编号”"),
        ("town_type", "沿海", "乡镇类型", "乡镇类型“沿海”无法识别"),
        ("latitude", "北纬", "纬度", "纬度“北纬”不是"),
        ("longitude", "200", "经度", "经度“200”不是"),
        ("active", "也许", "在职", "在职“也许”应填 是 或 否"),
        ("cadre_id", "含 空格", "干部编号", "只能包含字母、数字"),
        ("leader_ids", "NOBODY", "直接领导编号", "直接领导编号“NOBODY”在花名册中不存在"),
        ("name", "名" * 40, "姓名", "“姓名”超过 32 个字符"),
    ],
)
def test_each_rule_reports_row_column_and_reason(
    roster: pl.DataFrame, column: str, value: str | None, expected_column: str, expected: str
) -> None:
    index = 5
    check = validate_roster(with_cell(roster, index, column, value))
    assert not check.ok
    hits = check.problems.filter(pl.col("row") == index + FIRST_DATA_ROW)
    assert expected_column in hits["column"].to_list()
    assert any(expected in m for m in hits["message"]), hits.to_dicts()


def test_self_leadership_is_refused(roster: pl.DataFrame) -> None:
    own_id = roster["cadre_id"][4]
    check = validate_roster(with_cell(roster, 4, "leader_ids", own_id))
    assert check.problems.filter(pl.col("row") == 4 + FIRST_DATA_ROW)["message"].to_list() == [
        "干部不能是自己的直接领导"
    ]


def test_duplicate_id_points_at_first_occurrence(roster: pl.DataFrame) -> None:
    frame = pl.concat([roster, roster.slice(3, 1)])
    check = validate_roster(frame)
    assert check.problems.to_dicts() == [
        {
            "row": frame.height - 1 + FIRST_DATA_ROW,
            "column": "干部编号",
            "message": f"干部编号“{roster['cadre_id'][3]}”重复（与第 {3 + FIRST_DATA_ROW} 行相同）",
        }
    ]


def test_town_rows_must_agree(roster: pl.DataFrame) -> None:
    check = validate_roster(with_cell(roster, 6, "town_name", "别名镇"))
    assert check.problems.filter(pl.col("row") == 6 + FIRST_DATA_ROW)["message"].to_list() == [
        "同一乡镇“T001”的乡镇名称与前面的行不一致"
    ]


def test_leader_may_be_an_already_stored_cadre(roster: pl.DataFrame) -> None:
    frame = with_cell(roster, 5, "leader_ids", "STORED-1")
    assert not validate_roster(frame).ok
    assert validate_roster(frame, known_cadre_ids=frozenset({"STORED-1"})).ok


def test_chinese_type_labels_and_separators_are_accepted(roster: pl.DataFrame) -> None:
    leaders = f"{roster['cadre_id'][0]}，{roster['cadre_id'][1]}"
    frame = with_cell(with_cell(roster, 7, "town_type", "农业乡镇"), 7, "leader_ids", leaders)
    frame = frame.with_columns(pl.lit("农业乡镇").alias("town_type"))
    check = validate_roster(frame)
    assert check.ok, check.problems.to_dicts()
    assert check.rows["leaders"][7].to_list() == [roster["cadre_id"][0], roster["cadre_id"][1]]


def test_every_bad_row_is_reported_not_just_the_first(roster: pl.DataFrame) -> None:
    frame = roster
    bad = [2, 6, 11, 20]
    for index in bad:
        frame = with_cell(frame, index, "name", None)
    check = validate_roster(frame)
    assert sorted(check.problems["row"].unique().to_list()) == [i + FIRST_DATA_ROW for i in bad]


@pytest.mark.parametrize("writer", [to_xlsx, to_csv])
def test_files_round_trip(roster: pl.DataFrame, writer) -> None:  # type: ignore[no-untyped-def]
    suffix = "xlsx" if writer is to_xlsx else "csv"
    frame = read_roster(writer(roster), f"roster.{suffix}")
    assert frame.equals(roster)


def test_a_csv_saved_by_chinese_excel_is_read(roster: pl.DataFrame) -> None:
    gbk = roster.rename(HEADER).write_csv().encode("gb18030")  # what Excel saves on a Chinese PC
    assert read_roster(gbk, "花名册.csv").equals(roster)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"\x00\x01garbage", "roster.xlsx", "不是有效的表格文件"),
        (b"a,b\n1,2\n", "roster.csv", "花名册缺少必需的列"),
        ("乡镇编码\n".encode("gbk") + b"\xff\xfe", "roster.csv", "编码无法识别"),
        (b"whatever", "roster.pdf", "只支持"),
    ],
)
def test_unreadable_files_get_a_clear_message(content: bytes, filename: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        read_roster(content, filename)


cell = st.one_of(
    st.none(), st.text(max_size=40), st.sampled_from(["", " ", "是", "T001", "1e9", "nan"])
)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_corrupted_rows_are_reported_and_never_crash(
    roster: pl.DataFrame, data: st.DataObject
) -> None:
    """Any cell replaced by anything: validation returns; each corrupted required cell is named."""
    frame = roster
    columns = [c for c in roster.columns if c != "leader_ids"]
    for _ in range(data.draw(st.integers(1, 5))):
        index = data.draw(st.integers(0, roster.height - 1))
        frame = with_cell(frame, index, data.draw(st.sampled_from(columns)), data.draw(cell))
    check = validate_roster(frame)
    assert set(check.problems.columns) == {"row", "column", "message"}
    missing_names = frame.with_row_index("i").filter(
        pl.col("name").is_null() | (pl.col("name").str.strip_chars() == "")
    )
    for index in missing_names["i"]:
        reported = check.problems.filter(pl.col("row") == index + FIRST_DATA_ROW)["column"]
        assert "姓名" in reported.to_list()


@settings(max_examples=40, deadline=None)
@given(content=st.binary(max_size=300), suffix=st.sampled_from(["csv", "xlsx", "txt"]))
def test_arbitrary_bytes_give_invalid_not_a_crash(content: bytes, suffix: str) -> None:
    try:
        frame = read_roster(content, f"f.{suffix}")
    except Invalid as exc:
        assert exc.message
    else:
        validate_roster(frame)
