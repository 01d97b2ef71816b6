"""The notices a person's home page leads with: their to-dos first (evaluations to finish,
the office's reminder), then their town's cards, 约谈 and 督导, and the decisions on their
own exemption applications and appeals."""

from __future__ import annotations

import datetime as dt

from app.accounts.auth import CurrentUser
from app.accounts.roles import Role
from evaluation.cycles.todos import rating_todos
from evaluation.notices import Notice
from evaluation.organisation import directory
from evaluation.results import appeals
from evaluation.scorecard.fault_tolerance import ExemptionView
from evaluation.scorecard.notices import scorecard_notices
from evaluation.scorecard.projects import CardView


async def notices_for(
    user: CurrentUser,
    cards: list[CardView] | None = None,
    exemptions: list[ExemptionView] | None = None,
) -> list[Notice]:
    """`cards` (the user's town's, this year) and `exemptions`: where the page read them."""
    if user.cadre_id is None:
        return []
    cadre = await directory.cadre(user.cadre_id)
    link = "/town" if user.role == Role.reporter else "/me"
    found = await scorecard_notices(cadre.town_id, user.username, link, cards, exemptions)
    todos = []
    if user.role in (Role.cadre, Role.leader):
        found += await appeals.appeal_notices(user.cadre_id)
        todos = await rating_todos(user.cadre_id)
    return todos + sorted(found, key=lambda n: n.on or dt.date.min, reverse=True)
