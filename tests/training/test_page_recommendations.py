"""The feedback page's course suggestions come from the weaknesses the page itself shows
(no second read of the snapshot): for every cadre of the demo they are exactly what the
published weaknesses give when read from the snapshot."""

from __future__ import annotations

import polars as pl

from app.controllers.feedback import courses_for
from evaluation.results.feedback import cadre_feedback
from training.catalogue.repository import offerings, targets, upcoming
from training.insight.repository import weaknesses
from training.planning.recommend import weakness_fit


async def test_page_suggestions_equal_the_published_weaknesses_fit(small_demo: int) -> None:
    published = await weaknesses(small_demo)
    catalogue = upcoming(await offerings())
    weak_cadres = published["ratee_id"].unique().sort().to_list()
    assert weak_cadres and not catalogue.is_empty()
    suggested = 0
    for cadre_id in weak_cadres[:12]:
        page = [
            (r.offering_id, r.reason) for r in await courses_for(await cadre_feedback(cadre_id))
        ]
        fit = weakness_fit(published.filter(pl.col("ratee_id") == cadre_id), targets(catalogue))
        assert page == [(r["offering_id"], r["reason"]) for r in fit.head(5).iter_rows(named=True)]
        suggested += len(page)
    assert suggested > 0
