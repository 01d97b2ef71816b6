"""The permission matrix's allowed side, for real: on the demo county (two published cycles,
an open one, a catalogue, a training plan), every role opens every page the matrix grants it
— with ids that exist and that it may see — and gets a 200 carrying that page's own content;
then every write route is exercised once by a role allowed to call it, with a valid body,
and its effect is checked. A route added to the app without an entry here fails."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from litestar.testing import TestClient

from app.config import apply_clock, load_settings
from app.demo.loader import DEMO_PASSWORD
from tests.conftest import copy_of, run_blocking
from tests.factories import finished_job
from tests.route_table import declared_access
from tests.web.demo_site import LOGINS, form_post, serve, sign_in, token_of
from tests.web.html import select

PRINCIPAL_LOGIN = (
    "secretary"  # the demo town's 党委书记 (a leader account holding a principal post)
)
# open to a leader account only when it holds its town's principal post (党委书记, 镇长/乡长):
# the demo `leader`, a deputy head, is refused them; `PRINCIPAL_LOGIN` reads them
PRINCIPAL_ONLY = {"/town", "/scorecard/{year:int}/contracts/{town_id:int}"}
NEW_PASSWORD = "Matrix-pass-2027"
PNG = base64.b64decode(  # a 1×1 photo
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


@dataclass(frozen=True)
class Ids:
    """Real ids of the demo county, each one a role may use."""

    published: int
    published_name: str
    open: int
    open_name: str
    town: int
    town_name: str
    cadre: int  # in the published cycle, with a profile
    cadre_name: str
    member: int  # led by the demo leader
    member_name: str
    leader_assignment: int  # open, the leader rates
    leader_ratee_name: str
    cadre_assignments: tuple[int, int]  # open, the demo cadre rates
    cadre_cadre: int  # the demo cadre's own cadre id
    cadre_town: int  # the demo cadre's town
    token: str  # a live QR link of the open cycle
    link_id: int
    link_ratee_name: str
    code: str  # a 考核码 of the open cycle
    code_ratee: int
    code_ratee_name: str
    offering: int
    offering_title: str
    checkin_token: str  # of an offering the demo cadre is enrolled in
    plan_job: int  # a finished optimiser run
    plan: int  # the plan it stored (unpublished until the writes publish it)
    enrolment: int  # the demo cadre's, attended, no feedback yet
    flag: int
    removable: int  # an open assignment nobody signed in holds
    visit_ratee: int
    visit_ratee_name: str
    roster_xlsx: bytes
    year: int  # the scorecard's current year (Q4 open on the pinned date)
    last_year: int
    sc_town: int  # the reporter's town
    sc_town_name: str
    flagged_value: int  # a value waiting for 核查
    flagged_town_name: str
    attachment: int  # a Q4 attachment of the reporter's town
    cards: tuple[tuple[int, int, str], ...]  # (card, town, colour) of the demo's cards
    rubric_version: int  # the shipped rubric, registered by the demo
    rubric_draft: int  # an open copy of it
    spare: int  # a cadre no demo account belongs to (transferred and retired by the matrix)
    spare_name: str
    town_type: str
    reminder_round: int  # a round sent for the open cycle


async def scorecard_ids() -> tuple[int, int, int, str, int, str, int]:
    """The scorecard's ids; the reporter's town sends its fourth quarter with a file."""
    from app.accounts.tables import User
    from evaluation.organisation import directory
    from evaluation.scorecard import service
    from evaluation.scorecard.tables import ValueAttachment

    year = await service.current_year()
    assert year is not None
    reporter = await User.select(User.cadre).where(User.username == "reporter").first()
    town = await directory.town((await directory.cadre(reporter["cadre"])).town_id)
    form = await service.quarter_form(year, town.id, 4)
    fields = {i.code: f"{(i.pro_rata or 80):.2f}" for i in form.items}
    upload = service.Upload(
        indicator=form.items[0].code,
        filename="台账.txt",
        content_type="text/plain",
        content=b"ledger",
    )
    await service.report(year, town.id, 4, fields, {}, [upload], "填报员")
    flagged = (await service.review_queue(year))[0]
    attachment = await ValueAttachment.select(ValueAttachment.id).first()
    return year, year - 1, town.id, town.name, flagged.value_id, flagged.town_name, attachment["id"]


async def collect_ids() -> Ids:
    from app.accounts.tables import User
    from evaluation.clock import today
    from evaluation.cycles import service as cycle_service
    from evaluation.responses import campaigns, review
    from evaluation.responses.context import ratee_context
    from evaluation.tables import Cadre, Cycle, Leadership, ResponseFlag, Town
    from tests.factories import answers, record_response, to_xlsx
    from training.planning import jobs as plan_jobs
    from training.planning import service as plan_service
    from training.tables import Enrolment, Offering, TrainingPlan

    cycles = {c["state"]: c for c in await Cycle.select().order_by(Cycle.id)}
    published, open_ = cycles["published"], cycles["open"]
    users = {u["username"]: u["cadre"] for u in await User.select(User.username, User.cadre)}
    leader, cadre = users["leader"], users["cadre"]
    town = await Town.select(Town.id, Town.name).order_by(Town.id).first()
    names = {c["id"]: c["name"] for c in await Cadre.select(Cadre.id, Cadre.name)}
    member = (
        await Leadership.select(Leadership.member)
        .where(Leadership.leader == leader)
        .order_by(Leadership.member)
        .first()
    )
    assignments = await cycle_service.assignment_frame(open_["id"])
    open_ones = assignments.filter(pl.col("status") == "open")
    leader_a = open_ones.filter(pl.col("rater_id") == leader).row(0, named=True)
    cadre_a = open_ones.filter(
        (pl.col("rater_id") == cadre) & (pl.col("rater_group") != "self")
    ).sort("id")
    removable = open_ones.filter(~pl.col("rater_id").is_in([leader, cadre])).row(0, named=True)
    card = (await campaigns.town_resident_cards(open_["id"], town["id"]))[0]
    code = (await campaigns.create_code_batch(open_["id"], town["id"], "peer", 2, "矩阵"))[0]
    code_ratee = (await campaigns.code_ratees(await campaigns.resolve_code(code)))[0]
    enrolment = (
        await Enrolment.select(Enrolment.id, Enrolment.offering)
        .where(
            (Enrolment.cadre == cadre)
            & (Enrolment.status == "assigned")
            & Enrolment.attended_at.is_not_null()
        )
        .first()
    )
    upcoming = await Offering.select(Offering.id, Offering.title).order_by(Offering.id).first()
    checkin = (
        await Enrolment.select(Enrolment.offering.checkin_token)
        .where((Enrolment.cadre == cadre) & (Enrolment.status == "assigned"))
        .first()
    )
    assert checkin is not None
    await Offering.update(  # that session is on today, so scanning its code counts
        {Offering.day: today(), Offering.start_minute: 0, Offering.end_minute: 24 * 60 - 1}
    ).where(Offering.checkin_token == checkin["offering.checkin_token"])
    # nine resident answers from one address within minutes: the last ones are flagged
    items = (await ratee_context(open_["id"], card.cadre_id, "resident")).items
    for n in range(9):
        await record_response(
            cycle_id=open_["id"],
            ratee_id=card.cadre_id,
            group="resident",
            fields=answers(items, "4"),
            channel="qr",
            link_id=card.link_id,
            device=f"matrix-phone-{n}",
            source_hash="matrix-address-01",
        )
    flags = await ResponseFlag.select(ResponseFlag.id).order_by(ResponseFlag.id)
    for other in flags[1:]:
        await review.decide(other["id"], "kept")
    visit = removable["ratee_id"]
    from evaluation.rubrics import drafts as rubric_drafts
    from evaluation.rubrics.versions import register_default_rubric

    rubric_version = await register_default_rubric()
    rubric_draft = await rubric_drafts.copy_version(rubric_version, "office")
    from evaluation.cycles import reminders

    reminder_round = await reminders.send_round(open_["id"], "office", "outbox")
    led = {r["member"] for r in await Leadership.select(Leadership.member)}
    accounts = {c for c in users.values() if c is not None}
    spare = next(
        c
        for c in await Cadre.select(Cadre.id, Cadre.name).order_by(Cadre.id, ascending=False)
        if c["id"] in led and c["id"] not in accounts
    )
    town_type = (await Town.select(Town.town_type).where(Town.id == town["id"]).first())[
        "town_type"
    ]
    prepared = await plan_service.prepare(published["id"], 2, None, 0.5)
    plan_job = await plan_jobs.start(prepared)
    await plan_jobs.wait_all()
    return Ids(
        plan_job=plan_job,
        plan=(
            await TrainingPlan.select(TrainingPlan.id)
            .order_by(TrainingPlan.id, ascending=False)
            .first()
        )["id"],
        published=published["id"],
        published_name=published["name"],
        open=open_["id"],
        open_name=open_["name"],
        town=town["id"],
        town_name=town["name"],
        cadre=member["member"],
        cadre_name=names[member["member"]],
        member=member["member"],
        member_name=names[member["member"]],
        leader_assignment=leader_a["id"],
        leader_ratee_name=names[leader_a["ratee_id"]],
        cadre_assignments=(cadre_a["id"][0], cadre_a["id"][1]),
        cadre_cadre=cadre,
        cadre_town=(await Cadre.select(Cadre.town).where(Cadre.id == cadre).first())["town"],
        token=card.token,
        link_id=card.link_id,
        link_ratee_name=card.name,
        code=code,
        code_ratee=code_ratee.cadre_id,
        code_ratee_name=code_ratee.name,
        offering=upcoming["id"],
        offering_title=upcoming["title"],
        checkin_token=checkin["offering.checkin_token"],
        enrolment=enrolment["id"],
        flag=flags[0]["id"],
        removable=removable["id"],
        visit_ratee=visit,
        visit_ratee_name=names[visit],
        roster_xlsx=to_xlsx(await roster_as_uploaded()),
        **dict(
            zip(
                (
                    "year",
                    "last_year",
                    "sc_town",
                    "sc_town_name",
                    "flagged_value",
                    "flagged_town_name",
                    "attachment",
                ),
                await scorecard_ids(),
                strict=True,
            )
        ),
        cards=await demo_cards(),
        rubric_version=rubric_version,
        rubric_draft=rubric_draft,
        spare=spare["id"],
        spare_name=spare["name"],
        town_type=town_type,
        reminder_round=reminder_round,
    )


async def demo_cards() -> tuple[tuple[int, int, str], ...]:
    from evaluation.scorecard.tables import Card

    rows = await Card.select(
        Card.id, Card.milestone.project.town.as_alias("town"), Card.colour
    ).order_by(Card.id)
    return tuple((int(r["id"]), int(r["town"]), str(r["colour"])) for r in rows)


async def latest_case_note(url: str) -> int:
    from app.database import engine_from_url, use_engine
    from evaluation.tables import CaseNote

    use_engine(engine_from_url(url))
    row = await CaseNote.select(CaseNote.id).order_by(CaseNote.id, ascending=False).first()
    assert row is not None
    return int(row["id"])


async def make_red_card_for(url: str, town_id: int) -> None:
    """A second, long-late milestone in the reporter's town, swept red."""
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard import projects, service

    use_engine(engine_from_url(url))
    today = service.today()
    project = await projects.add_project(
        today.year, town_id, "村级道路硬化", f"{today.year}-01-10", f"{today.year}-12-31", "office"
    )
    due = today - dt.timedelta(days=30)
    await projects.add_milestone(
        project, due.isoformat(), "完成路基", "分管副镇长", "", past="open"
    )
    await projects.sweep(today.year, due + dt.timedelta(days=1))
    await projects.sweep(today.year, today)


