"""The assessment office's county view of a snapshot (town × competency, bottlenecks,
rankings, the lists results feed) and the town-level cut fit for the public page.

Built from released cells only and from the people as they were at the snapshot, so a
published cycle's county and public pages never change with the roster."""

from __future__ import annotations

import polars as pl
from scipy.stats import t as student_t

from evaluation.analytics.pipeline import EXCLUDED
from evaluation.analytics.town_results import bottlenecks, town_competency
from evaluation.results import snapshots
from evaluation.results.snapshots import Snapshot
from evaluation.tables import Evidence

PUBLIC_MIN_CADRES = 3  # a town cell on the public page averages at least this many cadres
EXCELLENT_SHARE = 0.2  # 优秀 名额: at most a fifth of a town's cadres
EXCELLENT_EVIDENCE = 0.8  # 优秀 needs scores on at least 80% of the competencies that apply
# Who takes the last 优秀 places when the quota cuts through a tie — the rule the page states:
# the higher overall as shown (two decimals), then the narrower interval (more certain), then
# more competencies scored, then the cadre number; never the order rows happen to come in.
EXCELLENT_ORDER: tuple[tuple[str, pl.Expr], ...] = (  # (column, its sort key: smaller first)
    ("overall", -pl.col("overall").round(2)),
    ("overall_sd", pl.col("overall_sd")),
    ("competencies", -pl.col("competencies")),
    ("ratee_id", pl.col("ratee_id")),
)


def excellent_order(columns: list[str]) -> list[pl.Expr]:
    """EXCELLENT_ORDER's keys over the columns the frame has."""
    return [key for name, key in EXCELLENT_ORDER if name in columns]


def per_cadre_frame(
    cells: pl.DataFrame, people: pl.DataFrame, summaries: pl.DataFrame
) -> pl.DataFrame:
    """One row per cadre: overall and rank (the summaries), lights and weaknesses counted,
    the competencies that apply, who they are."""
    released = cells.filter(pl.col("score").is_not_null())
    weak = released.group_by("ratee_id").agg(
        red=(pl.col("light") == "red").sum(),
        green=(pl.col("light") == "green").sum(),
        weak=(pl.col("finding") == "weakness").sum(),
        weaknesses=pl.col("competency")
        .filter(pl.col("finding") == "weakness")
        .sort_by(pl.col("severity").filter(pl.col("finding") == "weakness"), descending=True),
    )
    applicable = (  # an appeal's excluded competency no longer applies to the cadre
        cells.filter(pl.col("finding").ne_missing(EXCLUDED))
        .group_by("ratee_id")
        .agg(applicable=pl.len())
    )
    return (
        summaries.join(weak, on="ratee_id", how="left")
        .join(applicable, on="ratee_id", how="left")
        .join(people, on="ratee_id")
        .with_columns(pl.col("red", "green", "weak").fill_null(0))
        .sort("position_class", "rank")
    )


async def cadre_frame(snapshot: Snapshot) -> pl.DataFrame:
    """Just the per-cadre table (the read API's), without the county's other tables."""
    return per_cadre_frame(
        await snapshots.cells(snapshot.id),
        await snapshots.people(snapshot.id),
        await snapshots.summaries(snapshot.id),
    )


async def county_frames(snapshot: Snapshot) -> dict[str, pl.DataFrame]:
    """The office's tables for a snapshot, each a polars frame (pages and Excel read these).
    Competencies and groups are codes; presentation turns them into words."""
    cells = await snapshots.cells(snapshot.id)
    people = await snapshots.people(snapshot.id)
    released = cells.filter(pl.col("score").is_not_null())
    lights = snapshot.rubric.lights
    towns = town_competency(
        released, people, lights.green_from, lights.red_below, lights.towns
    ).join(people.select("town_id", "town").unique("town_id"), on="town_id")
    per_cadre = per_cadre_frame(cells, people, await snapshots.summaries(snapshot.id))
    groups = await snapshots.groups(snapshot.id)
    return {
        "scores": cells.join(people, on="ratee_id"),
        "towns": towns,
        "bottlenecks": bottlenecks(towns),
        "cadres": per_cadre,
        "town_standing": town_standing(per_cadre),
        "groups": groups.join(people.select("ratee_id", "name", "town"), on="ratee_id"),
        "raters": await snapshots.rater_review(snapshot.id),
        "agreement": await snapshots.agreement(snapshot.id),
        "unlinked": unlinked_towns(cells, people),
        "evidence": await evidence_by_town(snapshot.cycle.id, people),
    }


async def evidence_by_town(cycle_id: int, people: pl.DataFrame) -> pl.DataFrame:
    """Objective evidence (indicator values imported from other systems) per town and
    indicator: cadres with a value, the mean value and the mean anchor level it maps to."""
    rows = pl.DataFrame(
        await Evidence.select(
            Evidence.cadre.as_alias("ratee_id"),
            Evidence.competency,
            Evidence.indicator,
            Evidence.value,
            Evidence.level,
        ).where(Evidence.cycle == cycle_id),
        schema={
            "ratee_id": pl.Int64,
            "competency": pl.String,
            "indicator": pl.String,
            "value": pl.Float64,
            "level": pl.Int64,
        },
    )
    return (
        rows.join(people.select("ratee_id", "town_id", "town"), on="ratee_id")
        .group_by("town_id", "town", "competency", "indicator")
        .agg(cadres=pl.len(), mean_value=pl.col("value").mean(), mean_level=pl.col("level").mean())
        .sort("town_id", "indicator")
    )


