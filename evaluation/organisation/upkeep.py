"""Keeping the organisation up to date in the web, one person or town at a time.

Every change to a cadre is applied to the cadre row (the present) and recorded as a
`CadreChange` with the date it took effect, in one transaction; `directory.cadre_frame(as_of)`
rebuilds any earlier day from these rows, so a cycle computed later still sees the
organisation of its own dates, and a published cycle never changes (its snapshot froze who
everyone was).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import msgspec

from evaluation.clock import today
from evaluation.errors import Invalid, NotFound
from evaluation.organisation.contacts import checked
from evaluation.organisation.directory import cadre
from evaluation.organisation.directory import contacts as directory_contacts
from evaluation.organisation.schemas import CadreRecord
from evaluation.organisation.vocabulary import TOWN_TYPE_LABELS
from evaluation.tables import Cadre, CadreChange, Leadership, Town

MAX_REASON = 500


class ChangeRecord(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    effective_on: date
    from_town: str
    to_town: str
    from_position: str
    to_position: str
    summary: str
    reason: str
    recorded_by: str
    recorded_at: datetime


def _in_place(
    current: CadreRecord,
    kind: str,
    *,
    effective_on: date,
    by: str,
    summary: str = "",
    reason: str = "",
) -> CadreChange:
    """A change that leaves the cadre where they are (departure, edit, leaders)."""
    return CadreChange(
        cadre=current.id,
        kind=kind,
        effective_on=effective_on,
        from_town=current.town_id,
        to_town=current.town_id,
        from_position=current.position,
        to_position=current.position,
        summary=summary,
        reason=reason,
        recorded_by=by,
    )


def _reason(reason: str, problems: dict[str, str]) -> str:
    text = reason.strip()
    if not text:
        problems["reason"] = "请写明原因（如任免文件文号）"
    elif len(text) > MAX_REASON:
        problems["reason"] = f"原因不超过 {MAX_REASON} 字"
    return text


async def transfer(
    cadre_id: int,
    *,
    town_id: int | None,
    position: str,
    effective_on: date | None,
    reason: str,
    by: str,
) -> None:
    """Move a cadre to another town and/or post from a date."""
    current = await cadre(cadre_id)
    problems: dict[str, str] = {}
    position = position.strip()
    text = _reason(reason, problems)
    if town_id is None or not await Town.exists().where(Town.id == town_id):
        problems["town"] = "请选择调入的乡镇"
    if not position or len(position) > 32:
        problems["position"] = "请填写新职务（不超过 32 字）"
    if effective_on is None:
        problems["effective_on"] = "请选择生效日期"
    if not problems and town_id == current.town_id and position == current.position:
        problems["town"] = "乡镇和职务都没有变化"
    if not current.active:
        problems["town"] = "该干部已离任，不能调动"
    if problems or town_id is None or effective_on is None:
        raise Invalid("调动信息有误", problems)
    async with Cadre._meta.db.transaction():
        await CadreChange.insert(
            CadreChange(
                cadre=cadre_id,
                kind="transfer",
                effective_on=effective_on,
                from_town=current.town_id,
                to_town=town_id,
                from_position=current.position,
                to_position=position,
                reason=text,
                recorded_by=by,
            )
        )
        await Cadre.update({Cadre.town: town_id, Cadre.position: position}).where(
            Cadre.id == cadre_id
        )
        if town_id != current.town_id:  # leading and being led stay in the old town
            await Leadership.delete().where(
                (Leadership.leader == cadre_id) | (Leadership.member == cadre_id)
            )


async def depart(cadre_id: int, *, effective_on: date | None, reason: str, by: str) -> None:
    """A cadre leaves (retirement, transfer out of the county): inactive from a date; their
    leader links end with them. Their past results stay."""
    current = await cadre(cadre_id)
    problems: dict[str, str] = {}
    text = _reason(reason, problems)
    if effective_on is None:
        problems["effective_on"] = "请选择生效日期"
    if not current.active:
        problems["effective_on"] = "该干部已经离任"
    if problems or effective_on is None:
        raise Invalid("离任信息有误", problems)
    async with Cadre._meta.db.transaction():
        await CadreChange.insert(
            _in_place(current, "departure", effective_on=effective_on, reason=text, by=by)
        )
        await Cadre.update({Cadre.active: False}).where(Cadre.id == cadre_id)
        await Leadership.delete().where(
            (Leadership.leader == cadre_id) | (Leadership.member == cadre_id)
        )


async def edit(
    cadre_id: int,
    *,
    name: str,
    rank: str,
    by: str,
    phone: str | None = None,
    email: str | None = None,
) -> None:
    """Correct a name or rank (a typo, a promotion in rank) and, when given, the contacts a
    notice reaches them by (blank: on paper only); kept in the history."""
    current = await cadre(cadre_id)
    stored = await directory_contacts(cadre_id)
    name, rank = name.strip(), rank.strip()
    wanted, problems = checked(
        stored.phone if phone is None else phone, stored.email if email is None else email
    )
    if not name or len(name) > 32:
        problems["name"] = "请填写姓名（不超过 32 字）"
    if len(rank) > 16:
        problems["rank"] = "职级不超过 16 字"
    if problems:
        raise Invalid("干部信息有误", problems)
    changes = [
        f"{label}：{before or '—'} → {after or '—'}"
        for label, before, after in (
            ("姓名", current.name, name),
            ("职级", current.rank, rank),
            ("手机号", stored.phone, wanted.phone),
            ("电子邮箱", stored.email, wanted.email),
        )
        if before != after
    ]
    if not changes:
        return
    async with Cadre._meta.db.transaction():
        await CadreChange.insert(
            _in_place(current, "edit", effective_on=today(), summary="；".join(changes), by=by)
        )
        await Cadre.update(
            {
                Cadre.name: name,
                Cadre.rank: rank,
                Cadre.phone: wanted.phone,
                Cadre.email: wanted.email,
            }
        ).where(Cadre.id == cadre_id)


async def set_leaders(cadre_id: int, leader_numbers: Sequence[str], *, by: str) -> None:
    """Replace a cadre's leaders by roster numbers (干部编号); every number must be an active
    cadre other than themself."""
    current = await cadre(cadre_id)
    numbers = list(dict.fromkeys(n.strip() for n in leader_numbers if n.strip()))
    rows = await Cadre.select(Cadre.id, Cadre.external_id, Cadre.name, Cadre.active).where(
        Cadre.external_id.is_in(numbers) if numbers else Cadre.id == -1
    )
    found = {r["external_id"]: r for r in rows}
    problems = [f"没有编号为 {n[:32]} 的干部" for n in numbers if n not in found]
    problems += [f"{found[n]['name']}（{n}）已离任" for n in found if not found[n]["active"]]
    if current.external_id in found:
        problems.append("干部不能是自己的领导")
    if problems:
        raise Invalid("领导设置有误", {"leaders": "；".join(problems)})
    before = "、".join(p.name for p in current.leaders) or "无"
    after = "、".join(found[n]["name"] for n in numbers) or "无"
    if before == after:
        return
    async with Cadre._meta.db.transaction():
        await Leadership.delete().where(Leadership.member == cadre_id)
        if numbers:
            await Leadership.insert(
                *(
                    Leadership(leader=found[n]["id"], member=cadre_id, sort_order=i)
                    for i, n in enumerate(numbers)
                )
            )
        summary = f"领导：{before} → {after}"
        await CadreChange.insert(
            _in_place(current, "leaders", effective_on=today(), summary=summary, by=by)
        )


async def edit_town(town_id: int, *, name: str, town_type: str) -> None:
    """Rename a town or change its type (which decides its 个性 rubric items from the next
    cycle on; published cycles keep the type they were computed with)."""
    if not await Town.exists().where(Town.id == town_id):
        raise NotFound("乡镇不存在")
    name = name.strip()
    problems: dict[str, str] = {}
    if not name or len(name) > 64:
        problems["name"] = "请填写乡镇名称（不超过 64 字）"
    if town_type not in TOWN_TYPE_LABELS:
        problems["town_type"] = "请选择乡镇类型"
    if problems:
        raise Invalid("乡镇信息有误", problems)
    await Town.update({Town.name: name, Town.town_type: town_type}).where(Town.id == town_id)


async def history(cadre_id: int) -> list[ChangeRecord]:
    """A cadre's recorded changes, newest first, with town names."""
    rows = await (
        CadreChange.select()
        .where(CadreChange.cadre == cadre_id)
        .order_by(CadreChange.effective_on, ascending=False)
        .order_by(CadreChange.id, ascending=False)
    )
    names = {t["id"]: t["name"] for t in await Town.select(Town.id, Town.name)}
    return [
        ChangeRecord(
            kind=r["kind"],
            effective_on=r["effective_on"],
            from_town=names.get(r["from_town"], ""),
            to_town=names.get(r["to_town"], ""),
            from_position=r["from_position"],
            to_position=r["to_position"],
            summary=r["summary"],
            reason=r["reason"],
            recorded_by=r["recorded_by"],
            recorded_at=r["recorded_at"],
        )
        for r in rows
    ]
