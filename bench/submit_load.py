"""Durable resident submissions over HTTP: the app's production server against a burst from
64 connections (wrk + Lua), beside the raw sqlite3 ceiling for the same transaction measured
in the same run. Checks that every acknowledged response is stored, exactly once.

    .venv/bin/python bench/submit_load.py [--seconds 10] [--postgres URL]

Resident submissions are the high-volume path (every service window's QR code). The
per-address rate limit is switched off for the run (all load comes from 127.0.0.1); device
checks, duplicate keys and the review-queue flags all run, as in production. The server runs
as `cadre360 serve` in production mode with one worker per core (2 here), each on its own
SO_REUSEPORT socket so the connections split evenly (app/serving.py); as in production,
each worker warms its QR-link cache at startup (bounded; see evaluation/warmup.py).
The burst is bounded by count: each wrk thread sends its share and then idles, so every
request sent is read back; the rate is stored responses over the span of their commit
timestamps. Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import CLI, free_port, serve  # noqa: E402


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([*CLI, *args], env=env, check=True, capture_output=True, timeout=600)


async def request_bodies(database_url: str) -> list[str]:
    """One line per active cadre: its resident API path and a full set of answers."""
    from app.database import engine_from_url, use_engine
    from evaluation.responses import campaigns as campaign_service
    from evaluation.responses.context import ratee_context
    from evaluation.tables import Cycle, Town

    use_engine(engine_from_url(database_url))
    cycle = await Cycle.select(Cycle.id).where(Cycle.state == "open").first()
    assert cycle, "the demo leaves one open cycle"
    lines = []
    for town in await Town.select(Town.id):
        for card in await campaign_service.town_resident_cards(cycle["id"], town["id"]):
            items = (await ratee_context(cycle["id"], card.cadre_id, "resident")).items
            answers = {item.id: 3 + (card.cadre_id + i) % 3 for i, item in enumerate(items)}
            lines.append(f"/api/r/{card.token}/responses\t{json.dumps(answers)}")
    return lines


def run_wrk(port: int, bodies_file: Path, total: int, seconds: int) -> dict[str, int]:
    """`total` submissions from 64 connections on 2 threads; `seconds` only bounds the run."""
    env = {**os.environ, "BENCH_BODIES": str(bodies_file), "BENCH_PER_THREAD": str(total // 2)}
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c64",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "submit_resident.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    line = next(out for out in result.stdout.splitlines() if out.startswith("WRK "))
    return json.loads(line.removeprefix("WRK "))


def sqlite_ceiling(items_per_response: int, seconds: float = 3.0) -> dict[str, float]:
    """The same transaction (a response row and its items) straight into sqlite3, WAL,
    synchronous=FULL: committed in batches of 64 (group commit) and one fsync each."""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, batch in (("batched", 64), ("fsync_each", 1)):
            conn = sqlite3.connect(Path(tmp) / f"{label}.sqlite", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(
                "CREATE TABLE response (id INTEGER PRIMARY KEY, cycle INT, ratee INT, rater_group TEXT,"
                " channel TEXT, client_key TEXT UNIQUE, device TEXT, submitted_at TEXT)"
            )
            conn.execute(
                "CREATE TABLE response_item (id INTEGER PRIMARY KEY, response INT, competency TEXT,"
                " level INT, note TEXT)"
            )
            done, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                conn.execute("BEGIN IMMEDIATE")
                for _ in range(batch):
                    cur = conn.execute(
                        "INSERT INTO response (cycle, ratee, rater_group, channel, client_key, device, submitted_at)"
                        " VALUES (1, ?, 'resident', 'qr', ?, 'd', ?)",
                        (done % 1200, f"k{done}", str(datetime.now(UTC))),
                    )
                    conn.executemany(
                        "INSERT INTO response_item (response, competency, level, note) VALUES (?, ?, 3, '')",
                        [(cur.lastrowid, f"c{i}") for i in range(items_per_response)],
                    )
                    done += 1
                conn.execute("COMMIT")
            results[label] = done / (time.perf_counter() - started)
            conn.close()
    return results


def stored_burst(database_url: str) -> tuple[int, float]:
    """How many bench responses are stored, and the seconds from the first to the last commit."""

    async def query() -> tuple[int, float]:
        from app.database import engine_from_url, use_engine
        from evaluation.tables import Response

        use_engine(engine_from_url(database_url))
        rows = await Response.select(Response.submitted_at).where(
            Response.client_key.like("qr:bench-%")
        )
        stamps = sorted(_as_datetime(r["submitted_at"]) for r in rows)
        return len(stamps), (stamps[-1] - stamps[0]).total_seconds() if stamps else 0.0

    return asyncio.run(query())


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def run_leg(
    name: str, database_url: str, workers: int, total: int, seconds: int
) -> dict[str, float]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WORKERS": str(workers),
        "LOG_LEVEL": "warning",
        "RESIDENT_RATE_LIMIT": "0",
        "CADRE360_MODE": "production",
        "SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
    }
    cli(env, "migrate")
    cli(env, "demo", "--towns", "20", "--cadres-per-town", "60", "--seed", "1")
    lines = asyncio.run(request_bodies(database_url))
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
        bodies = Path(handle.name)
    server = serve(env, port, workers=workers)
    try:
        wrk = run_wrk(port, bodies, total, seconds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    stored, burst_s = stored_burst(database_url)
    rate = stored / burst_s if burst_s else 0.0
    print(
        f"{name}: {rate:,.0f} durable submissions/s over {burst_s:.1f} s  p50 {wrk['p50_us'] / 1000:.1f} ms  "
        f"p99 {wrk['p99_us'] / 1000:.1f} ms  acknowledged {wrk['created']}  stored {stored}  "
        f"non-201 {wrk['other']}  socket errors {wrk['socket_errors']}  ({workers} workers, 64 connections)"
    )
    return {
        "submits_per_s": round(rate, 1),
        "p50_ms": wrk["p50_us"] / 1000,
        "p99_ms": wrk["p99_us"] / 1000,
        "acknowledged": wrk["created"],
        "stored": stored,
        "non_201": wrk["other"],
        "burst_s": round(burst_s, 2),
    }


def reset_postgres(url: str) -> None:
    async def reset() -> None:
        from app.database import engine_from_url

        engine = engine_from_url(url)
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")

    asyncio.run(reset())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=20_000, help="the bounded burst")
    parser.add_argument(
        "--seconds", type=int, default=60, help="upper bound on the burst's duration"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="server processes (one per core here)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", ""),
        help="also run on this PostgreSQL database (it is emptied first)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        result = run_leg("sqlite", sqlite_url, args.workers, args.submissions, args.seconds)
    ceiling = sqlite_ceiling(items_per_response=4)
    print(
        f"raw sqlite3, same transaction, WAL + synchronous=FULL: {ceiling['batched']:,.0f}/s in batches of 64, "
        f"{ceiling['fsync_each']:,.0f}/s with an fsync each"
    )
    summary = {
        **result,
        "sqlite_ceiling_per_s": round(ceiling["batched"], 1),
        "sqlite_fsync_each_per_s": round(ceiling["fsync_each"], 1),
        "ratio_to_ceiling": round(result["submits_per_s"] / ceiling["batched"], 3),
    }
    if args.postgres:
        reset_postgres(args.postgres)
        pg = run_leg("postgresql", args.postgres, args.workers, args.submissions, args.seconds)
        summary.update({f"pg_{k}": v for k, v in pg.items()})
    ok = result["acknowledged"] == result["stored"] and (
        not args.postgres or summary["pg_acknowledged"] == summary["pg_stored"]
    )
    summary["stored_equals_acknowledged"] = ok
    print(json.dumps(summary))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
