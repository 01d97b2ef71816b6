"""Access follows the organisation (issue 29, #9). Before: after the office transferred a
cadre to another town, the old town's leader still listed them under 我的团队 and opened their
profile. Now a transfer across towns ends the links on both sides (whom they led, who led
them); the new town's leader gains the member once the office names them leader."""

from __future__ import annotations

from litestar.testing import TestClient

from evaluation.tables import Town
from tests.factories import (
    People,
    answer_assignments,
    cadre_id,
    close_and_publish,
    login,
    open_cycle,
    post_form,
)


async def test_a_transferred_cadre_leaves_the_old_leaders_team(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    await answer_assignments(cycle_id, varied=True)
    await close_and_publish(cycle_id)
    member = await cadre_id(people.member.cadre_external_id or "")
    login(client, "leader")
    assert client.get(f"/team/{member}/feedback?cycle={cycle_id}").status_code == 200
    assert f"/team/{member}/feedback" in client.get("/team").text

    login(client, "office")
    page = f"/office/cadres/{member}"
    other = await Town.select(Town.id).where(Town.name != "").order_by(Town.id, ascending=False)
    moved = post_form(
        client,
        f"{page}/transfer",
        {
            "town": str(other[0]["id"]),
            "position": "副镇长",
            "effective_on": "2026-11-20",
            "reason": "县委组织部〔2026〕9号",
        },
        page=page,
    )
    assert moved.status_code == 302

    login(client, "leader")
    assert f"/team/{member}/feedback" not in client.get("/team").text
    assert client.get(f"/team/{member}/feedback?cycle={cycle_id}").status_code == 404

    # the new town's leader is named by the office and reads the member's page
    login(client, "office")
    new_leader = people.outsider.cadre_external_id or ""
    named = post_form(client, f"{page}/leaders", {"leaders": new_leader}, page=page)
    assert named.status_code == 302
