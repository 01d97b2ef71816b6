"""An indicator's figures as people write them: ranges with thousands separators and the
unit (never 5e+06), and whole numbers for indicators that count things."""

from __future__ import annotations

import math
import unicodedata

from evaluation.scorecard.plan import Indicator

COUNT_UNITS = frozenset({"项", "件", "场", "个", "人", "次", "户", "家"})


def counts_things(indicator: Indicator) -> bool:
    return indicator.unit in COUNT_UNITS


def figure(value: float) -> str:
    """12,345.6 — grouped, no exponent, no trailing zeros."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def range_words(indicator: Indicator) -> str:
    return f"超出可能的范围：应在 {figure(indicator.minimum)} 至 {figure(indicator.maximum)} {indicator.unit}之间"


def due(indicator: Indicator, amount: float) -> float:
    """What a quarter must reach, as the form shows it: whole for counts (rounded up: 4.5 项
    to reach means 5), one decimal otherwise."""
    return float(math.ceil(amount - 1e-9)) if counts_things(indicator) else round(amount, 1)


def parse_number(raw: str) -> float | None:
    """A number as people type it: full-width digits, thousands separators, a trailing %."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace(",", "").rstrip("%").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def corrected_value(raw: str, indicator: Indicator, missing: str) -> tuple[float | None, str]:
    """A corrected figure as typed at a 核查 (the office's or on site): the number, or the
    reason it is refused in words (`missing` when it is not a number at all)."""
    value = parse_number(raw)
    if value is None or math.isnan(value):
        return None, missing
    if not indicator.minimum <= value <= indicator.maximum:
        return None, range_words(indicator)
    return value, ""
