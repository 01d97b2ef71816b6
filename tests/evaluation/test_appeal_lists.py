"""The office's appeal list of a cycle holds that cycle's appeals only, an appeal knows its
cycle, and the to-do counts waiting appeals per cycle (survivors `make mutate` found: the
list of one cycle reading every cycle's, the cycle of an appeal unread)."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation import clock
from evaluation.appeals import store
from evaluation.appeals.cases import MIN_REASON
from evaluation.clock import today
from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.organisation import directory
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


async def test_each_appeal_is_listed_as_lodged_and_lodging_is_refused_in_words(
    small_demo: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the office's and the cadre's lists show of an appeal — the cycle's and the
    cadre's names, the competency's name (综合结果 for the whole result), the correction in
    words, the day — a cadre's list of one cycle holding only that cycle's, the pending count
    of a cycle its own; and each refusal of a lodging in its words (survivors of make mutate
    in results.appeals: every field left out, every message emptied)."""

    cycles = [c.id for c in await snapshots.published_cycles()][:2]
    cells = await snapshots.cells((await snapshots.snapshot_for(cycles[0])).id)
    me = int(cells["ratee_id"].min())
    competency = str(cells.filter(cells["ratee_id"] == me)["competency"][0])
    day = dt.date(2026, 11, 18)
    upheld = await store.insert(appeals.KIND, cycles[0], me, competency, "不适用", "me", day)
    assert upheld and await store.decide(upheld, "upheld", "exclude", "岗位不同", "office", day)
    whole = await store.insert(appeals.KIND, cycles[0], me, "", "综合不服", "me", day)
    elsewhere = await store.insert(appeals.KIND, cycles[1], me, "", "另一周期", "me", day)
    assert whole and elsewhere  # (one pending appeal per cadre and cycle)

    listed = {a.id: a for a in await appeals.for_cadre(me, cycles[0])}
    assert set(listed) == {upheld, whole}  # not the other cycle's
    rubric = await cycle_service.rubric_for_cycle(cycles[0])
    one, overall = listed[upheld], listed[whole]
    assert one.cycle_name == (await cycle_service.get_cycle(cycles[0])).name
    assert one.cadre_id == me and one.cadre_name == (await directory.cadre(me)).name
    assert one.competency == competency
    assert one.competency_name == next(c.name for c in rubric.competencies if c.id == competency)
    assert (one.correction, one.correction_text) == ("exclude", appeals.CORRECTIONS["exclude"])
    assert one.lodged_on == day and one.heading.endswith(f"（{day} 提出）")
    assert (overall.competency, overall.competency_name) == ("", "综合结果")
    assert (overall.correction, overall.correction_text) == ("", "")
    assert {a.id for a in await appeals.for_cadre(me)} >= {upheld, whole, elsewhere}

    assert (await appeals.publicity(cycles[0])).pending == 1  # `whole`; not the other cycle's
    assert (await appeals.publicity(cycles[1])).pending == 1

    states = {c: await appeals.publicity(c) for c in cycles}
    closed = next(c for c in cycles if not states[c].open)
    ends = states[closed].ends_on
    with pytest.raises(Conflict) as late:
        await appeals.POLICY.lodging(closed, me, "")
    assert late.value.message == f"公示期已于 {ends} 结束，不再受理申诉"
    monkeypatch.setattr(clock, "CLOCK", lambda: ends)  # the last day of that 公示: open
    assert (await appeals.publicity(closed)).open
    now = await snapshots.cells((await snapshots.snapshot_for(closed)).id)
    mine = int(now["ratee_id"].min())
    nobody = max(int(c) for c in now["ratee_id"].unique()) + 10_000
    with pytest.raises(NotFound) as refused:
        await appeals.POLICY.lodging(closed, nobody, "")
    assert refused.value.message == "本周期没有您的评价结果"
    assert await appeals.POLICY.lodging(closed, mine, "no_such_competency") == {
        "competency": "请选择您结果中的一项能力，或“综合结果”"
    }
    assert await appeals.POLICY.lodging(closed, mine, "") == {}
    # a reason of MIN_REASON characters is enough; one fewer is refused, on its field
    with pytest.raises(Invalid) as short:
        await appeals.lodge(closed, mine, "me", "", "理" * (MIN_REASON - 1))
    assert short.value.message == "申诉未提交"
    assert short.value.problems == {"reason": appeals.POLICY.reason_hint}
    second = int(now["ratee_id"].unique().sort()[1])  # (`mine` has one pending already)
    assert await appeals.lodge(closed, second, "me", "", "理" * MIN_REASON)
    unpublished = next(c for c in await cycle_service.list_cycles() if c.state != "published")
    with pytest.raises(Conflict) as early:
        await appeals.POLICY.lodging(unpublished.id, mine, "")
    assert early.value.message == "该周期的结果尚未发布，发布后公示期内可以申诉"


async def test_a_rejected_appeal_is_rejected_and_a_decision_is_taken_once(small_demo: int) -> None:
    """The office's 未予支持 is stored as rejected, with no correction whatever the form sent,
    its reason and today's date; a decision without a reason is refused in words and saves
    nothing; a second decision on the same appeal is refused (survivors of make mutate in
    appeals.cases: every decision stored as upheld, the refusals' words and fields)."""

    cycle = (await snapshots.published_cycles())[0].id
    cells = await snapshots.cells((await snapshots.snapshot_for(cycle)).id)
    me = int(cells["ratee_id"].max())
    competency = str(cells.filter(cells["ratee_id"] == me)["competency"][0])
    lodged = await store.insert(appeals.KIND, cycle, me, competency, "不适用", "me", today())
    assert lodged is not None
    with pytest.raises(Invalid) as short:
        await appeals.decide(lodged, False, "exclude", "否", "office")
    assert short.value.message == "复核意见未保存"
    assert short.value.problems == {"decision_reason": "请写明复核意见（至少 4 个字）"}
    assert (await store.row(appeals.KIND, lodged)).state == "pending"
    view = await appeals.decide(lodged, False, "exclude", "评价依据充分", "office")
    assert (view.state, view.correction, view.correction_text) == ("rejected", "", "")
    assert view.decision_reason == "评价依据充分" and view.decided_on == today()
    with pytest.raises(Conflict) as again:
        await appeals.decide(lodged, False, "", "再次复核意见", "office")
    assert again.value.message == "该申诉已复核"
    # the decision reads its own appeal, not the newest: an older appeal on the whole result
    # cannot be upheld with a correction of one item, whatever a newer appeal is about
    other = int(cells["ratee_id"].min())
    whole = await store.insert(appeals.KIND, cycle, other, "", "综合结果不服", "x", today())
    newer = await store.insert(appeals.KIND, cycle, me, competency, "不适用", "me", today())
    assert whole and newer and newer > whole
    with pytest.raises(Invalid) as overall:
        await appeals.decide(whole, True, "exclude", "维持但无单项", "office")
    assert set(overall.value.problems) == {"correction"}
    decided = await appeals.decide(whole, False, "", "综合结果依据充分", "office")
    assert (decided.id, decided.state) == (whole, "rejected")  # its own, not the newest
