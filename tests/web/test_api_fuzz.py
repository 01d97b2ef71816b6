"""Fuzzing the JSON API from its own OpenAPI document with schemathesis: generated requests
(valid and invalid) never get a 5xx, and every response — errors included, as problem+json —
matches the documented status codes, content types and schemas. Bounded for `make test`;
`make fuzz` runs many more examples (FUZZ_EXAMPLES)."""

from __future__ import annotations

import os
import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.accounts import api_tokens
from tests.factories import People, login, open_cycle

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Not in the list: positive_data_acceptance. Litestar's generated schema drops the constraints
# on dict values (answers are levels 1–5), so some schema-valid bodies are rightly refused.


async def test_the_json_api_survives_generated_requests(client: TestClient, people: People) -> None:
    await open_cycle(peers=3)  # real assignments and resident links to hit
    token = await api_tokens.issue("模糊测试", list(api_tokens.SCOPES), "admin")
    login(client, "member")
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", client.app)
    operations = [r.ok() for r in schema.get_all_operations()]
    api = [op for op in operations if op.path.startswith("/api/")]
    assert len(api) >= 11  # the read API's four routes among them
    for operation in api:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(app=client.app, headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=CHECKS)

        call()


HUGE = st.integers(min_value=2**31, max_value=2**80) | st.integers(
    min_value=-(2**80), max_value=-(2**31)
)
DEEP = st.integers(min_value=30, max_value=5_000).map(
    lambda n: '{"answers": ' + "[" * n + "]" * n + "}"
) | st.integers(min_value=30, max_value=5_000).map(lambda n: '{"a":' * n + "1" + "}" * n)


async def test_the_json_api_survives_nesting_and_huge_integers(
    client: TestClient, people: People
) -> None:
    """Hostile shapes the schema-driven fuzzer rarely draws: bodies nested thousands deep and
    integers past any column, in paths, query strings and bodies — never a 5xx, always a
    problem+json."""
    cycle_id = await open_cycle(peers=3)
    token = await api_tokens.issue("模糊测试", list(api_tokens.SCOPES), "admin")
    login(client, "member")
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", client.app)
    paths = sorted(
        {(r.ok().method.upper(), r.ok().path) for r in schema.get_all_operations()}
        - {("GET", "/schema/openapi.json")}
    )
    writes = [(m, p) for m, p in paths if p.startswith("/api/") and m != "GET"]
    reads = [(m, p) for m, p in paths if p.startswith("/api/") and m == "GET"]

    def concrete(path: str, number: int) -> str:
        return re.sub(r"\{[^}]+\}", lambda m: "tok" if "token" in m.group() else str(number), path)

    @given(body=DEEP, number=HUGE)
    @settings(max_examples=EXAMPLES, deadline=None, database=None)
    def call(body: str, number: int) -> None:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for method, path in writes:
            for url in (concrete(path, cycle_id), concrete(path, number)):
                answer = client.request(method, url, content=body, headers=headers)
                assert answer.status_code < 500, (url, answer.status_code)
                assert answer.headers["content-type"].startswith("application/problem+json")
        for _, path in reads:
            answer = client.get(f"{concrete(path, number)}?cycle={number}", headers=headers)
            assert answer.status_code < 500, (path, answer.status_code)

    call()
