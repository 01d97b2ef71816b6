"""The plausibility checks against towns with known truth (bench/plausibility_sim.py, the
bench's simulator, smaller): honest towns' quarterly reports are flagged no more often than
the plan says each check does, and every fabrication pattern is caught at least 70% of the
time. `make bench` runs the same at full size."""

from __future__ import annotations

import math

import pytest

from bench.plausibility_bench import checks_of
from bench.plausibility_sim import PATTERNS, PLAN, rates, simulate

SEEDS = range(3)
HONEST_TOWN_QUARTERS = 3 * 160 * 4  # per check, over the seeds


@pytest.fixture(scope="module")
def measured() -> dict[str, float]:
    runs = []
    for seed in SEEDS:
        county = simulate(towns=200, fabricating=0.2, seed=100 + seed)
        runs.append(rates(county, checks_of(county)))
    keys = {k for run in runs for k in run}
    return {k: sum(run.get(k, 0.0) for run in runs) / len(runs) for k in keys}


@pytest.mark.parametrize("check", sorted(PLAN.plausibility.false_alarms))
def test_each_check_flags_honest_towns_no_more_than_the_plan_states(
    measured: dict[str, float], check: str
) -> None:
    stated = PLAN.plausibility.false_alarms[check]
    # the stated rate plus three standard errors of a rate measured on this many reports
    slack = 3 * math.sqrt(max(stated, 0.001) * (1 - stated) / HONEST_TOWN_QUARTERS)
    assert measured.get(f"false_alarm_{check}", 0.0) <= stated + slack


def test_honest_towns_are_flagged_in_fewer_than_one_report_in_twenty(
    measured: dict[str, float],
) -> None:
    assert measured["false_alarm"] < 0.05


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_fabrication_pattern_is_caught(measured: dict[str, float], pattern: str) -> None:
    assert measured[pattern] >= 0.70
