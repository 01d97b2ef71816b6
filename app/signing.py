"""Tamper-evident cookie values: `value.signature` with HMAC-SHA256 over the app secret."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, purpose: str, value: str) -> str:
    mac = hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{value}.{mac}"


def unsign(secret: str, purpose: str, signed: str | None) -> str | None:
    if not signed or "." not in signed or len(signed) > 200:
        return None
    value, _, mac = signed.rpartition(".")
    expected = sign(secret, purpose, value).rpartition(".")[2]
    return value if hmac.compare_digest(mac, expected) else None
