"""A published cycle reads the organisation as it was: the office's rater review queue names
each rater as they were when the results were frozen, whatever the roster says later
(issue 33: it joined today's cadre table)."""

from __future__ import annotations

from litestar.testing import TestClient

from app.demo.loader import DEMO_PASSWORD
from evaluation.organisation import upkeep
from evaluation.results import snapshots
from evaluation.tables import Cadre
from tests.factories import login
from tests.web.html import texts


async def test_the_rater_review_names_raters_as_they_were_published(
    client: TestClient, small_demo: int
) -> None:
    snapshot = await snapshots.snapshot_for(small_demo)
    queue = await snapshots.rater_review(snapshot.id)
    assert queue.height > 0, "the demo's published cycle has raters to review"
    rater = queue.row(0, named=True)
    before = await Cadre.select(Cadre.name, Cadre.rank).where(Cadre.id == rater["rater_id"]).first()
    assert before["name"] == rater["name"]
    await upkeep.edit(rater["rater_id"], name="改名后", rank=before["rank"], by="office")
    again = (await snapshots.rater_review(snapshot.id)).filter(rater_id=rater["rater_id"])
    assert again["name"].to_list() == [rater["name"]]
    login(client, "office", DEMO_PASSWORD)
    page = client.get(f"/office/cycles/{small_demo}/results")
    rows = texts(page.text, "tr")
    assert any(rater["name"] in row for row in rows)
    assert not any("改名后" in row for row in rows)