async def red_card_of(url: str, town_id: int) -> int:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import Card

    use_engine(engine_from_url(url))
    row = (
        await Card.select(Card.id)
        .where(Card.colour == "red", Card.milestone.project.town == town_id)
        .first()
    )
    return int(row["id"])


async def complete_year(url: str, year: int) -> None:
    """Every town's fourth quarter reported inside its window and every 核查 decided."""
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard import service

    use_engine(engine_from_url(url))
    on = dt.date(year + 1, 1, 10)
    for town in await service.towns():
        form = await service.quarter_form(year, town.id, 4, on=on)
        values = {i.code: f"{(i.pro_rata or i.value or 80.0):.2f}" for i in form.items}
        if not all(i.value is not None for i in form.items):
            await service.report(year, town.id, 4, values, {}, [], "矩阵测试", on=on)
    for item in await service.review_queue(year):
        await service.decide(item.value_id, "confirm", "", "矩阵测试：已核实", "office")


async def today_in_app() -> dt.date:
    from evaluation import clock

    return clock.today()


async def open_milestone_of(url: str, town_id: int) -> int:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import Milestone

    use_engine(engine_from_url(url))
    row = (
        await Milestone.select(Milestone.id)
        .where(Milestone.done_on.is_null(), Milestone.project.town == town_id)
        .first()
    )
    return int(row["id"])


async def publicity_end(url: str, year: int) -> dt.date:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard import service

    use_engine(engine_from_url(url))
    ends_on = (await service.published_record(year)).publicity_ends_on
    assert ends_on is not None
    return ends_on


def dated_client(url: str, day: dt.date) -> TestClient:
    """A second app on the same database with the clock on `day`."""
    from app.asgi import create_app

    settings = load_settings({**os.environ, "DATABASE_URL": url, "CADRE360_TODAY": day.isoformat()})
    return TestClient(app=create_app(settings), base_url="http://testserver.local")


async def pending_exemption(url: str) -> int:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import Exemption

    use_engine(engine_from_url(url))
    row = await Exemption.select(Exemption.id).where(Exemption.state == "pending").first()
    return int(row["id"])


async def roster_as_uploaded() -> pl.DataFrame:
    """The stored roster as the office would download and re-upload it."""
    from app.demo.county import demo_roster

    return demo_roster(4, 20, 1)


