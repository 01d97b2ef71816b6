"""The township scorecard over HTTP, on the demo county (last year complete, this year's first
three quarters reported, the fourth open on the pinned date): the office's board, plan,
contracts, imports and 核查; a reporter's own town and nothing else; the public page.
Bad input is refused whole with Chinese messages and nothing is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.conftest import run_blocking
from tests.web.demo_site import demo_copy, serve, sign_in, token_of
from tests.web.demo_site import form_post as post
from tests.web.html import select, text_of, texts


async def facts(url: str) -> dict[str, object]:
    from app.accounts.tables import User
    from app.database import engine_from_url, use_engine
    from evaluation.organisation import directory
    from evaluation.scorecard import service

    use_engine(engine_from_url(url))
    year = await service.current_year()
    assert year is not None
    reporter = await User.select(User.cadre).where(User.username == "reporter").first()
    mine = (await directory.cadre(reporter["cadre"])).town_id
    towns = await service.towns()
    other = next(t for t in towns if t.id != mine)
    # the other town sends its fourth quarter, with a file the reporter must not reach
    form = await service.quarter_form(year, other.id, 4)
    await service.report(
        year,
        other.id,
        4,
        plausible(form),
        {},
        [service.Upload(form.items[0].code, "他镇台账.txt", "text/plain", b"not yours")],
        "他镇填报员",
    )
    from evaluation.scorecard.tables import ValueAttachment

    foreign = await ValueAttachment.select(ValueAttachment.id).first()
    return {
        "year": year,
        "mine": mine,
        "mine_name": next(t.name for t in towns if t.id == mine),
        "other": other.id,
        "names": [t.name for t in towns],
        "plausible": plausible(await service.quarter_form(year, mine, 4)),
        "foreign_file": foreign["id"],
    }


def plausible(form) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The fourth quarter continuing the third: year-to-date totals grow by a quarter."""
    return {
        item.code: f"{(item.previous or 50) * (4 / 3 if item.cumulative else 1):.2f}"
        for item in form.items
    }


async def value_count(url: str) -> int:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import IndicatorValue

    use_engine(engine_from_url(url))
    return await IndicatorValue.count()


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    url, known = demo_copy(demo_template, tmp_path_factory.mktemp("scorecard"), facts)
    with serve(url) as client:
        yield client, known, url


def test_the_board_shows_scores_ranks_lights_and_the_bottleneck(site: tuple) -> None:
    client, known, _ = site
    sign_in(client, "assessment_office")
    home = client.get("/scorecard", follow_redirects=False)
    assert home.headers["location"] == f"/scorecard/{known['year']}"
    board = client.get(f"/scorecard/{known['year']}").text
    assert "截至第 3 季度" in board
    assert select(board, "svg") and "四个维度得分" in board
    ranks = [td for td in select(board, "td") if "/" in (td.text or "")]
    assert ranks  # 名次 like 1/1
    bottlenecks = text_of(board, "ul", id="bottlenecks")
    year = int(str(known["year"]))
    assert "公共文化服务活动场次" in bottlenecks and f"{year - 1}、{year} 年连续偏低" in bottlenecks
    assert "待核查数据" in board


def test_the_plan_page_compares_weights_with_last_year(site: tuple) -> None:
    client, known, _ = site
    sign_in(client, "assessment_office")
    page = client.get(f"/scorecard/{known['year']}/plan").text
    table = text_of(page, "table", id="dimension-weights")
    assert "35%" in table and "25%" in table and "-10 个百分点" in table  # 财务
    assert "已发布" in page and "不可修改" in page


