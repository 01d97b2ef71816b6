"""Resident QR links and one-time meeting-room codes (考核码).

Tokens and codes come from `secrets`: a link token carries 128 random bits; a code carries
about 50 bits in ten unambiguous characters and is stored only as a hash.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Count

from evaluation import clock
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.groups import RaterGroup
from evaluation.infra.invalidation import on_cycle_change
from evaluation.infra.sqlite_reader import active_reader
from evaluation.infra.ttl_cache import TTLCache
from evaluation.organisation.vocabulary import LEADERSHIP_TEAM, position_class
from evaluation.tables import (
    Cadre,
    CodeBatch,
    Cycle,
    EvaluationCode,
    ResidentLink,
    Response,
    Town,
    VerificationCode,
)

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_BATCH = 500


class ResidentCard(msgspec.Struct, frozen=True, kw_only=True):
    """One cadre's printed QR card."""

    cadre_id: int
    name: str
    position: str
    link_id: int
    token: str


class LiveLink(msgspec.Struct, frozen=True, kw_only=True):
    """A QR link that accepts answers now."""

    id: int
    cycle_id: int
    ratee_id: int
    cycle_name: str


class CodeSession(msgspec.Struct, frozen=True, kw_only=True):
    """A live 考核码: which cycle, town and rater group its ballots belong to."""

    id: int
    cycle_id: int
    town_id: int
    rater_group: str
    label: str


class CodeRatee(msgspec.Struct, frozen=True, kw_only=True):
    cadre_id: int
    name: str
    position: str
    done: bool


class CodeBatchSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    label: str
    size: int
    rater_group: str
    town_name: str
    created_at: datetime
    used: int


def hash_code(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch in CODE_ALPHABET)
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


async def _cycle_state(cycle_id: int) -> str:
    row = await Cycle.select(Cycle.state).where(Cycle.id == cycle_id).first()
    if row is None:
        raise NotFound("考核周期不存在")
    return str(row["state"])


async def town_resident_cards(cycle_id: int, town_id: int) -> list[ResidentCard]:
    """One card per active cadre of the town, creating the missing links (draft or open only)."""
    state = await _cycle_state(cycle_id)
    if not await Town.exists().where(Town.id == town_id):
        raise NotFound("乡镇不存在")
    cadres = (
        await Cadre.select(Cadre.id, Cadre.name, Cadre.position)
        .where((Cadre.town == town_id) & (Cadre.active.eq(True)))
        .order_by(Cadre.external_id)
    )
    links = {
        row["ratee"]: row
        for row in await ResidentLink.select(
            ResidentLink.id, ResidentLink.ratee, ResidentLink.token
        ).where((ResidentLink.cycle == cycle_id) & ResidentLink.revoked_at.is_null())
    }
    missing = [c for c in cadres if c["id"] not in links]
    if missing:
        if state not in ("draft", "open"):
            raise Conflict("周期已截止，不能再生成群众评价二维码")
        created = await ResidentLink.insert(
            *[
                ResidentLink(cycle=cycle_id, ratee=c["id"], token=secrets.token_urlsafe(16))
                for c in missing
            ]
        ).returning(ResidentLink.id, ResidentLink.ratee, ResidentLink.token)
        links.update({row["ratee"]: row for row in created})
    return [
        ResidentCard(
            cadre_id=c["id"],
            name=c["name"],
            position=c["position"],
            link_id=links[c["id"]]["id"],
            token=links[c["id"]]["token"],
        )
        for c in cadres
    ]


async def revoke_link(link_id: int) -> int:
    """Revoke one card (lost, misused); returns its cycle. A new card is issued on next print."""
    row = await ResidentLink.select(ResidentLink.cycle).where(ResidentLink.id == link_id).first()
    if row is None:
        raise NotFound("二维码不存在")
    await ResidentLink.update({ResidentLink.revoked_at: clock.now()}).where(
        ResidentLink.id == link_id
    )
    LIVE_LINKS.clear()
    return int(row["cycle"])


# Live links, for the hot resident path. A stale entry is harmless: the submission's own
# transaction re-checks that the link is not revoked and the cycle is open.
LIVE_LINKS: TTLCache[str, LiveLink] = TTLCache(ttl_s=30)
on_cycle_change(LIVE_LINKS.clear)


