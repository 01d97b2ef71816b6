"""公示 and 申诉 of the towns' year results over HTTP, with the clock moved: last year's
results were published on 10 January and are in 公示 until 17 January. During it the town's
reporter objects to one indicator; bad appeals are refused whole; the office upholds with a
corrected value, which is kept as a 核查 record and moves the town's result. After the
period the year is final: the public page says so, a late appeal is refused, and no value
of the year changes any more. The current year cannot be published before its fourth
quarter is settled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import run_blocking
from tests.web.demo_site import demo_copy, serve, sign_in
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
    last = year - 1
    record = await service.published_record(last)
    reporter = await User.select(User.cadre).where(User.username == "reporter").first()
    town = (await directory.cadre(reporter["cadre"])).town_id
    view = await service.town_view(last, town)
    town_sourced = {i.code for i in record.plan.indicators if str(i.source) == "town"}
    line = next(
        ln
        for ln in view.lines
        if ln.code in town_sourced and ln.attainment is not None and ln.attainment < 0.95
    )
    return {
        "last": last,
        "town": town,
        "ends_on": record.publicity_ends_on,
        "indicator": line.code,
        "target": line.target,
        "total": view.score.total if view.score else None,
    }


async def town_total(url: str, year: int, town: int) -> float:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard import service

    use_engine(engine_from_url(url))
    view = await service.town_view(year, town)
    assert view.score is not None
    return view.score.total


async def appeal_reviews(url: str) -> list[str]:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import ValueReview

    use_engine(engine_from_url(url))
    return [r["reason"] for r in await ValueReview.select(ValueReview.reason)]


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return demo_copy(demo_template, tmp_path_factory.mktemp("town-appeals"), facts)


def test_a_town_appeals_during_publicity_and_the_office_corrects_the_value(site: tuple) -> None:
    url, known = site
    last, ends_on = known["last"], known["ends_on"]
    with serve(url, ends_on - dt.timedelta(days=3)) as client:
        sign_in(client, "reporter")
        home = client.get("/town").text
        assert f"{last} 年度考核结果公示中" in text_of(home, "p", id="earlier-publicity")
        page = f"/town?year={last}"
        section = text_of(client.get(page).text, "section", id="appeals")
        assert f"至 {ends_on} 止" in section
        short = post(
            client,
            "/town/appeals",
            page,
            year=str(last),
            indicator=known["indicator"],
            reason="不服",
        )
        assert short.status_code == 400 and "请写明申诉理由和依据" in short.text
        foreign = post(
            client,
            "/town/appeals",
            page,
            year=str(last),
            indicator="no_such",
            reason="该指标数据口径有误，请复核",
        )
        assert foreign.status_code == 400 and "请选择本镇考核的指标" in foreign.text
        reason = "第四季度数据漏报了园区两家企业的入库税收，附税务局证明"
        lodged = post(
            client,
            "/town/appeals",
            page,
            year=str(last),
            indicator=known["indicator"],
            reason=reason,
        )
        assert lodged.status_code == 302
        again = post(
            client,
            "/town/appeals",
            page,
            year=str(last),
            indicator="",
            reason="对年度结果整体也有异议",
        )
        assert again.status_code == 409 and "已有一件待复核的申诉" in again.text
        # the period ends with the appeal still waiting: the year is not final until it is
        # decided (and the public page says so)
        with serve(url, known["ends_on"] + dt.timedelta(days=1)) as later:
            waiting = text_of(later.get(f"/results/towns/{last}").text, "p", id="publicity")
            assert "尚有 1 件申诉在复核" in waiting or "1 件申诉待复核" in waiting, waiting
            assert "已定稿" not in waiting

        sign_in(client, "assessment_office")
        office = f"/scorecard/{last}/appeals"
        listing = client.get(office).text
        assert reason in listing
        action = next(
            f.attrs["action"]
            for f in select(listing, "form")
            if f.attrs["action"].endswith("/decide")
        )
        empty = post(client, action, office, decision="uphold", value="", decision_reason="")
        assert empty.status_code == 400
        assert "请填写更正后的数值" in empty.text and "请写明复核意见" in empty.text
        negative = post(
            client, action, office, decision="uphold", value="-5", decision_reason="核实后更正"
        )
        assert negative.status_code == 400 and "超出可能的范围" in negative.text
        before = run_blocking(town_total(url, last, known["town"]))
        why = "经核实税务局证明，两家企业入库税收属实，予以更正"
        good = post(
            client,
            action,
            office,
            decision="uphold",
            value=f"{known['target']:.2f}",
            decision_reason=why,
        )
        assert good.status_code == 302
        assert (
            post(
                client, action, office, decision="reject", decision_reason="重复提交的复核"
            ).status_code
            == 409
        )
        assert run_blocking(town_total(url, last, known["town"])) > before  # recomputed
        assert f"申诉复核：{why}" in run_blocking(appeal_reviews(url))  # a 核查 record
        corrected = float(f"{known['target']:.2f}")
        decided = " ".join(texts(client.get(office).text, "section"))
        assert f"维持申诉 更正为 {corrected:g}；" in decided and why in decided

        sign_in(client, "reporter")
        mine = text_of(client.get(page).text, "section", id="appeals")
        assert "维持申诉" in mine and why in mine


def test_after_publicity_the_year_is_final_and_nothing_changes(site: tuple) -> None:
    url, known = site
    last, ends_on = known["last"], known["ends_on"]
    with serve(url, ends_on + dt.timedelta(days=1)) as client:
        public = client.get(f"/results/towns/{last}").text
        assert "结果已定稿" in text_of(public, "p", id="publicity")
        sign_in(client, "reporter")
        page = f"/town?year={last}"
        assert not select(client.get(page).text, "form", id="town-appeal-form")
        late = post(
            client,
            "/town/appeals",
            page,
            year=str(last),
            indicator="",
            reason="公示期后才看到结果，请复核",
        )
        assert late.status_code == 409 and f"公示期已于 {ends_on} 结束" in late.text
        sign_in(client, "assessment_office")
        total = run_blocking(town_total(url, last, known["town"]))
        year_end = f"/scorecard/{last}/towns/{known['town']}"
        refused = post(client, f"{year_end}/year-end", year_end, field_check="10", third_party="10")
        assert refused.status_code == 409 and "年度结果已发布" in refused.text
        assert run_blocking(town_total(url, last, known["town"])) == total
        board = f"/scorecard/{last + 1}"
        early = post(client, f"{board}/results/publish", board)
        assert early.status_code == 302
        assert "第四季度结算后才能发布年度结果" in client.get(early.headers["location"]).text
        assert client.get(f"/results/towns/{last + 1}").status_code == 404
