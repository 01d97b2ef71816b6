"""Did the training work? Difference-in-differences against comparable untrained cadres.

For an offering and a competency it targeted, the treated are cadres who attended and had
that weakness flagged in the cycle before; the comparison group are cadres with the same
flagged weakness who were not trained — the waiting list first (they wanted the course and
were turned away by a random, recorded order, so they are the natural control), otherwise
every untrained flagged cadre.

  effect = mean(Δ treated) − mean(Δ comparison),  Δ = score after − score before

with a 95% interval from Welch's t (unequal variances). Both groups were picked for being
low, so both drift up by regression to the mean; the difference removes that drift because
the comparison group was selected the same way. When the comparison group is small or its
own rise is large, the report says so: then much of the raw gain of the trained is regression
to the mean, and the interval is the honest measure.

Scores compared are the severity-corrected means before shrinkage (`corrected` in the
calibration): shrinking each cadre toward the norm is right for reporting one person, but it
would pull both groups' changes toward zero and understate the effect.

A placebo check repeats the estimate on a competency the offering did not target: an effect
there means the groups differ in something other than the training.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import t as student_t

from training.schemas import Estimate

CONFIDENCE = 0.95
MIN_GROUP = 5
DRIFT_WARNING = 0.15  # a comparison-group rise this large (1–5 scale) is worth a warning


def changes(before: pl.DataFrame, after: pl.DataFrame, competency: str) -> pl.DataFrame:
    """ratee_id, weak (flagged before), delta — cadres scored on the competency in both."""
    return (
        before.filter(pl.col("competency") == competency)
        .select("ratee_id", weak=pl.col("finding") == "weakness", before="score")
        .join(
            after.filter(pl.col("competency") == competency).select("ratee_id", after="score"),
            on="ratee_id",
        )
        .with_columns(delta=pl.col("after") - pl.col("before"))
    )


def did(
    before: pl.DataFrame,
    after: pl.DataFrame,
    competency: str,
    trained: set[int],
    waitlist: set[int],
    require_weakness: bool = True,
) -> Estimate | None:
    """before/after: a cycle's scores (ratee_id, competency, score, finding). None when
    either group has fewer than five cadres."""
    rows = changes(before, after, competency)
    if require_weakness:
        rows = rows.filter("weak")
    treated = rows.filter(pl.col("ratee_id").is_in(list(trained)))["delta"].to_numpy()
    untrained = rows.filter(~pl.col("ratee_id").is_in(list(trained)))
    waiting = untrained.filter(pl.col("ratee_id").is_in(list(waitlist)))["delta"].to_numpy()
    control, kind = (
        (waiting, "waitlist")
        if len(waiting) >= MIN_GROUP
        else (untrained["delta"].to_numpy(), "untrained")
    )
    if len(treated) < MIN_GROUP or len(control) < MIN_GROUP:
        return None
    effect = float(treated.mean() - control.mean())
    var_t, var_c = treated.var(ddof=1) / len(treated), control.var(ddof=1) / len(control)
    se = float(np.sqrt(var_t + var_c))
    dof = (var_t + var_c) ** 2 / (var_t**2 / (len(treated) - 1) + var_c**2 / (len(control) - 1))
    half = float(student_t.ppf(0.5 + CONFIDENCE / 2, dof)) * se
    warnings = []
    if float(control.mean()) > DRIFT_WARNING:
        warnings.append(
            f"对照组自身也上升了 {control.mean():.2f} 分：培训组的原始进步中有相当部分是均值回归，应看差异"
        )
    if kind == "untrained":
        warnings.append("候补名单人数不足，改用全部未参训的同类短板干部作对照，可比性较弱")
    return Estimate(
        competency=competency,
        effect=effect,
        lo=effect - half,
        hi=effect + half,
        treated=len(treated),
        comparison=len(control),
        treated_change=float(treated.mean()),
        comparison_change=float(control.mean()),
        control=kind,
        warning="；".join(warnings),
    )


def placebo(
    before: pl.DataFrame,
    after: pl.DataFrame,
    targeted: set[str],
    trained: set[int],
    waitlist: set[int],
) -> Estimate | None:
    """The same comparison on the untargeted competency with the most data (no weakness
    filter: the groups were not selected on it)."""
    candidates = (
        before.filter(~pl.col("competency").is_in(list(targeted)))
        .group_by("competency")
        .len()
        .sort(["len", "competency"], descending=[True, False])["competency"]
        .to_list()
    )
    for competency in candidates:
        estimate = did(before, after, competency, trained, waitlist, require_weakness=False)
        if estimate is not None:
            return estimate
    return None
