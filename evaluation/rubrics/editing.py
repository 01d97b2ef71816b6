"""Editing a rubric in the web: the editor's form to a rubric document and back, TOML out,
and a side-by-side diff between two versions.

The form is flat (one field per value) so every field survives a round trip through an
HTML form. A form becomes a *document* — the same nested dict a TOML file parses to — and
the loader's one validation pass (`load_rubric_document`) judges it, so a rubric typed in
the web and one imported as TOML meet exactly the same rules and messages. Values that do
not parse as numbers stay as the text typed, for the loader to name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec
import tomli_w

from evaluation.groups import GROUPS as RATER_GROUPS
from evaluation.organisation.vocabulary import POSITION_CLASS_LABELS, TOWN_TYPE_LABELS
from evaluation.rubrics.schema import LEVELS, Competency, Rubric

BLANK_COMPETENCY_ROWS = 1
BLANK_INDICATOR_ROWS = 1

FIELD_LABELS: dict[str, str] = {
    "id": "编号",
    "name": "名称",
    "dimension": "维度",
    "definition": "定义",
    "weight": "权重",
    "rated_by": "评价主体",
    "anchors": "行为锚",
    "label": "等级名称",
    "behaviour": "行为描述",
    "examples": "行为示例",
    "applies_to": "适用范围",
    "town_types": "乡镇类型",
    "position_classes": "岗位类别",
    "resident": "群众问卷",
    "question": "通俗问题",
    "options": "通俗选项",
    "indicators": "客观指标",
    "thresholds": "分界值",
    "unit": "单位",
    "level": "等级",
    "version": "版本号",
    "code": "量表代码",
    "description": "说明",
    "lights": "亮灯规则",
    "quota": "最高等级配额",
    "top_level_share": "最高等级占比",
    "groups": "分组显示人数",
    "min_responses": "最少显示人数",
    "competencies": "能力维度",
    "green_from": "绿灯分数线",
    "red_below": "红灯分数线",
    "towns": "乡镇亮灯方式",
}


def rubric_document(rubric: Rubric) -> dict[str, Any]:
    """The rubric as the nested plain dict its TOML file parses to (no None values)."""
    return _without_none(msgspec.to_builtins(rubric))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def to_toml(rubric: Rubric) -> str:
    return tomli_w.dumps(rubric_document(rubric))


def next_version(version: str) -> str:
    """A proposed version for a copy: the last number counted up ("2026.2" → "2026.3")."""
    match = re.search(r"(\d+)(?!.*\d)", version)
    if match is None:
        return f"{version}.1"
    number = str(int(match.group(1)) + 1)
    return f"{version[: match.start()]}{number}{version[match.end() :]}"


# ── the editor's form ────────────────────────────────────────────────────────────────────


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def _number_or_text(raw: str) -> Any:
    """A number when the text is one; otherwise the text itself, for the loader to refuse."""
    text = raw.strip()
    try:
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    except ValueError:
        return text


def _thresholds(raw: str) -> list[Any]:
    return [_number_or_text(part) for part in re.split(r"[,，、\s]+", raw.strip()) if part]


def document_from_form(fields: Mapping[str, str], code: str) -> dict[str, Any]:
    """The editor's fields as a rubric document (unvalidated: the loader judges it)."""

    def get(key: str) -> str:
        return fields.get(key, "").strip()

    document: dict[str, Any] = {"code": code, "version": get("version"), "name": get("name")}
    if get("description"):
        document["description"] = get("description")
    document["groups"] = {
        group: {"min_responses": _number_or_text(get(f"groups.{group}.min_responses"))}
        for group in RATER_GROUPS
        if get(f"groups.{group}.min_responses")
    }
    lights: dict[str, Any] = {
        "green_from": _number_or_text(get("lights.green_from")),
        "red_below": _number_or_text(get("lights.red_below")),
        "towns": get("lights.towns") or "norm",
    }
    for key in ("explanation", "towns_explanation"):
        if get(f"lights.{key}"):
            lights[key] = get(f"lights.{key}")
    document["lights"] = lights
    if get("quota.top_level_share"):
        document["quota"] = {"top_level_share": _number_or_text(get("quota.top_level_share"))}
    count = competency_rows(get("competency_count"))
    document["competencies"] = [
        competency
        for index in range(count)
        if (competency := _competency_from_form(fields, f"c{index}")) is not None
    ]
    return document


MAX_COMPETENCY_ROWS = 60  # far above any real rubric; bounds what a posted count can ask for
MAX_INDICATOR_ROWS = 30  # per competency (so a page holds at most 60 × 30 indicator rows)


def competency_rows(raw: str) -> int:
    """Rows the editor shows for a posted competency count: garbage is 0, a huge one the cap."""
    return min(_count(raw), MAX_COMPETENCY_ROWS) + BLANK_COMPETENCY_ROWS


def indicator_rows(raw: str) -> int:
    return min(_count(raw), MAX_INDICATOR_ROWS) + BLANK_INDICATOR_ROWS


def _count(raw: str) -> int:
    text = raw.strip()
    return min(int(text), MAX_COMPETENCY_ROWS) if text.isdigit() and len(text) < 6 else 0


