"""The development plan table: one plan per cadre and published cycle (the feedback it
answers)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from evaluation.infra.now_default import ClockNow
from evaluation.tables import Cadre, Cycle


class DevelopmentPlan(Table, tablename="development_plan"):
    """`goals`: JSON list of goals (`evaluation.development.goals.Goal`); `status`: draft →
    submitted → agreed, or returned to the cadre with the leader's comment; `checkin`: JSON
    {competency: progress note} from the mid-cycle check-in."""

    id: Serial
    cadre = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    goals = Text(default="[]")
    status = Varchar(length=16, default="draft")
    leader_comment = Text(default="")
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(null=True, default=None)
    checkin = Text(default="")
    checkin_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=ClockNow())
