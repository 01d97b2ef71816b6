"""What a resident submission carries besides its answers: device, address, limits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response

from app.signing import sign, unsign

DEVICE_COOKIE = "c360_device"
DEVICE_MAX_AGE = 400 * 24 * 3600


@dataclass(frozen=True)
class ResidentClient:
    device: str
    source_hash: str
    new_device: bool


def resident_client(request: Request[Any, Any, Any]) -> ResidentClient:
    secret = request.app.state.settings.secret_key
    device = unsign(secret, "device", request.cookies.get(DEVICE_COOKIE))
    new = device is None
    device = device or secrets.token_hex(12)
    address = request.client.host if request.client else "unknown"
    source = hashlib.sha256(f"{secret}:{address}".encode()).hexdigest()[:16]
    return ResidentClient(device=device, source_hash=source, new_device=new)


def remember_device(
    request: Request[Any, Any, Any], response: Response[Any], client: ResidentClient
) -> None:
    """Set the signed device cookie on a first visit. Written as a plain header: this runs on
    the busiest path, and the value (hex and a hex signature) needs no quoting."""
    if client.new_device:
        settings = request.app.state.settings
        secure = "; Secure" if settings.cookies_secure else ""
        value = sign(settings.secret_key, "device", client.device)
        response.headers["set-cookie"] = (
            f"{DEVICE_COOKIE}={value}; Max-Age={DEVICE_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax{secure}"
        )


def within_rate_limit(request: Request[Any, Any, Any], client: ResidentClient) -> bool:
    return bool(request.app.state.resident_limiter.allow(client.source_hash))
