"""A leader's team with each member's result in a snapshot, as that leader may see it."""

from __future__ import annotations

import msgspec
import polars as pl

from evaluation.analytics.pipeline import minimum_responses
from evaluation.analytics.profiles import overall
from evaluation.analytics.release import restrict_for_rater
from evaluation.results import published, snapshots
from evaluation.results.compute import counted_in_overall, excluded_cells


class MemberResult(msgspec.Struct, frozen=True):
    overall: float | None
    red: int
    weaknesses: int
    level: str | None


async def team_results(
    leader_id: int, member_ids: list[int], snapshot: snapshots.Snapshot
) -> dict[int, MemberResult]:
    """Each member's overall score, red lights and specific weaknesses in the snapshot —
    from the cells released to this leader (who may have rated the member)."""
    cells = await snapshots.cells(snapshot.id, member_ids)
    groups = await snapshots.groups(snapshot.id, member_ids)
    levels = dict(
        (await snapshots.summaries(snapshot.id, member_ids)).select("ratee_id", "level").iter_rows()
    )
    weights = {c.id: c.weight for c in snapshot.rubric.competencies}
    minimum = minimum_responses(snapshot.rubric)
    excluded = await excluded_cells(snapshot.cycle.id)
    found = {}
    for member in member_ids:
        rows = cells.filter(pl.col("ratee_id") == member)
        if rows.is_empty():
            continue
        rated = await published.readings(snapshot.id, leader_id, member)
        if rated:
            rows, _ = restrict_for_rater(
                rows, groups.filter(pl.col("ratee_id") == member), rated, minimum
            )
        shown = rows.filter(pl.col("score").is_not_null())
        summary = overall(counted_in_overall(rows, excluded), weights)
        found[member] = MemberResult(
            overall=float(summary["overall"][0]) if summary.height else None,
            red=int((shown["light"] == "red").sum()),
            weaknesses=int((shown["finding"] == "weakness").sum()),
            level=levels.get(member),
        )
    return found
