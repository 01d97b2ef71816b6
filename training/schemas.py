"""What the training packages hand to the pages: typed records, not rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import msgspec


@dataclass(frozen=True)
class Estimate:
    competency: str
    effect: float
    lo: float
    hi: float
    treated: int
    comparison: int
    treated_change: float
    comparison_change: float
    control: str  # waitlist | untrained
    warning: str

    @property
    def clear(self) -> bool:
        return self.lo > 0 or self.hi < 0


class MyEnrolment(msgspec.Struct, frozen=True, kw_only=True):
    """One of a cadre's places in a published plan."""

    id: int
    status: str  # assigned | waitlist | cancelled
    waitlist_rank: int | None
    reason: str
    attended_at: datetime | None
    title: str
    kind: str
    day: date
    start_minute: int = 510
    format: str
    venue: str | None
    feedback_given: bool
    promoted: bool = False  # the seat came from the waiting list
    cancel_reason: str = ""
    started: bool = False  # the session has begun: no apology any more, feedback once present


class Recommendation(msgspec.Struct, frozen=True, kw_only=True):
    """An upcoming offering that fits a cadre's specific weakness, with why."""

    offering_id: int
    title: str
    kind: str
    day: date
    venue: str | None
    reason: str


class PlanEnrolment(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    status: str
    waitlist_rank: int | None
    reason: str
    value: float | None
    name: str
    town: str
    offering_id: int
    title: str


class PlanDetail(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    cycle_id: int
    published_at: datetime | None
    objective: float
    greedy_objective: float
    cost: float
    status: str
    gap: float
    bound: float | None
    parameters: dict[str, object]
    seat_prices: dict[str, float]  # offering id (text) → shadow price of one more seat
    enrolments: list[PlanEnrolment]
    assigned: int
    waiting: int


class PlanSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One optimiser run in the plan history."""

    id: int
    cycle_name: str
    created_at: datetime
    published_at: datetime | None
    objective: float
    cost: float
    assigned: int
    waiting: int


class PublishedPlan(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    cycle_id: int
    cycle_name: str
    published_at: datetime


class EffectRow(msgspec.Struct, frozen=True, kw_only=True):
    offering: str
    competency: str
    trained: int
    estimate: Estimate | None
    placebo: Estimate | None
    placebo_name: str = ""  # the placebo competency as people read it


class PlanEffects(msgspec.Struct, frozen=True, kw_only=True):
    """A published plan measured against the next published cycle."""

    plan: PublishedPlan
    after_id: int
    after_name: str
    rows: list[EffectRow]
