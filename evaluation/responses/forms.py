"""Checking a submitted form against the rubric. Pure: raw form fields in, clean levels or
Chinese messages per item out. Every channel (online, QR, code, paper) uses it."""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.rubrics.schema import Competency, Rubric

CANNOT_OBSERVE = "na"
NOTE_MAX = 500
COMMENT_MAX = 1000


@dataclass(frozen=True)
class CheckedForm:
    levels: dict[str, int | None]
    notes: dict[str, str]
    comment: str
    problems: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.problems


def form_items(rubric: Rubric, group: str, town_type: str, position_class: str) -> list[Competency]:
    return rubric.items_for(group, town_type, position_class)


def check_form(
    items: list[Competency],
    fields: dict[str, str],
    *,
    require_notes_at_extremes: bool = True,
    allow_cannot_observe: bool = True,
) -> CheckedForm:
    """Fields: `level_<id>` = "1".."5" or "na"; `note_<id>`; `comment`."""
    levels: dict[str, int | None] = {}
    notes: dict[str, str] = {}
    problems: dict[str, str] = {}
    for item in items:
        key = f"level_{item.id}"
        raw = (fields.get(key) or "").strip()
        note = (fields.get(f"note_{item.id}") or "").strip()
        if len(note) > NOTE_MAX:
            problems[f"note_{item.id}"] = f"“{item.name}”的说明不超过 {NOTE_MAX} 字"
        notes[item.id] = note[:NOTE_MAX]
        if not raw:
            problems[key] = f"请为“{item.name}”选择一项"
        elif raw == CANNOT_OBSERVE and allow_cannot_observe:
            levels[item.id] = None
        elif raw in ("1", "2", "3", "4", "5"):
            levels[item.id] = int(raw)
            if require_notes_at_extremes and raw in ("1", "5") and not note:
                problems[f"note_{item.id}"] = f"选择“{item.name}”的最低或最高等级时，请简要写明依据"
        else:
            problems[key] = f"“{item.name}”的选项无效，请重新选择"
    comment = (fields.get("comment") or "").strip()
    if len(comment) > COMMENT_MAX:
        problems["comment"] = f"意见建议不超过 {COMMENT_MAX} 字"
    return CheckedForm(levels=levels, notes=notes, comment=comment[:COMMENT_MAX], problems=problems)
