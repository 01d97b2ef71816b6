"""Preview and import a roster: the one entry point the CLI, the web page and the demo use."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import msgspec
import polars as pl

from evaluation.errors import Invalid
from evaluation.infra.invalidation import cycle_changed
from evaluation.organisation import repository as roster_repository
from evaluation.organisation.roster import RosterCheck, read_roster, validate_roster
from evaluation.organisation.roster_plan import RosterPlan, plan_changes
from evaluation.rows import rows_of


class RosterProblem(msgspec.Struct, frozen=True, kw_only=True):
    row: int
    column: str
    message: str


class CadreEdit(msgspec.Struct, frozen=True, kw_only=True):
    """One stored value the import changes."""

    cadre_id: str
    name: str | None
    field: str
    before: str | None
    after: str | None


class LinkChange(msgspec.Struct, frozen=True, kw_only=True):
    """A leadership link the import adds or drops (`change`: add / remove)."""

    change: str
    leader_id: str
    leader_name: str | None
    member_id: str
    member_name: str | None


@dataclass(frozen=True)
class RosterPreview:
    check: RosterCheck
    plan: RosterPlan | None  # None when any row is bad

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def bad_rows(self) -> int:
        return self.check.problems["row"].n_unique()

    @property
    def total_rows(self) -> int:
        return self.check.rows.height

    def problems(self) -> list[RosterProblem]:
        return rows_of(self.check.problems, RosterProblem)

    def edits(self) -> list[CadreEdit]:
        return rows_of(self.plan.cadre_edits, CadreEdit) if self.plan else []

    def links(self) -> list[LinkChange]:
        return rows_of(self.plan.links_named, LinkChange) if self.plan else []


async def preview_frame(frame: pl.DataFrame) -> RosterPreview:
    check = validate_roster(frame, await roster_repository.known_cadre_ids())
    if not check.ok:
        return RosterPreview(check=check, plan=None)
    plan = plan_changes(check.rows, *await roster_repository.stored_frames())
    return RosterPreview(check=check, plan=plan)


async def preview_file(content: bytes, filename: str) -> RosterPreview:
    return await preview_frame(await asyncio.to_thread(read_roster, content, filename))


async def import_frame(frame: pl.DataFrame, county_name: str | None = None) -> RosterPlan:
    """Validate, then write everything in one transaction — or nothing when any row is bad."""
    preview = await preview_frame(frame)
    if preview.plan is None:
        problems = {
            f"第 {r['row']} 行“{r['column']}”": r["message"]
            for r in preview.check.problems.iter_rows(named=True)
        }
        raise Invalid(
            f"花名册有 {preview.check.problems['row'].n_unique()} 行存在问题，未导入任何数据",
            problems,
        )
    if not preview.plan.is_noop:
        await roster_repository.apply_plan(preview.plan, county_name)
        cycle_changed()  # forms show names, posts and towns: drop what was cached
    return preview.plan


async def import_file(content: bytes, filename: str, county_name: str | None = None) -> RosterPlan:
    return await import_frame(await asyncio.to_thread(read_roster, content, filename), county_name)
