"""The office's appeal list of a cycle holds that cycle's appeals only, an appeal knows its
cycle, and the to-do counts waiting appeals per cycle (survivors `make mutate` found: the
list of one cycle reading every cycle's, the cycle of an appeal unread)."""

from __future__ import annotations

import datetime as dt

from evaluation.appeals import store
from evaluation.results import appeals, snapshots


async def test_each_cycles_list_holds_its_own_appeals(small_demo: int) -> None:
    cycles = [c.id for c in await snapshots.published_cycles()][:2]
    assert len(cycles) == 2
    cadre = (await snapshots.cells((await snapshots.snapshot_for(cycles[0])).id))["ratee_id"][0]
    lodged = {
        cycle: await store.insert(
            appeals.KIND, cycle, int(cadre), "", f"申诉{cycle}", "cadre", dt.date(2026, 11, 20)
        )
        for cycle in cycles
    }
    for cycle in cycles:
        listed = [a.id for a in await appeals.for_cycle(cycle)]
        assert lodged[cycle] in listed
        assert not set(listed) & {lodged[other] for other in cycles if other != cycle}
        assert await appeals.cycle_of(int(lodged[cycle] or 0)) == cycle
    waiting = await appeals.pending_by_cycle()
    assert all(waiting.get(cycle, 0) >= 1 for cycle in cycles)
