"""申诉/复核 of a published 360 result during its 公示 period (the results package's table)."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from evaluation.infra.now_default import ClockNow
from evaluation.tables import Cadre, Cycle


class Appeal(Table, tablename="appeal"):
    """A cadre's objection to their own published result, with reasons; the office upholds it
    (with a correction recorded, and the result recomputed) or rejects it, in writing.

    `correction` is what an upheld appeal changes: "exclude" — the competency does not apply
    to the cadre's post and leaves their overall result. A correction never removes or
    reweights a response: two results that differ by one response would show it."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    cadre = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    account = Varchar(length=64)
    competency = Varchar(length=48, default="")  # "" = the result as a whole
    reason = Text()
    state = Varchar(length=16, default="pending")  # pending | upheld | rejected
    correction = Varchar(length=16, default="")  # "" | exclude
    decision_reason = Text(default="")
    decided_by = Varchar(length=64, default="")
    lodged_on = Date()  # the product's date (the clock), which 公示 is counted in
    decided_on = Date(null=True, default=None)
    lodged_at = Timestamptz(default=ClockNow())
    decided_at = Timestamptz(null=True, default=None)
