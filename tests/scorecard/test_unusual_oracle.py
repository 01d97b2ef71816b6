"""The `unusual` check's two statistical steps against a plain-Python reading of their rule
(written from the docstrings, not the code): each town's residual from its two expectations,
and its z against the spread of the same comparison — on random counties of every size the
rule distinguishes (a few towns, enough to centre, enough for an indicator's own spread).
Written after `make mutate` found both steps' thresholds and branches unguarded."""

from __future__ import annotations

import statistics
from collections import defaultdict

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.scorecard.checks.frames import MIN_SPREAD, MIN_TOWNS, OWN_SPREAD_TOWNS
from evaluation.scorecard.checks.unusual import _county_pattern, _residuals, _standardised

MAD = 1.4826


def residuals_by_hand(
    series: list[dict[str, object]],
    county: dict[tuple[str, int], tuple[float | None, float]],
    q: int,
) -> dict[tuple[int, str], float]:
    found = {}
    for row in series:
        key = (row["indicator"], row["quarter"])
        if row["quarter"] != q or key not in county:
            continue
        town, indicator, x = row["town_id"], row["indicator"], row["x"]
        pattern, growth = county[key]
        earlier = [
            r["x"] - county[(indicator, r["quarter"])][0]
            for r in series
            if r["town_id"] == town
            and r["indicator"] == indicator
            and r["quarter"] < q
            and (indicator, r["quarter"]) in county
            and county[(indicator, r["quarter"])][0] is not None
        ]
        level = statistics.median(earlier) if earlier else None
        last = [
            r["x"]
            for r in series
            if r["town_id"] == town and r["indicator"] == indicator and r["quarter"] == q - 4
        ]
        expectations = []
        if last:
            expectations.append(last[0] + growth)
        if pattern is not None and level is not None:
            expectations.append(pattern + level)
        if expectations:
            found[(town, indicator)] = x - sum(expectations) / len(expectations)
    return found


def z_by_hand(judged: list[dict[str, object]]) -> dict[tuple[int, str, int], float]:
    groups: dict[tuple[str, int], list[dict[str, object]]] = defaultdict(list)
    for row in judged:
        groups[(row["indicator"], row["quarter"])].append(row)
    centred = {}
    for rows in groups.values():
        middle = statistics.median(r["residual"] for r in rows)
        for r in rows:
            shift = middle if len(rows) >= MIN_TOWNS else 0.0
            centred[id(r)] = r["residual"] - shift
    own = {
        key: MAD * statistics.median(abs(centred[id(r)]) for r in rows)
        for key, rows in groups.items()
    }
    pooled_raw: dict[tuple[bool, int], float | None] = {}
    kinds: dict[tuple[bool, int], list[float]] = defaultdict(list)
    for rows in groups.values():
        if len(rows) < OWN_SPREAD_TOWNS:
            for r in rows:
                kinds[(r["cumulative"], r["quarter"])].append(abs(centred[id(r)]))
    for kind, values in kinds.items():
        pooled_raw[kind] = MAD * statistics.median(values) if len(values) >= 2 * MIN_TOWNS else None
    pooled = {}
    for cumulative in (False, True):
        carried = None
        for quarter in sorted(q for c, q in pooled_raw if c == cumulative):
            carried = (
                pooled_raw[(cumulative, quarter)]
                if pooled_raw[(cumulative, quarter)] is not None
                else carried
            )
            pooled[(cumulative, quarter)] = carried
    found = {}
    for key, rows in groups.items():
        for r in rows:
            chosen = (
                own[key]
                if len(rows) >= OWN_SPREAD_TOWNS
                else pooled.get((r["cumulative"], r["quarter"]))
            )
            floor = MIN_SPREAD if r["cumulative"] else MIN_SPREAD * r["typical"]
            spread = max(s for s in (chosen, floor) if s is not None)
            found[(r["town_id"], r["indicator"], r["quarter"])] = centred[id(r)] / spread
    return found


INDICATORS = {"investment": True, "share": False}  # cumulative or not


def random_county(
    seed: int,
) -> tuple[list[dict[str, object]], dict[tuple[str, int], tuple[float | None, float]], list[int]]:
    rng = np.random.default_rng(seed)
    quarters = list(range(-3, 5)) if rng.random() < 0.5 else list(range(1, 5))
    series = []
    county: dict[tuple[str, int], tuple[float | None, float]] = {}
    for indicator in INDICATORS:
        towns = int(rng.choice([3, 4, 6, 12, 35]))
        for q in quarters:
            pattern = None if rng.random() < 0.2 else float(rng.normal(5, 1))
            county[(indicator, q)] = (pattern, float(rng.normal(0, 0.3)))
        for town in range(1, towns + 1):
            base = rng.normal(0, 1)
            for q in quarters:
                if rng.random() < 0.15:
                    continue  # a quarter this town did not report
                series.append(
                    {
                        "town_id": town,
                        "indicator": indicator,
                        "quarter": q,
                        "x": float(base + rng.normal(5, 1)),
                    }
                )
    return series, county, quarters


