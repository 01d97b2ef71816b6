"""The personnel office's lists from a cycle's results and the town's year: promotion
recommendations and 绩效奖金 coefficients, each entry with its evidence and any exemption."""

from __future__ import annotations

from litestar import Response, get
from litestar.params import FromPath

from app.controllers.results import OFFICE, county_tables
from app.exports import XLSX, workbook
from app.results_view import personnel_sheets
from evaluation.scorecard import followup
from evaluation.scorecard.tiers import personnel


@get("/office/cycles/{cycle_id:int}/personnel.xlsx", guards=[OFFICE])
async def personnel_export(cycle_id: FromPath[int]) -> Response[bytes]:
    snapshot, frames, lists = await county_tables(cycle_id)
    towns = await followup.town_tiers(snapshot.cycle.year)
    people = personnel(
        frames["cadres"],
        lists["excellent_cadres"]["ratee_id"].to_list(),
        lists["lagging_cadres"]["ratee_id"].to_list(),
        towns.frame,
        towns.rule,
    )
    return Response(
        workbook(personnel_sheets(people, lists, towns.exemptions, towns.basis)),
        media_type=XLSX,
        headers={"content-disposition": f"attachment; filename=personnel-cycle-{cycle_id}.xlsx"},
    )


routes = [personnel_export]
