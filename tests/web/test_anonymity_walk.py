"""The anonymity walk: as every role, open every page, export and API route the app has
(each path parameter filled with every real id of its kind) and look for what must never be
shown — comments from groups too small to pool (a resident pair, a four-person peer group)
and the raters behind one cadre's responses on that cadre's own feedback."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import subprocess
from itertools import product
from pathlib import Path

import polars as pl
import pytest
from litestar.testing import TestClient

from app.accounts import api_tokens
from app.database import engine_from_url, use_engine
from evaluation.responses.context import ratee_context
from evaluation.tables import (
    Assignment,
    Cadre,
    Cycle,
    ResidentLink,
    Response,
    Town,
)
from tests.conftest import copy_of, run_blocking
from tests.factories import (
    People,
    answer_assignments,
    answers,
    cadre_id,
    close_and_publish,
    login,
    open_cycle,
    record_response,
)
from tests.route_table import declared_access

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

RESIDENT_SECRET = "仅两位群众写下的意见"
PEER_SECRET = "四位同事写下的意见"
USERS = {
    "anonymous": None,
    "admin": "admin",
    "office": "office",
    "training": "training",
    "leader": "leader",
    "member": "member",
    "outsider": "outsider",
    "visitor": "visitor",
    "api": None,  # another system with a read token holding every scope
}


async def publish_with_secrets(people: People) -> int:
    cycle_id = await open_cycle(peers=4)
    await answer_assignments(cycle_id, varied=True)
    member = await cadre_id(people.member.cadre_external_id or "")
    await Response.update({Response.comment: PEER_SECRET}).where(
        (Response.ratee == member) & (Response.rater_group == "peer")
    )
    items = (await ratee_context(cycle_id, member, "resident")).items
    for n in range(2):  # two residents: under every threshold
        await record_response(
            cycle_id=cycle_id,
            ratee_id=member,
            group="resident",
            fields={**answers(items, "2"), "comment": RESIDENT_SECRET},
            channel="qr",
            client_key=f"walk-{n}",
        )
    await close_and_publish(cycle_id)
    return cycle_id


@pytest.fixture(scope="module")
def walk_template(
    people_template: tuple[Path, People], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int]:
    """The published cycle with its secrets, built once for the module (every role walks the
    same county); each test walks its own copy."""
    path = tmp_path_factory.mktemp("walk") / "walk.sqlite"
    shutil.copyfile(people_template[0], path)
    use_engine(engine_from_url(f"sqlite:///{path}"))
    cycle_id = run_blocking(publish_with_secrets(people_template[1]))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path, cycle_id


@pytest.fixture
def sqlite_url(walk_template: tuple[Path, int], tmp_path: Path) -> str:
    """This module's tests start from the walk's county, not an empty database."""
    return copy_of(walk_template[0], tmp_path)


@pytest.fixture
def published_with_secrets(walk_template: tuple[Path, int], sqlite_url: str) -> int:
    return walk_template[1]


async def ids() -> dict[str, list[str]]:
    """Every real value a path parameter can take, by parameter name."""
    cycles = [str(r["id"]) for r in await Cycle.select(Cycle.id)]
    cadres = [str(r["id"]) for r in await Cadre.select(Cadre.id)]
    return {
        "cycle_id": cycles,
        "cadre_id": cadres,
        "member_id": cadres,
        "ratee_id": cadres,
        "town_id": [str(r["id"]) for r in await Town.select(Town.id)],
        "assignment_id": [str(r["id"]) for r in await Assignment.select(Assignment.id).limit(40)],
        "token": [r["token"] for r in await ResidentLink.select(ResidentLink.token).limit(10)]
        + ["x"],
    }


def urls(path: str, values: dict[str, list[str]]) -> list[str]:
    names = re.findall(r"\{([a-z_]+):[a-z]+\}", path)
    if not names:
        return [path]
    choices = [values.get(name, ["1"]) for name in names]
    found = []
    for combination in product(*choices):
        url = path
        for name, value in zip(names, combination, strict=True):
            url = re.sub(r"\{" + name + r":[a-z]+\}", value, url, count=1)
        found.append(url)
    return found[:400]


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    kind = response.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        sheets = pl.read_excel(io.BytesIO(response.content), sheet_id=0)
        return "\n".join(str(frame.rows()) for frame in sheets.values())
    if "pdf" in kind:  # read as text, as a person (or a script) reading the file would
        done = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=response.content,
            capture_output=True,
            check=True,
        )
        return done.stdout.decode()
    return response.text


@pytest.mark.parametrize("role", list(USERS))
async def test_no_role_finds_an_individual_answer_anywhere(
    client: TestClient, people: People, published_with_secrets: int, role: str
) -> None:
    if USERS[role]:
        login(client, USERS[role] or "")
    if role == "api":
        token = await api_tokens.issue("匿名性检查", list(api_tokens.SCOPES), "admin")
        client.headers["Authorization"] = f"Bearer {token}"
    values = await ids()
    member = await cadre_id(people.member.cadre_external_id or "")
    raters = [
        r["rater.name"]
        for r in await Response.select(Response.rater.name).where(
            (Response.ratee == member) & Response.rater.is_not_null() & (Response.rater != member)
        )
    ]
    viewer = ""
    if role in ("leader", "member", "outsider"):
        person = getattr(people, role).cadre_external_id or ""
        row = await Cadre.select(Cadre.name).where(Cadre.id == await cadre_id(person)).first()
        viewer = row["name"] if row else ""
    pages = 0
    searched: set[str] = set()
    for (method, path), _ in sorted(declared_access(client.app).items()):
        if method != "GET" or path in ("/logout",):
            continue
        for url in urls(path, values):
            response = client.get(url, follow_redirects=False)
            if response.status_code != 200:
                continue
            pages += 1
            body = text_of(response)
            searched.add(response.headers.get("content-type", "").split(";")[0])
            assert RESIDENT_SECRET not in body, f"{role} {url}"
            assert PEER_SECRET not in body, f"{role} {url}"
            members_profile = url == f"/team/{member}/feedback" or (
                role == "member" and url.startswith("/me/feedback")
            )
            if members_profile:  # the viewer's own name is in the header: not a leak
                leaked = [n for n in raters if n and n != viewer and n in body]
                assert not leaked, f"{role} {url}: raters {leaked}"
    assert pages > 0
    if role == "member":  # the cadre's own PDF was read, not skipped
        assert "application/pdf" in searched
    if role == "office":
        assert XLSX in searched
    assert "application/json" in searched or role in (
        "anonymous",
        "admin",
        "office",
        "training",
        "visitor",
    )