async def resolve_resident_link(token: str) -> LiveLink:
    """The live link behind a QR token; dead links (revoked, cycle not open) say so."""
    if not token or len(token) > 64:
        raise NotFound("二维码无效")
    cached = LIVE_LINKS.get(token)
    if cached is not None:
        return cached
    row = await _link_row(token)
    if row is None:
        raise NotFound("二维码无效，请扫描服务窗口张贴的最新二维码")
    if row["revoked_at"] is not None:
        raise Conflict("此二维码已停用，请扫描服务窗口张贴的最新二维码")
    if row["cycle.state"] != "open":
        raise Conflict(
            "本次评价"
            + ("尚未开始" if row["cycle.state"] == "draft" else "已经结束")
            + "，感谢您的关注"
        )
    return LIVE_LINKS.put(token, live_link(row))


def live_link(row: dict[str, Any]) -> LiveLink:
    return LiveLink(
        id=row["id"], cycle_id=row["cycle"], ratee_id=row["ratee"], cycle_name=row["cycle.name"]
    )


LINK_SQL = (
    "SELECT rl.id, rl.cycle, rl.ratee, rl.revoked_at, c.state, c.name FROM resident_link rl"
    " JOIN cycle c ON c.id = rl.cycle WHERE rl.token = ?"
)
LINK_KEYS = ("id", "cycle", "ratee", "revoked_at", "cycle.state", "cycle.name")
LINK_COLUMNS = (
    ResidentLink.id,
    ResidentLink.cycle,
    ResidentLink.ratee,
    ResidentLink.revoked_at,
    ResidentLink.cycle.state,
    ResidentLink.cycle.name,
)


async def _link_row(token: str) -> dict[str, Any] | None:
    reader = active_reader()
    if reader is not None:  # SQLite: a persistent connection, not a new one per query
        rows = await reader.fetch(LINK_SQL, (token,))
        return dict(zip(LINK_KEYS, rows[0], strict=True)) if rows else None
    return await ResidentLink.select(*LINK_COLUMNS).where(ResidentLink.token == token).first()


async def warm_live_links(limit: int) -> list[LiveLink]:
    """Put the live links of open cycles in the cache (at startup); returns them."""
    rows = await (
        ResidentLink.select(ResidentLink.token, *LINK_COLUMNS)
        .where(ResidentLink.revoked_at.is_null() & (ResidentLink.cycle.state == "open"))
        .limit(limit)
    )
    return [LIVE_LINKS.put(row["token"], live_link(row)) for row in rows]


async def create_code_batch(
    cycle_id: int, town_id: int, group: str, size: int, label: str
) -> list[str]:
    """Generate `size` one-time codes; the plain codes are returned once, for printing."""
    state = await _cycle_state(cycle_id)
    problems = {}
    if group not in (RaterGroup.peer, RaterGroup.superior):
        problems["rater_group"] = "民主测评的评价主体应为同事或上级"
    if not 1 <= size <= MAX_BATCH:
        problems["size"] = f"每批 1–{MAX_BATCH} 个"
    if not await Town.exists().where(Town.id == town_id):
        problems["town"] = "请选择乡镇"
    if problems:
        raise Invalid("无法生成考核码", problems)
    if state not in ("draft", "open"):
        raise Conflict("周期已截止，不能再生成考核码")
    codes = [new_code() for _ in range(size)]
    async with CodeBatch._meta.db.transaction():
        batch = await CodeBatch.insert(
            CodeBatch(
                cycle=cycle_id,
                town=town_id,
                rater_group=group,
                size=size,
                label=(label.strip() or "民主测评")[:64],
            )
        ).returning(CodeBatch.id)
        await EvaluationCode.insert(
            *[EvaluationCode(batch=batch[0]["id"], code_hash=hash_code(c)) for c in codes]
        )
    return [format_code(c) for c in codes]


