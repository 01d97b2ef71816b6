"""The `unusual` check end to end against a plain-Python reading of its own steps (written
from the docstrings of `flows` and `unusual`): each town's figure to compare (a
year-to-date total's increment since its previous report, on a log scale floored at 2% of
the indicator's typical flow; a value as reported; both in the indicator's good direction;
last year's quarters moved four back), every quarter after the first judged, and a flag
only in the quarter asked about, for an indicator with enough events, above the limit.
The statistical steps between (`_county_pattern`, `_residuals`, `_standardised`) have
oracles of their own (test_unusual_oracle.py). Written after `make mutate` found the
year-ago shift, the log floor, the first quarter and the final filter unguarded."""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.scorecard.checks.frames import MIN_EVENTS
from evaluation.scorecard.checks.unusual import (
    _county_pattern,
    _residuals,
    _standardised,
    unusual,
)

SPECS = pl.DataFrame(
    {
        "indicator": ["investment", "cases", "share", "complaints"],
        "cumulative": [True, True, False, False],
        "direction": [1.0, 1.0, 1.0, -1.0],
        "reported": [True, True, True, True],
    }
)


def county(seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """This year's and last year's reported values of a random county: totals that grow
    (sometimes not at all, so the floor matters), a small total, two plain values. The
    small total is sometimes mostly idle (its typical flow 0: only the log's last floor
    keeps it finite) or mostly exactly MIN_EVENTS a quarter (its typical flow on the
    boundary of being judged)."""
    rng = np.random.default_rng(seed)
    this_year: list[dict[str, Any]] = []
    last_year: list[dict[str, Any]] = []
    towns = int(rng.choice([4, 7, 12, 20]))
    scale = {"investment": 1000.0, "cases": float(rng.choice([MIN_EVENTS, 3.0, 30.0]))}
    habit = {"investment": None, "cases": rng.choice(["drawn", "idle", "exact"])}
    usual = {"idle": 0.0, "exact": float(MIN_EVENTS)}
    for rows, year in ((last_year, -1), (this_year, 0)):
        for town in range(1, towns + 1):
            size = float(rng.uniform(0.5, 2.0))
            for indicator in ("investment", "cases"):
                total = 0.0
                for quarter in range(1, 5):
                    if rng.random() < 0.1:
                        continue  # not reported this quarter
                    step = 0.0 if rng.random() < 0.15 else rng.gamma(2.0, scale[indicator] * size)
                    if habit[indicator] in usual and rng.random() < 0.8:
                        step = usual[str(habit[indicator])]
                    total += round(step) if indicator == "cases" else step
                    rows.append(row(town, indicator, quarter, total))
            for quarter in range(1, 5):
                rows.append(row(town, "share", quarter, float(rng.normal(60 + 5 * year, 8))))
                rows.append(row(town, "complaints", quarter, float(rng.normal(20, 4))))
    return this_year, last_year


def row(town: int, indicator: str, quarter: int, value: float) -> dict[str, Any]:
    return {
        "town_id": town,
        "indicator": indicator,
        "quarter": quarter,
        "value": value,
        "source": "town",
    }


def figures_by_hand(rows: list[dict[str, Any]], shift: int) -> list[dict[str, Any]]:
    """One figure per reported town, indicator and quarter (`flows`)."""
    specs = {r["indicator"]: r for r in SPECS.iter_rows(named=True)}
    out = []
    keys = sorted({(r["town_id"], r["indicator"]) for r in rows})
    for town, indicator in keys:
        mine = sorted(
            (r for r in rows if r["town_id"] == town and r["indicator"] == indicator),
            key=lambda r: r["quarter"],
        )
        spec = specs[indicator]
        for before, now in zip([None, *mine], mine, strict=False):
            quarter = int(now["quarter"])
            if spec["cumulative"] and quarter > 1:
                if before is None:
                    continue  # an increment needs the previous report
                flow = float(now["value"]) - float(before["value"])
            else:
                flow = float(now["value"])
            out.append(
                {
                    "town_id": town,
                    "indicator": indicator,
                    "quarter": quarter + shift,
                    "cumulative": spec["cumulative"],
                    "direction": spec["direction"],
                    "flow": flow,
                }
            )
    return out


def series_by_hand(
    this_year: list[dict[str, Any]], last_year: list[dict[str, Any]], quarter: int
) -> pl.DataFrame:
    series = [
        r
        for r in figures_by_hand(last_year, -4) + figures_by_hand(this_year, 0)
        if r["quarter"] <= quarter
    ]
    typical = {
        indicator: statistics.median(abs(r["flow"]) for r in series if r["indicator"] == indicator)
        for indicator in {r["indicator"] for r in series}
    }
    for r in series:
        t = typical[r["indicator"]]
        flow = float(r["flow"])
        x = math.log(max(flow, 0.02 * t, 1e-9)) if r["cumulative"] else flow
        r.update(x=x * float(r["direction"]), typical=t)
    return pl.DataFrame(series).drop("flow")


def judged_by_hand(series: pl.DataFrame) -> pl.DataFrame:
    quarters = sorted(set(series["quarter"].to_list()))
    pattern = _county_pattern(series, quarters)
    parts = [_residuals(series, pattern, q) for q in quarters[1:]]  # every quarter after the first
    return _standardised(pl.concat(parts, how="vertical_relaxed"))


def flagged_by_hand(judged: pl.DataFrame, quarter: int, limit: float) -> set[tuple[int, str]]:
    return {
        (r["town_id"], r["indicator"])
        for r in judged.iter_rows(named=True)
        if r["quarter"] == quarter
        and (not r["cumulative"] or r["typical"] >= MIN_EVENTS)
        and r["z"] > limit
    }


def frames(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "town_id": pl.Int64,
            "indicator": pl.String,
            "quarter": pl.Int32,
            "value": pl.Float64,
            "source": pl.String,
        },
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from([2, 3, 4]))
def test_unusual_flags_what_its_rule_names(seed: int, quarter: int) -> None:
    this_year, last_year = county(seed)
    judged = judged_by_hand(series_by_hand(this_year, last_year, quarter))
    in_quarter = judged.filter(pl.col("quarter") == quarter)["z"].drop_nulls()
    # limits that cut through the quarter's z: any change in a figure moves some town across
    limits = (
        [float(in_quarter.quantile(q) or 0.0) for q in (0.25, 0.5, 0.9)]
        if len(in_quarter)
        else [0.0]
    )
    for limit in [*limits, -1e9]:
        got = unusual(frames(this_year), frames(last_year), SPECS, quarter, limit)
        found = set(zip(got["town_id"], got["indicator"], strict=True))
        assert found == flagged_by_hand(judged, quarter, limit), limit
        assert set(got["quarter"]) <= {quarter}
