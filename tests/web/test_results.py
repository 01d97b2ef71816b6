"""Published results over HTTP: own feedback and its PDF, a leader's team, the office's
county view and Excel export, the public page — and who may see what."""

from __future__ import annotations

import io

import msgspec
import polars as pl
import pytest
from litestar.testing import TestClient

from app.config import Settings, SettingsError, load_settings
from evaluation.results.tables import GroupResult
from evaluation.tables import Cadre, CaseNote, Town
from tests.factories import (
    People,
    answer_assignments,
    cadre_id,
    close_and_publish,
    login,
    open_cycle,
    post_form,
)
from tests.web.html import text_of


@pytest.fixture
async def published(people: People) -> int:
    """A cycle answered (every second form, so some groups stay under their threshold),
    closed and published."""
    cycle_id = await open_cycle(peers=4)
    await answer_assignments(cycle_id, every=2, varied=True)
    await close_and_publish(cycle_id)
    return cycle_id


async def name_of(external_id: str | None) -> str:
    assert external_id is not None
    row = await Cadre.select(Cadre.name).where(Cadre.id == await cadre_id(external_id)).first()
    assert row is not None
    return str(row["name"])


async def test_a_cadre_sees_own_feedback_and_its_pdf(
    client: TestClient, people: People, published: int
) -> None:
    login(client, "member")
    page = client.get("/me/feedback")
    assert page.status_code == 200
    assert await name_of(people.member.cadre_external_id) in page.text
    assert "<svg" in page.text and "<title" in page.text  # charts with a text alternative
    assert "可能范围" in page.text and "怎么算的" in page.text  # plain words, the method linked
    assert "校准得分" not in page.text and "90%区间" not in page.text
    pdf = client.get(f"/me/feedback.pdf?cycle={published}")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 5000


async def test_nobody_reaches_another_cadres_profile(
    client: TestClient, people: People, published: int
) -> None:
    member = await cadre_id(people.member.cadre_external_id or "")
    outsider = await cadre_id(people.outsider.cadre_external_id or "")
    member_name = await name_of(people.member.cadre_external_id)

    anonymous = client.get(f"/team/{member}/feedback", follow_redirects=False)
    assert anonymous.status_code == 302 and anonymous.headers["location"].startswith("/login")
    assert client.get("/me/feedback", follow_redirects=False).status_code == 302

    login(client, "outsider")  # a cadre: only their own feedback, whatever they ask for
    assert client.get(f"/team/{member}/feedback").status_code == 403
    own = client.get(f"/me/feedback?cycle={published}")
    assert own.status_code == 200 and member_name not in own.text

    login(client, "leader")
    assert client.get(f"/team/{member}/feedback").status_code == 200
    assert client.get(f"/team/{outsider}/feedback").status_code == 404
    assert client.get("/team/987654/feedback").status_code == 404  # same answer as outsiders

    login(client, "office")  # the office uses the county view, not personal pages
    assert client.get(f"/team/{member}/feedback").status_code == 403


async def test_the_excel_export_holds_no_suppressed_cell(
    client: TestClient, people: People, published: int
) -> None:
    login(client, "office")
    page = client.get(f"/office/cycles/{published}/results")
    assert page.status_code == 200 and 'id="heatmap"' in page.text
    export = client.get(f"/office/cycles/{published}/results.xlsx")
    assert export.status_code == 200
    groups = pl.read_excel(io.BytesIO(export.content), sheet_name="分组明细")
    hidden = groups.filter(pl.col("隐藏原因").is_not_null())
    stored_hidden = await GroupResult.count().where(GroupResult.reason.is_not_null())
    assert hidden.height == stored_hidden > 0
    assert hidden["原始均分"].is_null().all() and hidden["校准均分"].is_null().all()
    shown = groups.filter(pl.col("隐藏原因").is_null())
    assert shown["原始均分"].is_not_null().all()
    assert shown.filter((pl.col("评价组") == "同事") & (pl.col("人数") < 3)).is_empty()
    sheets = pl.read_excel(io.BytesIO(export.content), sheet_id=0)
    assert {"乡镇×能力", "系统性短板", "干部综合排名", "干部分项得分", "评价人复核"} <= set(sheets)


