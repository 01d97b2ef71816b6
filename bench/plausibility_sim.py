"""Towns that report honestly and towns that fabricate, over a year, with known truth — for
the plausibility checks' false-alarm and detection rates (bench/plausibility_bench.py, and a
smaller run in tests/scorecard/test_plausibility_rates.py).

Honest towns, on the real plan's town-reported indicators: an annual level set by the town's
target and its own attainment (±15%), growing 6% ± 4% a year; year-to-date totals built from
quarterly increments with the town's own noise (15–25%) and, for half the towns, a seasonal
pattern (a slow first quarter, a busy last one); rates (%) around their usual level with a
few points of noise; figures rounded as offices write them (万元 to two decimals, counts
whole, percentages to one decimal). Last year's values are the history. The county's
treasury system (财政预算管理一体化系统) measures budget execution too, within ~1.5% of the truth.

Fabricating towns, each with one pattern this year:
* lump — one quarter's increment of one 万元 indicator inflated by 25–50% of the annual
  target (a project counted early, or twice);
* copied — one quarter's report copied from another town, figure for figure, sent after it;
* inflation — every figure 25% above the truth, every quarter;
* disagreement — one quarter's budget execution ten points above the treasury's figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from evaluation.scorecard.plan import Plan, Source, load_plan_file

PLAN = load_plan_file(
    Path(__file__).resolve().parents[1] / "evaluation/scorecard/plans/towns_2026.toml"
)
TYPES = ("chengguan", "industrial", "agricultural", "ecological", "tourism")
PATTERNS = ("lump", "copied", "inflation", "disagreement")
SEASON = np.array([0.18, 0.24, 0.26, 0.32])
FLAT = np.full(4, 0.25)
USUAL_LEVEL = {"satisfaction_rate": 92.0, "budget_execution": 100.0, "innovation_cases": 4.0}
COUNTERPART = "treasury"


@dataclass(frozen=True)
class County:
    towns: pl.DataFrame  # town_id, name, town_type
    values: pl.DataFrame  # this year: town_id, indicator, quarter, source, value, reported_at
    history: pl.DataFrame  # last year, the same columns
    fabricated: pl.DataFrame  # town_id, pattern, indicator (lump/disagreement), quarter


def precision(unit: str) -> int:
    return {"万元": 2, "%": 1}.get(unit, 0)


def simulate(
    plan: Plan = PLAN,
    towns: int = 200,
    fabricating: float = 0.0,
    seed: int = 0,
    lump: tuple[float, float] = (0.25, 0.5),
) -> County:
    """`fabricating`: the share of towns given one pattern (in turn) this year; `lump`: the
    range of a lump's size, as a share of the indicator's annual target."""
    rng = np.random.default_rng(seed)
    town_ids = np.arange(1, towns + 1)
    kinds = rng.choice(TYPES, towns)
    noise = rng.uniform(0.15, 0.25, towns)
    seasonal = rng.random(towns) < 0.5
    growth = rng.normal(0.06, 0.04, towns)
    reported = [i for i in plan.indicators if i.source == Source.town]
    rows: list[tuple[int, str, int, int, str, float]] = []  # year, indicator, quarter, …
    truth: dict[tuple[int, str], np.ndarray] = {}
    for t in range(towns):
        kind = str(kinds[t])
        shares = SEASON if seasonal[t] else FLAT
        for indicator in reported:
            if not indicator.applies(kind):
                continue
            target = indicator.default_target(kind) or USUAL_LEVEL.get(indicator.code, 90.0)
            level = target * rng.normal(1.0, 0.15)
            for year, scale in ((0, 1.0), (1, 1.0 + growth[t])):
                if indicator.cumulative:
                    flow = level * scale * shares * (1 + rng.normal(0, noise[t], 4))
                    series = np.cumsum(np.clip(flow, 0.0, None))
                else:
                    series = np.clip(
                        level + 20 * growth[t] * year + rng.normal(0, 10 * noise[t], 4),
                        indicator.minimum,
                        100.0,
                    )
                series = np.clip(series, indicator.minimum, indicator.maximum)
                truth[(t, indicator.code, year)] = series  # type: ignore[index]
    fabricated = []
    chosen = rng.permutation(towns)[: round(fabricating * towns)]
    pattern_of = {int(t): PATTERNS[n % len(PATTERNS)] for n, t in enumerate(chosen)}
    honest = [t for t in range(towns) if t not in pattern_of]
    for t in range(towns):
        order = rng.permutation(4)  # who reports early each quarter
        for indicator in reported:
            for year in (0, 1):
                series = truth.get((t, indicator.code, year))  # type: ignore[call-overload]
                if series is None:
                    continue
                shown = series.copy()
                if year == 1 and pattern_of.get(t) == "inflation":
                    shown = shown * 1.25
                for q in range(4):
                    rows.append(
                        (year, t, indicator.code, q + 1, "town", float(shown[q]), int(order[q]))
                    )
                if year == 1 and indicator.code == "budget_execution":
                    measured = series * (1 + rng.normal(0, 0.015, 4))
                    for q in range(4):
                        rows.append(
                            (1, t, indicator.code, q + 1, COUNTERPART, float(measured[q]), 0)
                        )
    frame = pl.DataFrame(
        rows,
        schema={
            "year": pl.Int32,
            "town": pl.Int64,
            "indicator": pl.String,
            "quarter": pl.Int32,
            "source": pl.String,
            "value": pl.Float64,
            "reported_at": pl.Int64,
        },
        orient="row",
    )
    for t, pattern in pattern_of.items():
        quarter = int(rng.integers(1, 5))
        mine = (pl.col("year") == 1) & (pl.col("town") == t) & (pl.col("source") == "town")
        if pattern == "lump":
            codes = [
                i.code
                for i in reported
                if i.unit == "万元" and (t, i.code, 1) in truth  # type: ignore[comparison-overlap]
            ]
            code = str(rng.choice(codes))
            target = (plan.indicator(code).default_target(str(kinds[t])) or 0.0) * rng.uniform(
                *lump
            )
            frame = frame.with_columns(
                value=pl.when(mine & (pl.col("indicator") == code) & (pl.col("quarter") >= quarter))
                .then(pl.col("value") + target)
                .otherwise(pl.col("value"))
            )
            fabricated.append((t, pattern, code, quarter))
        elif pattern == "copied":
            source = int(rng.choice(honest))
            theirs = frame.filter(
                pl.col("year") == 1,
                pl.col("town") == source,
                pl.col("quarter") == quarter,
                pl.col("source") == "town",
            ).select("indicator", copied=pl.col("value"), at=pl.col("reported_at"))
            frame = (
                frame.join(theirs, on="indicator", how="left")
                .with_columns(
                    value=pl.when(
                        mine & (pl.col("quarter") == quarter) & pl.col("copied").is_not_null()
                    )
                    .then(pl.col("copied"))
                    .otherwise(pl.col("value")),
                    reported_at=pl.when(mine & (pl.col("quarter") == quarter))
                    .then(pl.col("at").fill_null(0) + 10)
                    .otherwise(pl.col("reported_at")),
                )
                .drop("copied", "at")
            )
            fabricated.append((t, pattern, None, quarter))
        elif pattern == "disagreement":
            frame = frame.with_columns(
                value=pl.when(
                    mine
                    & (pl.col("indicator") == "budget_execution")
                    & (pl.col("quarter") == quarter)
                )
                .then(pl.col("value") + 10.0)
                .otherwise(pl.col("value"))
            )
            fabricated.append((t, pattern, "budget_execution", quarter))
        else:
            fabricated.append((t, pattern, None, None))
    units = pl.DataFrame(
        {"indicator": [i.code for i in reported], "digits": [precision(i.unit) for i in reported]}
    )
    frame = (
        frame.join(units, on="indicator")
        .with_columns(
            value=pl.when(pl.col("digits") == 2)
            .then(pl.col("value").round(2))
            .when(pl.col("digits") == 1)
            .then(pl.col("value").round(1))
            .otherwise(pl.col("value").round(0)),
            town_id=pl.col("town") + 1,
        )
        .drop("digits", "town")
    )
    columns = ["town_id", "indicator", "quarter", "source", "value", "reported_at"]
    return County(
        towns=pl.DataFrame(
            {
                "town_id": town_ids,
                "name": [f"第{i}镇" for i in town_ids],
                "town_type": kinds.astype(str),
            }
        ),
        values=frame.filter(pl.col("year") == 1).select(columns),
        history=frame.filter(pl.col("year") == 0).select(columns),
        fabricated=pl.DataFrame(
            fabricated,
            schema={
                "town": pl.Int64,
                "pattern": pl.String,
                "indicator": pl.String,
                "quarter": pl.Int32,
            },
            orient="row",
        )
        .with_columns(town_id=pl.col("town") + 1)
        .drop("town"),
    )


Check = Callable[[int, pl.DataFrame], pl.DataFrame]


def rates(county: County, flags_for: Check) -> dict[str, float]:
    """Run `flags_for(quarter, values so far)` after each quarter (as the product runs the
    checks after every report); the share of honest town-quarters flagged, and per pattern the
    share of fabrications flagged: the lump's and the disagreement's own figure in its quarter,
    the copying town in its quarter, the inflating town in each quarter."""
    found = []
    for quarter in range(1, 5):
        so_far = county.values.filter(pl.col("quarter") <= quarter)
        found.append(flags_for(quarter, so_far))
    every_flag = pl.concat(found)
    flags = every_flag.select("town_id", "indicator", "quarter").unique()
    flagged_quarters = flags.select("town_id", "quarter").unique().with_columns(hit=pl.lit(True))
    every = county.towns.select("town_id").join(
        pl.DataFrame({"quarter": [1, 2, 3, 4]}, schema={"quarter": pl.Int32}), how="cross"
    )
    honest = every.join(county.fabricated.select("town_id"), on="town_id", how="anti")
    out = {
        "false_alarm": honest.join(flagged_quarters, on=["town_id", "quarter"], how="left")["hit"]
        .is_not_null()
        .mean()
        or 0.0
    }
    for check in sorted(set(every_flag["check"].to_list())):
        mine = every_flag.filter(pl.col("check") == check).select("town_id", "quarter").unique()
        out[f"false_alarm_{check}"] = float(
            honest.join(mine.with_columns(hit=pl.lit(True)), on=["town_id", "quarter"], how="left")[
                "hit"
            ]
            .is_not_null()
            .mean()
            or 0.0
        )
    for pattern in PATTERNS:
        cases = county.fabricated.filter(pl.col("pattern") == pattern)
        if cases.is_empty():
            continue
        if pattern in ("lump", "disagreement"):
            hit = cases.join(
                flags.with_columns(hit=pl.lit(True)),
                on=["town_id", "indicator", "quarter"],
                how="left",
            )["hit"]
        elif pattern == "copied":
            hit = cases.join(flagged_quarters, on=["town_id", "quarter"], how="left")["hit"]
        else:
            hit = (
                cases.select("town_id")
                .join(every, on="town_id")
                .join(flagged_quarters, on=["town_id", "quarter"], how="left")["hit"]
            )
        out[pattern] = float(hit.is_not_null().mean() or 0.0)
    return out
