"""`cadre360` command line: serve, migrate, demo, import-roster, create-user, reset-password."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from app.cli_support import _audit, _settings, _with_database
from app.config import redact, settings_help


@click.group(
    help="cadre360 — 干部360度评价与培训平台\n\nSettings (environment):\n\n" + settings_help()
)
def main() -> None:
    pass


@main.command(help="Serve the web app with uvicorn (HOST, PORT, WORKERS from the environment).")
def serve() -> None:
    from app import serving

    settings = _settings()
    # Workers are spawned and read the environment afresh: without this, each would draw its
    # own development key and refuse the sign-in forms the others served (issue 29, #8). A
    # worker restarted after a crash keeps the same key too.
    os.environ.setdefault("SECRET_KEY", settings.secret_key)
    if settings.workers > 1 and settings.is_sqlite:
        click.echo(
            "cadre360: note: several workers on SQLite share one file; use PostgreSQL to scale",
            err=True,
        )
    click.echo(
        f"cadre360: serving {redact(settings.database_url)} at http://{settings.host}:{settings.port}"
    )
    options = {
        "app": "app.asgi:create_app",
        "factory": True,
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "access_log": False,
        # X-Forwarded-For is believed only from the proxies named in TRUSTED_PROXIES:
        # otherwise anyone could rotate it to evade the resident limits and burst flags
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
    }
    try:
        status = serving.serve(options, settings.workers)
    except serving.PortInUse as exc:
        raise click.ClickException(f"cannot serve: {exc}") from None
    sys.exit(status)


@main.command(help="Back up the database to FILE (SQLite online backup, or pg_dump).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    from app import backup as backups

    settings = _settings()
    try:
        backups.backup(settings, file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"cadre360: backed up {redact(settings.database_url)} to {file}")


@main.command(help="Restore the database from FILE made by `backup` (stop the server first).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: the current data is replaced.")
def restore(file: Path, yes: bool) -> None:
    from app import backup as backups

    settings = _settings()
    if not yes:
        click.confirm(f"Replace all data in {redact(settings.database_url)}?", abort=True)
    try:
        backups.restore(settings, file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"cadre360: restored {redact(settings.database_url)} from {file}")


@main.command(help="Create or update the database schema (all piccolo apps).")
def migrate() -> None:
    from app.database import run_migrations

    settings = _settings()
    _with_database(settings, run_migrations)
    click.echo(f"cadre360: database up to date ({redact(settings.database_url)})")


@main.command(
    help="Issue the cards due today on late key-project milestones and bring every town "
    "year's stored standing up to the day (daily; idempotent). The server also does it at "
    "start-up and hourly; schedule this from cron for a server that restarts rarely or runs "
    "several workers."
)
def sweep() -> None:
    from app.daily import daily

    settings = _settings()
    done, told = _with_database(settings, lambda: daily(settings))
    click.echo(
        f"cadre360: card sweep done — {done.yellow} yellow, {done.red} turned red; "
        f"{done.standings} town-year standings stored; {told} absence notices to leaders"
    )


@main.command(
    help="Send the notices waiting in the outbox through CADRE360_NOTIFY's transport (a "
    "failed send is retried on later runs, three attempts in all). The server does it in the "
    "background; schedule this from cron where the server restarts often or notices should "
    "leave at set times."
)
def deliver() -> None:
    from app.config import transport
    from evaluation.outbox.worker import deliver_queued

    settings = _settings()
    sender = transport(settings)
    if sender.name == "outbox":
        click.echo("cadre360: CADRE360_NOTIFY is the outbox — notices stay there for printing")
        return
    done = _with_database(settings, lambda: deliver_queued(sender))
    click.echo(
        f"cadre360: {sender.label} — {done.sent} sent, {done.failed} failed, "
        f"{done.retrying} to retry"
    )


@main.command(help="Load a realistic demo county (towns, cadres, leaders, one login per role).")
@click.option("--towns", default=20, show_default=True, type=click.IntRange(1, 5000))
@click.option("--cadres-per-town", default=60, show_default=True, type=click.IntRange(15, 1000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--if-empty", is_flag=True, help="Do nothing when the database already holds a roster."
)
def demo(towns: int, cadres_per_town: int, seed: int, if_empty: bool) -> None:
    from app.demo.loader import DEMO_PASSWORD, load_demo

    settings = _settings()
    logins = _with_database(settings, lambda: load_demo(towns, cadres_per_town, seed, if_empty))
    if logins is None:
        click.echo("cadre360: demo county already loaded; logins below")
        from app.demo.loader import DEMO_USERS

        logins = [(u.username, u.label) for u in DEMO_USERS]
    click.echo(f"\n演示账号（密码均为 {DEMO_PASSWORD}）:")
    for username, label in logins:
        click.echo(f"  {username:<10} {label}")
    click.echo(f"\n打开 http://{settings.host}:{settings.port}/login\n")


@main.command("import-roster", help="Import towns, cadres and leaders from a .xlsx or .csv roster.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--county", default=None, help="County name (needed on the first import).")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
def import_roster(file: Path, county: str | None, dry_run: bool) -> None:
    from app.roster_cli import run_import

    settings = _settings()
    content = file.read_bytes()
    ok = _with_database(settings, lambda: run_import(content, file.name, county, dry_run))
    sys.exit(0 if ok else 1)


@main.command(
    help="Compute a cycle's results (calibration, weights, release) and store a preview "
    "snapshot; --freeze re-freezes a published cycle that lost its snapshot in an upgrade."
)
@click.option("--cycle", "cycle_id", required=True, type=int)
@click.option(
    "--freeze", is_flag=True, help="freeze it as the published result (published cycles only)"
)
def aggregate(cycle_id: int, freeze: bool) -> None:
    from app.progress import advance, steps
    from evaluation.errors import DomainError
    from evaluation.results import publication, snapshots

    settings = _settings()

    async def work() -> tuple[int, Any]:
        with steps("计算并保存结果快照", total=2) as progress:
            snapshot = await (publication.refreeze if freeze else publication.preview)(cycle_id)
            advance(progress, "完成")
        return snapshot, await snapshots.census(snapshot)

    try:
        snapshot, census = _with_database(settings, work)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"cadre360: snapshot {snapshot} for cycle {cycle_id}{' (frozen)' if freeze else ''}: "
        f"{census.cadres} cadres, {census.scores} scores ({census.withheld} withheld); "
        f"findings {census.findings}"
    )


@main.command("create-user", help="Create an account; the password is asked for unless given.")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["admin", "assessment_office", "training_office", "leader", "cadre", "mystery"]
    ),
)
@click.option(
    "--cadre", "cadre_ref", default=None, help="External id of the cadre (leader/cadre roles)."
)
@click.option("--name", "display_name", default="", help="Display name.")
@click.password_option(prompt="Password", confirmation_prompt=True)
def create_user(
    username: str, role: str, cadre_ref: str | None, display_name: str, password: str
) -> None:
    from app.accounts import services
    from evaluation.errors import DomainError

    settings = _settings()

    async def work() -> int:
        created = await services.create_user(
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            cadre_external_id=cadre_ref,
        )
        await _audit("create-user", f"{username} ({role})")
        return created

    try:
        _with_database(settings, work)
    except DomainError as exc:
        problems = getattr(exc, "problems", {})
        raise click.ClickException("; ".join([exc.message, *problems.values()])) from None
    click.echo(
        f"cadre360: created {username} ({role}); the password must be changed at first login"
    )


@main.command(
    "reset-password", help="Issue a one-time password for an account and end its sessions."
)
@click.argument("username")
def reset_password(username: str) -> None:
    from app.accounts import services
    from app.accounts.tables import User

    settings = _settings()

    async def work() -> str:
        row = await User.select(User.id).where(User.username == username).first()
        if row is None:
            raise click.ClickException(f"no account {username!r}")
        issued = await services.reset_password(row["id"])
        await _audit("reset-password", username)
        return issued

    click.echo(f"one-time password for {username}: {_with_database(settings, work)}")


@main.command(
    help="Clear an account's sign-in locks from every address (the console is never locked out)."
)
@click.argument("username")
def unlock(username: str) -> None:
    from app.accounts import throttle

    settings = _settings()

    async def work() -> None:
        await throttle.unlock(username)
        await _audit("unlock", username)

    _with_database(settings, work)
    click.echo(f"cadre360: sign-in locks of {username!r} cleared")
