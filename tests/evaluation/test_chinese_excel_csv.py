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
