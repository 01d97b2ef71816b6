"""The assessment office runs a cycle over HTTP; residents and meeting-room raters answer."""

from __future__ import annotations

import re

import polars as pl
from litestar.testing import TestClient

from evaluation.cycles import service as cycle_service
from evaluation.tables import Cycle, EvaluationCode, Evidence, ResidentLink, Response
from tests.factories import People, cadre_id, csrf_token, draft_cycle, login, open_cycle, post_form
from tests.web.html import select, text_of, texts

CYCLE_FORM = {
    "name": "2026年度干部综合评价",
    "rubric": "1",
    "period": "annual",
    "year": "2026",
    "opens_on": "2026-12-01",
    "closes_on": "2026-12-20",
    "remind_on": "2026-12-15",
    "peers_per_cadre": "3",
    "weight_superior": "35",
    "weight_peer": "35",
    "weight_resident": "30",
    "weight_self": "0",
    "weight_mystery": "0",
}


async def test_office_creates_generates_and_opens_a_cycle(
    client: TestClient, people: People
) -> None:
    login(client, "office")
    assert client.get("/office/cycles/new").status_code == 200  # registers the shipped rubric
    bad = post_form(
        client,
        "/office/cycles/new",
        {**CYCLE_FORM, "weight_resident": "10", "closes_on": "2026-11-01"},
    )
    assert bad.status_code == 400
    summary = texts(bad.text, "a")  # the error summary names both problems at once
    assert any("群众评价权重不应低于 30%" in t for t in summary)
    assert any("截止日期应晚于开始日期" in t for t in summary)
    assert await Cycle.count() == 0
    created = post_form(client, "/office/cycles/new", CYCLE_FORM)
    assert created.status_code == 302
    cycle_path = created.headers["location"]
    early = post_form(client, f"{cycle_path}/move", {"action": "open"})
    assert "生成评价任务" in client.get(early.headers["location"]).text
    post_form(client, f"{cycle_path}/assignments/generate", {})
    page = client.get(cycle_path)
    assert "上级" in text_of(page.text, "p", id="assignment-counts")
    opened = post_form(client, f"{cycle_path}/move", {"action": "open"})
    page = client.get(opened.headers["location"])
    assert text_of(page.text, "span", id="state") == "进行中"
    assert text_of(page.text, "div", id="notice") == "周期已开放评价"  # was 周期已进行中
    closed = post_form(client, f"{cycle_path}/move", {"action": "close"})
    notice = text_of(client.get(closed.headers["location"]).text, "div", id="notice")
    assert notice == "周期已截止评价" and "已已" not in notice  # was 周期已已截止
    post_form(client, f"{cycle_path}/move", {"action": "reopen"})
    illegal = post_form(client, f"{cycle_path}/move", {"action": "publish"})
    assert "请先截止评价" in text_of(
        client.get(illegal.headers["location"]).text, "div", id="notice"
    )


async def test_rater_loads_and_manual_changes(client: TestClient, people: People) -> None:
    cycle_id = await draft_cycle(peers=3)
    await cycle_service.generate_cycle_assignments(cycle_id)
    login(client, "office")
    page = client.get(f"/office/cycles/{cycle_id}/assignments")
    loads = [int(x) for x in texts(page.text, "td")[4::6]]  # the 作为同事 column
    assert loads
    assert max(loads) - min(loads) <= 1
    refused = post_form(
        client,
        f"/office/cycles/{cycle_id}/assignments/add",
        {"rater": "T001-003", "ratee": "T001-003", "rater_group": "peer", "reason": ""},
    )
    assert refused.status_code == 400
    assert "手工调整需填写原因" in refused.text
    added = post_form(
        client,
        f"/office/cycles/{cycle_id}/assignments/add",
        {"rater": "T001-003", "ratee": "T002-004", "rater_group": "mystery", "reason": "暗访安排"},
    )
    assert added.status_code == 302
    manual_rows = texts(client.get(added.headers["location"]).text, "td")
    assert "暗访安排" in manual_rows
    assert "待评价" in manual_rows


