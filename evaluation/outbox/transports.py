"""How a queued message leaves the server: one class per channel, chosen by the setting
`CADRE360_NOTIFY` (read with every other setting in `app/config.py`):

* empty or `outbox` — nothing leaves: messages stay queued in the outbox, for the office to
  print (the per-town notices) or export;
* `wecom:<webhook url>` — a WeCom group robot (企业微信群机器人): one text per town naming who
  still has work to do;
* `smtp://host:port?from=<address>[&user=<name>][&tls=starttls|ssl|none]` — mail to each
  person's 电子邮箱 from the roster (the password is `CADRE360_NOTIFY_SECRET`);
* `sms:<gateway url>` — an HTTP SMS gateway: a JSON POST `{"phone", "text"}` per person with
  the roster's 手机号, `Authorization: Bearer <CADRE360_NOTIFY_SECRET>`; any 2xx is accepted.

Adding a channel is one class here with `name`, `label`, `batches` and `send`, and one line
in `transport_for`. Only names, counts and dates leave the server, never who rates whom.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import ClassVar, Protocol
from urllib.parse import parse_qs, urlsplit

from evaluation.outbox.messages import render_group

TIMEOUT_SECONDS = 10
WECOM_TEXT_LIMIT = 2000  # the robot refuses longer text messages
ANSWER_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Outgoing:
    """A claimed message with what a transport may need to reach its recipient."""

    id: int
    kind: str
    round_id: int | None
    town: str
    name: str
    phone: str
    email: str
    subject: str
    body: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Batch:
    """What one `send` delivers: the messages it covers, where to, and the text."""

    ids: tuple[int, ...]
    address: str  # "" when the recipient cannot be reached on this channel
    subject: str
    text: str
    missing: str = ""  # why `address` is empty, in words


class Transport(Protocol):
    name: ClassVar[str]  # stored on each message and round (outbox | wecom | smtp | sms)
    label: ClassVar[str]  # what the office reads

    def batches(self, messages: Sequence[Outgoing]) -> list[Batch]: ...

    def send(self, batch: Batch) -> str:
        """'' when the channel accepted it, else the reason in words."""
        ...


def _one_each(messages: Sequence[Outgoing], contact: str, missing: str) -> list[Batch]:
    return [
        Batch(
            ids=(m.id,),
            address=getattr(m, contact),
            subject=m.subject,
            text=m.body,
            missing="" if getattr(m, contact) else missing,
        )
        for m in messages
    ]


@dataclass(frozen=True)
class OutboxOnly:
    """Nothing leaves the server; the worker never picks these messages up."""

    name: ClassVar[str] = "outbox"
    label: ClassVar[str] = "系统发件箱（打印通知、下发名单）"

    def batches(self, messages: Sequence[Outgoing]) -> list[Batch]:
        return []

    def send(self, batch: Batch) -> str:
        return "发件箱不发送消息"


@dataclass(frozen=True)
class WeComRobot:
    url: str
    name: ClassVar[str] = "wecom"
    label: ClassVar[str] = "企业微信群机器人"

    def batches(self, messages: Sequence[Outgoing]) -> list[Batch]:
        groups: dict[tuple[int | None, str, str], list[Outgoing]] = {}
        for m in messages:
            groups.setdefault((m.round_id, m.kind, m.town), []).append(m)
        return [
            Batch(
                ids=tuple(m.id for m in members),
                address=town or "（未知乡镇）",
                subject=members[0].subject,
                text=render_group(kind, town, [m.fields for m in members])[:WECOM_TEXT_LIMIT],
            )
            for (_, kind, town), members in groups.items()
        ]

    def send(self, batch: Batch) -> str:
        answer, error = _post_json(self.url, {"msgtype": "text", "text": {"content": batch.text}})
        if error:
            return error
        code = answer.get("errcode", 0) if isinstance(answer, dict) else -1
        return "" if code == 0 else f"企业微信拒绝：{answer}"[:500]


@dataclass(frozen=True)
class SmsGateway:
    url: str
    token: str = field(default="", repr=False)
    name: ClassVar[str] = "sms"
    label: ClassVar[str] = "短信"

    def batches(self, messages: Sequence[Outgoing]) -> list[Batch]:
        return _one_each(messages, "phone", "花名册中没有此人的手机号")

    def send(self, batch: Batch) -> str:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        _, error = _post_json(self.url, {"phone": batch.address, "text": batch.text}, headers)
        return error


@dataclass(frozen=True)
class SmtpMail:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)
    tls: str = "starttls"  # starttls | ssl | none
    name: ClassVar[str] = "smtp"
    label: ClassVar[str] = "电子邮件"

    def batches(self, messages: Sequence[Outgoing]) -> list[Batch]:
        return _one_each(messages, "email", "花名册中没有此人的电子邮箱")

    def send(self, batch: Batch) -> str:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = batch.address
        mail["Subject"] = batch.subject
        mail.set_content(batch.text)
        try:
            if self.tls == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=TIMEOUT_SECONDS,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
            with client:
                if self.tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password)
                client.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            return f"邮件发送失败：{exc}"[:500]
        return ""


def _post_json(
    url: str, payload: object, headers: dict[str, str] | None = None
) -> tuple[object, str]:
    """POST JSON; (the decoded answer or None, '' or the reason it failed)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(ANSWER_LIMIT)
    except urllib.error.HTTPError as exc:
        return None, f"发送失败：对方返回 {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, f"发送失败：{exc}"[:500]
    try:
        return (json.loads(raw) if raw.strip() else {}), ""
    except ValueError:
        return {}, ""


class BadChannel(ValueError):
    """The setting names no channel this product can send through (the message says why)."""


def transport_for(setting: str, secret: str = "") -> Transport:
    """The transport a `CADRE360_NOTIFY` value names (BadChannel when it names none)."""
    value = setting.strip()
    kind, _, rest = value.partition(":")
    if value in ("", "outbox"):
        return OutboxOnly()
    if kind == "wecom" and rest.startswith(("http://", "https://")):
        return WeComRobot(rest)
    if kind == "sms" and rest.startswith(("http://", "https://")):
        return SmsGateway(rest, secret)
    if kind == "smtp":
        parts = urlsplit(value)
        try:
            port = parts.port
        except ValueError:
            port = -1
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls = query.get("tls", "starttls")
        sender = query.get("from", "")
        if parts.hostname and port != -1 and "@" in sender and tls in ("starttls", "ssl", "none"):
            default_port = 465 if tls == "ssl" else 587
            return SmtpMail(
                parts.hostname,
                port or default_port,
                sender,
                query.get("user", ""),
                secret,
                tls,
            )
    raise BadChannel(
        "must be empty, outbox, wecom:<https webhook url>, sms:<https gateway url> or "
        f"smtp://host:port?from=<address>, not {value!r}"
    )
