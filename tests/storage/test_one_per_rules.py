"""Every "one per" rule is held by the database, not by a check before the insert: forms
sent at the same moment (concurrent transactions on PostgreSQL, the group-commit writer on
SQLite) cannot slip a second ballot in, and a client key is bound to what it acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable

import pytest

from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict, Invalid
from evaluation.infra.pg_group_commit import start_pg_writer, stop_pg_writer
from evaluation.organisation.importing import import_frame
from evaluation.responses import campaigns
from evaluation.responses.context import ratee_context
from evaluation.responses.raters import top_level_allowance
from evaluation.tables import Response, ResponseItem
from tests.factories import answers, open_cycle, record_response, roster_frame

AT_ONCE = 8


async def attempt(**intake: object) -> int | Exception:
    try:
        return await record_response(**intake)  # type: ignore[arg-type]
    except (Conflict, Invalid) as refused:
        return refused


async def resident_form(
    cycle: int,
    link: campaigns.LiveLink,
    device: str,
    fields: dict[str, str] | None = None,
    **extra: object,
) -> int | Exception:
    """A resident's answers (every item at 3 unless `fields` says otherwise) through
    `link`'s QR code from `device`."""
    items = (await ratee_context(cycle, link.ratee_id, "resident")).items
    return await attempt(
        cycle_id=cycle,
        ratee_id=link.ratee_id,
        group="resident",
        channel="qr",
        fields=fields or answers(items),
        link_id=link.id,
        device=device,
        source_hash="0123456789abcdef",
        **extra,
    )


def stored(results: list[int | Exception]) -> list[int]:
    return [r for r in results if isinstance(r, int)]


@pytest.fixture
async def cycle(db: str) -> AsyncIterator[int]:
    """On PostgreSQL through the group-commit writer, as the server runs (other storage
    tests submit through piccolo transactions, the path scripts take)."""
    await import_frame(roster_frame(1, 15), county_name="测试县")
    cycle_id = await open_cycle()
    if db.startswith("postgres"):
        writer = await start_pg_writer(Response._meta.db.config)
        yield cycle_id
        assert writer.jobs > 0  # the submissions above went through it
        await stop_pg_writer()
    else:
        yield cycle_id


async def test_one_ballot_per_code_and_ratee(cycle: int) -> None:
    code = (await campaigns.create_code_batch(cycle, 1, "peer", 1, "测评"))[0]
    session = await campaigns.resolve_code(code)
    ratee = (await campaigns.code_ratees(session))[0].cadre_id
    code_id = session.id
    items = (await ratee_context(cycle, ratee, "peer")).items
    ballots = [
        attempt(
            cycle_id=cycle,
            ratee_id=ratee,
            group="peer",
            channel="code",
            fields=answers(items),
            code_id=code_id,
            client_key=f"tab-{n}",
        )
        for n in range(AT_ONCE)
    ]
    results = await asyncio.gather(*ballots)
    assert len(stored(results)) == 1
    assert await Response.count().where(Response.ratee == ratee) == 1


async def test_one_response_per_assignment_whatever_the_keys(cycle: int) -> None:
    assignment = (await cycle_service.assignment_frame(cycle)).row(0, named=True)
    items = (await ratee_context(cycle, assignment["ratee_id"], assignment["rater_group"])).items
    results = await asyncio.gather(
        *[
            attempt(
                cycle_id=cycle,
                ratee_id=assignment["ratee_id"],
                group=assignment["rater_group"],
                channel="online",
                fields=answers(items),
                rater_id=assignment["rater_id"],
                assignment_id=assignment["id"],
                client_key=f"phone-{n}",
            )
            for n in range(AT_ONCE)
        ]
    )
    assert len(stored(results)) == 1
    assert all("已经提交" in str(r) for r in results if isinstance(r, Conflict))
    assert await Response.count() == 1


async def test_a_key_is_refused_where_it_did_not_acknowledge(cycle: int) -> None:
    cards = await campaigns.town_resident_cards(cycle, 1)
    first, second = cards[0], cards[1]
    links = [await campaigns.resolve_resident_link(card.token) for card in (first, second)]

    async def send(link: campaigns.LiveLink, device: str) -> int | Exception:
        return await resident_form(cycle, link, device, client_key="one-key")

    acknowledged = await send(links[0], "phone-a")
    assert isinstance(acknowledged, int)
    assert await send(links[0], "phone-a") == acknowledged  # a retry: the same response
    elsewhere = await send(links[1], "phone-a")
    assert isinstance(elsewhere, Conflict) and "已在别处使用过" in str(elsewhere)
    assert await Response.count().where(Response.ratee == links[1].ratee_id) == 0