@pytest.fixture(scope="module")
def demo(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    from app.database import engine_from_url, use_engine

    url = copy_of(demo_template, tmp_path_factory.mktemp("matrix"))

    async def prepare() -> Ids:
        use_engine(engine_from_url(url))
        return await collect_ids()

    ids = run_blocking(prepare())
    with serve(url) as client:
        yield client, ids, url


Check = Callable[[Ids], tuple[str, str]]  # ids → (url, text the answer must hold)

PAGES: dict[str, Check] = {
    "/": lambda i: ("/", ""),
    "/account/password": lambda i: ("/account/password", "修改密码"),
    "/admin/users": lambda i: ("/admin/users", "cadre"),
    "/admin/tokens": lambda i: ("/admin/tokens", "签发新令牌"),
    "/admin/accounts/bulk": lambda i: ("/admin/accounts/bulk", i.town_name),
    "/admin/accounts/reset/{town_id:int}": lambda i: (
        f"/admin/accounts/reset/{i.town}",
        "立即作废",
    ),
    "/admin/users/new": lambda i: ("/admin/users/new", "新建账号"),
    "/api/assignments": lambda i: ("/api/assignments", i.open_name),
    "/api/assignments/{assignment_id:int}/form": lambda i: (
        f"/api/assignments/{i.cadre_assignments[0]}/form",
        '"items"',
    ),
    "/api/r/{token:str}/form": lambda i: (f"/api/r/{i.token}/form", i.link_ratee_name),
    "/check": lambda i: ("/check", i.sc_town_name),
    "/check/{town_id:int}": lambda i: (f"/check/{i.sc_town}", i.sc_town_name),
    "/code": lambda i: ("/code", "考核码"),
    "/code/rate": lambda i: ("/code/rate", i.code_ratee_name),
    "/code/rate/{ratee_id:int}": lambda i: (f"/code/rate/{i.code_ratee}", i.code_ratee_name),
    "/healthz": lambda i: ("/healthz", "ok"),
    "/login": lambda i: ("/login", "登录"),
    "/me": lambda i: ("/me", ""),
    "/me/feedback": lambda i: ("/me/feedback", i.published_name),
    "/me/feedback.pdf": lambda i: ("/me/feedback.pdf", "%PDF"),
    "/me/training": lambda i: ("/me/training", "培训"),
    "/me/plan": lambda i: ("/me/plan", "我的发展计划"),
    "/office": lambda i: ("/office", i.town_name),
    "/office/audit": lambda i: ("/office/audit", "审计"),
    "/office/development": lambda i: ("/office/development", i.town_name),
    "/office/cycles": lambda i: ("/office/cycles", i.published_name),
    "/office/cycles/new": lambda i: ("/office/cycles/new", "新建考核周期"),
    "/office/cycles/{cycle_id:int}": lambda i: (f"/office/cycles/{i.open}", i.open_name),
    "/office/cycles/{cycle_id:int}/assignments": lambda i: (
        f"/office/cycles/{i.open}/assignments",
        i.leader_ratee_name,
    ),
    "/office/cycles/{cycle_id:int}/cadres/{cadre_id:int}": lambda i: (
        f"/office/cycles/{i.published}/cadres/{i.cadre}",
        i.cadre_name,
    ),
    "/office/cycles/{cycle_id:int}/codes": lambda i: (f"/office/cycles/{i.open}/codes", "考核码"),
    "/office/cycles/{cycle_id:int}/evidence": lambda i: (
        f"/office/cycles/{i.open}/evidence",
        "客观",
    ),
    "/office/cycles/{cycle_id:int}/flags": lambda i: (
        f"/office/cycles/{i.open}/flags",
        "同一网络地址",
    ),
    "/office/cycles/{cycle_id:int}/paper": lambda i: (f"/office/cycles/{i.open}/paper", "纸质"),
    "/office/cycles/{cycle_id:int}/progress": lambda i: (
        f"/office/cycles/{i.open}/progress",
        i.town_name,
    ),
    "/office/cycles/{cycle_id:int}/progress/overdue.xlsx": lambda i: (
        f"/office/cycles/{i.open}/progress/overdue.xlsx",
        "PK",
    ),
    "/office/cycles/{cycle_id:int}/qr/{town_id:int}": lambda i: (
        f"/office/cycles/{i.open}/qr/{i.town}",
        i.link_ratee_name,
    ),
    "/office/cycles/{cycle_id:int}/qr": lambda i: (
        f"/office/cycles/{i.open}/qr",
        i.link_ratee_name,
    ),
    "/office/cycles/{cycle_id:int}/verification-codes": lambda i: (
        f"/office/cycles/{i.open}/verification-codes",
        "核验码",
    ),
    "/office/cycles/{cycle_id:int}/results": lambda i: (
        f"/office/cycles/{i.published}/results",
        i.town_name,
    ),
    "/office/cycles/{cycle_id:int}/personnel.xlsx": lambda i: (
        f"/office/cycles/{i.published}/personnel.xlsx",
        "PK",
    ),
    "/office/cycles/{cycle_id:int}/results.xlsx": lambda i: (
        f"/office/cycles/{i.published}/results.xlsx",
        "PK",
    ),
    "/office/cycles/{cycle_id:int}/publish": lambda i: (
        f"/office/cycles/{i.published}/publish",
        "发布后会发生什么",
    ),
    "/office/roster": lambda i: ("/office/roster", "花名册"),
    "/training/plans/{plan_id:int}/publish": lambda i: (
        f"/training/plans/{i.plan}/publish",
        "人次的培训安排",
    ),
    "/training/plans/{plan_id:int}/plan.xlsx": lambda i: (
        f"/training/plans/{i.plan}/plan.xlsx",
        "PK",
    ),
    "/office/cycles/{cycle_id:int}/move/{action:str}": lambda i: (
        f"/office/cycles/{i.open}/move/close",
        "确认后会发生什么",
    ),
    "/office/cycles/{cycle_id:int}/reminders": lambda i: (
        f"/office/cycles/{i.open}/reminders",
        "催办记录",
    ),
    "/office/cycles/{cycle_id:int}/reminders/confirm": lambda i: (
        f"/office/cycles/{i.open}/reminders/confirm?town={i.town_name}",
        "确认发出",
    ),
    "/office/cycles/{cycle_id:int}/reminders/{round_id:int}": lambda i: (
        f"/office/cycles/{i.open}/reminders/{i.reminder_round}",
        "打印各乡镇催办通知",
    ),
    "/office/cycles/{cycle_id:int}/reminders/{round_id:int}/notices": lambda i: (
        f"/office/cycles/{i.open}/reminders/{i.reminder_round}/notices",
        "县考核办",
    ),
    "/office/cycles/{cycle_id:int}/reminders/{round_id:int}/reminders.xlsx": lambda i: (
        f"/office/cycles/{i.open}/reminders/{i.reminder_round}/reminders.xlsx",
        "PK",
    ),
    "/office/rubrics": lambda i: ("/office/rubrics", "已发布的版本"),
    "/office/cadres": lambda i: (f"/office/cadres?q={i.spare_name}", i.spare_name),
    "/office/cadres/{cadre_id:int}": lambda i: (f"/office/cadres/{i.spare}", i.spare_name),
    "/office/rubrics/{version_id:int}/rubric.toml": lambda i: (
        f"/office/rubrics/{i.rubric_version}/rubric.toml",
        "[[competencies]]",
    ),
    "/office/rubrics/drafts/{draft_id:int}": lambda i: (
        f"/office/rubrics/drafts/{i.rubric_draft}",
        "编辑量表草稿",
    ),
    "/office/rubrics/drafts/{draft_id:int}/publish": lambda i: (
        f"/office/rubrics/drafts/{i.rubric_draft}/publish",
        "发布后会发生什么",
    ),
    "/office/roster/template.xlsx": lambda i: ("/office/roster/template.xlsx", "PK"),
    "/office/towns/{town_id:int}": lambda i: (f"/office/towns/{i.town}", i.town_name),
    "/r/{token:str}": lambda i: (f"/r/{i.token}", i.link_ratee_name),
    "/rate": lambda i: ("/rate", i.open_name),
    "/rate/{assignment_id:int}": lambda i: (f"/rate/{i.cadre_assignments[0]}", "提交"),
    "/rate/matrix/{cycle_id:int}": lambda i: (f"/rate/matrix/{i.open}", "提交填完的"),
    "/method": lambda i: ("/method", "可能范围"),
    "/results": lambda i: ("/results", i.published_name),
    "/results/{cycle_id:int}": lambda i: (f"/results/{i.published}", i.town_name),
    "/team": lambda i: ("/team", i.member_name),
    "/team/{member_id:int}/feedback": lambda i: (f"/team/{i.member}/feedback", i.member_name),
    "/team/{member_id:int}/plan": lambda i: (f"/team/{i.member}/plan", i.member_name),
    "/training": lambda i: ("/training", "培训"),
    "/training/catalogue": lambda i: ("/training/catalogue", i.offering_title),
    "/training/checkin/{token:str}": lambda i: (f"/training/checkin/{i.checkin_token}", "已签到"),
    "/training/effects": lambda i: ("/training/effects", "培训"),
    "/training/offerings/{offering_id:int}": lambda i: (
        f"/training/offerings/{i.offering}",
        "签到名单",
    ),
    "/training/offerings/{offering_id:int}/checkin-sheet": lambda i: (
        f"/training/offerings/{i.offering}/checkin-sheet",
        i.offering_title,
    ),
    "/training/plan": lambda i: ("/training/plan", "培训"),
    "/training/plan/jobs/{job_id:int}": lambda i: (
        f"/training/plan/jobs/{i.plan_job}",
        "方案已生成",
    ),
    "/visit": lambda i: ("/visit", i.open_name),
    "/scorecard": lambda i: ("/scorecard", "乡镇"),
    "/scorecard/{year:int}": lambda i: (f"/scorecard/{i.year}", i.sc_town_name),
    "/scorecard/{year:int}/plan": lambda i: (f"/scorecard/{i.year}/plan", "公共服务"),
    "/scorecard/{year:int}/contracts": lambda i: (f"/scorecard/{i.year}/contracts", i.sc_town_name),
    "/scorecard/{year:int}/contracts/{town_id:int}": lambda i: (
        f"/scorecard/{i.year}/contracts/{i.sc_town}",
        "绩效责任书",
    ),
    "/scorecard/{year:int}/review": lambda i: (f"/scorecard/{i.year}/review", i.flagged_town_name),
    "/scorecard/{year:int}/imports": lambda i: (f"/scorecard/{i.year}/imports", "12345"),
    "/scorecard/{year:int}/towns/{town_id:int}": lambda i: (
        f"/scorecard/{i.year}/towns/{i.sc_town}",
        i.sc_town_name,
    ),
    "/scorecard/attachments/{attachment_id:int}": lambda i: (
        f"/scorecard/attachments/{i.attachment}",
        "ledger",
    ),
    "/town": lambda i: ("/town", i.sc_town_name),
    "/town/report/{quarter:int}": lambda i: ("/town/report/4", "第 4 季度"),
    "/results/towns/{year:int}": lambda i: (f"/results/towns/{i.last_year}", "年终综合"),
    "/scorecard/{year:int}/projects": lambda i: (f"/scorecard/{i.year}/projects", "督办牌"),
    "/scorecard/{year:int}/followup": lambda i: (f"/scorecard/{i.year}/followup", "结果运用"),
    "/scorecard/{year:int}/groups": lambda i: (f"/scorecard/{i.year}/groups", "清江流域"),
    "/scorecard/{year:int}/appeals": lambda i: (f"/scorecard/{i.last_year}/appeals", "已定稿"),
    "/office/cycles/{cycle_id:int}/appeals": lambda i: (
        f"/office/cycles/{i.published}/appeals",
        "申诉复核",
    ),
    "/scorecard/{year:int}/exemptions": lambda i: (
        f"/scorecard/{i.year}/exemptions",
        "三个区分开来",
    ),
    "/visit/{ratee_id:int}": lambda i: (f"/visit/{i.visit_ratee}", i.visit_ratee_name),
}
# Pages a role reaches with a different id than the table's (its own assignment, say).
OWN: dict[tuple[str, str], Check] = {
    ("leader", "/api/assignments/{assignment_id:int}/form"): lambda i: (
        f"/api/assignments/{i.leader_assignment}/form",
        '"items"',
    ),
    ("leader", "/rate/{assignment_id:int}"): lambda i: (f"/rate/{i.leader_assignment}", "提交"),
    ("leader", "/me/feedback"): lambda i: ("/me/feedback", ""),
}
NOT_A_PAGE = {  # GET routes answered with a file or a redirect, checked below
    "/rate/report/{cycle_id:int}/{cadre_id:int}",
}


def allowed_roles(access: str) -> list[str | None]:
    if access == "public":
        return [None, *LOGINS]
    if access == "any":
        return list(LOGINS)
    return access.split(", ")


def test_every_get_route_has_a_check(demo: tuple) -> None:
    client, _, _ = demo
    gets = {
        path
        for (method, path), access in declared_access(client.app).items()
        if method == "GET" and not access.startswith("token ")  # tests/web/test_read_api.py
    }
    assert gets - set(PAGES) - NOT_A_PAGE == set()


@pytest.mark.parametrize("role", [None, *LOGINS])
def test_every_allowed_page_answers_with_its_content(demo: tuple, role: str | None) -> None:
    client, ids, _ = demo
    sign_in(client, role)
    started = client.post(  # a meeting-room session, for the /code pages
        "/code", data={"_csrf_token": token_of(client, "/code"), "code": ids.code}
    )
    assert started.status_code == 200, started.text[:300]
    failures = []
    for (method, path), access in sorted(declared_access(client.app).items()):
        if method != "GET" or path in NOT_A_PAGE or role not in allowed_roles(access):
            continue
        if path.startswith("/training/checkin/"):
            continue  # a scan that records attendance: among the writes
        url, expected = OWN.get((str(role), path), PAGES[path])(ids)
        answer = client.get(url)
        body = answer.content.decode("utf-8", "replace")
        if role == "leader" and path in PRINCIPAL_ONLY:  # a deputy head: refused, and told why
            if answer.status_code != 403 or "党委书记" not in body:
                failures.append((role, url, answer.status_code, "403 党委书记"))
            continue
        if answer.status_code != 200 or expected not in body or "<title>错误" in body:
            failures.append((role, url, answer.status_code, expected))
    assert failures == []


def test_the_town_principal_reads_the_principal_pages(demo: tuple) -> None:
    client, ids, _ = demo
    sign_in(client, PRINCIPAL_LOGIN)
    for path in sorted(PRINCIPAL_ONLY):
        url, expected = PAGES[path](ids)
        answer = client.get(url)
        assert answer.status_code == 200 and expected in answer.text, (url, answer.status_code)


def radios(client: TestClient, page: str, level: str = "3") -> dict[str, str]:
    """A form's hidden fields (its CSRF token among them) and every item at `level`."""
    html = client.get(page).text
    fields = {i.attrs["name"]: level for i in select(html, "input", type="radio")}
    fields.update(
        {i.attrs["name"]: i.attrs.get("value", "") for i in select(html, "input", type="hidden")}
    )
    return fields


def office_organisation_writes(client: TestClient, ids: Ids, did) -> None:  # type: ignore[no-untyped-def]
    """Correct, re-lead, transfer and retire a cadre nobody signs in as; save a town as is."""
    page = f"/office/cadres/{ids.spare}"
    edit = form_post(client, f"{page}/edit", page, name=ids.spare_name + "（更正）", rank="")
    did("POST", "/office/cadres/{cadre_id:int}/edit", edit)
    did(
        "POST",
        "/office/cadres/{cadre_id:int}/leaders",
        form_post(client, f"{page}/leaders", page, leaders=""),
    )
    did(
        "POST",
        "/office/cadres/{cadre_id:int}/transfer",
        form_post(
            client,
            f"{page}/transfer",
            page,
            town=str(ids.town),
            position="一般干部",
            effective_on="2026-12-01",
            reason="矩阵调动",
        ),
    )
    did(
        "POST",
        "/office/cadres/{cadre_id:int}/depart",
        form_post(client, f"{page}/depart", page, effective_on="2026-12-31", reason="矩阵离任"),
    )
    town = f"/office/towns/{ids.town}"
    did(
        "POST",
        "/office/towns/{town_id:int}/edit",
        form_post(client, f"{town}/edit", town, name=ids.town_name, town_type=ids.town_type),
    )


def office_rubric_writes(client: TestClient, ids: Ids, did) -> None:  # type: ignore[no-untyped-def]
    """Copy the rubric, change it, publish it; import a TOML file and discard that draft."""
    from evaluation.rubrics.editing import form_values, rubric_document
    from evaluation.rubrics.loader import load_default_rubric

    copied = form_post(client, f"/office/rubrics/{ids.rubric_version}/copy", "/office/rubrics")
    did("POST", "/office/rubrics/{version_id:int}/copy", copied)
    draft = copied.headers["location"]
    fields = form_values(rubric_document(load_default_rubric()))
    fields |= {"version": "2099.1", "c0.definition": fields["c0.definition"] + "（矩阵修订）"}
    did("POST", "/office/rubrics/drafts/{draft_id:int}", form_post(client, draft, draft, **fields))
    did(
        "POST",
        "/office/rubrics/drafts/{draft_id:int}/publish",
        form_post(client, f"{draft}/publish", f"{draft}/publish"),
    )
    exported = client.get(f"/office/rubrics/{ids.rubric_version}/rubric.toml").text
    imported = client.post(
        "/office/rubrics/import",
        files={
            "file": ("r.toml", exported.replace("version = ", 'version = "2098.1"\n#').encode())
        },
        data={"_csrf_token": token_of(client, "/office/rubrics")},
        follow_redirects=False,
    )
    did("POST", "/office/rubrics/import", imported)
    did(
        "POST",
        "/office/rubrics/drafts/{draft_id:int}/discard",
        form_post(client, f"{imported.headers['location']}/discard", "/office/rubrics"),
    )


@dataclass
class Week:
    """The county's week on the demo, told chapter by chapter: each chapter writes through the
    routes its roles use, `did` records each route and checks its answer; `kept` carries what a
    later chapter reads (a page's address, the year)."""

    client: TestClient
    ids: Ids
    url: str
    before: dict[str, int]
    done: set[tuple[str, str]] = field(default_factory=set)
    kept: dict[str, Any] = field(default_factory=dict)
    ran: set[str] = field(default_factory=set)

    def did(self, method: str, path: str, answer, ok=(200, 201, 204, 302, 303)) -> None:  # type: ignore[no-untyped-def]
        main = answer.text.split("<main", 1)[-1]  # the page's own words, for a failure to say
        assert answer.status_code in ok, (method, path, answer.status_code, main[:1500])
        assert "<title>错误" not in answer.text, (method, path)
        self.done.add((method, path))

    def through(self, chapter: Callable[[Week], None]) -> None:
        """Tell the week up to and including `chapter` (each chapter once, in order), so any
        one case can run alone."""
        for earlier in CHAPTERS[: CHAPTERS.index(chapter) + 1]:
            if earlier.__name__ not in self.ran:
                self.ran.add(earlier.__name__)
                earlier(self)


def no_account(week: Week) -> None:
    """Residents and meeting-room raters: no account."""
    client, ids, did = week.client, week.ids, week.did
    sign_in(client, None)
    form = client.get(f"/api/r/{ids.token}/form").json()
    body = {"answers": {str(i["id"]): 4 for i in form["items"]}, "client_key": "matrix-resident-1"}
    did(
        "POST",
        "/api/r/{token:str}/responses",
        client.post(f"/api/r/{ids.token}/responses", json=body),
        (201,),
    )
    client.cookies.clear()
    did(
        "POST",
        "/r/{token:str}",
        client.post(f"/r/{ids.token}", data=radios(client, f"/r/{ids.token}", "4")),
    )
    did("POST", "/code", form_post(client, "/code", "/code", code=ids.code))
    ballot = radios(client, f"/code/rate/{ids.code_ratee}")
    sent = client.post(
        f"/code/rate/{ids.code_ratee}",
        data={"_csrf_token": token_of(client, "/code/rate"), **ballot},
        follow_redirects=False,
    )
    did("POST", "/code/rate/{ratee_id:int}", sent)
    assert "已评价" in client.get("/code/rate").text
    did("POST", "/code/finish", form_post(client, "/code/finish", "/code/rate"))
    did(
        "POST",
        "/login",
        client.post(
            "/login",
            data={
                "_csrf_token": token_of(client, "/login"),
                "username": "cadre",
                "password": DEMO_PASSWORD,
            },
            follow_redirects=False,
        ),
    )


def the_cadre(week: Week) -> None:
    """The demo cadre: drafts, the API, a work report, the training feedback, a check-in."""
    client, ids, done, did = week.client, week.ids, week.done, week.did
    first, second = ids.cadre_assignments
    api_form = client.get(f"/api/assignments/{first}/form").json()
    answers = {str(i["id"]): 3 for i in api_form["items"]}
    did(
        "PUT",
        "/api/assignments/{assignment_id:int}/draft",
        client.put(f"/api/assignments/{first}/draft", json={"answers": answers}),
    )
    did(
        "POST",
        "/api/assignments/{assignment_id:int}/response",
        client.post(
            f"/api/assignments/{first}/response",
            json={"answers": answers, "client_key": "matrix-cadre-01"},
        ),
        (201,),
    )
    report = client.post(
        f"/rate/report/{ids.open}",
        data={"_csrf_token": token_of(client, "/rate")},
        files={"report": ("述职报告.txt", "一年来的主要工作……".encode(), "text/plain")},
        follow_redirects=False,
    )
    did("POST", "/rate/report/{cycle_id:int}", report)
    own_report = client.get(f"/rate/report/{ids.open}/{ids.cadre_cadre}")
    assert own_report.status_code == 200 and "主要工作" in own_report.text
    done.add(("GET", "/rate/report/{cycle_id:int}/{cadre_id:int}"))
    checked_in = client.get(f"/training/checkin/{ids.checkin_token}", follow_redirects=False)
    did("GET", "/training/checkin/{token:str}", checked_in)
    did(
        "POST",
        "/me/training/{enrolment_id:int}/feedback",
        form_post(
            client,
            f"/me/training/{ids.enrolment}/feedback",
            "/me/training",
            reaction="4",
            usefulness="5",
            comment="案例实用",
        ),
    )
    did(
        "POST",
        "/rate/{assignment_id:int}",
        form_post(
            client, f"/rate/{second}", f"/rate/{second}", **radios(client, f"/rate/{second}")
        ),
    )
    did("POST", "/logout", form_post(client, "/logout", "/rate"))


def the_leader(week: Week) -> None:
    """The leader rates from the form, and agrees a member's development plan (which the
    member sent first and checks in on after)."""
    client, ids = week.client, week.ids
    sign_in(client, "cadre")
    plan = client.get("/me/plan").text
    first = re.search(r'<option value="(\w+)" selected>', plan)
    assert first is not None  # the first weakness, chosen already
    week.did(
        "POST",
        "/me/plan",
        form_post(
            client,
            "/me/plan",
            "/me/plan",
            goal1_competency=first.group(1),
            goal1_target="4",
            goal1_actions="每月参加一次群众接待日，整理诉求台账并跟踪办结",
            action="send",
        ),
    )
    sign_in(client, "leader")
    mine = f"/team/{ids.cadre_cadre}/plan"
    week.did("POST", "/team/{member_id:int}/plan", form_post(client, mine, mine, decision="agree"))
    sign_in(client, "cadre")
    note = re.search(r'name="(note_\w+)"', client.get("/me/plan").text)
    assert note is not None
    week.did(
        "POST",
        "/me/plan/checkin",
        form_post(client, "/me/plan/checkin", "/me/plan", **{note.group(1): "已参加三次接待日"}),
    )
    sign_in(client, "leader")
    page = f"/rate/{ids.leader_assignment}"
    assert form_post(client, page, page, **radios(client, page)).status_code == 302
    matrix = f"/rate/matrix/{ids.open}"
    group = re.search(r'name="group" value="(\w+)"', client.get(matrix).text)
    assert group is not None
    week.did(
        "POST",
        "/rate/matrix/{cycle_id:int}",
        form_post(client, matrix, matrix, group=group.group(1), action="draft"),
    )


def the_mystery_visitor(week: Week) -> None:
    """The mystery visitor."""
    client, ids, did = week.client, week.ids, week.did
    sign_in(client, "mystery")
    visit = f"/visit/{ids.visit_ratee}"
    did(
        "POST",
        "/visit/{ratee_id:int}",
        form_post(client, visit, visit, **radios(client, visit), visit_note="窗口暗访"),
    )
    did(
        "POST",
        "/account/password",
        form_post(
            client,
            "/account/password",
            "/account/password",
            current=DEMO_PASSWORD,
            new=NEW_PASSWORD,
            confirm=NEW_PASSWORD,
        ),
    )


def the_exchange_session(week: Week) -> None:
    """The training office turns an exchange pair into a session while the demo's newest published cycle (the one the pairing reads) is still the newest."""
    client, did = week.client, week.did
    sign_in(client, "training_office")
    plan_page = client.get("/training/plan").text
    pair = select(plan_page, "input", name="pair")[0].attrs["value"]  # one exchange pair
    did(
        "POST",
        "/training/exchanges",
        form_post(
            client,
            "/training/exchanges",
            "/training/plan",
            cycle=select(plan_page, "input", type="hidden", name="cycle")[0].attrs["value"],
            pair=pair,
            first_day="2099-05-04",
            capacity="12",
        ),
    )
    week.kept.update(plan_page=plan_page)


def the_assessment_office(week: Week) -> None:
    """The assessment office."""
    client, ids, url, did = week.client, week.ids, week.url, week.did
    sign_in(client, "assessment_office")
    base = f"/office/cycles/{ids.open}"
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/codes",
        form_post(
            client,
            f"{base}/codes",
            f"{base}/codes",
            town=str(ids.town),
            rater_group="peer",
            size="2",
            label="补充测评",
        ),
    )
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/verification-codes",
        form_post(
            client,
            f"{base}/verification-codes",
            f"{base}/verification-codes",
            town=str(ids.town),
            size="2",
        ),
    )
    paper = client.get(f"{base}/paper")
    assert paper.status_code == 200
    paper_form = f"{base}/paper?ratee=T001-002&group=peer&label=纸质第1批"
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/paper",
        form_post(
            client,
            f"{base}/paper",
            paper_form,
            ratee="T001-002",
            group="peer",
            label="纸质第1批",
            **{k: v for k, v in radios(client, paper_form).items() if k.startswith("level_")},
        ),
    )
    evidence = "干部编号,指标,期间,数值\nT001-002,hotline_response_hours,2026,12\n".encode()
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/evidence",
        client.post(
            f"{base}/evidence",
            data={"_csrf_token": token_of(client, f"{base}/evidence")},
            files={"file": ("e.csv", evidence, "text/csv")},
            follow_redirects=False,
        ),
    )
    did(
        "POST",
        "/api/cycles/{cycle_id:int}/evidence",
        client.post(
            f"/api/cycles/{ids.open}/evidence",
            json={
                "rows": [
                    {
                        "cadre_id": "T001-003",
                        "indicator": "hotline_response_hours",
                        "period": "2026",
                        "value": 20,
                    }
                ]
            },
            headers={"x-csrftoken": token_of(client, "/office")},
        ),
        (200, 201),
    )
    did(
        "POST",
        "/office/assignments/{assignment_id:int}/remove",
        form_post(
            client,
            f"/office/assignments/{ids.removable}/remove",
            f"{base}/assignments",
            reason="调离本镇",
        ),
    )
    did(
        "POST",
        "/office/resident-links/{link_id:int}/revoke",
        form_post(client, f"/office/resident-links/{ids.link_id}/revoke", f"{base}/qr/{ids.town}"),
    )
    did(
        "POST",
        "/office/flags/{flag_id:int}",
        form_post(client, f"/office/flags/{ids.flag}", f"{base}/flags", decision="excluded"),
    )
    preview = client.post(
        "/office/roster/preview",
        data={"_csrf_token": token_of(client, "/office/roster")},
        files={"file": ("花名册.xlsx", ids.roster_xlsx, "application/octet-stream")},
    )
    did("POST", "/office/roster/preview", preview)
    payload = base64.b64encode(ids.roster_xlsx).decode()
    did(
        "POST",
        "/office/roster/import",
        form_post(
            client,
            "/office/roster/import",
            "/office/roster",
            payload=payload,
            filename="花名册.xlsx",
        ),
    )
    office_rubric_writes(client, ids, did)
    office_organisation_writes(client, ids, did)
    reminders_page = f"/office/cycles/{ids.open}/reminders"
    from evaluation import clock

    saved_wall = clock.WALL
    clock.WALL = lambda: clock.real_wall() + dt.timedelta(minutes=11)  # rounds 10 min apart
    try:
        did(
            "POST",
            "/office/cycles/{cycle_id:int}/reminders",
            form_post(client, reminders_page, reminders_page),
        )
    finally:
        clock.WALL = saved_wall
    new_form = client.get("/office/cycles/new").text
    rubric = (
        select(new_form, "option")[0].attrs["value"]
        if select(new_form, "select", id="rubric")
        else "1"
    )
    created = form_post(
        client,
        "/office/cycles/new",
        "/office/cycles/new",
        name="2027年第一季度评价",
        period="quarterly",
        year="2027",
        quarter="1",
        rubric=rubric,
        opens_on="2027-03-01",
        closes_on="2027-03-20",
        remind_on="2027-03-15",
        peers_per_cadre="3",
        weight_superior="40",
        weight_peer="30",
        weight_resident="30",
    )
    did("POST", "/office/cycles/new", created)
    draft = created.headers["location"].rstrip("/")
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/weights",
        form_post(
            client,
            f"{draft}/weights",
            draft,
            weight_superior="35",
            weight_peer="35",
            weight_resident="30",
        ),
    )
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/assignments/generate",
        form_post(client, f"{draft}/assignments/generate", draft),
    )
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/assignments/add",
        form_post(
            client,
            f"{draft}/assignments/add",
            f"{draft}/assignments",
            rater="T001-003",
            ratee="T002-004",
            rater_group="peer",
            reason="跨镇交流",
        ),
    )
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/move",
        form_post(client, f"{draft}/move", draft, action="open"),
    )
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/cases",
        form_post(
            client,
            f"/office/cycles/{ids.published}/cases",
            f"/office/cycles/{ids.published}/results",
            title="便民服务中心延时服务",
            body="群众办事等候时间明显缩短。",
            town=str(ids.town),
        ),
    )
    note = run_blocking(latest_case_note(url))
    did(
        "POST",
        "/office/cases/{note_id:int}/edit",
        form_post(
            client,
            f"/office/cases/{note}/edit",
            f"/office/cycles/{ids.published}/results",
            title="便民服务中心延时服务（更正）",
            body="群众办事等候时间明显缩短，周末也可办理。",
            town="",
        ),
    )
    did(
        "POST",
        "/office/cases/{note_id:int}/withdraw",
        form_post(
            client, f"/office/cases/{note}/withdraw", f"/office/cycles/{ids.published}/results"
        ),
    )
    assert form_post(client, f"{base}/move", base, action="close").status_code in (302, 303)
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/results/compute",
        form_post(client, f"{base}/results/compute", base),
    )
    did(
        "POST",
        "/office/cycles/{cycle_id:int}/results/publish",
        # the demo's open cycle is below its 60% rate: publishing it needs a written reason
        form_post(
            client, f"{base}/results/publish", f"{base}/publish", reason="矩阵测试：按期发布"
        ),
    )
    assert "已公布" in client.get(base).text or "published" in client.get(base).text


