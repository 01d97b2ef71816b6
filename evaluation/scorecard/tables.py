"""Tables of the township scorecard (its own piccolo app, `scorecard`).

A year's plan is stored whole as a version (the validated plan as JSON); once published it is
never edited — changes make a new version — so history is never rewritten. Targets, values,
reviews and imports point at the plan version they belong to.
"""

from __future__ import annotations

from piccolo.columns import (
    Bytea,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

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
    created_at = Timestamptz(default=TimestamptzNow())
    published_by = Varchar(length=64, default="")
    published_at = Timestamptz(null=True, default=None)


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
    confirmed_at = Timestamptz(default=TimestamptzNow())
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
    reported_at = Timestamptz(default=TimestamptzNow())


class ValueAttachment(Table, tablename="scorecard_attachment"):
    id: Serial
    value = ForeignKey(
        references=IndicatorValue, on_delete=OnDelete.cascade, null=False, index=True
    )
    filename = Varchar(length=128)
    content_type = Varchar(length=64)
    content = Bytea()
    uploaded_at = Timestamptz(default=TimestamptzNow())


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
    decided_at = Timestamptz(default=TimestamptzNow())


class SourceImport(Table, tablename="scorecard_import"):
    """One import of a source file for a quarter: a quarter is imported once per source."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    source = Varchar(length=24)
    quarter = Integer()
    filename = Varchar(length=128)
    records = Integer()
    imported_by = Varchar(length=64)
    imported_at = Timestamptz(default=TimestamptzNow())


class YearAdjustment(Table, tablename="scorecard_adjustment"):
    """Year-end inputs the office enters per town: 实地核查 and 第三方评估 scores (0–100)."""

    id: Serial
    plan = ForeignKey(references=TownPlan, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    field_check = Float(null=True, default=None)
    third_party = Float(null=True, default=None)
    note = Text(default="")
    entered_by = Varchar(length=64, default="")
    entered_at = Timestamptz(default=TimestamptzNow())
