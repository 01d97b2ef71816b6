"""An upheld appeal's new snapshot: the published one with the exclusions applied, every
other number as published.

An exclusion takes one competency out of one cadre's overall (`pipeline.mark_excluded`): it
changes that cell's light, finding and severity and, through the class's mean and ranks,
the summaries of the cadre's position class. Nothing else reads it — calibration, group
means, the release, the competencies' norms — so the other parts are copied row for row in
SQL and only the summaries are computed again, from the snapshot's own cells, by the
pipeline's own function. Equal to running the whole pipeline again (tested), without its
cost: on a province a full recomputation and a snapshot's writes take a minute."""

from __future__ import annotations

from evaluation.analytics.pipeline import EXCLUDED, summaries
from evaluation.results import published, snapshots
from evaluation.results.compute import excluded_cells

# what a cadre's summary reads of their cells (`profiles.overall`, `composite.overall_variance`)
SUMMARISED = (
    "ratee_id",
    "competency",
    "score",
    "sd",
    "finding",
    "severity",
    "halo_loading",
    "level_loading",
)


async def amended_snapshot(cycle_id: int) -> int:
    """A new (unfrozen) snapshot of the cycle: its published one with every upheld exclusion
    applied."""
    base = await snapshots.snapshot_for(cycle_id)
    excluded = await excluded_cells(cycle_id)
    async with published.transaction():
        snapshot_id = await published.snapshot_like(cycle_id, base.id)
        for part in published.PARTS:
            if part is not published.SUMMARIES:
                await published.copy(part, base.id, snapshot_id)
        await published.mark_cells(snapshot_id, excluded.rows(), EXCLUDED)
        cells = await published.read(published.CELLS, snapshot_id, only=SUMMARISED)
        people = await published.read(published.PEOPLE, snapshot_id)
        summary = summaries(cells, people.select("ratee_id", "position_class"), base.rubric)
        await published.write(published.SUMMARIES, snapshot_id, summary)
    return snapshot_id
