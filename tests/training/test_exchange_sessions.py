"""An exchange pairing becomes catalogue sessions: one per host and competency (its visiting
towns named together), only the ticked pairs, two days apart from the first day."""

from __future__ import annotations

import datetime as dt

import polars as pl

from training.catalogue.exchanges import DAYS_APART, exchange_offerings, pair_key

PAIRS = pl.DataFrame(
    {
        "competency": ["digital", "digital", "service", "conflict"],
        "competency_name": ["数字化治理能力", "数字化治理能力", "为民服务", "矛盾纠纷化解"],
        "host": [1, 1, 2, 1],
        "host_name": ["杨柳镇", "杨柳镇", "长乐镇", "杨柳镇"],
        "visitor": [3, 4, 4, 2],
        "visitor_name": ["北源镇", "众埠镇", "众埠镇", "长乐镇"],
    }
)
FIRST = dt.date(2027, 3, 1)


def keys() -> list[str]:
    return PAIRS.select(pair_key()).to_series().to_list()


def test_one_session_per_host_and_competency_with_its_visitors() -> None:
    drafts = exchange_offerings(PAIRS, set(keys()), FIRST, capacity=12)
    titles = [d.title for d in drafts]
    assert sorted(titles) == sorted(
        ["杨柳镇数字化治理能力经验交流", "长乐镇为民服务经验交流", "杨柳镇矛盾纠纷化解经验交流"]
    )
    digital = next(d for d in drafts if "数字化" in d.title)
    assert digital.competencies == {"digital": 1.0} and digital.venue_town == 1
    assert "来访：" in digital.host_cadres
    assert {"北源镇", "众埠镇"} == set(digital.host_cadres.split("来访：")[1].split("、"))
    assert all(d.kind == "exchange" and d.capacity == 12 for d in drafts)
    assert sorted(d.day for d in drafts) == [
        FIRST + dt.timedelta(days=DAYS_APART * i) for i in range(3)
    ]


def test_only_ticked_pairs_and_never_an_unknown_one() -> None:
    one = keys()[2]  # 长乐镇 hosts 众埠镇 on 为民服务
    drafts = exchange_offerings(PAIRS, {one, "digital:9:9"}, FIRST, capacity=5)
    assert [d.title for d in drafts] == ["长乐镇为民服务经验交流"]
    assert drafts[0].day == FIRST
    assert exchange_offerings(PAIRS, set(), FIRST, capacity=5) == []
