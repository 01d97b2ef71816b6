"""Settings read from the environment into a typed, validated struct.

Every setting has help text; a bad value stops startup with one line that names the
variable and says what is wrong (`SettingsError`), never a traceback.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import msgspec

if TYPE_CHECKING:
    from evaluation.outbox.transports import Transport

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "cadre360.sqlite"

Mode = Literal["development", "production", "test"]


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line meant for an operator."""


@dataclass(frozen=True)
class Setting:
    env: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("CADRE360_MODE", "development", "development | production | test"),
    Setting(
        "DATABASE_URL",
        None,
        "sqlite:///path/to/file.sqlite (default var/cadre360.sqlite) or postgresql://user:pw@host/db",
    ),
    Setting("SECRET_KEY", None, "signs cookies and CSRF tokens; required in production"),
    Setting("HOST", "127.0.0.1", "address `cadre360 serve` binds to"),
    Setting("PORT", "8000", "port `cadre360 serve` listens on"),
    Setting("WORKERS", "1", "uvicorn worker processes (use PostgreSQL for more than one)"),
    Setting("LOG_LEVEL", "info", "debug | info | warning | error"),
    Setting(
        "RESIDENT_RATE_LIMIT", "20", "resident submissions per minute per address (0 = no limit)"
    ),
    Setting(
        "TRUSTED_PROXIES",
        "",
        "addresses of reverse proxies whose X-Forwarded-For is believed, comma-separated "
        "(empty: none — the connecting address is the client)",
    ),
    Setting(
        "ONE_TIME_PASSWORD_DAYS",
        "30",
        "days a one-time password (login slip, reset) works before it must be issued again",
    ),
    Setting(
        "CADRE360_NOTIFY",
        "",
        "how notices leave the server: empty or `outbox` (kept for printing), "
        "`wecom:<webhook url>` (a WeCom group robot, one text per town), "
        "`sms:<gateway url>` (an HTTP SMS gateway, to each person's 手机号) or "
        "`smtp://host:port?from=<address>&user=<name>&tls=starttls|ssl|none` (mail to each "
        "person's 电子邮箱)",
    ),
    Setting(
        "CADRE360_NOTIFY_SECRET",
        "",
        "the SMTP password or the SMS gateway's bearer token (kept out of CADRE360_NOTIFY)",
    ),
    Setting(
        "TRAINING_ABSENCE_LIMIT",
        "2",
        "absences from training without an apology (in one plan) after which the cadre's "
        "leaders are told, and again at each further absence (1–20)",
    ),
    Setting(
        "SUPERVISION_PHONE",
        "",
        "the assessment office's 监督电话, printed on the public results pages (empty: not shown)",
    ),
    Setting(
        "CADRE360_TODAY",
        "",
        "pin today's date (YYYY-MM-DD) for demos, training sessions and tests — reporting "
        "windows and deadlines follow it (empty: the real date)",
    ),
)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    mode: Mode = "development"
    database_url: str
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    resident_rate_limit: int = 20
    trusted_proxies: tuple[str, ...] = ()
    today: date | None = None
    one_time_password_days: int = 30
    notify: str = ""  # CADRE360_NOTIFY: the transport notices leave by (evaluation.outbox)
    notify_secret: str = ""  # CADRE360_NOTIFY_SECRET: that transport's password or token
    supervision_phone: str = ""  # SUPERVISION_PHONE: printed on the public results pages
    absence_limit: int = 2  # TRAINING_ABSENCE_LIMIT: absences before a leader is told

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return sqlite_path_from_url(self.database_url)

    @property
    def cookies_secure(self) -> bool:
        return self.mode == "production"


def sqlite_path_from_url(url: str) -> Path:
    """`sqlite:///relative.db` is relative to the project, `sqlite:////abs.db` absolute."""
    raw = url.removeprefix("sqlite://")
    if raw.startswith("//"):
        return Path(raw[1:])
    path = Path(raw.removeprefix("/"))
    return path if path.is_absolute() else PROJECT_ROOT / path


