"""Exemptions (容错纠错): a town asks that a red card's deduction be neutralised, the office
decides against the written 三个区分开来 criteria — every step recorded with who and when.
An approved exemption takes the card's deduction out of the town's total
(`cards.apply_deductions`)."""

from __future__ import annotations

import datetime as dt

import msgspec

from evaluation import clock
from evaluation.errors import Conflict, Invalid
from evaluation.scorecard import project_store as store
from evaluation.scorecard import repository
from evaluation.scorecard.inputs import text as _text
from evaluation.scorecard.plans import published_record
from evaluation.scorecard.projects import year_of_card

# 三个区分开来: the written criteria the office checks before approving an exemption.
CRITERIA = ("no_clear_rule", "for_public_interest", "no_personal_gain")


class ExemptionView(msgspec.Struct, frozen=True):
    id: int
    card_id: int
    town_name: str
    project: str
    deliverable: str
    deduction: float
    applicant: str
    account: str  # the applying account ("" where it was not kept)
    reform: str
    reason: str
    state: str
    checklist: list[str]
    decision_reason: str
    decided_by: str
    decided_on: dt.date | None


async def apply_exemption(
    card_id: int, applicant: str, applicant_town: int, reform: str, reason: str, account: str = ""
) -> int:
    """A town (or one of its cadres) asks that a card's deduction be neutralised; `account`
    is the applying account, whose home page shows the decision."""
    card = await store.card(card_id)
    if card["town_id"] != applicant_town:
        raise Invalid("不能为其他乡镇的督办牌申请豁免", {"card": "只能申请本乡镇的事项"})
    problems: dict[str, str] = {}
    cited = _text(reform, "reform", "所依据的改革事项", problems, least=4)
    why = _text(reason, "reason", "申请理由（至少 10 个字）", problems, least=10)
    if card["colour"] != "red":
        problems["card"] = "只有红牌扣分可以申请豁免"
    if problems:
        raise Invalid("豁免申请未提交", problems)
    if await store.pending_for(card_id):
        raise Conflict("该督办牌已有待审的豁免申请")
    return await store.insert_exemption(card_id, applicant, applicant_town, cited, why, account)


async def decide_exemption(
    exemption_id: int, approve: bool, checklist: list[str], reason: str, by: str
) -> None:
    """Approve only when every 三个区分开来 test is met; always with a written reason."""
    problems: dict[str, str] = {}
    why = _text(reason, "decision_reason", "审核意见（至少 4 个字）", problems, least=4)
    met = [c for c in CRITERIA if c in checklist]
    if approve and len(met) < len(CRITERIA):
        problems["checklist"] = "批准豁免须三项标准全部符合"
    if problems:
        raise Invalid("审核意见未保存", problems)
    await store.exemption(exemption_id)
    if not await store.decide_exemption(
        exemption_id, "approved" if approve else "rejected", "\n".join(met), why, by
    ):
        raise Conflict("该申请已审核")


async def exemption_views(year: int) -> list[ExemptionView]:
    record = await published_record(year)
    names = {t.id: t.name for t in await repository.towns()}
    return [
        ExemptionView(
            id=int(e["id"]),
            card_id=int(e["card"]),
            town_name=names.get(int(e["town_id"]), ""),
            project=str(e["project"]),
            deliverable=str(e["deliverable"]),
            deduction=float(e["deduction"]),
            applicant=str(e["applicant"]),
            account=str(e["applicant_account"]),
            reform=str(e["reform"]),
            reason=str(e["reason"]),
            state=str(e["state"]),
            checklist=[c for c in str(e["checklist"]).split("\n") if c],
            decision_reason=str(e["decision_reason"]),
            decided_by=str(e["decided_by"]),
            decided_on=clock.local_day(e["decided_at"]) if e["decided_at"] else None,
        )
        for e in await store.exemptions(record.id)
    ]


async def year_of_exemption(exemption_id: int) -> int:
    return await year_of_card(int((await store.exemption(exemption_id))["card"]))
