"""Cycles with known truth, simulated independently of `tests/simulation.py` and of the
analytics under test: raters are drawn per cadre from pools, groups have their own
leniency, cadres may carry one planted specific weakness, and whole towns can be left
unlinked. Used by the recovery, weighting and weakness-precision tests.

Truth is stated on the scale the calibration reports: a cadre's true level plus the
cycle's weighted mean of the groups' leniencies (the "weighted panel").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

WEIGHTS = {"superior": 0.35, "peer": 0.35, "resident": 0.30}


@dataclass(frozen=True)
class Design:
    towns: int = 8
    per_town: int = 30
    competencies: int = 8
    superiors: tuple[int, int] = (1, 3)  # per cadre, inclusive range
    peers: tuple[int, int] = (4, 7)
    residents: tuple[int, int] = (0, 10)
    resident_items: int = 3  # residents rate the first few competencies only
    leniency: dict[str, float] = field(
        default_factory=lambda: {"superior": 0.0, "peer": 0.0, "resident": 0.0}
    )
    rater_sd: float = 0.3
    halo: float = 0.35  # a rater's overall impression of one cadre, on every item of the form
    views: float = 0.0  # how differently each group sees each cadre (SD of a group × cadre effect)
    noise: float = 0.4
    general_sd: float = 0.3
    specific_sd: float = 0.3
    mu: float = 3.3
    planted_share: float = 0.0  # cadres with one planted specific weakness
    # its size, in SDs of individual ratings (the usual unit of an effect size)
    planted_sd: tuple[float, float] = (0.5, 1.0)
    county_leaders: int = 4  # superiors shared across towns (they link the towns' scales)
    unlinked_towns: int = 0  # towns rated only by their own people, no residents
    cannot_observe: float = 0.03
    weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))


@dataclass(frozen=True)
class Truth:
    responses: pl.DataFrame  # the analytics contract's long frame
    ratees: pl.DataFrame  # ratee_id, town_id, position_class
    levels: pl.DataFrame  # ratee_id, competency, true_level (on the weighted panel's scale)
    planted: pl.DataFrame  # ratee_id, competency, size (positive: how far below)


def simulate(design: Design, seed: int) -> Truth:
    rng = np.random.default_rng(seed)
    n = design.towns * design.per_town
    k = design.competencies
    names = [f"c{j:02d}" for j in range(k)]
    cadre = np.arange(1, n + 1)
    town = (cadre - 1) // design.per_town
    general = rng.normal(0, design.general_sd, n)
    specific = rng.normal(0, design.specific_sd, (n, k))
    rating_sd = float(
        np.sqrt(
            design.general_sd**2
            + design.specific_sd**2
            + design.rater_sd**2
            + design.halo**2
            + design.noise**2
            + 1 / 12  # rounding to whole levels
        )
    )
    planted_rows = []
    chosen = rng.random(n) < design.planted_share
    for i in np.flatnonzero(chosen):
        j = int(rng.integers(0, k))
        size = rng.uniform(*design.planted_sd) * rating_sd
        specific[i, j] -= size
        planted_rows.append((int(cadre[i]), names[j], float(size)))
    true_level = design.mu + general[:, None] + specific
    unlinked = town >= design.towns - design.unlinked_towns
    lenient = design.leniency
    offset = sum(design.weights[g] * lenient.get(g, 0.0) for g in design.weights) / sum(
        design.weights.values()
    )

    rows: list[tuple[np.ndarray, ...]] = []
    next_rater = [100_000]

    def raters(count: int) -> np.ndarray:
        start = next_rater[0]
        next_rater[0] += count
        return np.arange(start, start + count)

    severity: dict[int, float] = {}
    county = raters(design.county_leaders)
    for r in county:
        severity[int(r)] = rng.normal(0, design.rater_sd)
    town_pools = []
    for _ in range(design.towns):
        pool = raters(12)
        for r in pool:
            severity[int(r)] = rng.normal(0, design.rater_sd)
        town_pools.append(pool)
    for i in range(n):
        t = town[i]
        pool = town_pools[t]
        s = int(rng.integers(design.superiors[0], design.superiors[1] + 1))
        p = int(rng.integers(design.peers[0], design.peers[1] + 1))
        r = 0 if unlinked[i] else int(rng.integers(design.residents[0], design.residents[1] + 1))
        bosses = list(rng.choice(pool[:4], size=min(s, 4), replace=False))
        if not unlinked[i] and s > 0 and design.county_leaders:
            bosses[-1] = int(rng.choice(county))  # one leader from the county level
        colleagues = rng.choice(pool[4:], size=min(p, 8), replace=False)
        view = {
            g: rng.normal(0, design.views) if design.views else 0.0
            for g in ("superior", "peer", "resident")
        }
        for group, who, items in (
            ("superior", np.array(bosses, dtype=np.int64), k),
            ("peer", colleagues, k),
            ("resident", raters(r), min(design.resident_items, k)),
        ):
            for rater in who:
                effect = severity.get(int(rater), 0.0)
                latent = true_level[i, :items] + lenient.get(group, 0.0) + view[group] - effect
                latent = latent + rng.normal(0, design.halo) + rng.normal(0, design.noise, items)
                level = np.clip(np.rint(latent), 1, 5).astype(float)
                level[rng.random(items) < design.cannot_observe] = np.nan
                rows.append(
                    (
                        np.full(items, cadre[i]),
                        np.full(items, rater),
                        np.full(items, group),
                        np.array(names[:items]),
                        level,
                    )
                )
    ratee, rater_id, group_col, competency, level = (
        np.concatenate(c) for c in zip(*rows, strict=True)
    )
    responses = pl.DataFrame(
        {
            "ratee_id": ratee.astype(np.int64),
            "rater_id": pl.Series(rater_id.astype(np.int64)),
            "rater_group": group_col,
            "competency": competency,
            "level": pl.Series(level, nan_to_null=True).cast(pl.Int64),
        }
    ).with_columns(
        rater_id=pl.when(pl.col("rater_group") == "resident")
        .then(None)
        .otherwise(pl.col("rater_id"))
    )
    return Truth(
        responses=responses,
        ratees=pl.DataFrame(
            {"ratee_id": cadre, "town_id": town + 1, "position_class": np.full(n, "staff")}
        ),
        levels=pl.DataFrame(
            {
                "ratee_id": np.repeat(cadre, k),
                "competency": np.tile(np.array(names), n),
                "true_level": (true_level + offset).ravel(),
            }
        ),
        planted=pl.DataFrame(
            planted_rows,
            schema={"ratee_id": pl.Int64, "competency": pl.String, "size": pl.Float64},
            orient="row",
        ),
    )
