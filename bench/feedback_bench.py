"""The cadre feedback page on a province-size snapshot: p50/p99 render time of
`GET /me/feedback` (real HTTP through Litestar's test client, SQLite file), beside the same
cadre's plain `/me` page measured in the same run as the baseline.

The province: 1,500 towns, ~100,000 cadres, two published cycles computed by the real
pipeline (`evaluation.analytics.pipeline.aggregate`) and stored by `store_snapshot` — about 1.6
million score rows and 3 million group rows. Building it takes a minute or two.

    .venv/bin/python bench/feedback_bench.py
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from evaluation.rubrics import versions as rubric_versions_store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOWNS, PER_TOWN = 1500, 67
REQUESTS = 200
PASSWORD = "province-scale-2026"


STORED: dict[str, float] = {}  # seconds to store and freeze each cycle's snapshot, by engine


async def build(url: str) -> int:
    """Organisation, two published cycles with stored snapshots, one cadre login. Returns
    the cadre's id; the publication step's time (store + freeze the snapshot) goes to STORED."""
    from app.accounts import services
    from app.database import engine_from_url, use_engine
    from evaluation.analytics.pipeline import aggregate
    from evaluation.cycles import service as cycle_service
    from evaluation.infra.bulk import insert_values
    from evaluation.organisation.directory import cadre_frame
    from evaluation.results import compute as aggregation_service
    from evaluation.rubrics.loader import load_default_rubric
    from evaluation.tables import Cadre, County, Cycle, Town
    from tests.simulation import simulate_cycle

    use_engine(engine_from_url(url))
    await County.insert(County(name="基准省"))
    towns = pl.DataFrame({"id": range(1, TOWNS + 1)}).select(
        "id",
        external_id=pl.format("T{}", "id"),
        county=pl.lit(1),
        name=pl.format("第{}镇", "id"),
        town_type=pl.lit("agricultural"),
    )
    await insert_values(Town, towns.columns, towns.rows())
    count = TOWNS * PER_TOWN
    cadres = pl.DataFrame({"id": range(1, count + 1)}).select(
        "id",
        external_id=pl.format("C{}", "id"),
        name=pl.format("干部{}", "id"),
        town=(pl.col("id") - 1) // PER_TOWN + 1,
        position=pl.when((pl.col("id") - 1) % PER_TOWN == 0)
        .then(pl.lit("党委书记"))
        .otherwise(pl.lit("一般干部")),
        rank=pl.lit(""),
        active=pl.lit(True),
    )
    await insert_values(Cadre, cadres.columns, cadres.rows())
    people = cadres.select(
        ratee_id="id",
        position_class=pl.when(pl.col("position") == "党委书记")
        .then(pl.lit("leadership"))
        .otherwise(pl.lit("staff")),
    )
    rubric = load_default_rubric()
    rubric_id = await rubric_versions_store.register_default_rubric()
    directory = await cadre_frame()
    competencies = tuple(c.id for c in rubric.competencies if c.is_common)
    for index, year in enumerate((2024, 2025)):
        cycle_id = await cycle_service.create_cycle(
            name=f"{year}年度干部综合评价",
            period="annual",
            year=year,
            quarter=None,
            rubric_id=rubric_id,
            opens_on=date(year, 11, 1),
            closes_on=date(year, 11, 21),
        )
        responses = simulate_cycle(
            towns=TOWNS,
            per_town=PER_TOWN,
            peers=3,
            residents=0,
            seed=1,
            competencies=competencies,
            noise_seed=index,
        ).responses
        results = aggregate(responses, people, rubric, {"superior": 0.5, "peer": 0.5})
        publishing = time.perf_counter()
        computed = aggregation_service.Computed(
            results=results,
            people=aggregation_service.people_of(directory),
            readings=aggregation_service.reader_coverage(responses),
            comments=pl.DataFrame(
                schema={"ratee_id": pl.Int64, "rater_group": pl.String, "comment": pl.String}
            ),
        )
        snapshot = await aggregation_service.store_snapshot(cycle_id, computed)
        await aggregation_service.freeze(snapshot)
        STORED[url.split(":")[0]] = time.perf_counter() - publishing
        await Cycle.update({Cycle.state: "published"}).where(Cycle.id == cycle_id)
        print(
            f"  cycle {year}: {results.profiles.height:,} scores, {results.groups.height:,} group rows stored"
        )
    cadre_id = PER_TOWN * 700 + 5
    await services.create_user(
        username="bench",
        password=PASSWORD,
        role="cadre",
        cadre_id=cadre_id,
        must_change_password=False,
    )
    return cadre_id


def timings(client, path: str, requests: int = REQUESTS) -> list[float]:  # type: ignore[no-untyped-def]
    result = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        result.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    folder = tempfile.mkdtemp(prefix="cadre360-bench-")
    url = f"sqlite:///{folder}/province.sqlite"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LOG_LEVEL", "warning")
    import subprocess

    subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "migrate"],
        check=True,
        capture_output=True,
    )
    started = time.perf_counter()
    print(f"building a province snapshot ({TOWNS:,} towns, {TOWNS * PER_TOWN:,} cadres)…")
    asyncio.run(build(url))
    print(f"  built in {time.perf_counter() - started:.0f} s")
    postgres = os.environ.get("BENCH_POSTGRES_URL", "")
    if postgres:
        print("the same province on PostgreSQL (BENCH_POSTGRES_URL, emptied first)…")
        from bench.submit_load import reset_postgres

        reset_postgres(postgres)
        subprocess.run(
            [sys.executable, "-c", "from app.cli import main; main()", "migrate"],
            check=True,
            capture_output=True,
            env={**os.environ, "DATABASE_URL": postgres},
        )
        asyncio.run(build(postgres))
        from app.database import engine_from_url, use_engine

        use_engine(engine_from_url(url))

    import logging

    logging.disable(logging.INFO)
    from litestar.testing import TestClient

    from app.asgi import create_app
    from app.config import load_settings

    with TestClient(app=create_app(load_settings()), base_url="http://testserver.local") as client:
        page = client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token
        client.post(
            "/login",
            data={"username": "bench", "password": PASSWORD, "_csrf_token": token.group(1)},
        )
        for path in ("/me", "/me/feedback"):  # warm caches and connections
            client.get(path)
        baseline = timings(client, "/me")
        feedback = timings(client, "/me/feedback")
        pdf = timings(client, "/me/feedback.pdf", 50)
    result = {
        "cadres": TOWNS * PER_TOWN,
        "feedback_p50_ms": round(percentile(feedback, 0.5), 1),
        "feedback_p99_ms": round(percentile(feedback, 0.99), 1),
        "baseline_me_p50_ms": round(percentile(baseline, 0.5), 1),
        "baseline_me_p99_ms": round(percentile(baseline, 0.99), 1),
        "pdf_p50_ms": round(statistics.median(pdf), 1),
        "feedback_to_baseline_p50": round(percentile(feedback, 0.5) / percentile(baseline, 0.5), 1),
        **{f"publish_store_{engine}_s": round(seconds, 1) for engine, seconds in STORED.items()},
    }
    print(
        f"feedback page p50 {result['feedback_p50_ms']} ms, p99 {result['feedback_p99_ms']} ms; "
        f"/me baseline p50 {result['baseline_me_p50_ms']} ms, p99 {result['baseline_me_p99_ms']} ms "
        f"({result['feedback_to_baseline_p50']}x); PDF p50 {result['pdf_p50_ms']} ms [target: ≤ 2x /me]"
    )
    for engine, seconds in STORED.items():
        print(
            f"publishing a province cycle on {engine} (store + freeze {TOWNS * PER_TOWN:,} cadres' "
            f"snapshot): {seconds:.1f} s"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
