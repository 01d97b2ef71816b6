"""The overall's error model against plain-Python readings of its three rules (written from
the docstrings): ρ, the within-form correlation of leave-one-out residuals; r̄, the mean
true-level correlation between competencies; and the overall's variance with the two common
factors. On random inputs of every shape the rules distinguish — written after `make mutate`
found their arithmetic unguarded by the recovery tests it can afford to run."""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import combinations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.analytics.coding import Coded
from evaluation.analytics.composite import (
    form_correlation,
    level_correlation,
    loadings,
    overall_variance,
)
from evaluation.groups import COUNTED, GROUPS


def rho_by_hand(cells: list[int], groups: list[int], forms: list[int], y: list[float]) -> float:
    counted = [i for i, g in enumerate(groups) if GROUPS[g] in COUNTED]
    by_key: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in counted:
        by_key[(cells[i], groups[i])].append(i)
    residual: dict[int, float] = {}
    several: set[int] = set()
    for members in by_key.values():
        for i in members:
            others = [y[j] for j in members if j != i]
            if others:
                residual[i] = y[i] - sum(others) / len(others)
                several.add(i)
            else:
                residual[i] = 0.0
    per_form: dict[int, list[int]] = defaultdict(list)
    for i in counted:
        per_form[forms[i]].append(i)
    pairs = sum(
        len([i for i in m if i in several]) * (len([i for i in m if i in several]) - 1)
        for m in per_form.values()
    )
    squares = sum(residual[i] ** 2 for i in counted)
    if pairs == 0 or squares == 0:
        return 0.0
    cross = sum(
        residual[i] * residual[j] for m in per_form.values() for i in m for j in m if i != j
    )
    value = (cross / pairs) / (squares / len(several))
    return min(max(value, 0.0), 1.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31))
def test_rho_follows_the_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ratings = int(rng.integers(0, 60))
    forms = rng.integers(0, max(1, ratings // 3), ratings)
    cells = rng.integers(0, 6, ratings)
    groups = rng.integers(0, len(GROUPS), ratings)
    halo = rng.normal(0, 1, max(1, ratings))[forms] if ratings else np.array([])
    y = halo * float(rng.choice([0.0, 0.5, 2.0])) + rng.normal(0, 1, ratings)
    coded = Coded(
        level=y,
        cell=cells.astype(np.int64),
        rater=np.zeros(ratings, dtype=np.int64),
        group=groups.astype(np.int64),
        ratee_ids=np.arange(1, dtype=np.int64),
        competencies=("a",),
        rater_ids=np.arange(1, dtype=np.int64),
        form=forms.astype(np.int64),
    )
    expected = rho_by_hand(cells.tolist(), groups.tolist(), forms.tolist(), y.tolist())
    assert form_correlation(coded, y) == pytest.approx(expected, abs=1e-9)


def test_rho_is_nothing_when_no_rating_strays_from_its_peers() -> None:
    """Every rating equal to the others in its cell and group: there is no error to share,
    so ρ is 0 — not 0/0."""
    forms = np.repeat(np.arange(4), 3).astype(np.int64)
    cells = np.tile(np.arange(3), 4).astype(np.int64)
    y = np.full(len(forms), 3.0)
    zeros = np.zeros(len(forms), dtype=np.int64)
    coded = Coded(
        level=y,
        cell=cells,
        rater=zeros,
        group=zeros,
        ratee_ids=np.arange(1, dtype=np.int64),
        competencies=("a",),
        rater_ids=np.arange(1, dtype=np.int64),
        form=forms,
    )
    assert form_correlation(coded, y) == 0.0


def r_bar_by_hand(rows: list[tuple[int, str, float, float, float]], rho: float) -> float:
    values: dict[str, dict[int, float]] = defaultdict(dict)
    noise: dict[str, dict[int, float]] = defaultdict(dict)
    tau2: dict[str, float] = {}
    for ratee, competency, corrected, variance, t in rows:
        if not math.isnan(corrected):
            values[competency][ratee] = corrected
        noise[competency][ratee] = variance
        tau2.setdefault(competency, t)
    ratios = []
    for a, b in combinations(sorted(values), 2):
        both = sorted(set(values[a]) & set(values[b]))
        if len(both) < 10:
            continue
        x = [values[a][r] for r in both]
        z = [values[b][r] for r in both]
        mx, mz = sum(x) / len(x), sum(z) / len(z)
        covariance = sum((p - mx) * (q - mz) for p, q in zip(x, z, strict=True)) / (len(x) - 1)
        shared = sum(math.sqrt(noise[a][r] * noise[b][r]) for r in both) / len(both)
        ratios.append((covariance - rho * shared) / math.sqrt(tau2[a] * tau2[b]))
    if not ratios or len(values) < 2:
        return 0.0
    return min(max(sum(ratios) / len(ratios), 0.0), 1.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31))
def test_r_bar_follows_the_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    competencies = [f"c{k}" for k in range(int(rng.integers(1, 5)))]
    cadres = int(rng.choice([5, 9, 10, 30]))
    general = rng.normal(0, 1, cadres)
    share = float(rng.uniform(0, 1))
    rows = []
    for c in competencies:
        tau2 = float(rng.uniform(0.5, 2))
        # a competency only some cadres have (个性): its pairs have too few cadres in common
        covered = cadres if rng.random() < 0.6 else 4
        for r in range(covered):
            value = share * general[r] + rng.normal(0, 1)
            if rng.random() < 0.1:
                value = float("nan")  # withheld
            rows.append((r, c, float(value), float(rng.uniform(0.01, 0.3)), tau2))
    rho = float(rng.uniform(0, 0.6))
    cells = pl.DataFrame(
        rows, schema=["ratee_id", "competency", "corrected", "variance", "tau2"], orient="row"
    ).with_columns(pl.col("corrected").fill_nan(None))
    assert level_correlation(cells, rho) == pytest.approx(r_bar_by_hand(rows, rho), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31))
