"""The appeals table (evaluation's piccolo app; only `appeals/store.py` queries it)."""

from __future__ import annotations

from piccolo.columns import Date, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from evaluation.infra.now_default import ClockNow


class AppealCase(Table, tablename="appeal_case"):
    """An objection to a published result during its 公示, and the office's decision.

    `kind` names the policy (cadre_result | town_year) that says what `period` and `subject`
    are and what `correction` an upheld appeal records: the 360's "exclude" (the competency
    leaves the cadre's overall; a correction never removes a response), a town's corrected
    value. One pending appeal per kind, period and subject (a unique partial index)."""

    id: Serial
    kind = Varchar(length=16, index=True)
    period = Integer(index=True)  # the cycle id (cadre_result) or the plan id (town_year)
    subject = Integer()  # the cadre id or the town id
    item = Varchar(length=48, default="")  # the competency or indicator; "" = the whole
    reason = Text()
    lodged_by = Varchar(length=64)
    lodged_on = Date()  # the product's date (the clock), which 公示 is counted in
    lodged_at = Timestamptz(default=ClockNow())
    state = Varchar(length=16, default="pending")  # pending | upheld | rejected
    correction = Varchar(length=64, default="")
    decision_reason = Text(default="")
    decided_by = Varchar(length=64, default="")
    decided_on = Date(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
