"""The assessment office's county view of a snapshot (town × competency, bottlenecks,
rankings, the lists results feed) and the town-level cut fit for the public page."""

from __future__ import annotations

import polars as pl

from evaluation.analytics.profiles import overall
from evaluation.analytics.town_results import bottlenecks, town_competency
from evaluation.organisation.directory import cadre_frame
from evaluation.organisation.vocabulary import POSITION_CLASS_LABELS
from evaluation.results.snapshots import Snapshot, scores
from evaluation.tables import (
    GroupScore,
    RaterResult,
)

PUBLIC_MIN_CADRES = 3  # a town cell on the public page averages at least this many cadres


async def county_frames(snapshot: Snapshot) -> dict[str, pl.DataFrame]:
    """The office's tables for a snapshot, each a polars frame (pages and Excel read these)."""
    rows = await scores(snapshot.id)
    people = (await cadre_frame()).select(
        pl.col("cadre_id").alias("ratee_id"),
        "name",
        "position",
        "town_id",
        "town",
        "position_class",
    )
    lights = snapshot.rubric.lights
    names = {c.id: c.name for c in snapshot.rubric.competencies}
    towns = (
        town_competency(rows, people, lights.green_from, lights.red_below)
        .join(people.select("town_id", "town").unique("town_id"), on="town_id")
        .with_columns(competency_name=pl.col("competency").replace_strict(names, default=None))
    )
    weights = {c.id: c.weight for c in snapshot.rubric.competencies}
    per_cadre = (
        overall(rows, weights)
        .join(
            rows.group_by("ratee_id").agg(
                red=(pl.col("light") == "red").sum(),
                green=(pl.col("light") == "green").sum(),
                competencies=pl.len(),
                weak=(pl.col("finding") == "weakness").sum(),
            ),
            on="ratee_id",
        )
        .join(people, on="ratee_id")
        .with_columns(
            rank=pl.col("overall")
            .rank("min", descending=True)
            .over("position_class")
            .cast(pl.Int64),
            peers=pl.len().over("position_class"),
            position_class_label=pl.col("position_class").replace_strict(
                POSITION_CLASS_LABELS, default=None
            ),
            weaknesses=pl.col("weaknesses")
            .list.eval(pl.element().replace_strict(names, default=None))
            .list.join("、"),
        )
        .sort("position_class", "rank")
    )
    groups = pl.DataFrame(
        await GroupScore.select(
            GroupScore.ratee.as_alias("ratee_id"),
            GroupScore.competency,
            GroupScore.rater_group,
            GroupScore.n,
            GroupScore.raw_mean,
            GroupScore.corrected_mean,
            GroupScore.reason,
        ).where(GroupScore.snapshot == snapshot.id),
        schema={
            "ratee_id": pl.Int64,
            "competency": pl.String,
            "rater_group": pl.String,
            "n": pl.Int64,
            "raw_mean": pl.Float64,
            "corrected_mean": pl.Float64,
            "reason": pl.String,
        },
    )
    raters = pl.DataFrame(
        await RaterResult.select(
            RaterResult.rater.as_alias("rater_id"),
            RaterResult.rater.name.as_alias("name"),
            RaterResult.rater.position.as_alias("position"),
            RaterResult.rater.town.name.as_alias("town"),  # type: ignore[union-attr]
            RaterResult.severity,
            RaterResult.misfit,
            RaterResult.extreme,
            RaterResult.straight_lining,
            RaterResult.identical_cluster,
        ).where(RaterResult.snapshot == snapshot.id),
        schema={
            "rater_id": pl.Int64,
            "name": pl.String,
            "position": pl.String,
            "town": pl.String,
            "severity": pl.Float64,
            "misfit": pl.Boolean,
            "extreme": pl.String,
            "straight_lining": pl.Boolean,
            "identical_cluster": pl.Boolean,
        },
    )
    flagged = raters.filter(
        pl.col("extreme").is_not_null()
        | pl.col("straight_lining")
        | pl.col("identical_cluster")
        | pl.col("misfit")
    ).sort("severity", descending=True)
    return {
        "scores": rows.join(people, on="ratee_id").with_columns(
            competency_name=pl.col("competency").replace_strict(names, default=None)
        ),
        "towns": towns,
        "bottlenecks": bottlenecks(towns).with_columns(
            competency_name=pl.col("competency").replace_strict(names, default=None)
        ),
        "cadres": per_cadre,
        "groups": groups.join(people.select("ratee_id", "name", "town"), on="ratee_id"),
        "raters": flagged,
    }


def results_use(
    frames: dict[str, pl.DataFrame], green_from: float, red_below: float
) -> dict[str, pl.DataFrame]:
    """The lists results feed (结果运用), each entry with the evidence behind it.
    Excellent cadres: overall at or above the green line, no red light, no weakness.
    Lagging cadres: two or more red lights, or overall below the red line.
    Excellent towns: every competency green, none lagging. Lagging towns: three or more
    lagging competencies or any red light."""
    cadres = frames["cadres"]
    excellent = (
        cadres.filter(
            (pl.col("overall") >= green_from) & (pl.col("red") == 0) & (pl.col("weak") == 0)
        )
        .with_columns(
            evidence=pl.format(
                "综合 {}，{} 项中 {} 项绿灯，无短板",
                pl.col("overall").round(2),
                "competencies",
                "green",
            )
        )
        .sort("overall", descending=True)
    )
    lagging = (
        cadres.filter((pl.col("red") >= 2) | (pl.col("overall") < red_below))
        .with_columns(
            evidence=pl.format(
                "综合 {}，红灯 {} 项，短板：{}",
                pl.col("overall").round(2),
                "red",
                pl.col("weaknesses").fill_null("—"),
            )
        )
        .sort("overall")
    )
    town_summary = (
        frames["towns"]
        .group_by("town_id", "town")
        .agg(
            mean=(pl.col("mean") * pl.col("cadres")).sum() / pl.col("cadres").sum(),
            green=(pl.col("light") == "green").sum(),
            red=(pl.col("light") == "red").sum(),
            lagging=pl.col("lagging").sum(),
            competencies=pl.len(),
            lagging_names=pl.col("competency_name").filter(pl.col("lagging")).str.join("、"),
        )
    )
    return {
        "excellent_cadres": excellent,
        "lagging_cadres": lagging,
        "excellent_towns": town_summary.filter(
            (pl.col("green") == pl.col("competencies")) & (pl.col("lagging") == 0)
        )
        .with_columns(evidence=pl.format("{} 项能力全部绿灯，无落后项", "competencies"))
        .sort("mean", descending=True),
        "lagging_towns": town_summary.filter((pl.col("lagging") >= 3) | (pl.col("red") > 0))
        .with_columns(
            evidence=pl.format(
                "{} 项低于全县常模（{}），红灯 {} 项", "lagging", "lagging_names", "red"
            )
        )
        .sort("lagging", descending=True),
    }


def public_towns(towns: pl.DataFrame) -> pl.DataFrame:
    """Town-level results fit for the public: cells averaging fewer than three cadres are
    left out, so no published number is one person's score."""
    return towns.filter(pl.col("cadres") >= PUBLIC_MIN_CADRES).select(
        "town_id",
        "town",
        "competency",
        "competency_name",
        "cadres",
        "mean",
        "lo",
        "hi",
        "light",
        "lagging",
    )
