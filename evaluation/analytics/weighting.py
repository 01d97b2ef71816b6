"""Combining rater groups with the cycle's weights.

Per cadre and competency, each group's mean is corrected for its raters' severities (from
the calibration); the groups are combined with the cycle's weights. A group with no ratings
has its weight redistributed over the others in proportion, and the output says so
(`redistributed`, `missing_groups`). Self-assessment never counts (weight 0 by design)."""

from __future__ import annotations

import numpy as np
import polars as pl

from evaluation.analytics.calibration import Calibration
from evaluation.analytics.coding import Coded, encode, widen
from evaluation.groups import COUNTED, GROUPS


def group_scores(responses: pl.DataFrame | Coded, calibration: Calibration) -> pl.DataFrame:
    """cell, ratee_id, competency, rater_group, n, raw_mean, corrected_mean — one row per
    rater group present, ordered by cadre, competency and `coding.GROUPS`. Self-assessments
    are included uncorrected; one-off raters have no severity to correct for."""
    coded = responses if isinstance(responses, Coded) else encode(responses)
    slots = len(GROUPS)
    severity = np.where(
        (coded.rater >= 0) & (coded.group != GROUPS.index("self")),
        calibration.severity_by_code[np.clip(coded.rater, 0, None)],
        0.0,
    )
    slot = coded.cell * slots + coded.group
    size = coded.cells * slots
    n = np.bincount(slot, minlength=size)
    present = np.flatnonzero(n)
    count = n[present]
    return coded.cell_keys(present // slots).with_columns(
        pl.col("cell").set_sorted(),
        rater_group=pl.Series(GROUPS, dtype=pl.Enum(GROUPS)).gather(present % slots),
        n=pl.Series(count.astype(np.int64)),
        raw_mean=pl.Series(np.bincount(slot, coded.level, minlength=size)[present] / count),
        corrected_mean=pl.Series(
            np.bincount(slot, coded.level + severity, minlength=size)[present] / count
        ),
    )


def combine_groups(groups: pl.DataFrame, weights: dict[str, float]) -> pl.DataFrame:
    """cell, ratee_id, competency, weighted_score, weighted_raw, one `w_<group>` column per
    weighted group (effective weights, summing to 1), redistributed, missing_groups."""
    wanted = {g: w for g, w in weights.items() if g in COUNTED and w > 0}
    groups_sorted = sorted(wanted)
    groups = groups.sort("cell")  # free when already sorted, as group_scores returns it
    wide = widen(groups)
    present = wide.matrix(np.ones(groups.height, dtype=bool), False)
    weight = present * np.array([wanted.get(g, 0.0) for g in GROUPS])
    total = weight.sum(axis=1)
    kept = np.flatnonzero(total > 0)  # cells with at least one weighted group
    share = weight[kept] / total[kept, None]

    def combined(column: str) -> np.ndarray:
        return (share * wide.matrix(groups[column].fill_null(0.0).to_numpy(), 0.0)[kept]).sum(
            axis=1
        )

    scores = groups[wide.first[kept]].select("cell", "ratee_id", "competency")
    scores = scores.with_columns(
        *[pl.Series(f"w_{g}", share[:, GROUPS.index(g)]) for g in groups_sorted],
        weighted_score=pl.Series(combined("corrected_mean")).clip(1, 5),
        weighted_raw=pl.Series(combined("raw_mean")),
    )
    # which weighted groups are missing, as a bit pattern per cell, looked up in the table
    # of all 2^g patterns: a gather instead of building a list per row
    bits = (
        (share[:, [GROUPS.index(g) for g in groups_sorted]] == 0) << np.arange(len(groups_sorted))
    ).sum(axis=1)
    patterns = [
        [g for i, g in enumerate(groups_sorted) if pattern >> i & 1]
        for pattern in range(2 ** len(groups_sorted))
    ]
    missing = pl.Series("missing_groups", patterns, dtype=pl.List(pl.String)).gather(bits)
    return scores.with_columns(missing, redistributed=pl.Series(bits > 0))
