"""Roster import against a real database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import polars as pl
import pytest

from evaluation.errors import Invalid
from evaluation.organisation import importing as roster_service
from evaluation.tables import Cadre, County, Leadership, Town
from tests.factories import roster_frame, to_csv, to_xlsx


async def snapshot() -> dict[str, list[dict[str, object]]]:
    return {
        "towns": await Town.select().order_by(Town.id),
        "cadres": await Cadre.select().order_by(Cadre.id),
        "links": await Leadership.select().order_by(Leadership.id),
        "counties": await County.select(),
    }


async def test_a_valid_xlsx_imports_everything(db: str) -> None:
    frame = roster_frame(3, 15)
    plan = await roster_service.import_file(to_xlsx(frame), "花名册.xlsx", county_name="测试县")
    assert plan.summary()["cadres_new"] == 45
    assert await Town.count() == 3
    assert await Cadre.count() == 45
    assert (
        await Leadership.count() == frame["leader_ids"].drop_nulls().str.split(";").list.len().sum()
    )
    secretary = (
        await Cadre.select(Cadre.name, Cadre.town.name)
        .where(Cadre.external_id == "T001-001")
        .first()
    )
    assert secretary == {"name": frame["name"][0], "town.name": frame["town_name"][0]}


async def test_reimporting_the_same_file_changes_nothing(db: str) -> None:
    content = to_xlsx(roster_frame(3, 15))
    await roster_service.import_file(content, "roster.xlsx", county_name="测试县")
    before = await snapshot()
    plan = await roster_service.import_file(content, "roster.xlsx")
    assert plan.is_noop
    assert await snapshot() == before


async def test_a_file_with_bad_rows_writes_nothing_and_names_every_bad_row(db: str) -> None:
    await roster_service.import_file(to_csv(roster_frame(1, 15)), "first.csv", county_name="测试县")
    before = await snapshot()
    frame = roster_frame(3, 15).with_row_index("i")
    frame = frame.with_columns(
        pl.when(pl.col("i") == 4).then(None).otherwise(pl.col("name")).alias("name"),
        pl.when(pl.col("i") == 20)
        .then(pl.lit("火星乡镇"))
        .otherwise(pl.col("town_type"))
        .alias("town_type"),
        pl.when(pl.col("i") == 33)
        .then(pl.lit("GHOST"))
        .otherwise(pl.col("leader_ids"))
        .alias("leader_ids"),
    ).drop("i")
    with pytest.raises(Invalid) as caught:
        await roster_service.import_file(to_xlsx(frame), "bad.xlsx")
    assert "3 行存在问题" in caught.value.message
    reported_rows = {key.split(" ")[1] for key in caught.value.problems}
    assert reported_rows == {"6", "22", "35"}  # spreadsheet rows: index + 2
    assert await snapshot() == before


async def test_changes_in_a_later_file_are_applied(db: str) -> None:
    frame = roster_frame(2, 15)
    await roster_service.import_file(to_csv(frame), "v1.csv", county_name="测试县")
    moved = frame.with_columns(
        pl.when(pl.col("cadre_id") == "T002-015")
        .then(pl.lit("否"))
        .otherwise(pl.col("active"))
        .alias("active")
    )
    extra = frame.slice(14, 1).with_columns(cadre_id=pl.lit("T002-099"), name=pl.lit("新同志"))
    plan = await roster_service.import_file(to_csv(pl.concat([moved, extra])), "v2.csv")
    assert plan.summary()["cadres_new"] == 1
    assert plan.summary()["cadres_changed"] == (1 if frame["active"][29] == "是" else 0)
    row = await Cadre.select(Cadre.active).where(Cadre.external_id == "T002-015").first()
    assert row == {"active": False}
    assert await Cadre.count() == 31


async def test_first_import_needs_a_county_name(db: str) -> None:
    with pytest.raises(Invalid, match="县"):
        await roster_service.import_file(to_csv(roster_frame(1, 15)), "r.csv")
    assert await Town.count() == 0
