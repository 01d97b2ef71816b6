"""Roster import for the assessment office: upload → preview (every bad row) → confirm."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.exports import workbook
from app.templating import render
from evaluation.errors import Invalid
from evaluation.organisation import directory
from evaluation.organisation import importing as roster_service
from evaluation.organisation.roster import template_frame
from evaluation.scorecard.daily import after_roster_import

GUARD = requires(Role.assessment_office, Role.admin)
ROSTER_FIELD_LABELS = {
    "name": "姓名",
    "town_id": "乡镇编码",
    "position": "职务",
    "rank": "职级",
    "active": "在职",
    "phone": "手机号",
    "email": "电子邮箱",
}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@get("/office/roster", guards=[GUARD])
async def upload_page(request: Request[CurrentUser, str, Any]) -> Template:
    return render(request, "office/roster_upload.html", county=await directory.county_name())


@get("/office/roster/template.xlsx", guards=[GUARD], sync_to_thread=False)
def template_file() -> Response[bytes]:
    return Response(
        content=workbook([("花名册", template_frame())]),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": "attachment; filename=roster-template.xlsx"},
    )


@post("/office/roster/preview", guards=[GUARD])
async def preview(
    request: Request[CurrentUser, str, Any],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Template:
    upload = data.get("file")
    county = str(data.get("county") or "").strip()[:64]
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _upload_error(request, "请选择要导入的花名册文件")
    content = await upload.read()
    if len(content) > MAX_UPLOAD_BYTES:
        return _upload_error(request, "文件超过 5 MB，请拆分后导入")
    try:
        result = await roster_service.preview_file(content, upload.filename)
    except Invalid as exc:
        return _upload_error(request, exc.message, exc.problems.get("file"))
    return render(
        request,
        "office/roster_preview.html",
        status_code=200 if result.ok else 400,
        filename=upload.filename,
        county=county,
        problems=result.problems(),
        bad_rows=result.bad_rows,
        total_rows=result.total_rows,
        summary=result.plan.summary() if result.plan else None,
        edits=result.edits(),
        links=result.links(),
        FIELD_LABELS=ROSTER_FIELD_LABELS,
        payload=base64.b64encode(content).decode(),
    )


@post("/office/roster/import", guards=[GUARD])
async def confirm_import(request: Request[CurrentUser, str, Any]) -> Template:
    fields = await request.form()
    filename = str(fields.get("filename", ""))
    county = str(fields.get("county", "")).strip()[:64] or None
    try:
        content = base64.b64decode(str(fields.get("payload", "")), validate=True)
    except (binascii.Error, ValueError):
        return _upload_error(request, "上传内容已损坏，请重新选择文件")
    try:
        plan = await roster_service.import_file(content, filename, county)
    except Invalid as exc:
        return _upload_error(request, exc.message, next(iter(exc.problems.values()), None))
    await after_roster_import()  # a town it added gets the running year's contract
    return render(request, "office/roster_done.html", summary=plan.summary(), filename=filename)


def _upload_error(
    request: Request[Any, Any, Any], message: str, hint: str | None = None
) -> Template:
    return render(
        request,
        "office/roster_upload.html",
        status_code=400,
        errors={"file": message},
        hint=hint,
        county="",
    )


routes = [upload_page, template_file, preview, confirm_import]
