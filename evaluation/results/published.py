"""The published interface of a cycle's results: what a snapshot holds, declared once.

Each part of a snapshot is one table whose columns carry the analytics' own names and
types (`analytics.pipeline.CycleResults`): the writer stores the analytics' frames as they
are and every reader gets them back as they were — nothing is renamed at the boundary.
The polars schema is derived from the table, so the two cannot drift. The one conversion is
by type, not by name: a list of strings (a cell's `missing_groups`) is stored joined by
commas and read back as a list.

Readers outside `evaluation.results` (the scorecard's feeds, training) read through
`read`; nobody else imports the snapshot tables."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import polars as pl
from piccolo.columns import Boolean, Column, Float, ForeignKey, Integer, Serial, Text, Varchar
from piccolo.table import Table

from evaluation import clock
from evaluation.infra.bulk import insert_values
from evaluation.results.tables import (
    AgreementRow,
    CadreSummary,
    CellResult,
    GroupResult,
    RaterResult,
    SnapshotCadre,
    SnapshotComment,
    SnapshotReading,
)
from evaluation.tables import Cycle, ProfileSnapshot

LIST_SEPARATOR = ","


class Part(NamedTuple):
    """One part of a snapshot: its table, the cadre column a reader may select by, and the
    columns that hold lists of strings."""

    table: type[Table]
    key: str | None
    lists: frozenset[str] = frozenset()


CELLS = Part(CellResult, "ratee_id", frozenset({"missing_groups"}))
GROUPS = Part(GroupResult, "ratee_id")
PEOPLE = Part(SnapshotCadre, "ratee_id")
SUMMARIES = Part(CadreSummary, "ratee_id")
AGREEMENT = Part(AgreementRow, None)
RATERS = Part(RaterResult, "rater_id")
COMMENTS = Part(SnapshotComment, "ratee_id")
READINGS = Part(SnapshotReading, "ratee_id", frozenset({"competencies"}))
PARTS = (CELLS, GROUPS, PEOPLE, SUMMARIES, AGREEMENT, RATERS, COMMENTS, READINGS)

_DTYPES: tuple[tuple[type[Column], pl.DataType], ...] = (
    (ForeignKey, pl.Int64()),
    (Serial, pl.Int64()),
    (Integer, pl.Int64()),
    (Float, pl.Float64()),
    (Boolean, pl.Boolean()),
    (Varchar, pl.String()),
    (Text, pl.String()),
)


def _columns(part: Part) -> list[Column]:
    return [c for c in part.table._meta.columns if c._meta.name not in ("id", "snapshot")]


def _dtype(column: Column) -> pl.DataType:
    return next(dtype for kind, dtype in _DTYPES if isinstance(column, kind))


def schema(part: Part) -> dict[str, pl.DataType]:
    """The part's frame schema, in the analytics' names and types."""
    return {
        c._meta.name: pl.List(pl.String) if c._meta.name in part.lists else _dtype(c)
        for c in _columns(part)
    }


@functools.cache
def stored_schema(part: Part, only: tuple[str, ...] | None = None) -> dict[str, pl.DataType]:
    return {c._meta.name: _dtype(c) for c in _columns(part) if not only or c._meta.name in only}


@functools.cache
def _select_sql(part: Part, only: tuple[str, ...] | None = None) -> str:
    """The part's SELECT of one snapshot (of the columns `only`, when given), written once:
    a published page reads a handful of parts per request, and building each query through
    the ORM cost more than running it."""
    columns = ", ".join(
        f'"{c._meta.db_column_name}" AS "{c._meta.name}"'
        for c in _columns(part)
        if not only or c._meta.name in only
    )
    return f'SELECT {columns} FROM "{part.table._meta.tablename}" WHERE "snapshot" = {{}}'


async def write(part: Part, snapshot_id: int, frame: pl.DataFrame) -> None:
    """Store one part of a snapshot: `frame` carries (at least) the part's columns."""
    rows = frame.select(
        *[
            pl.col(name).list.join(LIST_SEPARATOR) if name in part.lists else pl.col(name)
            for name in schema(part)
        ]
    ).cast(stored_schema(part))  # type: ignore[arg-type]
    rows = rows.with_columns(snapshot=pl.lit(snapshot_id))
    await insert_values(part.table, rows.columns, rows.rows())


async def copy(part: Part, source: int, target: int) -> None:
    """One part of snapshot `source` stored again, row for row in the same order, as part of
    snapshot `target` (an amended snapshot keeps what an amendment does not change)."""
    table = part.table._meta.tablename
    columns = ", ".join(f'"{c._meta.db_column_name}"' for c in _columns(part))
    await part.table.raw(
        f'INSERT INTO "{table}" ({columns}, "snapshot") SELECT {columns}, {{}} FROM "{table}"'
        ' WHERE "snapshot" = {} ORDER BY "id"',
        target,
        source,
    )


def transaction() -> Any:
    """One transaction around several writes of snapshots (all of an amendment, or none)."""
    return ProfileSnapshot._meta.db.transaction()


