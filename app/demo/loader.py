"""`cadre360 demo`: a realistic county loaded through the same roster import users run,
plus one login per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from app.accounts import services
from app.accounts.tables import User
from app.demo.calendar import PAST_CYCLES, CycleDates, DemoCalendar
from app.demo.catalogue import load_demo_catalogue
from app.demo.county import demo_roster
from app.demo.history_service import answer_cycle, people_with_story
from app.demo.scorecard import demo_scorecard
from app.demo.training import simulate_attendance
from app.progress import advance, steps
from evaluation import clock
from evaluation.cycles import service as cycle_service
from evaluation.organisation.importing import import_frame
from evaluation.results import publication
from evaluation.rubrics import versions as rubric_versions_store
from evaluation.tables import Cadre
from training.planning import service as plan_service

DEMO_COUNTY = "乐川县"
DEMO_PASSWORD = "lechuan-2026"
TRAINING_EFFECT = 0.5  # on the 1–5 scale, for each competency an attended session targets


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    label: str
    display_name: str = ""


DEMO_USERS = (
    DemoUser("admin", "admin", "系统管理员"),
    DemoUser("office", "assessment_office", "考核办", "周敏"),
    DemoUser("training", "training_office", "培训办", "吴涛"),
    DemoUser("leader", "leader", "领导干部（分管副镇长）"),
    DemoUser("cadre", "cadre", "干部（站所负责人）"),
    DemoUser("visitor", "mystery", "暗访员", "暗访员一号"),
    DemoUser("reporter", "reporter", "乡镇填报员"),
    DemoUser("checker", "field_checker", "核查组", "刘洋"),
    DemoUser("secretary", "leader", "乡镇党委书记"),
)


def demo_people(roster: pl.DataFrame) -> dict[str, str]:
    """External ids of the demo leader (first town's first deputy head, who leads station heads),
    of a station head that leader leads, of the town's reporter and of its 党委书记."""
    first_town = roster["town_id"][0]
    town = roster.filter(pl.col("town_id") == first_town)
    leader = town.filter(pl.col("position").is_in(["副镇长", "副乡长"]))["cadre_id"][0]
    member = town.filter(
        (pl.col("leader_ids") == leader) & pl.col("position").str.contains("主任|所长|负责人")
    )["cadre_id"][0]
    others = town.filter(~pl.col("cadre_id").is_in([leader, member]))
    staff = others.filter(pl.col("position") == "一般干部")  # a small town may have none
    reporter = (staff if staff.height else others)["cadre_id"][0]
    secretary = town.filter(pl.col("position") == "党委书记")["cadre_id"][0]
    return {"leader": leader, "cadre": member, "reporter": reporter, "secretary": secretary}


async def load_demo(
    towns: int, cadres_per_town: int, seed: int, if_empty: bool
) -> list[tuple[str, str]] | None:
    if if_empty and await Cadre.count() > 0:
        return None
    async with Cadre._meta.db.transaction():  # all of the demo or none of it
        return await _load(towns, cadres_per_town, seed)


async def _load(towns: int, cadres_per_town: int, seed: int) -> list[tuple[str, str]]:
    with steps("载入演示县", total=5 + len(PAST_CYCLES) + len(DEMO_USERS)) as progress:
        roster = demo_roster(towns, cadres_per_town, seed)
        advance(progress, f"导入 {towns} 个乡镇、{roster.height} 名干部")
        await import_frame(roster, county_name=DEMO_COUNTY)
        advance(progress, "创建演示账号")
        people = demo_people(roster)
        logins = []
        for user in DEMO_USERS:
            cadre = None
            label = user.label
            if user.username in people:
                cadre = (
                    await Cadre.select(Cadre.id, Cadre.name, Cadre.position, Cadre.town.name)
                    .where(Cadre.external_id == people[user.username])
                    .first()
                )
                assert cadre is not None, "the demo roster always holds its own people"
                label = f"{user.label}：{cadre['town.name']}{cadre['position']} {cadre['name']}"
            if not await User.exists().where(User.username == user.username):
                await services.create_user(
                    username=user.username,
                    password=DEMO_PASSWORD,
                    role=user.role,
                    display_name=cadre["name"] if cadre else user.display_name or user.label,
                    cadre_id=cadre["id"] if cadre else None,
                    must_change_password=False,
                )
            logins.append((user.username, label))
            advance(progress, f"演示账号 {user.username}")
        demo_cadres = tuple(
            int(row["id"])
            for row in await Cadre.select(Cadre.id).where(
                # the 党委书记 answers like everyone else: the demo's story stays as it was
                Cadre.external_id.is_in([v for k, v in people.items() if k != "secretary"])
            )
        )
        await demo_cycles(seed, progress, keep_open=demo_cadres)
        reporter_town = (
            await Cadre.select(Cadre.town).where(Cadre.external_id == people["reporter"]).first()
        )
        assert reporter_town is not None
        advance(progress, await demo_scorecard(seed, int(reporter_town["town"])))
    return logins


async def demo_cycles(seed: int, progress: Any, keep_open: tuple[int, ...]) -> None:
    """Two past cycles answered, closed and published; the current one open, partly answered
    (the demo's own leader and cadre keep their forms to fill in). Dates: `DemoCalendar`."""
    people = await people_with_story(seed, weak_in_service=keep_open)
    rubric_id = await rubric_versions_store.register_default_rubric()
    calendar = DemoCalendar(clock.today())
    boost = None
    for index, years_ago in enumerate(PAST_CYCLES):
        dates = calendar.past_cycle(years_ago)
        cycle_id = await create_demo_cycle(dates, rubric_id)
        await cycle_service.move_cycle(cycle_id, "open", on=dates.opens_on)
        written = await answer_cycle(cycle_id, people, seed, index, answered=0.96, boost=boost)
        await cycle_service.move_cycle(cycle_id, "close", on=dates.closes_on)
        await publication.publish(cycle_id, on=dates.published_on)
        advance(progress, f"{dates.year} 年度周期：{written} 份评价，已公布结果")
        if index == 0:  # the spring after: a training plan, attended, that works next cycle
            boost = await demo_training_round(cycle_id, calendar.training_round(), seed)
    offerings = await load_demo_catalogue(start=calendar.catalogue_start())
    advance(progress, f"培训目录：{offerings} 个专题培训和交流场次")
    dates = calendar.current_cycle()
    current = await create_demo_cycle(dates, rubric_id)
    await cycle_service.move_cycle(current, "open", on=dates.opens_on)
    written = await answer_cycle(
        current, people, seed, len(PAST_CYCLES), answered=0.45, keep_open=keep_open
    )
    advance(progress, f"本年度周期已开放，已收到 {written} 份评价")


async def create_demo_cycle(dates: CycleDates, rubric_id: int) -> int:
    """An annual cycle on the shipped rubric with rule assignments (still a draft)."""
    cycle_id = await cycle_service.create_cycle(
        name=dates.name,
        period="annual",
        year=dates.year,
        quarter=None,
        rubric_id=rubric_id,
        opens_on=dates.opens_on,
        closes_on=dates.closes_on,
        remind_on=dates.remind_on,
    )
    await cycle_service.generate_cycle_assignments(cycle_id)
    return cycle_id


async def demo_training_round(cycle_id: int, start: date, seed: int) -> pl.DataFrame:
    """Catalogue, optimised plan, publication and attendance after the first cycle; returns
    the effect the training will have on the next cycle's true levels (about half a level
    on each competency an attended session targets)."""
    await load_demo_catalogue(start=start)
    plan_id = await plan_service.run_plan(
        cycle_id, per_cadre=2, budget=None, town_share=0.3, as_of=start
    )
    await plan_service.publish(plan_id)
    return await simulate_attendance(plan_id, seed, effect=TRAINING_EFFECT)
