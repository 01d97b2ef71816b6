"""Every import reads a CSV as Chinese Excel saves it (GB18030/GBK, no BOM) the same as its
UTF-8 twin: the roster, objective evidence, the scorecard's data sources and the training
catalogue all go through the one spreadsheet reader."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from evaluation.evidence.service import read_evidence_file
from evaluation.organisation.roster import read_roster
from evaluation.scorecard.imports import read_source_file
from training.catalogue.importing import read_sheet

ROSTER = "乡镇编码,乡镇名称,乡镇类型,纬度,经度,干部编号,姓名,职务,职级,在职,领导编号\nT001,塔山镇,农业乡镇,28.96,117.12,T001-001,张三,党委书记,正科级,是,\n"
EVIDENCE = "干部编号,期间,指标,数值\nT001-001,2026,急难任务主动承接次数,4\n"
SOURCE = "所属乡镇,办结率\n塔山镇,96.5\n"
CATALOGUE = "名称,针对能力,形式,讲师,座位,费用,日期\n矛盾纠纷化解专题培训,矛盾纠纷化解,案例研讨,市委党校 吴教授,40,400,2026-12-10\n"

READERS: list[tuple[str, Callable[[bytes, str], pl.DataFrame], str]] = [
    ("roster", read_roster, ROSTER),
    ("evidence", read_evidence_file, EVIDENCE),
    ("scorecard source", read_source_file, SOURCE),
    ("catalogue", read_sheet, CATALOGUE),
]


@pytest.mark.parametrize(("what", "read", "text"), READERS, ids=[r[0] for r in READERS])
def test_a_gbk_csv_reads_like_its_utf8_twin(
    what: str, read: Callable[[bytes, str], pl.DataFrame], text: str
) -> None:
    utf8 = read(text.encode("utf-8"), f"{what}.csv")
    gbk = read(text.encode("gb18030"), f"{what}.csv")
    assert gbk.equals(utf8)
    assert utf8.height == 1
    assert any(
        "塔山镇" in str(v) or "张三" in str(v) or "T001" in str(v) or "矛盾" in str(v)
        for v in utf8.row(0)
    )


TITLED = [reader for reader in READERS if reader[0] != "scorecard source"]


def xlsx(rows: list[list[str]]) -> bytes:
    """A workbook as an office makes it: rows as given, the first cell of a title row merged
    across the sheet's width."""
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    width = max(len(row) for row in rows)
    for r, row in enumerate(rows):
        if len(row) == 1 and width > 1:
            sheet.merge_range(r, 0, r, width - 1, row[0])
        else:
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


@pytest.mark.parametrize(("what", "read", "text"), TITLED, ids=[r[0] for r in TITLED])
def test_a_title_above_the_header_is_skipped(
    what: str, read: Callable[[bytes, str], pl.DataFrame], text: str
) -> None:
    """Offices put a title (often merged across the sheet) and a line such as the unit or the
    date above the header: the roster, evidence and catalogue imports find the header below
    them, in a workbook and in a CSV, and read the same rows as from the plain sheet."""
    plain = read(text.encode("utf-8"), f"{what}.csv")
    rows = [line.split(",") for line in text.strip().split("\n")]
    above = [["2026年度塔山镇" + what], ["填报单位：县委组织部", "", "日期：2026年11月"]]
    titled_csv = "\n".join(",".join(row) for row in above + rows) + "\n"
    assert read(titled_csv.encode("gb18030"), f"{what}.csv").equals(plain)
    assert read(xlsx(above + rows), f"{what}.xlsx").equals(read(xlsx(rows), f"{what}.xlsx"))
    assert read(xlsx(above + rows), f"{what}.xlsx").height == plain.height == 1


def test_a_sheet_without_its_header_is_still_refused_in_words() -> None:
    """No row near the top holds a header name: the import says which columns it needs."""
    with pytest.raises(Exception, match="缺少必需的列"):
        read_roster("2026年度名册\n张三,党委书记\n".encode(), "roster.csv")
