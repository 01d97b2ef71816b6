"""The scorecard's read model (issue 30), each figure beside its baseline in the same run:

* a county's scorecard page reads (p50 over 30 reads each): the county board, the
  followup page, a town's page (office and the town's own) and the public results — first
  with every standing stale, so each read computes the year in memory as every read did
  before the read model (the "before"), then with the standings stored (the "after");
* one write's recomputation at province scale: 1,500 towns with a year of values, the
  standing recomputed and stored as a write's job does (`standing.refresh`), beside the
  pure scoring of the same year (`scoring.score`, the floor: no reads, no encoding).

    .venv/bin/python bench/standing_bench.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COUNTY_TOWNS = 16
PROVINCE_TOWNS = 1_500
READS = 30
PASSWORD = "lechuan-2026"


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "migrate"],
        check=True,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": url},
    )


def county_reads(url: str) -> dict[str, float]:
    """The demo county's scorecard pages, p50 in ms, with the standings stale then stored."""
    from litestar.testing import TestClient

    from app.asgi import create_app
    from app.config import load_settings
    from app.database import engine_from_url, use_engine
    from app.demo.loader import load_demo
    from evaluation.scorecard import service
    from evaluation.scorecard.standings import model as standing
    from evaluation.scorecard.standings import store

    use_engine(engine_from_url(url))
    asyncio.run(load_demo(towns=COUNTY_TOWNS, cadres_per_town=15, seed=1, if_empty=False))
    year = asyncio.run(service.current_year())
    assert year is not None
    town = asyncio.run(service.towns())[0].id
    pages = {
        "board": f"/scorecard/{year}",
        "followup": f"/scorecard/{year}/followup",
        "town (office)": f"/scorecard/{year}/towns/{town}",
        "public": f"/results/towns/{year - 1}",
    }
    settings = load_settings({**os.environ, "DATABASE_URL": url})
    found: dict[str, float] = {}
    with TestClient(app=create_app(settings), base_url="http://testserver.local") as client:
        page = client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token
        client.post(
            "/login",
            data={"username": "office", "password": PASSWORD, "_csrf_token": token.group(1)},
        )
        for label, state in (("before", "stale"), ("after", "stored")):
            if state == "stale":
                asyncio.run(store.invalidate())  # every unfrozen year computed per read
            else:
                asyncio.run(standing.refresh_stale())
            for name, path in pages.items():
                client.get(path)  # warm
                times = []
                for _ in range(READS):
                    started = time.perf_counter()
                    answer = client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code)
                found[f"{name} {label}"] = statistics.median(times)
    return found


async def province(url: str) -> dict[str, float]:
    """1,500 towns, a published plan, four quarters of values for every town; the time to
    recompute and store the standing (best of 3) and to score the same year (best of 3)."""
    from app.database import engine_from_url, use_engine
    from evaluation.organisation.importing import import_frame
    from evaluation.scorecard import repository, service, value_store
    from evaluation.scorecard.plan import Source, plan_for_year
    from evaluation.scorecard.reporting import town_indicators
    from evaluation.scorecard.scoring import score
    from evaluation.scorecard.standings import model as standing
    from tests.factories import roster_frame

    use_engine(engine_from_url(url))
    year = 2026
    await import_frame(roster_frame(towns=PROVINCE_TOWNS, per_town=15), county_name="基准省")
    plan = plan_for_year(year)
    plan_id = await service.add_plan(plan, "", "bench")
    await service.publish(plan_id, "bench")
    towns = await repository.towns()
    targets = await repository.targets(plan_id)
    target_of = {(t, i): v for t, i, v in targets.select("town_id", "indicator", "target").rows()}
    rows = []
    for town in towns:
        for quarter in (1, 2, 3, 4):
            for indicator in town_indicators(plan, town.town_type, quarter):
                if indicator.source != Source.town:
                    continue
                target = target_of.get((town.id, indicator.code)) or 50.0
                share = quarter / 4 if indicator.cumulative else 1.0
                rows.append((town.id, indicator.code, quarter, target * share * 0.95))
    frame = pl.DataFrame(rows, schema=["town_id", "indicator", "quarter", "value"], orient="row")
    await value_store.insert_imported(plan_id, "town", frame, "bench")
    record = await repository.plan(plan_id)

    async def recompute() -> float:
        await value_store.set_flags([])  # stands for the write: the standing goes stale
        started = time.perf_counter()
        assert await standing.refresh(plan_id)
        return time.perf_counter() - started

    refresh_s = min([await recompute() for _ in range(3)])
    values = (await standing.effective_values(record, await value_store.values(plan_id))).filter(
        pl.col("quarter").is_in([1, 2, 3, 4])
    )
    town_frame = pl.DataFrame(
        {"town_id": [t.id for t in towns], "town_type": [t.town_type for t in towns]}
    )

    def pure() -> float:
        started = time.perf_counter()
        score(record.plan, values, targets, town_frame, [1, 2, 3, 4])
        return time.perf_counter() - started

    score_s = min(pure() for _ in range(3))
    return {"refresh_s": refresh_s, "score_s": score_s, "values": float(frame.height)}


def measure() -> dict[str, float]:
    """Both figures, printed as they come; returned for the JSON line."""
    logging.disable(logging.INFO)
    os.environ.setdefault("LOG_LEVEL", "warning")
    folder = tempfile.mkdtemp(prefix="cadre360-standing-")
    county_url = f"sqlite:///{folder}/county.sqlite"
    migrate(county_url)
    print(f"a demo county of {COUNTY_TOWNS} towns: scorecard page reads, p50 of {READS}…")
    reads = county_reads(county_url)
    for name in ("board", "followup", "town (office)", "public"):
        before, after = reads[f"{name} before"], reads[f"{name} after"]
        print(f"  {name}: {before:.1f} ms → {after:.1f} ms ({before / after:.1f}× faster)")
    province_url = f"sqlite:///{folder}/province.sqlite"
    migrate(province_url)
    print(f"a province of {PROVINCE_TOWNS:,} towns: one write's recomputation…")
    from evaluation import clock

    clock.CLOCK = lambda: dt.date(2027, 1, 20)  # the whole of 2026 settled
    figures = asyncio.run(province(province_url))
    print(
        f"  {int(figures['values']):,} values: recompute and store the standing "
        f"{figures['refresh_s']:.2f} s; pure scoring of the same year {figures['score_s']:.2f} s "
        f"(ratio {figures['refresh_s'] / figures['score_s']:.1f}×)"
    )
    result: dict[str, float] = {
        f"county_{k.replace(' (office)', '_office').replace(' ', '_')}_p50_ms": round(v, 1)
        for k, v in reads.items()
    }
    result |= {
        "province_refresh_s": round(figures["refresh_s"], 3),
        "province_score_s": round(figures["score_s"], 3),
        "province_refresh_ratio": round(figures["refresh_s"] / figures["score_s"], 2),
    }
    return result


def main() -> None:
    print(json.dumps(measure()))


if __name__ == "__main__":
    main()
