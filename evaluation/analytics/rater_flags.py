"""Rater-level quality flags, from the cycle's long frame and the calibration's rater table.

* straight_lining: every one of the rater's forms (≥ 3) gives the same level to all items.
* extreme: severity more than 3 robust standard deviations (1.4826·MAD) from the median —
  "lenient" below, "strict" above.
* identical_cluster: for one cadre, at least 3 raters gave exactly the same answers on at
  least 4 items (possible collusion or copied forms).
* misfit: infit or outfit outside 0.5–1.5 (from the calibration).
Flags are for the assessment office to look at, never applied automatically."""

from __future__ import annotations

import numpy as np
import polars as pl

from evaluation.analytics.coding import GROUPS, Coded, encode

MIN_FORMS = 3
EXTREME_MADS = 3.0
CLUSTER_SIZE = 3
CLUSTER_ITEMS = 4
LEVELS = 5


def rater_flags(responses: pl.DataFrame | Coded, raters: pl.DataFrame) -> pl.DataFrame:
    """`responses`: the cycle's long frame (or it encoded); `raters`: calibration.raters."""
    coded = responses if isinstance(responses, Coded) else encode(responses)
    forms = _forms(coded)
    straight = forms.group_by("rater_id").agg(
        straight_lining=(pl.len() >= MIN_FORMS) & pl.col("flat").all()
    )
    clusters = (
        forms.filter(pl.col("items") >= CLUSTER_ITEMS)
        .with_columns(size=pl.len().over("ratee", "pattern"))
        .group_by("rater_id")
        .agg(identical_cluster=(pl.col("size") >= CLUSTER_SIZE).any())
    )
    median = float(raters.select(pl.col("severity").median()).item() or 0.0)
    mad = float(raters.select((pl.col("severity") - median).abs().median()).item() or 0.0)
    limit = EXTREME_MADS * 1.4826 * mad
    extreme = (
        pl.when(pl.lit(limit > 0) & (pl.col("severity") - median > limit))
        .then(pl.lit("strict"))
        .when(pl.lit(limit > 0) & (median - pl.col("severity") > limit))
        .then(pl.lit("lenient"))
    )
    return (
        raters.select("rater_id", "severity", "misfit", extreme=extreme)
        .join(straight, on="rater_id", how="left")
        .join(clusters, on="rater_id", how="left")
        .with_columns(pl.col("straight_lining", "identical_cluster").fill_null(False))
        .sort("rater_id")
    )


def _forms(coded: Coded) -> pl.DataFrame:
    """One row per form — a rater's answers on one cadre in one role: rater_id, ratee code,
    flat, items, pattern.

    A form's answer pattern is one number: the XOR of a random 64-bit hash per (competency,
    level) item. A form answers each competency once, so equal patterns give equal numbers
    (unequal ones collide with probability ~2⁻⁶⁴) — no sorting or strings per form."""
    ratees = len(coded.ratee_ids)
    known = coded.rater >= 0
    item_hash = np.random.default_rng(7).integers(
        0, np.iinfo(np.int64).max, size=(coded.k, LEVELS + 1), dtype=np.int64
    )
    level = coded.level[known].astype(np.int64)
    np.clip(level, 0, LEVELS, out=level)
    groups = len(GROUPS)  # a leader who also rates a colleague as a peer fills two forms
    # (rater · ratees + ratee) · groups + group, in place: the arrays are as long as the cycle
    cell = coded.cell[known]
    form = coded.rater[known]
    form *= ratees
    form += cell // coded.k
    form *= groups
    form += coded.group[known]
    item = item_hash[cell % coded.k, level]
    del cell
    starts = np.flatnonzero(np.r_[True, form[1:] != form[:-1]]) if len(form) else form
    if pl.Series(form[starts]).n_unique() == len(starts):
        # each form's items are adjacent (as storage and the simulation deliver them):
        # reduce the runs directly instead of hashing millions of rows into groups
        forms = pl.DataFrame(
            {
                "form": form[starts],
                "flat": np.minimum.reduceat(level, starts) == np.maximum.reduceat(level, starts),
                "items": np.diff(np.r_[starts, len(form)]),
                "pattern": np.bitwise_xor.reduceat(item, starts),
            }
        )
    else:
        forms = (
            pl.DataFrame({"form": form, "level": level, "item": item})
            .group_by("form")
            .agg(
                flat=pl.col("level").min() == pl.col("level").max(),
                items=pl.len(),
                pattern=pl.col("item").bitwise_xor(),
            )
        )
    form = forms["form"].to_numpy()
    return forms.select(
        pl.Series("rater_id", coded.rater_ids[form // groups // ratees]),
        pl.Series("ratee", form // groups % ratees),
        "flat",
        "items",
        "pattern",
    )
