"""Outbound notifications: the outbox table is the record and the default channel; an
adapter chosen by the setting `CADRE360_NOTIFY` (read with every other setting in
`app/config.py`, passed in here) delivers beyond it.

* unset or `outbox` — messages stay in the outbox (`outbox_message`), for the office to
  print or export; nothing leaves the server.
* `wecom:<webhook url>` — a WeCom group robot (企业微信群机器人): one text message per town,
  naming who still has evaluations to finish, posted as JSON to the webhook.

Only names and counts leave the server, never who rates whom.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

WECOM_TEXT_LIMIT = 2000  # the robot refuses longer text messages
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Channel:
    name: str  # outbox | wecom
    url: str = ""


def configured_channel(setting: str) -> Channel:
    """The channel a (checked) CADRE360_NOTIFY value names."""
    kind, _, url = setting.strip().partition(":")
    if kind == "wecom" and url.startswith(("http://", "https://")):
        return Channel("wecom", url)
    return Channel("outbox")


def post_wecom(url: str, text: str) -> str:
    """Post one text message; '' when the robot accepted it, else the reason (in words)."""
    body = json.dumps(
        {"msgtype": "text", "text": {"content": text[:WECOM_TEXT_LIMIT]}}, ensure_ascii=False
    ).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read(64 * 1024) or b"{}")
    except (urllib.error.URLError, TimeoutError, ValueError, OSError) as exc:
        return f"发送失败：{exc}"[:500]
    code = answer.get("errcode", 0) if isinstance(answer, dict) else -1
    return "" if code == 0 else f"企业微信拒绝：{answer}"[:500]