async def snapshot_like(cycle_id: int, base_id: int) -> int:
    """A new, empty (unfrozen) snapshot of the cycle with the calibration figures of
    snapshot `base_id`: an amendment of it."""
    base = (
        await ProfileSnapshot.select(ProfileSnapshot.sigma, ProfileSnapshot.components)
        .where(ProfileSnapshot.id == base_id)
        .first()
    )
    if base is None:
        raise LookupError(f"no snapshot {base_id}")
    created = await ProfileSnapshot.insert(
        ProfileSnapshot(
            cycle=cycle_id,
            sigma=base["sigma"],
            components=base["components"],
            created_at=clock.now(),
        )
    ).returning(ProfileSnapshot.id)
    return int(created[0]["id"])


async def mark_cells(snapshot_id: int, cells: list[tuple[int, str]], finding: str) -> None:
    """The cells (ratee_id, competency) of a snapshot given `finding`, without a light or a
    severity — as `pipeline.mark_excluded` marks them, in place so their rows keep their
    order."""
    for ratee_id, competency in cells:
        await CellResult.update(
            {CellResult.light: None, CellResult.finding: finding, CellResult.severity: None}
        ).where(
            (CellResult.snapshot == snapshot_id)
            & (CellResult.ratee_id == ratee_id)
            & (CellResult.competency == competency)
        )


async def read(
    part: Part, snapshot_id: int, ids: list[int] | None = None, only: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """One part of a snapshot — of the cadres `ids` only, and the columns `only`, when given."""
    sql, args = _select_sql(part, only), [snapshot_id]
    if ids is not None and part.key is not None:
        chosen = ids or [0]
        sql += f' AND "{part.key}" IN ({", ".join("{}" for _ in chosen)})'
        args += chosen
    # in the order written: PostgreSQL returns rows in whatever order its plan finds them,
    # and a plan changes as the tables grow (a published export must read the same twice)
    sql += ' ORDER BY "id"'
    frame = pl.DataFrame(await part.table.raw(sql, *args), schema=stored_schema(part, only))
    lists = [name for name in part.lists if name in frame.columns]
    if not lists:  # (an empty with_columns still runs a query: ~0.1 ms a read)
        return frame
    return frame.with_columns(
        [pl.col(name).str.split(LIST_SEPARATOR).list.filter(pl.element() != "") for name in lists]
    )


async def frozen_overalls(ratee_id: int, cycle_ids: list[int]) -> list[tuple[int, int, float]]:
    """cycle, snapshot, overall: a cadre's overall in every frozen snapshot of these cycles
    (one query; an upheld appeal freezes a new snapshot beside the first)."""
    chosen = cycle_ids or [0]
    rows = await CadreSummary.raw(
        f'SELECT s."cycle" AS "cycle", s."id" AS "snapshot", c."overall" AS "overall" '
        f'FROM "{CadreSummary._meta.tablename}" c '
        f'JOIN "{ProfileSnapshot._meta.tablename}" s ON s."id" = c."snapshot" '
        f'WHERE c."ratee_id" = {{}} AND s."frozen" = {{}} '
        f'AND s."cycle" IN ({", ".join("{}" for _ in chosen)})',
        ratee_id,
        True,
        *chosen,
    )
    return [(int(r["cycle"]), int(r["snapshot"]), float(r["overall"])) for r in rows]


async def published_cycle_rows() -> list[dict[str, Any]]:
    """id, name, year of the published cycles, newest first."""
    return await (
        Cycle.select(Cycle.id, Cycle.name, Cycle.year)
        .where(Cycle.state == "published")
        .order_by(Cycle.year, ascending=False)
        .order_by(Cycle.id, ascending=False)
    )


async def latest_snapshot(cycle_id: int, *, frozen_only: bool) -> dict[str, Any] | None:
    """id, frozen, components of the cycle's newest snapshot (frozen ones first)."""
    frozen = ' AND "frozen" = {}' if frozen_only else ""
    rows = await ProfileSnapshot.raw(
        f'SELECT "id", "frozen", "components" FROM "{ProfileSnapshot._meta.tablename}" '
        f'WHERE "cycle" = {{}}{frozen} ORDER BY "frozen" DESC, "id" DESC LIMIT 1',
        cycle_id,
        *([True] if frozen_only else []),
    )
    return {**rows[0], "frozen": bool(rows[0]["frozen"])} if rows else None


async def comments(snapshot_id: int, ratee_id: int) -> list[str]:
    """A cadre's comments as published, in their published order."""
    rows = await SnapshotComment.raw(
        f'SELECT "comment" FROM "{SnapshotComment._meta.tablename}" '
        'WHERE "snapshot" = {} AND "ratee_id" = {} ORDER BY "position"',
        snapshot_id,
        ratee_id,
    )
    return [str(row["comment"]) for row in rows]


async def readings(snapshot_id: int, rater_id: int, ratee_id: int) -> dict[str, set[str]]:
    """Per rater group, the competencies `rater_id`'s counted answers on `ratee_id` covered."""
    rows = await SnapshotReading.select(
        SnapshotReading.rater_group, SnapshotReading.competencies
    ).where(
        (SnapshotReading.snapshot == snapshot_id)
        & (SnapshotReading.rater_id == rater_id)
        & (SnapshotReading.ratee_id == ratee_id)
    )
    covered: dict[str, set[str]] = {}
    for row in rows:
        found = {c for c in str(row["competencies"]).split(LIST_SEPARATOR) if c}
        covered.setdefault(str(row["rater_group"]), set()).update(found)
    return covered