def test_a_new_years_weights_are_checked_then_published_once(site: tuple) -> None:
    client, known, _ = site
    sign_in(client, "assessment_office")
    next_year = int(str(known["year"])) + 1
    post(client, f"/scorecard/{next_year}/plan/draft", f"/scorecard/{known['year']}/plan")
    page = client.get(f"/scorecard/{next_year}/plan").text
    action = next(
        f.attrs["action"] for f in select(page, "form") if f.attrs["action"].endswith("/weights")
    )
    fields = {
        i.attrs["name"]: i.attrs["value"]
        for i in select(page, "input")
        if i.attrs.get("name", "").startswith(("dim_", "ind_"))
    }
    bad = post(client, action, f"/scorecard/{next_year}/plan", **{**fields, "dim_finance": "五十"})
    assert bad.status_code == 400 and "请填写 0–100 之间的百分数" in bad.text
    assert 'value="五十"' in bad.text  # what was typed stays
    unbalanced = post(
        client, action, f"/scorecard/{next_year}/plan", **{**fields, "dim_finance": "40"}
    )
    assert unbalanced.status_code == 400 and "权重之和应为 1" in unbalanced.text
    good = post(
        client,
        action,
        f"/scorecard/{next_year}/plan",
        **{**fields, "dim_finance": "20", "dim_service": "40", "note": "生态优先"},
    )
    assert good.status_code in (302, 303)
    page = client.get(f"/scorecard/{next_year}/plan").text
    assert "20%" not in text_of(page, "table", id="dimension-weights") or 'value="20"' in page
    published = post(client, action.replace("/weights", "/publish"), f"/scorecard/{next_year}/plan")
    assert published.status_code in (302, 303)
    again = post(client, action.replace("/weights", "/publish"), f"/scorecard/{next_year}/plan")
    assert again.status_code == 409 and "已发布" in again.text
    contracts = client.get(f"/scorecard/{next_year}/contracts").text
    assert all(name in contracts for name in known["names"])  # type: ignore[attr-defined]


def test_a_reporter_sees_only_their_own_town(site: tuple) -> None:
    client, known, _ = site
    sign_in(client, "reporter")
    home = client.get("/town").text
    assert "排第" in home and "填报第 4 季度数据" in home
    year = known["year"]
    assert client.get(f"/scorecard/{year}/contracts/{known['mine']}").status_code == 200
    assert client.get(f"/scorecard/{year}/contracts/{known['other']}").status_code == 403
    assert client.get(f"/scorecard/{year}").status_code == 403
    confirm = post(client, f"/scorecard/{year}/contracts/{known['other']}/confirm", "/town")
    assert confirm.status_code == 403
    own = post(client, f"/scorecard/{year}/contracts/{known['mine']}/confirm", "/town")
    assert own.status_code == 403  # the clerk prepares the contract; a principal signs it


def test_the_towns_principals_read_its_page_and_no_other_leader_does(site: tuple) -> None:
    client, known, _ = site
    year = known["year"]
    sign_in(client, "secretary")
    home = client.get("/town")
    assert home.status_code == 200 and "排第" in home.text
    assert 'id="report-link"' not in home.text  # reading, not reporting: the clerk reports
    assert "/town" in client.get("/team").text  # reached from the leader's own home
    contract = client.get(f"/scorecard/{year}/contracts/{known['mine']}")
    assert contract.status_code == 200 and "党委书记（签字）" in contract.text
    assert client.get(f"/scorecard/{year}/contracts/{known['other']}").status_code == 403
    foreign = post(client, f"/scorecard/{year}/contracts/{known['other']}/confirm", "/town")
    assert foreign.status_code == 403
    assert client.get(f"/scorecard/{year}").status_code == 403  # the county board is the office's
    sign_in(client, "leader")  # a deputy head of the same town
    refused = client.get("/town")
    assert refused.status_code == 403 and "党委书记" in refused.text