def validate_database_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if not url.startswith("sqlite:///") or url in ("sqlite:///", "sqlite:////"):
            raise SettingsError(
                f"DATABASE_URL is malformed: {url!r}; expected sqlite:///path/to/file.sqlite"
            )
        return url
    if parts.scheme in ("postgresql", "postgres"):
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or not parts.path.strip("/") or port == -1:
            raise SettingsError(
                f"DATABASE_URL is malformed: {redact(url)!r}; "
                "expected postgresql://user:password@host:5432/dbname"
            )
        return url
    raise SettingsError(
        f"DATABASE_URL has unsupported scheme {parts.scheme or '(none)'!r}; use sqlite:/// or postgresql://"
    )


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def database_url_of(environ: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL, checked (the default SQLite file when unset) — for the settings and for
    piccolo's own command line (`piccolo_conf.py`), so both read it one way."""
    env = os.environ if environ is None else environ
    return validate_database_url(env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}")


def _notify_setting(value: str) -> str:
    from evaluation.outbox.transports import BadChannel, transport_for

    try:
        transport_for(value)
    except BadChannel as exc:
        raise SettingsError(f"CADRE360_NOTIFY {exc}") from None
    return value.strip()


def transport(settings: Settings) -> Transport:
    """The transport the settings name (checked at load, so this cannot fail)."""
    from evaluation.outbox.transports import transport_for

    return transport_for(settings.notify, settings.notify_secret)


def _phone_setting(value: str) -> str:
    value = value.strip()
    if value and not re.fullmatch(r"[0-9+()\- ]{3,32}", value):
        raise SettingsError(f"SUPERVISION_PHONE must be a telephone number, not {value!r}")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    raw = {s.env: env.get(s.env, s.default) for s in SETTINGS}
    mode = raw["CADRE360_MODE"]
    if mode not in ("development", "production", "test"):
        raise SettingsError(f"CADRE360_MODE must be development, production or test, not {mode!r}")
    database_url = database_url_of(env)
    secret_key = raw["SECRET_KEY"]
    if not secret_key:
        if mode == "production":
            raise SettingsError("SECRET_KEY is required in production mode (32+ random characters)")
        secret_key = secrets.token_urlsafe(32)
    elif mode == "production" and len(secret_key) < 32:
        raise SettingsError("SECRET_KEY must be at least 32 characters in production mode")
    try:
        return msgspec.convert(
            {
                "mode": mode,
                "database_url": database_url,
                "secret_key": secret_key,
                "host": raw["HOST"],
                "port": _int_setting("PORT", raw["PORT"], 1, 65535),
                "workers": _int_setting("WORKERS", raw["WORKERS"], 1, 64),
                "log_level": (raw["LOG_LEVEL"] or "info").lower(),
                "resident_rate_limit": _int_setting(
                    "RESIDENT_RATE_LIMIT", raw["RESIDENT_RATE_LIMIT"], 0, 100_000
                ),
                "trusted_proxies": _addresses("TRUSTED_PROXIES", raw["TRUSTED_PROXIES"] or ""),
                "today": _date_setting("CADRE360_TODAY", raw["CADRE360_TODAY"] or ""),
                "one_time_password_days": _int_setting(
                    "ONE_TIME_PASSWORD_DAYS", raw["ONE_TIME_PASSWORD_DAYS"], 1, 365
                ),
                "notify": _notify_setting(raw["CADRE360_NOTIFY"] or ""),
                "notify_secret": raw["CADRE360_NOTIFY_SECRET"] or "",
                "supervision_phone": _phone_setting(raw["SUPERVISION_PHONE"] or ""),
                "absence_limit": _int_setting(
                    "TRAINING_ABSENCE_LIMIT", raw["TRAINING_ABSENCE_LIMIT"], 1, 20
                ),
            },
            Settings,
        )
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid setting: {exc}") from None


def _date_setting(name: str, value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a date like 2026-11-20, not {value!r}") from None


def apply_clock(settings: Settings) -> None:
    """Point the domain's notion of today at the setting (the real date when empty)."""
    from evaluation import clock

    pinned = settings.today
    clock.CLOCK = (lambda: pinned) if pinned else clock.real_today


def apply_password_policy(settings: Settings) -> None:
    """How long a one-time password (slip, reset) works, from its setting."""
    from app.accounts import services

    services.ONE_TIME_PASSWORD_DAYS["days"] = settings.one_time_password_days


def _addresses(name: str, value: str) -> tuple[str, ...]:
    found = []
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise SettingsError(f"{name}: {part!r} is not an IP address or network") from None
        found.append(part)
    return tuple(found)


def _int_setting(name: str, value: str | None, low: int, high: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {number}")
    return number


def settings_help() -> str:
    """One paragraph per setting; click's `\\b` marker keeps each as written (not rewrapped
    into one block)."""
    return "\n\n".join(
        f"\b\n{s.env}  (default: {s.default or '-'})\n    {s.help}" for s in SETTINGS
    )
