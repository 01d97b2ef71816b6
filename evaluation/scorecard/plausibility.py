"""数据造假 guards: checks on a quarter's values before they count, each with a known
false-alarm rate.

Pure over frames. `values` holds every value of the year so far — town_id, indicator,
quarter, source ("town" for what the town reported, a system's name for imported values),
value, and when known reported_at — `history` last year's (same columns), `towns` the towns
(town_id, name, town_type). A flagged value still counts provisionally; the office confirms
it or corrects it with a reason (核查). The plan's `[plausibility]` table sets the thresholds
and states the false-alarm rate each gave on the simulator of honest and fabricating towns
(bench/plausibility_bench.py; tests/scorecard/test_plausibility_rates.py holds the rates to
what the plan states).

The checks:
* unusual — the quarter's figure is far above what the town's own history predicts. For a
  year-to-date total the quarter's increment is compared; the prediction is the town's own
  level (from its other quarters this year and last year's four) times the county's pattern
  for the quarter (the median town's, so a season or a good year lifts every town alike);
  "far" is `unusual_z` robust SDs of the same comparison across the county's towns. Without
  any earlier quarter of the town (its first report in the system) there is no prediction
  and no check. Counts that deliver in lumps (a project is one 件) are compared the same way.
* falling — a year-to-date total smaller than last quarter's.
* copied — two towns' figures that coincide more often than chance allows: each identical
  figure is as likely by chance as its precision (the step it is written to: 0.01 万元, a
  whole 场, 0.1%) is small against the spread of towns of its type; a pair of towns is
  flagged when the chance of all their coincidences, over every pair of towns, falls below
  `copied_chance`. The town that reported later is flagged (both when the order is unknown).
  Three towns writing 92.5% is common; two towns writing 4,512.37 万元 is not.
* mismatch — a town's figure differs from another system's measure of the same indicator
  and quarter (budget execution from the treasury system) by more than `counterpart_gap` of
  that measure.
(Values outside an indicator's possible range are refused before they are stored.)
"""

from __future__ import annotations

import msgspec
import polars as pl

from evaluation.scorecard.checks.copies import copied
from evaluation.scorecard.checks.frames import FLAG_SCHEMA, normal, spec_frame
from evaluation.scorecard.checks.ledgers import falling, mismatches
from evaluation.scorecard.checks.unusual import unusual
from evaluation.scorecard.plan import Plan

__all__ = ["FLAG_SCHEMA", "CheckRule", "check_values", "rules", "spec_frame"]


class CheckRule(msgspec.Struct, frozen=True):
    """One check as the office reads it: what it looks for, its threshold in words, and the
    share of honest towns' quarterly reports it flags (the plan's stated rate)."""

    check: str
    name: str
    rule: str
    false_alarm: float | None


def rules(plan: Plan) -> list[CheckRule]:
    limits = plan.plausibility
    rates = limits.false_alarms
    return [
        CheckRule(
            "unusual",
            "异常增量",
            f"本季度的增量（时点值指标为数值）比按本乡镇往期和全县同期走势推算的预期高出 "
            f"{limits.unusual_z:g} 个标准差以上",
            rates.get("unusual"),
        ),
        CheckRule("falling", "累计值减少", "年度累计值比上季度少", rates.get("falling")),
        CheckRule(
            "copied",
            "数值雷同",
            f"两个乡镇多项填报值完全相同，按数值的精度和同类乡镇的差异，偶然如此的可能不到 "
            f"1/{round(1 / limits.copied_chance):,}；标记后报的一方",
            rates.get("copied"),
        ),
        CheckRule(
            "mismatch",
            "与其他系统不一致",
            f"填报值与其他系统对同一指标的统计（如财政一体化系统的预算执行进度）相差超过 "
            f"{limits.counterpart_gap:.0%}",
            rates.get("mismatch"),
        ),
    ]


def check_values(
    plan: Plan,
    values: pl.DataFrame,
    quarter: int,
    towns: pl.DataFrame,
    history: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Flags on the town-reported values of `quarter` (one row per value and failed check)."""
    frame = normal(values)
    past = normal(history) if history is not None and history.height else frame.clear()
    specs = spec_frame(plan)
    flags = pl.concat(
        [
            unusual(frame, past, specs, quarter, plan.plausibility.unusual_z),
            falling(frame, specs, quarter),
            copied(frame, specs, towns, quarter, plan.plausibility.copied_chance),
            mismatches(frame, quarter, plan.plausibility.counterpart_gap),
        ]
    )
    return flags.sort("town_id", "indicator", "check")
