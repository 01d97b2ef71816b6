"""Inter-rater reliability: Shrout–Fleiss intraclass correlations and Krippendorff's alpha.

`icc` needs a fully crossed design (every rater scores every target); targets with a missing
score are dropped listwise. In cadre360's cycles each cadre has different raters (raters are
nested in targets), where only the one-way forms ICC1 / ICC1k apply — ICC2/ICC3 assume the
same raters across targets. `krippendorff_alpha` handles any pattern of missing values.

References: Shrout & Fleiss (1979), Psychological Bulletin 86(2); Krippendorff (2011),
"Computing Krippendorff's Alpha-Reliability".
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl

from evaluation.analytics.coding import Coded, encode
from evaluation.groups import COUNTED, GROUPS

Level = Literal["nominal", "ordinal", "interval", "ratio"]


def icc(frame: pl.DataFrame, *, target: str, rater: str, score: str) -> dict[str, float]:
    """All six forms: ICC1 (one-way), ICC2 (two-way random, absolute agreement), ICC3
    (two-way mixed, consistency) for a single rater, and ICC1k/ICC2k/ICC3k for the mean of k."""
    wide = (
        frame.select(target, rater, pl.col(score).cast(pl.Float64))
        .drop_nulls()
        .pivot(on=rater, index=target, values=score, aggregate_function="mean")
    )
    matrix = wide.drop(target).drop_nulls().to_numpy()
    n, k = matrix.shape
    if n < 2 or k < 2:
        raise ValueError("ICC needs at least two targets and two raters in a crossed design")
    grand = matrix.mean()
    ss_total = ((matrix - grand) ** 2).sum()
    ss_rows = k * ((matrix.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((matrix.mean(axis=0) - grand) ** 2).sum()
    ss_error = ss_total - ss_rows - ss_cols
    bms = ss_rows / (n - 1)
    wms = (ss_total - ss_rows) / (n * (k - 1))
    jms = ss_cols / (k - 1)
    ems = ss_error / ((n - 1) * (k - 1))
    forms = {
        "ICC1": (bms - wms) / (bms + (k - 1) * wms),
        "ICC2": (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n),
        "ICC3": (bms - ems) / (bms + (k - 1) * ems),
        "ICC1k": (bms - wms) / bms,
        "ICC2k": (bms - ems) / (bms + (jms - ems) / n),
        "ICC3k": (bms - ems) / bms,
    }
    return {name: float(value) for name, value in forms.items()}


def krippendorff_alpha(
    frame: pl.DataFrame, *, unit: str, rater: str, value: str, level: Level = "interval"
) -> float:
    """Alpha from the coincidence matrix; values missing (null) are simply not pairable."""
    data = frame.select(unit, rater, pl.col(value)).drop_nulls(value)
    values = np.sort(data[value].unique().to_numpy().astype(float))
    if values.size < 2:
        raise ValueError("alpha needs at least two distinct values")
    counts = (
        data.with_columns(
            pl.col(value)
            .cast(pl.Float64)
            .replace_strict(values.tolist(), list(range(values.size)))
            .alias("v")
        )
        .group_by(unit, "v")
        .len()
        .pivot(on="v", index=unit, values="len")
        .fill_null(0)
    )
    columns = [str(i) for i in range(values.size)]
    n_uv = counts.select(
        [pl.col(c) if c in counts.columns else pl.lit(0).alias(c) for c in columns]
    ).to_numpy()
    m_u = n_uv.sum(axis=1)
    pairable = m_u >= 2
    n_uv, m_u = n_uv[pairable].astype(float), m_u[pairable].astype(float)
    if n_uv.shape[0] == 0:
        raise ValueError("alpha needs units rated by at least two raters")
    weighted = n_uv / (m_u - 1)[:, None]
    coincidence = n_uv.T @ weighted - np.diag(weighted.sum(axis=0))
    n_c = coincidence.sum(axis=1)
    total = n_c.sum()
    delta = _metric(values, n_c, level)
    observed = (coincidence * delta).sum()
    expected = (np.outer(n_c, n_c) * delta).sum() / (total - 1)
    return float(1 - observed / expected) if expected > 0 else 1.0


def _metric(values: np.ndarray, n_c: np.ndarray, level: Level) -> np.ndarray:
    c, k = np.meshgrid(values, values, indexing="ij")
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nan_to_num(((c - k) / (c + k)) ** 2)
    if level == "ordinal":
        cumulative = np.concatenate([[0.0], np.cumsum(n_c)])
        i, j = np.meshgrid(np.arange(values.size), np.arange(values.size), indexing="ij")
        low, high = np.minimum(i, j), np.maximum(i, j)
        between = cumulative[high + 1] - cumulative[low]
        return (between - (n_c[i] + n_c[j]) / 2) ** 2
    raise ValueError(f"unknown level of measurement: {level}")


AGREEMENT_SAMPLE = 3_000  # units per group and competency for alpha (a report, not a score)


def icc_oneway(frame: pl.DataFrame, *, target: str, score: str) -> dict[str, float]:
    """ICC1 and ICC1k when raters are nested in targets and their number varies (each cadre
    rated by their own colleagues): one-way analysis of variance with the unbalanced group
    size n0 = (N − Σkᵢ²/N)/(a − 1). On a balanced design this is Shrout–Fleiss ICC(1,1)
    and ICC(1,k); `n0` is returned as the k of ICC1k."""
    table = _oneway(frame.select(pl.lit(0).alias("_key"), target, score), ["_key"], target, score)
    if table.is_empty():
        raise ValueError("ICC needs at least two targets")
    row = table.row(0, named=True)
    return {"ICC1": row["icc1"], "ICC1k": row["icc1k"], "n0": row["n0"]}


def _oneway(frame: pl.DataFrame, by: list[str], target: str, score: str) -> pl.DataFrame:
    per_target = frame.group_by([*by, target]).agg(
        k=pl.len(), total=pl.col(score).sum(), squares=(pl.col(score) ** 2).sum()
    )
    return _oneway_from_targets(per_target, by)


def _oneway_from_targets(per_target: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """The one-way ANOVA per `by` from each target's k (ratings), total and squares."""
    return (
        per_target.group_by(by)
        .agg(
            a=pl.len(),
            n=pl.col("k").sum(),
            k2=(pl.col("k") ** 2).sum(),
            total=pl.col("total").sum(),
            squares=pl.col("squares").sum(),
            between=(pl.col("total") ** 2 / pl.col("k")).sum(),
        )
        .filter((pl.col("a") >= 2) & (pl.col("n") > pl.col("a")))
        .with_columns(
            msb=(pl.col("between") - pl.col("total") ** 2 / pl.col("n")) / (pl.col("a") - 1),
            msw=(pl.col("squares") - pl.col("between")) / (pl.col("n") - pl.col("a")),
            n0=(pl.col("n") - pl.col("k2") / pl.col("n")) / (pl.col("a") - 1),
        )
        .with_columns(
            icc1=(pl.col("msb") - pl.col("msw"))
            / (pl.col("msb") + (pl.col("n0") - 1) * pl.col("msw")),
            icc1k=(pl.col("msb") - pl.col("msw")) / pl.col("msb"),
        )
    )


