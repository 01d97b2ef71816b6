"""Planted small groups, looked for everywhere they could surface: a cadre rated by exactly
two superiors (mean 1.50), two peers (2.50) and two residents (3.00), while everyone else
answers 4. None of those means may appear on the cadre's own page, their PDF (read as text),
their leader's view, the office's Excel rows for them, or any JSON the API returns. A
published cycle's public page and PDF stay byte-identical when the roster changes after."""

from __future__ import annotations

import io
import re
import subprocess

import polars as pl
import pytest
from litestar.testing import TestClient

from evaluation.cycles import service as cycle_service
from evaluation.responses.context import ratee_context
from evaluation.tables import Assignment, Cadre, Leadership
from tests.factories import (
    People,
    answer_assignments,
    answers,
    cadre_id,
    close_and_publish,
    login,
    open_cycle,
    record_response,
)

PLANTED = {"superior": ("1", "2"), "peer": ("2", "3"), "resident": ("3", "3")}
MEANS = ("1.50", "2.50", "3.00")
FLOATS = (1.5, 2.5, 3.0)


async def answer(
    cycle_id: int, assignment_id: int, rater: int | None, ratee: int, group: str, level: str
) -> None:
    items = (await ratee_context(cycle_id, ratee, group)).items
    await record_response(
        cycle_id=cycle_id,
        ratee_id=ratee,
        group=group,
        fields=answers(items, level),
        channel="online" if rater else "qr",
        rater_id=rater,
        assignment_id=assignment_id or None,
    )


@pytest.fixture
async def planted(people: People) -> dict[str, int]:
    cycle_id = await open_cycle(peers=4)
    member = await cadre_id(people.member.cadre_external_id or "")
    leader = await cadre_id(people.leader.cadre_external_id or "")
    mine = await Assignment.select(Assignment.id, Assignment.rater, Assignment.rater_group).where(
        (Assignment.cycle == cycle_id)
        & (Assignment.ratee == member)
        & (Assignment.rater_group != "self")
    )
    superiors = [a for a in mine if a["rater_group"] == "superior"]
    peers = [a for a in mine if a["rater_group"] == "peer"]
    # a second superior (the office adds one by hand), and only two peers answer
    other = (
        await Cadre.select(Cadre.id)
        .where(
            (
                Cadre.town
                == (await Cadre.select(Cadre.town).where(Cadre.id == member).first())["town"]
            )
            & Cadre.id.not_in([member, leader] + [p["rater"] for p in peers])
            & (Cadre.position.is_in(["党委书记", "镇长", "乡长"]))
        )
        .first()
    )
    assert other is not None and len(superiors) == 1 and superiors[0]["rater"] == leader
    await Leadership.insert(Leadership(leader=other["id"], member=member))
    second = await cycle_service.add_assignment(
        cycle_id, other["id"], member, "superior", "分管领导调整"
    )
    for extra in peers[2:]:
        await cycle_service.remove_assignment(extra["id"], "请假")
    await answer_assignments(cycle_id, varied=False, skip_ratee=member, level="4")
    for (assignment, rater), level in zip(
        [(superiors[0]["id"], leader), (second, other["id"])], PLANTED["superior"], strict=True
    ):
        await answer(cycle_id, assignment, rater, member, "superior", level)
    for peer, level in zip(peers[:2], PLANTED["peer"], strict=True):
        await answer(cycle_id, peer["id"], peer["rater"], member, "peer", level)
    for level in PLANTED["resident"]:
        await answer(cycle_id, 0, None, member, "resident", level)
    await close_and_publish(cycle_id)
    return {"cycle": cycle_id, "member": member, "leader": leader}


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def assert_clean(text: str, where: str) -> None:
    for value in MEANS:
        assert not re.search(rf"(?<![\d.]){re.escape(value)}(?!\d)", text), f"{value} on {where}"


