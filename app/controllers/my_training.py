"""A cadre's own training: the enrolments of published plans, an apology in advance (the
seat goes to the waiting list), post-session feedback and the venue check-in."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.config import transport
from app.forms import FormReader, redirect_with_message
from app.templating import render
from evaluation.errors import Invalid, NotFound
from training import enrolment as enrolment_service
from training import seat_store

CADRES = requires(Role.cadre, Role.leader)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


def _cadre(request: Request[CurrentUser, str, Any]) -> int:
    if request.user.cadre_id is None:
        raise NotFound("此账号未关联干部")
    return request.user.cadre_id


@get("/me/training", guards=[CADRES])
async def my_training(request: Request[CurrentUser, str, Any]) -> Template:
    cadre = _cadre(request)
    return render(
        request,
        "training/mine.html",
        enrolments=await enrolment_service.my_training(cadre),
        notices=await enrolment_service.training_notices(cadre),
        errors={},
        failed=None,
    )


@post("/me/training/{enrolment_id:int}/feedback", guards=[CADRES])
async def give_feedback(
    request: Request[CurrentUser, str, Any],
    enrolment_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    from evaluation.errors import Invalid

    form = FormReader(data)
    cadre = _cadre(request)
    try:
        await enrolment_service.record_feedback(
            enrolment_id,
            cadre,
            form.integer("reaction", "总体感受", required=False),
            form.integer("usefulness", "对工作的帮助", required=False),
            form.text("comment"),
        )
    except Invalid as exc:
        return render(
            request,
            "training/mine.html",
            enrolments=await enrolment_service.my_training(cadre),
            notices=await enrolment_service.training_notices(cadre),
            errors=exc.problems,
            failed=enrolment_id,
        )
    return redirect_with_message("/me/training", "谢谢！培训反馈已提交")


@post("/me/training/{enrolment_id:int}/cancel", guards=[CADRES])
async def send_apology(
    request: Request[CurrentUser, str, Any],
    enrolment_id: FromPath[int],
    data: Annotated[dict[str, Any], FORM],
) -> Template | Redirect:
    """A cadre's apology in advance: their seat goes to the waiting list at once."""
    cadre = _cadre(request)
    try:
        change = await seat_store.cancel(
            enrolment_id,
            FormReader(data).text("reason"),
            request.user.username,
            transport(request.app.state.settings).name,
            cadre_id=cadre,
        )
    except Invalid as exc:
        return render(
            request,
            "training/mine.html",
            status_code=400,
            enrolments=await enrolment_service.my_training(cadre),
            notices=await enrolment_service.training_notices(cadre),
            errors=exc.problems,
            failed=enrolment_id,
        )
    said = f"已请假：{change.title}。" + (
        "您的名额已转给候补学员" if change.promoted else "名额已退回培训办"
    )
    return redirect_with_message("/me/training", said)


@get("/training/checkin/{token:str}", guards=[CADRES])
async def check_in(request: Request[CurrentUser, str, Any], token: FromPath[str]) -> Redirect:
    title = await enrolment_service.check_in(token, _cadre(request))
    return redirect_with_message("/me/training", f"已签到：{title}")


routes = [my_training, give_feedback, send_apology, check_in]
