"""`make bench`: every benchmark in turn, its own lines as it prints them, then one JSON line
with every figure (each bench's last line is its JSON), and which of issue 34's targets were
met on this machine. Each figure sits beside its baseline measured in the same run.

    .venv/bin/python bench/run_all.py            # BENCH_POSTGRES_URL adds the PostgreSQL legs
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = [
    "schedule_bench.py",
    "aggregate_bench.py",
    "feedback_bench.py",
    "scorecard_bench.py",
    "plausibility_bench.py",
    "roster_bench.py",
    "submit_load.py",
]


def run(script: str) -> dict[str, object]:
    """Run one bench, echoing its output; returns its last line as JSON."""
    print(f"== bench/{script}", flush=True)
    process = subprocess.Popen(
        [sys.executable, str(BENCH / script)], stdout=subprocess.PIPE, text=True, env=os.environ
    )
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.strip():
            last = line.strip()
    if process.wait() != 0:
        raise SystemExit(f"bench/{script} failed")
    return dict(json.loads(last))


def targets(figures: dict[str, dict[str, object]]) -> dict[str, bool | None]:
    """Issue 34's targets, judged from the figures (None: that leg did not run)."""
    schedule = figures["schedule_bench"]
    submit = figures["submit_load"]
    province = figures["aggregate_bench"]
    feedback = figures["feedback_bench"]

    def number(frame: dict[str, object], key: str) -> float:
        return float(frame[key])  # type: ignore[arg-type]

    return {
        "schedule_under_5s_within_1pct": number(schedule, "schedule_fast_s") < 5
        and number(schedule, "schedule_fast_gap") <= 0.01,
        "pg_at_least_sqlite_p99_under_50ms": (
            number(submit, "pg_submits_per_s") >= number(submit, "submits_per_s")
            and number(submit, "pg_p99_ms") < 50
            if "pg_submits_per_s" in submit
            else None
        ),
        "sqlite_p99_under_40ms": number(submit, "p99_ms") < 40,
        "feedback_p50_within_2x_me": number(feedback, "feedback_to_baseline_p50") <= 2,
        "province_within_3x_floor": number(province, "realistic_ratio_to_floor") <= 3,
        "province_under_2gb": number(province, "realistic_peak_mb") < 2048,
        "stored_equals_acknowledged": bool(submit["stored_equals_acknowledged"]),
    }


def main() -> None:
    figures = {Path(script).stem: run(script) for script in ORDER}
    met = targets(figures)
    print(
        "== targets (issue 34): "
        + ", ".join(
            f"{k} {'met' if v else ('not run' if v is None else 'NOT met')}" for k, v in met.items()
        )
    )
    print(json.dumps({**figures, "targets": met}, ensure_ascii=False))


if __name__ == "__main__":
    main()
