"""Anonymous failures cannot grow storage without bound (issue 29, #6). Before: every failed
sign-in left a throttle row for good (a run of new names from new addresses grew the table
by one row each) and every refused attempt an audit row (the audit page shows the last 500,
so noise pushed real entries off)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from app.accounts import services, throttle
from app.accounts.tables import AuditEntry, LoginThrottle
from evaluation import clock
from tests.factories import People, csrf_token


async def test_throttle_rows_are_pruned_once_their_window_passed(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = clock.epoch_seconds()
    monkeypatch.setattr(clock, "epoch_seconds", lambda: start)
    for n in range(20):
        assert (
            await services.authenticate(f"guess-{n}", "wrong-password-1", f"198.18.{n}.1") is None
        )
    assert await LoginThrottle.count() == 40  # a pair and an address row each, for now
    later = start + throttle.WINDOW_S + throttle.ADDRESS_WINDOW_S + 1
    monkeypatch.setattr(clock, "epoch_seconds", lambda: later)
    await services.authenticate("guess-late", "wrong-password-1", "198.18.255.1")
    assert await LoginThrottle.count() == 2  # only the newest attempt's rows remain


def test_a_hammered_lock_leaves_one_audit_entry(client: TestClient, people: People) -> None:
    for _ in range(12):  # five wrong guesses lock the pair; seven more are refused
        client.post(
            "/login",
            data={
                "_csrf_token": csrf_token(client, "/login"),
                "username": "office",
                "password": "wrong-password-1",
            },
        )
    entries = [e for e in AuditEntry.select().run_sync() if e["action"] == "lockout"]
    assert len(entries) == 1, len(entries)


async def test_the_rubric_editor_renders_what_a_rubric_needs_not_what_a_post_asks(
    client: TestClient, people: People
) -> None:
    """Before: `competency_count=1000` rendered an 8 MB error page (and the counts multiply
    with each competency's indicator count); `abc` was a 500."""
    from evaluation.rubrics import versions as rubric_versions_store
    from evaluation.rubrics.editing import form_values, rubric_document
    from evaluation.rubrics.loader import load_default_rubric
    from tests.factories import login, post_form
    from tests.web.test_rubric_pages import _copy

    version_id = await rubric_versions_store.register_default_rubric()
    login(client, "office")
    draft = _copy(client, version_id)
    fields = form_values(rubric_document(load_default_rubric()))
    fields["c0.weight"] = "0.30"  # refused, so the editor renders the posted form again
    normal = post_form(client, draft, fields)
    assert normal.status_code == 400
    huge = {**fields, "competency_count": "1000000", "c0.indicator_count": "100000"}
    refused = post_form(client, draft, huge)
    assert refused.status_code == 400
    assert len(refused.content) < 3 * len(normal.content), len(refused.content)
    garbage = post_form(client, draft, {**fields, "competency_count": "abc"})
    assert garbage.status_code == 400


@pytest.mark.usefixtures("sqlite_url")
async def test_attachments_are_judged_by_content_and_a_town_has_a_quota(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before: an .exe was accepted as evidence, and three posts stored 23 MB. Now the bytes
    decide (PDF, JPG/PNG, .xlsx/.docx, text), whatever the name or the claimed type, and a
    town's year of attachments has a ceiling; a refused report stores nothing."""
    from evaluation.errors import Invalid
    from evaluation.scorecard import reporting, service
    from evaluation.scorecard.reporting import Upload
    from evaluation.scorecard.tables import IndicatorValue, ValueAttachment
    from tests.storage.test_scorecard_storage import (
        Q1_OPEN,
        YEAR,
        published_year,
        town_values,
        towns_by_name,
    )

    await published_year()
    town = (await towns_by_name())["凤凰镇"]
    form = await service.quarter_form(YEAR, town, 1, on=Q1_OPEN)
    fields = town_values(form)
    code = form.items[0].code

    def upload(content: bytes, name: str = "台账.pdf") -> Upload:
        return Upload(
            indicator=code, filename=name, content_type="application/pdf", content=content
        )

    windows_exe = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4
    with pytest.raises(Invalid) as caught:
        await service.report(YEAR, town, 1, fields, {}, [upload(windows_exe)], "r", on=Q1_OPEN)
    assert "附件类型不受支持" in caught.value.problems[f"file_{code}"]
    assert await IndicatorValue.count() == 0 and await ValueAttachment.count() == 0

    pdf = b"%PDF-1.7\n" + b"0" * 1000
    await service.report(YEAR, town, 1, fields, {}, [upload(pdf, "说明.exe")], "r", on=Q1_OPEN)
    stored = await ValueAttachment.select(ValueAttachment.content_type).first()
    assert stored is not None and stored["content_type"] == "application/pdf"  # by content

    monkeypatch.setattr(reporting, "TOWN_ATTACHMENT_QUOTA", 2500)
    with pytest.raises(Invalid) as caught:
        await service.report(YEAR, town, 1, fields, {}, [upload(pdf), upload(pdf)], "r", on=Q1_OPEN)
    assert "上限" in caught.value.problems[f"file_{code}"]
    assert await ValueAttachment.count() == 1


async def test_one_optimiser_run_at_a_time(people: People) -> None:
    """Before: ten plan jobs were accepted together, each holding a core."""
    from evaluation.errors import Conflict
    from tests.factories import draft_cycle
    from training.planning import jobs
    from training.tables import PlanJob

    cycle_id = await draft_cycle(3)
    now = clock.instant()
    await PlanJob.insert(
        PlanJob(cycle=cycle_id, parameters={}, pairs=1, created_at=now, updated_at=now)
    )
    with pytest.raises(Conflict) as caught:
        await jobs.start(None)  # type: ignore[arg-type]  # refused before it reads the problem
    assert "已有一次优化正在运行" in caught.value.message
    assert await PlanJob.count() == 1
