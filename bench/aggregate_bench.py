"""The analytics pipeline on a county and a province cycle, beside baselines measured in the
same run: a bare polars group_by mean over the same frame (the floor) and a plain pandas
implementation of raw means (the naive baseline). Peak memory is the process's peak RSS.

The realistic province (issue 21) runs in a fresh child process so its peak RSS is its own:
100,500 cadres, each rated by two leaders, six peers and themself on ten competencies and by
ten residents on the four items residents answer, with "cannot observe" gaps — about 13
million rated items (`tests.simulation.simulate_realistic_cycle`).

    .venv/bin/python bench/aggregate_bench.py
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.analytics.pipeline import aggregate
from evaluation.analytics.stages import recording
from evaluation.rubrics.loader import load_default_rubric
from tests.simulation import simulate_cycle

WEIGHTS = {"superior": 0.35, "peer": 0.35, "resident": 0.30}
RUBRIC = load_default_rubric()


def ratees(responses: pl.DataFrame) -> pl.DataFrame:
    """Every cadre's position class: each simulated town's first cadre leads it."""
    leader = pl.col("ratee_id").is_in(
        responses.filter(pl.col("rater_group") == "superior")["rater_id"].unique().implode()
    )
    return responses.select(pl.col("ratee_id").unique()).with_columns(
        position_class=pl.when(leader).then(pl.lit("leader")).otherwise(pl.lit("staff"))
    )


def pipeline(responses: pl.DataFrame, people: pl.DataFrame) -> None:
    """The whole analytics pipeline, as `cadre360 aggregate` runs it: calibration, group
    scores, weighting, anonymity, profiles and rater flags."""
    aggregate(responses, people, RUBRIC, WEIGHTS)


def timed(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def realistic() -> None:
    """The child process: one realistic province cycle; prints its JSON line."""
    from tests.simulation import simulate_realistic_cycle

    frame = simulate_realistic_cycle(towns=1500, per_town=67, seed=3)
    people = ratees(frame)
    with recording() as stages:  # each stage's time and peak RSS (the simulator's excluded)
        pipeline_s = timed(lambda: pipeline(frame, people), 1)
    floor_s = timed(lambda: frame.group_by("ratee_id", "competency").agg(pl.col("level").mean()), 2)
    peak_mb = max((s.peak_mb for s in stages), default=0.0) or (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    print(
        json.dumps(
            {
                "realistic_rows": frame.height,
                "realistic_s": round(pipeline_s, 2),
                "realistic_floor_s": round(floor_s, 3),
                "realistic_ratio_to_floor": round(pipeline_s / floor_s, 1),
                "realistic_peak_mb": round(peak_mb),
                "realistic_input_mb": round(frame.estimated_size() / 2**20),
                "realistic_stages": {
                    s.name: {"s": round(s.seconds, 2), "peak_mb": round(s.peak_mb)} for s in stages
                },
            }
        )
    )


def realistic_in_child() -> dict[str, object]:
    import subprocess

    out = subprocess.run(
        [sys.executable, __file__, "--realistic"], capture_output=True, text=True, check=True
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    county = simulate_cycle(towns=20, per_town=75, peers=3, residents=0, seed=1).responses
    county_people = ratees(county)
    county_s = timed(lambda: pipeline(county, county_people), 3)
    print(f"county:   {county.height:>9,} responses  pipeline {county_s:.3f} s")

    province = simulate_cycle(towns=1500, per_town=67, peers=3, residents=0, seed=2).responses
    province_people = ratees(province)
    province_s = timed(lambda: pipeline(province, province_people), 2)
    floor_s = timed(
        lambda: province.group_by("ratee_id", "competency").agg(pl.col("level").mean()), 2
    )
    import pandas as pd

    frame = pd.DataFrame({c: province[c].to_numpy() for c in ("ratee_id", "competency", "level")})
    pandas_s = timed(lambda: frame.groupby(["ratee_id", "competency"])["level"].mean(), 2)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"province: {province.height:>9,} responses  pipeline {province_s:.3f} s  "
        f"floor (polars group_by mean) {floor_s:.3f} s  pandas raw means {pandas_s:.3f} s  "
        f"pipeline/floor {province_s / floor_s:.1f}x  peak RSS {peak_mb:,.0f} MB"
    )
    real = realistic_in_child()
    print(
        f"realistic province: {real['realistic_rows']:,} rated items  pipeline "
        f"{real['realistic_s']:.2f} s  floor {real['realistic_floor_s']:.3f} s  pipeline/floor "
        f"{real['realistic_ratio_to_floor']}x  peak RSS {real['realistic_peak_mb']:,} MB "
        f"(input frame {real['realistic_input_mb']:,} MB) [targets ≤ 3x, < 2,048 MB]"
    )
    for name, figures in dict(real["realistic_stages"]).items():  # type: ignore[call-overload]
        print(f"    {name:<40} {figures['s']:>6.2f} s  peak {figures['peak_mb']:>6,} MB")
    print(
        json.dumps(
            {
                **real,
                "county_s": round(county_s, 4),
                "county_rows": county.height,
                "province_s": round(province_s, 3),
                "province_rows": province.height,
                "floor_s": round(floor_s, 3),
                "pandas_s": round(pandas_s, 3),
                "ratio_to_floor": round(province_s / floor_s, 1),
                "peak_mb": round(peak_mb),
            }
        )
    )


if __name__ == "__main__":
    realistic() if "--realistic" in sys.argv else main()