def agreement(responses: pl.DataFrame | Coded) -> pl.DataFrame:
    """The cycle's rater-agreement report: per counted rater group and competency, the cadres
    rated, raters per cadre (n0), ICC(1), ICC(1,k) and Krippendorff's interval alpha (on up
    to AGREEMENT_SAMPLE cadres with two or more ratings, chosen by a fixed seed)."""
    coded = responses if isinstance(responses, Coded) else encode(responses)
    counted = coded.in_groups(COUNTED)
    schema = {
        "rater_group": pl.String,
        "competency": pl.String,
        "cadres": pl.Int64,
        "raters_per_cadre": pl.Float64,
        "icc1": pl.Float64,
        "icc1k": pl.Float64,
        "alpha": pl.Float64,
    }
    if not counted.any():
        return pl.DataFrame(schema=schema)
    groups = len(GROUPS)
    # one key per (cell, group): each cadre's ratings by one group, counted without a frame
    at = np.flatnonzero(counted)
    key = coded.cell_group_keys(at)
    level = coded.level[at]
    k = np.bincount(key)
    present = np.flatnonzero(k)
    total = np.bincount(key, level)[present]
    level *= level
    squares = np.bincount(key, level)[present]
    del level
    per_target = pl.DataFrame(
        {
            "group": present % groups,
            "competency": (present // groups) % max(coded.k, 1),
            "cell": present // groups,
            "k": k[present],
            "total": total,
            "squares": squares,
        }
    )
    table = _oneway_from_targets(per_target, ["group", "competency"]).sort("group", "competency")
    units_of: dict[tuple[int, int], np.ndarray] = {}
    for (group, competency), targets in per_target.filter(pl.col("k") >= 2).group_by(
        "group", "competency"
    ):
        units = targets["cell"].sort()
        if units.len() > AGREEMENT_SAMPLE:
            units = units.sample(AGREEMENT_SAMPLE, seed=7).sort()
        units_of[(int(group), int(competency))] = units.to_numpy()
    # only the sampled cadres' ratings become a frame (the alpha is on a sample)
    sampled = np.zeros(len(k), dtype=bool)
    for (group, _), cells in units_of.items():
        sampled[cells * groups + group] = True
    rows = at[sampled[key]]  # the sampled ratings' places in the codes
    del key, at
    rater = coded.rater[rows]
    one_off = -1 - np.arange(len(rater))  # one-off raters: each their own
    cell = coded.cell[rows]
    chosen_rows = pl.DataFrame(
        {
            "group": coded.group[rows],
            "competency": cell % max(coded.k, 1),
            "cell": cell,
            "rater": np.where(rater >= 0, rater, one_off),
            "level": coded.level[rows],
        }
    )
    alphas: list[float | None] = []
    for group, competency in table.select("group", "competency").iter_rows():
        chosen = chosen_rows.filter(
            (pl.col("group") == group) & (pl.col("competency") == competency)
        )
        try:
            alphas.append(krippendorff_alpha(chosen, unit="cell", rater="rater", value="level"))
        except ValueError:
            alphas.append(None)
    return pl.DataFrame(
        {
            "rater_group": [GROUPS[g] for g in table["group"]],
            "competency": [coded.competencies[c] for c in table["competency"]],
            "cadres": table["a"].cast(pl.Int64),
            "raters_per_cadre": table["n0"],
            "icc1": table["icc1"],
            "icc1k": table["icc1k"],
            "alpha": pl.Series(alphas, dtype=pl.Float64),
        },
        schema=schema,
    )