def the_scorecard_office(week: Week) -> None:
    """The township scorecard: the office plans next year, adjusts, checks and imports."""
    client, ids, did = week.client, week.ids, week.did
    plan_page = week.kept["plan_page"]
    year = ids.year
    did(
        "POST",
        "/scorecard/{year:int}/plan/draft",
        form_post(client, f"/scorecard/{year + 1}/plan/draft", f"/scorecard/{year}/plan"),
    )
    plan_page = client.get(f"/scorecard/{year + 1}/plan").text
    weights = next(
        f.attrs["action"]
        for f in select(plan_page, "form")
        if f.attrs.get("action", "").endswith("/weights")
    )
    fields = {
        i.attrs["name"]: i.attrs.get("value", "")
        for i in select(plan_page, "input")
        if i.attrs.get("name", "").startswith(("dim_", "ind_"))
    }
    fields.update(dim_finance="20", dim_service="40", note="矩阵调整")
    did(
        "POST",
        "/scorecard/plans/{plan_id:int}/weights",
        form_post(client, weights, f"/scorecard/{year + 1}/plan", **fields),
    )
    did(
        "POST",
        "/scorecard/plans/{plan_id:int}/publish",
        form_post(client, weights.replace("/weights", "/publish"), f"/scorecard/{year + 1}/plan"),
    )
    contract = f"/scorecard/{year}/contracts/{ids.sc_town}"
    did(
        "POST",
        "/scorecard/{year:int}/contracts/{town_id:int}/targets",
        form_post(
            client,
            f"{contract}/targets",
            contract,
            indicator="fixed_investment",
            target="90000",
            reason="重大项目落地，上调目标",
        ),
    )
    did(
        "POST",
        "/scorecard/values/{value_id:int}/review",
        form_post(
            client,
            f"/scorecard/values/{ids.flagged_value}/review",
            f"/scorecard/{year}/review",
            decision="confirm",
            value="",
            reason="已核对原始台账",
        ),
    )
    hotline = (
        "工单编号,所属乡镇,受理时间,办结时间\n"
        f"M1,{ids.sc_town_name},{year}-11-02 09:00:00,{year}-11-03 10:00:00\n"
    )
    did(
        "POST",
        "/scorecard/{year:int}/imports",
        client.post(
            f"/scorecard/{year}/imports",
            data={
                "_csrf_token": token_of(client, f"/scorecard/{year}/imports"),
                "source": "hotline_12345",
            },
            files={"file": ("12345.csv", hotline.encode(), "text/csv")},
            follow_redirects=False,
        ),
    )
    did(
        "POST",
        "/scorecard/{year:int}/towns/{town_id:int}/year-end",
        form_post(
            client,
            f"/scorecard/{year}/towns/{ids.sc_town}/year-end",
            f"/scorecard/{year}/towns/{ids.sc_town}",
            field_check="88",
            third_party="90",
        ),
    )
    projects_page = f"/scorecard/{year}/projects"
    did(
        "POST",
        "/scorecard/{year:int}/projects",
        form_post(
            client,
            projects_page,
            projects_page,
            town=str(ids.sc_town),
            name="矩阵测试项目",
            starts_on=f"{year}-01-01",
            ends_on=f"{year}-12-31",
        ),
    )
    new_project = max(
        int(f.attrs["action"].split("/")[3])
        for f in select(client.get(projects_page).text, "form")
        if f.attrs.get("action", "").endswith("/milestones")
    )
    milestones_before = {
        f.attrs["action"]
        for f in select(client.get(projects_page).text, "form")
        if f.attrs.get("action", "").endswith("/card")
    }
    did(
        "POST",
        "/scorecard/projects/{project_id:int}/milestones",
        form_post(
            client,
            f"/scorecard/projects/{new_project}/milestones",
            projects_page,
            due_on=f"{year}-12-20",
            deliverable="完成立项",
            responsible="分管副镇长",
            evidence_required="批复文件",
        ),
    )
    new_milestone = next(
        f.attrs["action"].split("/")[3]
        for f in select(client.get(projects_page).text, "form")
        if f.attrs.get("action", "").endswith("/card")
        and f.attrs["action"] not in milestones_before
    )
    did(
        "POST",
        "/scorecard/milestones/{milestone_id:int}/card",
        form_post(
            client,
            f"/scorecard/milestones/{new_milestone}/card",
            projects_page,
            colour="yellow",
            reason="立项材料不全，预警",
        ),
    )
    week.kept.update(contract=contract, plan_page=plan_page, year=year)


