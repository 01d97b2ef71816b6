"""实地核查 over HTTP on a copy of the demo county: garbage gets words, never a 500, and
writes nothing; a figure is decided once; only a town's own figures are checked; a photo must
be a photo; the office's 核查 record carries the team's decisions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_blocking
from tests.web.demo_site import demo_copy, serve, sign_in, token_of
from tests.web.html import select


async def facts(url: str) -> dict[str, Any]:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard import service
    from evaluation.scorecard.tables import IndicatorValue

    use_engine(engine_from_url(url))
    year = await service.current_year()
    imported = (
        await IndicatorValue.select(IndicatorValue.id)
        .where((IndicatorValue.source != "town") & (IndicatorValue.plan.year == year))
        .first()
    )
    town = (await service.towns())[0]
    return {"year": year, "town": town.id, "imported": imported["id"]}


async def reviews(url: str) -> int:
    from app.database import engine_from_url, use_engine
    from evaluation.scorecard.tables import ValueReview

    use_engine(engine_from_url(url))
    return await ValueReview.count()


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    url, known = demo_copy(demo_template, tmp_path_factory.mktemp("checks"), facts)
    with serve(url) as client:
        yield client, known, url


def test_bad_checks_are_refused_in_words_and_a_figure_is_decided_once(site: tuple) -> None:
    client, known, url = site
    sign_in(client, "field_checker")
    sheet = f"/check/{known['town']}"
    actions = [
        f.attrs["action"]
        for f in select(client.get(sheet).text, "form")
        if f.attrs.get("action", "").startswith("/check/values/")
    ]
    assert len(actions) >= 2
    before = run_blocking(reviews(url))

    def send(action: str, files: dict[str, Any] | None = None, **fields: str) -> Any:
        return client.post(
            action,
            data={"_csrf_token": token_of(client, sheet), **fields},
            files=files or {"photo": ("", b"", "application/octet-stream")},
            follow_redirects=False,
        )

    for fields, problem in (
        ({}, "请选择"),
        ({"decision": "maybe", "note": "看了台账"}, "请选择"),
        ({"decision": "confirm", "note": "看"}, "请写下现场看到的情况"),
        ({"decision": "correct", "note": "核对台账", "value": "很多"}, "请填写核实后的数值"),
        ({"decision": "correct", "note": "核对台账", "value": "1e309"}, "请填写核实后的数值"),
        ({"decision": "correct", "note": "核对台账", "value": "-5"}, "之间"),
        ({"decision": "confirm", "note": "x" * 301}, "请写下现场看到的情况"),
    ):
        answer = send(actions[0], **fields)
        assert answer.status_code in (400, 404), (fields, answer.status_code)
        assert problem in answer.text, fields
    not_a_photo = send(
        actions[0],
        files={"photo": ("台账.exe", b"MZ\x90\x00" * 10, "application/octet-stream")},
        decision="confirm",
        note="核对台账原件",
    )
    assert not_a_photo.status_code == 400 and "请上传照片" in not_a_photo.text
    assert run_blocking(reviews(url)) == before  # nothing written by any refusal

    done = send(actions[0], decision="confirm", note="核对台账原件，一致")
    assert done.status_code == 303 or done.status_code == 302
    again = send(actions[0], decision="correct", note="再次核对", value="1")
    assert again.status_code == 409 and "已经核查过" in again.text
    imported = send(f"/check/values/{known['imported']}", decision="confirm", note="核对台账")
    assert imported.status_code == 404  # another system's figure is not the team's to check
    assert run_blocking(reviews(url)) == before + 1
    assert client.get("/check/987654").status_code == 404
    assert client.get(f"{sheet}?quarter=abc").status_code == 400

    sign_in(client, "assessment_office")
    review = client.get(f"/scorecard/{known['year']}/review").text
    assert "核查组·刘洋" in review and "实地核查：核对台账原件，一致" in review
