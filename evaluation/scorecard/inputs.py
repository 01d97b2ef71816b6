"""Reading the office's and towns' form text into values, collecting problems in Chinese."""

from __future__ import annotations

import datetime as dt

MAX_TEXT = 1000


def date(raw: str, where: str, problems: dict[str, str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        problems[where] = "请填写日期，例如 2026-06-30"
        return None


def text(raw: str, where: str, label: str, problems: dict[str, str], least: int = 2) -> str:
    value = (raw or "").strip()[:MAX_TEXT]
    if len(value) < least:
        problems[where] = f"请填写{label}"
    return value