async def test_qr_sheet_links_to_each_cadres_resident_form(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    login(client, "office")
    sheet = client.get(f"/office/cycles/{cycle_id}/qr/1")
    cards = select(sheet.text, "article", class_="qr-card")
    links = [a.attrs["href"] for a in select(sheet.text, "a", class_="qr-link")]
    assert len(cards) == len(links) == await ResidentLink.count()
    assert all(re.fullmatch(r"/r/[A-Za-z0-9_\-]{20,}", link) for link in links)
    assert "<svg" in sheet.text
    again = client.get(f"/office/cycles/{cycle_id}/qr/1")
    assert [
        a.attrs["href"] for a in select(again.text, "a", class_="qr-link")
    ] == links  # stable tokens

    client.cookies.clear()  # a resident has no account
    name = texts(sheet.text, "p", class_="qr-name")[0]
    form = client.get(links[0])
    assert form.status_code == 200
    assert text_of(form.text, "h1") == f"请为{name}的服务打分"
    legends = texts(form.text, "legend")
    assert 1 <= len(legends) <= 6
    fields = {i.attrs["name"]: i.attrs["value"] for i in select(form.text, "input", type="hidden")}
    incomplete = client.post(links[0], data=fields)
    assert incomplete.status_code == 400
    assert await Response.count() == 0
    chosen = {i.attrs["name"]: "4" for i in select(form.text, "input", type="radio")}
    done = client.post(links[0], data={**fields, **chosen, "comment": "办事很快"})
    assert text_of(done.text, "h1") == "感谢您的评价"
    stored = await Response.select(Response.channel, Response.rater_group, Response.rater).first()
    assert stored == {"channel": "qr", "rater_group": "resident", "rater": None}


async def test_revoked_and_closed_links_are_dead(client: TestClient, people: People) -> None:
    cycle_id = await open_cycle()
    login(client, "office")
    sheet = client.get(f"/office/cycles/{cycle_id}/qr/1")
    links = [a.attrs["href"] for a in select(sheet.text, "a", class_="qr-link")]
    revoke_forms = [
        f.attrs["action"]
        for f in select(sheet.text, "form")
        if "revoke" in f.attrs.get("action", "")
    ]
    post_form(client, revoke_forms[0], {})
    assert client.get(links[0]).status_code == 410
    assert "停用" in client.get(links[0]).text
    assert client.get("/r/not-a-real-token").status_code == 404
    await cycle_service.move_cycle(cycle_id, "close")
    assert client.get(links[1]).status_code == 410
    assert "已经结束" in client.get(links[1]).text


async def test_meeting_codes_open_one_anonymous_session_each(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    login(client, "office")
    printed = post_form(
        client,
        f"/office/cycles/{cycle_id}/codes",
        {"town": "1", "rater_group": "peer", "size": "3", "label": "杨柳镇测评"},
    )
    codes = texts(printed.text, "p", class_="code-value")
    assert len(codes) == 3
    assert await EvaluationCode.count() == 3
    assert not await EvaluationCode.exists().where(
        EvaluationCode.code_hash == codes[0]
    )  # only hashes stored

    client.cookies.clear()
    wrong = client.post(
        "/code", data={"_csrf_token": csrf_token(client, "/code"), "code": "AAAAA-AAAAA"}
    )
    assert wrong.status_code == 400
    started = client.post(
        "/code",
        data={"_csrf_token": csrf_token(client, "/code"), "code": codes[0].lower()},
        follow_redirects=False,
    )
    assert started.headers["location"] == "/code/rate"
    ratees = client.get("/code/rate")
    links = [
        a.attrs["href"]
        for a in select(ratees.text, "a")
        if a.attrs.get("href", "").startswith("/code/rate/")
    ]
    assert links
    form = client.get(links[0])
    chosen = {i.attrs["name"]: "3" for i in select(form.text, "input", type="radio")}
    client.post(links[0], data={"_csrf_token": csrf_token(client, "/code"), **chosen})
    assert "已评价" in client.get("/code/rate").text
    other_town_secretary = await cadre_id("T002-001")  # real, leadership, but another town
    outside = client.post(
        f"/code/rate/{other_town_secretary}",
        data={"_csrf_token": csrf_token(client, "/code"), **chosen},
    )
    assert outside.status_code == 404  # a code rates only its own town's leadership team
    assert await Response.count() == 1
    stored = await Response.select(Response.channel, Response.rater).first()
    assert stored == {"channel": "code", "rater": None}
    client.post("/code/finish", data={"_csrf_token": csrf_token(client, "/code")})
    reused = client.post(
        "/code", data={"_csrf_token": csrf_token(client, "/code"), "code": codes[0]}
    )
    assert "已使用" in reused.text


async def test_paper_forms_are_keyed_in_and_marked(client: TestClient, people: People) -> None:
    cycle_id = await open_cycle()
    login(client, "office")
    form = client.get(
        f"/office/cycles/{cycle_id}/paper",
        params={"ratee": "T001-002", "group": "peer", "label": "第1批"},
    )
    radios = {i.attrs["name"] for i in select(form.text, "input", type="radio")}
    fields = {"ratee": "T001-002", "group": "peer", "label": "第1批", **dict.fromkeys(radios, "3")}
    saved = post_form(client, f"/office/cycles/{cycle_id}/paper", fields)
    assert saved.status_code == 302
    row = await Response.select(Response.channel, Response.batch_label).first()
    assert row == {"channel": "paper", "batch_label": "第1批"}


async def test_evidence_import_by_file_and_api(client: TestClient, people: People) -> None:
    cycle_id = await draft_cycle()
    login(client, "office")
    good = (
        pl.DataFrame(
            {
                "干部编号": ["T001-002", "T001-003"],
                "指标": ["conflict_resolution_rate", "hotline_response_hours"],
                "期间": ["2026", "2026"],
                "数值": ["96", "30"],
            }
        )
        .write_csv()
        .encode()
    )
    page = client.post(
        f"/office/cycles/{cycle_id}/evidence",
        files={"file": ("e.csv", good, "text/csv")},
        data={"_csrf_token": csrf_token(client, "/office")},
        follow_redirects=True,
    )
    assert "已导入 2 条客观数据" in page.text
    levels = {
        r["indicator"]: r["level"]
        for r in await Evidence.select(Evidence.indicator, Evidence.level)
    }
    assert levels == {"conflict_resolution_rate": 5, "hotline_response_hours": 2}
    bad = (
        pl.DataFrame(
            {
                "干部编号": ["NOPE"],
                "指标": ["conflict_resolution_rate"],
                "期间": ["2026"],
                "数值": ["x"],
            }
        )
        .write_csv()
        .encode()
    )
    refused = client.post(
        f"/office/cycles/{cycle_id}/evidence",
        files={"file": ("e.csv", bad, "text/csv")},
        data={"_csrf_token": csrf_token(client, "/office")},
    )
    assert refused.status_code == 400
    assert "干部编号“NOPE”不存在" in refused.text
    api = client.post(
        f"/api/cycles/{cycle_id}/evidence",
        json={
            "rows": [
                {
                    "cadre_id": "T001-004",
                    "indicator": "urgent_tasks_volunteered",
                    "period": "2026",
                    "value": 5,
                }
            ]
        },
    )
    assert api.status_code == 201
    assert api.json() == {"imported": 1}
    problem = client.post(
        f"/api/cycles/{cycle_id}/evidence",
        json={
            "rows": [
                {
                    "cadre_id": "GHOST",
                    "indicator": "urgent_tasks_volunteered",
                    "period": "2026",
                    "value": 5,
                }
            ]
        },
    )
    assert problem.status_code == 400
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert await Evidence.count() == 3
    form_post = client.post(f"/api/cycles/{cycle_id}/evidence", data={"rows": "x"})
    assert form_post.status_code == 415


async def test_progress_page_shows_the_counts(client: TestClient, people: People) -> None:
    cycle_id = await open_cycle()
    login(client, "office")
    page = client.get(f"/office/cycles/{cycle_id}/progress")
    numbers = texts(page.text, "span", class_="stat-number")
    total = (await cycle_service.assignment_frame(cycle_id)).height
    assert numbers[:2] == [str(total), "0"]
    export = client.get(f"/office/cycles/{cycle_id}/progress/overdue.xlsx")
    import io

    overdue = pl.read_excel(io.BytesIO(export.content))
    assert overdue["未完成"].sum() == total


async def test_evidence_is_shown_beside_the_cadres_response_counts(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    login(client, "office")
    client.post(
        f"/api/cycles/{cycle_id}/evidence",
        json={
            "rows": [
                {
                    "cadre_id": "T001-002",
                    "indicator": "conflict_resolution_rate",
                    "period": "2026",
                    "value": 88,
                }
            ]
        },
    )
    listing = client.get(f"/office/cycles/{cycle_id}/evidence")
    link = select(listing.text, "a", href=f"/office/cycles/{cycle_id}/cadres/2")
    assert link
    page = client.get(link[0].attrs["href"])
    row = texts(page.text, "td")
    assert row[:3] == ["矛盾纠纷化解", "矛盾化解率", "2026"]
    assert row[4].startswith("4 级 · 良好")  # 88% passes 60/75/85, not 95
    counts = dict(zip(texts(page.text, "dt"), texts(page.text, "dd"), strict=True))
    assert counts["上级"] == "0"


async def test_publishing_shows_what_it_does_and_stops_an_empty_cycle(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    await cycle_service.move_cycle(cycle_id, "close")
    login(client, "office")
    path = f"/office/cycles/{cycle_id}"
    moved = post_form(client, f"{path}/move", {"action": "publish"}, page=path)
    assert moved.headers["location"] == f"{path}/publish"  # to the confirmation, not published
    page = client.get(f"{path}/publish")
    assert "发布后会发生什么" in page.text
    assert "没有收到任何评价" in text_of(page.text, "p", id="publish-refused")
    assert not select(page.text, "form", id="publish-form")
    forced = post_form(client, f"{path}/results/publish", {"reason": "赶进度"}, page=path)
    assert "没有收到任何评价" in client.get(forced.headers["location"]).text
    assert (await cycle_service.get_cycle(cycle_id)).state == "closed"


async def test_below_the_cycles_rate_publishing_needs_a_reason_that_is_kept(
    client: TestClient, people: People
) -> None:
    from tests.factories import answer_assignments

    cycle_id = await open_cycle()
    await answer_assignments(cycle_id, every=3)  # about a third: below the default 60%
    await cycle_service.move_cycle(cycle_id, "close")
    login(client, "office")
    path = f"/office/cycles/{cycle_id}"
    page = client.get(f"{path}/publish")
    assert "发布理由（回收率低于要求，必填）" in page.text
    bare = post_form(client, f"{path}/results/publish", {"reason": "  "}, page=f"{path}/publish")
    assert bare.status_code == 400
    assert "低于本周期要求的 60%" in text_of(bare.text, "div", class_="error-summary")
    assert (await cycle_service.get_cycle(cycle_id)).state == "closed"
    done = post_form(
        client,
        f"{path}/results/publish",
        {"reason": "乡镇换届，部分评价人调离，经考核委员会同意按期发布"},
        page=f"{path}/publish",
    )
    assert done.status_code == 302
    cycle = await cycle_service.get_cycle(cycle_id)
    assert cycle.state == "published" and cycle.publish_reason.startswith("乡镇换届")
    assert "经考核委员会同意" in text_of(client.get(path).text, "p", id="publish-reason")


async def test_opening_and_closing_ask_first_and_say_to_how_many(
    client: TestClient, people: People
) -> None:
    from datetime import timedelta

    from evaluation.clock import today
    from evaluation.rubrics.versions import register_default_rubric

    start = today() + timedelta(days=40)
    cycle_id = await cycle_service.create_cycle(
        name="下季度脉搏测评",
        period="quarterly",
        year=start.year,
        quarter=1,
        rubric_id=await register_default_rubric(),
        opens_on=start,
        closes_on=start + timedelta(days=20),
        peers_per_cadre=3,
    )
    counts = await cycle_service.generate_cycle_assignments(cycle_id)
    login(client, "office")
    page = f"/office/cycles/{cycle_id}"
    assert f'href="{page}/move/open"' in client.get(page).text  # a link to ask, not the act
    ask = client.get(f"{page}/move/open")
    effects = text_of(ask.text, "section", id="move-effects")
    assert f"共 {sum(counts.values())} 项评价任务" in effects
    assert "还没到" in effects  # it starts in 40 days
    assert (await cycle_service.get_cycle(cycle_id)).state == "draft"  # asking changed nothing
    assert client.get(f"{page}/move/close").status_code == 404  # not a move from draft
    post_form(client, f"{page}/move", {"action": "open"}, page=f"{page}/move/open")
    closing = text_of(client.get(f"{page}/move/close").text, "section", id="move-effects")
    assert f"已完成 0 / {sum(counts.values())} 项" in closing
