"""Tables of the township scorecard (its own piccolo app, `scorecard`).

A year's plan is stored whole as a version (the validated plan as JSON); once published it is
never edited — changes make a new version — so history is never rewritten. Targets, values,
reviews and imports point at the plan version they belong to.
"""

from __future__ import annotations

from piccolo.columns import (
    Bytea,
    Date,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from evaluation.infra.now_default import ClockNow
from evaluation.tables import Town


class TownPlan(Table, tablename="scorecard_plan"):
    id: Serial
    year = Integer(index=True)
    version = Integer()
    title = Varchar(length=128)
    document = Text()  # the validated plan (JSON)
    note = Text(default="")  # what changed from the previous version, and why
    state = Varchar(length=16, default="draft")  # draft | published
    created_by = Varchar(length=64, default="")
    created_at = Timestamptz(default=ClockNow())
    published_by = Varchar(length=64, default="")
    published_at = Timestamptz(null=True, default=None)
    results_on = Date(null=True, default=None)  # the year's results published for 公示
    publicity_ends_on = Date(null=True, default=None)  # then final once appeals are closed


class Target(Table, tablename="scorecard_target"):
    """A town's target for an indicator in a plan year (绩效责任书); `reason` says why it
    differs from the plan's default for the town's type."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    indicator = Varchar(length=48)
    target = Float()
    default_target = Float()
    reason = Text(default="")


class ContractAcceptance(Table, tablename="scorecard_contract"):
    """The town's confirmation of its contract: who, when, against which targets."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    confirmed_by = Varchar(length=64)
    confirmed_at = Timestamptz(default=ClockNow())
    targets_digest = Varchar(length=64)  # the targets as confirmed (sha256 of their text)


class IndicatorValue(Table, tablename="scorecard_value"):
    """One value of an indicator for a town and quarter from one source ("town" when the
    town reported it). Year-to-date for cumulative indicators. `status`: ok | flagged
    (waiting for 核查) | confirmed | corrected (then `corrected` is the value that counts)."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    indicator = Varchar(length=48)
    quarter = Integer()
    source = Varchar(length=24)
    value = Float()
    corrected = Float(null=True, default=None)
    status = Varchar(length=16, default="ok")
    flags = Text(default="")  # the plausibility checks it failed, one message per line
    note = Text(default="")  # the reporter's explanation
    reported_by = Varchar(length=64, default="")
    reported_at = Timestamptz(default=ClockNow())


class ReportDraft(Table, tablename="scorecard_report_draft"):
    """A reporter's quarter, saved before it is complete: the typed figures and notes as
    typed, unchecked and counting nowhere, until the quarter is sent (then it is dropped)."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.cascade, null=False)
    quarter = Integer()
    fields = Text(default="{}")  # {"v_<code>": "...", "n_<code>": "..."}
    saved_by = Varchar(length=64, default="")
    saved_at = Timestamptz(default=ClockNow())


class ValueAttachment(Table, tablename="scorecard_attachment"):
    id: Serial
    value = ForeignKey(
        references=IndicatorValue, on_delete=OnDelete.cascade, null=False, index=True
    )
    filename = Varchar(length=128)
    content_type = Varchar(length=64)
    content = Bytea()
    uploaded_at = Timestamptz(default=ClockNow())


class ValueReview(Table, tablename="scorecard_review"):
    """The office's 核查 of a flagged value: confirmed as reported, or corrected, with reason."""

    id: Serial
    value = ForeignKey(
        references=IndicatorValue, on_delete=OnDelete.cascade, null=False, index=True
    )
    decision = Varchar(length=16)  # confirm | correct
    before = Float()
    after = Float()
    reason = Text()
    decided_by = Varchar(length=64)
    decided_at = Timestamptz(default=ClockNow())


class SourceImport(Table, tablename="scorecard_import"):
    """One import of a source (a file or an API push) for a quarter. The live one of a source
    and quarter has `replaced_at` null; a later import before the quarter settles replaces
    it, and the values it had brought are kept here (`replaced_values`, JSON rows of town,
    indicator, value, status, corrected) as its history."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    source = Varchar(length=24)
    quarter = Integer()
    filename = Varchar(length=128)
    records = Integer()
    imported_by = Varchar(length=64)
    imported_at = Timestamptz(default=ClockNow())
    replaced_at = Timestamptz(null=True, default=None)
    replaced_by = Varchar(length=64, default="")
    replaced_values = Text(default="")


class YearAdjustment(Table, tablename="scorecard_adjustment"):
    """Year-end inputs the office enters per town: 实地核查 and 第三方评估 scores (0–100)."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    field_check = Float(null=True, default=None)
    third_party = Float(null=True, default=None)
    note = Text(default="")
    entered_by = Varchar(length=64, default="")
    entered_at = Timestamptz(default=ClockNow())


class KeyProject(Table, tablename="scorecard_project"):
    """A town's key project (重点项目) for a plan year, listed by the office."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    name = Varchar(length=128)
    starts_on = Date()
    ends_on = Date()
    created_by = Varchar(length=64, default="")


class Milestone(Table, tablename="scorecard_milestone"):
    id: Serial
    project = ForeignKey(references=KeyProject, on_delete=OnDelete.cascade, null=False, index=True)
    due_on = Date()
    deliverable = Text()
    responsible = Varchar(length=64)  # the responsible cadre, by name and post
    evidence_required = Text(default="")
    done_on = Date(null=True, default=None)
    done_evidence = Text(default="")
    # "" open · reported (by the town, counts while the office checks) · accepted
    done_state = Varchar(length=16, default="")
    done_note = Text(default="")  # the office's word on it: why it was sent back, or accepted


class Card(Table, tablename="scorecard_card"):
    """A card on a late milestone: yellow when it is past due, red (with its deduction) after
    the grace period. Its life: issued → plan (整改方案) → rectified (with evidence) → closed by
    the office. A closed card keeps its history and its deduction."""

    id: Serial
    milestone = ForeignKey(references=Milestone, on_delete=OnDelete.cascade, null=False, index=True)
    colour = Varchar(length=8)  # yellow | red
    state = Varchar(length=16, default="issued")  # issued | planned | rectified | closed
    reason = Text(default="")  # why the office issued it by hand ("" for a late milestone)
    issued_on = Date()
    red_on = Date(null=True, default=None)
    deduction = Float(default=0.0)
    plan_text = Text(default="")
    planned_at = Timestamptz(null=True, default=None)
    evidence = Text(default="")
    rectified_at = Timestamptz(null=True, default=None)
    closed_by = Varchar(length=64, default="")
    closed_at = Timestamptz(null=True, default=None)


class Exemption(Table, tablename="scorecard_exemption"):
    """容错纠错: an application to neutralise a card's deduction, citing the reform it came
    from, decided by the office under the 三个区分开来 tests with written reasons."""

    id: Serial
    card = ForeignKey(references=Card, on_delete=OnDelete.cascade, null=False, index=True)
    applicant = Varchar(length=64)
    applicant_account = Varchar(length=64, default="")  # the account that applied, for its home
    applicant_town = Integer()  # the town the applicant belongs to, checked against the card's
    reform = Text()
    reason = Text()
    state = Varchar(length=16, default="pending")  # pending | approved | rejected
    checklist = Text(default="")  # the tests the office found met, one code per line
    decision_reason = Text(default="")
    decided_by = Varchar(length=64, default="")
    applied_at = Timestamptz(default=ClockNow())
    decided_at = Timestamptz(null=True, default=None)


class Interview(Table, tablename="scorecard_interview"):
    """约谈: a meeting with a lagging town's leaders — when, who held it, the issues raised and
    the town's rectification commitments (one per line); a later review records whether the
    commitments were met, which next year's pages show."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    held_on = Date()
    held_by = Varchar(length=128)  # who held it (names and posts)
    issues = Text()
    commitments = Text()
    recorded_by = Varchar(length=64)
    recorded_at = Timestamptz(default=ClockNow())
    outcome = Varchar(length=16, default="")  # "" (not reviewed) | met | partly | unmet
    outcome_note = Text(default="")
    reviewed_by = Varchar(length=64, default="")
    reviewed_at = Timestamptz(null=True, default=None)


class Supervision(Table, tablename="scorecard_supervision"):
    """专项督导: a task followed until the office closes it with what was found."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    title = Varchar(length=128)
    due_on = Date()
    state = Varchar(length=16, default="open")  # open | closed
    created_by = Varchar(length=64)
    created_at = Timestamptz(default=ClockNow())
    closing_note = Text(default="")
    closed_by = Varchar(length=64, default="")
    closed_at = Timestamptz(null=True, default=None)


class GroupMember(Table, tablename="scorecard_group_member"):
    """A town's membership of a 组团 (a plan's group, by its code) for the plan year; a town
    belongs to at most one group a year (a unique index holds it)."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    group = Varchar(length=48)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    added_by = Varchar(length=64, default="")
    added_at = Timestamptz(default=ClockNow())


class Standing(Table, tablename="scorecard_standing"):
    """A plan year as the pages read it (the read model): scores, ranks, lights, tiers'
    inputs, the composite and the towns as they were, one encoded snapshot per plan.
    `fresh` — computed from the inputs as they are; `stale` — an input changed since (a read
    computes in memory until the write's recomputation lands); `frozen` — the year's results
    were published: nothing but the appeal path changes it again."""

    id: Serial
    plan = ForeignKey(
        references=TownPlan, on_delete=OnDelete.cascade, null=False, unique=True, index=True
    )
    state = Varchar(length=8, default="fresh")  # fresh | stale | frozen
    generation = Integer(default=0)  # +1 at every change of an input (see `invalidate`)
    computed_on = Date()
    computed_at = Timestamptz(default=ClockNow())
    payload = Bytea()
