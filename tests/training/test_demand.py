"""The demand report names weaknesses that no course covers, and seat shortfalls."""

from __future__ import annotations

import polars as pl

from training.insight.demand import demand


def test_uncovered_and_under_seated_weaknesses_are_reported() -> None:
    weaknesses = pl.DataFrame(
        {
            "ratee_id": [1, 2, 3, 4, 5, 6, 1],
            "competency": ["digital"] * 4 + ["service"] * 2 + ["teamwork"],
            "competency_name": ["数字化治理能力"] * 4 + ["为民服务"] * 2 + ["团结协作"],
        }
    )
    cadres = pl.DataFrame({"cadre_id": [1, 2, 3, 4, 5, 6], "town_id": [1, 1, 2, 3, 1, 2]})
    targets = pl.DataFrame(
        {
            "offering_id": [10, 11, 12],
            "competency": ["service", "teamwork", "digital"],
            "relevance": [1.0, 1.0, 0.3],  # the digital course only touches on it
        }
    )
    seats = pl.DataFrame({"offering_id": [10, 11, 12], "capacity": [1, 5, 30]})
    report = demand(weaknesses, cadres, targets, seats)
    rows = {r["competency"]: r for r in report.iter_rows(named=True)}
    assert (
        rows["digital"]["message"]
        == "3 个乡镇的 4 名干部在数字化治理能力上有短板，目录中没有对应课程"
    )
    assert rows["service"]["gap"] == 1 and "缺 1 个" in rows["service"]["message"]
    assert rows["teamwork"]["message"] is None
    assert report["competency"][0] == "digital"
