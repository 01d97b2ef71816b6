"""Fuzzing the JSON API from its own OpenAPI document with schemathesis: generated requests
(valid and invalid) never get a 5xx, and every response — errors included, as problem+json —
matches the documented status codes, content types and schemas. Bounded for `make test`;
`make fuzz` runs many more examples (FUZZ_EXAMPLES)."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
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