def the_town_secretary(week: Week) -> None:
    """The town's 党委书记 signs the adjusted contract; the reporter sends the quarter again."""
    client, did = week.client, week.did
    contract = week.kept["contract"]
    sign_in(client, PRINCIPAL_LOGIN)
    did(
        "POST",
        "/scorecard/{year:int}/contracts/{town_id:int}/confirm",
        form_post(client, f"{contract}/confirm", contract),
    )
    sign_in(client, "reporter")
    report_page = client.get("/town/report/4").text
    values = {
        i.attrs["name"]: i.attrs.get("value", "")
        for i in select(report_page, "input")
        if i.attrs.get("name", "").startswith(("v_", "n_"))
    }
    first_code = next(k for k in values if k.startswith("v_")).removeprefix("v_")
    did(
        "POST",
        "/town/report/{quarter:int}",
        client.post(
            "/town/report/4",
            data={"_csrf_token": token_of(client, "/town/report/4"), **values},
            files={f"f_{first_code}": ("说明.txt", "补充说明".encode(), "text/plain")},
            follow_redirects=False,
        ),
    )


def the_town_reporter(week: Week) -> None:
    """The reporter answers the town's yellow card, rectifies it; asks to exempt a red one."""
    client, ids, url, did = week.client, week.ids, week.url, week.did
    year = week.kept["year"]
    yellow = next(c for c in ids.cards if c[1] == ids.sc_town and c[2] == "yellow")[0]
    did(
        "POST",
        "/town/cards/{card_id:int}/plan",
        form_post(
            client,
            f"/town/cards/{yellow}/plan",
            "/town",
            plan_text="十二月五日前完成自助终端安装调试并验收",
        ),
    )
    did(
        "POST",
        "/town/cards/{card_id:int}/rectify",
        form_post(client, f"/town/cards/{yellow}/rectify", "/town", evidence="验收单已上传"),
    )
    milestone = run_blocking(open_milestone_of(url, ids.sc_town))
    did(
        "POST",
        "/town/milestones/{milestone_id:int}/done",
        form_post(
            client,
            f"/town/milestones/{milestone}/done",
            "/town",
            done_on=run_blocking(today_in_app()).isoformat(),
            done_evidence="验收单、现场照片已上传",
        ),
    )
    run_blocking(make_red_card_for(url, ids.sc_town))
    red = run_blocking(red_card_of(url, ids.sc_town))
    did(
        "POST",
        "/town/cards/{card_id:int}/exemption",
        form_post(
            client,
            f"/town/cards/{red}/exemption",
            "/town",
            reform="便民服务“一窗通办”改革试点",
            reason="系统切换期间设备供应商调整，节点顺延属改革探索",
        ),
    )
    sign_in(client, "assessment_office")
    did(
        "POST",
        "/scorecard/milestones/{milestone_id:int}/done-review",
        form_post(
            client,
            f"/scorecard/milestones/{milestone}/done-review",
            f"/scorecard/{year}/projects",
            decision="accept",
        ),
    )
    did(
        "POST",
        "/scorecard/cards/{card_id:int}/close",
        form_post(client, f"/scorecard/cards/{yellow}/close", f"/scorecard/{year}/projects"),
    )
    exemption = run_blocking(pending_exemption(url))
    did(
        "POST",
        "/scorecard/exemptions/{exemption_id:int}/decide",
        form_post(
            client,
            f"/scorecard/exemptions/{exemption}/decide",
            f"/scorecard/{year}/exemptions",
            decision="reject",
            decision_reason="未提供改革试点的批复文件",
        ),
    )


