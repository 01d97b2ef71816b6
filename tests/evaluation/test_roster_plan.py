"""The import plan is a pure diff: new, changed, unchanged, and leadership links."""

from __future__ import annotations

import polars as pl

from evaluation.organisation.roster import validate_roster
from evaluation.organisation.roster_plan import (
    CADRE_SCHEMA,
    LINK_SCHEMA,
    TOWN_SCHEMA,
    empty,
    plan_changes,
)
from tests.factories import roster_frame


def stored_from(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """What the database would hold after importing `rows`."""
    towns = rows.group_by("town_id", maintain_order=True).agg(
        pl.col("town_name").first().alias("name"),
        pl.col("town_type").first(),
        pl.col("latitude").first(),
        pl.col("longitude").first(),
    )
    cadres = rows.select(
        "cadre_id",
        "name",
        "town_id",
        "position",
        "rank",
        "active",
        pl.col("phone").fill_null(""),
        pl.col("email").fill_null(""),
    )
    links = rows.select(
        pl.col("leaders").alias("leader_id"), pl.col("cadre_id").alias("member_id")
    ).explode("leader_id")
    return towns, cadres, links.drop_nulls()


def checked(frame: pl.DataFrame) -> pl.DataFrame:
    check = validate_roster(frame)
    assert check.ok
    return check.rows


def test_everything_is_new_on_an_empty_database() -> None:
    rows = checked(roster_frame(2, 15))
    plan = plan_changes(rows, empty(TOWN_SCHEMA), empty(CADRE_SCHEMA), empty(LINK_SCHEMA))
    assert plan.summary() == {
        "towns_new": 2,
        "towns_changed": 0,
        "cadres_new": 30,
        "cadres_changed": 0,
        "cadres_unchanged": 0,
        "links_added": rows["leaders"].list.len().sum(),
        "links_removed": 0,
    }


def test_the_same_roster_twice_is_a_no_op() -> None:
    rows = checked(roster_frame(2, 15))
    plan = plan_changes(rows, *stored_from(rows))
    assert plan.is_noop
    assert plan.unchanged_cadres == 30


def test_a_renamed_cadre_and_a_moved_leader_are_the_only_changes() -> None:
    frame = roster_frame(2, 15)
    rows = checked(frame)
    stored = stored_from(rows)
    member = frame["cadre_id"][12]
    old_leader = frame["leader_ids"][12]
    new_leader = frame["cadre_id"][2]
    edited = frame.with_columns(
        pl.when(pl.col("cadre_id") == member)
        .then(pl.lit("新名字"))
        .otherwise(pl.col("name"))
        .alias("name"),
        pl.when(pl.col("cadre_id") == member)
        .then(pl.lit(new_leader))
        .otherwise(pl.col("leader_ids"))
        .alias("leader_ids"),
    )
    plan = plan_changes(checked(edited), *stored)
    assert plan.cadres_changed["cadre_id"].to_list() == [member]
    assert (
        plan.cadres_new.is_empty() and plan.towns_new.is_empty() and plan.towns_changed.is_empty()
    )
    assert plan.links_add.to_dicts() == [{"leader_id": new_leader, "member_id": member}]
    assert plan.links_remove.to_dicts() == [{"leader_id": old_leader, "member_id": member}]


def test_cadres_missing_from_a_partial_file_keep_their_leaders() -> None:
    frame = roster_frame(2, 15)
    rows = checked(frame)
    only_town_two = frame.filter(pl.col("town_id") == "T002")
    plan = plan_changes(checked(only_town_two), *stored_from(rows))
    assert plan.is_noop


def test_contacts_are_checked_normalised_and_a_blank_cell_keeps_what_is_stored() -> None:
    frame = roster_frame(1, 15)
    first, second, third, fourth = frame["cadre_id"][:4]
    typed = frame.with_columns(
        phone=pl.when(pl.col("cadre_id") == first)
        .then(pl.lit("+86 139-0000-1111"))
        .when(pl.col("cadre_id") == second)
        .then(pl.lit("12345"))
        .otherwise(pl.col("phone")),
        email=pl.when(pl.col("cadre_id") == third)
        .then(pl.lit("not-a-mailbox"))
        .when(pl.col("cadre_id") == first)
        .then(pl.lit("Zhang.San@Example.GOV.cn"))
        .otherwise(pl.col("email")),
    )
    bad = validate_roster(typed)
    assert bad.problems.select("row", "column", "message").rows() == [
        (3, "手机号", "手机号“12345”应为 11 位手机号码（如 13800000000）"),
        (4, "电子邮箱", "电子邮箱“not-a-mailbox”格式不对（如 zhangsan@example.gov.cn）"),
    ]
    fixed = typed.with_columns(
        phone=pl.when(pl.col("cadre_id") == second).then(None).otherwise(pl.col("phone")),
        email=pl.when(pl.col("cadre_id") == third).then(None).otherwise(pl.col("email")),
    )
    rows = checked(fixed)
    stored = stored_from(checked(frame))
    plan = plan_changes(rows, *stored)
    edits = {
        (e["cadre_id"], e["field"]): (e["before"], e["after"])
        for e in plan.cadre_edits.iter_rows(named=True)
    }
    original = frame.filter(pl.col("cadre_id") == first).row(0, named=True)
    assert edits == {
        (first, "phone"): (original["phone"] or "", "13900001111"),
        (first, "email"): (original["email"] or "", "zhang.san@example.gov.cn"),
    }  # the blanked phone of `second` and email of `third` keep what is stored
    unchanged = plan.cadres_changed.filter(pl.col("cadre_id").is_in([second, third, fourth]))
    assert unchanged.is_empty()
