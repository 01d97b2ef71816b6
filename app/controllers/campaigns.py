"""Assessment office: resident QR sheets, meeting-room codes and paper forms keyed in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.accounts.auth import CurrentUser, requires
from app.accounts.roles import Role
from app.forms import FormReader, form_fields, redirect_with_message
from app.qr import qr_svg
from app.templating import render
from evaluation.cycles import service as cycle_service
from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.groups import ASSIGNABLE
from evaluation.organisation import directory
from evaluation.responses import campaigns as campaign_service
from evaluation.responses.context import ratee_context
from evaluation.responses.submit import Intake, submit
from evaluation.words import GROUP_LABELS

OFFICE = requires(Role.assessment_office, Role.admin)
PAPER_GROUPS = ASSIGNABLE


async def _printed_cards(
    request: Request[Any, Any, Any], cycle_id: int, town_id: int
) -> list[tuple[Any, str]]:
    """A town's resident cards with their QR codes (each encodes the card's full link)."""
    base = str(request.base_url).rstrip("/")
    cards = await campaign_service.town_resident_cards(cycle_id, town_id)
    return [(card, qr_svg(f"{base}/r/{card.token}")) for card in cards]


@get("/office/cycles/{cycle_id:int}/qr/{town_id:int}", guards=[OFFICE])
async def qr_sheet(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int], town_id: FromPath[int]
) -> Template:
    cycle = await cycle_service.get_cycle(cycle_id)
    town = await directory.town(town_id)
    sheets = [(town, await _printed_cards(request, cycle_id, town_id))]
    return render(request, "campaigns/qr_sheet.html", cycle=cycle, town=town, sheets=sheets)


@get("/office/cycles/{cycle_id:int}/qr", guards=[OFFICE])
async def qr_sheets(request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]) -> Template:
    """Every town's cards in one print (a county of 20 towns was ~60 clicks), each town
    starting on a new page."""
    cycle = await cycle_service.get_cycle(cycle_id)
    sheets = [
        (await directory.town(town_id), await _printed_cards(request, cycle_id, town_id))
        for town_id in sorted(await directory.town_names())
    ]
    return render(request, "campaigns/qr_sheet.html", cycle=cycle, town=None, sheets=sheets)


@post("/office/resident-links/{link_id:int}/revoke", guards=[OFFICE])
async def revoke(request: Request[CurrentUser, str, Any], link_id: FromPath[int]) -> Response[Any]:
    cycle_id = await campaign_service.revoke_link(link_id)
    return redirect_with_message(
        f"/office/cycles/{cycle_id}", "二维码已停用；重新打印该乡镇的卡片即生成新码"
    )


@get("/office/cycles/{cycle_id:int}/codes", guards=[OFFICE])
async def codes_page(request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]) -> Template:
    return await _codes_form(request, cycle_id, {}, {"size": "30", "rater_group": "peer"})


async def _town_batch_form(
    template: str,
    request: Request[Any, Any, Any],
    cycle_id: int,
    errors: dict[str, str],
    values: dict[str, str],
) -> Template:
    """A form that issues a batch of codes for one town of a cycle (人员码 or 核验码)."""
    return render(
        request,
        template,
        status_code=400 if errors else 200,
        errors=errors,
        values=values,
        cycle=await cycle_service.get_cycle(cycle_id),
        towns=await directory.towns_overview(),
    )


async def _codes_form(
    request: Request[Any, Any, Any], cycle_id: int, errors: dict[str, str], values: dict[str, str]
) -> Template:
    return await _town_batch_form("campaigns/codes_new.html", request, cycle_id, errors, values)


async def _issue_for_town(
    form: FormReader, issue: Callable[[int, int], Awaitable[list[str]]]
) -> tuple[int, list[str]] | dict[str, str]:
    """Read a batch form's town and size and issue the batch: (town, codes), or the
    problems to show on the form again."""
    town_id, size = form.integer("town", "乡镇"), form.integer("size", "数量")
    if form.problems or town_id is None or size is None:
        return form.problems
    try:
        return town_id, await issue(town_id, size)
    except (Invalid, Conflict, NotFound) as exc:
        return exc.problems if isinstance(exc, Invalid) else {"size": exc.message}


@post("/office/cycles/{cycle_id:int}/codes", guards=[OFFICE])
async def create_codes(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    form = FormReader(await form_fields(request))
    issued = await _issue_for_town(
        form,
        lambda town_id, size: campaign_service.create_code_batch(
            cycle_id, town_id, form.text("rater_group"), size, form.text("label")
        ),
    )
    if isinstance(issued, dict):
        return await _codes_form(request, cycle_id, issued, form.fields)
    town_id, codes = issued
    town = await directory.town(town_id)
    entry = str(request.base_url).rstrip("/") + "/code"
    return render(
        request,
        "campaigns/codes_print.html",
        # each slip's QR opens the entry page with its code filled in: in the fragment, which
        # no server, proxy or log ever sees; typing the code stays possible
        slips=[(code, qr_svg(f"{entry}#code={code}")) for code in codes],
        town=town,
        label=form.text("label") or "民主测评",
        cycle=await cycle_service.get_cycle(cycle_id),
        entry_url=entry,
    )


@get("/office/cycles/{cycle_id:int}/paper", guards=[OFFICE])
async def paper_page(
    request: Request[CurrentUser, str, Any],
    cycle_id: FromPath[int],
    ratee: FromQuery[str] = "",
    group: FromQuery[str] = "peer",
    label: FromQuery[str] = "",
) -> Template:
    return await _paper(request, cycle_id, ratee, group, label, {}, {})


async def _paper(
    request: Request[Any, Any, Any],
    cycle_id: int,
    ratee_ref: str,
    group: str,
    label: str,
    errors: dict[str, str],
    values: dict[str, str],
) -> Template:
    cycle = await cycle_service.get_cycle(cycle_id)
    context: dict[str, Any] = {
        "cycle": cycle,
        "ratee_ref": ratee_ref,
        "group": group,
        "label": label,
        "errors": errors,
        "values": values,
        "GROUP_LABELS": GROUP_LABELS,
        "PAPER_GROUPS": PAPER_GROUPS,
    }
    if ratee_ref:
        ratee_id = await directory.cadre_id_for(ratee_ref)
        if ratee_id is None or group not in PAPER_GROUPS:
            context["errors"] = {"ratee": "干部编号不存在或评价主体不正确"}
        else:
            form = await ratee_context(cycle_id, ratee_id, group)
            context.update(cadre=form.cadre, items=form.items)
    return render(
        request, "campaigns/paper.html", status_code=400 if context["errors"] else 200, **context
    )


@post("/office/cycles/{cycle_id:int}/paper", guards=[OFFICE])
async def paper_submit(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Response[Any]:
    fields = await form_fields(request)
    ratee_ref, group, label = (
        fields.get("ratee", ""),
        fields.get("group", ""),
        fields.get("label", ""),
    )
    ratee_id = await directory.cadre_id_for(ratee_ref)
    if ratee_id is None or group not in PAPER_GROUPS:
        raise NotFound("干部编号不存在或评价主体不正确")
    try:
        await submit(
            Intake(
                channel="paper",
                cycle_id=cycle_id,
                ratee_id=ratee_id,
                group=group,
                fields=fields,
                batch_label=label or "纸质录入",
                client_key=fields.get("client_key"),
            )
        )
    except Invalid as exc:
        return await _paper(request, cycle_id, ratee_ref, group, label, exc.problems, fields)
    except Conflict as exc:
        return await _paper(
            request, cycle_id, ratee_ref, group, label, {"form": exc.message}, fields
        )
    return redirect_with_message(
        f"/office/cycles/{cycle_id}/paper",
        f"已录入 1 份（{label or '纸质录入'}），可继续录入下一份",
    )


@get("/office/cycles/{cycle_id:int}/verification-codes", guards=[OFFICE])
async def verification_page(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    return await _verification_form(request, cycle_id, {}, {"size": "50"})


async def _verification_form(
    request: Request[Any, Any, Any], cycle_id: int, errors: dict[str, str], values: dict[str, str]
) -> Template:
    return await _town_batch_form(
        "campaigns/verification_new.html", request, cycle_id, errors, values
    )


@post("/office/cycles/{cycle_id:int}/verification-codes", guards=[OFFICE])
async def issue_verification(
    request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]
) -> Template:
    """核验码 for one town's service windows, printed once (only their hashes are kept)."""
    form = FormReader(await form_fields(request))
    issued = await _issue_for_town(
        form,
        lambda town_id, size: campaign_service.issue_verification_codes(cycle_id, town_id, size),
    )
    if isinstance(issued, dict):
        return await _verification_form(request, cycle_id, issued, form.fields)
    town_id, codes = issued
    return render(
        request,
        "campaigns/verification_print.html",
        codes=codes,
        town=await directory.town(town_id),
        cycle=await cycle_service.get_cycle(cycle_id),
    )


routes = [
    qr_sheet,
    qr_sheets,
    revoke,
    codes_page,
    create_codes,
    verification_page,
    issue_verification,
    paper_page,
    paper_submit,
]


@get("/office/cycles/{cycle_id:int}/flags", guards=[OFFICE])
async def flags_page(request: Request[CurrentUser, str, Any], cycle_id: FromPath[int]) -> Template:
    from evaluation.responses import review as review_service

    return render(
        request,
        "campaigns/flags.html",
        cycle=await cycle_service.get_cycle(cycle_id),
        flags=await review_service.flags(cycle_id),
        REASONS=review_service.REASONS,
        DECISIONS=review_service.DECISIONS,
    )


@post("/office/flags/{flag_id:int}", guards=[OFFICE])
async def decide_flag(
    request: Request[CurrentUser, str, Any], flag_id: FromPath[int]
) -> Response[Any]:
    from evaluation.responses import review as review_service

    fields = await form_fields(request)
    cycle_id = await review_service.decide(flag_id, fields.get("decision", ""))
    return redirect_with_message(f"/office/cycles/{cycle_id}/flags", "已处理")


routes += [flags_page, decide_flag]
