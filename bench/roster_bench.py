"""Roster validation and import planning at county and province scale.

Prints each stage beside a floor measured in the same run: reading the same roster CSV with
polars (nothing can validate a file faster than it can read it). Last line: one JSON object.

    .venv/bin/python bench/roster_bench.py
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.demo.county import demo_roster
from evaluation.infra.spreadsheets import MAX_UPLOAD_BYTES
from evaluation.organisation.roster import (
    HEADER,
    normalise_headers,
    read_roster,
    validate_roster,
)
from evaluation.organisation.roster_plan import (
    CADRE_SCHEMA,
    LINK_SCHEMA,
    TOWN_SCHEMA,
    empty,
    plan_changes,
)

REPEATS = 3


def best_of(fn, repeats: int = REPEATS) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(label: str, towns: int, per_town: int) -> dict[str, float]:
    roster = demo_roster(towns, per_town, seed=1)
    content = roster.rename(HEADER).write_csv().encode()
    floor = best_of(lambda: pl.read_csv(io.BytesIO(content), infer_schema=False))
    if len(content) <= MAX_UPLOAD_BYTES:
        frame = read_roster(content, "roster.csv")
        read_s = best_of(lambda: read_roster(content, "roster.csv"))
    else:  # over the upload cap a province imports county by county: time the parse alone
        frame = normalise_headers(pl.read_csv(io.BytesIO(content), infer_schema=False))
        read_s = best_of(
            lambda: normalise_headers(pl.read_csv(io.BytesIO(content), infer_schema=False))
        )
    validate_s = best_of(lambda: validate_roster(frame))
    rows = validate_roster(frame).rows
    stored = (empty(TOWN_SCHEMA), empty(CADRE_SCHEMA), empty(LINK_SCHEMA))
    plan_new_s = best_of(lambda: plan_changes(rows, *stored))
    plan = plan_changes(rows, *stored)
    as_stored = (
        plan.towns_new,
        plan.cadres_new,
        plan.links_add,
    )
    plan_noop_s = best_of(lambda: plan_changes(rows, *as_stored))
    assert plan_changes(rows, *as_stored).is_noop
    total = read_s + validate_s + plan_noop_s
    print(
        f"{label:<9} {roster.height:>7} cadres  csv floor {floor * 1000:8.1f} ms  "
        f"read {read_s * 1000:8.1f} ms  validate {validate_s * 1000:8.1f} ms  "
        f"plan(new) {plan_new_s * 1000:7.1f} ms  plan(re-import) {plan_noop_s * 1000:7.1f} ms  "
        f"total/floor {total / floor:5.1f}x"
    )
    return {
        f"{label}_cadres": roster.height,
        f"{label}_floor_s": round(floor, 4),
        f"{label}_total_s": round(total, 4),
        f"{label}_ratio": round(total / floor, 2),
    }


def main() -> None:
    results = {}
    results.update(measure("county", 20, 60))
    results.update(measure("province", 1500, 66))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
