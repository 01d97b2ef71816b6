"""The training office's pages over HTTP: pins and exclusions with Chinese errors, the
demand report and exchange pairing on the plan page."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from app.demo.loader import DEMO_PASSWORD
from evaluation.tables import Cadre
from tests.factories import finished_job, login, post_form
from tests.web.html import text_of
from training.tables import Enrolment, TrainingPlan


@pytest.fixture
def published_cycle(small_demo: int) -> int:
    return small_demo


def run(client: TestClient, cycle_id: int, **fields: str):  # type: ignore[no-untyped-def]
    form = {"cycle": str(cycle_id), "per_cadre": "2", "budget": "", "town_share": "50", **fields}
    return post_form(client, "/training/plan/run", form, page="/training/plan")


async def test_bad_pins_are_named_and_nothing_is_planned(
    client: TestClient, published_cycle: int
) -> None:
    login(client, "training", DEMO_PASSWORD)
    plans = await TrainingPlan.count()  # the demo's past plan
    page = run(client, published_cycle, pinned="T001-001\nNOBODY 1")
    assert page.status_code == 200
    assert "指定第 1 行应为“干部编号 场次编号”" in page.text
    assert "没有编号为 NOBODY 的干部" in page.text
    assert await TrainingPlan.count() == plans


async def test_exclusions_and_pins_shape_the_rerun(
    client: TestClient, published_cycle: int
) -> None:
    login(client, "training", DEMO_PASSWORD)
    done = finished_job(client, run(client, published_cycle))
    assert 'data-status="done"' in done.text, text_of(done.text, "main")
    plan = (
        await TrainingPlan.select(TrainingPlan.id)
        .order_by(TrainingPlan.id, ascending=False)
        .first()
    )
    assert plan is not None
    first = (
        await Enrolment.select(Enrolment.cadre, Enrolment.cadre.external_id, Enrolment.offering)
        .where((Enrolment.status == "assigned") & (Enrolment.plan == plan["id"]))
        .first()
    )
    assert first is not None
    taking = [
        r["cadre"]
        for r in await Enrolment.select(Enrolment.cadre).where(
            (Enrolment.offering == first["offering"]) & (Enrolment.plan == plan["id"])
        )
    ]
    other = await Cadre.select(Cadre.external_id).where(Cadre.id.not_in(taking)).first()
    assert other is not None
    rerun = finished_job(
        client,
        run(
            client,
            published_cycle,
            excluded=f"{first['cadre.external_id']} {first['offering']}",
            pinned=f"{other['external_id']} {first['offering']}",
        ),
    )
    assert "方案已生成" in rerun.text
    latest = (
        await TrainingPlan.select(TrainingPlan.id)
        .order_by(TrainingPlan.id, ascending=False)
        .first()
    )
    assert latest is not None
    rows = await Enrolment.select(
        Enrolment.cadre.external_id, Enrolment.offering, Enrolment.reason
    ).where((Enrolment.plan == latest["id"]) & (Enrolment.status == "assigned"))
    placed = {(r["cadre.external_id"], r["offering"]) for r in rows}
    assert (first["cadre.external_id"], first["offering"]) not in placed
    assert (other["external_id"], first["offering"]) in placed
    assert any(r["reason"].startswith("（指定）") for r in rows)
    page = client.get("/training/plan").text
    assert 'id="demand"' in page and 'id="exchanges"' in page
    assert "本方案是满足全部约束的最优方案" in text_of(page, "p", id="plan-quality")


async def test_pins_that_break_a_constraint_fail_the_run_in_words_and_store_nothing(
    client: TestClient, published_cycle: int
) -> None:
    login(client, "training", DEMO_PASSWORD)
    plans = await TrainingPlan.count()
    from datetime import date

    from training.tables import Offering

    sessions = [
        r["id"]
        for r in await Offering.select(Offering.id)
        .where(Offering.day >= date.today())
        .order_by(Offering.id)
        .limit(3)
    ]
    cadre = await Cadre.select(Cadre.external_id).first()
    assert cadre is not None and len(sessions) == 3
    pins = "\n".join(f"{cadre['external_id']} {s}" for s in sessions)
    page = finished_job(client, run(client, published_cycle, pinned=pins))
    assert 'data-status="failed"' in page.text
    assert "无法满足全部约束" in text_of(page.text, "p", id="job-error")
    assert await TrainingPlan.count() == plans
    job = page.url.path
    refused = post_form(client, f"{job}/cancel", {}, page=job)
    assert refused.status_code == 409 and "已经结束" in refused.text


async def test_catalogue_form_import_and_checkin_sheet(
    client: TestClient, published_cycle: int
) -> None:
    import io

    import polars as pl

    from tests.factories import csrf_token
    from training.tables import Offering

    login(client, "training", DEMO_PASSWORD)
    before = await Offering.count()
    bad = post_form(
        client,
        "/training/offerings",
        {"title": "", "competencies": "飞行", "day": "下周", "capacity": "0"},
        page="/training/catalogue",
    )
    assert "请填写名称" in bad.text and "未知能力：飞行" in bad.text and "座位应为" in bad.text
    sheet = io.BytesIO()
    pl.DataFrame(
        {
            "名称": ["数字乡村夜校", "坏行"],
            "针对能力": ["数字化治理能力", "飞行"],
            "日期": ["2027-04-01", "2027-04-02"],
            "座位": ["30", "5"],
        }
    ).write_excel(sheet)
    token = csrf_token(client, "/training/catalogue")
    refused = client.post(
        "/training/catalogue/import",
        data={"_csrf_token": token},
        files={"file": ("目录.xlsx", sheet.getvalue(), "application/octet-stream")},
    )
    assert "第 3 行" in refused.text and "未知能力：飞行" in refused.text, text_of(
        refused.text, "main"
    )
    assert await Offering.count() == before  # nothing from a sheet with a bad row
    good = io.BytesIO()
    pl.DataFrame(
        {
            "名称": ["数字乡村夜校"],
            "针对能力": ["数字化治理能力"],
            "日期": ["2027-04-01"],
            "座位": ["30"],
        }
    ).write_excel(good)
    added = client.post(
        "/training/catalogue/import",
        data={"_csrf_token": token},
        files={"file": ("目录.xlsx", good.getvalue(), "application/octet-stream")},
        follow_redirects=False,
    )
    assert added.status_code == 302 and await Offering.count() == before + 1
    sheet_page = client.get("/training/offerings/1/checkin-sheet")
    assert sheet_page.status_code == 200 and "<svg" in sheet_page.text
    assert "/training/checkin/" in sheet_page.text


async def test_exchange_pairs_become_catalogue_sessions_in_one_step(
    client: TestClient, published_cycle: int
) -> None:
    from tests.factories import csrf_token
    from tests.web.html import select
    from training.tables import Offering

    login(client, "training", DEMO_PASSWORD)
    page = client.get("/training/plan").text
    pairs = [i.attrs["value"] for i in select(page, "input", name="pair")]
    assert pairs, "the demo has towns clearly strong and weak at something"
    basis = select(page, "input", type="hidden", name="cycle")[0].attrs["value"]
    before = await Offering.count()

    def send(**fields: object):  # type: ignore[no-untyped-def]
        token = csrf_token(client, "/training/plan")
        return client.post(
            "/training/exchanges",
            data={"_csrf_token": token, "cycle": basis, **fields},
            follow_redirects=False,
        )

    none = send(first_day="2099-05-04", capacity="12")
    assert none.status_code == 200 and "请至少勾选一组结对" in none.text
    for cycle in ("99999999999999", "0", "abc"):  # not a published cycle: refused in words
        odd = client.post(
            "/training/exchanges",
            data={
                "_csrf_token": csrf_token(client, "/training/plan"),
                "cycle": cycle,
                "pair": pairs,
                "first_day": "2099-05-04",
                "capacity": "12",
            },
            follow_redirects=False,
        )
        assert odd.status_code == 200, cycle
        assert any(
            w in odd.text
            for w in ("请依据已公布的考核周期", "考核周期应为整数", "考核周期超出范围")
        )
    forged = send(pair="political:1:999", first_day="2099-05-04", capacity="12")
    assert "请至少勾选一组结对" in forged.text  # only pairs the pairing proposes count
    past = send(pair=pairs, first_day="2000-01-01", capacity="0")
    assert "第一场日期应晚于今天" in past.text and "每场名额应在 1–200 之间" in past.text
    ticked = [
        i.attrs["value"] for i in select(past.text, "input", name="pair") if "checked" in i.attrs
    ]
    assert ticked == pairs  # the ticks survive the refusal
    assert await Offering.count() == before  # nothing added on any refusal

    done = send(pair=pairs, first_day="2099-05-04", capacity="12")
    assert done.status_code in (302, 303)
    added = (
        await Offering.select(
            Offering.kind, Offering.title, Offering.day, Offering.capacity, Offering.host_cadres
        )
        .where(Offering.id > 0)
        .order_by(Offering.id, ascending=False)
        .limit(await Offering.count() - before)
    )
    assert added and all(a["kind"] == "exchange" and a["capacity"] == 12 for a in added)
    assert all(a["title"].endswith("经验交流") and "来访：" in a["host_cadres"] for a in added)
    assert min(a["day"] for a in added).isoformat() == "2099-05-04"
    catalogue = client.get(done.headers["location"]).text
    assert f"已生成 {len(added)} 个跨乡镇交流场次" in catalogue
    assert all(a["title"] in catalogue for a in added)
