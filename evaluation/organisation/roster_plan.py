"""What importing a valid roster would change, computed by diffing frames.

Idempotence falls out of the diff: a file identical to what is stored yields an empty plan.
The file is authoritative for the leaders of every cadre it lists; cadres it does not list
are left alone (a town may import only its own people).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

TOWN_FIELDS = ["name", "town_type", "latitude", "longitude"]
CADRE_FIELDS = ["name", "town_id", "position", "rank", "active", "phone", "email"]
CONTACT_FIELDS = ("phone", "email")  # a blank cell keeps what is stored (sheets often omit them)

TOWN_SCHEMA = {
    "town_id": pl.String,
    "name": pl.String,
    "town_type": pl.String,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
}
CADRE_SCHEMA = {
    "cadre_id": pl.String,
    "name": pl.String,
    "town_id": pl.String,
    "position": pl.String,
    "rank": pl.String,
    "active": pl.Boolean,
    "phone": pl.String,
    "email": pl.String,
}
LINK_SCHEMA = {"leader_id": pl.String, "member_id": pl.String}


@dataclass(frozen=True)
class RosterPlan:
    towns_new: pl.DataFrame
    towns_changed: pl.DataFrame
    cadres_new: pl.DataFrame
    cadres_changed: pl.DataFrame
    links_add: pl.DataFrame
    links_remove: pl.DataFrame
    unchanged_cadres: int
    # what the office reads before confirming: each changed value of a stored cadre
    # (cadre_id, name, field, before, after) and each link added or dropped, with names
    cadre_edits: pl.DataFrame
    links_named: pl.DataFrame

    @property
    def is_noop(self) -> bool:
        return all(f.is_empty() for f in self.frames())

    def frames(self) -> tuple[pl.DataFrame, ...]:
        return (
            self.towns_new,
            self.towns_changed,
            self.cadres_new,
            self.cadres_changed,
            self.links_add,
            self.links_remove,
        )

    def summary(self) -> dict[str, int]:
        return {
            "towns_new": self.towns_new.height,
            "towns_changed": self.towns_changed.height,
            "cadres_new": self.cadres_new.height,
            "cadres_changed": self.cadres_changed.height,
            "cadres_unchanged": self.unchanged_cadres,
            "links_added": self.links_add.height,
            "links_removed": self.links_remove.height,
        }


def empty(schema: dict[str, type[pl.DataType] | pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def plan_changes(
    rows: pl.DataFrame,
    stored_towns: pl.DataFrame,
    stored_cadres: pl.DataFrame,
    stored_links: pl.DataFrame,
) -> RosterPlan:
    """Diff validated roster rows against stored frames (schemas as the *_SCHEMA above)."""
    towns = (
        rows.group_by("town_id", maintain_order=True)
        .agg(
            pl.col("town_name").first().alias("name"),
            pl.col("town_type").first(),
            pl.col("latitude").drop_nulls().first(),
            pl.col("longitude").drop_nulls().first(),
        )
        .with_columns(pl.col("latitude", "longitude").round(6))
    )
    cadres = (
        rows.select("cadre_id", "name", "town_id", "position", "rank", "active", *CONTACT_FIELDS)
        .join(
            stored_cadres.select("cadre_id", *CONTACT_FIELDS),
            on="cadre_id",
            how="left",
            suffix="_stored",
        )
        .with_columns(
            pl.coalesce(pl.col(f), pl.col(f"{f}_stored"), pl.lit("")).alias(f)
            for f in CONTACT_FIELDS
        )
        .drop(f"{f}_stored" for f in CONTACT_FIELDS)
    )
    wanted_links = (
        rows.select(pl.col("leaders").alias("leader_id"), pl.col("cadre_id").alias("member_id"))
        .explode("leader_id")
        .drop_nulls()
        .unique(maintain_order=True)
    )
    stored_towns = stored_towns.with_columns(pl.col("latitude", "longitude").round(6))
    towns_new, towns_changed = _new_and_changed(towns, stored_towns, "town_id", TOWN_FIELDS)
    cadres_new, cadres_changed = _new_and_changed(cadres, stored_cadres, "cadre_id", CADRE_FIELDS)
    relevant_links = stored_links.filter(pl.col("member_id").is_in(cadres["cadre_id"].implode()))
    keys = ["leader_id", "member_id"]
    links_add = wanted_links.join(relevant_links, on=keys, how="anti")
    links_remove = relevant_links.join(wanted_links, on=keys, how="anti")
    names = pl.concat(
        [stored_cadres.select("cadre_id", "name"), cadres.select("cadre_id", "name")]
    ).unique("cadre_id", keep="last")
    return RosterPlan(
        towns_new=towns_new,
        towns_changed=towns_changed,
        cadres_new=cadres_new,
        cadres_changed=cadres_changed,
        links_add=links_add,
        links_remove=links_remove,
        unchanged_cadres=cadres.height - cadres_new.height - cadres_changed.height,
        cadre_edits=_edits(cadres, stored_cadres, "cadre_id", CADRE_FIELDS),
        links_named=_named_links(links_add, links_remove, names),
    )


def _edits(
    incoming: pl.DataFrame, stored: pl.DataFrame, key: str, fields: list[str]
) -> pl.DataFrame:
    """Every changed value, one row each: key, name (as stored), field, before, after."""
    both = incoming.join(stored, on=key, how="inner", suffix="_stored")
    return pl.concat(
        [
            both.filter(pl.col(f).ne_missing(pl.col(f"{f}_stored"))).select(
                pl.col(key),
                pl.col("name_stored").alias("name"),
                pl.lit(f).alias("field"),
                pl.col(f"{f}_stored").cast(pl.String).alias("before"),
                pl.col(f).cast(pl.String).alias("after"),
            )
            for f in fields
        ]
    ).sort(key, "field")


def _named_links(add: pl.DataFrame, remove: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """Links to add and to drop, with both people's names: change, leader, member."""
    both = pl.concat(
        [
            remove.with_columns(change=pl.lit("remove")),
            add.with_columns(change=pl.lit("add")),
        ]
    )
    leader_names = names.rename({"cadre_id": "leader_id", "name": "leader_name"})
    member_names = names.rename({"cadre_id": "member_id", "name": "member_name"})
    return (
        both.join(leader_names, on="leader_id", how="left")
        .join(member_names, on="member_id", how="left")
        .sort("change", "member_id", descending=[True, False])
    )


def _new_and_changed(
    incoming: pl.DataFrame, stored: pl.DataFrame, key: str, fields: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    new = incoming.join(stored, on=key, how="anti")
    both = incoming.join(stored, on=key, how="inner", suffix="_stored")
    differs = pl.any_horizontal([pl.col(f).ne_missing(pl.col(f"{f}_stored")) for f in fields])
    changed = both.filter(differs).select(incoming.columns)
    return new, changed