def test_the_overall_variance_adds_the_common_factors_between_cells(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 6))
    share = rng.dirichlet(np.ones(k))
    sd = rng.uniform(0.05, 0.5, k)
    halo = [None if rng.random() < 0.2 else float(v) for v in rng.uniform(0, 0.3, k)]
    level = [None if rng.random() < 0.2 else float(v) for v in rng.uniform(0, 0.3, k)]
    frame = pl.DataFrame(
        {
            "ratee_id": [1] * k,
            "share": share,
            "sd": sd,
            "halo_loading": pl.Series(halo, dtype=pl.Float64),
            "level_loading": pl.Series(level, dtype=pl.Float64),
        }
    )
    got = frame.group_by("ratee_id").agg(v=overall_variance(pl.col("share")))["v"][0]
    h = [v or 0.0 for v in halo]
    lv = [v or 0.0 for v in level]
    expected = sum((share[i] * sd[i]) ** 2 for i in range(k)) + sum(
        share[i] * share[j] * (h[i] * h[j] + lv[i] * lv[j])
        for i in range(k)
        for j in range(k)
        if i != j
    )
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_each_cell_carries_its_two_loadings() -> None:
    cells = pl.DataFrame(
        {"reliability": [0.9, 0.4, 0.0], "variance": [0.04, 0.25, 0.5], "tau2": [0.3, 0.8, 1.2]}
    )
    got = cells.select(loadings(0.36, 0.49)).rows()
    expected = [
        (b * math.sqrt(0.36 * v), (1 - b) * math.sqrt(0.49 * t))
        for b, v, t in cells.select("reliability", "variance", "tau2").rows()
    ]
    assert [g[0] for g in got] == pytest.approx([e[0] for e in expected])
    assert [g[1] for g in got] == pytest.approx([e[1] for e in expected])
    assert cells.select(loadings(0.36, 0.49)).columns == ["halo_loading", "level_loading"]


def test_r_bar_is_a_share_between_nothing_and_everything() -> None:
    spread = [float(v) for v in range(-10, 10)]
    rows = [
        (r, c, v * sign, 0.01, 0.1)
        for c, sign in (("a", 1), ("b", 1))
        for r, v in enumerate(spread)
    ]
    cells = pl.DataFrame(
        rows, schema=["ratee_id", "competency", "corrected", "variance", "tau2"], orient="row"
    )
    assert level_correlation(cells, 0.2) == 1.0  # far beyond the levels' own variance: all shared
    opposed = cells.with_columns(
        corrected=pl.when(pl.col("competency") == "b")
        .then(-pl.col("corrected"))
        .otherwise("corrected")
    )
    assert level_correlation(opposed, 0.2) == 0.0  # opposite: nothing shared, never negative
