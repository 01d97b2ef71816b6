"""A former peer made leader (issue 29, #1). Before: the office made one of a cadre's peer
raters their leader after the cycle, gave them a leader account, and `/team/{id}/feedback`
showed the 同事 group at n=3 — subtracting their own answer gave the other two peers' mean
exactly. Now every answer the reader gave, in any group, is known to the release rule: the
peer group they were part of is withheld from them unless three others stand without them."""

from __future__ import annotations

import polars as pl
from litestar.testing import TestClient

from app.accounts import services
from evaluation.cycles import service as cycle_service
from evaluation.results.feedback import cadre_feedback
from evaluation.tables import Cadre
from tests.factories import (
    PASSWORD,
    People,
    answer_assignments,
    close_and_publish,
    login,
    open_cycle,
    post_form,
)


async def test_a_peer_rater_made_leader_cannot_subtract_their_own_answers(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle(peers=3)
    await answer_assignments(cycle_id, varied=True)
    frame = await cycle_service.assignment_frame(cycle_id)
    peers = frame.filter(pl.col("rater_group") == "peer")
    await close_and_publish(cycle_id)
    # a cadre with exactly three peer raters whose 同事 group the office (and the cadre) see
    candidates = sorted(peers.group_by("ratee_id").len().filter(pl.col("len") == 3)["ratee_id"])
    member = None
    for candidate in candidates:
        office_view = await cadre_feedback(int(candidate), cycle_id)
        if any(
            g.rater_group == "peer" and g.n == 3 and g.raw_mean is not None
            for c in office_view.competencies
            for g in c.groups
        ):
            member = int(candidate)
            break
    assert member is not None, "the cycle has a cadre whose three peers show as a group"
    former_peer = int(peers.filter(pl.col("ratee_id") == member).sort("rater_id")["rater_id"][0])

    login(client, "office")
    page = f"/office/cadres/{member}"
    external = await Cadre.select(Cadre.external_id).where(Cadre.id == former_peer).first()
    made = post_form(client, f"{page}/leaders", {"leaders": external["external_id"]}, page=page)
    assert made.status_code == 302
    await services.create_user(
        username="new-leader",
        password=PASSWORD,
        role="leader",
        cadre_id=former_peer,
        must_change_password=False,
    )
    login(client, "new-leader")
    assert client.get(f"/team/{member}/feedback?cycle={cycle_id}").status_code == 200
    theirs = await cadre_feedback(member, cycle_id, reader=former_peer)
    for competency in theirs.competencies:
        for group in competency.groups:
            if group.rater_group == "peer" and group.n == 3:
                assert group.raw_mean is None and group.corrected_mean is None, competency.name
