"""Jinja2 environment (autoescape on) and the one `render` helper every page handler uses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig

from app.accounts.auth import user_or_none
from app.accounts.roles import HOME_PATHS, ROLE_LABELS
from app.forms import shown_notice
from evaluation import clock
from evaluation.organisation.vocabulary import POSITION_CLASS_LABELS, town_type_label
from evaluation.scorecard.amounts import figure
from evaluation.words import GLOSSARY, METHOD_NOTES, label, level_word

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) moment as Beijing reads it; the one way pages show a time."""
    return clock.shown(moment, pattern)


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "svg", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["town_type"] = town_type_label
    env.filters["local_time"] = local_time
    env.filters["label"] = label
    env.filters["level_word"] = level_word  # 高 / 中 / 低 for a 0–1 figure
    env.filters["figure"] = figure  # 12,345.6: grouped, no exponent, no trailing zeros
    env.globals.update(
        ROLE_LABELS=ROLE_LABELS,
        HOME_PATHS=HOME_PATHS,
        POSITION_CLASS_LABELS=POSITION_CLASS_LABELS,
        GLOSSARY=GLOSSARY,
        METHOD_NOTES=METHOD_NOTES,
    )
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(build_environment()))


def render(
    request: Request[Any, Any, Any], name: str, *, status_code: int = 200, **context: Any
) -> Template:
    context.setdefault("user", user_or_none(request))
    context.setdefault("errors", {})
    query = request.query_params
    context.setdefault(  # post/redirect/get notice, shown only if this app signed it
        "message", shown_notice(query.get("msg", "")[:200], query.get("sig", ""))
    )
    return Template(template_name=name, context=context, status_code=status_code)
