"""Small helpers for HTML form posts (values are always strings; absent means empty)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.response import Redirect

MAX_FIELD_CHARS = 2_000


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    return text_fields(dict((await request.form()).items()))


def text_fields(data: dict[str, Any]) -> dict[str, str]:
    """A parsed form body's text fields, each cut to a sane length (files are left out)."""
    return {k: v[:MAX_FIELD_CHARS] for k, v in data.items() if isinstance(v, str)}


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths, so `?next=` cannot send anyone to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


MAX_ID = 2**31 - 1  # the widest integer a column holds here (PostgreSQL serial / integer)
INTEGER = re.compile(r"[+-]?\d+")


def out_of_range(raw: str) -> bool:
    """An integer literal no column can hold (ids, years, counts): what reached the database
    as 2^63 and came back as a 500."""
    text = raw.strip()
    return bool(INTEGER.fullmatch(text)) and not -MAX_ID <= int(text) <= MAX_ID


def ids(values: list[object]) -> list[int]:
    """Ids from repeated form fields (checkbox lists): digits within range, the rest dropped."""
    return [int(v) for v in values if isinstance(v, str) and v.isdigit() and not out_of_range(v)]


class FormReader:
    """Reads typed values from form fields, collecting a Chinese message per bad field."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        self.problems: dict[str, str] = {}

    def text(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default).strip()

    def integer(self, key: str, label: str, *, required: bool = True) -> int | None:
        raw = self.text(key)
        if not raw:
            if required:
                self.problems[key] = f"请填写{label}"
            return None
        try:
            value = int(raw)
        except ValueError:
            self.problems[key] = f"{label}应为整数"
            return None
        if not -MAX_ID <= value <= MAX_ID:
            self.problems[key] = f"{label}超出范围"
            return None
        return value

    def number(self, key: str, label: str, default: float = 0.0) -> float:
        raw = self.text(key)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            self.problems[key] = f"{label}应为数字"
            return default
        if value != value or value in (float("inf"), float("-inf")):
            self.problems[key] = f"{label}应为数字"
            return default
        return value

    def day(self, key: str, label: str, *, required: bool = True) -> date | None:
        raw = self.text(key)
        if not raw:
            if required:
                self.problems[key] = f"请选择{label}"
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.problems[key] = f"{label}格式应为 年-月-日"
            return None


NOTICE_KEY = {"secret": secrets.token_urlsafe(32)}  # the app's secret, set by create_app


def notice_mac(message: str) -> str:
    return hmac.new(
        NOTICE_KEY["secret"].encode(), f"notice:{message}".encode(), hashlib.sha256
    ).hexdigest()[:24]


def redirect_with_message(path: str, message: str) -> Redirect:
    """Post/redirect/get with a short notice shown once on the target page (`path` may hold
    a query and a #fragment: the notice joins the query, the fragment stays last). The notice
    is signed: a link with `?msg=` of someone else's wording shows nothing (issue 29, #10)."""
    target, hash_mark, fragment = path.partition("#")
    joiner = "&" if "?" in target else "?"
    text = message[:200]
    notice = urlencode({"msg": text, "sig": notice_mac(text)})
    return Redirect(path=f"{target}{joiner}{notice}{hash_mark}{fragment}")


def shown_notice(message: str, signature: str) -> str:
    """The notice to show for a request's `msg` and `sig`: only one this app wrote."""
    if not message or not hmac.compare_digest(signature, notice_mac(message)):
        return ""
    return message
