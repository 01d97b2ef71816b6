"""The plausibility checks against towns with known truth (bench/plausibility_sim.py): the
share of honest town-quarters flagged (in all and per check) and the share of each
fabrication pattern caught, over several simulated counties of 200 towns, a fifth of them
fabricating; with the thresholds of the 2026 plan. The last line is JSON.

    .venv/bin/python bench/plausibility_bench.py        # SEEDS=10 by default
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.plausibility_sim import PLAN, Check, County, rates, simulate
from evaluation.scorecard.plausibility import check_values

TARGETS = {"false_alarm": 0.05, "detection": 0.70}


def checks_of(county: County) -> Check:
    """The product's checks as the simulator runs them, quarter by quarter."""
    return lambda quarter, values: check_values(PLAN, values, quarter, county.towns, county.history)


def measure(seeds: int, **design: object) -> dict[str, float]:
    totals: dict[str, list[float]] = {}
    for seed in range(seeds):
        county = simulate(towns=200, fabricating=0.2, seed=seed, **design)  # type: ignore[arg-type]
        found = rates(county, checks_of(county))
        for key, value in found.items():
            totals.setdefault(key, []).append(value)
    return {key: sum(v) / len(v) for key, v in totals.items()}


def main() -> None:
    seeds = int(os.environ.get("SEEDS", "10"))
    started = time.perf_counter()
    figures = measure(seeds)
    elapsed = time.perf_counter() - started
    print(f"{seeds} counties × 200 towns × 4 quarters, a fifth fabricating ({elapsed:.1f} s)")
    print(f"  honest town-quarters flagged: {figures['false_alarm']:.3%}")
    for key in sorted(k for k in figures if k.startswith("false_alarm_")):
        stated = PLAN.plausibility.false_alarms.get(key.removeprefix("false_alarm_"))
        print(
            f"    by {key.removeprefix('false_alarm_'):9s} {figures[key]:.3%} (plan states {stated})"
        )
    for pattern in ("lump", "copied", "inflation", "disagreement"):
        print(f"  {pattern:12s} caught: {figures.get(pattern, 0.0):.1%}")
    smaller = {size: measure(max(seeds // 2, 1), lump=(size, size))["lump"] for size in (0.1, 0.25)}
    for size, caught in smaller.items():
        print(f"  a lump of exactly {size:.0%} of the annual target caught: {caught:.1%}")
    met = figures["false_alarm"] < TARGETS["false_alarm"] and all(
        figures.get(p, 0.0) >= TARGETS["detection"]
        for p in ("lump", "copied", "inflation", "disagreement")
    )
    print(
        json.dumps(
            {
                "bench": "plausibility",
                **{k: round(v, 4) for k, v in figures.items()},
                **{f"lump_exactly_{s}": round(v, 4) for s, v in smaller.items()},
                "targets_met": met,
            }
        )
    )


if __name__ == "__main__":
    main()
