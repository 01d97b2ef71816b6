"""The demo county's training catalogue: about a dozen workshops on the rubric's
competencies, and exchange sessions hosted by towns that are clearly strong at something."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

import polars as pl

from evaluation.results import county, snapshots
from evaluation.tables import Cadre, Town
from training.tables import Offering

WORKSHOPS = (
    # title, {competency: relevance}, format, trainer, capacity, fee, days from start
    (
        "数字化治理能力提升班",
        {"digital": 1.0},
        "集中授课+上机实训",
        "县大数据中心 周工程师",
        40,
        300.0,
        7,
    ),
    (
        "数字乡村平台实操工作坊",
        {"digital": 1.0, "service": 0.4},
        "上机实训",
        "市数字办 李老师",
        25,
        200.0,
        21,
    ),
    (
        "矛盾纠纷多元化解专题培训",
        {"conflict": 1.0, "lawful_admin": 0.4},
        "案例研讨",
        "县司法局 王科长",
        35,
        200.0,
        10,
    ),
    (
        "依法行政与合规执法研修班",
        {"lawful_admin": 1.0, "integrity": 0.3},
        "集中授课",
        "市委党校 陈教授",
        40,
        400.0,
        14,
    ),
    (
        "乡村振兴创新工作坊",
        {"specialty_industry": 1.0, "land_transfer": 0.6, "responsibility": 0.3},
        "现场教学",
        "省农科院 刘研究员",
        30,
        600.0,
        28,
    ),
    (
        "土地流转政策与实务",
        {"land_transfer": 1.0, "lawful_admin": 0.3},
        "集中授课",
        "县农业农村局 赵股长",
        30,
        0.0,
        17,
    ),
    ("为民服务窗口礼仪与效能", {"service": 1.0}, "情景演练", "县政务服务中心 孙主任", 40, 0.0, 8),
    (
        "担当作为与急难险重任务处置",
        {"responsibility": 1.0, "conflict": 0.3},
        "案例研讨",
        "市委党校 吴教授",
        40,
        400.0,
        24,
    ),
    ("团队协作与沟通训练营", {"teamwork": 1.0}, "体验式培训", "外聘培训师 郑老师", 30, 800.0, 31),
    (
        "社区治理创新研讨班",
        {"community_innovation": 1.0, "service": 0.4},
        "现场教学",
        "市民政局 冯处长",
        25,
        400.0,
        35,
    ),
    ("流动人口服务管理实务", {"migrant_services": 1.0}, "集中授课", "县公安局 何所长", 25, 0.0, 38),
    (
        "助企服务与安全生产监管",
        {"enterprise_service": 1.0, "work_safety": 1.0},
        "案例研讨",
        "县工信局 周科长",
        30,
        200.0,
        20,
    ),
    (
        "生态保护与绿色发展实务",
        {"ecological_protection": 1.0, "green_development": 0.8},
        "现场教学",
        "市林业局 钱站长",
        30,
        500.0,
        26,
    ),
    (
        "乡村旅游与景区服务提升",
        {"rural_tourism": 1.0, "scenic_area_management": 1.0},
        "现场教学",
        "县文旅局 郭主任",
        30,
        500.0,
        33,
    ),
    (
        "廉洁自律警示教育",
        {"integrity": 1.0, "political": 0.5},
        "警示教育",
        "县纪委监委",
        60,
        0.0,
        12,
    ),
    ("政治理论与党性修养轮训", {"political": 1.0}, "集中授课", "县委党校", 60, 0.0, 3),
)


def demo_workshops(start: date, towns: list[int], scale: float = 1.0) -> list[dict[str, Any]]:
    """One row per workshop, each held in one of the county's towns in turn. `scale`: the
    county's size against the full demo's 1,200 cadres — seats stay scarce at any size,
    so plans have waiting lists (the natural control group of the effects page)."""
    return [
        {
            "kind": "workshop",
            "title": title,
            "competencies": targets,
            "format": form,
            "trainer": trainer,
            "venue_town": towns[index % len(towns)],
            "host_cadres": "",
            "day": start + timedelta(days=offset),
            "capacity": max(4, round(capacity * scale)),
            "fee": fee,
        }
        for index, (title, targets, form, trainer, capacity, fee, offset) in enumerate(WORKSHOPS)
    ]


def exchange_sessions(
    strong: pl.DataFrame,
    names: dict[str, str],
    start: date,
    per_competency: int = 2,
    scale: float = 1.0,
) -> list[dict[str, Any]]:
    """strong: town_id, town, competency, lo, norm — towns whose 90% interval lies wholly
    above the county norm. The strongest `per_competency` towns host an exchange on it."""
    hosts = (
        strong.with_columns(margin=pl.col("lo") - pl.col("norm"))
        .sort(["competency", "margin"], descending=[False, True])
        .group_by("competency", maintain_order=True)
        .head(per_competency)
    )
    return [
        {
            "kind": "exchange",
            "title": f"{row['town']}{names.get(row['competency'], row['competency'])}经验交流",
            "competencies": {row["competency"]: 1.0},
            "format": "跨乡镇交流",
            "trainer": "",
            "venue_town": row["town_id"],
            "host_cadres": f"{row['town']}班子成员介绍做法并现场观摩",
            "day": start + timedelta(days=40 + 2 * index),
            "capacity": max(4, round(15 * scale)),
            "fee": 0.0,
        }
        for index, row in enumerate(hosts.iter_rows(named=True))
    ]


FULL_DEMO_CADRES = 1200


async def load_demo_catalogue(start: date) -> int:
    """The demo's catalogue: the workshops, and exchanges hosted by clearly strong towns in
    the latest published cycle."""
    town_ids = [r["id"] for r in await Town.select(Town.id).order_by(Town.id)]
    scale = min(1.0, await Cadre.count() / FULL_DEMO_CADRES)
    rows = demo_workshops(start, town_ids, scale=scale)
    cycles = await snapshots.published_cycles()
    if cycles:
        snapshot = await snapshots.snapshot_for(cycles[0].id)
        towns = (await county.county_frames(snapshot))["towns"]
        strong = towns.filter(pl.col("lo") > pl.col("norm"))
        rows += exchange_sessions(
            strong, {c.id: c.name for c in snapshot.rubric.competencies}, start, scale=scale
        )
    for row in rows:
        await Offering.insert(Offering(**row, checkin_token=secrets.token_urlsafe(12)))
    return len(rows)
