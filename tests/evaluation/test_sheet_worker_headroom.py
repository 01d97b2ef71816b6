"""The spreadsheet parser's memory limit must measure the file, not the machine.

A CI run once refused a 30-row roster as "表格过大或结构异常": the child's address space
(mostly thread and malloc-arena reservations, one per core) had reached ~1.0 GiB against a
1 GiB limit. A small workbook must parse with a wide margin — here under a quarter of the
limit, several times in a row — or the limit is a coin toss."""

from __future__ import annotations

from evaluation.infra.spreadsheets import WORKER_MEMORY_BYTES, parse_in_child
from tests.factories import roster_frame, to_xlsx


def test_a_small_workbook_parses_well_inside_the_memory_limit() -> None:
    workbook = to_xlsx(roster_frame(2, 15))
    for _ in range(3):
        frame = parse_in_child(workbook, memory=WORKER_MEMORY_BYTES // 2)
        assert frame.height == 30
        assert "干部编号" in frame.columns