def test_a_quarter_is_refused_whole_then_stored_and_checked(site: tuple) -> None:
    client, known, url = site
    sign_in(client, "reporter")
    page = client.get("/town/report/4").text
    values = {
        i.attrs["name"]: i.attrs.get("value", "")
        for i in select(page, "input")
        if i.attrs.get("name", "").startswith("v_")
    }
    assert values and all(v == "" for v in values.values())
    before = run_blocking(value_count(url))
    codes = list(values)
    typed = {codes[0]: "12abc", codes[1]: "-5"}
    refused = client.post(
        "/town/report/4",
        data={"_csrf_token": token_of(client, "/town/report/4"), **typed},
        files={"f_x": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert "请填写数字" in refused.text and "超出可能的范围" in refused.text
    assert "请填写本季度的数值" in refused.text
    assert 'value="12abc"' in refused.text  # nothing typed is lost
    assert run_blocking(value_count(url)) == before
    fields = {f"v_{code}": value for code, value in known["plausible"].items()}
    fields["v_fiscal_revenue"] = "9999999"  # beyond the possible range
    too_big = client.post(
        "/town/report/4",
        data={"_csrf_token": token_of(client, "/town/report/4"), **fields},
        files={"f_fiscal_revenue": ("台账.pdf", b"%PDF-1.4 demo", "application/pdf")},
        follow_redirects=False,
    )
    assert too_big.status_code == 400 and "超出可能的范围" in too_big.text
    assert "应在 0 至 1,000,000 万元之间" in too_big.text  # the unit's own words, no 1e+06
    fields["v_fiscal_revenue"] = "200000"  # a leap from the third quarter
    sent = client.post(
        "/town/report/4",
        data={"_csrf_token": token_of(client, "/town/report/4"), **fields},
        files={"f_fiscal_revenue": ("台账.pdf", b"%PDF-1.4 demo", "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code in (302, 303)
    assert (
        "一般公共预算收入" in sent.headers["location"]
        or "%E4%B8%80%E8%88%AC" in sent.headers["location"]
    )
    assert run_blocking(value_count(url)) == before + len(codes)
    # a quarter filled in full leaves the to-do list (still open to changes until the deadline)
    home = client.get("/town").text
    todo = " ".join(texts(home, "li", class_="task"))
    assert "填报第 4 季度数据" not in todo
    done = text_of(home, "ul", id="done-tasks")
    assert (
        f"第 4 季度数据已全部填报（{len(codes)}/{len(codes)} 项）" in done and "查看或修改" in done
    )
    # the office sees it in the queue, with the attachment, and corrects it with a reason
    sign_in(client, "assessment_office")
    review = client.get(f"/scorecard/{known['year']}/review").text
    heading = f"{known['mine_name']} · 一般公共预算收入 · 第 4 季度"
    mine = next(
        part for part in review.split('<section class="panel review-item"')[1:] if heading in part
    )
    assert "远高于本乡镇往期和全县同期走势的预期" in mine
    value_id = mine.split('id="value-')[1].split('"')[0]
    link = mine.split('href="/scorecard/attachments/')[1].split('"')[0]
    link = f"/scorecard/attachments/{link}"
    assert client.get(link).content.startswith(b"%PDF")
    action = f"/scorecard/values/{value_id}/review"
    no_reason = post(
        client,
        action,
        f"/scorecard/{known['year']}/review",
        decision="correct",
        value="8000",
        reason="",
    )
    assert no_reason.status_code == 400 and "请写明核查结论" in no_reason.text
    done = post(
        client,
        action,
        f"/scorecard/{known['year']}/review",
        decision="correct",
        value="8000",
        reason="核对财政报表后更正",
    )
    assert done.status_code in (302, 303)
    decisions = text_of(
        client.get(f"/scorecard/{known['year']}/review").text, "table", id="decisions"
    )
    assert "核对财政报表后更正" in decisions and "8000" in decisions
    # the reporter reaches their own town's files, never another town's
    sign_in(client, "reporter")
    assert client.get(link).status_code == 200
    assert client.get(f"/scorecard/attachments/{known['foreign_file']}").status_code == 403


def import_file(client: TestClient, year: object, source: str, name: str, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        f"/scorecard/{year}/imports",
        data={"_csrf_token": token_of(client, f"/scorecard/{year}/imports"), "source": source},
        files={"file": (name, body, "application/octet-stream")},
        follow_redirects=False,
    )


def test_bad_source_files_are_refused_whole_with_every_problem_named(site: tuple) -> None:
    client, known, url = site
    sign_in(client, "assessment_office")
    year = known["year"]
    names = known["names"]
    before = run_blocking(value_count(url))
    unknown = (
        "工单编号,所属乡镇,受理时间,办结时间\n"
        f"A1,{names[0]},{year}-11-02 09:00,{year}-11-03 09:00\n"  # type: ignore[index]
        f"A2,火星镇,{year}-11-02 09:00,{year}-11-03 09:00\n"
        f"A3,{names[1]},昨天,{year}-11-03 09:00\n"  # type: ignore[index]
    ).encode()
    refused = import_file(client, year, "hotline_12345", "12345.csv", unknown)
    assert refused.status_code == 400
    assert (
        "火星镇" in refused.text
        and "时间无法识别" in refused.text
        and "未导入任何数据" in refused.text
    )
    wrong_unit = (
        "乡镇,季度,指标,数值,单位\n"
        f"{names[0]},4,环境质量达标率（空气与水质）,0.93,比例\n"  # type: ignore[index]
        f"{names[0]},4,环境质量达标率（空气与水质）,93,%\n"  # type: ignore[index]
    ).encode()
    refused = import_file(client, year, "environment", "env.csv", wrong_unit)
    assert (
        refused.status_code == 400 and "单位与方案不符" in refused.text and "重复" in refused.text
    )
    repeat = (
        "工单编号,所属乡镇,受理时间,办结时间\n"
        f"B1,{names[0]},{year}-05-02 09:00,{year}-05-03 09:00\n"  # type: ignore[index]
    ).encode()
    refused = import_file(client, year, "hotline_12345", "again.csv", repeat)
    assert refused.status_code == 400 and "已结算" in refused.text
    garbage = import_file(client, year, "grid", "grid.json", b"[1, 2, ")
    assert garbage.status_code == 400 and "JSON" in garbage.text
    assert run_blocking(value_count(url)) == before
    records = [
        {
            "工单编号": "J1",
            "所属乡镇": names[0],
            "受理时间": f"{year}-11-05 08:00:00",
            "办结时间": f"{year}-11-06 08:00:00",
        }  # type: ignore[index]
    ]
    ok = import_file(client, year, "hotline_12345", "12345.json", json.dumps(records).encode())
    assert ok.status_code in (302, 303)
    assert run_blocking(value_count(url)) == before + 1


def test_the_public_sees_finished_years_only(site: tuple) -> None:
    client, known, _ = site
    sign_in(client, None)
    year = int(str(known["year"]))
    index = client.get("/results").text
    assert f"/results/towns/{year - 1}" in index and f"/results/towns/{year}" not in index
    page = client.get(f"/results/towns/{year - 1}").text
    assert "年终综合" in page and all(n in page for n in known["names"])  # type: ignore[attr-defined]
    assert "结果已定稿" in text_of(page, "p", id="publicity")  # published in January, 公示 over
    assert "申请改革创新容错豁免" in text_of(page, "section", id="exemption-counts")
    assert client.get(f"/results/towns/{year}").status_code == 404
    assert client.get(f"/scorecard/{year}", follow_redirects=False).status_code in (302, 303)


async def satisfaction_check(url: str) -> tuple[dict[int, float], dict[int, float], int]:
    import polars as pl

    from app.database import engine_from_url, use_engine
    from evaluation.results import snapshots
    from evaluation.scorecard import feeds, service

    use_engine(engine_from_url(url))
    year = (await service.current_year() or 0) - 1
    cycle = next(c for c in await snapshots.published_cycles() if c.year == year)
    snapshot = await snapshots.snapshot_for(cycle.id)
    residents = (await snapshots.groups(snapshot.id)).filter(pl.col("rater_group") == "resident")
    people = (await snapshots.people(snapshot.id)).select("ratee_id", "town_id")
    released = residents.filter(pl.col("raw_mean").is_not_null()).join(people, on="ratee_id")
    expected = {
        town: (mean - 1) / 4 * 100
        for town, mean in released.group_by("town_id")
        .agg((pl.col("raw_mean") * pl.col("n")).sum() / pl.col("n").sum())
        .iter_rows()
    }
    shown = dict(
        (await feeds.resident_satisfaction(year)).select("town_id", "satisfaction").iter_rows()
    )
    hidden = residents.filter(pl.col("raw_mean").is_null() & (pl.col("n") > 0)).height
    return expected, shown, hidden


def test_town_satisfaction_is_built_from_released_resident_means_only(site: tuple) -> None:
    """The town figure is the size-weighted mean of the resident group means the snapshot
    released — groups hidden for anonymity (there are some) never enter it."""
    _, _, url = site
    expected, shown, hidden = run_blocking(satisfaction_check(url))
    assert hidden > 0 and shown
    assert shown.keys() <= expected.keys()
    for town, value in shown.items():
        assert value == pytest.approx(expected[town])
