"""A town's and an applicant's notices from the scorecard: open cards, 约谈 and 督导 on the
town, and decisions on the applicant's exemptions."""

from __future__ import annotations

from evaluation.notices import Notice
from evaluation.scorecard import fault_tolerance, followup, projects
from evaluation.scorecard.plans import current_year

STATE_WORDS = {
    "issued": "请提交整改方案",
    "planned": "整改中，请报送整改佐证",
    "rectified": "已整改，待考核办关闭",
}


async def scorecard_notices(
    town_id: int,
    account: str,
    link: str,
    cards: list[projects.CardView] | None = None,
    exemptions: list[fault_tolerance.ExemptionView] | None = None,
) -> list[Notice]:
    """`link`: the page (with the cards) the notices point to for this reader; `cards` (the
    town's, this year) and `exemptions` (this year's): where the page has read them already."""
    year = await current_year()
    if year is None:
        return []
    if cards is None:
        cards = await projects.card_views(year, town_id)
    if exemptions is None:
        exemptions = await fault_tolerance.exemption_views(year)
    found: list[Notice] = []
    for card in cards:
        if card.state != "closed" and not card.exempted:
            red = card.colour == "red"
            found.append(
                Notice(
                    kind="card",
                    title=f"{'红牌' if red else '黄牌'}督办：{card.project}",
                    detail=f"{card.deliverable}（应于 {card.due_on} 完成）"
                    + (f"，扣 {card.deduction:g} 分" if red else "")
                    + f"。{STATE_WORDS.get(card.state, '')}",
                    on=card.red_on or card.issued_on,
                    link=f"{link}#card-{card.card_id}",
                    tone="red" if red else "yellow",
                )
            )
    for e in exemptions:
        if account and e.account == account and e.state != "pending":
            approved = e.state == "approved"
            found.append(
                Notice(
                    kind="exemption",
                    title=f"容错豁免申请{'已批准' if approved else '未获批准'}：{e.project}",
                    detail=f"考核办意见：{e.decision_reason}"
                    + ("（该项扣分不再计入）" if approved else ""),
                    on=e.decided_on,
                    link=f"{link}#card-{e.card_id}",
                    tone="green" if approved else "red",
                )
            )
    interviews, tasks = await followup.town_followups(year, town_id)
    for i in interviews:
        if not i.outcome:
            found.append(
                Notice(
                    kind="interview",
                    title=f"约谈：{i.held_on}（{i.held_by}）",
                    detail=f"整改承诺 {len(i.commitments)} 项：{'；'.join(i.commitments)}",
                    on=i.held_on,
                    link=f"{link}#interview-{i.id}",
                    tone="red",
                )
            )
    for t in tasks:
        if t.state == "open":
            found.append(
                Notice(
                    kind="supervision",
                    title=f"专项督导：{t.title}",
                    detail=f"时限 {t.due_on}" + ("，已逾期" if t.overdue else ""),
                    on=t.due_on,
                    link=link,
                    tone="red" if t.overdue else "yellow",
                )
            )
    return found