def unlinked_towns(cells: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Towns with cadres outside the anchored piece of the rating graph: their scores are
    on a scale tied to the rest only through the prior on rater severity."""
    return (
        cells.filter(pl.col("component") > 0)
        .select("ratee_id", "component")
        .unique()
        .join(people.select("ratee_id", "town_id", "town"), on="ratee_id")
        .group_by("town_id", "town")
        .agg(cadres=pl.len(), pieces=pl.col("component").n_unique())
        .sort("town_id")
    )


def results_use(
    frames: dict[str, pl.DataFrame], green_from: float, red_below: float
) -> dict[str, pl.DataFrame]:
    """The lists results feed (结果运用), each entry with the evidence behind it.
    Excellent cadres (优秀): overall at or above the green line, no red light, no weakness,
    scored on at least `EXCELLENT_EVIDENCE` of the competencies that apply to them — and
    within the quota: at most `EXCELLENT_SHARE` of a town's cadres (at least one), the best
    overall first (`place`, `quota`, and `eligible` — how many met the rule in the town).
    Lagging cadres: two or more red lights, or overall below the red line.
    Towns are not listed here: which towns are 先进 or 后进 is the year's scorecard's
    verdict (`scorecard.followup.town_lists`); the 360 gives each town's team a standing
    for context (`town_standing`)."""
    cadres = frames["cadres"]
    quota = cadres.group_by("town_id").agg(
        quota=(pl.len() * EXCELLENT_SHARE).floor().cast(pl.Int64).clip(lower_bound=1)
    )
    eligible = cadres.filter(
        (pl.col("overall") >= green_from)
        & (pl.col("red") == 0)
        & (pl.col("weak") == 0)
        & (pl.col("competencies") >= (pl.col("applicable") * EXCELLENT_EVIDENCE).ceil())
    ).with_columns(
        place=pl.struct(*excellent_order(cadres.columns))
        .rank("ordinal")
        .over("town_id")
        .cast(pl.Int64),
        eligible=pl.len().over("town_id").cast(pl.Int64),
    )
    excellent = (
        eligible.join(quota, on="town_id")
        .filter(pl.col("place") <= pl.col("quota"))
        .sort("overall", descending=True)
    )
    lagging = cadres.filter((pl.col("red") >= 2) | (pl.col("overall") < red_below)).sort("overall")
    return {"excellent_cadres": excellent, "lagging_cadres": lagging}


STANDING_RULE = (
    "乡镇干部 360 综合得分的平均值，有九成把握高于全县平均为“较强”、有九成把握低于为“较弱”，"
    "其余“居中”；乡镇的先进、后进和约谈以年度综合考核为准，此项作参考"
)


def town_standing(cadres: pl.DataFrame) -> pl.DataFrame:
    """Each town's team by its cadres' 360 overall (cadres: town_id, town, overall): the
    mean with a 90% t-interval over its cadres, against the county's mean of all cadres —
    `stronger` when the interval lies wholly above, `weaker` wholly below, else `middle`.
    A symmetric rule: a normal county has towns on both sides, most in the middle."""
    scored = cadres.filter(pl.col("overall").is_not_null())
    towns = scored.group_by("town_id", "town").agg(
        cadres=pl.len(), mean=pl.col("overall").mean(), sd=pl.col("overall").std()
    )
    degrees = towns["cadres"].clip(lower_bound=2).to_numpy() - 1
    half = pl.Series(student_t.ppf(0.95, degrees)) * pl.col("sd") / pl.col("cadres").sqrt()
    county = scored["overall"].mean()
    return (
        towns.with_columns(half=half.fill_null(float("inf")), county=pl.lit(county))
        .with_columns(lo=pl.col("mean") - pl.col("half"), hi=pl.col("mean") + pl.col("half"))
        .with_columns(
            standing=pl.when(pl.col("cadres") < 2)
            .then(pl.lit("middle"))
            .when(pl.col("lo") > pl.col("county"))
            .then(pl.lit("stronger"))
            .when(pl.col("hi") < pl.col("county"))
            .then(pl.lit("weaker"))
            .otherwise(pl.lit("middle"))
        )
        .select("town_id", "town", "cadres", "mean", "lo", "hi", "county", "standing")
        .sort("mean", descending=True)
    )


def public_towns(towns: pl.DataFrame) -> pl.DataFrame:
    """Town-level results fit for the public: cells averaging fewer than three cadres are
    left out, so no published number is one person's score."""
    return towns.filter(pl.col("cadres") >= PUBLIC_MIN_CADRES).select(
        "town_id", "town", "competency", "cadres", "mean", "lo", "hi", "norm", "light", "lagging"
    )
