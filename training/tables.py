"""Training office tables: the catalogue of offerings, optimised plans and their enrolments,
attendance and post-session feedback. Cadres, towns and cycles are the evaluation app's."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from evaluation.infra.now_default import ClockNow
from evaluation.tables import Cadre, Cycle, Town


class Offering(Table):
    """A workshop (专题培训) or an exchange session (跨乡镇交流) on one day."""

    id: Serial
    kind = Varchar(length=16)  # workshop | exchange
    title = Varchar(length=64)
    competencies = JSON()  # {competency id: relevance 0–1}
    format = Varchar(length=32, default="")  # 集中授课 | 现场教学 | 案例研讨 …
    trainer = Varchar(length=64, default="")
    venue_town = ForeignKey(references=Town, on_delete=OnDelete.set_null, null=True, default=None)
    host_cadres = Text(default="")  # exchange: who hosts, and the case material
    day = Date()
    start_minute = Integer(default=510)  # 08:30
    end_minute = Integer(default=1050)  # 17:30
    capacity = Integer()
    fee = Float(default=0.0)
    checkin_token = Varchar(length=32, default="", index=True)  # the QR code at the venue


class TrainingPlan(Table, tablename="training_plan"):
    """One optimiser run on a cycle's weaknesses; publishing it makes its enrolments visible."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    parameters = JSON()  # per_cadre, budget, town_share, pins, exclusions
    objective = Float(default=0.0)
    greedy_objective = Float(default=0.0)
    cost = Float(default=0.0)
    status = Varchar(length=16, default="")  # optimal | time_limit | within_gap
    gap = Float(default=0.0)  # how far below the proven bound the plan may be (relative)
    bound = Float(null=True, default=None)  # the proven upper bound on the objective
    seat_prices = JSON()  # {offering id: shadow price}
    created_at = Timestamptz(default=ClockNow())
    published_at = Timestamptz(null=True, default=None)


class Enrolment(Table):
    """A cadre in an offering under a plan: assigned (with its reason), on the waiting list
    at its position (1 = next to get a seat), or cancelled (an apology in advance, kept with
    its reason: the seat went to the waiting list). `promoted_at`: when a waiting cadre got a
    freed seat."""

    id: Serial
    plan = ForeignKey(references=TrainingPlan, on_delete=OnDelete.cascade, null=False, index=True)
    offering = ForeignKey(references=Offering, on_delete=OnDelete.cascade, null=False, index=True)
    cadre = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    status = Varchar(length=16)  # assigned | waitlist | cancelled
    waitlist_rank = Integer(null=True, default=None)
    value = Float(default=0.0)
    reason = Text(default="")
    attended_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    cancel_reason = Text(default="")
    cancelled_by = Varchar(length=64, default="")
    promoted_at = Timestamptz(null=True, default=None)
    absence_reported_at = Timestamptz(null=True, default=None)  # its leader told of it


class SessionFeedback(Table, tablename="session_feedback"):
    """Short post-session feedback: reaction and usefulness (1–5), a comment."""

    id: Serial
    enrolment = ForeignKey(
        references=Enrolment, on_delete=OnDelete.cascade, null=False, unique=True
    )
    reaction = Integer()
    usefulness = Integer()
    comment = Text(default="")
    submitted_at = Timestamptz(default=ClockNow())


class PlanJob(Table, tablename="plan_job"):
    """One optimiser run in the background: its progress for the office's page, a cancel
    request, and the plan it stored. `updated_at` is a heartbeat — a running job whose heartbeat
    stopped (the server restarted) is shown as interrupted."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    parameters = JSON()
    status = Varchar(length=16, default="running")  # running | done | failed | cancelled
    phase = Varchar(length=16, default="fast")  # fast | exact
    rounds = Integer(default=0)
    best = Float(null=True, default=None)
    bound = Float(null=True, default=None)
    pairs = Integer(default=0)
    message = Text(default="")
    cancel_requested = Boolean(default=False)
    plan = ForeignKey(references=TrainingPlan, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=ClockNow())
    updated_at = Timestamptz(default=ClockNow())


TABLES: list[type[Table]] = [Offering, TrainingPlan, Enrolment, SessionFeedback, PlanJob]