def frames(
    series: list[dict[str, object]], county: dict[tuple[str, int], tuple[float | None, float]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    s = pl.DataFrame(
        series,
        schema={"town_id": pl.Int64, "indicator": pl.String, "quarter": pl.Int64, "x": pl.Float64},
    )
    s = s.with_columns(
        cumulative=pl.col("indicator").replace_strict(INDICATORS, return_dtype=pl.Boolean),
        typical=pl.lit(40.0),
    )
    c = pl.DataFrame(
        [(i, q, p, g) for (i, q), (p, g) in county.items()],
        schema={
            "indicator": pl.String,
            "quarter": pl.Int64,
            "pattern": pl.Float64,
            "growth": pl.Float64,
        },
        orient="row",
    )
    return s, c


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31))
def test_residuals_follow_the_rule(seed: int) -> None:
    series, county, quarters = random_county(seed)
    s, c = frames(series, county)
    for q in quarters[1:]:
        got = _residuals(s, c, q)
        expected = residuals_by_hand(series, county, q)
        keys = zip(got["town_id"], got["indicator"], strict=True)
        assert dict(zip(keys, got["residual"], strict=True)) == pytest.approx(expected)
        assert set(got["quarter"]) <= {q}


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31))
def test_z_follows_the_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    judged = []
    for indicator, cumulative in {**INDICATORS, "cases": True}.items():
        for quarter in range(1, 5):
            towns = int(rng.choice([2, 4, 5, 7, 10, 12, 29, 30, 40]))
            scale = float(rng.choice([0.01, 1.0, 5.0]))
            typical = float(rng.choice([3.0, 40.0, 500.0]))
            for town in range(1, towns + 1):
                judged.append(
                    {
                        "town_id": town,
                        "indicator": indicator,
                        "quarter": quarter,
                        "cumulative": cumulative,
                        "typical": typical,
                        "residual": float(rng.normal(0.3, scale)),
                    }
                )
    got = _standardised(pl.DataFrame(judged))
    expected = z_by_hand(judged)
    keys = zip(got["town_id"], got["indicator"], got["quarter"], strict=True)
    assert dict(zip(keys, got["z"], strict=True)) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def pattern_by_hand(series: list[dict[str, object]]) -> dict[tuple[str, int], tuple[float, float]]:
    """The county's pattern and growth per indicator and quarter, read from the docstring of
    `_county_pattern`: the median town where enough towns reported; growth the median change
    on the same quarter a year before where enough towns can tell it, carried forward (0
    before any); a quarter with too few towns: last year's pattern moved by the growth, else
    the latest quarter's pattern, else the median of the towns there are."""
    at: dict[tuple[int, str, int], float] = {
        (r["town_id"], r["indicator"], r["quarter"]): r["x"]  # type: ignore[misc]
        for r in series
    }
    found: dict[tuple[str, int], tuple[float, float]] = {}
    for indicator in sorted({str(r["indicator"]) for r in series}):
        quarters = sorted({int(r["quarter"]) for r in series if r["indicator"] == indicator})  # type: ignore[call-overload]
        raw: dict[int, float | None] = {}
        growth: dict[int, float] = {}
        anyone: dict[int, float] = {}
        carried = None
        for q in quarters:
            towns = [(t, x) for (t, i, qq), x in at.items() if i == indicator and qq == q]
            xs = [x for _, x in towns]
            raw[q] = statistics.median(xs) if len(xs) >= MIN_TOWNS else None
            anyone[q] = statistics.median(xs)
            changes = [
                x - at[(t, indicator, q - 4)] for t, x in towns if (t, indicator, q - 4) in at
            ]
            if len(changes) >= MIN_TOWNS:
                carried = statistics.median(changes)
            growth[q] = carried if carried is not None else 0.0
        filled: dict[int, float | None] = {}
        for q in quarters:  # ascending: a year back is filled before it is needed
            year_before = filled.get(q - 4)
            filled[q] = (
                raw[q]
                if raw[q] is not None
                else (year_before + growth[q] if year_before is not None else None)
            )
        latest = None
        for q in quarters:
            if filled[q] is not None:
                latest = filled[q]
            pattern = filled[q] if filled[q] is not None else latest
            found[(indicator, q)] = (pattern if pattern is not None else anyone[q], growth[q])
    return found


@st.composite
def county_series(draw: st.DrawFn) -> list[dict[str, object]]:
    """Towns reporting two indicators over last year and this (quarters −3…4), some towns
    and quarters missing — counties from one town to more than enough to tell the pattern."""
    towns = draw(st.integers(1, 12))
    share = draw(st.sampled_from([0.3, 0.7, 1.0]))
    rows = []
    for indicator in ("fixed_investment", "petitions"):
        for quarter in range(-3, 5):
            for town in range(1, towns + 1):
                if draw(st.floats(0, 1)) <= share:
                    x = draw(st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 3)))
                    rows.append(
                        {"town_id": town, "indicator": indicator, "quarter": quarter, "x": x}
                    )
    return rows


@settings(max_examples=150, deadline=None)
@given(county_series())
def test_the_county_pattern_follows_the_rule(series: list[dict[str, object]]) -> None:
    if not series:
        return
    frame = pl.DataFrame(
        series,
        schema={"town_id": pl.Int64, "indicator": pl.String, "quarter": pl.Int64, "x": pl.Float64},
    )
    quarters = sorted(set(frame["quarter"].to_list()))
    got = _county_pattern(frame, quarters)
    expected = pattern_by_hand(series)
    keys = zip(got["indicator"], got["quarter"], strict=True)
    found = dict(zip(keys, zip(got["pattern"], got["growth"], strict=True), strict=True))
    assert found.keys() == expected.keys()
    for key, (pattern, growth) in expected.items():
        assert found[key] == (pytest.approx(pattern), pytest.approx(growth)), key
