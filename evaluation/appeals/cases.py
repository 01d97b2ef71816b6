"""The one flow of an appeal, whatever its kind: lodged during 公示 with reasons, decided once
by the office with written reasons — upheld with the kind's correction applied in the same
transaction as the decision, or rejected. The kind's policy supplies what differs."""

from __future__ import annotations

from typing import ClassVar, Protocol

from evaluation.appeals import store
from evaluation.appeals.store import AppealRow
from evaluation.clock import today
from evaluation.errors import Conflict, Invalid

MAX_TEXT = 1000
MIN_REASON = 10  # characters of an appeal's reasons
MIN_DECISION = 4  # characters of the office's written decision


class AppealPolicy(Protocol):
    kind: ClassVar[str]
    reason_hint: ClassVar[str]  # the problem shown when the reasons are too short
    already_pending: ClassVar[str]  # the refusal of a second pending appeal

    async def lodging(self, period: int, subject: int, item: str) -> dict[str, str]:
        """Raise Conflict when appeals are not accepted now; else problems with the item."""
        ...

    async def correction(self, case: AppealRow, raw: str) -> tuple[str, dict[str, str]]:
        """An upheld decision's correction as recorded, and problems with it."""
        ...

    async def apply(self, case: AppealRow, correction: str, reason: str, by: str) -> None:
        """Make an upheld correction count (inside the decision's transaction)."""
        ...


def _text(value: str | None) -> str:
    return (value or "").strip()[:MAX_TEXT]


async def lodge(
    policy: AppealPolicy, period: int, subject: int, item: str, reason: str, by: str
) -> int:
    problems = await policy.lodging(period, subject, item)
    why = _text(reason)
    if len(why) < MIN_REASON:
        problems["reason"] = policy.reason_hint
    if problems:
        raise Invalid("申诉未提交", problems)
    appeal_id = await store.insert(policy.kind, period, subject, item, why, by, today())
    if appeal_id is None:
        raise Conflict(policy.already_pending)
    return appeal_id


async def decide(
    policy: AppealPolicy, appeal_id: int, uphold: bool, raw: str, reason: str, by: str
) -> AppealRow:
    case = await store.row(policy.kind, appeal_id)
    problems: dict[str, str] = {}
    why = _text(reason)
    if len(why) < MIN_DECISION:
        problems["decision_reason"] = "请写明复核意见（至少 4 个字）"
    correction = ""
    if uphold:
        correction, wrong = await policy.correction(case, raw)
        problems.update(wrong)
    if problems:
        raise Invalid("复核意见未保存", problems)
    async with store.transaction():
        state = "upheld" if uphold else "rejected"
        if not await store.decide(appeal_id, state, correction, why, by, today()):
            raise Conflict("该申诉已复核")
        if uphold:
            await policy.apply(case, correction, why, by)
    return await store.row(policy.kind, appeal_id)
