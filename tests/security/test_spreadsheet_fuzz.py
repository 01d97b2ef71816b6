"""Generated workbooks — real .xlsx and CSV in the encodings offices save, with hostile cell
values, stray far-away cells, then bytes flipped or cut off — fed to the roster import. The
only answers allowed are "imported" and a Chinese `Invalid`; when refused, nothing in the
database changed. `make test` runs a bounded number; `make fuzz` runs FUZZ_EXAMPLES."""

from __future__ import annotations

import datetime as dt
import io
import os
from typing import Any

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.errors import Invalid
from evaluation.organisation.importing import import_file
from evaluation.organisation.roster import HEADER
from evaluation.tables import Cadre, County, Leadership, Town
from tests.conftest import run_blocking

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
HEADERS = list(HEADER.values())
CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["=1+1", "@SUM(A1)", "-3", "+86", "T001", "T001-001", "镇长", "是", "否", ""]),
    st.integers(-(10**12), 10**12).map(str),
    st.integers(2**31, 2**80).map(str),  # past any column: ids, years, counts
    st.integers(-(2**80), -(2**31)).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@st.composite
def sheets(draw: st.DrawFn) -> tuple[bytes, str]:
    columns = draw(st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=8)), max_size=12))
    rows = draw(st.lists(st.lists(CELL, min_size=len(columns), max_size=len(columns)), max_size=8))
    kind = draw(st.sampled_from(["xlsx", "csv-utf8", "csv-gb18030", "csv-utf16"]))
    if kind == "xlsx":
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
        book.set_properties({"created": dt.datetime(2026, 1, 1)})  # same bytes every run
        sheet = book.add_worksheet()
        for c, title in enumerate(columns):
            sheet.write_string(0, c, title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
        if draw(st.booleans()):  # a stray cell somewhere in the grid
            sheet.write_string(draw(st.integers(0, 1_048_575)), draw(st.integers(0, 16_383)), "x")
        book.close()
        content, name = buffer.getvalue(), "花名册.xlsx"
    else:
        text = "\n".join(",".join(cells) for cells in [columns, *rows])
        encoding = {"csv-utf8": "utf-8-sig", "csv-gb18030": "gb18030", "csv-utf16": "utf-16"}[kind]
        content, name = text.encode(encoding, errors="replace"), "花名册.csv"
    damage = draw(st.sampled_from(["none", "flip", "cut"]))
    # positions as shares of the length, so a draw never depends on the bytes' exact size
    where = draw(st.floats(0, 1, exclude_max=True))
    if damage == "flip" and content:
        at = int(where * len(content))
        content = (
            content[:at] + bytes([content[at] ^ draw(st.integers(1, 255))]) + content[at + 1 :]
        )
    elif damage == "cut":
        content = content[: int(where * (len(content) + 1))]
    return content, name


async def stored() -> dict[str, list[dict[str, Any]]]:
    return {
        "counties": await County.select(),
        "towns": await Town.select().order_by(Town.id),
        "cadres": await Cadre.select().order_by(Cadre.id),
        "links": await Leadership.select().order_by(Leadership.id),
    }


@settings(
    max_examples=EXAMPLES,
    # `make test` tries the same examples every run, so CI is not a lottery; `make fuzz`
    # (FUZZ_EXAMPLES set) explores new ones each time
    derandomize="FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sheet=sheets())
def test_generated_workbooks_import_whole_or_not_at_all(sqlite_url: str, sheet: tuple) -> None:
    content, name = sheet

    async def attempt() -> None:
        before = await stored()
        try:
            await import_file(content, name, county_name="模糊测试县")
        except Invalid as refused:
            assert refused.message, "a refusal says why"
            assert await stored() == before, "a refused file changed the database"

    run_blocking(attempt())
