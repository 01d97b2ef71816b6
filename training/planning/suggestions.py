"""Course suggestions on a feedback page: the upcoming offerings that fit the weaknesses
the page shows, best first, each with its reason."""

from __future__ import annotations

import polars as pl

from training.catalogue.repository import offerings, targets, upcoming
from training.planning.recommend import weakness_fit
from training.schemas import Recommendation


async def recommendations(
    cadre_id: int, shown: list[tuple[str, str, float]]
) -> list[Recommendation]:
    """For a feedback page: upcoming offerings that fit the specific weaknesses the page
    shows — (competency, its name, severity: how far below the norm), read from the page's
    own published rows, so a restricted reader learns nothing the page withholds and the
    snapshot is not read twice — best first, with the reason."""
    if not shown:  # nothing to fit: the catalogue is not read
        return []
    weak = pl.DataFrame(
        [(cadre_id, *row) for row in shown],
        schema={
            "ratee_id": pl.Int64,
            "competency": pl.String,
            "competency_name": pl.String,
            "severity": pl.Float64,
        },
        orient="row",
    )
    catalogue = upcoming(await offerings())
    if weak.is_empty() or catalogue.is_empty():
        return []
    fit = weakness_fit(weak, targets(catalogue)).head(5)
    chosen = fit.join(
        catalogue.rename({"id": "offering_id"}), on="offering_id", maintain_order="left"
    )
    return [
        Recommendation(
            offering_id=r["offering_id"],
            title=r["title"],
            kind=r["kind"],
            day=r["day"],
            venue=r["venue"],
            reason=r["reason"],
        )
        for r in chosen.iter_rows(named=True)
    ]
