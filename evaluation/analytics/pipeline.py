"""The whole analytics pipeline of a cycle, as one pure function over the contract's frames:
calibration → group scores → weighting → anonymity → profiles."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from evaluation.analytics.anonymity import suppress, suppress_combined
from evaluation.analytics.calibration import Calibration, calibrate
from evaluation.analytics.coding import encode
from evaluation.analytics.profiles import profile_rows
from evaluation.analytics.rater_flags import rater_flags
from evaluation.analytics.weighting import combine_groups, group_scores
from evaluation.groups import GROUPS
from evaluation.rubrics.schema import Rubric


@dataclass(frozen=True)
class CycleResults:
    calibration: Calibration
    profiles: pl.DataFrame  # one row per cadre and competency, groups below threshold absent
    groups: pl.DataFrame  # group breakdown after suppression (hidden means are null)
    raters: pl.DataFrame  # severity, fit and flags per rater


def aggregate(
    responses: pl.DataFrame, ratees: pl.DataFrame, rubric: Rubric, weights: dict[str, float]
) -> CycleResults:
    """responses: ratee_id, rater_id, rater_group, competency, level. ratees: ratee_id,
    position_class. weights: the cycle's rater-group weights."""
    coded = encode(responses)
    calibration = calibrate(coded)
    # Rater flags need only the codes and the calibration: computed on a second thread while
    # this one builds the profiles (numpy and polars release the GIL in their kernels).
    with ThreadPoolExecutor(max_workers=1) as pool:
        flags = pool.submit(rater_flags, coded, calibration.raters)
        groups = group_scores(coded, calibration)
        minimum = {group: rubric.min_responses(group) for group in GROUPS}
        shown = suppress(groups, minimum)
        combined = suppress_combined(combine_groups(groups, weights), shown)
        profiles = profile_rows(
            calibration.scores,
            groups,
            ratees,
            green_from=rubric.lights.green_from,
            red_below=rubric.lights.red_below,
        ).join(
            combined.select("cell", "weighted_score", "redistributed", "missing_groups"),
            on="cell",
            how="left",
            maintain_order="left",
        )
        return CycleResults(
            calibration=calibration, profiles=profiles, groups=shown, raters=flags.result()
        )
