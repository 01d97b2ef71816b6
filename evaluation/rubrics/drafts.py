"""Rubric drafts in the database: copy a version, save edits, import TOML, publish.

A draft's stored text always passes the loader: a save with any problem raises `Invalid`
with every problem and writes nothing. Publishing registers the draft as a new version
(`register_rubric`: versions never change once stored, cycles pin them) and marks the
draft published, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from evaluation import clock
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.rubrics.editing import (
    Change,
    document_from_form,
    next_version,
    readable_location,
    rubric_diff,
    to_toml,
)
from evaluation.rubrics.loader import load_rubric_document, load_rubric_text
from evaluation.rubrics.schema import Rubric
from evaluation.rubrics.versions import parsed_rubric, register_rubric
from evaluation.tables import Cycle, RubricDraft, RubricVersion


class VersionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    code: str
    version: str
    name: str
    created_at: datetime
    cycles: int


class DraftRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    base: int | None
    base_version: str | None
    version: str
    name: str
    edited_by: str
    updated_at: datetime


class DraftView(msgspec.Struct, frozen=True, kw_only=True):
    row: DraftRow
    rubric: Rubric
    base: Rubric | None


async def versions() -> list[VersionRow]:
    rows = await RubricVersion.select(
        RubricVersion.id,
        RubricVersion.code,
        RubricVersion.version,
        RubricVersion.name,
        RubricVersion.created_at,
    ).order_by(RubricVersion.id, ascending=False)
    used = await Cycle.select(Cycle.rubric)
    counts: dict[int, int] = {}
    for row in used:
        counts[row["rubric"]] = counts.get(row["rubric"], 0) + 1
    return [VersionRow(**row, cycles=counts.get(row["id"], 0)) for row in rows]


async def version_source(version_id: int) -> tuple[str, str]:
    """A published version's stored text (comments and all) and a file name for it."""
    row = (
        await RubricVersion.select(RubricVersion.source, RubricVersion.code, RubricVersion.version)
        .where(RubricVersion.id == version_id)
        .first()
    )
    if row is None:
        raise NotFound("量表版本不存在")
    return row["source"], f"{row['code']}-{row['version']}.toml"


async def drafts() -> list[DraftRow]:
    rows = await (
        RubricDraft.select(
            RubricDraft.id,
            RubricDraft.base,
            RubricDraft.base.version.as_alias("base_version"),
            RubricDraft.source,
            RubricDraft.edited_by,
            RubricDraft.updated_at,
        )
        .where(RubricDraft.published.is_null())
        .order_by(RubricDraft.id, ascending=False)
    )
    return [_draft_row(row) for row in rows]


def _draft_row(row: Mapping[str, Any]) -> DraftRow:
    rubric = parsed_rubric(row["source"])
    return DraftRow(
        id=row["id"],
        base=row["base"],
        base_version=row["base_version"],
        version=rubric.version,
        name=rubric.name,
        edited_by=row["edited_by"],
        updated_at=row["updated_at"],
    )


async def copy_version(version_id: int, editor: str) -> int:
    """A new draft holding a copy of a version, its version number counted up."""
    source, _ = await version_source(version_id)
    rubric = parsed_rubric(source)
    copy = msgspec.structs.replace(rubric, version=next_version(rubric.version))
    return await _insert(version_id, to_toml(copy), editor)


async def import_draft(text: str, editor: str) -> int:
    """A draft from an uploaded TOML file, compared with the latest version of its code."""
    rubric = load_rubric_text(text)
    base = (
        await RubricVersion.select(RubricVersion.id)
        .where(RubricVersion.code == rubric.code)
        .order_by(RubricVersion.id, ascending=False)
        .first()
    )
    return await _insert(base["id"] if base else None, to_toml(rubric), editor)


async def _insert(base: int | None, source: str, editor: str) -> int:
    created = await RubricDraft.insert(
        RubricDraft(base=base, source=source, edited_by=editor)
    ).returning(RubricDraft.id)
    return int(created[0]["id"])


async def draft(draft_id: int) -> DraftView:
    row = await (
        RubricDraft.select(
            RubricDraft.id,
            RubricDraft.base,
            RubricDraft.base.version.as_alias("base_version"),
            RubricDraft.base.source.as_alias("base_source"),
            RubricDraft.source,
            RubricDraft.edited_by,
            RubricDraft.updated_at,
        )
        .where((RubricDraft.id == draft_id) & RubricDraft.published.is_null())
        .first()
    )
    if row is None:
        raise NotFound("草稿不存在或已发布")
    base = parsed_rubric(row["base_source"]) if row["base_source"] else None
    return DraftView(row=_draft_row(row), rubric=parsed_rubric(row["source"]), base=base)


async def save_form(draft_id: int, fields: Mapping[str, str], editor: str) -> Rubric:
    """The editor's fields, validated as a whole and stored; any problem raises `Invalid`
    with all of them, keyed by where they are in words ("第 3 项能力“为民服务” · 行为锚")."""
    current = await draft(draft_id)
    document = document_from_form(fields, current.rubric.code)
    try:
        rubric = load_rubric_document(document)
    except Invalid as exc:
        raise Invalid(
            exc.message,
            {readable_location(where, document): text for where, text in exc.problems.items()},
        ) from None
    await RubricDraft.update(
        {
            RubricDraft.source: to_toml(rubric),
            RubricDraft.edited_by: editor,
            RubricDraft.updated_at: clock.now(),
        }
    ).where((RubricDraft.id == draft_id) & RubricDraft.published.is_null())
    return rubric


def changes(view: DraftView, groups: Mapping[str, str]) -> list[Change]:
    return rubric_diff(view.base, view.rubric, groups)


async def publish_draft(draft_id: int, groups: Mapping[str, str]) -> int:
    """The draft as a new version (cycles can pin it from now on); the draft is closed."""
    async with RubricDraft._meta.db.transaction():
        view = await draft(draft_id)
        if view.base is not None and not [c for c in changes(view, groups) if c.field != "版本号"]:
            raise Conflict("草稿与原版本内容相同，无需发布")
        version_id = await register_rubric(to_toml(view.rubric))
        await RubricDraft.update({RubricDraft.published: version_id}).where(
            RubricDraft.id == draft_id
        )
    return version_id


async def discard_draft(draft_id: int) -> None:
    await draft(draft_id)  # NotFound for a published or missing draft
    await RubricDraft.delete().where((RubricDraft.id == draft_id) & RubricDraft.published.is_null())
