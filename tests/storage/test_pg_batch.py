"""PostgreSQL's writer stores a run of plain forms in a few statements (`pg_batch`): every
outcome and every stored row must be what the forms' own steps give, run one after another.

Generated batches draw from small pools — three cadres, a revoked link, a cycle not open, a
few devices, keys and scopes, two addresses and two answer fingerprints, moments inside and
outside the burst window — so replays, second ballots, keys used elsewhere and both review
flags meet inside one batch and against rows stored before it."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest

from evaluation.errors import Conflict
from evaluation.infra.pg_group_commit import start_pg_writer, stop_pg_writer
from evaluation.organisation.importing import import_frame
from evaluation.responses import campaigns
from evaluation.responses.context import ratee_context
from evaluation.responses.pg_batch import store_batch
from evaluation.responses.store import Submission, run_asyncpg, submission_steps
from evaluation.responses.submit import pg_job
from evaluation.tables import Response
from tests.factories import draft_cycle, open_cycle, roster_frame

pytestmark = pytest.mark.postgres
SCENARIOS = 60
BASE = datetime(2026, 12, 5, 9, 0).astimezone()

RESPONSE = (
    "SELECT id, cycle, ratee, rater_group, rater, code, channel, batch_label, comment, verified,"
    " client_key, key_scope, device, source_hash, fingerprint, submitted_at FROM response ORDER BY id"
)
ITEMS = "SELECT response, competency, level, note FROM response_item ORDER BY id"
FLAGS = "SELECT response, reason, detail, created_at, decision FROM response_flag ORDER BY id"


class Pools:
    def __init__(self, cycle: int, closed: int, links: list[campaigns.LiveLink], revoked: int):
        self.cycle, self.closed, self.links, self.revoked = cycle, closed, links, revoked
        self.items: dict[int, list[str]] = {}


@pytest.fixture
async def pools(postgres_url: str) -> Pools:
    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle = await open_cycle()
    closed = await draft_cycle(name="尚未开放的周期")
    cards = (await campaigns.town_resident_cards(cycle, 1))[:4]
    links = [await campaigns.resolve_resident_link(card.token) for card in cards]
    live = [link for link in links if link is not None]
    await campaigns.revoke_link(live[3].id)
    found = Pools(cycle, closed, live[:3], live[3].id)
    for link in live:
        items = (await ratee_context(cycle, link.ratee_id, "resident")).items
        found.items[link.ratee_id] = [item.id for item in items]
    return found


def generated(rng: random.Random, pools: Pools) -> Submission:
    link = rng.choice(pools.links)
    link_id = rng.choice([link.id, link.id, None, pools.revoked])
    competencies = pools.items[link.ratee_id]
    levels = {cid: rng.choice([1, 2, 3, 4, 5, None]) for cid in competencies}
    notes = {cid: "有具体事例" for cid in competencies if rng.random() < 0.2}
    return Submission(
        cycle_id=pools.cycle if rng.random() < 0.9 else pools.closed,
        ratee_id=link.ratee_id,
        group="resident",
        channel=rng.choice(["qr", "qr", "mystery"]),
        levels=levels,
        notes=notes,
        comment=rng.choice(["", "办事很快"]),
        client_key=rng.choice([None, "key-0", "key-1", "key-2", "key-3"]),
        key_scope=rng.choice(["scope-a", "scope-b"]),
        device=rng.choice(["", "", "phone-1", "phone-2", "phone-3"]),
        source_hash=rng.choice(["", "aaaa", "aaaa", "aaaa", "bbbb"]),
        fingerprint=rng.choice(["", "f1", "f2"]),
        link_id=link_id,
        received_at=BASE - timedelta(minutes=rng.choice([0, 0, 0, 5, 11, 20])),
    )


async def sequential(conn: asyncpg.Connection, forms: list[Submission]) -> list[Any]:
    outcomes: list[Any] = []
    for form in forms:
        try:
            outcomes.append(await run_asyncpg(conn, submission_steps(form)))
        except Conflict as refused:
            outcomes.append(refused)
    return outcomes


async def what_is_stored(conn: asyncpg.Connection, outcomes: list[Any]) -> dict[str, Any]:
    """Outcomes and rows with each response id as its place among the stored responses
    (the two runs draw different ids from the sequence)."""
    responses = [tuple(r) for r in await conn.fetch(RESPONSE)]
    place = {row[0]: n for n, row in enumerate(responses)}
    return {
        "outcomes": [
            ("stored", place[o]) if isinstance(o, int) else (type(o).__name__, o.message)
            for o in outcomes
        ],
        "responses": [row[1:] for row in responses],
        "items": [(place[r[0]], *r[1:]) for r in await conn.fetch(ITEMS)],
        "flags": [(place[r[0]], *r[1:]) for r in await conn.fetch(FLAGS)],
    }


async def rolled_back(conn: asyncpg.Connection, run: Any, forms: list[Submission]) -> dict:
    transaction = conn.transaction()
    await transaction.start()
    try:
        return await what_is_stored(conn, await run(conn, forms))
    finally:
        await transaction.rollback()


async def test_a_batch_stores_what_its_forms_run_one_by_one_store(pools: Pools) -> None:
    conn = await asyncpg.connect(**Response._meta.db.config)
    try:
        rng = random.Random(20261207)
        # stored before any batch: replays of these keys, and what the flags count
        await sequential(conn, [generated(rng, pools) for _ in range(6)])
        # one address near both thresholds: seven forms, two of them the same answers
        near = replace(
            generated(rng, pools),
            cycle_id=pools.cycle,
            link_id=None,
            client_key=None,
            device="",
            source_hash="aaaa",
            received_at=BASE - timedelta(minutes=2),
        )
        await sequential(conn, [replace(near, fingerprint=f"f{n % 5}") for n in range(7)])
        differing = []
        flagged = refused = 0
        reasons: set[str] = set()
        for scenario in range(SCENARIOS):
            forms = [generated(rng, pools) for _ in range(rng.randint(1, 24))]
            one_by_one = await rolled_back(conn, sequential, forms)
            together = await rolled_back(conn, store_batch, forms)
            if together != one_by_one:
                differing.append((scenario, together, one_by_one))
            flagged += len(one_by_one["flags"]) > 0
            reasons |= {flag[1] for flag in one_by_one["flags"]}
            refused += any(o[0] == "Conflict" for o in one_by_one["outcomes"])
        assert not differing, _first_difference(*differing[0])
        # the generated batches did meet the rules they are meant to compare
        assert flagged > SCENARIOS / 4 and refused > SCENARIOS / 2, (flagged, refused)
        assert reasons == {"burst", "identical"}
    finally:
        await conn.close()


async def test_a_statement_refused_in_a_batch_sends_it_back_form_by_form(pools: Pools) -> None:
    """A form the server refuses (here a cadre that does not exist) aborts the batch's
    statement: the writer runs the batch again form by form, so only that form fails."""
    writer = await start_pg_writer(Response._meta.db.config)
    try:
        rng = random.Random(7)
        forms = [generated(rng, pools) for _ in range(5)]
        forms = [
            replace(form, cycle_id=pools.cycle, link_id=None, client_key=None, device=f"p{n}")
            for n, form in enumerate(forms)
        ]
        bad = replace(forms[0], ratee_id=999_999, device="phone-x")
        results = await asyncio.gather(
            *[writer.run(pg_job(form)) for form in [*forms[:2], bad, *forms[2:]]],
            return_exceptions=True,
        )
        assert isinstance(results[2], asyncpg.ForeignKeyViolationError), results
        assert all(isinstance(r, int) for r in results[:2] + results[3:]), results
        assert writer.retried >= 1
        assert await Response.count() == 5
    finally:
        await stop_pg_writer()


def _first_difference(scenario: int, together: dict, one_by_one: dict) -> str:
    for part in together:
        if together[part] != one_by_one[part]:
            pairs = zip(together[part], one_by_one[part], strict=False)
            at = next((n for n, (a, b) in enumerate(pairs) if a != b), None)
            return (
                f"scenario {scenario}, {part}: together {together[part]!r:.2000}"
                f" / one by one {one_by_one[part]!r:.2000} (first difference at {at})"
            )
    return f"scenario {scenario}"