def _competency_from_form(fields: Mapping[str, str], prefix: str) -> dict[str, Any] | None:
    def get(key: str) -> str:
        return fields.get(f"{prefix}.{key}", "").strip()

    if get("delete"):
        return None
    texts = ("id", "name", "definition", "weight")
    anchors_typed = any(get(f"a{level}.behaviour") for level in LEVELS)
    if not any(get(key) for key in texts) and not anchors_typed:
        return None  # an untouched blank row
    competency: dict[str, Any] = {
        "id": get("id"),
        "name": get("name"),
        "dimension": get("dimension"),
        "definition": get("definition"),
        "weight": _number_or_text(get("weight")),
        "rated_by": [g for g in RATER_GROUPS if get(f"rated_by.{g}")],
        "anchors": [
            {
                "level": level,
                "label": get(f"a{level}.label"),
                "behaviour": get(f"a{level}.behaviour"),
                "examples": _lines(get(f"a{level}.examples")),
            }
            for level in LEVELS
            # a level left wholly blank is a missing anchor, which the loader names
            if get(f"a{level}.label") or get(f"a{level}.behaviour") or get(f"a{level}.examples")
        ],
    }
    applies = {
        "town_types": [t for t in TOWN_TYPE_LABELS if get(f"town.{t}")],
        "position_classes": [p for p in POSITION_CLASS_LABELS if get(f"position.{p}")],
    }
    if applies["town_types"] or applies["position_classes"]:
        competency["applies_to"] = applies
    if get("resident.question") or get("resident.options"):
        competency["resident"] = {
            "question": get("resident.question"),
            "options": _lines(get("resident.options")),
        }
    rows = indicator_rows(get("indicator_count"))
    indicators = []
    for row in range(rows):
        at = f"i{row}"
        if not (get(f"{at}.id") or get(f"{at}.name") or get(f"{at}.thresholds")):
            continue
        indicators.append(
            {
                "id": get(f"{at}.id"),
                "name": get(f"{at}.name"),
                "unit": get(f"{at}.unit"),
                "thresholds": _thresholds(get(f"{at}.thresholds")),
                "higher_is_better": get(f"{at}.higher_is_better") != "0",
            }
        )
    if indicators:
        competency["indicators"] = indicators
    return competency


def rubric_form_values(rubric: Rubric) -> dict[str, str]:
    """The editor's fields showing a rubric."""
    return form_values(rubric_document(rubric))


def form_values(document: dict[str, Any]) -> dict[str, str]:
    """The fields that show a document in the editor (the inverse of `document_from_form`)."""
    values: dict[str, str] = {
        "version": _text(document.get("version")),
        "name": _text(document.get("name")),
        "description": _text(document.get("description")),
    }
    for group, rule in (document.get("groups") or {}).items():
        if isinstance(rule, dict):
            values[f"groups.{group}.min_responses"] = _text(rule.get("min_responses"))
    lights = document.get("lights") or {}
    for key in ("green_from", "red_below", "towns", "explanation", "towns_explanation"):
        values[f"lights.{key}"] = _text(lights.get(key, _LIGHT_DEFAULTS.get(key, "")))
    quota = document.get("quota")
    if isinstance(quota, dict):
        values["quota.top_level_share"] = _text(quota.get("top_level_share"))
    competencies = [c for c in document.get("competencies") or [] if isinstance(c, dict)]
    values["competency_count"] = str(len(competencies))
    for index, competency in enumerate(competencies):
        values.update(_competency_values(competency, f"c{index}"))
    return values


_LIGHT_DEFAULTS = {"green_from": 3.5, "red_below": 2.5, "towns": "norm"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) >= 1 else str(value)
    return str(value)


def _competency_values(c: dict[str, Any], prefix: str) -> dict[str, str]:
    values = {f"{prefix}.{key}": _text(c.get(key)) for key in ("id", "name", "dimension")}
    values[f"{prefix}.definition"] = _text(c.get("definition"))
    values[f"{prefix}.weight"] = _text(c.get("weight"))
    for group in c.get("rated_by") or []:
        values[f"{prefix}.rated_by.{group}"] = "on"
    applies = c.get("applies_to") or {}
    for town_type in applies.get("town_types") or []:
        values[f"{prefix}.town.{town_type}"] = "on"
    for position in applies.get("position_classes") or []:
        values[f"{prefix}.position.{position}"] = "on"
    for anchor in c.get("anchors") or []:
        if isinstance(anchor, dict) and anchor.get("level") in LEVELS:
            at = f"{prefix}.a{anchor['level']}"
            values[f"{at}.label"] = _text(anchor.get("label"))
            values[f"{at}.behaviour"] = _text(anchor.get("behaviour"))
            values[f"{at}.examples"] = "\n".join(map(_text, anchor.get("examples") or []))
    resident = c.get("resident")
    if isinstance(resident, dict):
        values[f"{prefix}.resident.question"] = _text(resident.get("question"))
        values[f"{prefix}.resident.options"] = "\n".join(map(_text, resident.get("options") or []))
    indicators = [i for i in c.get("indicators") or [] if isinstance(i, dict)]
    values[f"{prefix}.indicator_count"] = str(len(indicators))
    for row, indicator in enumerate(indicators):
        at = f"{prefix}.i{row}"
        for key in ("id", "name", "unit"):
            values[f"{at}.{key}"] = _text(indicator.get(key))
        values[f"{at}.thresholds"] = "、".join(map(_text, indicator.get("thresholds") or []))
        values[f"{at}.higher_is_better"] = "1" if indicator.get("higher_is_better", True) else "0"
    return values