async def test_the_top_rating_quota_holds_for_forms_sent_at_once(cycle: int) -> None:
    frame = await cycle_service.assignment_frame(cycle)
    rater = frame.filter(frame["rater_group"] != "self")["rater_id"].mode()[0]
    mine = frame.filter((frame["rater_id"] == rater) & (frame["rater_group"] != "self"))
    allowance = await top_level_allowance(cycle, rater, 0.3)
    forms = []
    for row in mine.iter_rows(named=True):
        items = (await ratee_context(cycle, row["ratee_id"], row["rater_group"])).items
        forms.append(
            attempt(
                cycle_id=cycle,
                ratee_id=row["ratee_id"],
                group=row["rater_group"],
                channel="online",
                fields=answers(items, "5"),
                rater_id=rater,
                assignment_id=row["id"],
                client_key=f"form-{row['id']}",
            )
        )
    results = await asyncio.gather(*forms)
    assert any(isinstance(r, Invalid) for r in results), "the quota was never reached"
    tops = await ResponseItem.count().where(
        (ResponseItem.response.rater == rater) & (ResponseItem.level == 5)
    )
    assert 0 < tops <= allowance


async def test_a_refusal_after_writing_undoes_only_itself_in_a_batch(cycle: int) -> None:
    """Residents' forms sent at once share one batch on PostgreSQL's writer, which runs them
    without a savepoint each. A form refused after its insert (a wrong 核验码) sends the
    batch back to run job by job: its response is undone, every neighbour is stored; forms
    refused before writing (the same device again) leave the batch as it is."""
    cards = (await campaigns.town_resident_cards(cycle, 1))[:6]
    links = [await campaigns.resolve_resident_link(card.token) for card in cards]

    def send(link: campaigns.LiveLink, device: str, **extra: object) -> Awaitable[int | Exception]:
        return resident_form(cycle, link, device, **extra)

    results = await asyncio.gather(
        *[send(link, f"phone-{n}") for n, link in enumerate(links)],
        send(links[0], "phone-0"),  # the same device again: refused before writing
        send(links[1], "phone-x", verification_code="WRONG-CODE"),  # refused after its insert
    )
    first, *others, again, wrong = results
    assert all(isinstance(r, int) for r in others), results
    # the same device twice on one cadre: whichever reached the writer first is stored
    assert sorted(type(r).__name__ for r in (first, again)) == ["Conflict", "int"], results
    assert isinstance(wrong, Invalid) and "核验码" in str(wrong)
    assert await Response.count().where(Response.device == "phone-x") == 0
    assert await Response.count() == len(links)
    expected_items = 0
    for link in links:
        expected_items += len((await ratee_context(cycle, link.ratee_id, "resident")).items)
    assert await ResponseItem.count() == expected_items


async def test_a_forms_items_are_stored_as_sent_either_way(cycle: int) -> None:
    """On PostgreSQL a form's response and items go in one statement, unless a 核验码 is
    checked between the two: either way each item is stored as sent — its level, "cannot
    observe", its note — on both engines."""
    cards = (await campaigns.town_resident_cards(cycle, 1))[:2]
    links = [await campaigns.resolve_resident_link(card.token) for card in cards]
    code = (await campaigns.issue_verification_codes(cycle, 1, 1))[0]
    stored_items = []
    for link, extra in zip(links, ({}, {"verification_code": code}), strict=True):
        items = (await ratee_context(cycle, link.ratee_id, "resident")).items
        fields = {f"level_{item.id}": str(2 + i % 4) for i, item in enumerate(items)}
        fields[f"level_{items[0].id}"] = "na"
        fields[f"level_{items[-1].id}"] = "5"
        fields[f"note_{items[-1].id}"] = "夜里来办事也有人接待"
        sent = {
            item.id: (
                None if fields[f"level_{item.id}"] == "na" else int(fields[f"level_{item.id}"]),
                fields.get(f"note_{item.id}", ""),
            )
            for item in items
        }
        response = await resident_form(cycle, link, f"phone-{link.id}", fields, **extra)
        assert isinstance(response, int), response
        rows = await ResponseItem.select(
            ResponseItem.competency, ResponseItem.level, ResponseItem.note
        ).where(ResponseItem.response == response)
        stored_items.append(len(rows))
        assert {r["competency"]: (r["level"], r["note"]) for r in rows} == sent
    assert stored_items[0] == stored_items[1] > 0
