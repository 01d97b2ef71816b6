"""Every indicator score against a plain-Python reading of the module's rule (its docstring):
attainment against the pro-rata target, capped; the best band reached; rank within the town
type; points off per event; 0 for a missing value; no score without a target — for the
shipped plan's indicators, due only where they apply. On random counties; written after
`make mutate` found the bands, rank, deduction and applies-to rules unguarded."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.organisation.vocabulary import TOWN_TYPE_LABELS
from evaluation.scorecard.plan import ALL, Method, plan_for_year
from evaluation.scorecard.scoring import score

PLAN = plan_for_year(2026)
TYPES = list(TOWN_TYPE_LABELS)


def expected_scores(
    towns: dict[int, str],
    values: dict[tuple[int, str, int], float],
    targets: dict[tuple[int, str], float],
    quarters: list[int],
) -> dict[tuple[int, str, int], float | None]:
    due = {}
    for i in PLAN.indicators:
        types = TYPES if ALL in i.applies_to else [str(t) for t in i.applies_to]
        for town, town_type in towns.items():
            if town_type not in types:
                continue
            for q in i.quarters:
                if q in quarters:
                    due[(town, i.code, q)] = i
    ranks: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for (town, code, q), i in due.items():
        if i.method == Method.rank and (town, code, q) in values:
            ranks[(towns[town], code, q)].append(values[(town, code, q)])
    found: dict[tuple[int, str, int], float | None] = {}
    for (town, code, q), i in due.items():
        value = values.get((town, code, q))
        target = targets.get((town, code))
        pro_rata = None if target is None else (target * q / 4 if i.cumulative else target)
        if i.method == Method.attainment and value is not None and not (pro_rata and pro_rata > 0):
            found[(town, code, q)] = None  # reported against no target: no score
            continue
        if value is None:
            found[(town, code, q)] = 0.0
        elif i.method == Method.attainment:
            assert pro_rata is not None
            if i.higher_is_better:
                ratio = value / pro_rata
            else:
                ratio = i.cap if value <= 0 else pro_rata / value
            found[(town, code, q)] = 100 * min(max(ratio, 0.0), i.cap)
        elif i.method == Method.bands:
            reached = [
                b.score
                for b in i.bands
                if (value >= b.from_value if i.higher_is_better else value <= b.from_value)
            ]
            found[(town, code, q)] = max(reached) if reached else 0.0
        elif i.method == Method.rank:
            others = ranks[(towns[town], code, q)]
            n = len(others)
            better = sum(1 for v in others if (v > value if i.higher_is_better else v < value))
            found[(town, code, q)] = 100.0 if n <= 1 else 100 * (n - (better + 1)) / (n - 1)
        else:  # deduction
            found[(town, code, q)] = max(0.0, 100 - i.points_per_event * value)
    return found


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31))
def test_every_indicator_scores_by_its_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    towns = {t: TYPES[int(rng.integers(0, len(TYPES)))] for t in range(1, int(rng.integers(2, 12)))}
    quarters = sorted({int(q) for q in rng.integers(1, 5, 2)})
    values: dict[tuple[int, str, int], float] = {}
    targets: dict[tuple[int, str], float] = {}
    for i in PLAN.indicators:
        scale = max(abs(b.from_value) for b in i.bands) * 1.5 if i.bands else 100.0
        for town in towns:
            if rng.random() < 0.85:
                targets[(town, i.code)] = float(rng.choice([0.0, rng.uniform(1, 2) * scale]))
            for q in range(1, 5):
                if rng.random() < 0.85:
                    value = float(
                        rng.choice(
                            [0.0, -7.5, rng.uniform(0, 2) * scale, round(rng.uniform(0, 12))]
                        )
                    )
                    values[(town, i.code, q)] = value
    scores = score(
        PLAN,
        pl.DataFrame(
            [(t, c, q, v) for (t, c, q), v in values.items()],
            schema=["town_id", "indicator", "quarter", "value"],
            orient="row",
        ),
        pl.DataFrame(
            [(t, c, v) for (t, c), v in targets.items()],
            schema=["town_id", "indicator", "target"],
            orient="row",
        ),
        pl.DataFrame({"town_id": list(towns), "town_type": list(towns.values())}),
        quarters,
    )
    got = scores.indicators
    # in the order the pages list them: town, quarter, then indicator / dimension
    assert got.select("town_id", "quarter", "indicator").rows() == sorted(
        got.select("town_id", "quarter", "indicator").rows()
    )
    dims = scores.dimensions.select("town_id", "quarter", "dimension").rows()
    assert dims == sorted(dims)
    # each dimension: the weighted mean of the town's scored indicators in it; the total: the
    # weighted mean of the dimensions by the plan's dimension weights
    expected_scores_ = expected_scores(towns, values, targets, quarters)
    parts: dict[tuple[int, int, str], list[tuple[float, float]]] = defaultdict(list)
    for (town, code, q), value in expected_scores_.items():
        i = PLAN.indicator(code)
        parts[(town, q, str(i.dimension))].append((value, i.weight))  # type: ignore[arg-type]
    dims_expected = {}
    for key, pairs in parts.items():
        scored = [(v, w) for v, w in pairs if v is not None]
        weight = sum(w for _, w in scored)
        dims_expected[key] = sum(v * w for v, w in scored) / weight if weight else None
    dims_got = {
        (r["town_id"], r["quarter"], r["dimension"]): r["score"]
        for r in scores.dimensions.iter_rows(named=True)
    }
    assert set(dims_got) == set(dims_expected)
    totals_expected: dict[tuple[int, int], float] = {}
    for town in towns:
        for q in quarters:
            here = [
                (dims_expected[(town, q, d)], w)
                for d, w in PLAN.dimensions.items()
                if (town, q, d) in dims_expected
            ]
            if here and all(v is not None for v, _ in here):
                totals_expected[(town, q)] = sum(v * w for v, w in here) / sum(w for _, w in here)  # type: ignore[misc]
    for key, value in dims_expected.items():
        if value is not None:
            assert dims_got[key] == pytest.approx(value, abs=1e-9), key
    totals_got = {
        (r["town_id"], r["quarter"]): r["total"] for r in scores.totals.iter_rows(named=True)
    }
    for key, value in totals_expected.items():
        assert totals_got[key] == pytest.approx(value, abs=1e-9), key
    # each town's red and yellow lights counted, ranked within its type by the shown total
    totals = scores.totals.rows(named=True)
    for r in totals:
        mine = got.filter(town_id=r["town_id"], quarter=r["quarter"])
        assert r["red"] == mine.filter(light="red").height
        assert r["yellow"] == mine.filter(light="yellow").height
        peers = [
            t for t in totals if t["quarter"] == r["quarter"] and t["town_type"] == r["town_type"]
        ]
        assert r["of"] == len(peers)
        if r["total"] is not None and not math.isnan(r["total"]):
            shown = round(r["total"], 1)
            better = [
                t
                for t in peers
                if t["total"] is not None
                and not math.isnan(t["total"])
                and round(t["total"], 1) > shown
            ]
            assert r["rank"] == len(better) + 1
    shown = {
        (r["town_id"], r["indicator"], r["quarter"]): r["score"] for r in got.iter_rows(named=True)
    }
    expected = expected_scores(towns, values, targets, quarters)
    assert set(shown) == set(expected)  # due exactly where the indicator applies
    for key, value in expected.items():
        if value is None:
            assert shown[key] is None, key
        else:
            assert shown[key] == pytest.approx(value, abs=1e-9), (
                key,
                PLAN.indicator(key[1]).method,
            )


def light_by_hand(
    method: Method, value: float | None, attainment: float | None, points: float | None
) -> tuple[str, str]:
    rule = PLAN.lights
    if value is None:
        return "red", "本季度应报未报，按 0 分计，亮红灯"
    if method == Method.attainment:
        if attainment is None:
            return "red", "NO_TARGET"
        percent = math.floor(attainment * 100 + 1e-9)  # a yellow 89.6% never reads "90%"
        if attainment < rule.red_below:
            return "red", f"完成应达进度的 {percent}%，低于 {rule.red_below:.0%} 亮红灯（问责）"
        if attainment < rule.yellow_below:
            return (
                "yellow",
                f"完成应达进度的 {percent}%，低于 {rule.yellow_below:.0%} 亮黄灯（预警）",
            )
        return "green", f"完成应达进度的 {percent}%"
    assert points is not None
    shown = str(round(points, 1))
    if points < rule.red_score:
        return "red", f"得分 {shown}，低于 {rule.red_score:g} 分亮红灯"
    if points < rule.yellow_score:
        return "yellow", f"得分 {shown}，低于 {rule.yellow_score:g} 分亮黄灯"
    return "green", f"得分 {shown}"


def test_lights_and_their_reasons_follow_the_rule_at_their_boundaries() -> None:
    """An attainment indicator at 69%, exactly 70%, 89%, exactly 90% and beyond of its
    target; a banded one scoring just under and exactly at each score line; a missing one."""
    attained = next(
        i
        for i in PLAN.indicators
        if i.method == Method.attainment
        and not i.cumulative
        and i.higher_is_better
        and ALL in i.applies_to
    )
    banded = PLAN.indicator("team_360")
    towns = {t: "agricultural" for t in range(1, 10)}
    ratios = {1: 0.69, 2: 0.7, 3: 0.89, 4: 0.9, 5: 1.3, 6: None, 7: 0.0, 8: 0.896, 9: 0.6996}
    band_values = {1: 2.9, 2: 3.0, 3: 3.3, 4: 3.4, 5: 3.7, 6: None, 7: -1.0, 8: 3.5, 9: 3.1}
    q = attained.quarters[-1]
    values = []
    for t in towns:
        if ratios[t] is not None:
            values.append((t, attained.code, q, 200.0 * ratios[t]))
        if band_values[t] is not None and q in banded.quarters:
            values.append((t, banded.code, q, band_values[t]))
    got = score(
        PLAN,
        pl.DataFrame(values, schema=["town_id", "indicator", "quarter", "value"], orient="row"),
        pl.DataFrame(
            [(t, attained.code, 200.0) for t in towns],
            schema=["town_id", "indicator", "target"],
            orient="row",
        ),
        pl.DataFrame({"town_id": list(towns), "town_type": list(towns.values())}),
        [q],
    ).indicators
    for row in got.filter(pl.col("indicator").is_in([attained.code, banded.code])).iter_rows(
        named=True
    ):
        method = PLAN.indicator(row["indicator"]).method
        expected = light_by_hand(method, row["value"], row["attainment"], row["score"])
        assert (row["light"], row["reason"]) == expected, row
    lights = dict(got.filter(indicator=attained.code).select("town_id", "light").iter_rows())
    assert [lights[t] for t in range(1, 10)] == [
        "red",
        "yellow",
        "yellow",
        "green",
        "green",
        "red",
        "red",
        "yellow",
        "red",
    ]
    reasons = dict(got.filter(indicator=attained.code).select("town_id", "reason").iter_rows())
    assert reasons[8].startswith("完成应达进度的 89%，低于 90%")
    assert reasons[9].startswith("完成应达进度的 69%，低于 70%")
