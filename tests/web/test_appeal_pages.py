"""公示 and 申诉/复核 over HTTP, on the demo county with the clock moved back into last
year's 公示 period: a cadre objects to one competency; bad appeals are refused whole; the
office upholds with a correction and the result is recomputed and frozen again (the overall
is the rubric-weighted mean of the other released scores); the appeal pages never name a
rater. Then, with the clock back in this year, the result is final and carries the
correction and its reason, and a late appeal is refused."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_blocking
from tests.web.demo_site import demo_copy, serve, sign_in
from tests.web.demo_site import form_post as post
from tests.web.html import select, text_of


async def facts(url: str) -> dict[str, object]:
    from app.accounts.tables import User
    from app.database import engine_from_url, use_engine
    from evaluation.cycles import service as cycle_service
    from evaluation.results import snapshots
    from evaluation.tables import Assignment

    use_engine(engine_from_url(url))
    cycle = (await snapshots.published_cycles())[0]
    record = await cycle_service.get_cycle(cycle.id)
    cadre = (await User.select(User.cadre).where(User.username == "cadre").first())["cadre"]
    snapshot = await snapshots.snapshot_for(cycle.id)
    cells = await snapshots.cells(snapshot.id, [cadre])
    scored = cells.filter(cells["score"].is_not_null()).sort("competency")
    raters = await Assignment.select(Assignment.rater.name.as_alias("name")).where(
        (Assignment.cycle == cycle.id) & (Assignment.ratee == cadre) & (Assignment.rater != cadre)
    )
    return {
        "cycle": cycle.id,
        "ends_on": record.publicity_ends_on,
        "cadre": cadre,
        "competency": scored["competency"][0],
        "raters": sorted({r["name"] for r in raters}),
    }


async def result_of(url: str, cycle_id: int, cadre: int) -> tuple[int, float, float]:
    """(snapshots stored, the cadre's overall, the rubric-weighted mean of their released
    scores other than the excluded ones) from the frozen snapshot."""
    from app.database import engine_from_url, use_engine
    from evaluation.cycles import service as cycle_service
    from evaluation.results import snapshots
    from evaluation.results.compute import excluded_cells
    from evaluation.tables import ProfileSnapshot

    use_engine(engine_from_url(url))
    snapshot = await snapshots.snapshot_for(cycle_id)
    overall = (await snapshots.summaries(snapshot.id, [cadre]))["overall"][0]
    cells = await snapshots.cells(snapshot.id, [cadre])
    excluded = set((await excluded_cells(cycle_id))["competency"].to_list())
    weights = {
        c.id: c.weight for c in (await cycle_service.rubric_for_cycle(cycle_id)).competencies
    }
    kept = [
        (score, weights.get(code, 0.0))
        for code, score in cells.select("competency", "score").iter_rows()
        if score is not None and code not in excluded and weights.get(code, 0.0) > 0
    ]
    expected = sum(s * w for s, w in kept) / sum(w for _, w in kept)
    return await ProfileSnapshot.count().where(ProfileSnapshot.cycle == cycle_id), overall, expected


async def appeal_count(url: str) -> int:
    from app.database import engine_from_url, use_engine
    from evaluation.appeals.tables import AppealCase

    use_engine(engine_from_url(url))
    return await AppealCase.count().where(AppealCase.kind == "cadre_result")


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return demo_copy(demo_template, tmp_path_factory.mktemp("appeals"), facts)


def test_an_appeal_during_publicity_is_upheld_with_a_correction_and_recomputed(site: tuple) -> None:
    url, known = site
    ends_on: dt.date = known["ends_on"]
    cycle, cadre, competency = known["cycle"], known["cadre"], known["competency"]
    with serve(url, ends_on - dt.timedelta(days=2)) as client:
        sign_in(client, "cadre")
        page = client.get("/me/feedback").text
        assert f"结果公示中，至 {ends_on} 止" in text_of(page, "p", id="publicity")
        assert select(page, "form", id="appeal-form")
        feedback = f"/me/feedback?cycle={cycle}"
        short = post(
            client, "/me/appeals", feedback, cycle=str(cycle), competency=competency, reason="不服"
        )
        assert short.status_code == 400 and "请写明申诉理由（至少 10 个字）" in short.text
        assert "不服" in short.text  # what was typed stays
        foreign = post(
            client,
            "/me/appeals",
            feedback,
            cycle=str(cycle),
            competency="<script>",
            reason="这一项与我的岗位职责无关，请复核",
        )
        assert foreign.status_code == 400 and "请选择您结果中的一项能力" in foreign.text
        assert run_blocking(appeal_count(url)) == 0
        reason = "本人今年调任党政办，该项工作不在岗位职责之内，请复核"
        lodged = post(
            client, "/me/appeals", feedback, cycle=str(cycle), competency=competency, reason=reason
        )
        assert lodged.status_code == 302
        second = post(
            client,
            "/me/appeals",
            feedback,
            cycle=str(cycle),
            competency="",
            reason="对综合结果也有异议，请一并复核",
        )
        assert second.status_code == 409 and "已有一件待复核的申诉" in second.text
        assert "待复核" in text_of(client.get(feedback).text, "section", id="appeals")

        before = run_blocking(result_of(url, cycle, cadre))
        sign_in(client, "assessment_office")
        office = f"/office/cycles/{cycle}/appeals"
        listing = client.get(office).text
        assert reason in listing
        for name in known["raters"]:  # an appeal never shows who rated
            assert name not in listing
        action = next(
            f.attrs["action"]
            for f in select(listing, "form")
            if f.attrs["action"].endswith("/decide")
        )
        bare = post(client, action, office, decision="uphold", decision_reason="")
        assert bare.status_code == 400
        assert "维持申诉须选择更正方式" in bare.text and "请写明复核意见" in bare.text
        assert run_blocking(result_of(url, cycle, cadre))[0] == before[0]  # nothing recomputed
        why = "经核实，该同志 2025 年 3 月起任党政办主任，该项不在其岗位职责内"
        upheld = post(
            client, action, office, decision="uphold", correction="exclude", decision_reason=why
        )
        assert upheld.status_code == 302
        again = post(client, action, office, decision="reject", decision_reason="重复提交")
        assert again.status_code == 409
        snapshots_after, overall, expected = run_blocking(result_of(url, cycle, cadre))
        assert snapshots_after == before[0] + 1  # recomputed and frozen again; the old kept
        assert overall == pytest.approx(expected, abs=1e-9)
        assert overall != pytest.approx(before[1], abs=1e-6)  # the correction moved the overall

        sign_in(client, "cadre")
        mine = client.get(feedback).text
        corrections = text_of(mine, "section", id="corrections")
        assert "不计入综合得分" in corrections and why in corrections
        assert f"{overall:.2f}" in text_of(mine, "div", class_="stats")
        pdf = client.get(f"/me/feedback.pdf?cycle={cycle}")
        printed = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        assert "复核更正" in printed and "岗位职责内" in "".join(printed.split())  # the report too
        home = text_of(client.get("/me").text, "section", id="notices")
        assert "申诉复核维持" in home

        sign_in(client, "leader")  # the cadre's leader sees the correction, not the reasons
        team = client.get(f"/team/{cadre}/feedback?cycle={cycle}")
        assert team.status_code == 200
        assert why in team.text and reason not in team.text


def test_after_publicity_the_result_is_final_and_a_late_appeal_is_refused(site: tuple) -> None:
    url, known = site
    ends_on: dt.date = known["ends_on"]
    cycle = known["cycle"]
    with serve(url, ends_on + dt.timedelta(days=1)) as client:
        sign_in(client, "cadre")
        feedback = f"/me/feedback?cycle={cycle}"
        page = client.get(feedback).text
        assert "结果已定稿" in text_of(page, "p", id="publicity")
        assert not select(page, "form", id="appeal-form")
        count = run_blocking(appeal_count(url))
        late = post(
            client,
            "/me/appeals",
            feedback,
            cycle=str(cycle),
            competency="",
            reason="公示期后才看到结果，请复核综合得分",
        )
        assert late.status_code == 409 and f"公示期已于 {ends_on} 结束，不再受理申诉" in late.text
        assert run_blocking(appeal_count(url)) == count


def test_only_the_office_decides_and_only_a_cadre_appeals(site: tuple) -> None:
    url, known = site
    with serve(url, known["ends_on"]) as client:
        sign_in(client, "reporter")
        assert client.get(f"/office/cycles/{known['cycle']}/appeals").status_code == 403
        answer = post(
            client,
            "/me/appeals",
            "/town",
            cycle=str(known["cycle"]),
            reason="填报员代为申诉，请复核",
        )
        assert answer.status_code == 403
