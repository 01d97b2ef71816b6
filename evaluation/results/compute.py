"""Computing a cycle's results from the database and storing them as a snapshot.

Only responses that count enter: a response the office excluded in review, or one still
waiting for review, counts toward neither the scores nor any threshold. A snapshot stores
the release (`analytics.release`) — never a hidden number — and who everyone was at that
moment (`snapshot_cadre`), so a published cycle never changes with the roster."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from evaluation import clock
from evaluation.analytics.pipeline import CycleResults, aggregate
from evaluation.analytics.release import pooled_comments
from evaluation.appeals import store as appeal_store
from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict
from evaluation.groups import RaterGroup
from evaluation.organisation.directory import cadre_frame
from evaluation.results import published, snapshots
from evaluation.tables import Cycle, ProfileSnapshot, Response, ResponseFlag, ResponseItem

RESPONSE_SCHEMA = {
    "response_id": pl.Int64,
    "ratee_id": pl.Int64,
    "rater_id": pl.Int64,
    "rater_group": pl.String,
    "competency": pl.String,
    "level": pl.Int64,
}


async def uncounted_responses(cycle_id: int) -> list[int]:
    """Responses flagged for review that the office has not kept: excluded, or pending."""
    return (
        await ResponseFlag.select(ResponseFlag.response)
        .where((ResponseFlag.decision != "kept") & (ResponseFlag.response.cycle == cycle_id))
        .output(as_list=True)
    )


@dataclass(frozen=True)
class Computed:
    """What a computation read and worked out — everything a snapshot stores, so storing
    it reads nothing again (issue 34)."""

    results: CycleResults
    people: pl.DataFrame  # the rated people as they were, in `published.PEOPLE`'s columns
    readings: pl.DataFrame  # what each cadre rater's counted answers covered (`reader_coverage`)
    comments: pl.DataFrame  # the counted responses' comments (`counted_comments`)


def people_of(cadres: pl.DataFrame) -> pl.DataFrame:
    """The directory's frame (`cadre_frame`) in the published people's columns: its
    `cadre_id` enters the analytics' vocabulary as `ratee_id` here, once."""
    return cadres.rename({"cadre_id": "ratee_id"}).select(list(published.schema(published.PEOPLE)))


async def cycle_frames(
    cycle_id: int, uncounted: list[int] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The analytics contract's frames: counted responses (all but `uncounted`, read when not
    given), and the rated people as they were when the cycle closed (a transfer recorded
    afterwards does not move their results), in the published people's columns."""
    rows = await ResponseItem.select(
        ResponseItem.response.as_alias("response_id"),
        ResponseItem.response.ratee.as_alias("ratee_id"),
        ResponseItem.response.rater.as_alias("rater_id"),
        ResponseItem.response.rater_group.as_alias("rater_group"),
        ResponseItem.competency,
        ResponseItem.level,
    ).where(ResponseItem.response.cycle == cycle_id)
    if uncounted is None:
        uncounted = await uncounted_responses(cycle_id)
    responses = pl.DataFrame(rows, schema=RESPONSE_SCHEMA).filter(
        ~pl.col("response_id").is_in(uncounted)
    )
    frozen = await frozen_people(cycle_id)
    if frozen is not None:  # published: an appeal recomputes with the people as published
        return responses, frozen
    closes_on = await Cycle.select(Cycle.closes_on).where(Cycle.id == cycle_id).first()
    return responses, people_of(await cadre_frame(closes_on["closes_on"] if closes_on else None))


async def frozen_people(cycle_id: int) -> pl.DataFrame | None:
    """The rated cadres as the cycle's publication froze them (its first frozen snapshot),
    in `published.PEOPLE`'s columns; None before publication. A transfer recorded later —
    backdated into the cycle's year or not — never moves a published result (issue 29, #3)."""
    first = (
        await ProfileSnapshot.select(ProfileSnapshot.id)
        .where((ProfileSnapshot.cycle == cycle_id) & (ProfileSnapshot.frozen.eq(True)))
        .order_by(ProfileSnapshot.id)
        .first()
    )
    if first is None:
        return None
    return await snapshots.people(int(first["id"]))  # rated cadres as published


async def compute(cycle_id: int) -> Computed:
    """The cycle's results, the people they were computed against, and what else its
    snapshot stores — each read once."""
    cycle = await cycle_service.get_cycle(cycle_id)
    uncounted = await uncounted_responses(cycle_id)
    responses, cadres = await cycle_frames(cycle_id, uncounted)
    if responses.filter(pl.col("level").is_not_null()).is_empty():
        raise Conflict("本周期还没有评价数据，无法计算结果")
    ratees = cadres.select("ratee_id", "town_id", "position_class")
    results = aggregate(
        responses,
        ratees,
        await cycle_service.rubric_for_cycle(cycle_id),
        cycle.weights,
        await excluded_cells(cycle_id),
    )
    return Computed(
        results=results,
        people=cadres,
        readings=reader_coverage(responses),
        comments=await counted_comments(cycle_id, uncounted),
    )


