"""A value the office decided under 核查 holds (issue 29, #4). Before: the office corrected a
flagged revenue (jump ×4.5 → 9000); the reporter sent 40000 again and the value was 40000,
the correction gone and the status "ok". Now a new report of a decided value opens a new
review with the history kept, and the decided value counts until the office decides again;
sending the decided figure itself changes nothing."""

from __future__ import annotations

import pytest

from evaluation.scorecard import service
from evaluation.scorecard.tables import IndicatorValue
from tests.storage.test_scorecard_storage import (
    Q1_OPEN,
    Q2_OPEN,
    YEAR,
    published_year,
    town_values,
    towns_by_name,
)


async def counting_revenue(town: int) -> tuple[float, str]:
    view = await service.town_view(YEAR, town, on=Q2_OPEN)
    line = next(li for li in view.lines if li.code == "fiscal_revenue")
    assert line.value is not None
    return line.value, line.status


@pytest.mark.usefixtures("db")
async def test_a_decided_value_is_not_overwritten_by_a_new_report() -> None:
    await published_year()
    names = await towns_by_name()
    town = names["凤凰镇"]
    for quarter, on in ((1, Q1_OPEN), (2, Q2_OPEN)):
        for town_id in names.values():
            fields = town_values(await service.quarter_form(YEAR, town_id, quarter, on=on))
            if town_id == town and quarter == 2:
                fields["fiscal_revenue"] = str(float(fields["fiscal_revenue"]) * 4.5)
            await service.report(YEAR, town_id, quarter, fields, {}, [], "reporter", on=on)
    [flagged] = await service.review_queue(YEAR)
    await service.decide(flagged.value_id, "correct", "9000", "核对税务系统后更正", "office")
    assert await counting_revenue(town) == (9000, "corrected")

    form = await service.quarter_form(YEAR, town, 2, on=Q2_OPEN)
    again = {**town_values(form), "fiscal_revenue": "40000"}
    await service.report(YEAR, town, 2, again, {}, [], "reporter", on=Q2_OPEN)
    value, status = await counting_revenue(town)
    assert (value, status) == (9000, "flagged")  # the decision counts; a new review is open
    [reopened] = await service.review_queue(YEAR)
    assert reopened.value_id == flagged.value_id and reopened.value == 40000
    assert any("重新报送" in f for f in reopened.flags)
    assert [d.after for d in await service.decisions(YEAR)] == []  # listed once decided again

    await service.decide(reopened.value_id, "confirm", "", "补充了税务系统截图，属实", "office")
    assert await counting_revenue(town) == (40000, "confirmed")
    history = await service.decisions(YEAR)
    assert sorted((d.before, d.after) for d in history) == sorted(
        [(flagged.value, 9000.0), (40000.0, 40000.0)]
    )

    # the decided figure reported again changes nothing
    await service.report(YEAR, town, 2, again, {}, [], "reporter", on=Q2_OPEN)
    row = await IndicatorValue.select().where(IndicatorValue.id == flagged.value_id).first()
    assert row is not None and (row["status"], row["value"]) == ("confirmed", 40000)
