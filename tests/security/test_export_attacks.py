"""Formula injection: a cadre named "=HYPERLINK(…)" and a town named "@SUM(…)" in the roster
stay text in every Excel file the office downloads — no formula element in any sheet, and
the text kept whole, with Excel's quote prefix so it stays text when a cell is edited."""

from __future__ import annotations

import io
import re
import zipfile

import polars as pl
from litestar.testing import TestClient

from app.accounts import services
from evaluation.organisation.importing import import_frame
from tests.factories import (
    PASSWORD,
    answer_assignments,
    close_and_publish,
    login,
    open_cycle,
    roster_frame,
)

HOSTILE_NAME = '=HYPERLINK("http://x.cn","点我")'
HOSTILE_TOWN = "@SUM(1+1)*cmd|' /C calc'!A0"
OTHER_STARTS = ["+86-1234", "-2+3", "@A1"]


def sheets(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return {n: book.read(n).decode() for n in book.namelist() if n.endswith(".xml")}


def assert_text_only(content: bytes, *values: str) -> None:
    parts = sheets(content)
    cells = "".join(v for n, v in parts.items() if n.startswith("xl/worksheets/"))
    assert "<f>" not in cells and "<f " not in cells, "a formula in an exported sheet"
    strings = parts.get("xl/sharedStrings.xml", "")
    for value in values:
        escaped = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        assert escaped in strings or value in strings, f"{value!r} not kept as text"
    assert 'quotePrefix="1"' in parts["xl/styles.xml"]


async def test_formulas_in_the_roster_are_text_in_every_export(client: TestClient) -> None:
    frame = roster_frame()
    first_town = frame["town_id"][0]
    names = frame["name"].to_list()
    names[1 : 2 + len(OTHER_STARTS)] = [HOSTILE_NAME, *OTHER_STARTS]
    frame = frame.with_columns(
        pl.Series("name", names),
        pl.when(pl.col("town_id") == first_town)
        .then(pl.lit(HOSTILE_TOWN))
        .otherwise(pl.col("town_name"))
        .alias("town_name"),
    )
    await import_frame(frame, county_name="测试县")
    await services.create_user(
        username="office", password=PASSWORD, role="assessment_office", must_change_password=False
    )
    cycle_id = await open_cycle()
    await answer_assignments(cycle_id, every=2, varied=True)
    login(client, "office")
    overdue = client.get(f"/office/cycles/{cycle_id}/progress/overdue.xlsx")
    assert overdue.status_code == 200
    assert_text_only(overdue.content, HOSTILE_TOWN)

    await answer_assignments(cycle_id, varied=True)
    await close_and_publish(cycle_id)
    results = client.get(f"/office/cycles/{cycle_id}/results.xlsx")
    assert results.status_code == 200
    assert_text_only(results.content, HOSTILE_NAME, HOSTILE_TOWN, *OTHER_STARTS)
    assert re.search(r"<c [^>]*t=\"s\"", "".join(sheets(results.content).values()))


def test_tab_and_carriage_return_starts_are_text_too() -> None:
    """The roster strips surrounding whitespace, so these reach a sheet only from other
    sources (comments, evidence labels): the one workbook writer handles them the same."""
    from app.exports import workbook

    values = ["\t=1+1", "\r=1+1", "=1+1", "ok"]
    content = workbook([("表", pl.DataFrame({"文本": values}))])
    assert_text_only(content, "=1+1")
    cells = sheets(content)["xl/worksheets/sheet1.xml"]
    assert cells.count('s="2"') == 3  # the quote-prefix style on the three risky cells only
