"""Cross-town exchange pairing (跨乡镇经验交流).

For each competency, host towns are those clearly strong in it — the town's 90% interval
lies wholly above the county norm, on at least three cadres — and visiting towns are those
clearly weak (interval wholly below the norm). Each visiting town gets at most one host per
competency; a town hosts at most `host_cap` visits in all. The pairing maximises
Σ benefit − travel, where benefit is the host's lead over the visitor (calibrated means, 1–5
scale) and travel costs `per_km` per kilometre between the towns; solved exactly as a small
MILP. Twin towns — A can teach B one competency and B can teach A another — are marked
reciprocal, so the office can run them as a mutual visit.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array, vstack

MIN_CADRES = 3


def _options(
    weak: pl.DataFrame, strong: pl.DataFrame, distances: pl.DataFrame, per_km: float
) -> pl.DataFrame:
    """weak: competency, visitor, visitor_mean; strong: competency, host, host_mean."""
    return (
        weak.join(strong, on="competency")
        .filter(pl.col("host") != pl.col("visitor"))
        .join(
            distances.rename({"from_town": "visitor", "to_town": "host"}),
            on=["visitor", "host"],
            how="left",
        )
        .with_columns(km=pl.col("km").fill_null(0.0))
        .with_columns(
            benefit=pl.col("host_mean") - pl.col("visitor_mean"),
            score=pl.col("host_mean") - pl.col("visitor_mean") - per_km * pl.col("km"),
        )
        .filter(pl.col("score") > 0)
        .sort("competency", "visitor", "host")
    )


def candidates(towns: pl.DataFrame, distances: pl.DataFrame, per_km: float) -> pl.DataFrame:
    """towns: town_id, competency, cadres, mean, lo, hi, norm. distances: from_town,
    to_town, km (missing pairs count as 0 km)."""
    strong = towns.filter((pl.col("lo") > pl.col("norm")) & (pl.col("cadres") >= MIN_CADRES))
    weak = towns.filter(pl.col("hi") < pl.col("norm"))
    return _options(
        weak.select("competency", visitor="town_id", visitor_mean="mean"),
        strong.select("competency", host="town_id", host_mean="mean"),
        distances,
        per_km,
    )


def indicator_candidates(
    indicators: pl.DataFrame, distances: pl.DataFrame, per_km: float
) -> pl.DataFrame:
    """The township scorecard's common weaknesses: indicators: town_id, indicator, score
    (0–100), light. A town with a red or yellow light on an indicator visits one that is
    green on it and above the county's mean score for it."""
    mean = pl.col("score").mean().over("indicator")
    strong = indicators.filter((pl.col("light") == "green") & (pl.col("score") > mean))
    weak = indicators.filter(pl.col("light").is_in(["red", "yellow"]))
    return _options(
        weak.select(competency="indicator", visitor="town_id", visitor_mean="score"),
        strong.select(competency="indicator", host="town_id", host_mean="score"),
        distances,
        per_km,
    )


def pair_towns(
    towns: pl.DataFrame, distances: pl.DataFrame, host_cap: int = 2, per_km: float = 0.002
) -> pl.DataFrame:
    """competency, host, visitor, benefit, km, reciprocal — the optimal pairing."""
    return solve(candidates(towns, distances, per_km), host_cap)


def pair_lagging_indicators(
    indicators: pl.DataFrame, distances: pl.DataFrame, host_cap: int = 2, per_km: float = 0.04
) -> pl.DataFrame:
    """The same pairing over the scorecard's indicators (scores on 0–100, so a kilometre
    costs twenty times what it does on the 360's 1–5 scale); `competency` holds the
    indicator's code."""
    return solve(indicator_candidates(indicators, distances, per_km), host_cap)


def solve(candidates: pl.DataFrame, host_cap: int) -> pl.DataFrame:
    """The pairing maximising Σ score: each visitor at most one host per competency, each
    host at most `host_cap` visits."""
    options = candidates.with_row_index("var")
    if options.is_empty():
        return options.select("competency", "host", "visitor", "benefit", "km").with_columns(
            reciprocal=pl.lit(False)
        )
    n = options.height
    var = options["var"].to_numpy()

    def rows(keys: pl.DataFrame) -> csr_array:
        codes = keys.select(pl.struct(keys.columns).rank("dense").cast(pl.Int64) - 1).to_series()
        size = int(codes.max() or 0) + 1  # type: ignore[arg-type]
        return csr_array((np.ones(n), (codes.to_numpy(), var)), shape=(size, n))

    one_host = rows(options.select("competency", "visitor"))
    hosting = rows(options.select("host"))
    result = milp(
        -options["score"].to_numpy(),
        constraints=LinearConstraint(
            vstack([one_host, hosting]).tocsr(),
            -np.inf,
            np.concatenate([np.ones(one_host.shape[0]), np.full(hosting.shape[0], host_cap)]),
        ),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
    )
    chosen = options.filter(pl.Series(np.rint(result.x).astype(bool)))
    mutual = (
        chosen.select(visitor="host", host="visitor").unique().with_columns(reciprocal=pl.lit(True))
    )
    return (
        chosen.join(mutual, on=["host", "visitor"], how="left")
        .with_columns(pl.col("reciprocal").fill_null(False))
        .select("competency", "host", "visitor", "benefit", "km", "reciprocal")
        .sort("competency", "host", "visitor")
    )
