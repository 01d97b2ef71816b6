"""实地核查 by the 核查组: on site, on a phone, a team member checks a town's reported figures one
by one — confirmed as reported, or corrected with the value found — with a note and a photo
of the evidence. A check is a 核查 decision like the office's (the same review record, named
for the team), so the office's 核查 page lists it and a corrected value counts from then on;
the year-end page sums each town's checks beside its 实地核查 score."""

from __future__ import annotations

import msgspec
import polars as pl

from evaluation import clock
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.scorecard import repository, value_store
from evaluation.scorecard.amounts import corrected_value
from evaluation.scorecard.attachment_types import ALLOWED_WORDS, kind_of
from evaluation.scorecard.plans import published_record
from evaluation.scorecard.publicity import refuse_if_final

FIELD_TEAM = "核查组"  # decisions by the team carry this prefix in `decided_by`
MAX_PHOTO_BYTES = 5 * 1024 * 1024
NOTE_LENGTH = (4, 300)


class CheckItem(msgspec.Struct, frozen=True, kw_only=True):
    value_id: int
    town_id: int
    quarter: int
    indicator: str
    name: str
    unit: str
    reported: float
    status: str  # ok | flagged | confirmed | corrected
    flags: list[str]
    checked_by: str = ""  # who decided it (the team or the office), '' while open
    after: float | None = None
    note: str = ""


class CheckSheet(msgspec.Struct, frozen=True, kw_only=True):
    year: int
    town_id: int
    town: str
    quarter: int
    quarters: list[int]
    items: list[CheckItem]


class TownChecks(msgspec.Struct, frozen=True, kw_only=True):
    checked: int
    confirmed: int
    corrected: int


class Photo(msgspec.Struct, frozen=True):
    filename: str
    content_type: str
    content: bytes


async def sheet(year: int, town_id: int, quarter: int | None = None) -> CheckSheet:
    """The town's own reported figures of a quarter (the latest reported by default), each
    with what has been decided about it."""
    record = await published_record(year)
    towns = {t.id: t.name for t in await repository.towns()}
    if town_id not in towns:
        raise NotFound("乡镇不存在")
    values = (await value_store.values(record.id, town_id)).filter(pl.col("source") == "town")
    quarters = sorted(set(values["quarter"].to_list()))
    if quarter is None:
        quarter = quarters[-1] if quarters else 1
    chosen = values.filter(pl.col("quarter") == quarter).sort("indicator")
    decided = {
        int(r["value"]): r for r in await value_store.reviews(chosen["id"].to_list())
    }  # the latest decision of each value (they come in order)
    items = []
    for row in chosen.iter_rows(named=True):
        indicator = record.plan.indicator(row["indicator"])
        review = decided.get(int(row["id"]))
        items.append(
            CheckItem(
                value_id=int(row["id"]),
                town_id=town_id,
                quarter=quarter,
                indicator=indicator.code,
                name=indicator.name,
                unit=indicator.unit,
                reported=float(row["value"]),
                status=str(row["status"]),
                flags=[f for f in str(row["flags"] or "").splitlines() if f],
                checked_by=str(review["decided_by"]) if review else "",
                after=float(review["after"]) if review else None,
                note=str(review["reason"]) if review else "",
            )
        )
    return CheckSheet(
        year=year,
        town_id=town_id,
        town=towns[town_id],
        quarter=quarter,
        quarters=quarters,
        items=items,
    )


async def record(
    value_id: int, decision: str, raw: str, note: str, photo: Photo | None, checker: str
) -> CheckItem:
    """One figure checked on site: confirmed, or corrected to the value found; the note says
    what was seen; a photo (image or PDF) is kept with the figure. A figure already decided
    (by the team or the office) is not decided again."""
    row = await value_store.value_row(value_id)
    plan = await repository.plan(int(row["plan"]))
    await refuse_if_final(plan)
    if row["source"] != "town":
        raise NotFound("只核查乡镇填报的数值")
    indicator = plan.plan.indicator(str(row["indicator"]))
    problems: dict[str, str] = {}
    if decision not in ("confirm", "correct"):
        problems["decision"] = "请选择“与填报一致”或“需要更正”"
    least, most = NOTE_LENGTH
    if not least <= len(note.strip()) <= most:
        problems["note"] = f"请写下现场看到的情况（{least}–{most} 字）"
    after = float(row["value"])
    if decision == "correct":
        value, refusal = corrected_value(raw, indicator, "请填写核实后的数值")
        if value is None:
            problems["value"] = refusal
        else:
            after = value
    if photo is not None:
        if len(photo.content) > MAX_PHOTO_BYTES:
            problems["photo"] = "照片不能超过 5 MB"
        elif kind_of(photo.content) not in ("jpeg", "png", "pdf"):
            problems["photo"] = (
                f"请上传照片（JPG、PNG）或 PDF；{ALLOWED_WORDS}中的其他类型请交考核办"
            )
    if problems:
        raise Invalid("核查未保存", problems)
    by = f"{FIELD_TEAM}·{checker}"[:64]
    async with repository.transaction():
        current = await value_store.value_row(value_id)
        if current["status"] in ("confirmed", "corrected"):
            raise Conflict("这个数值已经核查过了")
        await value_store.review(
            value_id, decision, float(row["value"]), after, f"实地核查：{note.strip()}", by
        )
        if photo is not None:
            stamp = clock.today().isoformat()
            await value_store.add_attachment(
                value_id,
                f"实地核查-{stamp}-{photo.filename}"[:128],
                photo.content_type,
                photo.content,
            )
    return CheckItem(
        value_id=value_id,
        town_id=int(row["town"]),
        quarter=int(row["quarter"]),
        indicator=indicator.code,
        name=indicator.name,
        unit=indicator.unit,
        reported=float(row["value"]),
        status="confirmed" if decision == "confirm" else "corrected",
        flags=[],
        checked_by=by,
        after=after,
        note=note.strip(),
    )


async def place_of(value_id: int) -> tuple[int, int]:
    """The town and quarter of a figure (its sheet)."""
    row = await value_store.value_row(value_id)
    return int(row["town"]), int(row["quarter"])


async def by_town(year: int, town_id: int | None = None) -> dict[int, TownChecks]:
    """Per town (or for one), the figures the 核查组 checked this year: how many, confirmed,
    corrected."""
    record = await published_record(year)
    values = await value_store.values(record.id, town_id)
    reviews = await value_store.reviews(values["id"].to_list())
    town_of = dict(zip(values["id"].to_list(), values["town_id"].to_list(), strict=True))
    found: dict[int, list[str]] = {}
    for r in reviews:
        if str(r["decided_by"]).startswith(FIELD_TEAM):
            found.setdefault(int(town_of[int(r["value"])]), []).append(str(r["decision"]))
    return {
        town: TownChecks(checked=len(d), confirmed=d.count("confirm"), corrected=d.count("correct"))
        for town, d in found.items()
    }
