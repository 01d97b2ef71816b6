"""Numbers no column can hold (issue 29, #7): integers ≥ 2^63 in query strings and forms
reached the database and came back as 500s. Each is parsed once, against the column's range:
a query value out of range is 404 (nothing with that id exists), a form value is a form error
in Chinese; no 5xx anywhere."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from app.bodies import nesting
from tests.factories import People, cadre_id, csrf_token, login, post_form

HUGE = [str(2**63), str(2**64 + 7), "-" + str(2**63 + 1), str(2**31)]
QUERIES = [
    ("member", "/me/feedback?cycle={n}"),
    ("member", "/me/feedback.pdf?cycle={n}"),
    ("leader", "/team/{member}/feedback?cycle={n}"),
    ("visitor", "/visit?town={n}"),
    ("reporter", "/town?year={n}"),
    ("office", "/training/plan?plan={n}"),
]


@pytest.mark.parametrize("number", HUGE)
async def test_huge_numbers_in_query_strings_are_not_found(
    client: TestClient, people: People, number: str
) -> None:
    member = await cadre_id(people.member.cadre_external_id or "")
    for user, template in QUERIES:
        login(client, user if user != "office" else "training")
        url = template.format(n=number, member=member)
        answer = client.get(url)
        assert answer.status_code in (400, 404), (url, answer.status_code)


@pytest.mark.parametrize("number", HUGE)
async def test_huge_numbers_in_forms_are_form_errors(
    client: TestClient, people: People, number: str
) -> None:
    member = await cadre_id(people.member.cadre_external_id or "")
    login(client, "office")
    page = f"/office/cadres/{member}"
    moved = post_form(
        client,
        f"{page}/transfer",
        {
            "town": number,
            "effective_on": "2026-11-01",
            "position": "主任",
            "reason": "工作需要调整",
        },
        page=page,
    )
    assert moved.status_code in (200, 400, 404), moved.status_code
    login(client, "admin")
    bulk = client.post(
        "/admin/accounts/bulk",
        data={"_csrf_token": csrf_token(client, "/admin/accounts/bulk"), "towns": number},
        follow_redirects=False,
    )
    assert bulk.status_code in (200, 400), bulk.status_code


def nested(depth: int) -> str:
    return '{"answers": ' + "[" * depth + "]" * depth + ', "client_key": "nested-body-1"}'


async def test_deeply_nested_json_bodies_are_refused_in_words(
    client: TestClient, people: People
) -> None:
    """A body nested thousands deep is a 400 problem, never a 5xx (before: 500 on the resident
    API, the draft and response APIs and cycle evidence)."""
    from evaluation.responses import campaigns
    from tests.factories import open_cycle

    cycle_id = await open_cycle()
    token = (await campaigns.town_resident_cards(cycle_id, 1))[0].token
    from evaluation.cycles import service as cycle_service

    frame = await cycle_service.assignment_frame(cycle_id)
    leader = await cadre_id(people.leader.cadre_external_id or "")
    mine = int(frame.filter(frame["rater_id"] == leader)["id"][0])
    targets = [
        (None, f"/api/r/{token}/responses"),
        ("leader", f"/api/assignments/{mine}/draft"),
        ("leader", f"/api/assignments/{mine}/response"),
        ("office", f"/api/cycles/{cycle_id}/evidence"),
    ]
    for depth in (1_000, 100_000):
        body = nested(depth)
        for user, url in targets:
            if user:
                login(client, user)
            answer = client.post(url, content=body, headers={"Content-Type": "application/json"})
            assert 400 <= answer.status_code < 500, (url, depth, answer.status_code)
            assert answer.headers["content-type"].startswith("application/problem+json")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=30,
)


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_the_nesting_bound_reads_depth_as_json_does(value: object) -> None:
    """Brackets inside strings (escaped quotes included) never count."""
    assert nesting(json.dumps(value).encode()) == depth(value)


def test_deeply_nested_files_are_refused_in_words() -> None:
    """A rubric or plan TOML, or a JSON source file, nested thousands deep: a Chinese
    refusal, never a RecursionError (before: 500 on rubric import and .json imports)."""
    from evaluation.errors import Invalid
    from evaluation.rubrics.loader import load_rubric_text
    from evaluation.scorecard.imports import read_source_file
    from evaluation.scorecard.plan import load_plan_text

    deep_toml = "a = " + "[" * 5000 + "]" * 5000
    for load in (load_rubric_text, load_plan_text):
        with pytest.raises(Invalid) as caught:
            load(deep_toml)
        assert "TOML" in caught.value.message
    with pytest.raises(Invalid):
        read_source_file(("[" * 100_000 + "]" * 100_000).encode(), "12345.json")