def results_in_use(week: Week) -> None:
    """结果运用: a 约谈 and a 督导 task for a town; last year's commitments reviewed."""
    client, ids, did = week.client, week.ids, week.did
    year = week.kept["year"]
    followup = f"/scorecard/{year}/followup"
    did(
        "POST",
        "/scorecard/{year:int}/interviews",
        form_post(
            client,
            f"/scorecard/{year}/interviews",
            followup,
            town=str(ids.sc_town),
            held_on=f"{year}-11-18",
            held_by="县委副书记",
            issues="重点项目推进滞后，整改不到位。",
            commitments="月底前完成整改",
        ),
    )
    did(
        "POST",
        "/scorecard/{year:int}/supervisions",
        form_post(
            client,
            f"/scorecard/{year}/supervisions",
            followup,
            town=str(ids.sc_town),
            title="重点项目专项督导",
            due_on=f"{year}-12-31",
        ),
    )
    groups = f"/scorecard/{year}/groups"
    did(
        "POST",
        "/scorecard/{year:int}/groups/{code:str}/members",
        client.post(
            f"{groups}/qingjiang_basin/members",
            data={
                "_csrf_token": token_of(client, groups),
                "towns": [str(ids.town), str(ids.town + 1)],  # two of the demo's towns
            },
            follow_redirects=False,
        ),
    )
    followup_page = client.get(followup).text
    actions = [f.attrs["action"] for f in select(followup_page, "form")]
    did(
        "POST",
        "/scorecard/supervisions/{task_id:int}/close",
        form_post(
            client,
            next(a for a in actions if a.endswith("/close")),
            followup,
            closing_note="已整改到位",
        ),
    )
    did(
        "POST",
        "/scorecard/interviews/{interview_id:int}/review",
        form_post(
            client,
            next(a for a in actions if a.endswith("/review")),
            followup,
            outcome="met",
            outcome_note="承诺事项均已完成",
        ),
    )


def cadre_publicity(week: Week) -> None:
    """公示: the demo cadre objects to the result just published; the office answers; the cadre applies for an exemption on a red card of their own town."""
    client, ids, url, did = week.client, week.ids, week.url, week.did
    sign_in(client, "cadre")
    did(
        "POST",
        "/me/appeals",
        form_post(
            client,
            "/me/appeals",
            "/account/password",
            cycle=str(ids.open),
            competency="",
            reason="本人岗位调整，对综合结果有异议，请复核",
        ),
    )
    run_blocking(make_red_card_for(url, ids.cadre_town))
    did(
        "POST",
        "/me/cards/{card_id:int}/exemption",
        form_post(
            client,
            f"/me/cards/{run_blocking(red_card_of(url, ids.cadre_town))}/exemption",
            "/me",
            reform="村级道路建设“以奖代补”改革",
            reason="改革试点期间资金拨付方式调整，节点顺延",
        ),
    )
    sign_in(client, "assessment_office")
    appeals_page = client.get(f"/office/cycles/{ids.open}/appeals").text
    did(
        "POST",
        "/office/appeals/{appeal_id:int}/decide",
        form_post(
            client,
            next(
                f.attrs["action"]
                for f in select(appeals_page, "form")
                if "/appeals/" in f.attrs["action"]
            ),
            f"/office/cycles/{ids.open}/appeals",
            decision="reject",
            decision_reason="综合结果按规定权重计算，无误",
        ),
    )


