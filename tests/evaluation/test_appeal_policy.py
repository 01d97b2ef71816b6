"""The 360 appeal policy's word on an upheld decision (found by `make mutate`: the refusals'
field and words were unguarded): a decision that upholds must say which correction it makes,
an appeal against the overall has no single item to correct, and a valid correction passes."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from evaluation.appeals.store import AppealRow
from evaluation.cycles.schemas import CycleRecord
from evaluation.results.appeals import CORRECTIONS, POLICY, publicity_of

CASE = AppealRow(
    id=1,
    kind="cadre_result",
    period=3,
    subject=41,
    item="integrity",
    reason="该项不适用于我的岗位",
    lodged_by="zhang",
    lodged_on=dt.date(2026, 12, 2),
    state="pending",
    correction="",
    decision_reason="",
    decided_by="",
    decided_on=None,
)


@pytest.mark.parametrize("raw", ["", "bogus", "EXCLUDE"])
async def test_an_upheld_decision_must_name_its_correction(raw: str) -> None:
    assert await POLICY.correction(CASE, raw) == ("", {"correction": "维持申诉须选择更正方式"})


async def test_an_appeal_on_the_overall_has_no_item_to_correct() -> None:
    overall = msgspec.structs.replace(CASE, item="")
    assert await POLICY.correction(overall, "exclude") == (
        "",
        {"correction": "针对综合结果的申诉没有可更正的单项：请驳回并说明理由"},
    )


@pytest.mark.parametrize("raw", sorted(CORRECTIONS))
async def test_a_named_correction_on_an_item_passes(raw: str) -> None:
    assert await POLICY.correction(CASE, raw) == (raw, {})


def cycle_in(state: str, ends_on: dt.date | None) -> CycleRecord:
    return CycleRecord(
        id=3,
        name="2026年度干部综合评价",
        period="annual",
        year=2026,
        quarter=None,
        rubric_id=1,
        rubric_name="乡镇干部",
        rubric_version="2026.1",
        weights={"superior": 0.5, "peer": 0.3, "resident": 0.2},
        peers_per_cadre=5,
        opens_on=dt.date(2026, 11, 1),
        closes_on=dt.date(2026, 11, 20),
        remind_on=None,
        state=state,
        publicity_ends_on=ends_on,
    )


@pytest.mark.parametrize("state", ["draft", "open", "closed"])
def test_a_cycle_not_yet_published_takes_no_appeal(state: str) -> None:
    """`make mutate` found this unguarded: a 公示 that opened before publication."""
    ends = dt.date(2026, 12, 10)
    for day in (dt.date(2026, 11, 25), ends):
        seen = publicity_of(cycle_in(state, ends), 0, day)
        assert not seen.open and not seen.final and seen.starts_on is None


def test_a_published_cycle_takes_appeals_to_the_last_day_of_publicity() -> None:
    ends = dt.date(2026, 12, 10)
    assert publicity_of(cycle_in("published", ends), 0, ends).open
    after = publicity_of(cycle_in("published", ends), 0, ends + dt.timedelta(days=1))
    assert not after.open and after.final
    assert not publicity_of(cycle_in("published", ends), 1, ends + dt.timedelta(days=1)).final
