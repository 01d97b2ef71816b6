"""The whole analytics pipeline of a cycle, as one pure function over the contract's frames:
calibration → group means → weighting → release → shrinkage → profiles.

The release rule runs *before* shrinkage: norms, τ², ranks and every later aggregate are
computed from released headlines only, so no published number reopens a withheld one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

from evaluation.analytics.calibration import Calibration, calibrate
from evaluation.analytics.coding import encode
from evaluation.analytics.composite import form_correlation, level_correlation, loadings
from evaluation.analytics.profiles import overall, profile_rows, ranked
from evaluation.analytics.rater_flags import rater_flags
from evaluation.analytics.release import (
    HEADLINE_WITHHELD,
    POOLED_WITHHELD,
    Release,
    counted_matrix,
    release,
)
from evaluation.analytics.reliability import agreement
from evaluation.analytics.shrinkage import shrink
from evaluation.analytics.specific import contrasts
from evaluation.analytics.stages import stage
from evaluation.analytics.weighting import combine, group_scores
from evaluation.groups import COUNTED, GROUPS, RaterGroup
from evaluation.rubrics.schema import Rubric


@dataclass(frozen=True)
class CycleResults:
    calibration: Calibration
    profiles: pl.DataFrame  # one row per cell with counted ratings; withheld cells: nulls + reason
    groups: pl.DataFrame  # group breakdown as released to the office and the cadre
    raters: pl.DataFrame  # severity, fit and flags per rater
    agreement: pl.DataFrame  # inter-rater agreement per rater group and competency
    cadres: pl.DataFrame  # per cadre: overall, overall_sd, competencies, level, rank, peers
    unlinked: pl.DataFrame  # ratee_id, component: cadres outside the anchored rating graph


def minimum_responses(rubric: Rubric) -> dict[str, int]:
    return {group: rubric.min_responses(group) for group in GROUPS}


def aggregate(
    responses: pl.DataFrame,
    ratees: pl.DataFrame,
    rubric: Rubric,
    weights: dict[str, float],
    excluded: pl.DataFrame | None = None,
) -> CycleResults:
    """responses: ratee_id, rater_id, rater_group, competency, level (counted responses
    only). ratees: ratee_id, position_class. weights: the cycle's rater-group weights.
    excluded: ratee_id, competency — cells an upheld appeal found not to apply to the
    cadre's post: still shown, left out of the overall (a function of released numbers
    only, so the anonymity of the release holds)."""
    with stage("encode"):
        coded = encode(responses)
    with stage("calibrate"):
        calibration = calibrate(coded, weights)
    # Rater flags and the agreement report need only the codes and the calibration:
    # computed on a second thread while this one builds the profiles.
    with ThreadPoolExecutor(max_workers=1) as pool:
        flags = pool.submit(rater_flags, coded, calibration.raters)
        report = pool.submit(agreement, coded)
        with stage("group scores"):
            groups = group_scores(coded, calibration)
            combined = combine(groups, weights, calibration.sigma)
        with stage("release"):
            cells = combined["cell"].to_numpy()
            counts = counted_matrix(groups, cells)
            # which group means the headline is a function of (weighting.view_coefficients)
            in_headline = np.column_stack([combined[f"c_{g}"].to_numpy() > 0 for g in COUNTED])
            shown = release(counts, in_headline, minimum_responses(rubric))
        released = shown.headline & combined["corrected"].is_not_null().to_numpy()
        component = calibration.component[cells // coded.k]
        combined = combined.with_columns(
            component=pl.Series(component),
            released=pl.Series(released),
            pooled_shown=pl.Series(shown.pooled),
        )
        with stage("shrinkage"):
            scored = _shrunk(combined, _unlinked_variance(calibration, component)[released])
        with stage("composite"):
            rho = form_correlation(coded, calibration.corrected)
            scored = scored.with_columns(*loadings(rho, level_correlation(scored, rho)))
        with stage("contrasts"):
            scored = scored.join(
                contrasts(coded, scored.select("cell", "ratee_id"), ratees), on="cell", how="left"
            )
        with stage("rater flags, agreement (second thread)"):
            raters, report_frame = flags.result(), report.result()
        # Nothing after this reads a rating: the codes (five arrays as long as the cycle)
        # are let go before the profiles' frames are built.
        unlinked = pl.DataFrame(
            {
                "ratee_id": coded.ratee_ids[calibration.component > 0],
                "component": calibration.component[calibration.component > 0],
            }
        )
        del coded, flags, report
        with stage("profiles"):
            profiles = _profiles(scored, combined, groups, ratees, rubric, excluded)
        with stage("overall"):
            summary = summaries(profiles, ratees, rubric)
        with stage("released groups"):
            breakdown = released_groups(groups, combined, cells, shown)
    return CycleResults(
        cadres=summary,
        calibration=calibration,
        profiles=profiles,
        groups=breakdown,
        raters=raters,
        agreement=report_frame,
        unlinked=unlinked,
    )


def _unlinked_variance(calibration: Calibration, component: np.ndarray) -> np.ndarray:
    """Per cell, the variance a cadre outside the anchored rating graph adds: compared with
    the rest only through the prior on rater severity."""
    spread = calibration.severity_spread**2
    return np.where(
        component > 0, spread / np.maximum(calibration.component_raters[component], 1), 0.0
    )


def _shrunk(combined: pl.DataFrame, extra: np.ndarray) -> pl.DataFrame:
    """The released cells with their shrunken scores; the pooled raw mean where shown."""
    scored = combined.filter("released")
    return scored.join(
        shrink(scored.select("cell", "competency", "corrected", "variance"), extra).drop(
            "competency", "corrected", "variance"
        ),
        on="cell",
        maintain_order="left",
    ).with_columns(raw_mean=pl.when(pl.col("pooled_shown")).then(pl.col("raw_mean")))


def _profiles(
    scored: pl.DataFrame,
    combined: pl.DataFrame,
    groups: pl.DataFrame,
    ratees: pl.DataFrame,
    rubric: Rubric,
    excluded: pl.DataFrame | None,
) -> pl.DataFrame:
    """One row per cell: the released ones profiled, the withheld ones with their reason."""
    self_means = groups.filter(pl.col("rater_group") == RaterGroup.self.value).select(
        "cell", self_mean="raw_mean"
    )
    profiles = profile_rows(
        scored,
        self_means,
        ratees,
        green_from=rubric.lights.green_from,
        red_below=rubric.lights.red_below,
    ).with_columns(
        withheld=pl.lit(None, pl.String),
        pooled_reason=pl.when(~pl.col("pooled_shown")).then(pl.lit(POOLED_WITHHELD)),
    )
    withheld = combined.filter(~pl.col("released")).select(
        "cell",
        "ratee_id",
        "competency",
        "n",
        "missing_groups",
        "redistributed",
        "component",
        withheld=pl.lit(HEADLINE_WITHHELD),
    )
    profiles = pl.concat(
        [profiles.drop("released", "pooled_shown"), withheld], how="diagonal_relaxed"
    ).sort("cell")
    if excluded is not None and not excluded.is_empty():
        profiles = mark_excluded(profiles, excluded)
    return profiles


def summaries(profiles: pl.DataFrame, ratees: pl.DataFrame, rubric: Rubric) -> pl.DataFrame:
    """Per cadre: the overall from the counted cells, its rank within the position class."""
    counted = profiles.filter(pl.col("score").is_not_null(), pl.col("finding").ne_missing(EXCLUDED))
    classes = ratees.select("ratee_id", "position_class")
    summary = overall(counted, {c.id: c.weight for c in rubric.competencies}, classes).join(
        classes, on="ratee_id", how="left"
    )
    return summary.with_columns(
        rank=ranked("overall").rank("min", descending=True).over("position_class").cast(pl.Int64),
        peers=pl.len().over("position_class").cast(pl.Int64),
    ).select("ratee_id", "overall", "overall_sd", "competencies", "level", "rank", "peers")


def released_groups(
    groups: pl.DataFrame, combined: pl.DataFrame, cells: np.ndarray, shown: Release
) -> pl.DataFrame:
    """The group breakdown as released: hidden groups keep their size and the reason, never
    their means; `weight` is each group's effective share in the headline."""
    groups = groups.sort("cell")
    cell = groups["cell"].to_numpy()
    at = np.searchsorted(cells, cell).clip(0, max(len(cells) - 1, 0))
    in_cells = (cells[at] == cell) if len(cells) else np.zeros(len(cell), dtype=bool)
    code = groups["rater_group"].cast(pl.Enum(GROUPS)).to_physical().to_numpy()
    # each group's column in the release's matrices (COUNTED order); −1 for the others
    column_of = np.array([COUNTED.index(g) if g in COUNTED else -1 for g in GROUPS])
    j = column_of[code]
    counted = (j >= 0) & in_cells
    j = np.maximum(j, 0)
    visible = (
        np.where(counted, shown.groups[at, j], True) if len(cells) else np.ones(len(cell), bool)
    )
    hidden = counted & ~visible
    reason = pl.Series("reason", dtype=pl.String).extend_constant(None, len(cell))
    if hidden.any():  # the few hidden groups' reasons: no object array over every row
        where = np.flatnonzero(hidden)
        reason = reason.scatter(where, pl.Series(shown.reasons[at[where], j[where]].tolist()))
    weights = np.zeros(groups.height)
    for index, group in enumerate(COUNTED):
        name = f"w_{group}"
        if name in combined.columns:
            mine = counted & (j == index)
            weights[mine] = combined[name].to_numpy()[at[mine]]
    hide = pl.Series(~visible)
    return groups.with_columns(
        shown=pl.Series(visible),
        reason=reason,
        weight=pl.Series(np.where(counted, weights, np.nan), nan_to_null=True),
        raw_mean=pl.when(hide).then(None).otherwise(pl.col("raw_mean")),
        corrected_mean=pl.when(hide).then(None).otherwise(pl.col("corrected_mean")),
    )


EXCLUDED = "excluded"  # the finding of a cell an upheld appeal took out of the result


def mark_excluded(profiles: pl.DataFrame, excluded: pl.DataFrame) -> pl.DataFrame:
    """Cells an upheld appeal found not to apply: their numbers still shown, but no light, no
    weakness or strength, no severity — so they count toward no red light, no 短板, no 优秀
    evidence and no training demand (issue 30)."""
    marks = excluded.select("ratee_id", "competency").unique().with_columns(_excluded=pl.lit(True))
    out = profiles.join(marks, on=["ratee_id", "competency"], how="left")
    gone = pl.col("_excluded").fill_null(False)
    return out.with_columns(
        light=pl.when(gone).then(None).otherwise(pl.col("light")),
        finding=pl.when(gone).then(pl.lit(EXCLUDED)).otherwise(pl.col("finding")),
        severity=pl.when(gone).then(None).otherwise(pl.col("severity")),
    ).drop("_excluded")