async def test_no_planted_mean_surfaces_for_any_reader(
    client: TestClient, people: People, planted: dict[str, int]
) -> None:
    cycle, member = planted["cycle"], planted["member"]
    login(client, "member")
    page = client.get("/me/feedback")
    assert page.status_code == 200 and "人数不足" in page.text
    assert_clean(page.text, "the cadre's page")
    pdf = client.get(f"/me/feedback.pdf?cycle={cycle}")
    text = pdf_text(pdf.content)
    assert "个人反馈报告" in text  # the PDF is read, not skipped
    assert_clean(text, "the cadre's PDF")
    for path in ("/api/assignments",):
        assert_clean(client.get(path).text, path)

    login(client, "leader")
    view = client.get(f"/team/{member}/feedback")
    assert view.status_code == 200
    assert_clean(view.text, "the leader's view")
    assert_clean(client.get("/team").text, "the leader's team")

    login(client, "office")
    page = client.get(f"/office/cycles/{cycle}/results")
    assert page.status_code == 200
    workbook = pl.read_excel(
        io.BytesIO(client.get(f"/office/cycles/{cycle}/results.xlsx").content), sheet_id=0
    )
    name = (await Cadre.select(Cadre.name).where(Cadre.id == member).first())["name"]
    rows = 0
    for sheet, frame in workbook.items():
        if "姓名" not in frame.columns:
            continue
        for row in frame.filter(pl.col("姓名") == name).iter_rows(named=True):
            rows += 1
            for column, value in row.items():
                assert not (
                    isinstance(value, float) and any(abs(value - v) < 1e-9 for v in FLOATS)
                ), f"{value} in {sheet}/{column}"
    assert rows > 0


async def test_a_published_cycle_does_not_change_with_the_roster(
    client: TestClient, people: People, planted: dict[str, int]
) -> None:
    cycle = planted["cycle"]
    public = client.get(f"/results/{cycle}").content
    login(client, "member")
    pdf = client.get(f"/me/feedback.pdf?cycle={cycle}").content
    page = client.get(f"/me/feedback?cycle={cycle}").text
    # after publication, 20 cadres move to another town and are renamed
    towns = [r["town"] for r in await Cadre.select(Cadre.town).distinct()]
    movers = await Cadre.select(Cadre.id).limit(20)
    for row in movers:
        await Cadre.update({Cadre.town: towns[-1], Cadre.name: "调动后的名字"}).where(
            Cadre.id == row["id"]
        )
    client.cookies.clear()
    assert client.get(f"/results/{cycle}").content == public
    login(client, "member")
    assert client.get(f"/me/feedback.pdf?cycle={cycle}").content == pdf
    assert client.get(f"/me/feedback?cycle={cycle}").text.count("调动后的名字") == page.count(
        "调动后的名字"
    )


async def test_excluded_responses_do_not_count_toward_the_comment_threshold(
    client: TestClient, people: People
) -> None:
    """Five resident comments, three of which the office excluded as ballot-stuffing: the
    two that count are too few to pool, so no comment shows."""
    from evaluation.tables import Response, ResponseFlag

    cycle_id = await open_cycle(peers=3)
    member = await cadre_id(people.member.cadre_external_id or "")
    await answer_assignments(cycle_id)
    items = (await ratee_context(cycle_id, member, "resident")).items
    for n in range(5):
        await record_response(
            cycle_id=cycle_id,
            ratee_id=member,
            group="resident",
            fields={**answers(items, "4"), "comment": f"群众意见第{n}条"},
            channel="qr",
            client_key=f"comment-{n}",
        )
    stuffed = (
        await Response.select(Response.id).where(Response.comment.like("群众意见第%")).limit(3)
    )
    for row in stuffed:
        await ResponseFlag.insert(
            ResponseFlag(response=row["id"], reason="burst", decision="excluded")
        )
    await close_and_publish(cycle_id)
    login(client, "member")
    page = client.get("/me/feedback")
    assert page.status_code == 200
    assert "群众意见第" not in page.text
    assert "群众意见第" not in pdf_text(client.get(f"/me/feedback.pdf?cycle={cycle_id}").content)


async def test_the_office_sees_progress_not_scores_while_a_cycle_collects(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle(peers=3)
    await answer_assignments(cycle_id, every=2)
    login(client, "office")
    page = client.get(f"/office/cycles/{cycle_id}/results")
    assert page.status_code == 409 and 'id="not-ready"' in page.text
    assert f'href="/office/cycles/{cycle_id}"' in page.text  # it leads back, not a 404
    assert client.get(f"/office/cycles/{cycle_id}/results.xlsx").status_code == 409
    from tests.factories import post_form

    refused = post_form(
        client, f"/office/cycles/{cycle_id}/results/compute", {}, page=f"/office/cycles/{cycle_id}"
    )
    assert "评价进行中" in client.get(refused.headers["location"]).text
    assert client.get(f"/office/cycles/{cycle_id}/progress").status_code == 200
