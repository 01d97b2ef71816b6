"""Notices leave through transports, each against a real local server: an HTTP SMS gateway
(to the roster's 手机号, with the bearer secret) and an SMTP server (aiosmtpd, to the roster's
电子邮箱). A person the channel cannot reach fails at once with the reason; a channel error is
retried, then fails; two workers delivering at once never send one message twice; and
`cadre360 deliver` runs the same worker from cron."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from app.cli import main
from app.config import Settings
from evaluation.cycles import reminders
from evaluation.outbox.store import MAX_ATTEMPTS
from evaluation.outbox.transports import SmsGateway, SmtpMail, transport_for
from evaluation.outbox.worker import deliver_queued
from evaluation.tables import Cadre, OutboxMessage
from tests.factories import People, open_cycle
from tests.servers import free_port


class Gateway(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    answer: ClassVar[int] = 200
    delay: ClassVar[float] = 0.0
    lock = threading.Lock()

    def do_POST(self) -> None:
        time.sleep(Gateway.delay)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Gateway.lock:
            Gateway.received.append({**body, "auth": self.headers.get("Authorization")})
        self.send_response(Gateway.answer)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"code": 0}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    Gateway.received, Gateway.answer, Gateway.delay = [], 200, 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    server.shutdown()


class Mailbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


async def queued_round(channel: str) -> tuple[int, dict[int, dict[str, Any]]]:
    """A reminder round queued on `channel`; the chased cadres' roster contacts by id."""
    cycle_id = await open_cycle()
    await reminders.send_round(cycle_id, "office", channel)
    chased = await OutboxMessage.select(OutboxMessage.recipient)
    ids = [m["recipient"] for m in chased]
    contacts = {
        c["id"]: c
        for c in await Cadre.select(Cadre.id, Cadre.name, Cadre.phone, Cadre.email).where(
            Cadre.id.is_in(ids)
        )
    }
    return cycle_id, contacts


async def statuses() -> dict[int, tuple[str, str, str]]:
    rows = await OutboxMessage.select(
        OutboxMessage.recipient, OutboxMessage.status, OutboxMessage.address, OutboxMessage.error
    )
    return {r["recipient"]: (r["status"], r["address"], r["error"]) for r in rows}


async def test_sms_reach_each_phone_in_the_roster_and_name_who_has_none(
    people: People, gateway: str
) -> None:
    _, contacts = await queued_round("sms")
    with_phone = {i for i, c in contacts.items() if c["phone"]}
    assert with_phone and len(with_phone) < len(contacts)  # the demo roster leaves some blank
    done = await deliver_queued(SmsGateway(gateway, "s3cret"))
    assert (done.sent, done.failed, done.retrying) == (
        len(with_phone),
        len(contacts) - len(with_phone),
        0,
    )
    by_phone = {m["phone"]: m for m in Gateway.received}
    assert set(by_phone) == {contacts[i]["phone"] for i in with_phone}
    for i in with_phone:
        sms = by_phone[contacts[i]["phone"]]
        assert sms["auth"] == "Bearer s3cret"
        assert (
            sms["text"].startswith(f"{contacts[i]['name']}同志：") and "份评价未完成" in sms["text"]
        )
    result = await statuses()
    for i, contact in contacts.items():
        status, address, error = result[i]
        if contact["phone"]:
            assert (status, address, error) == ("sent", contact["phone"], "")
        else:
            assert (status, error) == ("failed", "花名册中没有此人的手机号")
    # nothing is sent twice: a second run finds nothing to do
    again = await deliver_queued(SmsGateway(gateway, "s3cret"))
    assert (again.sent, again.failed, len(Gateway.received)) == (0, 0, len(with_phone))


async def test_a_refusing_gateway_is_retried_then_recorded_as_failed(
    people: People, gateway: str
) -> None:
    await queued_round("sms")
    Gateway.answer = 503
    sender = SmsGateway(gateway)
    first = await deliver_queued(sender)
    assert first.sent == 0 and first.retrying > 0
    waiting = {s for s, _, _ in (await statuses()).values()}
    assert waiting == {"queued", "failed"}  # the refused wait; the unreachable fail at once
    for _ in range(MAX_ATTEMPTS - 1):
        await deliver_queued(sender)
    final = await statuses()
    assert {s for s, _, _ in final.values()} == {"failed"}
    assert any(e == "发送失败：对方返回 503" for _, _, e in final.values())
    attempts = {r["attempts"] for r in await OutboxMessage.select(OutboxMessage.attempts)}
    assert attempts <= {1, MAX_ATTEMPTS}  # 1: no phone (never retried)


async def test_two_workers_at_once_never_send_a_message_twice(people: People, gateway: str) -> None:
    await queued_round("sms")
    Gateway.delay = 0.02
    sender = SmsGateway(gateway)
    first, second = await asyncio.gather(deliver_queued(sender), deliver_queued(sender))
    phones = [m["phone"] for m in Gateway.received]
    assert len(phones) == len(set(phones)) == first.sent + second.sent > 0


async def test_mail_reaches_each_address_in_the_roster(
    people: People, mailbox: tuple[Mailbox, int]
) -> None:
    handler, port = mailbox
    _, contacts = await queued_round("smtp")
    sender = transport_for(f"smtp://127.0.0.1:{port}?from=kaohe@lechuan.gov.cn&tls=none")
    assert isinstance(sender, SmtpMail)
    with_mail = {i for i, c in contacts.items() if c["email"]}
    assert with_mail and len(with_mail) < len(contacts)
    done = await deliver_queued(sender)
    assert done.sent == len(with_mail) and done.failed == len(contacts) - len(with_mail)
    assert {rcpt for _, tos, _ in handler.received for rcpt in tos} == {
        contacts[i]["email"] for i in with_mail
    }
    mail = message_from_bytes(handler.received[0][2])
    assert mail["From"] == "kaohe@lechuan.gov.cn"
    assert "催办提醒" in str(make_header(decode_header(mail["Subject"])))
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes) and "份评价未完成" in body.decode()
    failed = [e for s, _, e in (await statuses()).values() if s == "failed"]
    assert failed and set(failed) == {"花名册中没有此人的电子邮箱"}


async def test_the_deliver_command_sends_what_waits(
    settings: Settings, people: People, gateway: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await queued_round("sms")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CADRE360_NOTIFY", f"sms:{gateway}")
    monkeypatch.setenv("CADRE360_NOTIFY_SECRET", "t0ken")
    result = await asyncio.to_thread(CliRunner().invoke, main, ["deliver"])
    assert result.exit_code == 0, result.output
    assert f"短信 — {len(Gateway.received)} sent" in result.output and Gateway.received
    assert {m["auth"] for m in Gateway.received} == {"Bearer t0ken"}
    monkeypatch.setenv("CADRE360_NOTIFY", "outbox")
    kept = await asyncio.to_thread(CliRunner().invoke, main, ["deliver"])
    assert kept.exit_code == 0 and "notices stay there" in kept.output
