"""A cadre's own page reads their overall and history from the summaries stored at
publication (one query instead of recombining every cycle's cells): the numbers must be the
ones the cells give, for every cadre of the demo county."""

from __future__ import annotations

import pytest

from evaluation.analytics.profiles import overall
from evaluation.results import snapshots
from evaluation.results.compute import counted_in_overall, excluded_cells
from evaluation.results.feedback import _history, cadre_feedback


async def test_stored_overall_and_history_equal_the_cells(small_demo: int) -> None:
    cycle_id = small_demo
    snapshot = await snapshots.snapshot_for(cycle_id)
    weights = {c.id: c.weight for c in snapshot.rubric.competencies}
    cells = await snapshots.cells(snapshot.id)
    totals = overall(counted_in_overall(cells, await excluded_cells(cycle_id)), weights)
    cycles = await snapshots.published_cycles()
    assert len(cycles) >= 2  # a history to compare
    checked = 0
    for row in totals.head(12).iter_rows(named=True):
        page = await cadre_feedback(row["ratee_id"], cycle_id)
        assert page.overall == pytest.approx(row["overall"], abs=1e-9)
        assert page.overall_hi == pytest.approx(
            row["overall"] + 1.645 * row["overall_sd"], abs=1e-3
        )
        recomputed = await _history(row["ratee_id"], cycles, None, weights)
        assert [(h.label, round(h.overall, 9)) for h in page.history] == [
            (h.label, round(h.overall, 9)) for h in recomputed
        ]
        checked += 1
    assert checked == 12