def town_year_publicity(week: Week) -> None:
    """公示 of the towns' year results, on days inside last year's period and after this year's fourth quarter (the app's clock moved; the suite's date is put back after)."""
    client, url, did = week.client, week.url, week.did
    year = week.kept["year"]
    ends_on = run_blocking(publicity_end(url, year - 1))
    last_page = f"/town?year={year - 1}"
    with dated_client(url, ends_on - dt.timedelta(days=1)) as dated:
        sign_in(dated, "reporter")
        did(
            "POST",
            "/town/appeals",
            form_post(
                dated,
                "/town/appeals",
                last_page,
                year=str(year - 1),
                indicator="",
                reason="年度结果与本镇台账不一致，请复核",
            ),
        )
        sign_in(dated, "assessment_office")
        appeals = f"/scorecard/{year - 1}/appeals"
        decide = next(
            f.attrs["action"]
            for f in select(dated.get(appeals).text, "form")
            if f.attrs["action"].endswith("/decide")
        )
        did(
            "POST",
            "/scorecard/appeals/{appeal_id:int}/decide",
            form_post(
                dated, decide, appeals, decision="reject", decision_reason="台账已核对，无误"
            ),
        )
    run_blocking(complete_year(url, year))  # a year is published only once it is complete
    with dated_client(url, dt.date(year + 1, 1, 20)) as dated:
        sign_in(dated, "assessment_office")
        did(
            "POST",
            "/scorecard/{year:int}/results/publish",
            form_post(dated, f"/scorecard/{year}/results/publish", f"/scorecard/{year}"),
        )
    apply_clock(load_settings(dict(os.environ)))
    sign_in(client, "assessment_office")


def the_training_office(week: Week) -> None:
    """The training office."""
    client, ids, did = week.client, week.ids, week.did
    plan_page = week.kept["plan_page"]
    sign_in(client, "training_office")
    did(
        "POST",
        "/training/offerings",
        form_post(
            client,
            "/training/offerings",
            "/training/catalogue",
            title="矩阵测试培训",
            kind="专题培训",
            competencies="数字化治理能力",
            day="2099-04-01",
            capacity="30",
        ),
    )
    sheet = io.BytesIO()
    pl.DataFrame(
        {
            "名称": ["矩阵夜校"],
            "针对能力": ["数字化治理能力"],
            "日期": ["2099-04-02"],
            "座位": ["20"],
        }
    ).write_excel(sheet)
    did(
        "POST",
        "/training/catalogue/import",
        client.post(
            "/training/catalogue/import",
            data={"_csrf_token": token_of(client, "/training/catalogue")},
            files={"file": ("目录.xlsx", sheet.getvalue(), "application/octet-stream")},
            follow_redirects=False,
        ),
    )
    run = form_post(
        client,
        "/training/plan/run",
        "/training/plan",
        cycle=str(ids.open),
        per_cadre="2",
        budget="",
        town_share="50",
        pinned="",
        excluded="",
    )
    did("POST", "/training/plan/run", run)
    job = finished_job(client, run)
    assert 'data-status="done"' in job.text, job.text.split("<main", 1)[-1][:1500]
    # the run has finished, so its cancel is refused — by the guard-passing handler, not a 403
    did(
        "POST",
        "/training/plan/jobs/{job_id:int}/cancel",
        form_post(client, f"{job.url.path}/cancel", job.url.path),
        (409,),
    )
    plan_page = client.get("/training/plan").text
    publish = next(
        a.attrs["href"] for a in select(plan_page, "a") if a.attrs.get("id") == "publish"
    )
    did(
        "POST",
        "/training/plans/{plan_id:int}/publish",
        form_post(client, publish, publish),  # from its confirmation page
    )
    # a session of the new plan: the office adds the demo cadre (chosen from the page's list)
    # and records an apology for someone seated; the cadre then sends their own
    offering, seated = run_blocking(upcoming_session(week.url, ids.cadre_cadre))
    page = f"/training/offerings/{offering}"
    options = [o.attrs["value"] for o in select(client.get(page).text, "option")]
    assert str(ids.cadre_cadre) in options
    did(
        "POST",
        "/training/offerings/{offering_id:int}/waitlist",
        form_post(client, f"{page}/waitlist", page, cadre=str(ids.cadre_cadre)),
    )
    did(
        "POST",
        "/training/enrolments/{enrolment_id:int}/cancel",
        form_post(
            client,
            f"/training/enrolments/{seated}/cancel",
            page,
            offering=str(offering),
            reason="电话请假：防汛值班",
        ),
    )
    sign_in(client, "cadre")
    mine = next(
        f.attrs["action"]
        for f in select(client.get("/me/training").text, "form")
        if f.attrs["action"].endswith("/cancel")
    )
    did(
        "POST",
        "/me/training/{enrolment_id:int}/cancel",
        form_post(client, mine, "/me/training", reason="下乡督查"),
    )
    sign_in(client, "training_office")


def the_admin(week: Week) -> None:
    """The admin."""
    client, ids, url, before, did = week.client, week.ids, week.url, week.before, week.did
    sign_in(client, "admin")
    did(
        "POST",
        "/admin/users/new",
        form_post(
            client,
            "/admin/users/new",
            "/admin/users/new",
            username="matrix-user",
            display_name="矩阵",
            role="cadre",
            cadre="T002-005",
        ),
    )
    matrix_user = run_blocking(user_id_of(week.url, "matrix-user"))
    reset = form_post(client, f"/admin/users/{matrix_user}/reset-password", "/admin/users")
    did("POST", "/admin/users/{user_id:int}/reset-password", reset)
    assert "matrix-user" in reset.text
    issued = client.post(
        "/admin/tokens",
        data={
            "_csrf_token": token_of(client, "/admin/tokens"),
            "name": "矩阵系统",
            "scopes": "roster:read",
        },
        follow_redirects=False,
    )
    did("POST", "/admin/tokens", issued)
    matrix_token = run_blocking(api_token_id(week.url))
    did(
        "POST",
        "/admin/tokens/{token_id:int}/revoke",
        form_post(client, f"/admin/tokens/{matrix_token}/revoke", "/admin/tokens"),
    )
    pushing = client.post(
        "/admin/tokens",
        data={
            "_csrf_token": token_of(client, "/admin/tokens"),
            "name": "矩阵推送",
            "scopes": "scorecard:write",
        },
    )
    pusher = {"Authorization": f"Bearer {select(pushing.text, 'p', id='token')[0].text}"}
    sources = f"/api/v1/scorecard/{ids.year}/sources"
    value = {"town": ids.sc_town_name, "quarter": 4, "indicator": "environment", "unit": "%"}
    did(
        "POST",
        "/api/v1/scorecard/{year:int}/sources/{source:str}/values",
        client.post(
            f"{sources}/environment/values",
            json={"values": [value | {"value": 91.5}]},
            headers=pusher,
        ),
    )
    event = {"事件编号": "M1", "所属乡镇": ids.sc_town_name, "上报时间": f"{ids.year}-11-02 09:00"}
    did(
        "POST",
        "/api/v1/scorecard/{year:int}/sources/{source:str}/records",
        client.post(
            f"{sources}/grid/records",
            json={"records": [event | {"按期办结": "是", "事件等级": "一般"}]},
            headers=pusher,
        ),
    )
    bulk = client.post(
        "/admin/accounts/bulk",
        data={"_csrf_token": token_of(client, "/admin/accounts/bulk"), "towns": str(ids.town)},
        follow_redirects=False,
    )
    did("POST", "/admin/accounts/bulk", bulk)
    bulk_accounts = bulk.text.count('class="login-slip"')
    assert bulk_accounts > 0
    did(
        "POST",
        "/admin/accounts/reset/{town_id:int}",
        form_post(client, f"/admin/accounts/reset/{ids.town}", f"/admin/accounts/reset/{ids.town}"),
    )

    sign_in(client, "mystery", NEW_PASSWORD)  # the visitor's new password works

    after = run_blocking(stored_counts(url))
    changed = {
        k: after.get(k, 0) - before.get(k, 0)
        for k in after.keys() | before.keys()
        if after.get(k, 0) != before.get(k, 0)
    }
    assert changed.pop("enrolment:not") > 0  # the new plan's enrolments
    assert changed.pop("scorecard_target") > 0  # next year's contracts
    week.kept.update(bulk_accounts=bulk_accounts, changed=changed)


def the_field_checker(week: Week) -> None:
    """The 核查组 confirms one of the reporter's town's figures on site."""
    client, ids = week.client, week.ids
    sign_in(client, "field_checker")
    sheet = f"/check/{ids.sc_town}"
    action = next(
        f.attrs["action"]
        for f in select(client.get(sheet).text, "form")
        if f.attrs.get("action", "").startswith("/check/values/")
    )
    week.did(
        "POST",
        "/check/values/{value_id:int}",
        client.post(
            action,
            data={
                "_csrf_token": token_of(client, sheet),
                "decision": "confirm",
                "note": "现场查看台账，与填报一致",
            },
            files={"photo": ("台账.png", PNG, "image/png")},
            follow_redirects=False,
        ),
    )
    sign_in(client, "assessment_office")  # as the reporter's chapter left it


