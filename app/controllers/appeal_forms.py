"""The office's decision on an appeal, whatever its kind: read the form, decide through the
kind's use case, show the office's page again with the problems, or go back with a message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.response import Redirect, Template

from app.accounts.auth import CurrentUser
from app.forms import FormReader, redirect_with_message, text_fields
from evaluation.errors import Invalid

# (uphold, correction, written reason, decided by) → the message for the office
Decide = Callable[[bool, str, str, str], Awaitable[str]]


async def decide_from_form(
    request: Request[CurrentUser, str, Any],
    data: dict[str, Any],
    decide: Decide,
    *,
    correction_field: str,
    again: Callable[[dict[str, str]], Awaitable[Template]],
    back_to: str,
) -> Template | Redirect:
    form = FormReader(text_fields(data))
    try:
        message = await decide(
            form.text("decision") == "uphold",
            form.text(correction_field),
            form.text("decision_reason"),
            request.user.username,
        )
    except Invalid as exc:
        return await again(exc.problems)
    return redirect_with_message(back_to, message)
