"""Builders that go through the code paths users use: roster import, account creation, login."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import polars as pl
from litestar.testing import TestClient

from app.accounts import services
from app.demo.county import demo_roster
from evaluation.organisation.importing import import_frame
from evaluation.organisation.roster import HEADER
from evaluation.rubrics import versions as rubric_versions_store
from evaluation.tables import Cadre

PASSWORD = "test-pass-2026"


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    cadre_external_id: str | None = None


@dataclass(frozen=True)
class People:
    """Standing test people: each role, plus a cadre outside the leader's team and town."""

    admin: Person
    office: Person
    training: Person
    leader: Person
    member: Person  # led by `leader`
    outsider: Person  # a cadre of another town
    visitor: Person  # a mystery visitor (暗访), no cadre
    reporter: Person  # a town reporter (乡镇填报员) of the leader's town
    checker: Person  # a member of the 核查组 (field verification), no cadre
    secretary: Person  # the 党委书记 of the leader's town: reads its scorecard, signs its contract

    def all(self) -> list[Person]:
        return [
            self.admin,
            self.office,
            self.training,
            self.leader,
            self.member,
            self.outsider,
            self.visitor,
            self.reporter,
            self.checker,
            self.secretary,
        ]


def roster_frame(towns: int = 3, per_town: int = 15, seed: int = 7) -> pl.DataFrame:
    return demo_roster(towns, per_town, seed)


def to_xlsx(frame: pl.DataFrame) -> bytes:
    """A roster frame as the .xlsx a county would upload (Chinese headers)."""
    buffer = io.BytesIO()
    frame.rename(HEADER).write_excel(buffer, worksheet="花名册")
    return buffer.getvalue()


def to_csv(frame: pl.DataFrame) -> bytes:
    return frame.rename(HEADER).write_csv().encode("utf-8-sig")


async def cadre_id(external_id: str) -> int:
    row = await Cadre.select(Cadre.id).where(Cadre.external_id == external_id).first()
    assert row is not None
    return int(row["id"])


async def standing_people() -> People:
    frame = roster_frame()
    await import_frame(frame, county_name="测试县")
    town1 = frame.filter(pl.col("town_id") == "T001")
    leader = town1.filter(pl.col("position").is_in(["副镇长", "副乡长"]))["cadre_id"][0]
    member = town1.filter(pl.col("leader_ids") == leader)["cadre_id"][0]
    outsider = frame.filter(pl.col("town_id") == "T002")["cadre_id"][-1]
    people = People(
        admin=Person("admin", "admin"),
        office=Person("office", "assessment_office"),
        training=Person("training", "training_office"),
        leader=Person("leader", "leader", leader),
        member=Person("member", "cadre", member),
        outsider=Person("outsider", "cadre", outsider),
        visitor=Person("visitor", "mystery"),
        reporter=Person("reporter", "reporter", town1["cadre_id"][-1]),
        checker=Person("checker", "field_checker"),
        secretary=Person(
            "secretary", "leader", town1.filter(pl.col("position") == "党委书记")["cadre_id"][0]
        ),
    )
    for person in people.all():
        await services.create_user(
            username=person.username,
            password=PASSWORD,
            role=person.role,
            cadre_id=await cadre_id(person.cadre_external_id) if person.cadre_external_id else None,
            must_change_password=False,
        )
    return people


CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(client: TestClient, path: str = "/login") -> str:
    match = CSRF_INPUT.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login",
        data={"_csrf_token": csrf_token(client), "username": username, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]


def post_form(client: TestClient, path: str, data: dict[str, str], page: str | None = None):  # type: ignore[no-untyped-def]
    """POST a form the way a browser does: with the CSRF token from the page it sits on."""
    return client.post(
        path,
        data={"_csrf_token": csrf_token(client, page or "/login"), **data},
        follow_redirects=False,
    )


