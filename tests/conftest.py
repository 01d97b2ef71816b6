"""Test databases and standing people.

SQLite: the schema is migrated once per session into a template file; each test gets a
fresh copy. PostgreSQL (when TEST_POSTGRES_URL is set): migrated once, tables truncated
before each test. Storage tests take the `db` fixture and run on both. Under pytest-xdist
(`make test` runs two workers) each worker has its own session directory, its own templates
and its own PostgreSQL database beside TEST_POSTGRES_URL's.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="cadre360-tests-"))
os.environ["CADRE360_MODE"] = "test"
os.environ["SECRET_KEY"] = "test-secret-key-that-is-long-enough-0123456789"
os.environ["DATABASE_URL"] = f"sqlite:///{_SESSION_DIR / 'default.sqlite'}"
# A pinned day inside this year's fourth-quarter reporting window, so the scorecard's
# windows and deadlines (and the demo built on them) are the same whenever the suite runs.
os.environ["CADRE360_TODAY"] = f"{__import__('datetime').date.today().year}-11-20"

import pytest  # noqa: E402
from litestar.testing import TestClient  # noqa: E402

from app.config import Settings, apply_clock, load_settings  # noqa: E402
from app.database import all_tables, engine_from_url, run_migrations, use_engine  # noqa: E402
from tests import factories  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
apply_clock(load_settings())
T = TypeVar("T")
STORAGE_LEGS: dict[str, dict[str, int]] = {}


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on its own thread: safe even inside a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    path = _SESSION_DIR / "template.sqlite"
    use_engine(engine_from_url(f"sqlite:///{path}"))
    run_blocking(run_migrations())
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path) -> Path:
    """The small demo county (4 towns × 20 cadres: two published cycles, an open one, a
    catalogue, a past training plan, the demo accounts), loaded once per session through
    the demo loader; tests that only read or that own a module take a copy."""
    from app.demo.loader import load_demo

    path = _SESSION_DIR / "demo-template.sqlite"
    shutil.copyfile(sqlite_template, path)
    use_engine(engine_from_url(f"sqlite:///{path}"))
    run_blocking(load_demo(towns=4, cadres_per_town=20, seed=1, if_empty=False))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def copy_of(template: Path, directory: Path) -> str:
    """A private copy of a template database, made the current engine; its URL."""
    path = directory / template.name
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    use_engine(engine_from_url(url))
    return url


@pytest.fixture(scope="session")
def people_template(sqlite_template: Path) -> tuple[Path, factories.People]:
    """The standing people (a roster of test towns and nine accounts, argon2-hashed) built
    once per session through the roster import and account creation; a test that asks for
    `people` starts from a copy of it instead of importing and hashing again."""
    path = _SESSION_DIR / "people-template.sqlite"
    shutil.copyfile(sqlite_template, path)
    use_engine(engine_from_url(f"sqlite:///{path}"))
    people = run_blocking(factories.standing_people())
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path, people


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh migrated SQLite database; with the standing people in it when the test asks
    for `people`, the small demo county when it asks for `small_demo`."""
    template = sqlite_template
    if "small_demo" in request.fixturenames:
        template = request.getfixturevalue("demo_template")
    elif "people" in request.fixturenames:
        template = request.getfixturevalue("people_template")[0]
    path = tmp_path / "cadre360.sqlite"
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    use_engine(engine_from_url(url))
    return url


def worker_database(url: str) -> str:
    """The PostgreSQL database of this pytest-xdist worker (`<name>_gw0`, …), created fresh
    beside TEST_POSTGRES_URL's; that database itself when the suite runs in one process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return url
    import asyncpg

    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"

    async def create() -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{own}"')
        finally:
            await connection.close()

    run_blocking(create())
    return f"{base}/{own}"


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL not set: PostgreSQL leg not run")

    url = worker_database(POSTGRES_URL)
    engine = use_engine(engine_from_url(url))

    async def reset_and_migrate() -> None:
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
        await run_migrations()

    run_blocking(reset_and_migrate())
    return url


@pytest.fixture
async def postgres_url(postgres_migrated: str) -> str:
    engine = use_engine(engine_from_url(postgres_migrated))
    names = ", ".join(f'"{t._meta.tablename}"' for t in all_tables())
    await engine.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    return postgres_migrated


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database on each engine; the test id says which."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return load_settings({**os.environ, "DATABASE_URL": sqlite_url})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from app.asgi import create_app

    with TestClient(app=create_app(settings), base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
async def small_demo(sqlite_url: str) -> int:
    """The small demo county (a copy of `demo_template`) in this test's database; the
    newest published cycle."""
    return await factories.newest_published_cycle()


@pytest.fixture
def people(sqlite_url: str, people_template: tuple[Path, factories.People]) -> factories.People:
    """The standing people, already in this test's database (see `sqlite_url`)."""
    return people_template[1]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for leg in ("sqlite", "postgres"):
        if f"[{leg}" in report.nodeid and "/storage/" in report.nodeid:
            counts = STORAGE_LEGS.setdefault(leg, {"passed": 0, "failed": 0})
            counts["passed" if report.passed else "failed"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    legs = ", ".join(
        f"{leg}: {c['passed']} passed, {c['failed']} failed"
        for leg, c in sorted(STORAGE_LEGS.items())
    )
    ran = " and ".join(sorted(STORAGE_LEGS)) or "none"
    terminalreporter.write_line(f"storage tests ran on {ran} ({legs or 'no storage tests'})")
    if "postgres" not in STORAGE_LEGS:
        terminalreporter.write_line(
            "PostgreSQL leg skipped: set TEST_POSTGRES_URL (as .ci/run does)"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys last: the quick tests report first, and no async test runs while
    playwright's sync API holds an event loop."""
    # the longest module (the crawl of every page, ~60 s) first among them: with two workers
    # it then overlaps the other journeys instead of running alone at the end
    items.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is not None,
            item.path.name != "test_every_page.py",
        )
    )
