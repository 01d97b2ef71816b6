"""What every `cadre360` command shares: settings that fail loudly, a database bound for one
piece of work, and the audit record of a change made from the console."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click

from app.audit import record_event
from app.config import Settings, SettingsError, load_settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        click.echo(f"cadre360: configuration error: {exc}", err=True)
        sys.exit(2)


def _with_database(settings: Settings, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Bind the engine, run `work` on a fresh event loop."""
    from app.config import apply_clock, apply_password_policy
    from app.database import engine_from_url, use_engine

    use_engine(engine_from_url(settings.database_url))
    apply_clock(settings)
    apply_password_policy(settings)
    return asyncio.run(work())


async def _audit(command: str, what: str) -> None:
    """Changes made from the command line go into the audit log too (as the OS user)."""
    await record_event(
        None, f"cli:{getpass.getuser()}"[:64], "change", "CLI", f"{command} {what}", 0
    )
