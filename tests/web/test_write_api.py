"""Data pushed by other systems (`scorecard:write`), on a copy of the demo county: a quarter's
values for several towns with one bad row is refused whole, the row named with its reason
and nothing written; a good push is stored exactly and rechecked; a second push before the
quarter settles replaces the first, whose values stay on record; a settled quarter is
refused; the scope is enforced and every push is audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import run_blocking
from tests.web.demo_site import demo_copy, serve, sign_in, token_of
from tests.web.html import text_of


async def facts(url: str) -> dict[str, Any]:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard import service

    use_engine(engine_from_url(url))
    year = await service.current_year()
    towns = await service.towns()
    return {"year": year, "towns": [(t.id, t.name) for t in towns]}


async def stored(url: str, year: int, source: str, quarter: int) -> dict[int, float]:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import IndicatorValue

    use_engine(engine_from_url(url))
    rows = await IndicatorValue.select(IndicatorValue.town, IndicatorValue.value).where(
        IndicatorValue.plan.year == year,
        IndicatorValue.source == source,
        IndicatorValue.quarter == quarter,
    )
    return {int(r["town"]): float(r["value"]) for r in rows}


async def history(url: str, year: int, source: str) -> list[dict[str, Any]]:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import SourceImport

    use_engine(engine_from_url(url))
    return (
        await SourceImport.select(
            SourceImport.quarter,
            SourceImport.imported_by,
            SourceImport.replaced_at,
            SourceImport.replaced_by,
            SourceImport.replaced_values,
        )
        .where(SourceImport.plan.year == year, SourceImport.source == source)
        .order_by(SourceImport.id)
    )


async def audited(url: str) -> list[tuple[str, str, int]]:
    from app.accounts.tables import AuditEntry
    from app.database import engine_from_url, use_engine

    use_engine(engine_from_url(url))
    rows = await AuditEntry.select(AuditEntry.username, AuditEntry.path, AuditEntry.status).where(
        AuditEntry.action == "api"
    )
    return [(r["username"], r["path"], r["status"]) for r in rows]


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    url, known = demo_copy(demo_template, tmp_path_factory.mktemp("write_api"), facts)
    with serve(url) as client:
        yield client, known, url


def issue(client: TestClient, name: str, *scopes: str) -> str:
    sign_in(client, "admin")
    answer = client.post(
        "/admin/tokens",
        data={
            "_csrf_token": token_of(client, "/admin/tokens"),
            "name": name,
            "scopes": list(scopes),
        },
    )
    assert answer.status_code == 200, answer.text
    client.cookies.clear()  # the push carries the token only
    return text_of(answer.text, "p", id="token")


def push(client: TestClient, token: str, path: str, body: object) -> Any:
    return client.post(
        path,
        content=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def values(towns: list[tuple[int, str]], quarter: int, level: float) -> list[dict[str, Any]]:
    return [
        {
            "town": name,
            "quarter": quarter,
            "indicator": "环境质量达标率（空气与水质）" if k % 2 else "environment",
            "value": round(level + k * 0.7, 2),
            "unit": "%",
        }
        for k, (_, name) in enumerate(towns)
    ]


def test_a_pushed_quarter_is_checked_whole_then_replaced_until_it_settles(site: tuple) -> None:
    client, known, url = site
    year, towns = known["year"], known["towns"]
    path = f"/api/v1/scorecard/{year}/sources/environment/values"
    reader = issue(client, "县数据平台", "scorecard:read")
    writer = issue(client, "环境监测系统", "scorecard:write")
    assert run_blocking(stored(url, year, "environment", 4)) == {}  # the open quarter
    assert len(towns) >= 4

    refused = push(client, reader, path, {"values": values(towns[:3], 4, 90.0)})
    assert refused.status_code == 403 and "写入权限" in refused.json()["detail"]

    # one bad row among four: refused whole, the row named with its reason, nothing written
    bad = values(towns, 4, 90.0)
    bad[2]["value"] = "九十"
    answer = push(client, writer, path, {"values": bad})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert "未导入任何数据" in problem["detail"]
    assert problem["errors"]["数值"] == "第 3 行的数值不是数字"
    outside = values(towns, 4, 90.0)
    outside[3]["value"] = 130.0
    answer = push(client, writer, path, {"values": outside})
    assert answer.status_code == 400 and "130 不在 0–100 之间" in json.dumps(
        answer.json(), ensure_ascii=False
    )
    assert run_blocking(stored(url, year, "environment", 4)) == {}
    assert all(h["quarter"] != 4 for h in run_blocking(history(url, year, "environment")))

    first = values(towns[:3], 4, 90.0)
    answer = push(client, writer, path, {"values": first})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "source": "environment",
        "quarters": [4],
        "towns": 3,
        "values": 3,
        "records": 3,
        "replaced": [],
    }
    by_id = dict(towns)
    names = {name: town for town, name in towns}
    assert run_blocking(stored(url, year, "environment", 4)) == {
        names[v["town"]]: v["value"] for v in first
    }

    # the source sends the quarter again, corrected and for every town: it replaces the first
    second = values(towns, 4, 85.0)
    answer = push(client, writer, path, {"values": second})
    assert answer.status_code == 200 and answer.json()["replaced"] == [4]
    assert run_blocking(stored(url, year, "environment", 4)) == {
        names[v["town"]]: v["value"] for v in second
    }
    kept = [h for h in run_blocking(history(url, year, "environment")) if h["quarter"] == 4]
    assert [h["replaced_at"] is None for h in kept] == [False, True]
    assert kept[0]["imported_by"] == kept[0]["replaced_by"] == "api:环境监测系统"
    assert {
        (by_id[r["town_id"]], r["value"], r["status"])
        for r in json.loads(kept[0]["replaced_values"])
    } == {(v["town"], v["value"], "ok") for v in first}
    sign_in(client, "assessment_office")
    listed = text_of(client.get(f"/scorecard/{year}/imports").text, "table", id="import-history")
    assert "已被替换" in listed and "原 3 个数值留档" in listed and "环境监测系统接口推送" in listed
    client.cookies.clear()

    # a settled quarter (its deadline has passed) keeps its import: corrections go to 核查
    settled = push(client, writer, path, {"values": values(towns[:3], 3, 80.0)})
    assert settled.status_code == 400 and "第 3 季度已结算" in settled.json()["detail"]
    assert run_blocking(stored(url, year, "environment", 4)) == {
        names[v["town"]]: v["value"] for v in second
    }

    # a records source takes its own rows on its own route
    hotline = f"/api/v1/scorecard/{year}/sources/hotline_12345/values"
    wrong_route = push(client, writer, hotline, {"values": values(towns[:1], 4, 90.0)})
    assert wrong_route.status_code == 400 and "/records" in json.dumps(wrong_route.json())
    orders = [
        {
            "工单编号": f"API{k}",
            "所属乡镇": name,
            "受理时间": f"{year}-11-0{1 + k % 5} 09:00",
            "办结时间": f"{year}-11-0{2 + k % 5} 09:00",
        }
        for k, (_, name) in enumerate(towns[:4])
    ]
    taken = push(client, writer, hotline.replace("/values", "/records"), {"records": orders})
    assert taken.status_code == 200, taken.text
    assert taken.json()["records"] == 4 and taken.json()["quarters"] == [4]

    uses = run_blocking(audited(url))
    assert ("api:环境监测系统", path, 200) in uses and ("api:环境监测系统", path, 400) in uses
    assert ("api:县数据平台", path, 403) in uses


def test_garbage_pushes_get_problems_not_errors(site: tuple) -> None:
    client, known, url = site
    year = known["year"]
    writer = issue(client, "网格管理平台", "scorecard:write")
    path = f"/api/v1/scorecard/{year}/sources/environment/values"
    before = run_blocking(stored(url, year, "environment", 4))
    for body in (
        {"values": []},
        {"values": [{"town": "x"}]},
        {"values": "all"},
        {"rows": []},
        [1, 2],
    ):
        answer = push(client, writer, path, body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert push(
        client, writer, path.replace("environment", "nowhere"), {"values": []}
    ).status_code in (
        400,
        404,
    )
    assert push(
        client,
        writer,
        f"/api/v1/scorecard/{year + 5}/sources/environment/values",
        {"values": values(known["towns"][:1], 4, 90.0)},
    ).status_code in (404, 409)
    assert run_blocking(stored(url, year, "environment", 4)) == before
