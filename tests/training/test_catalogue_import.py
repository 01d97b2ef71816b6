"""Catalogue rows: a good sheet goes in whole; every bad row is named, in Chinese."""

from __future__ import annotations

from datetime import date

import polars as pl

from training.catalogue.importing import check_offering, check_sheet

COMPETENCIES = {"数字化治理能力": "digital", "digital": "digital", "为民服务": "service"}
TOWNS = {"杨柳镇": 1}


def test_a_good_sheet_is_read_whole() -> None:
    sheet = pl.DataFrame(
        {
            "名称": ["数字乡村实训", "窗口服务演练"],
            "类型": ["专题培训", "专题培训"],
            "针对能力": ["数字化治理能力", "为民服务、digital"],
            "地点乡镇": ["杨柳镇", ""],
            "日期": ["2027-03-01", "2027-03-08"],
            "座位": [30, 20],
            "费用": [200, None],
        }
    )
    rows, problems = check_sheet(sheet, COMPETENCIES, TOWNS)
    assert problems == {}
    assert rows[0].competencies == {"digital": 1.0} and rows[0].venue_town == 1
    assert rows[1].competencies == {"service": 1.0, "digital": 1.0}
    assert rows[1].day == date(2027, 3, 8) and rows[1].fee == 0.0


def test_every_bad_row_is_named_and_nothing_is_kept() -> None:
    sheet = pl.DataFrame(
        {
            "名称": ["", "好课", "好课二"],
            "针对能力": ["为民服务", "飞行", "为民服务"],
            "日期": ["2027-03-01", "下周", "2027-03-01"],
            "座位": ["20", "0", "12.5"],
        }
    )
    rows, problems = check_sheet(sheet, COMPETENCIES, TOWNS)
    assert rows == []
    assert set(problems) == {"第 2 行", "第 3 行", "第 4 行"}
    assert "请填写名称" in problems["第 2 行"]
    assert "未知能力：飞行" in problems["第 3 行"] and "日期应为" in problems["第 3 行"]
    assert "座位应为 1–1000 的整数" in problems["第 4 行"]
    assert check_sheet(pl.DataFrame({"名称": ["x"]}), COMPETENCIES, TOWNS)[1] == {
        "文件": "缺少必需的列：针对能力、日期、座位"
    }
    fields, errors = check_offering(
        {
            "title": "x",
            "competencies": "为民服务",
            "day": "2027-01-01",
            "capacity": "5",
            "fee": "-3",
        },
        COMPETENCIES,
        TOWNS,
    )
    assert fields is None and errors == {"fee": "费用应为不小于 0 的数字（元）"}