async def test_the_public_page_shows_towns_and_cases_never_people(
    client: TestClient, people: People, published: int
) -> None:
    login(client, "office")
    bad = post_form(
        client,
        f"/office/cycles/{published}/cases",
        {"title": "", "body": ""},
        page=f"/office/cycles/{published}/results",
    )
    assert bad.status_code in (302, 303)
    assert "请填写案例标题" in client.get(bad.headers["location"]).text
    assert "便民服务中心延时服务" not in client.get(f"/office/cycles/{published}/results").text
    post_form(
        client,
        f"/office/cycles/{published}/cases",
        {"title": "便民服务中心延时服务", "body": "群众办事等候时间明显缩短。", "town": ""},
        page=f"/office/cycles/{published}/results",
    )
    client.cookies.clear()
    page = client.get(f"/results/{published}")
    assert page.status_code == 200
    assert "便民服务中心延时服务" in page.text
    towns = [row["name"] for row in await Town.select(Town.name)]
    assert any(town in page.text for town in towns)
    names = [row["name"] for row in await Cadre.select(Cadre.name)]
    leaked = [name for name in names if name in page.text]
    assert not leaked
    assert client.get("/results").status_code == 200
    # a resident finds the page from the login page, picks their town, reads the 公示期
    assert 'href="/results"' in client.get("/login").text
    assert "公示期至" in page.text
    shown = await Town.select(Town.id, Town.name).order_by(Town.id)
    mine = next(t for t in shown if t["name"] in text_of(page.text, "table", id="town-table"))
    picked = client.get(f"/results/{published}?town={mine['id']}")
    assert picked.status_code == 200
    assert text_of(picked.text, "h2").startswith(mine["name"]) or mine["name"] in text_of(
        picked.text, "section", id="my-town"
    )
    assert client.get(f"/results/{published}?town=abc").status_code == 400
    draft = await open_cycle(peers=3)
    assert client.get(f"/results/{draft}").status_code == 404  # nothing before publication


async def test_a_case_note_is_corrected_then_withdrawn_and_stays_on_record(
    client: TestClient, people: People, published: int
) -> None:
    login(client, "office")
    results = f"/office/cycles/{published}/results"
    post_form(
        client,
        f"/office/cycles/{published}/cases",
        {"title": "村级议事会", "body": "每月一次，议定事项公开。", "town": ""},
        page=results,
    )
    note = await CaseNote.select(CaseNote.id).order_by(CaseNote.id, ascending=False).first()
    assert note is not None
    refused = post_form(
        client, f"/office/cases/{note['id']}/edit", {"title": "", "body": "x"}, page=results
    )
    assert "请填写案例标题" in client.get(refused.headers["location"]).text
    stored = await CaseNote.select(CaseNote.title, CaseNote.body).where(CaseNote.id == note["id"])
    assert stored == [{"title": "村级议事会", "body": "每月一次，议定事项公开。"}]  # unchanged
    town = await Town.select(Town.id, Town.name).first()
    assert town is not None
    post_form(
        client,
        f"/office/cases/{note['id']}/edit",
        {
            "title": "村级议事会（更正）",
            "body": "每两周一次，议定事项公开。",
            "town": str(town["id"]),
        },
        page=results,
    )
    public = client.get(f"/results/{published}").text
    assert "村级议事会（更正）" in public and "每两周一次" in public and "每月一次" not in public
    done = post_form(client, f"/office/cases/{note['id']}/withdraw", {}, page=results)
    assert "案例已撤回" in client.get(done.headers["location"]).text
    assert "村级议事会" not in client.get(f"/results/{published}").text
    assert "村级议事会" not in client.get(results).text
    kept = await CaseNote.select(CaseNote.withdrawn_at).where(CaseNote.id == note["id"]).first()
    assert kept is not None and kept["withdrawn_at"] is not None  # on record, not deleted
    again = post_form(client, f"/office/cases/{note['id']}/withdraw", {}, page=results)
    assert again.status_code == 404
    login(client, "member")
    assert post_form(client, f"/office/cases/{note['id']}/edit", {}, page="/me").status_code == 403


async def test_the_public_page_prints_the_offices_supervision_phone_when_set(
    settings: Settings, people: People, published: int
) -> None:
    from app.asgi import create_app

    with TestClient(
        app=create_app(msgspec.structs.replace(settings, supervision_phone="0797-6123456")),
        base_url="http://testserver.local",
    ) as public:
        notice = text_of(public.get(f"/results/{published}").text, "p", id="publicity")
    assert "监督电话 0797-6123456" in notice
    with pytest.raises(SettingsError, match="SUPERVISION_PHONE"):
        load_settings({"SUPERVISION_PHONE": "打电话给我"})
