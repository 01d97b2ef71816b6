"""Assessment office: response progress (with the overdue list in Excel) and evidence import."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody
from litestar.response import Template

from app.accounts.auth import CurrentUser, json_body_only, requires
from app.accounts.roles import Role
from app.errors import API_PROBLEMS
from app.exports import XLSX, workbook
from app.forms import redirect_with_message
from app.paging import list_params
from app.templating import render
from evaluation import clock
from evaluation.cycles import service as cycle_service
from evaluation.cycles.calendar import reminders_due
from evaluation.cycles.progress import overdue_raters
from evaluation.cycles.progress_repository import cycle_progress
from evaluation.errors import Conflict, Invalid
from evaluation.evidence.schemas import EvidenceRow
from evaluation.evidence.service import (
    cadre_cycle_summary,
    evidence_cadres,
    evidence_summary,
    import_evidence,
    import_evidence_rows,
    read_evidence_file,
)
from evaluation.infra.listing import paginate, search
from evaluation.organisation import directory
from evaluation.words import GROUP_LABELS

OFFICE = requires(Role.assessment_office, Role.admin)


@get("/office/cycles/{cycle_id:int}/progress", guards=[OFFICE])
async def progress_page(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    cycle = await cycle_service.get_cycle(cycle_id)
    progress = await cycle_progress(cycle_id)
    query, page = list_params(request)
    overdue = paginate(search(overdue_raters(progress), query, ["name", "town"]), page, query)
    remind_on = cycle.remind_on
    due = reminders_due(remind_on, cycle.closes_on, clock.today())
    return render(
        request,
        "cycles/progress.html",
        cycle=cycle,
        overall=progress.overall,
        by_group=progress.groups(),
        by_town=progress.towns(),
        overdue=overdue,
        reminders_due=due,
        GROUP_LABELS=GROUP_LABELS,
    )


@get("/office/cycles/{cycle_id:int}/progress/overdue.xlsx", guards=[OFFICE])
async def overdue_export(cycle_id: FromPath[int]) -> Response[bytes]:
    progress = await cycle_progress(cycle_id)
    table = overdue_raters(progress).rename(
        {
            "name": "评价人",
            "town": "乡镇",
            "assigned": "任务数",
            "submitted": "已提交",
            "open": "未完成",
        }
    )
    return Response(
        workbook([("未完成评价人", table)]),
        media_type=XLSX,
        headers={"content-disposition": f"attachment; filename=overdue-cycle-{cycle_id}.xlsx"},
    )


@get("/office/cycles/{cycle_id:int}/evidence", guards=[OFFICE])
async def evidence_page(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    return await _evidence(request, cycle_id, {}, "")


async def _evidence(
    request: Request[Any, Any, Any], cycle_id: int, problems: dict[str, str], message: str
) -> Template:
    rubric = await cycle_service.rubric_for_cycle(cycle_id)
    indicators = [(c.name, i) for c in rubric.competencies for i in c.indicators]
    return render(
        request,
        "cycles/evidence.html",
        status_code=400 if problems else 200,
        problems=problems,
        error_message=message,
        cycle=await cycle_service.get_cycle(cycle_id),
        indicators=indicators,
        summary=await evidence_summary(cycle_id),
        cadres=await evidence_cadres(cycle_id),
    )


@post("/office/cycles/{cycle_id:int}/evidence", guards=[OFFICE])
async def evidence_upload(
    request: Request[CurrentUser, str, Any],
    cycle_id: FromPath[int],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[Any]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _evidence(request, cycle_id, {"文件": "请选择要导入的文件"}, "请选择文件")
    try:
        frame = await asyncio.to_thread(read_evidence_file, await upload.read(), upload.filename)
        mapped = await import_evidence(
            cycle_id, frame, "excel" if upload.filename.endswith("xlsx") else "csv"
        )
    except Invalid as exc:
        return await _evidence(request, cycle_id, exc.problems, exc.message)
    except Conflict as exc:
        return await _evidence(request, cycle_id, {"文件": exc.message}, exc.message)
    return redirect_with_message(
        f"/office/cycles/{cycle_id}/evidence", f"已导入 {mapped.height} 条客观数据"
    )


class EvidenceBatch(msgspec.Struct, forbid_unknown_fields=True):
    rows: Annotated[list[EvidenceRow], msgspec.Meta(min_length=1, max_length=10_000)]


class EvidenceResult(msgspec.Struct):
    imported: int


@post(
    "/api/cycles/{cycle_id:int}/evidence",
    guards=[OFFICE, json_body_only],
    status_code=201,
    responses=API_PROBLEMS,
)
async def evidence_api(cycle_id: FromPath[int], data: JSONBody[EvidenceBatch]) -> EvidenceResult:
    """Import objective evidence rows from another system (all or none; problem+json on error)."""
    return EvidenceResult(imported=await import_evidence_rows(cycle_id, data.rows, "api"))


routes = [progress_page, overdue_export, evidence_page, evidence_upload, evidence_api]


@get("/office/cycles/{cycle_id:int}/cadres/{cadre_id:int}", guards=[OFFICE])
async def cadre_in_cycle(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int], cadre_id: FromPath[int]
) -> Template:
    summary = await cadre_cycle_summary(cycle_id, cadre_id)
    return render(
        request,
        "cycles/cadre.html",
        cycle=await cycle_service.get_cycle(cycle_id),
        cadre=await directory.cadre(cadre_id),
        GROUP_LABELS=GROUP_LABELS,
        evidence=summary.evidence,
        responses=summary.responses,
    )


routes.append(cadre_in_cycle)
