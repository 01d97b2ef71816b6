"""Excel files the offices download: every sheet written the same safe way.

A text cell that starts with = + - @ or a tab / carriage return would be read as a formula
(or a DDE command) by Excel or WPS when the file is opened or a cell is edited: a cadre
named "=HYPERLINK(…)" in the roster must stay a name. xlsxwriter is told never to turn
strings into formulas, and such cells are also written with Excel's quote prefix, which
keeps them text even after the cell is edited."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime

import polars as pl
import xlsxwriter

from evaluation import clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(RISKY_STARTS)


def workbook(sheets: Iterable[tuple[str, pl.DataFrame]]) -> bytes:
    """One sheet per (name, frame); headers in the first row, column widths to fit."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(
        buffer,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    ) as book:
        header = book.add_format({"bold": True, "bg_color": "#EEF2F6", "border": 1})
        quoted = book.add_format({"quote_prefix": True})
        number = book.add_format({"num_format": "0.00"})
        for name, frame in sheets:
            sheet = book.add_worksheet(name[:31])
            for column, title in enumerate(frame.columns):
                sheet.write_string(0, column, str(title), header)
                width = max([len(str(title))] + [len(str(v)) for v in frame[title].head(200)])
                sheet.set_column(column, column, min(max(width * 1.6, 6), 60))
            for row_index, row in enumerate(frame.iter_rows(), start=1):
                for column, value in enumerate(row):
                    if value is None:
                        sheet.write_blank(row_index, column, None)
                    elif isinstance(value, datetime):  # stored in UTC, read in Beijing
                        sheet.write_string(row_index, column, clock.shown(value))
                    elif isinstance(value, bool):
                        sheet.write_string(row_index, column, "是" if value else "否")
                    elif isinstance(value, float):
                        if value != value or value in (float("inf"), float("-inf")):
                            sheet.write_blank(row_index, column, None)
                        else:
                            sheet.write_number(row_index, column, value, number)
                    elif isinstance(value, int):
                        sheet.write_number(row_index, column, value)
                    elif risky(value):
                        sheet.write_string(row_index, column, str(value), quoted)
                    else:
                        sheet.write_string(row_index, column, str(value))
            sheet.freeze_panes(1, 0)
    return buffer.getvalue()
