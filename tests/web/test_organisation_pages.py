"""The office keeps the organisation up to date one person at a time: find a cadre, transfer
them with a date and a reason, set leaders, record a departure, edit a town. Bad input is
refused with every problem and changes nothing; every change is kept as history, and the
organisation of an earlier day can be rebuilt."""

from __future__ import annotations

from datetime import date

from litestar.testing import TestClient

from evaluation.organisation.directory import cadre_frame
from evaluation.tables import Cadre, CadreChange, Leadership, Town
from tests.factories import People, cadre_id, login, post_form
from tests.web.html import texts


async def test_find_a_cadre_by_name_and_page_through_everyone(
    client: TestClient, people: People
) -> None:
    login(client, "office")
    someone = await Cadre.select(Cadre.id, Cadre.name).order_by(Cadre.id, ascending=False).first()
    found = client.get("/office/cadres", params={"q": someone["name"]})
    assert f'href="/office/cadres/{someone["id"]}"' in found.text
    total = await Cadre.count()
    first = client.get("/office/cadres")
    assert f"共 {total} 人" in first.text
    assert len(texts(first.text, "tr")) - 1 == min(total, 50)
    last = client.get("/office/cadres", params={"page": "999"})
    assert len(texts(last.text, "tr")) - 1 == total - 50 * (-(-total // 50) - 1)
    assert "没有找到" in client.get("/office/cadres", params={"q": "不存在的人"}).text


async def test_a_transfer_is_refused_with_every_problem_then_kept_as_history(
    client: TestClient, people: People
) -> None:
    login(client, "office")
    member = await cadre_id(people.member.cadre_external_id or "")
    before = await Cadre.select(Cadre.town, Cadre.position).where(Cadre.id == member).first()
    other = await Town.select(Town.id, Town.name).where(Town.id != before["town"]).first()
    page = f"/office/cadres/{member}"
    bad = post_form(
        client, f"{page}/transfer", {"town": str(other["id"]), "position": ""}, page=page
    )
    assert bad.status_code == 400
    problems = " ".join(texts(bad.text, "li"))
    assert "请填写新职务" in problems and "请选择生效日期" in problems and "请写明原因" in problems
    assert await CadreChange.count() == 0
    ok = post_form(
        client,
        f"{page}/transfer",
        {
            "town": str(other["id"]),
            "position": "副镇长",
            "effective_on": "2027-03-01",
            "reason": "县委组织部〔2027〕5号",
        },
        page=page,
    )
    assert ok.status_code == 302
    after = await Cadre.select(Cadre.town, Cadre.position).where(Cadre.id == member).first()
    assert after == {"town": other["id"], "position": "副镇长"}
    history = texts(client.get(page).text, "tr")
    assert any("2027-03-01" in row and other["name"] in row and "5号" in row for row in history)

    # the organisation of any day: before the transfer they were where they were
    then = (await cadre_frame(date(2027, 2, 28))).filter(cadre_id=member).row(0, named=True)
    now = (await cadre_frame(date(2027, 3, 1))).filter(cadre_id=member).row(0, named=True)
    assert (then["town_id"], then["position"]) == (before["town"], before["position"])
    assert (now["town_id"], now["position"]) == (other["id"], "副镇长")


async def test_leaders_departure_and_town_edits(client: TestClient, people: People) -> None:
    login(client, "office")
    member = await cadre_id(people.member.cadre_external_id or "")
    outsider = people.outsider.cadre_external_id or ""
    page = f"/office/cadres/{member}"
    bad = post_form(client, f"{page}/leaders", {"leaders": f"{outsider}，NOPE"}, page=page)
    assert bad.status_code == 400 and "没有编号为 NOPE 的干部" in bad.text
    leaders_before = await Leadership.count().where(Leadership.member == member)
    assert leaders_before > 0
    assert await Leadership.count().where(Leadership.member == member) == leaders_before
    ok = post_form(client, f"{page}/leaders", {"leaders": outsider}, page=page)
    assert ok.status_code == 302
    links = await Leadership.select(Leadership.leader.external_id).where(
        Leadership.member == member
    )
    assert [r["leader.external_id"] for r in links] == [outsider]

    gone = post_form(
        client,
        f"{page}/depart",
        {"effective_on": "2027-06-30", "reason": "退休"},
        page=page,
    )
    assert gone.status_code == 302
    row = await Cadre.select(Cadre.active).where(Cadre.id == member).first()
    assert row["active"] is False
    assert await Leadership.count().where(Leadership.member == member) == 0
    assert "已离任" in client.get(page).text

    town = await Town.select(Town.id, Town.name).first()
    refused = post_form(
        client,
        f"/office/towns/{town['id']}/edit",
        {"name": "", "town_type": "harbour"},
        page=f"/office/towns/{town['id']}",
    )
    assert refused.status_code == 400 and "请选择乡镇类型" in refused.text
    assert (await Town.select(Town.name).where(Town.id == town["id"]).first())["name"] == town[
        "name"
    ]
    renamed = post_form(
        client,
        f"/office/towns/{town['id']}/edit",
        {"name": "新名镇", "town_type": "tourism"},
        page=f"/office/towns/{town['id']}",
    )
    assert renamed.status_code == 302
    assert "旅游乡镇" in client.get(f"/office/towns/{town['id']}").text


async def test_contacts_are_corrected_on_the_form_and_shown_to_the_office_alone(
    client: TestClient, people: People
) -> None:
    login(client, "office")
    member = await cadre_id(people.member.cadre_external_id or "")
    before = await Cadre.select(Cadre.name, Cadre.rank, Cadre.phone).where(Cadre.id == member)
    page = f"/office/cadres/{member}"
    fields = {"name": before[0]["name"], "rank": before[0]["rank"]}
    bad = post_form(
        client, f"{page}/edit", {**fields, "phone": "010-1234", "email": "nobody"}, page=page
    )
    assert bad.status_code == 400
    problems = texts(bad.text, "li")
    assert any("手机号“010-1234”应为 11 位手机号码" in p for p in problems)
    assert any("电子邮箱“nobody”格式不对" in p for p in problems)
    assert 'value="010-1234"' in bad.text  # what was typed stays in the form
    stored = await Cadre.select(Cadre.phone).where(Cadre.id == member).first()
    assert stored["phone"] == before[0]["phone"]  # nothing written
    ok = post_form(
        client,
        f"{page}/edit",
        {**fields, "phone": "139 0000 2222", "email": "Li@Example.gov.cn"},
        page=page,
    )
    assert ok.status_code == 302
    saved = await Cadre.select(Cadre.phone, Cadre.email).where(Cadre.id == member).first()
    assert saved == {"phone": "13900002222", "email": "li@example.gov.cn"}
    shown = client.get(page).text
    assert "13900002222 · li@example.gov.cn" in " ".join(texts(shown, "dd"))
    assert any("手机号" in row and "13900002222" in row for row in texts(shown, "tr"))
    # the person's own home page does not show it (the roster API leaves it out too:
    # tests/web/test_read_api.py)
    login(client, "member")
    home = client.get("/me")
    assert home.status_code == 200 and before[0]["name"] in home.text
    assert "13900002222" not in home.text
