"""Every indicator score against a plain-Python reading of the module's rule (its docstring):
attainment against the pro-rata target, capped; the best band reached; rank within the town
type; points off per event; 0 for a missing value; no score without a target — for the
shipped plan's indicators, due only where they apply. On random counties; written after
`make mutate` found the bands, rank, deduction and applies-to rules unguarded."""

from __future__ import annotations

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