CHAPTERS: list[Callable[[Week], None]] = [
    no_account,
    the_cadre,
    the_leader,
    the_mystery_visitor,
    the_exchange_session,
    the_assessment_office,
    the_scorecard_office,
    the_town_secretary,
    the_town_reporter,
    the_field_checker,
    results_in_use,
    cadre_publicity,
    town_year_publicity,
    the_training_office,
    the_admin,
]


@pytest.fixture(scope="module")
def week(demo: tuple) -> Week:
    client, ids, url = demo
    return Week(client, ids, url, run_blocking(stored_counts(url)))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.__name__ for c in CHAPTERS])
def test_every_write_route_works_for_a_role_allowed_to_call_it(
    week: Week, chapter: Callable[[Week], None]
) -> None:
    """One write per route, each by an allowed role, in the chapter of the week it belongs to."""
    week.through(chapter)


def test_the_week_changed_what_it_should_and_called_every_write_route(week: Week) -> None:
    week.through(CHAPTERS[-1])
    client, done = week.client, week.done
    bulk_accounts, changed = week.kept["bulk_accounts"], week.kept["changed"]
    # the office's own 核查 and those complete_year settles: as many as the checks flagged
    assert changed.pop("scorecard_review") >= 1
    assert (
        changed
        == {
            "response:qr": 2,
            "response:code": 1,
            "response:online": 3,  # the cadre's API and form answers, the leader's form
            "response:mystery": 1,
            "response:paper": 1,
            "evidence": 2,
            "cycle": 1,
            "cycle:published": 1,
            "code_batch": 1,
            "verification_code": 2,
            "offering": 3,  # the form's, the sheet's and one exchange session
            "training_plan": 1,
            "training_plan:published": 1,
            "account_user": 1 + bulk_accounts,
            "session_feedback": 1,
            "response_flag:pending": -1,
            "response_flag:decided": 1,
            "resident_link:live": -1,
            "resident_link:revoked": 1,
            "assignment:removed": 1,
            "case_note": 1,
            "case_note:withdrawn": 1,  # added, corrected, then withdrawn (kept on record)
            "work_report": 1,
            "scorecard_plan:published": 1,
            # the 12345 file, and the two pushes (environment values, grid records)
            "scorecard_import": 3,
            # the imported 12345 value (the quarter sent again replaces), the fourth quarter
            # the other towns report before the year may be published (complete_year), the
            # pushed environment value, and the grid event's 按期办结率 for its town with the
            # year's 重大事件 count for every town (none)
            "scorecard_value": 29,
            "scorecard_adjustment": 1,
            "scorecard_attachment": 2,  # the reporter's file and the 核查组's photo
            "scorecard_project": 3,  # the office's and the two red cards' (reporter's, cadre's)
            "scorecard_milestone": 3,
            "scorecard_card:closed": 2,  # the rectified one, and the one an accepted late completion closed
            # the cadre's town's new red card, and two more: publishing this year's results in
            # January sweeps the milestones due by then (one goes red, one is still yellow);
            # reading pages sweeps nothing any more
            "scorecard_card:issued": 2,
            "scorecard_card:red": 3,
            "scorecard_card:yellow": 1,
            "scorecard_exemption:rejected": 1,
            "scorecard_exemption:pending": 1,  # the cadre's application
            "scorecard_interview": 1,
            "scorecard_interview:reviewed": 1,  # last year's, reviewed this year
            "scorecard_supervision:closed": 1,
            "appeal_case:cadre_result:rejected": 1,
            "appeal_case:town_year:rejected": 1,
            "scorecard_plan:results": 1,  # this year's results published (after its Q4)
            "rubric_version": 1,
            "reminder_round": 1,
            "cadre_change": 4,  # the spare cadre's correction, leaders, transfer and departure
            "rubric_draft:published": 1,  # the imported draft was discarded
        }
        | {
            k: v
            for k, v in changed.items()
            if k.startswith("assignment:") and k != "assignment:removed"
        }
    )

    writes = {k for k in declared_access(client.app) if k[0] != "GET"}
    writes.add(("GET", "/training/checkin/{token:str}"))
    writes.add(("GET", "/rate/report/{cycle_id:int}/{cadre_id:int}"))
    assert writes - done == set(), "write routes nobody exercised"


async def upcoming_session(url: str, cadre: int) -> tuple[int, int]:
    """The newest published plan's first future session with a seated cadre and without
    `cadre` on its lists: (offering, the seated cadre's enrolment)."""
    from app.database import engine_from_url, use_engine
    from evaluation.clock import today
    from training.tables import Enrolment

    use_engine(engine_from_url(url))
    newest = (
        await Enrolment.select(Enrolment.plan)
        .where(Enrolment.plan.published_at.is_not_null())
        .order_by(Enrolment.plan, ascending=False)
        .first()
    )
    assert newest is not None
    rows = (
        await Enrolment.select(Enrolment.id, Enrolment.offering, Enrolment.cadre, Enrolment.status)
        .where((Enrolment.plan == newest["plan"]) & (Enrolment.offering.day > today()))
        .order_by(Enrolment.offering.day)
    )
    listed = {r["offering"] for r in rows if r["cadre"] == cadre}
    row = next(r for r in rows if r["offering"] not in listed and r["status"] == "assigned")
    return int(row["offering"]), int(row["id"])


async def api_token_id(url: str) -> int:
    from app.accounts.tables import ApiToken
    from app.database import engine_from_url, use_engine

    use_engine(engine_from_url(url))
    row = await ApiToken.select(ApiToken.id).where(ApiToken.name == "矩阵系统").first()
    assert row is not None
    return int(row["id"])


async def user_id_of(url: str, username: str) -> int:
    from app.accounts.tables import User
    from app.database import engine_from_url, use_engine

    use_engine(engine_from_url(url))
    row = await User.select(User.id).where(User.username == username).first()
    assert row is not None
    return int(row["id"])


async def stored_counts(url: str) -> dict[str, int]:
    """Row counts the writes above change (by state where a state changes)."""
    from app.database import engine_from_url, use_engine

    engine = use_engine(engine_from_url(url))
    queries = {
        "response:{}": "SELECT channel, count(*) FROM response GROUP BY channel",
        "cycle:{}": "SELECT state, count(*) FROM cycle GROUP BY state",
        "training_plan:{}": "SELECT CASE WHEN published_at IS NULL THEN 'draft' ELSE"
        " 'published' END, count(*) FROM training_plan GROUP BY 1",
        "case_note:{}": "SELECT CASE WHEN withdrawn_at IS NULL THEN 'live' ELSE 'withdrawn' END,"
        " count(*) FROM case_note GROUP BY 1",
        "response_flag:{}": "SELECT CASE WHEN decision = '' THEN 'pending' ELSE 'decided' END,"
        " count(*) FROM response_flag GROUP BY 1",
        "resident_link:{}": "SELECT CASE WHEN revoked_at IS NULL THEN 'live' ELSE 'revoked' END,"
        " count(*) FROM resident_link GROUP BY 1",
        "assignment:{}": "SELECT status, count(*) FROM assignment GROUP BY status",
        "enrolment:{}": "SELECT CASE WHEN attended_at IS NULL THEN 'not' ELSE 'attended' END,"
        " count(*) FROM enrolment GROUP BY 1",
        "scorecard_plan:{}": "SELECT state, count(*) FROM scorecard_plan GROUP BY state",
        "scorecard_card:{}": "SELECT state, count(*) FROM scorecard_card GROUP BY state"
        " UNION ALL SELECT colour, count(*) FROM scorecard_card GROUP BY colour",
        "scorecard_exemption:{}": "SELECT state, count(*) FROM scorecard_exemption GROUP BY state",
        "scorecard_interview:{}": "SELECT CASE WHEN outcome = '' THEN 'open' ELSE 'reviewed'"
        " END, count(*) FROM scorecard_interview GROUP BY 1",
        "scorecard_supervision:{}": "SELECT state, count(*) FROM scorecard_supervision"
        " GROUP BY state",
        "appeal_case:{}": "SELECT kind || ':' || state, count(*) FROM appeal_case"
        " GROUP BY kind, state",
        "scorecard_plan:results": "SELECT 'x', count(*) FROM scorecard_plan"
        " WHERE results_on IS NOT NULL",
        "rubric_draft:{}": "SELECT CASE WHEN published IS NULL THEN 'open' ELSE 'published'"
        " END, count(*) FROM rubric_draft GROUP BY 1",
    }
    counts: dict[str, int] = {}
    for pattern, sql in queries.items():
        for key, count in (tuple(r.values()) for r in await engine.run_ddl(sql)):
            counts[pattern.format(key)] = count
    for table in (
        "evidence",
        "cycle",
        "code_batch",
        "verification_code",
        "offering",
        "training_plan",
        "account_user",
        "session_feedback",
        "case_note",
        "work_report",
        "scorecard_target",
        "scorecard_contract",
        "scorecard_value",
        "scorecard_review",
        "scorecard_import",
        "scorecard_adjustment",
        "scorecard_attachment",
        "scorecard_project",
        "scorecard_milestone",
        "scorecard_interview",
        "rubric_version",
        "cadre_change",
        "reminder_round",
    ):
        rows = await engine.run_ddl(f'SELECT count(*) AS n FROM "{table}"')
        counts[table] = rows[0]["n"]
    return counts
