"""结果运用 over HTTP on the demo county: the year's tiers from the year-end composite (last
year) or the latest quarter (this year); a 约谈 recorded for the lowest town and shown on
its own page, its commitments reviewed on the next year's page; a 督导 task followed until
closed. Bad input is refused with Chinese messages and nothing is written."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_blocking
from tests.web.demo_site import demo_copy, serve, sign_in, token_of
from tests.web.demo_site import form_post as post
from tests.web.html import select, text_of


async def facts(url: str) -> dict[str, object]:
    from app.accounts.tables import User
    from app.database import engine_from_url, use_engine
    from evaluation.organisation import directory
    from evaluation.scorecard import followup, service

    use_engine(engine_from_url(url))
    year = await service.current_year()
    assert year is not None
    lowest = [r.town_id for r in (await followup.results_use(year)).rows if r.lowest]
    reporter = await User.select(User.cadre).where(User.username == "reporter").first()
    from evaluation.results import snapshots

    return {
        "cycle": (await snapshots.published_cycles())[0].id,
        "towns": [t.name for t in await service.towns()],
        "town_ids": [t.id for t in await service.towns()],
        "year": year,
        "lowest": lowest[0],
        "reporter_town": (await directory.cadre(reporter["cadre"])).town_id,
    }


async def counts(url: str) -> tuple[int, int]:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import Interview, Supervision

    use_engine(engine_from_url(url))
    return await Interview.count(), await Supervision.count()


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    url, known = demo_copy(demo_template, tmp_path_factory.mktemp("followup"), facts)
    with serve(url) as client:
        yield client, known, url


def test_the_tiers_name_the_best_and_the_lowest_towns(site: tuple) -> None:
    client, known, _ = site
    sign_in(client, "assessment_office")
    year = known["year"]
    last = client.get(f"/scorecard/{year - 1}/followup").text
    assert "年终综合得分" in last
    tiers = text_of(last, "table", id="tiers")
    assert tiers.count("优秀") == 1 and tiers.count("末位") == 1  # 4 towns: one of each
    this = client.get(f"/scorecard/{year}/followup").text
    assert "第3季度总分（年终前）" in this
    assert "优秀" not in text_of(this, "table", id="tiers")  # 优秀 is a year-end verdict
    lowest_row = text_of(this, "tr", id=f"tier-{known['lowest']}")
    assert "末位" in lowest_row and "4/4" in lowest_row
    # the interview form proposes the lowest town
    chosen = [o for o in select(this, "option") if "selected" in o.attrs]
    assert chosen and chosen[0].attrs["value"] == str(known["lowest"])


def test_an_interview_is_checked_then_recorded_and_shown_to_the_town(site: tuple) -> None:
    client, known, url = site
    sign_in(client, "assessment_office")
    year, town = known["year"], known["lowest"]
    page = f"/scorecard/{year}/followup"
    before = run_blocking(counts(url))
    bad = post(
        client,
        f"/scorecard/{year}/interviews",
        page,
        town=str(town),
        held_on=f"{year + 1}-01-05",
        held_by="",
        issues="太短",
        commitments="",
    )
    assert bad.status_code == 400
    for message in ("约谈日期不能晚于今天", "请填写约谈人", "约谈指出的问题", "请填写整改承诺"):
        assert message in bad.text
    assert "太短" in bad.text  # what was typed stays
    garbage = post(client, f"/scorecard/{year}/interviews", page, town="x", held_on="昨天")
    assert garbage.status_code == 400 and "请选择乡镇" in garbage.text
    assert run_blocking(counts(url)) == before
    good = post(
        client,
        f"/scorecard/{year}/interviews",
        page,
        town=str(town),
        held_on=f"{year}-11-18",
        held_by="县委书记",
        issues="第三季度总分全县末位，污水处理项目红牌未整改。",
        commitments="十二月底前完成管网通水\n每周报送项目进度",
    )
    assert good.status_code == 302
    shown = client.get(page).text
    assert "十二月底前完成管网通水" in text_of(shown, "section", id="interviews")
    office_town = client.get(f"/scorecard/{year}/towns/{town}").text
    assert "每周报送项目进度" in text_of(office_town, "section", id="town-followup")
    assert run_blocking(counts(url))[0] == before[0] + 1


def test_last_years_commitments_are_reviewed_on_this_years_page(site: tuple) -> None:
    client, known, _ = site
    sign_in(client, "assessment_office")
    year = known["year"]
    page = client.get(f"/scorecard/{year}/followup").text
    earlier = text_of(page, "section", id="earlier-interviews")
    assert f"{year - 1} 年度约谈承诺落实情况" in earlier and "建立重点项目周调度机制" in earlier
    action = next(
        f.attrs["action"] for f in select(page, "form") if f.attrs["action"].endswith("/review")
    )
    bad = post(client, action, f"/scorecard/{year}/followup", outcome="maybe", outcome_note="")
    assert bad.status_code == 400 and "请选择承诺落实情况" in bad.text
    good = post(
        client,
        action,
        f"/scorecard/{year}/followup",
        outcome="partly",
        outcome_note="管网已通水，回访未开展",
    )
    assert good.status_code == 302
    again = client.get(f"/scorecard/{year}/followup").text
    assert "部分落实" in text_of(again, "section", id="earlier-interviews")
    # the town sees last year's 约谈 and whether its commitments were met
    town_page = client.get(f"/scorecard/{year}/towns/{known['lowest']}").text
    followups = text_of(town_page, "section", id="town-followup")
    assert f"{year - 1} 年度约谈" in followups and "部分落实" in followups


def test_a_supervision_task_is_followed_until_closed(site: tuple) -> None:
    client, known, url = site
    sign_in(client, "assessment_office")
    year, town = known["year"], known["lowest"]
    page = f"/scorecard/{year}/followup"
    before = run_blocking(counts(url))
    bad = post(
        client,
        f"/scorecard/{year}/supervisions",
        page,
        town=str(town),
        title="",
        due_on=f"{year - 1}-01-01",
    )
    assert bad.status_code == 400
    assert "请填写督导事项" in bad.text and "完成时限不能早于今天" in bad.text
    assert run_blocking(counts(url)) == before
    good = post(
        client,
        f"/scorecard/{year}/supervisions",
        page,
        town=str(town),
        title="污水处理设施扩建专项督导",
        due_on=f"{year}-12-31",
    )
    assert good.status_code == 302
    listing = client.get(page).text
    task = next(li for li in select(listing, "li") if "污水处理设施扩建专项督导" in (li.text or ""))
    action = next(
        f.attrs["action"] for f in select(listing, "form") if "/supervisions/" in f.attrs["action"]
    )
    assert "督导中" in task.text
    empty = post(client, action, page, closing_note="")
    assert empty.status_code == 400 and "请填写督导结论" in empty.text
    closed = post(client, action, page, closing_note="管网已通水，验收合格")
    assert closed.status_code == 302
    twice = post(client, action, page, closing_note="再关一次")
    assert twice.status_code == 409 and "已关闭" in twice.text
    assert "管网已通水，验收合格" in text_of(client.get(page).text, "section", id="supervisions")


def test_a_reporter_reaches_none_of_it(site: tuple) -> None:
    client, known, _ = site
    sign_in(client, "reporter")
    year = known["year"]
    assert client.get(f"/scorecard/{year}/followup").status_code == 403
    answer = post(client, f"/scorecard/{year}/interviews", "/town", town=str(known["lowest"]))
    assert answer.status_code == 403


def test_the_personnel_office_gets_promotion_and_bonus_lists_with_evidence(site: tuple) -> None:
    client, known, _ = site
    sign_in(client, "assessment_office")
    answer = client.get(f"/office/cycles/{known['cycle']}/personnel.xlsx")
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    book = pl.read_excel(io.BytesIO(answer.content), sheet_id=0)
    assert set(book) == {"提拔推荐", "绩效奖金系数"}
    bonus = book["绩效奖金系数"]
    assert bonus.height >= 60 and bonus["依据"].null_count() == 0
    own = {"优秀": 1.2, "称职": 1.0, "后进": 0.8}
    town = {"优秀乡镇": 1.1, "末位乡镇（约谈）": 0.9, "—": 1.0}
    for row in bonus.iter_rows(named=True):
        expected = round(own[row["360等次"]] * town[row["乡镇考核等次"]], 2)
        assert row["绩效奖金系数"] == pytest.approx(expected), row
    assert set(bonus["乡镇考核等次"]) >= {"优秀乡镇", "末位乡镇（约谈）"}  # last year is complete
    assert (bonus["乡镇等次依据"] == "年终综合得分").all()
    recommended = book["提拔推荐"]
    assert recommended.height >= 1
    assert (recommended["360等次"] == "优秀").all()
    assert (recommended["乡镇考核等次"] != "末位乡镇（约谈）").all()
    per_town = bonus.filter(pl.col("360等次") == "优秀").group_by("乡镇").len()
    sizes = bonus.group_by("乡镇").len().rename({"len": "cadres"})
    quota = per_town.join(sizes, on="乡镇")
    assert (quota["len"] <= (quota["cadres"] * 0.2).floor().clip(lower_bound=1)).all()
    assert client.get(f"/office/cycles/{known['cycle']}/results").text.count("personnel.xlsx") == 1


def test_the_training_office_sees_exchanges_for_the_scorecards_common_weaknesses(
    site: tuple,
) -> None:
    client, known, _ = site
    sign_in(client, "training_office")
    page = client.get("/training/plan").text
    section = text_of(page, "section", id="scorecard-exchanges")
    assert f"{known['year']} 年度" in section
    assert "本年度乡镇考核没有可互补的指标" not in section
    assert "介绍经验" in section and "来访学习" in section
    # every pairing names two different towns of the county, a host and a visitor
    towns = set(known["towns"])
    body = section.split("互学", 1)[1]
    assert sum(name in body for name in towns) >= 2


async def group_members(url: str) -> list[tuple[str, int]]:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import GroupMember

    use_engine(engine_from_url(url))
    rows = await GroupMember.select(GroupMember.group, GroupMember.town).order_by(GroupMember.town)
    return [(r["group"], r["town"]) for r in rows]


def test_a_group_has_one_board_and_its_members_are_checked(site: tuple) -> None:
    client, known, url = site
    sign_in(client, "assessment_office")
    year = known["year"]
    page = f"/scorecard/{year}/groups"
    board = client.get(page).text
    section = text_of(board, "section", id="group-qingjiang_basin")
    assert "清江流域生态共治组团" in section and "组团得分占成员总分 10%" in section
    members = text_of(board, "table", id="members-qingjiang_basin")
    assert ("拖后腿" in members) or ("同步推进" in members)
    before = run_blocking(group_members(url))
    assert len(before) == 3  # the demo's basin towns
    action = f"/scorecard/{year}/groups/qingjiang_basin/members"
    one = client.post(
        action,
        data={"_csrf_token": token_of(client, page), "towns": [str(before[0][1])]},
        follow_redirects=False,
    )
    assert one.status_code == 400 and "组团至少需要两个乡镇" in one.text
    junk = client.post(
        action,
        data={"_csrf_token": token_of(client, page), "towns": ["1", "x'; drop"]},
        follow_redirects=False,
    )
    assert junk.status_code == 400 and "请选择本县的乡镇" in junk.text
    unknown = client.post(
        f"/scorecard/{year}/groups/no_such/members",
        data={"_csrf_token": token_of(client, page), "towns": ["1", "2"]},
        follow_redirects=False,
    )
    assert unknown.status_code == 404 and "方案中没有这个组团" in unknown.text
    assert run_blocking(group_members(url)) == before
    everyone = [str(t) for t in known["town_ids"]]
    good = client.post(
        action,
        data={"_csrf_token": token_of(client, page), "towns": everyone},
        follow_redirects=False,
    )
    assert good.status_code == 302
    assert len(run_blocking(group_members(url))) == len(everyone)
    town_page = client.get(f"/scorecard/{year}/towns/{known['town_ids'][0]}").text
    assert "组团：清江流域生态共治组团" in text_of(town_page, "section", id="town-group")
    restore = client.post(
        action,
        data={"_csrf_token": token_of(client, page), "towns": [str(t) for _, t in before]},
        follow_redirects=False,
    )
    assert restore.status_code == 302 and run_blocking(group_members(url)) == before


async def open_milestone(url: str, year: int) -> tuple[int, int]:
    """A milestone not done and without a card (the demo's one on schedule), and the number
    of cards."""
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard import projects
    from evaluation.scorecard.tables import Card

    use_engine(engine_from_url(url))
    carded = {c.deliverable for c in await projects.card_views(year)}
    free = next(
        m.id
        for p in await projects.project_views(year)
        for m in p.milestones
        if m.done_on is None and m.deliverable not in carded
    )
    return free, await Card.count()


async def card_count(url: str) -> int:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import Card

    use_engine(engine_from_url(url))
    return await Card.count()


def test_the_office_issues_a_card_by_hand_and_a_second_open_one_is_refused(site: tuple) -> None:
    client, known, url = site
    sign_in(client, "assessment_office")
    year = known["year"]
    page = f"/scorecard/{year}/projects"
    milestone, cards = run_blocking(open_milestone(url, year))
    action = f"/scorecard/milestones/{milestone}/card"
    bare = post(client, action, page, colour="purple", reason="")
    assert bare.status_code == 400
    assert "请选择黄牌或红牌" in bare.text and "请填写发牌理由" in bare.text
    why = "主体结构混凝土强度检测不合格，需返工"
    assert post(client, action, page, colour="yellow", reason=why).status_code == 302
    second = post(client, action, page, colour="red", reason="再发一张红牌")
    assert second.status_code == 409 and "该节点已有未关闭的督办牌" in second.text
    assert run_blocking(card_count(url)) == cards + 1  # the refused one wrote nothing
    listing = text_of(client.get(page).text, "ul", id="cards")
    assert why in listing


def test_a_cadres_home_leads_with_notices_and_offers_the_towns_red_cards(site: tuple) -> None:
    client, _, _ = site
    sign_in(client, "cadre")
    page = client.get("/me").text
    title = text_of(page, "title")
    assert title.startswith("我的信息") and "督办" not in title  # the page's parts stay in the body
    assert "红牌督办" in text_of(page, "section", id="notices")
    cards = text_of(page, "section", id="my-cards")
    assert "申请容错豁免" in cards and "收集点" in cards


def test_every_page_export_and_the_api_name_the_same_towns_first_and_last(site: tuple) -> None:
    """One account of which towns are 先进 and which 后进 (约谈): the 360 county page, its
    Excel, the personnel Excel, the scorecard's 结果运用 page and the read API agree, and the
    360's own town view says its rule and spreads to both sides."""
    client, known, _ = site
    sign_in(client, "assessment_office")
    cycle = known["cycle"]
    county = client.get(f"/office/cycles/{cycle}/results").text
    year = int(text_of(county, "p", id="town-rule").split("年度")[0].split("：")[-1])

    def named(list_id: str) -> set[str]:
        shown = select(county, "ul", id=list_id)
        return {t for t in known["towns"] if shown and f"{t}：" in shown[0].text}

    first, last = named("excellent_towns"), named("lagging_towns")
    assert len(first) == 1 and len(last) == 1 and first != last  # 4 towns: one of each
    followup = client.get(f"/scorecard/{year}/followup").text
    rows = {
        name: text_of(followup, "tr", id=f"tier-{town_id}")
        for name, town_id in zip(known["towns"], known["town_ids"], strict=True)
    }
    assert {n for n, words in rows.items() if "优秀" in words} == first
    assert {n for n, words in rows.items() if "提请约谈" in words} == last
    book = pl.read_excel(
        io.BytesIO(client.get(f"/office/cycles/{cycle}/results.xlsx").content), sheet_id=0
    )
    assert set(book["先进乡镇"]["乡镇"]) == first and set(book["后进乡镇"]["乡镇"]) == last
    bonus = pl.read_excel(
        io.BytesIO(client.get(f"/office/cycles/{cycle}/personnel.xlsx").content),
        sheet_name="绩效奖金系数",
    )
    assert set(bonus.filter(pl.col("乡镇考核等次") == "优秀乡镇")["乡镇"]) == first
    assert set(bonus.filter(pl.col("乡镇考核等次") == "末位乡镇（约谈）")["乡镇"]) == last
    sign_in(client, "admin")
    issued = client.post(
        "/admin/tokens",
        data={
            "_csrf_token": token_of(client, "/admin/tokens"),
            "name": "人事系统",
            "scopes": ["scorecard:read"],
        },
    )
    token = text_of(issued.text, "p", id="token")
    api = client.get(f"/api/v1/scorecard/{year}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.text
    towns = api.json()["towns"]
    assert {t["name"] for t in towns if t["excellent"]} == first
    assert {t["name"] for t in towns if t["interview"]} == last
    # the 360's town view: a symmetric rule, stated, not the words 先进/后进
    sign_in(client, "assessment_office")
    standing = text_of(county, "ul", id="town-standing-list")
    assert "较强" in standing and "较弱" in standing and "先进" not in standing
    assert "有九成把握高于全县平均" in county
    # the office's landing page says the same, at a glance
    home = client.get("/office").text
    glance = text_of(home, "section", id="glance")
    assert "全县一览" in glance
    assert f'href="/office/cycles/{cycle}/results"' in home  # the same (newest) cycle
    lagging = text_of(home, "dd", id="glance-lagging")
    assert {t for t in known["towns"] if t in lagging} == last
    weaker_line = next(line for line in standing.split("较弱")[1:2])
    weaker = {t for t in known["towns"] if t in weaker_line}
    assert {t for t in known["towns"] if t in text_of(home, "dd", id="glance-weaker")} == weaker
    scores = book["干部分项得分"].filter(pl.col("判断") == "短板")
    common = (
        scores.group_by("能力")
        .agg(pl.struct("乡镇", "姓名").n_unique().alias("n"))
        .sort(["n", "能力"], descending=[True, False])
    )
    said = text_of(home, "dd", id="glance-weaknesses")
    if common.is_empty():
        assert said == "无"
    else:
        top = common.row(0, named=True)
        assert said.startswith(f"{top['能力']}（{top['n']} 人）"), (said, common)
