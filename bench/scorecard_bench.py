"""The township scorecard at province scale, each stage beside a bare polars baseline measured
in the same run:

* scoring 1,500 towns × 60 indicators × 4 quarters (all four methods, lights with their
  reasons, dimensions, totals, ranks within type) against the bare minimum — one join and a
  capped ratio averaged by weights, no bands, ranks, lights or reasons;
* aggregating 1,000,000 12345 hotline records (text timestamps, as exported) into town ×
  quarter median hours with every check a refused file needs (unknown towns, unreadable
  times, dates outside the year, 办结 before 受理), against parsing the two timestamps and
  taking the median with polars alone;
* the read model (`bench/standing_bench.py`): a county's page reads before → after (every
  read computing the year, as before it, against the stored standing) and one write's
  recomputation at 1,500 towns beside the pure scoring of the same year.

    .venv/bin/python bench/scorecard_bench.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import msgspec
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.scorecard.clusters import blend, member_rows
from evaluation.scorecard.plan import Plan, TownGroup, plan_for_year
from evaluation.scorecard.scoring import indicator_frame, score
from evaluation.scorecard.sources import load_mapping, parse_source

REPEATS = 3
TOWNS = 1_500
INDICATORS = 60
RECORDS = 1_000_000
TYPES = ["agricultural", "chengguan", "industrial", "ecological", "tourism"]


def best_of(fn, repeats: int = REPEATS) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def wide_plan() -> Plan:
    """The shipped plan's indicators repeated to 60 common ones, weights rescaled."""
    base = plan_for_year(2026)
    copies = []
    for n in range(INDICATORS):
        source = base.indicators[n % len(base.indicators)]
        copies.append(
            msgspec.structs.replace(
                source,
                code=f"{source.code}_{n}",
                applies_to=["all"],
                quarters=[1, 2, 3, 4],
                targets={"all": 100.0} if source.method == "attainment" else {},
            )
        )
    return msgspec.structs.replace(base, indicators=copies)


def scoring_frames(plan: Plan) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(1)
    towns = pl.DataFrame(
        {"town_id": np.arange(1, TOWNS + 1), "town_type": [TYPES[i % 5] for i in range(TOWNS)]}
    )
    due = towns.join(indicator_frame(plan), on="town_type")
    values = due.select("town_id", "indicator", "quarter").with_columns(
        value=pl.Series(rng.uniform(20, 140, due.height))
    )
    targets = due.select("town_id", "indicator").unique().with_columns(target=pl.lit(100.0))
    return towns, values, targets


def bare_scoring(
    plan: Plan, towns: pl.DataFrame, values: pl.DataFrame, targets: pl.DataFrame
) -> pl.DataFrame:
    rules = indicator_frame(plan).select("town_type", "indicator", "quarter", "dimension", "weight")
    dims = pl.DataFrame({"dimension": list(plan.dimensions), "w": list(plan.dimensions.values())})
    return (
        values.join(targets, on=["town_id", "indicator"])
        .join(towns, on="town_id")
        .join(rules, on=["town_type", "indicator", "quarter"])
        .with_columns(score=(pl.col("value") / pl.col("target")).clip(0, 1.2) * 100)
        .group_by("town_id", "quarter", "dimension")
        .agg(s=(pl.col("score") * pl.col("weight")).sum() / pl.col("weight").sum())
        .join(dims, on="dimension")
        .group_by("town_id", "quarter")
        .agg(total=(pl.col("s") * pl.col("w")).sum() / pl.col("w").sum())
    )


def hotline_frame(names: list[str]) -> pl.DataFrame:
    rng = np.random.default_rng(2)
    start = np.datetime64("2026-01-01T08:00") + rng.integers(0, 360 * 24 * 60, RECORDS).astype(
        "timedelta64[m]"
    )
    end = start + rng.integers(30, 200 * 60, RECORDS).astype("timedelta64[m]")
    end = np.minimum(end, np.datetime64("2026-12-31T23:00"))
    frame = pl.DataFrame(
        {
            "工单编号": np.arange(RECORDS).astype(str),
            "所属乡镇": np.array(names)[rng.integers(0, len(names), RECORDS)],
            "受理时间": pl.Series(start.astype("datetime64[ms]")).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "办结时间": pl.Series(end.astype("datetime64[ms]")).dt.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )
    return frame


def bare_hotline(frame: pl.DataFrame) -> pl.DataFrame:
    start = pl.col("受理时间").str.to_datetime("%Y-%m-%d %H:%M:%S")
    end = pl.col("办结时间").str.to_datetime("%Y-%m-%d %H:%M:%S")
    return frame.group_by("所属乡镇", end.dt.quarter().alias("quarter")).agg(
        hours=((end - start).dt.total_seconds() / 3600).median()
    )


def main() -> None:
    plan = wide_plan()
    towns, values, targets = scoring_frames(plan)
    baseline_s = best_of(lambda: bare_scoring(plan, towns, values, targets))
    score_s = best_of(lambda: score(plan, values, targets, towns, [1, 2, 3, 4]))
    scores = score(plan, values, targets, towns, [1, 2, 3, 4])
    assert scores.totals.height == TOWNS * 4
    print(
        f"scoring {TOWNS} towns × {INDICATORS} indicators × 4 quarters ({values.height:,} values): "
        f"{score_s:.2f} s; bare polars {baseline_s:.2f} s; ratio {score_s / baseline_s:.1f}×"
    )

    # 组团: a fifth of the towns share two indicators; the blend's cost beside the scoring
    grouped = msgspec.structs.replace(
        plan,
        groups=[
            TownGroup(
                code="basin",
                name="流域组团",
                goal="共同目标",
                indicators=[i.code for i in plan.indicators[:2]],
            )
        ],
    )
    members = pl.DataFrame({"group": "basin", "town_id": list(range(1, TOWNS + 1, 5))})
    blend_s = best_of(
        lambda: blend(scores.totals, member_rows(grouped, scores.indicators, members))
    )
    print(
        f"组团 blend ({members.height} member towns): {blend_s:.3f} s, "
        f"{blend_s / score_s:.1%} of the scoring"
    )

    names = [f"第{i}镇" for i in range(TOWNS)]
    town_ids = {name: i + 1 for i, name in enumerate(names)}
    records = hotline_frame(names)
    mapping = load_mapping("hotline_12345")
    hotline_plan = plan_for_year(2026)
    bare_s = best_of(lambda: bare_hotline(records))
    parse_s = best_of(lambda: parse_source(mapping, hotline_plan, records, town_ids))
    aggregated = parse_source(mapping, hotline_plan, records, town_ids)
    assert aggregated.height == TOWNS * 4
    print(
        f"12345: {RECORDS:,} records → {aggregated.height:,} town-quarter values: {parse_s:.2f} s; "
        f"bare polars {bare_s:.2f} s; ratio {parse_s / bare_s:.1f}×"
    )
    from bench.standing_bench import measure

    read_model = measure()  # the read model: county page reads, one write's recomputation
    print(
        json.dumps(
            read_model
            | {
                "scoring_s": round(score_s, 3),
                "scoring_baseline_s": round(baseline_s, 3),
                "scoring_ratio": round(score_s / baseline_s, 2),
                "hotline_s": round(parse_s, 3),
                "hotline_baseline_s": round(bare_s, 3),
                "hotline_ratio": round(parse_s / bare_s, 2),
                "group_blend_s": round(blend_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