def finished_job(client: TestClient, started, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    """Follow a started optimiser run (the 302 to its page) until it stops running; returns
    the job page. The job runs on the test client's event loop, between our requests."""
    import time

    assert started.status_code == 302, started.text
    location = started.headers["location"]
    assert location.startswith("/training/plan/jobs/"), location
    deadline = time.monotonic() + timeout
    while True:
        page = client.get(location)
        if 'data-status="running"' not in page.text or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


async def draft_cycle(peers: int = 3, name: str = "2026年度干部综合评价") -> int:
    """A draft cycle on the shipped rubric, through the service the office page uses."""
    from datetime import date

    from evaluation.cycles import service as cycle_service

    rubric_id = await rubric_versions_store.register_default_rubric()
    return await cycle_service.create_cycle(
        name=name,
        period="annual",
        year=2026,
        quarter=None,
        rubric_id=rubric_id,
        opens_on=date(2026, 12, 1),
        closes_on=date(2026, 12, 20),
        remind_on=date(2026, 12, 15),
        peers_per_cadre=peers,
    )


async def open_cycle(peers: int = 3) -> int:
    from evaluation.cycles import service as cycle_service

    cycle_id = await draft_cycle(peers)
    await cycle_service.generate_cycle_assignments(cycle_id)
    await cycle_service.move_cycle(cycle_id, "open")
    return cycle_id


async def close_and_publish(cycle_id: int) -> None:
    """Close a cycle and publish its results, as the office does."""
    from evaluation.cycles import service as cycle_service
    from evaluation.results import publication

    await cycle_service.move_cycle(cycle_id, "close")
    await publication.publish(cycle_id)


def answers(items, level: str = "3") -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Form fields answering every item at one level (with notes where 1 or 5 needs one)."""
    fields = {f"level_{item.id}": level for item in items}
    if level in ("1", "5"):
        fields.update({f"note_{item.id}": "有具体事例" for item in items})
    return fields


async def answer_assignments(  # type: ignore[no-untyped-def]
    cycle_id: int,
    every: int = 1,
    varied: bool = False,
    skip_ratee: int | None = None,
    level: str = "3",
):
    """Answer every `every`-th assignment (in id order) online, as its rater would; returns
    the answered assignments. `varied` spreads levels over 2–4 by rater and ratee;
    `skip_ratee` leaves one cadre's assignments open."""
    from evaluation.cycles import service as cycle_service
    from evaluation.responses.context import ratee_context

    chosen = (await cycle_service.assignment_frame(cycle_id)).sort("id").gather_every(every)
    chosen = chosen.filter(pl.col("status") == "open")
    if skip_ratee is not None:
        chosen = chosen.filter(pl.col("ratee_id") != skip_ratee)
    for assignment_id, rater_id, ratee_id, group in chosen.select(
        "id", "rater_id", "ratee_id", "rater_group"
    ).iter_rows():
        items = (await ratee_context(cycle_id, ratee_id, group)).items
        chosen_level = str(2 + (rater_id + ratee_id) % 3) if varied else level
        await record_response(
            cycle_id=cycle_id,
            ratee_id=ratee_id,
            group=group,
            fields=answers(items, chosen_level),
            channel="online",
            rater_id=rater_id,
            assignment_id=assignment_id,
        )
    return chosen


async def small_demo_latest_published() -> int:
    """The small demo county (two published cycles with planted weaknesses, a catalogue, a
    past training plan); returns the newest published cycle."""
    from app.demo.loader import load_demo

    assert await load_demo(towns=4, cadres_per_town=20, seed=1, if_empty=False)
    return await newest_published_cycle()


async def newest_published_cycle() -> int:
    from evaluation.tables import Cycle

    row = (
        await Cycle.select(Cycle.id)
        .where(Cycle.state == "published")
        .order_by(Cycle.year, ascending=False)
        .first()
    )
    assert row is not None
    return int(row["id"])


async def record_response(  # type: ignore[no-untyped-def]
    *,
    cycle_id: int,
    ratee_id: int,
    group: str,
    fields: dict[str, str],
    channel: str,
    **extra,
) -> int:
    """One response through the one submit path (`evaluation.responses.submit`), as the
    channel's handler would send it."""
    from evaluation.responses.submit import Intake, submit

    extra.pop("items", None)  # the form's items come from the cycle's rubric, as always
    return await submit(
        Intake(
            channel=channel,
            cycle_id=cycle_id,
            ratee_id=ratee_id,
            group=group,
            fields=fields,
            **extra,
        )
    )
