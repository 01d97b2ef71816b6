"""Health check, OpenAPI document, security headers, static files, request log."""

from __future__ import annotations

import json
import logging

import pytest
from litestar.testing import TestClient

from app.config import Settings


def test_healthz_checks_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "sqlite"}


def test_healthz_reports_503_when_the_database_is_gone(settings: Settings) -> None:
    from piccolo.engine.sqlite import SQLiteEngine

    import piccolo_conf
    from app.asgi import create_app

    app = create_app(settings)
    with TestClient(app) as client:
        piccolo_conf.DB = SQLiteEngine(path="/nonexistent-dir/none.sqlite")
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_openapi_document_is_served(client: TestClient) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "cadre360"
    assert "/healthz" in response.json()["paths"]


def test_every_response_has_security_headers(client: TestClient) -> None:
    for path in ("/login", "/static/app.css", "/no-such-page"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_static_files_are_served_locally(client: TestClient) -> None:
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


def test_each_request_is_logged_as_one_json_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="cadre360.request"):
        client.get("/office", follow_redirects=False)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "cadre360.request"]
    assert lines[-1]["path"] == "/office"
    assert lines[-1]["status"] == 302  # the redirect to login, not the 401 raised inside
    assert isinstance(lines[-1]["ms"], float)


def test_garbage_never_gives_a_500(client: TestClient) -> None:
    for path in (
        "/office/towns/%00",
        "/login?next=%ff%fe",
        "/static/../pyproject.toml",
        "/" + "a" * 5000,
    ):
        assert client.get(path).status_code < 500, path
    assert (
        client.post(
            "/login",
            content=b"\xff\xfe\x00garbage",
            headers={"content-type": "application/x-www-form-urlencoded"},
        ).status_code
        < 500
    )
