"""The 360 appeal policy's word on an upheld decision (found by `make mutate`: the refusals'
field and words were unguarded): a decision that upholds must say which correction it makes,
an appeal against the overall has no single item to correct, and a valid correction passes."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from evaluation.appeals.store import AppealRow
from evaluation.results.appeals import CORRECTIONS, POLICY

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
