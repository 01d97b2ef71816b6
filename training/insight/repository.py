"""What the training office reads beside a plan: the demand report and exchange pairing
for a published cycle, and the distances between towns."""

from __future__ import annotations

import polars as pl

from evaluation.organisation import directory
from evaluation.results import county as county_results
from evaluation.results import snapshots
from training.catalogue.repository import offerings, targets


async def weaknesses(cycle_id: int, cadre_id: int | None = None) -> pl.DataFrame:
    """ratee_id, competency, competency_name, severity — the published specific weaknesses
    (of one cadre when given)."""
    snapshot = await snapshots.snapshot_for(cycle_id)
    names = {c.id: c.name for c in snapshot.rubric.competencies}
    rows = await snapshots.cells(snapshot.id, None if cadre_id is None else [cadre_id])
    return rows.filter(pl.col("finding") == "weakness").select(
        "ratee_id",
        "competency",
        competency_name=pl.col("competency").replace_strict(names, default=None),
        severity=pl.col("norm") - pl.col("score"),
    )


async def town_distances() -> pl.DataFrame:
    """from_town, to_town, km — where both towns have coordinates."""
    towns = await directory.town_coordinates()
    pairs = towns.join(towns, how="cross", suffix="_to")
    return pairs.select(
        from_town="id",
        to_town="id_to",
        km=111.0
        * (
            (pl.col("latitude") - pl.col("latitude_to")) ** 2
            + (pl.col("longitude") - pl.col("longitude_to")) ** 2
        ).sqrt(),
    )


async def demand_report(cycle_id: int) -> pl.DataFrame:
    from training.insight.demand import demand

    catalogue = await offerings()
    cadres = (await directory.cadre_frame()).select("cadre_id", "town_id")
    seats = (
        catalogue.select(offering_id="id", capacity="capacity")
        if catalogue.height
        else pl.DataFrame(schema={"offering_id": pl.Int64, "capacity": pl.Int64})
    )
    fit = (
        targets(catalogue)
        if catalogue.height
        else pl.DataFrame(
            schema={"offering_id": pl.Int64, "competency": pl.String, "relevance": pl.Float64}
        )
    )
    return demand(await weaknesses(cycle_id), cadres, fit, seats)


async def exchange_plan(cycle_id: int, host_cap: int = 2) -> pl.DataFrame:
    from training.insight.exchange import pair_towns

    snapshot = await snapshots.snapshot_for(cycle_id)
    towns = (await county_results.county_frames(snapshot))["towns"]
    names = dict(towns.select("town_id", "town").unique("town_id").iter_rows())
    competency_names = {c.id: c.name for c in snapshot.rubric.competencies}
    return pair_towns(towns, await town_distances(), host_cap=host_cap).with_columns(
        host_name=pl.col("host").replace_strict(names, default=None),
        visitor_name=pl.col("visitor").replace_strict(names, default=None),
        competency_name=pl.col("competency").replace_strict(competency_names, default=None),
    )


async def scorecard_exchange_plan(host_cap: int = 2) -> tuple[int | None, pl.DataFrame]:
    """Exchange pairing on the township scorecard's lagging indicators (rank indicators
    left out: half the towns are always below the middle), at the latest scored quarter of
    the current plan year; (year, pairing with names) — (None, empty) without a plan."""
    from evaluation.scorecard import service as scorecard
    from evaluation.scorecard.plan import Method
    from training.insight.exchange import pair_lagging_indicators

    year = await scorecard.current_year()
    record = await scorecard.published_record(year) if year else None
    if record is None:
        return None, pl.DataFrame()
    scores, quarters = await scorecard.scored(record)
    if not quarters:
        return year, pl.DataFrame()
    ranked_codes = [i.code for i in record.plan.indicators if i.method == Method.rank]
    latest = scores.indicators.filter(
        pl.col("quarter") == quarters[-1], ~pl.col("indicator").is_in(ranked_codes)
    ).select("town_id", "indicator", "score", "light")
    names = {t.id: t.name for t in await scorecard.towns()}
    indicator_names = {i.code: i.name for i in record.plan.indicators}
    pairs = pair_lagging_indicators(latest, await town_distances(), host_cap=host_cap)
    return year, pairs.with_columns(
        host_name=pl.col("host").replace_strict(names, default=None),
        visitor_name=pl.col("visitor").replace_strict(names, default=None),
        indicator_name=pl.col("competency").replace_strict(indicator_names, default=None),
        quarter=pl.lit(quarters[-1]),
    )
