"""Simulated answers for the demo county, so a newcomer's `make run` shows results with a
story in them (pure: frames in, frames out; `app.demo.loader` writes them through the tables).

The story, fixed by the seed:
* 数字化治理能力 (digital) is weak across a third of the towns — a systemic bottleneck
  for the county's training plan;
* two towns are weak at 矛盾纠纷化解 (conflict) and improve from one cycle to the next as
  they are trained;
* a handful of cadres have a real weakness of their own;
* raters differ in severity, and one town's party secretary is a notably strict rater
  (calibration corrects for this);
* self-assessments run lenient (blind spots); residents are many at some windows and too
  few to show at others (anonymity thresholds at work), and a little kinder than colleagues;
  each group sees each cadre a little differently, so the cycle's weights matter; some
  raters leave comments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

MU = 3.45
ABILITY_SD = 0.35
SEVERITY_SD = 0.3
NOISE_SD = 0.6
STRICT_LEADER_SEVERITY = 0.9
SELF_LENIENCY = 0.35
RESIDENT_LENIENCY = 0.25  # residents rate a little kinder than colleagues (calibration removes it)
VIEW_SD = 0.25  # how differently the groups see one cadre
VIEW_GROUPS = ("superior", "peer", "resident")
CANNOT_OBSERVE = 0.03
COMMENT_SHARE = 0.25
SYSTEMIC = ("digital", 0.75)  # competency, drop in the affected towns
TOWN_WEAKNESS = ("conflict", 0.9, 0.45)  # competency, initial drop, improvement per cycle

COMMENTS = (
    "工作踏实，群众来办事很耐心。",
    "希望多下村入户，听听群众的意见。",
    "遇到急难任务能主动顶上去。",
    "线上办事平台还不太熟练，建议加强学习。",
    "处理矛盾纠纷有方法，群众信服。",
    "有时推诿，需要增强担当意识。",
    "和同事配合默契，团结协作好。",
    "政策解释清楚，办事效率高。",
    "调解邻里纠纷还需要更多耐心。",
    "廉洁自律，口碑很好。",
)


@dataclass(frozen=True)
class SimulatedAnswers:
    responses: pl.DataFrame  # key, ratee_id, rater_id, rater_group, assignment_id, channel, comment
    items: pl.DataFrame  # key, competency, level (null: cannot observe)


def story(cadres: pl.DataFrame, seed: int, weak_in_service: tuple[int, ...] = ()) -> pl.DataFrame:
    """Per cadre: town index and the cadres' lasting traits (drawn once, shared by cycles).
    cadres: cadre_id, town_id, position. Returns cadre_id, town_index, general, severity,
    planted (a clear weakness in 为民服务: the demo's own cadre, so their feedback and
    training have something to show)."""
    rng = np.random.default_rng(seed)
    ordered = cadres.sort("cadre_id").with_columns(
        town_index=pl.col("town_id").rank("dense").cast(pl.Int64) - 1
    )
    strict = (pl.col("position") == "党委书记") & (pl.col("town_index") == 1)
    return ordered.with_columns(
        general=pl.Series(rng.normal(0, ABILITY_SD * 0.7, ordered.height)),
        severity=pl.Series(rng.normal(0, SEVERITY_SD, ordered.height)),
    ).with_columns(
        severity=pl.when(strict).then(STRICT_LEADER_SEVERITY).otherwise(pl.col("severity")),
        planted=pl.col("cadre_id").is_in(list(weak_in_service)),
    )


def abilities(
    people: pl.DataFrame, competencies: list[str], seed: int, cycle_index: int
) -> pl.DataFrame:
    """cadre_id, competency, true_level for one cycle (cycle_index 0 = the oldest)."""
    rng = np.random.default_rng(seed + 1)
    k = len(competencies)
    specific = rng.normal(0, ABILITY_SD * 0.7, (people.height, k))
    personal_weak = rng.random(people.height) < 0.03
    weak_item = rng.integers(0, k, people.height)
    specific[personal_weak, weak_item[personal_weak]] -= 1.2
    if "service" in competencies and "planted" in people.columns:
        specific[people["planted"].to_numpy(), competencies.index("service")] -= 1.3
    towns = int(people["town_index"].max() or 0) + 1  # type: ignore[arg-type]
    systemic_towns = np.arange(towns) % 3 == 0
    weak_towns = {2 % towns, 7 % towns}
    frame = pl.DataFrame(
        {
            "cadre_id": np.repeat(people["cadre_id"].to_numpy(), k),
            "town_index": np.repeat(people["town_index"].to_numpy(), k),
            "general": np.repeat(people["general"].to_numpy(), k),
            "competency": np.tile(np.array(competencies), people.height),
            "specific": specific.ravel(),
        }
    )
    competency, drop, recovery = TOWN_WEAKNESS
    town_drop = max(drop - recovery * cycle_index, 0.0)
    return frame.with_columns(
        true_level=MU
        + pl.col("general")
        + pl.col("specific")
        + 0.05 * cycle_index  # the county improves a little every year
        - pl.when(
            (pl.col("competency") == SYSTEMIC[0])
            & pl.col("town_index").is_in(np.flatnonzero(systemic_towns).tolist())
        )
        .then(SYSTEMIC[1])
        .otherwise(0.0)
        - pl.when((pl.col("competency") == competency) & pl.col("town_index").is_in(weak_towns))
        .then(town_drop)
        .otherwise(0.0)
    ).select("cadre_id", "competency", "true_level")


def simulate_answers(
    assignments: pl.DataFrame,
    people: pl.DataFrame,
    form_items: pl.DataFrame,
    residents: pl.DataFrame,
    *,
    seed: int,
    cycle_index: int,
    answered: float = 1.0,
    boost: pl.DataFrame | None = None,
) -> SimulatedAnswers:
    """assignments: assignment_id, rater_id, ratee_id, rater_group. people: `story` output
    plus town_type, position_class. form_items: rater_group, town_type, position_class,
    competency (what each form asks). residents: ratee_id, count (resident forms per cadre).
    `answered`: the share of assignments answered (the rest stay open). `boost`: the
    effect of training attended since the last cycle (cadre_id, competency, effect)."""
    rng = np.random.default_rng(seed * 100 + cycle_index)
    competencies = form_items["competency"].unique().sort().to_list()
    truth = abilities(people, competencies, seed, cycle_index)
    if boost is not None:  # training that worked: cadre_id, competency, effect
        truth = (
            truth.join(boost, on=["cadre_id", "competency"], how="left")
            .with_columns(true_level=pl.col("true_level") + pl.col("effect").fill_null(0.0))
            .drop("effect")
        )
    chosen = assignments.filter(pl.Series(rng.random(assignments.height) < answered))
    resident_forms = residents.select(
        pl.col("ratee_id").repeat_by("count").explode(),
    ).with_columns(
        rater_id=pl.lit(None, dtype=pl.Int64),
        rater_group=pl.lit("resident"),
        assignment_id=pl.lit(None, dtype=pl.Int64),
    )
    forms = pl.concat(
        [chosen.select("ratee_id", "rater_id", "rater_group", "assignment_id"), resident_forms],
        how="vertical_relaxed",
    ).with_row_index("key")
    forms = forms.with_columns(
        channel=pl.when(pl.col("rater_group") == "resident")
        .then(pl.lit("qr"))
        .otherwise(pl.lit("online")),
        comment=pl.when(
            pl.Series(rng.random(forms.height) < COMMENT_SHARE)
            & pl.col("rater_group").is_in(["peer", "resident"])
        )
        .then(pl.Series(np.array(COMMENTS)[rng.integers(0, len(COMMENTS), forms.height)]))
        .otherwise(pl.lit("")),
    )
    ratee = people.select(
        ratee_id="cadre_id", town_type="town_type", position_class="position_class"
    )
    severity = people.select(rater_id="cadre_id", severity="severity")
    items = (
        forms.select("key", "ratee_id", "rater_id", "rater_group")
        .join(ratee, on="ratee_id")
        .join(form_items, on=["rater_group", "town_type", "position_class"])
        .join(truth.rename({"cadre_id": "ratee_id"}), on=["ratee_id", "competency"])
        .join(severity, on="rater_id", how="left")
        .sort("key", "competency")
    )
    noise = rng.normal(0, NOISE_SD, items.height)
    missing = rng.random(items.height) < CANNOT_OBSERVE
    # each group sees each cadre a little differently (residents meet them at the window,
    # superiors in meetings): a view per (cadre, group), so the cycle's weights matter
    view = pl.DataFrame(
        {
            "ratee_id": np.repeat(people["cadre_id"].to_numpy(), len(VIEW_GROUPS)),
            "rater_group": np.tile(np.array(VIEW_GROUPS), people.height),
            "view": rng.normal(0, VIEW_SD, people.height * len(VIEW_GROUPS)),
        }
    )
    items = items.join(view, on=["ratee_id", "rater_group"], how="left")
    latent = (
        pl.col("true_level")
        - pl.col("severity").fill_null(0.0)
        + pl.col("view").fill_null(0.0)
        + pl.when(pl.col("rater_group") == "self").then(SELF_LENIENCY).otherwise(0.0)
        + pl.when(pl.col("rater_group") == "resident").then(RESIDENT_LENIENCY).otherwise(0.0)
        + pl.Series(noise)
    )
    level = latent.round().clip(1, 5).cast(pl.Int64)
    items = items.select(
        "key",
        "competency",
        level=pl.when(pl.Series(missing) & (pl.col("rater_group") != "self"))
        .then(None)
        .otherwise(level),
    )
    return SimulatedAnswers(
        responses=forms.select(
            "key", "ratee_id", "rater_id", "rater_group", "assignment_id", "channel", "comment"
        ),
        items=items,
    )


def resident_counts(people: pl.DataFrame, seed: int) -> pl.DataFrame:
    """How many residents rate each cadre: many at busy service windows, few (below the
    anonymity threshold) elsewhere. people: cadre_id, position_class."""
    rng = np.random.default_rng(seed + 2)
    busy = people["position_class"].is_in(["station_head", "village"]).to_numpy()
    count = np.where(busy, rng.integers(3, 9, people.height), rng.integers(0, 5, people.height))
    return pl.DataFrame({"ratee_id": people["cadre_id"], "count": count})


EXTREME_NOTES = {  # what a rater writes when choosing the lowest or highest level
    1: "多名群众反映该项问题，本人也多次看到，需明显改进。",
    5: "本年度该项工作有具体事例，表现突出。",
}


def within_quota(answers: SimulatedAnswers, share: float) -> SimulatedAnswers:
    """The answers as raters send them under the top-rating quota: a rater whose forms hold
    more 5s than `share` of the items they rate (self-assessment and residents aside) lowers
    the excess to 4, on the forms sent last — as the form's quota message asks them to."""
    rated = answers.responses.filter(~pl.col("rater_group").is_in(["self", "resident"])).select(
        "key", "rater_id"
    )
    items = answers.items.join(rated, on="key", how="left").with_columns(
        allowed=(pl.len().over("rater_id") * share).floor().cast(pl.Int64),
        nth_top=pl.when(pl.col("level") == 5)
        .then(pl.col("level").cum_count().over("rater_id", "level", order_by="key"))
        .otherwise(None),
    )
    over = pl.col("rater_id").is_not_null() & (pl.col("nth_top") > pl.col("allowed"))
    return SimulatedAnswers(
        responses=answers.responses,
        items=items.select(
            "key", "competency", level=pl.when(over).then(pl.lit(4, pl.Int64)).otherwise("level")
        ),
    )


def form_fields(answers: SimulatedAnswers) -> list[dict[str, str]]:
    """Each response as the fields its form sends, in `answers.responses`' order: a level (or
    "na" for cannot observe) per item, a note at the lowest and highest levels (residents
    need none), the comment."""
    notes = pl.col("level").replace_strict(EXTREME_NOTES, default=None, return_dtype=pl.String)
    items = answers.items.join(answers.responses.select("key", "rater_group"), on="key").select(
        "key",
        name=pl.lit("level_") + pl.col("competency"),
        value=pl.col("level").cast(pl.String).fill_null("na"),
        note_name=pl.lit("note_") + pl.col("competency"),
        note=pl.when(pl.col("rater_group") != "resident").then(notes),
    )
    fields: dict[int, dict[str, str]] = {
        int(key): {"comment": comment or ""}
        for key, comment in answers.responses.select("key", "comment").iter_rows()
    }
    for key, name, value, note_name, note in items.iter_rows():
        fields[key][name] = value
        if note:
            fields[key][note_name] = note
    return [fields[int(key)] for key in answers.responses["key"]]
