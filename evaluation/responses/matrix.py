"""Rating many people at once (民主测评表): a rater's open forms of one rater group in a cycle
as a matrix — rows are people, columns the competencies — saved as drafts, and each row
that is complete submitted through `submit`, one response per person, with the same checks.

A row's one "依据" note stands for each of its items rated 1 or 5 (the single form asks for
a note per item; a matrix asks once per person)."""

from __future__ import annotations

import msgspec

from evaluation.errors import Conflict, Invalid, NotFound
from evaluation.responses import raters
from evaluation.responses.context import ratee_context
from evaluation.responses.raters import QuotaStatus, RaterTask
from evaluation.responses.submit import Intake, submit
from evaluation.rubrics.schema import Competency

EXTREMES = ("1", "5")


class MatrixRow(msgspec.Struct, frozen=True, kw_only=True):
    task: RaterTask
    items: list[str]  # the competencies on this person's form
    values: dict[str, str]  # level_<id>, note (as drafted or sent)
    problems: dict[str, str] = {}


class Matrix(msgspec.Struct, frozen=True, kw_only=True):
    cycle_id: int
    cycle_name: str
    group: str
    competencies: list[Competency]  # every column, in the rubric's order
    rows: list[MatrixRow]
    quota: QuotaStatus | None


class MatrixOutcome(msgspec.Struct, frozen=True, kw_only=True):
    submitted: list[str]  # names of the people whose rows went in
    drafted: int  # rows kept as drafts (incomplete, or all when saving)
    problems: dict[int, dict[str, str]]  # per assignment: what to fix


def row_fields(values: dict[str, str], items: list[str]) -> dict[str, str]:
    """One row as the single form's fields: a level per item; the row's note where an item
    is at an extreme."""
    note = values.get("note", "").strip()
    fields = {f"level_{c}": values.get(f"level_{c}", "") for c in items}
    fields |= {f"note_{c}": note for c in items if fields[f"level_{c}"] in EXTREMES}
    return fields


def complete(values: dict[str, str], items: list[str]) -> bool:
    return all(values.get(f"level_{c}") for c in items)


def started(values: dict[str, str]) -> bool:
    return any(v for k, v in values.items() if k.startswith("level_") or k == "note")


async def _open_tasks(cadre_id: int, cycle_id: int, group: str) -> tuple[str, str, list[RaterTask]]:
    """The cycle's name, the group (the one with most open forms when none is given) and
    this rater's open forms in it."""
    cycle = await raters.open_cycle_for(cadre_id, cycle_id)
    if cycle is not None:
        by_group = dict(cycle.open_by_group)
        if not group and by_group:
            group = max(by_group, key=lambda g: by_group[g])
        tasks = [t for t in cycle.tasks if t.rater_group == group and t.status == "open"]
        if tasks and group != "self":
            return cycle.name, group, tasks
    raise NotFound("没有可以一起评价的人")


async def matrix_for(
    cadre_id: int,
    cycle_id: int,
    group: str,
    sent: dict[int, dict[str, str]] | None = None,
    problems: dict[int, dict[str, str]] | None = None,
) -> Matrix:
    """The matrix of this rater's open forms of `group` in the cycle; each row's values as
    `sent` (after a refused submit) or as drafted."""
    name, group, tasks = await _open_tasks(cadre_id, cycle_id, group)
    rows = []
    rubric = None
    for task in tasks:
        context = await ratee_context(cycle_id, task.ratee_id, group)
        rubric = context.rubric
        values = (sent or {}).get(task.id)
        if values is None:
            values = _from_draft(await raters.load_draft(task.id))
        rows.append(
            MatrixRow(
                task=task,
                items=[c.id for c in context.items],
                values=values,
                problems=(problems or {}).get(task.id, {}),
            )
        )
    assert rubric is not None  # tasks is never empty
    used = {c for row in rows for c in row.items}
    return Matrix(
        cycle_id=cycle_id,
        cycle_name=name,
        group=group,
        competencies=[c for c in rubric.competencies if c.id in used],
        rows=rows,
        quota=await raters.rubric_quota(cycle_id, cadre_id, rubric, group),
    )


def _from_draft(fields: dict[str, str]) -> dict[str, str]:
    values = {k: v for k, v in fields.items() if k.startswith("level_")}
    notes = [v for k, v in fields.items() if k.startswith("note_") and v]
    return values | ({"note": notes[0]} if notes else {})


async def save_or_submit(
    cadre_id: int, cycle_id: int, group: str, sent: dict[int, dict[str, str]], *, submit_rows: bool
) -> MatrixOutcome:
    """Each started row: submitted when complete (and `submit_rows`), else kept as a draft.
    A refused row keeps its values and says why; the others go in."""
    _, group, tasks = await _open_tasks(cadre_id, cycle_id, group)
    submitted, drafted, problems = [], 0, {}
    for task in tasks:
        values = sent.get(task.id, {})
        if not started(values):
            continue
        items = [c.id for c in (await ratee_context(cycle_id, task.ratee_id, group)).items]
        fields = row_fields(values, items)
        if not (submit_rows and complete(values, items)):
            await raters.save_draft(task.id, fields)
            drafted += 1
            continue
        try:
            await submit(
                Intake(
                    channel="online",
                    cycle_id=cycle_id,
                    ratee_id=task.ratee_id,
                    group=group,
                    fields=fields,
                    rater_id=cadre_id,
                    assignment_id=task.id,
                    client_key=values.get("client_key") or None,
                )
            )
            submitted.append(task.ratee_name)
        except Invalid as exc:
            problems[task.id] = _row_problems(exc.problems)
            await raters.save_draft(task.id, fields)
        except Conflict as exc:
            problems[task.id] = {"row": exc.message}
    return MatrixOutcome(submitted=submitted, drafted=drafted, problems=problems)


def _row_problems(problems: dict[str, str]) -> dict[str, str]:
    """The single form's messages on a row: notes become the row's note."""
    found: dict[str, str] = {}
    for key, message in problems.items():
        found["note" if key.startswith("note_") else key] = message
    return found
