"""An indicator's figures as people write them: ranges with thousands separators and the
unit (never 5e+06), and whole numbers for indicators that count things."""

from __future__ import annotations

import math

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
