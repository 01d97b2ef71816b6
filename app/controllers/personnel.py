"""The personnel office's lists from a cycle's results and the town's year: promotion
recommendations and 绩效奖金 coefficients, each entry with its evidence and any exemption."""

from __future__ import annotations

from litestar import Response, get
from litestar.params import FromPath

from app.controllers.results import OFFICE
from app.exports import XLSX, workbook
from evaluation.reports.county_results import personnel_workbook


@get("/office/cycles/{cycle_id:int}/personnel.xlsx", guards=[OFFICE])
async def personnel_export(cycle_id: FromPath[int]) -> Response[bytes]:
    return Response(
        workbook(await personnel_workbook(cycle_id)),
        media_type=XLSX,
        headers={"content-disposition": f"attachment; filename=personnel-cycle-{cycle_id}.xlsx"},
    )


routes = [personnel_export]
