"""Rubric versions in the database: registered once, never changed, pinned by cycles."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import msgspec

from evaluation.errors import Conflict
from evaluation.rubrics.loader import DEFAULT_RUBRIC, load_rubric_text
from evaluation.rubrics.schema import Rubric
from evaluation.tables import RubricVersion


class RubricVersionRef(msgspec.Struct, frozen=True, kw_only=True):
    """A registered rubric version, as the new-cycle form lists it."""

    id: int
    code: str
    version: str
    name: str


@lru_cache(maxsize=32)
def parsed_rubric(source: str) -> Rubric:
    """Rubric versions never change once stored, so parsing is cached by their text."""
    return load_rubric_text(source)


async def register_rubric(source: str) -> int:
    """Store a rubric version (validated); the same text twice is the same version."""
    rubric = load_rubric_text(source)
    digest = hashlib.sha256(source.encode()).hexdigest()
    row = (
        await RubricVersion.select(RubricVersion.id)
        .where(RubricVersion.content_hash == digest)
        .first()
    )
    if row:
        return int(row["id"])
    clash = await RubricVersion.exists().where(
        (RubricVersion.code == rubric.code) & (RubricVersion.version == rubric.version)
    )
    if clash:
        raise Conflict(f"量表 {rubric.code} 的版本 {rubric.version} 已存在且内容不同，请修改版本号")
    created = await RubricVersion.insert(
        RubricVersion(
            code=rubric.code,
            version=rubric.version,
            name=rubric.name,
            source=source,
            content_hash=digest,
        )
    ).returning(RubricVersion.id)
    return int(created[0]["id"])


async def register_default_rubric() -> int:
    return await register_rubric(DEFAULT_RUBRIC.read_text(encoding="utf-8"))


async def rubric_versions() -> list[RubricVersionRef]:
    rows = await RubricVersion.select(
        RubricVersion.id, RubricVersion.code, RubricVersion.version, RubricVersion.name
    ).order_by(RubricVersion.id, ascending=False)
    return [RubricVersionRef(**row) for row in rows]
