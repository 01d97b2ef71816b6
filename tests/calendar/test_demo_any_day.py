"""`cadre360 demo` on any day: loaded with the product's date pinned to days spread over two
years — New Year's Day, each side of every quarter's reporting deadline, 31 December, a leap
day — it goes through every rule, and nothing it writes depends on the real date: no stored
moment lies after the product's now. The default-size county runs on the same days with
`DEMO_DAYS_FULL=1` (`make calendar`); CI loads it on the real date (`test_real_date.py`)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from piccolo.columns import Timestamptz

from app.database import all_tables, engine_from_url, use_engine
from app.demo.loader import load_demo
from evaluation import clock
from evaluation.scorecard.tables import Card, KeyProject, Milestone
from evaluation.tables import Cycle

DAYS = [
    dt.date(2026, 1, 1),
    dt.date(2026, 1, 14),  # the day before last year's Q4 deadline
    dt.date(2026, 1, 16),  # the day after it
    dt.date(2026, 4, 14),
    dt.date(2026, 4, 16),
    dt.date(2026, 7, 14),
    dt.date(2026, 7, 16),
    dt.date(2026, 10, 14),
    dt.date(2026, 10, 16),
    dt.date(2026, 12, 6),  # the day `make run` failed on
    dt.date(2026, 12, 31),
    dt.date(2027, 1, 15),  # a deadline day itself
    dt.date(2027, 6, 30),
    dt.date(2028, 2, 29),  # a leap day
]
FULL = os.environ.get("DEMO_DAYS_FULL") == "1"
SIZES = [(3, 15), (20, 60)] if FULL else [(3, 15)]


@pytest.fixture
def pinned_database(sqlite_template: Path, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(sqlite_template, path)
    use_engine(engine_from_url(f"sqlite:///{path}"))
    saved = clock.CLOCK
    yield path
    clock.CLOCK = saved


async def latest_moments() -> dict[str, dt.datetime]:
    """The latest stored moment of every timestamp column that holds one."""
    found = {}
    for table in all_tables():
        for column in table._meta.columns:
            if not isinstance(column, Timestamptz):
                continue
            row = (
                await table.select(column)
                .where(column.is_not_null())
                .order_by(column, ascending=False)
                .first()
            )
            if row is not None:
                found[f"{table._meta.tablename}.{column._meta.name}"] = clock.local(
                    row[column._meta.name]
                )
    return found


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("day", DAYS, ids=str)
async def test_the_demo_loads_on_any_day(
    pinned_database: Path, day: dt.date, size: tuple[int, int]
) -> None:
    clock.CLOCK = lambda: day
    assert await load_demo(towns=size[0], cadres_per_town=size[1], seed=1, if_empty=False)

    cycles = await Cycle.select().order_by(Cycle.id)
    assert [c["state"] for c in cycles] == ["published", "published", "open"]
    current = cycles[-1]
    assert current["opens_on"] <= day <= current["closes_on"]
    for cycle in cycles[:2]:  # 公示 ran from publication, after the cycle closed
        published = clock.local_day(cycle["published_at"])
        assert cycle["closes_on"] < cycle["publicity_ends_on"] <= day
        assert published <= day

    for milestone in await Milestone.select(
        Milestone.due_on, Milestone.project.starts_on, Milestone.project.ends_on
    ):
        assert milestone["project.starts_on"] <= milestone["due_on"] <= milestone["project.ends_on"]
    assert await KeyProject.count() == 5
    assert await Card.count() >= 3  # three late milestones carry cards on every day

    now = clock.now()
    future = {name: moment for name, moment in (await latest_moments()).items() if moment > now}
    assert future == {}, f"stored after the product's now ({now}): {future}"
