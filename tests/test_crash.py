"""Crash safety: serve the app as `make run` does, submit resident responses from several
threads, SIGKILL the server mid-stream, restart it, and check that every acknowledged
response is stored exactly once, complete, and that no partial response exists."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.servers import CLI, free_port, serve

THREADS = 8


def resident_forms(url: str) -> list[tuple[str, dict[str, int]]]:
    async def collect() -> list[tuple[str, dict[str, int]]]:
        from app.database import engine_from_url, use_engine
        from evaluation.responses import campaigns as campaign_service
        from evaluation.responses.context import ratee_context
        from evaluation.tables import Cycle, Town

        use_engine(engine_from_url(url))
        cycle = await Cycle.select(Cycle.id).where(Cycle.state == "open").first()
        assert cycle
        forms = []
        for town in await Town.select(Town.id):
            for card in await campaign_service.town_resident_cards(cycle["id"], town["id"]):
                items = (await ratee_context(cycle["id"], card.cadre_id, "resident")).items
                forms.append((f"/api/r/{card.token}/responses", {item.id: 4 for item in items}))
        return forms

    return asyncio.run(collect())


def test_acknowledged_responses_survive_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "PORT": str(port),
        "LOG_LEVEL": "warning",
        "RESIDENT_RATE_LIMIT": "0",
    }
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*CLI, "demo", "--towns", "3", "--cadres-per-town", "20", "--seed", "2"],
        env=env,
        check=True,
        capture_output=True,
    )
    forms = resident_forms(env["DATABASE_URL"])
    with sqlite3.connect(db) as conn:
        stored_before = conn.execute("select count(*) from response").fetchone()[0]

    server = serve(env, port)
    acknowledged: list[str] = []
    sent: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def submit(thread: int) -> None:
        counter = 0
        while not stop.is_set():
            counter += 1
            path, answers = forms[(thread * 7919 + counter) % len(forms)]
            key = f"crash-{thread}-{counter:06d}"
            body = json.dumps({"answers": answers, "client_key": key}).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            with lock:
                sent.append(key)
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 201:
                        with lock:
                            acknowledged.append(key)
            except (urllib.error.URLError, ConnectionError, OSError):
                if stop.is_set() or server.poll() is not None:
                    return

    workers = [threading.Thread(target=submit, args=(t,)) for t in range(THREADS)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(server.pid, signal.SIGKILL)  # mid-stream: requests are in flight right now
    server.wait(timeout=10)
    stop.set()
    for worker in workers:
        worker.join(timeout=10)
    assert len(acknowledged) >= 300, "the load did not get going"

    restarted = serve(env, port)  # recovery happens when the database is opened again
    restarted.terminate()
    restarted.wait(timeout=10)

    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        rows = conn.execute(
            "select r.client_key, count(i.id) from response r left join response_item i"
            " on i.response = r.id where r.client_key like 'qr:crash-%' group by r.id"
        ).fetchall()
    stored = {}
    for stored_key, items in rows:
        key = stored_key.removeprefix("qr:")  # the resident API namespaces client keys
        stored[key] = stored.get(key, 0) + 1
        assert items > 0, f"partial response {key}: no items"
    missing = [key for key in acknowledged if key not in stored]
    assert not missing, f"{len(missing)} acknowledged responses lost, e.g. {missing[:3]}"
    assert all(count == 1 for count in stored.values()), "a response stored twice"
    assert set(stored) <= set(sent)
    print(
        f"acknowledged {len(acknowledged)}, stored {len(stored)} (sent {len(sent)}; "
        f"{len(stored) - len(acknowledged)} stored but not acknowledged before the kill), "
        f"{stored_before} demo responses untouched"
    )
