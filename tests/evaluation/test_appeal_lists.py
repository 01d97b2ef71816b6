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


async def test_a_cadre_is_told_of_their_own_decided_appeals_only(small_demo: int) -> None:
    """The cadre's notices: one per decided appeal of theirs — 维持 with the correction when
    upheld (green), 未予支持 without it when not (yellow), the office's reason, the day and a
    link to the cycle's feedback — never a pending one, never another cadre's (survivors of
    make mutate: every cadre's appeals, pending ones, the upheld words and tone)."""
    cycles = [c.id for c in await snapshots.published_cycles()][:2]
    cells = await snapshots.cells((await snapshots.snapshot_for(cycles[0])).id)
    me, other = (int(c) for c in cells["ratee_id"].unique().sort()[:2])
    competency = str(cells.filter(cells["ratee_id"] == me)["competency"][0])
    day = dt.date(2026, 11, 20)

    async def appeal(cycle: int, cadre: int, state: str, reason: str) -> int:
        lodged = await store.insert(appeals.KIND, cycle, cadre, competency, "不服", "x", day)
        assert lodged is not None
        if state != "pending":
            correction = "exclude" if state == "upheld" else ""
            assert await store.decide(lodged, state, correction, reason, "office", day)
        return lodged

    await appeal(cycles[0], me, "upheld", "该项不适用于其岗位")
    await appeal(cycles[1], me, "rejected", "评价依据充分")
    await appeal(cycles[0], me, "pending", "")
    await appeal(cycles[0], other, "upheld", "别人的申诉")
    notices = await appeals.appeal_notices(me)
    assert sorted(n.tone for n in notices) == ["green", "yellow"]
    assert all(n.kind == "appeal" and n.on == day for n in notices)
    upheld = next(n for n in notices if n.tone == "green")
    rejected = next(n for n in notices if n.tone == "yellow")
    assert upheld.title.startswith("申诉复核维持：") and rejected.title.startswith(
        "申诉复核未予支持："
    )
    assert upheld.detail.endswith("考核办意见：该项不适用于其岗位") and "。" in upheld.detail
    assert rejected.detail == "考核办意见：评价依据充分"
    assert upheld.link == f"/me/feedback?cycle={cycles[0]}#appeals"
    assert rejected.link == f"/me/feedback?cycle={cycles[1]}#appeals"
    assert all("别人的申诉" not in n.detail for n in notices)
