"""The one way a response enters: `submit(intake)`.

Every channel — a rater's online form and the API, the resident QR form and its API, the
meeting-room code, paper keyed in by the office, the mystery visitor — hands an `Intake` to
`submit`, which owns every rule in one place:

* the form against the rubric (Chinese message per item; nothing stored when any is bad);
* idempotency: the client's key is bound to what it acknowledges (`scope`: the assignment,
  the QR link, the code and ratee, the cycle's paper stack, the visitor and ratee); a retry
  in that scope gets the first response back, the same key anywhere else is refused;
* "one per" rules held by the database: one response per assignment, per code and ratee,
  per device (or visitor) and ratee and cycle — `INSERT … ON CONFLICT DO NOTHING`;
* the top-rating quota, counted inside the write (store.quota_steps);
* 核验码: a valid code marks the response verified and is used up in the same transaction.

Handlers only parse the request, call `submit` and render what comes back."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Sequence
from datetime import datetime

import msgspec

from evaluation.errors import DomainError, Invalid
from evaluation.groups import RaterGroup
from evaluation.infra.group_commit import active_writer
from evaluation.infra.pg_group_commit import Job, Together, active_pg_writer
from evaluation.responses.campaigns import hash_code
from evaluation.responses.context import FormContext, prefetch_contexts, ratee_context
from evaluation.responses.forms import check_form
from evaluation.responses.pg_batch import batchable, store_batch
from evaluation.responses.raters import top_level_allowance, top_level_allowances
from evaluation.responses.store import (
    Submission,
    run_async,
    run_asyncpg,
    run_in_transaction,
    run_sync,
    submission_steps,
)
from evaluation.tables import Response

KEY_MAX = 40


class Intake(msgspec.Struct, frozen=True, kw_only=True):
    channel: str  # online | qr | code | paper | mystery
    cycle_id: int
    ratee_id: int
    group: str
    fields: dict[str, str]
    rater_id: int | None = None  # the cadre who rates (online)
    assignment_id: int | None = None
    code_id: int | None = None  # 考核码 of a meeting-room session
    link_id: int | None = None  # the resident QR link
    visitor_id: int | None = None  # the mystery visitor's account
    batch_label: str = ""
    client_key: str | None = None  # the client's idempotency key, as sent
    device: str = ""  # resident device (signed cookie)
    source_hash: str = ""  # salted hash of the resident's address
    verification_code: str | None = None  # 核验码 as typed


def scope(intake: Intake) -> str:
    """What one client key may acknowledge."""
    match intake.channel:
        case "online":
            return f"assignment:{intake.assignment_id}"
        case "qr":
            return f"link:{intake.link_id}"
        case "code":
            return f"code:{intake.code_id}:{intake.ratee_id}"
        case "mystery":
            return f"visit:{intake.cycle_id}:{intake.visitor_id}:{intake.ratee_id}"
        case _:
            return f"{intake.channel}:{intake.cycle_id}"


def fingerprint(levels: dict[str, int | None]) -> str:
    joined = ";".join(f"{k}={v}" for k, v in sorted(levels.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


async def submit(intake: Intake) -> int:
    """Validate and store one response, durably; returns its id. Raises Invalid (per-item
    Chinese messages), Conflict (cycle not open, already answered, dead link, a key used
    elsewhere) or NotFound."""
    context = await ratee_context(intake.cycle_id, intake.ratee_id, intake.group)
    allowed = await top_allowed(intake, context.rubric.quota)
    return await store(checked_submission(intake, context, allowed))


def checked_submission(
    intake: Intake,
    context: FormContext,
    top_allowed: int | None,
    received_at: datetime | None = None,
) -> Submission:
    """The intake checked against its form (Chinese message per item) as a Submission; the
    rules the database holds (one per …, the quota, an open cycle) are checked as it is
    stored."""
    checked = check_form(
        context.items,
        intake.fields,
        require_notes_at_extremes=intake.group != RaterGroup.resident,
        allow_cannot_observe=True,
    )
    if not checked.ok:
        raise Invalid("请修改标出的问题后再提交", checked.problems)
    key = (intake.client_key or "").strip()[:KEY_MAX] or None
    verification = (intake.verification_code or "").strip()
    return Submission(
        cycle_id=intake.cycle_id,
        ratee_id=intake.ratee_id,
        group=intake.group,
        channel=intake.channel,
        levels=checked.levels,
        notes=checked.notes,
        comment=checked.comment,
        rater_id=intake.rater_id,
        assignment_id=intake.assignment_id,
        code_id=intake.code_id,
        batch_label=intake.batch_label,
        client_key=f"{intake.channel}:{key}" if key else None,
        key_scope=scope(intake),
        top_allowed=top_allowed,
        device=intake.device,
        source_hash=intake.source_hash,
        link_id=intake.link_id,
        verification_hash=hash_code(verification) if verification else None,
        fingerprint=fingerprint(checked.levels) if intake.source_hash else "",
        received_at=received_at,
    )


async def submit_many(
    intakes: Sequence[Intake], received_at: Sequence[datetime], *, at_once: int = 256
) -> list[int]:
    """Many responses that came in at the given times (forms keyed in later, a county's
    history): each checked and stored exactly as `submit` does it — its form, the quota,
    one per assignment/device/key, an open cycle — with the form context and each rater's
    allowance looked up once, and up to `at_once` handed to the writer together so a
    group-commit writer stores them in few transactions. Returns the ids in order; the
    first refused intake raises (with its position), and those before it stay stored."""
    allowances: dict[tuple[int, int | None, str], int | None] = {}
    for cycle_id in sorted({i.cycle_id for i in intakes}):
        mine = [i for i in intakes if i.cycle_id == cycle_id]
        await prefetch_contexts(cycle_id, {i.ratee_id for i in mine}, {i.group for i in mine})
        quota = (await ratee_context(cycle_id, mine[0].ratee_id, mine[0].group)).rubric.quota
        share = getattr(quota, "top_level_share", None)
        if share is not None:
            for rater_id, allowed in (await top_level_allowances(cycle_id, share)).items():
                allowances[(cycle_id, rater_id, "")] = allowed
    ids: list[int] = []
    for start in range(0, len(intakes), at_once):
        batch = []
        for position in range(start, min(start + at_once, len(intakes))):
            intake = intakes[position]
            context = await ratee_context(intake.cycle_id, intake.ratee_id, intake.group)
            self_or_open = intake.group == RaterGroup.self or intake.rater_id is None
            rater = (intake.cycle_id, intake.rater_id, "self" if self_or_open else "")
            if rater not in allowances:
                allowances[rater] = await top_allowed(intake, context.rubric.quota)
            try:
                batch.append(
                    checked_submission(intake, context, allowances[rater], received_at[position])
                )
            except Invalid as exc:
                raise _at(position, exc) from exc
        engine = Response._meta.db
        stored: list[int | BaseException]
        if engine.transaction_exists():  # the caller's transaction: its one connection
            stored = list(await run_in_transaction(engine, [submission_steps(s) for s in batch]))
        else:
            stored = await asyncio.gather(*[store(s) for s in batch], return_exceptions=True)
        for offset, outcome in enumerate(stored):
            if isinstance(outcome, DomainError):
                raise _at(start + offset, outcome) from outcome
            if isinstance(outcome, BaseException):
                raise outcome
            ids.append(outcome)
    return ids


def _at(position: int, error: DomainError) -> DomainError:
    """The same refusal, saying which of the many it was."""
    message = f"第 {position + 1} 份：{error.message}"
    if isinstance(error, Invalid):
        return Invalid(message, error.problems)
    return type(error)(message)


async def top_allowed(intake: Intake, quota: object) -> int | None:
    """The rater's top-rating allowance where the rubric sets a quota (self-assessment and
    the anonymous channels are never capped)."""
    share = getattr(quota, "top_level_share", None)
    if share is None or intake.rater_id is None or intake.group == RaterGroup.self:
        return None
    return await top_level_allowance(intake.cycle_id, intake.rater_id, share)


async def store(submission: Submission) -> int:
    """Through the engine's group-commit writer (SQLite's, or PostgreSQL's when the server
    started one); otherwise in a piccolo transaction — the caller's, when one is open (the
    demo county loads all or nothing)."""
    engine = Response._meta.db
    if engine.transaction_exists():  # inside a caller's transaction: join it
        [outcome] = await run_in_transaction(engine, [submission_steps(submission)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    writer = active_writer()
    if writer is not None:
        return await writer.run(lambda conn: run_sync(conn, submission_steps(submission)))
    pg_writer = active_pg_writer()
    if pg_writer is not None:
        return await pg_writer.run(pg_job(submission))
    async with engine.transaction():
        return await run_async(engine, submission_steps(submission))


def pg_job(submission: Submission) -> Job | Together:
    """The submission as PostgreSQL's writer runs it: a plain form with its neighbours in
    the batch (`pg_batch`), any other through its steps."""

    def alone(conn: object) -> Awaitable[int]:
        return run_asyncpg(conn, submission_steps(submission))

    if batchable(submission):
        return Together(submission, store_batch, alone)
    return alone
