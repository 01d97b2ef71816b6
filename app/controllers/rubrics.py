"""Assessment office: rubric versions and drafts — copy, edit, compare, publish, TOML in/out."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.downloads import download_headers
from app.forms import redirect_with_message
from app.templating import render
from evaluation.errors import Conflict, Invalid
from evaluation.groups import GROUPS
from evaluation.organisation.vocabulary import POSITION_CLASS_LABELS, TOWN_TYPE_LABELS
from evaluation.rubrics import drafts, editing
from evaluation.rubrics.editing import rubric_form_values
from evaluation.rubrics.loader import MAX_RUBRIC_BYTES
from evaluation.rubrics.schema import DIMENSIONS, LEVELS
from evaluation.words import GROUP_LABELS

OFFICE = requires(Role.assessment_office, Role.admin)
# An editor form carries ~30 fields per competency; the common form reader cuts at 2,000
# characters a field, which a long definition or anchor could reach, so this one reads
# the raw form with its own, larger cap.
MAX_EDITOR_FIELD_CHARS = 10_000


@get("/office/rubrics", guards=[OFFICE])
async def rubrics_page(request: Request[CurrentUser, str, Any]) -> Template:
    return await _list_page(request, {})


async def _list_page(request: Request[Any, Any, Any], errors: dict[str, str]) -> Template:
    return render(
        request,
        "rubrics/list.html",
        status_code=400 if errors else 200,
        versions=await drafts.versions(),
        drafts=await drafts.drafts(),
        errors=errors,
    )


@get("/office/rubrics/{version_id:int}/rubric.toml", guards=[OFFICE])
async def export_version(version_id: FromPath[int]) -> Response[str]:
    source, filename = await drafts.version_source(version_id)
    return Response(
        content=source,
        media_type="application/toml; charset=utf-8",
        headers=download_headers(filename),
    )


@post("/office/rubrics/{version_id:int}/copy", guards=[OFFICE])
async def copy_version(
    request: Request[CurrentUser, str, Any], version_id: FromPath[int]
) -> Redirect:
    draft_id = await drafts.copy_version(version_id, request.user.username)
    return Redirect(path=f"/office/rubrics/drafts/{draft_id}")


@post("/office/rubrics/import", guards=[OFFICE])
async def import_toml(
    request: Request[CurrentUser, str, Any],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[Any]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _list_page(request, {"file": "请选择要导入的 TOML 量表文件"})
    content = await upload.read()
    if len(content) > MAX_RUBRIC_BYTES:
        return await _list_page(request, {"file": f"文件不能超过 {MAX_RUBRIC_BYTES // 1024} KB"})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return await _list_page(request, {"file": "TOML 文件应为 UTF-8 编码"})
    try:
        draft_id = await drafts.import_draft(text, request.user.username)
    except Invalid as exc:
        problems = {
            f"file-{i}": f"{where}：{m}" for i, (where, m) in enumerate(exc.problems.items())
        }
        return await _list_page(request, {"file": exc.message, **problems})
    return Redirect(path=f"/office/rubrics/drafts/{draft_id}")


def _editor(
    request: Request[Any, Any, Any],
    view: drafts.DraftView,
    values: dict[str, str],
    problems: list[tuple[str, str]],
    status_code: int = 200,
) -> Template:
    return render(
        request,
        "rubrics/editor.html",
        status_code=status_code,
        draft=view.row,
        code=view.rubric.code,
        values=values,
        problems=problems,
        changes=drafts.changes(view, GROUP_LABELS),
        competency_rows=editing.competency_rows(values.get("competency_count") or ""),
        indicator_rows=editing.indicator_rows,
        DIMENSIONS=DIMENSIONS,
        LEVELS=LEVELS,
        GROUPS=GROUPS,
        GROUP_LABELS=GROUP_LABELS,
        TOWN_TYPE_LABELS=TOWN_TYPE_LABELS,
        POSITION_CLASS_LABELS=POSITION_CLASS_LABELS,
    )


@get("/office/rubrics/drafts/{draft_id:int}", guards=[OFFICE])
async def draft_page(request: Request[CurrentUser, str, Any], draft_id: FromPath[int]) -> Template:
    view = await drafts.draft(draft_id)
    return _editor(request, view, rubric_form_values(view.rubric), [])


@post("/office/rubrics/drafts/{draft_id:int}", guards=[OFFICE])
async def save_draft(
    request: Request[CurrentUser, str, Any], draft_id: FromPath[int]
) -> Response[Any]:
    view = await drafts.draft(draft_id)
    form = await request.form()
    fields = {k: v[:MAX_EDITOR_FIELD_CHARS] for k, v in form.items() if isinstance(v, str)}
    try:
        await drafts.save_form(draft_id, fields, request.user.username)
    except Invalid as exc:
        problems = [("", exc.message), *exc.problems.items()]
        return _editor(request, view, fields, problems, 400)
    target = "publish" if fields.get("then") == "publish" else ""
    if target:
        return Redirect(path=f"/office/rubrics/drafts/{draft_id}/publish")
    return redirect_with_message(f"/office/rubrics/drafts/{draft_id}", "草稿已保存")


@get("/office/rubrics/drafts/{draft_id:int}/publish", guards=[OFFICE])
async def publish_page(
    request: Request[CurrentUser, str, Any], draft_id: FromPath[int]
) -> Template:
    view = await drafts.draft(draft_id)
    return _publish_page(request, view, "")


def _publish_page(
    request: Request[Any, Any, Any], view: drafts.DraftView, refusal: str
) -> Template:
    return render(
        request,
        "rubrics/publish.html",
        status_code=409 if refusal else 200,
        draft=view.row,
        rubric=view.rubric,
        changes=drafts.changes(view, GROUP_LABELS),
        refusal=refusal,
    )


@post("/office/rubrics/drafts/{draft_id:int}/publish", guards=[OFFICE])
async def publish_draft(
    request: Request[CurrentUser, str, Any], draft_id: FromPath[int]
) -> Response[Any]:
    try:
        await drafts.publish_draft(draft_id, GROUP_LABELS)
    except Conflict as exc:
        return _publish_page(request, await drafts.draft(draft_id), exc.message)
    return redirect_with_message("/office/rubrics", "量表已发布，新建考核周期时可以选用")


@post("/office/rubrics/drafts/{draft_id:int}/discard", guards=[OFFICE])
async def discard_draft(draft_id: FromPath[int]) -> Redirect:
    await drafts.discard_draft(draft_id)
    return redirect_with_message("/office/rubrics", "草稿已删除")


routes = [
    rubrics_page,
    export_version,
    copy_version,
    import_toml,
    draft_page,
    save_draft,
    publish_page,
    publish_draft,
    discard_draft,
]