async def excluded_cells(cycle_id: int) -> pl.DataFrame:
    """Competencies upheld appeals took out of a cadre's overall (ratee_id, competency)."""
    upheld = await appeal_store.upheld(appeal_store.CADRE_RESULT, cycle_id)
    return pl.DataFrame(
        [(r.subject, r.item) for r in upheld if r.correction == "exclude"],
        schema={"ratee_id": pl.Int64, "competency": pl.String},
        orient="row",
    )


def counted_in_overall(rows: pl.DataFrame, excluded: pl.DataFrame) -> pl.DataFrame:
    """Released rows (ratee_id, competency, score, …) whose score counts in the overall:
    shown, and not excluded by an upheld appeal."""
    shown = rows.filter(pl.col("score").is_not_null())
    if excluded.is_empty():
        return shown
    return shown.join(excluded, on=["ratee_id", "competency"], how="anti")


async def store_snapshot(cycle_id: int, computed: Computed) -> int:
    """A new snapshot of what `compute` worked out; the frozen (published) one, if any, is
    never changed."""
    results = computed.results
    async with ProfileSnapshot._meta.db.transaction():
        created = await ProfileSnapshot.insert(
            ProfileSnapshot(
                cycle=cycle_id,
                sigma=results.calibration.sigma,
                components=results.calibration.components,
                created_at=clock.now(),
            )
        ).returning(ProfileSnapshot.id)
        snapshot_id = int(created[0]["id"])
        rated = results.profiles["ratee_id"].unique().implode()
        for part, frame in (
            (
                published.CELLS,
                results.profiles.with_columns(pl.col("redistributed").fill_null(False)),
            ),
            (published.GROUPS, results.groups),
            (published.RATERS, rater_rows(results.raters, computed.people)),
            (published.AGREEMENT, results.agreement),
            (published.SUMMARIES, results.cadres),
            (published.PEOPLE, computed.people.filter(pl.col("ratee_id").is_in(rated))),
            (published.COMMENTS, published_comments(computed.comments, snapshot_id)),
            (published.READINGS, computed.readings),
        ):
            await published.write(part, snapshot_id, frame)
    return snapshot_id


async def counted_comments(cycle_id: int, uncounted: list[int] | None = None) -> pl.DataFrame:
    """ratee_id, rater_group, comment of the cycle's counted responses (self-assessments
    never), in the order they were stored."""
    if uncounted is None:
        uncounted = await uncounted_responses(cycle_id)
    rows = await (
        Response.select(Response.id, Response.ratee, Response.rater_group, Response.comment)
        .where(Response.cycle == cycle_id)
        .order_by(Response.id)
    )
    return (
        pl.DataFrame(
            rows,
            schema={
                "id": pl.Int64,
                "ratee": pl.Int64,
                "rater_group": pl.String,
                "comment": pl.String,
            },
        )
        .filter(~pl.col("id").is_in(uncounted) & (pl.col("rater_group") != RaterGroup.self.value))
        .select(ratee_id="ratee", rater_group="rater_group", comment="comment")
    )


def published_comments(counted: pl.DataFrame, snapshot_id: int) -> pl.DataFrame:
    """ratee_id, position, comment: each cadre's comments as the page shows them — pooled
    from groups large enough, shuffled once with the snapshot's seed for that cadre."""
    rows = []
    for (ratee_id,), mine in counted.group_by("ratee_id", maintain_order=True):
        sizes = mine.group_by("rater_group").agg(n=pl.len())
        seed = snapshot_id * 100_003 + int(ratee_id)
        texts = pooled_comments(mine.select("rater_group", "comment"), sizes, seed)
        rows += [(ratee_id, position, text) for position, text in enumerate(texts)]
    return pl.DataFrame(
        rows,
        schema={"ratee_id": pl.Int64, "position": pl.Int64, "comment": pl.String},
        orient="row",
    )


def reader_coverage(responses: pl.DataFrame) -> pl.DataFrame:
    """rater_id, ratee_id, rater_group, competencies: what each cadre rater's counted answers
    on each cadre covered (self-assessments and "cannot observe" aside)."""
    return (
        responses.filter(
            pl.col("rater_id").is_not_null()
            & (pl.col("rater_group") != RaterGroup.self.value)
            & pl.col("level").is_not_null()
        )
        .group_by("rater_id", "ratee_id", "rater_group")
        .agg(competencies=pl.col("competency").unique().sort())
    )


async def freeze(snapshot_id: int) -> None:
    """The cycle's published result, for good: nothing ever writes to a frozen snapshot."""
    await ProfileSnapshot.update({ProfileSnapshot.frozen: True}).where(
        ProfileSnapshot.id == snapshot_id
    )


def rater_rows(raters: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Raters who are cadres (one-off raters such as residents have no row), with who they
    were then (`people`: the organisation as of the cycle, by `ratee_id`)."""
    who = people.select(rater_id="ratee_id", name="name", position="position", town="town")
    return raters.filter(pl.col("rater_id") > 0).join(who, on="rater_id", how="left")
