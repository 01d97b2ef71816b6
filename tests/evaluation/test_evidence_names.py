"""Evidence sheets name indicators as offices do — by the rubric's Chinese name — or by id:
both map to the same levels; a name the rubric does not have is refused, naming it."""

from __future__ import annotations

import polars as pl

from evaluation.evidence.mapping import indicator_table, map_evidence
from evaluation.rubrics.loader import load_default_rubric

RUBRIC = load_default_rubric()
KNOWN = pl.DataFrame({"external_id": ["T001-001"], "id": [7]})


def rows(indicators: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "cadre_id": ["T001-001"] * len(indicators),
            "indicator": indicators,
            "period": ["2026"] * len(indicators),
            "value": [str(10 * (i + 1)) for i in range(len(indicators))],
        }
    )


def test_chinese_names_map_like_ids() -> None:
    table = indicator_table(RUBRIC)
    assert table["indicator_name"].is_duplicated().sum() == 0  # every name names one indicator
    by_id, id_problems = map_evidence(rows(table["indicator"].to_list()), RUBRIC, KNOWN)
    by_name, name_problems = map_evidence(rows(table["indicator_name"].to_list()), RUBRIC, KNOWN)
    assert id_problems.is_empty() and name_problems.is_empty()
    assert by_name.equals(by_id)
    assert by_id.height == table.height


def test_an_unknown_name_is_refused_by_name() -> None:
    mapped, problems = map_evidence(rows(["群众满意度（自创）"]), RUBRIC, KNOWN)
    assert mapped.is_empty()
    assert problems["message"].to_list() == ["指标“群众满意度（自创）”不在本周期量表中"]