async def _live_code(where: Any, unknown: str) -> CodeSession:
    """An unused code of an open cycle, with its batch (cycle, town, group, label)."""
    row = (
        await EvaluationCode.select(
            EvaluationCode.id,
            EvaluationCode.used_at,
            EvaluationCode.batch.cycle,
            EvaluationCode.batch.town,
            EvaluationCode.batch.rater_group,
            EvaluationCode.batch.label,
            EvaluationCode.batch._.cycle._.state,
        )
        .where(where)
        .first()
    )
    if row is None:
        raise NotFound(unknown)
    if row["used_at"] is not None:
        raise Conflict("此考核码已使用")
    if row["batch.cycle.state"] != "open":
        raise Conflict("本次测评不在进行中")
    return CodeSession(
        id=row["id"],
        cycle_id=row["batch.cycle"],
        town_id=row["batch.town"],
        rater_group=row["batch.rater_group"],
        label=row["batch.label"],
    )


async def resolve_code(code: str) -> CodeSession:
    """The code a rater typed in the meeting room."""
    return await _live_code(
        EvaluationCode.code_hash == hash_code(code), "考核码不正确，请核对后重新输入"
    )


async def code_is_live(code_id: int) -> CodeSession:
    """The code behind a running anonymous session (from its signed cookie)."""
    return await _live_code(EvaluationCode.id == code_id, "请先输入考核码")


async def code_ratees(session: CodeSession) -> list[CodeRatee]:
    """Whom a 考核码 rates: its town's leadership team, each marked once this code rated them."""
    cadres = (
        await Cadre.select(Cadre.id, Cadre.name, Cadre.position)
        .where((Cadre.town == session.town_id) & (Cadre.active.eq(True)))
        .order_by(Cadre.external_id)
    )
    done = set(
        await Response.select(Response.ratee)
        .where(Response.code == session.id)
        .output(as_list=True)
    )
    return [
        CodeRatee(cadre_id=c["id"], name=c["name"], position=c["position"], done=c["id"] in done)
        for c in cadres
        if position_class(c["position"]) == LEADERSHIP_TEAM
    ]


async def finish_code(code_id: int) -> None:
    updated = (
        await EvaluationCode.update({EvaluationCode.used_at: clock.now()})
        .where((EvaluationCode.id == code_id) & EvaluationCode.used_at.is_null())
        .returning(EvaluationCode.id)
    )
    if not updated:
        raise Conflict("此考核码已使用")


async def code_batches(cycle_id: int) -> list[CodeBatchSummary]:
    rows = (
        await CodeBatch.select(
            CodeBatch.id,
            CodeBatch.label,
            CodeBatch.size,
            CodeBatch.rater_group,
            CodeBatch.town.name,
            CodeBatch.created_at,
        )
        .where(CodeBatch.cycle == cycle_id)
        .order_by(CodeBatch.id)
    )
    used = {
        row["batch"]: row["used"]
        for row in await EvaluationCode.select(EvaluationCode.batch, Count().as_alias("used"))
        .where(
            EvaluationCode.batch.is_in([r["id"] for r in rows] or [0])
            & EvaluationCode.used_at.is_not_null()
        )
        .group_by(EvaluationCode.batch)
    }
    return [
        CodeBatchSummary(
            id=r["id"],
            label=r["label"],
            size=r["size"],
            rater_group=r["rater_group"],
            town_name=r["town.name"],
            created_at=r["created_at"],
            used=used.get(r["id"], 0),
        )
        for r in rows
    ]


async def issue_verification_codes(cycle_id: int, town_id: int, count: int) -> list[str]:
    """核验码 for a town's service windows: one per resident served; only hashes are stored."""
    if not await Town.exists().where(Town.id == town_id):
        raise NotFound("乡镇不存在")
    if not 1 <= count <= MAX_BATCH:
        raise Invalid("无法生成核验码", {"size": f"每批 1–{MAX_BATCH} 个"})
    if await _cycle_state(cycle_id) not in ("draft", "open"):
        raise Conflict("周期已截止，不能再生成核验码")
    codes = [new_code() for _ in range(count)]
    await VerificationCode.insert(
        *[VerificationCode(cycle=cycle_id, town=town_id, code_hash=hash_code(c)) for c in codes]
    )
    return [format_code(c) for c in codes]


async def device_answered(cycle_id: int, ratee_id: int, device: str) -> bool:
    """Whether this resident device already answered for this cadre in this cycle (the
    one-per-device rule), so the page can say so before anyone fills the form again."""
    if not device:
        return False
    return await Response.exists().where(
        (Response.cycle == cycle_id)
        & (Response.ratee == ratee_id)
        & (Response.rater_group == "resident")
        & (Response.device == device[:32])
    )