def readable_location(where: str, document: dict[str, Any]) -> str:
    """A loader location ("competencies[3]（service）.anchors") in words ("第 3 项能力“为民服务”
    · 行为锚"), naming the competency as the author typed it."""
    competencies = document.get("competencies") or []

    def competency(match: re.Match[str]) -> str:
        index = int(match.group(1))
        entry = competencies[index - 1] if 0 < index <= len(competencies) else {}
        name = entry.get("name") if isinstance(entry, dict) else None
        shown = name or match.group(2) or ""
        return f"第 {index} 项能力“{shown}”" if shown else f"第 {index} 项能力"

    text = re.sub(r"competencies\[(\d+)\](?:（([^）]*)）)?", competency, where)
    text = re.sub(r"(anchors|indicators)\[(\d+)\]", lambda m: f"{m.group(1)} {m.group(2)}", text)
    parts = [FIELD_LABELS.get(part.split(" ")[0], part) + _suffix(part) for part in text.split(".")]
    if where == "competencies.weight":
        return "共性能力权重"
    return " · ".join(parts)


def _suffix(part: str) -> str:
    pieces = part.split(" ")
    return f" 第 {pieces[1]} 条" if len(pieces) == 2 and pieces[1].isdigit() else ""


# ── side-by-side diff ────────────────────────────────────────────────────────────────────


class Change(msgspec.Struct, frozen=True):
    section: str  # "量表" or the competency's name
    field: str
    before: str
    after: str


def _competency_fields(c: Competency, groups: Mapping[str, str]) -> dict[str, str]:
    fields = {
        "名称": c.name,
        "维度": c.dimension,
        "定义": c.definition,
        "权重": f"{c.weight:g}",
        "评价主体": "、".join(groups.get(g, g) for g in RATER_GROUPS if g in c.rated_by),
        "乡镇类型": "、".join(TOWN_TYPE_LABELS.get(t, t) for t in c.applies_to.town_types)
        or "全部",
        "岗位类别": "、".join(
            POSITION_CLASS_LABELS.get(p, p) for p in c.applies_to.position_classes
        )
        or "全部",
        "群众问卷": (
            f"{c.resident.question}（{' / '.join(c.resident.options)}）" if c.resident else ""
        ),
        "客观指标": "；".join(
            f"{i.name}（{'、'.join(f'{t:g}' for t in i.thresholds)}{i.unit}"
            f"{'' if i.higher_is_better else '，越低越好'}）"
            for i in c.indicators
        ),
    }
    for anchor in c.anchors:
        examples = f"（例：{'；'.join(anchor.examples)}）" if anchor.examples else ""
        fields[f"等级 {anchor.level}"] = f"{anchor.label}：{anchor.behaviour}{examples}"
    return fields


def _rubric_fields(r: Rubric, groups: Mapping[str, str]) -> dict[str, str]:
    fields = {
        "名称": r.name,
        "版本号": r.version,
        "说明": r.description,
        "亮灯分数线": f"绿灯 ≥ {r.lights.green_from:g}，红灯 < {r.lights.red_below:g}",
        "乡镇亮灯方式": "按分数线" if r.lights.towns == "thresholds" else "与全县常模比较",
        "亮灯说明": r.lights.explanation,
        "最高等级配额": f"{r.quota.top_level_share:.0%}" if r.quota else "不限",
    }
    for group in RATER_GROUPS:
        fields[f"{groups.get(group, group)}最少显示人数"] = str(r.min_responses(group))
    return fields


def _changes(section: str, before: dict[str, str], after: dict[str, str]) -> list[Change]:
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Change(section, key, before.get(key, ""), after.get(key, ""))
        for key in keys
        if before.get(key, "") != after.get(key, "")
    ]


def rubric_diff(before: Rubric | None, after: Rubric, groups: Mapping[str, str]) -> list[Change]:
    """Every changed value between two versions, competency by competency (matched by id):
    added competencies show every field on the right, removed ones on the left. `groups`
    names the rater groups (presentation owns the words)."""
    changes = _changes(
        "量表", _rubric_fields(before, groups) if before else {}, _rubric_fields(after, groups)
    )
    old = {c.id: c for c in before.competencies} if before else {}
    new = {c.id: c for c in after.competencies}
    for cid in dict.fromkeys([*old, *new]):
        a, b = old.get(cid), new.get(cid)
        named = b or a
        assert named is not None
        status = "（新增）" if a is None else "（删除）" if b is None else ""
        section = f"{named.name}{status}"
        changes += _changes(
            section,
            _competency_fields(a, groups) if a else {},
            _competency_fields(b, groups) if b else {},
        )
    return changes
