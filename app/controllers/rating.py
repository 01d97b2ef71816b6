"""Raters (leaders and cadres): open assignments, the BARS form, drafts, submit once,
the top-rating quota, and the 述职报告 beside the form."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.forms import form_fields, redirect_with_message
from app.templating import render
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.responses import matrix as matrix_service
from evaluation.responses import raters as rater_service
from evaluation.responses.context import ratee_context
from evaluation.responses.submit import Intake, submit

RATERS = requires(Role.leader, Role.cadre)


def _cadre(request: Request[CurrentUser, str, Any]) -> int:
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    return request.user.cadre_id


@get("/rate", guards=[RATERS])
async def rater_home(request: Request[CurrentUser, str, Any]) -> Template:
    cycles = await rater_service.open_cycles_for(_cadre(request))
    return render(request, "rating/home.html", cycles=cycles)


async def _form(
    request: Request[CurrentUser, str, Any],
    assignment_id: int,
    errors: dict[str, str],
    values: dict[str, str] | None = None,
) -> Template:
    cadre_id = _cadre(request)
    task = await rater_service.rater_assignment(assignment_id, cadre_id)
    context = await ratee_context(task.cycle_id, task.ratee_id, task.rater_group)
    if task.status == "submitted":  # read back, never a blank form to fill again
        return render(
            request,
            "rating/submitted.html",
            assignment=task,
            cadre=context.cadre,
            items=context.items,
            submitted=await rater_service.submitted_answers(assignment_id, cadre_id),
        )
    quota = await rater_service.rubric_quota(
        task.cycle_id, cadre_id, context.rubric, task.rater_group
    )
    if values is None:
        values = await rater_service.load_draft(assignment_id)
    return render(
        request,
        "rating/form.html",
        status_code=400 if errors else 200,
        assignment=task,
        errors=errors,
        values=values,
        quota=quota,
        client_key=values.get("client_key") or secrets.token_urlsafe(16),
        report=await rater_service.work_report_meta(task.cycle_id, task.ratee_id),
        cadre=context.cadre,
        items=context.items,
        rubric=context.rubric,
    )


@get("/rate/{assignment_id:int}", guards=[RATERS])
async def rating_form(
    request: Request[CurrentUser, str, Any], assignment_id: FromPath[int]
) -> Template:
    return await _form(request, assignment_id, {})


@post("/rate/{assignment_id:int}", guards=[RATERS])
async def rating_submit(
    request: Request[CurrentUser, str, Any], assignment_id: FromPath[int]
) -> Response[Any]:
    cadre_id = _cadre(request)
    fields = await form_fields(request)
    task = await rater_service.rater_assignment(assignment_id, cadre_id)
    if task.status == "submitted":
        return redirect_with_message("/rate", "这份评价已经提交过了")
    if task.cycle_state != "open":
        return redirect_with_message("/rate", "本周期已截止，不能再提交")
    if fields.get("action") == "draft":
        await rater_service.save_draft(assignment_id, fields)
        return redirect_with_message(f"/rate/{assignment_id}", "草稿已保存，可随时回来继续填写")
    try:
        await submit(
            Intake(
                channel="online",
                cycle_id=task.cycle_id,
                ratee_id=task.ratee_id,
                group=task.rater_group,
                fields=fields,
                rater_id=cadre_id,
                assignment_id=assignment_id,
                client_key=fields.get("client_key"),
            )
        )
    except Invalid as exc:
        return await _form(request, assignment_id, exc.problems, fields)
    except Conflict as exc:
        return redirect_with_message("/rate", exc.message)
    following = await rater_service.next_open_task(cadre_id, task.cycle_id, assignment_id)
    if following is None:
        return redirect_with_message(
            "/rate", f"已提交对{task.ratee_name}的评价；本周期的评价都已完成"
        )
    who = "自评" if following.rater_group == "self" else following.ratee_name
    return redirect_with_message(
        f"/rate/{following.id}", f"已提交对{task.ratee_name}的评价。下一位：{who}"
    )


@post("/rate/report/{cycle_id:int}", guards=[RATERS])
async def upload_report(
    request: Request[CurrentUser, str, Any],
    cycle_id: FromPath[int],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[Any]:
    upload = data.get("report")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return redirect_with_message("/rate", "请选择述职报告文件")
    try:
        await rater_service.store_work_report(
            cycle_id, _cadre(request), upload.filename, await upload.read()
        )
    except Invalid as exc:
        return redirect_with_message("/rate", "；".join(exc.problems.values()))
    return redirect_with_message("/rate", "述职报告已上传")


@get("/rate/report/{cycle_id:int}/{cadre_id:int}", guards=[RATERS])
async def read_report(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int], cadre_id: FromPath[int]
) -> Response[bytes]:
    report = await rater_service.work_report_for(cycle_id, cadre_id, _cadre(request))
    return Response(
        report.content,
        media_type=report.media_type,
        headers={
            "content-disposition": "inline; filename=work-report."
            + report.filename.rsplit(".", 1)[-1]
        },
    )


def _matrix_rows(fields: dict[str, str]) -> dict[int, dict[str, str]]:
    """`r<assignment>.<field>` form fields, by assignment."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in fields.items():
        head, _, name = key.partition(".")
        if head.startswith("r") and head[1:].isdigit() and name:
            rows.setdefault(int(head[1:]), {})[name] = value.strip()
    return rows


@get("/rate/matrix/{cycle_id:int}", guards=[RATERS])
async def matrix_page(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int], group: FromQuery[str] = ""
) -> Template:
    matrix = await matrix_service.matrix_for(_cadre(request), cycle_id, group)
    return render(request, "rating/matrix.html", matrix=matrix)


@post("/rate/matrix/{cycle_id:int}", guards=[RATERS])
async def matrix_submit(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Response[Any]:
    fields = await form_fields(request)
    group, sent = fields.get("group", ""), _matrix_rows(fields)
    cadre_id = _cadre(request)
    outcome = await matrix_service.save_or_submit(
        cadre_id, cycle_id, group, sent, submit_rows=fields.get("action") != "draft"
    )
    done = f"已提交 {len(outcome.submitted)} 位的评价" if outcome.submitted else ""
    kept = f"{outcome.drafted} 位未填完，已存为草稿" if outcome.drafted else ""
    message = "；".join(m for m in (done, kept) if m) or "没有填写任何评价"
    if not outcome.problems:
        return redirect_with_message(f"/rate#cycle-{cycle_id}", message)
    matrix = await matrix_service.matrix_for(cadre_id, cycle_id, group, sent, outcome.problems)
    return render(request, "rating/matrix.html", matrix=matrix, status_code=400, message=message)


routes = [
    rater_home,
    rating_form,
    rating_submit,
    upload_report,
    read_report,
    matrix_page,
    matrix_submit,
]
