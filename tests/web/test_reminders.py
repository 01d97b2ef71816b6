"""The office sends reminder rounds: one outbox message per rater with open evaluations,
printable per-town notices and per-town Excel lists made from the round as sent, every
round recorded; with a WeCom robot configured, the serving process's background delivery
posts one message per town to a real local HTTP server after the request has answered."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import fastexcel
import msgspec
import polars as pl
import pytest
from litestar.testing import TestClient

from app.config import Settings, SettingsError, load_settings
from evaluation import clock
from evaluation.cycles import service as cycle_service
from evaluation.cycles.reminders import outstanding
from evaluation.outbox.store import MAX_ATTEMPTS
from evaluation.outbox.transports import transport_for
from evaluation.outbox.worker import deliver_queued
from evaluation.tables import OutboxMessage, ReminderRound
from tests.factories import People, answer_assignments, login, open_cycle, post_form
from tests.web.html import select, text_of, texts


async def test_a_round_reaches_every_rater_with_open_work_and_is_recorded(
    client: TestClient, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    cycle_id = await open_cycle()
    await answer_assignments(cycle_id, every=3)
    chased = await outstanding(cycle_id)
    assert chased.height > 0
    login(client, "office")
    page = f"/office/cycles/{cycle_id}/reminders"
    assert f"确认催办人数（全部 {chased.height} 人）" in client.get(page).text
    sent = post_form(client, page, {}, page=page)
    assert sent.status_code == 302
    round_page = client.get(sent.headers["location"])
    assert "本轮催办已发出" in round_page.text

    messages = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert {m["recipient"] for m in messages} == set(chased["rater_id"].to_list())
    assert all(m["status"] == "queued" and m["channel"] == "outbox" for m in messages)
    by_rater = dict(zip(chased["rater_id"], chased["open"], strict=True))
    assert all(f"还有 {by_rater[m['recipient']]} 份评价未完成" in m["body"] for m in messages)

    location = sent.headers["location"].split("?")[0]
    notices = client.get(f"{location}/notices")
    towns = chased["town"].unique().to_list()
    assert len(select(notices.text, "article", class_="notice-sheet")) == len(towns)
    assert all(name in notices.text for name in chased["name"])
    book = fastexcel.read_excel(client.get(f"{location}/reminders.xlsx").content)
    assert sorted(book.sheet_names[1:]) == sorted(towns)
    everyone = book.load_sheet(0).to_polars()
    assert everyone.height == chased.height

    # the round stays as it was sent, whatever happens afterwards; a second round is new —
    # refused within ten minutes of the first (nobody gets the same reminder twice), sent after
    await answer_assignments(cycle_id, every=2)
    too_soon = post_form(client, page, {}, page=page)
    assert too_soon.status_code == 409 and "10 分钟内不再重复发送" in too_soon.text
    assert await ReminderRound.count() == 1
    later = clock.real_wall() + timedelta(minutes=11)
    monkeypatch.setattr(clock, "WALL", lambda: later)
    again = post_form(client, page, {}, page=page)
    assert again.status_code == 302
    assert await ReminderRound.count() == 2
    first_round = client.get(location)
    assert len(texts(first_round.text, "tr")) - 1 == chased.height
    history = texts(client.get(page).text, "tr")
    assert sum("office" in row for row in history) == 2


async def test_no_round_for_a_cycle_that_is_not_open(client: TestClient, people: People) -> None:
    cycle_id = await open_cycle()
    await cycle_service.move_cycle(cycle_id, "close")
    login(client, "office")
    page = f"/office/cycles/{cycle_id}/reminders"
    refused = post_form(client, page, {}, page=page)
    assert refused.status_code == 409 and "只有进行中的周期可以催办" in refused.text
    assert await ReminderRound.count() == 0 and await OutboxMessage.count() == 0


class Robot(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Robot.received.append(json.loads(self.rfile.read(length)))
        body = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def robot() -> Iterator[str]:
    Robot.received = []
    server = HTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test"
    server.shutdown()


@contextmanager
def notifying(settings: Settings, channel: str) -> Iterator[TestClient]:
    """The app started with CADRE360_NOTIFY set, as a deployment sets it."""
    from app.asgi import create_app

    configured = msgspec.structs.replace(settings, notify=channel)
    with TestClient(app=create_app(configured), base_url="http://testserver.local") as client:
        yield client


def test_a_bad_channel_stops_the_program_with_one_line() -> None:
    for bad in ("sms:12345", "smtp://mail.example:25", "smtp://:25?from=a@b.cn", "fax:123"):
        with pytest.raises(SettingsError, match="CADRE360_NOTIFY"):
            load_settings({"CADRE360_NOTIFY": bad})
    for good in (
        "wecom:https://qyapi.example/send",
        "sms:https://sms.example/send",
        "smtp://mail.example:587?from=kaohe@example.gov.cn&user=kaohe",
    ):
        assert load_settings({"CADRE360_NOTIFY": good}).notify == good


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15) -> None:
    """Wait for the background delivery (it runs after the response, in the app's loop)."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "the background delivery did not finish"
        await asyncio.sleep(0.05)


async def test_the_wecom_adapter_posts_one_message_per_town(
    settings: Settings, people: People, robot: str
) -> None:
    with notifying(settings, f"wecom:{robot}") as client:
        await wecom_round(client)


async def wecom_round(client: TestClient) -> None:
    cycle_id = await open_cycle()
    chased = await outstanding(cycle_id)
    login(client, "office")
    page = f"/office/cycles/{cycle_id}/reminders"
    assert "企业微信群机器人" in client.get(page).text
    assert post_form(client, page, {}, page=page).status_code == 302
    towns = chased["town"].unique().to_list()

    async def all_sent() -> bool:
        rows = await OutboxMessage.select(OutboxMessage.status)
        return bool(rows) and all(m["status"] == "sent" for m in rows)

    await eventually(all_sent)
    assert len(Robot.received) == len(towns)
    texts_sent = [str(m["text"]["content"]) for m in Robot.received]  # type: ignore[index]
    for town in towns:
        assert any(town in t for t in texts_sent)
    round_page = client.get(f"{page}/{await latest_round()}")
    assert f"{chased.height} / 0 / 0" in round_page.text  # sent / failed / waiting


async def test_an_unreachable_robot_is_recorded_as_failed(
    settings: Settings, people: People
) -> None:
    with notifying(settings, "wecom:http://127.0.0.1:9/unreachable") as client:
        await unreachable_round(client)


async def unreachable_round(client: TestClient) -> None:
    cycle_id = await open_cycle()
    login(client, "office")
    page = f"/office/cycles/{cycle_id}/reminders"
    assert post_form(client, page, {}, page=page).status_code == 302

    async def tried_once() -> bool:
        rows = await OutboxMessage.select(OutboxMessage.status, OutboxMessage.attempts)
        return bool(rows) and all((m["status"], m["attempts"]) == ("queued", 1) for m in rows)

    await eventually(tried_once)  # one failed attempt: queued again with the reason
    sender = transport_for("wecom:http://127.0.0.1:9/unreachable")
    for _ in range(MAX_ATTEMPTS - 1):  # the later runs (`cadre360 deliver`, the timer)
        await deliver_queued(sender)
    rows = await OutboxMessage.select(OutboxMessage.status, OutboxMessage.error)
    assert {m["status"] for m in rows} == {"failed"}
    assert all(m["error"].startswith("发送失败") for m in rows)
    shown = client.get(f"{page}/{await latest_round()}").text
    assert f"0 / {len(rows)} / 0" in shown  # sent / failed / waiting
    listed = texts(shown, "tr")[1:]
    assert len(listed) == len(rows) and all("发送失败（发送失败：" in r for r in listed)


async def latest_round() -> int:
    found = (
        await ReminderRound.select(ReminderRound.id)
        .order_by(ReminderRound.id, ascending=False)
        .first()
    )
    return int(found["id"])


async def test_a_raters_home_leads_with_their_evaluations_to_do_and_the_reminder(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    login(client, "office")
    page = f"/office/cycles/{cycle_id}/reminders"
    assert post_form(client, page, {}, page=page).status_code == 302
    login(client, "member")
    home = client.get("/me")
    items = texts(home.text, "li", class_="task")
    assert "待完成" in items[0] and "截止" in items[0]  # the to-do leads
    assert any("考核办催办" in item and "份评价未完成" in item for item in items)
    await answer_assignments(cycle_id)  # everything answered: the to-do is gone
    items = texts(client.get("/me").text, "li", class_="task")
    assert not any("待完成" in item for item in items)


async def test_the_office_home_leads_with_its_to_dos(client: TestClient, people: People) -> None:
    login(client, "office")
    assert "目前没有待办" in client.get("/office").text
    cycle_id = await open_cycle()
    await answer_assignments(cycle_id, every=2)
    home = client.get("/office")
    items = texts(home.text, "li", class_="task")
    assert "进行中：已完成" in items[0]
    assert f'href="/office/cycles/{cycle_id}/progress"' in home.text
    await cycle_service.move_cycle(cycle_id, "close")
    items = texts(client.get("/office").text, "li", class_="task")
    assert any("已截止：待计算并发布结果" in item for item in items)


async def test_a_round_to_chosen_towns_is_confirmed_first_and_reaches_them_alone(
    client: TestClient, people: People
) -> None:
    cycle_id = await open_cycle()
    chased = await outstanding(cycle_id)
    towns = sorted(set(chased["town"]))
    assert len(towns) >= 2
    chosen = towns[:1]
    login(client, "office")
    page = f"/office/cycles/{cycle_id}/reminders"
    boxes = [i.attrs["value"] for i in select(client.get(page).text, "input", name="town")]
    assert sorted(boxes) == towns  # every town with open work, each ticked by default
    confirm = client.get(f"{page}/confirm", params={"town": chosen})
    mine = chased.filter(pl.col("town").is_in(chosen))
    summary = text_of(confirm.text, "p", id="summary")
    assert f"将向 1 个乡镇的 {mine.height} 名评价人发出催办" in summary
    assert f"共 {mine['open'].sum()} 份评价未完成" in summary
    assert await OutboxMessage.count() == 0  # a confirmation page sends nothing
    sent = post_form(client, page, {"town": chosen[0]}, page=f"{page}/confirm?town={chosen[0]}")
    assert sent.status_code == 302
    messages = await OutboxMessage.select(OutboxMessage.town)
    assert {m["town"] for m in messages} == set(chosen) and len(messages) == mine.height
    none = client.get(f"{page}/confirm")
    assert none.status_code == 409 and "请至少选择一个乡镇" in none.text
