"""The scorecard as the pages see it: typed records, decoded once."""

from __future__ import annotations

import datetime as dt

import msgspec

from evaluation.scorecard.clusters import GroupBoard
from evaluation.scorecard.plan import Plan


class PlanRecord(msgspec.Struct, frozen=True):
    id: int
    year: int
    version: int
    state: str  # draft | published
    note: str
    published_at: dt.datetime | None
    published_by: str
    plan: Plan
    results_on: dt.date | None = None  # the year's results published for 公示
    publicity_ends_on: dt.date | None = None


class WeightChange(msgspec.Struct, frozen=True):
    """One line of the side-by-side view: a dimension or indicator, last year and now."""

    code: str
    name: str
    dimension: str
    before: float | None
    after: float | None

    @property
    def changed(self) -> bool:
        return self.before is None or self.after is None or abs(self.before - self.after) > 1e-9


class PlanComparison(msgspec.Struct, frozen=True):
    record: PlanRecord
    previous: PlanRecord | None
    dimensions: list[WeightChange]
    indicators: list[WeightChange]


class ContractRow(msgspec.Struct, frozen=True):
    code: str
    name: str
    dimension: str
    unit: str
    method: str
    higher_is_better: bool
    cumulative: bool
    weight: float
    target: float | None
    default_target: float | None
    reason: str


class Contract(msgspec.Struct, frozen=True):
    """A town's 绩效责任书 for a plan year, and its confirmation."""

    plan_id: int
    year: int
    title: str
    town_id: int
    town_name: str
    town_type: str
    rows: list[ContractRow]
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    changed_since_confirmation: bool
    rules: list[str] = []  # the 说明 printed under the targets: how the year is assessed


class ContractStatus(msgspec.Struct, frozen=True):
    town_id: int
    town_name: str
    town_type: str
    adjusted: int
    confirmed_by: str | None
    confirmed_at: dt.datetime | None


class FormItem(msgspec.Struct, frozen=True):
    code: str
    name: str
    unit: str
    dimension: str
    cumulative: bool
    target: float | None
    pro_rata: float | None
    value: float | None
    previous: float | None
    note: str
    status: str | None
    flags: list[str]
    attachments: list[str]


class QuarterForm(msgspec.Struct, frozen=True):
    plan_id: int
    year: int
    quarter: int
    town_id: int
    town_name: str
    deadline: dt.date
    open: bool
    items: list[FormItem]
    imported: list[FormItem]  # values other systems supply for the town (read-only)


class ReviewItem(msgspec.Struct, frozen=True):
    value_id: int
    town_id: int
    town_name: str
    indicator: str
    name: str
    unit: str
    quarter: int
    value: float
    previous: float | None
    flags: list[str]
    note: str
    attachments: list[tuple[int, str]]


class Decision(msgspec.Struct, frozen=True):
    value_id: int
    town_name: str
    name: str
    quarter: int
    decision: str
    before: float
    after: float
    reason: str
    decided_by: str
    decided_at: dt.datetime


class IndicatorLine(msgspec.Struct, frozen=True):
    code: str
    name: str
    dimension: str
    unit: str
    value: float | None
    target: float | None
    pro_rata: float | None
    attainment: float | None
    score: float
    light: str
    reason: str
    status: str | None


class TownScore(msgspec.Struct, frozen=True):
    town_id: int
    name: str
    town_type: str
    total: float
    rank: int
    of: int
    red: int
    yellow: int
    dimensions: dict[str, float]
    trend: list[float | None]  # totals by quarter, Q1..Q4
    deduction: float = 0.0  # red cards' points off the total (exempted ones not counted)


class Bottleneck(msgspec.Struct, frozen=True):
    """An indicator lagging (red or yellow) in several towns, and in how many years."""

    code: str
    name: str
    towns: list[str]
    years: list[int]


class CompositeRow(msgspec.Struct, frozen=True):
    town_id: int
    name: str
    town_type: str
    composite: float | None
    rank: int
    of: int
    indicators: float
    field_check: float | None
    satisfaction: float | None
    third_party: float | None
    missing: list[str]


class Board(msgspec.Struct, frozen=True):
    """The office's county board for a year at its latest scored quarter."""

    year: int
    quarter: int | None
    record: PlanRecord
    towns: list[TownScore]
    bottlenecks: list[Bottleneck]
    flagged: int
    composite: list[CompositeRow]
    year_end_due: bool = False  # the fourth quarter's deadline has passed: time to publish


class TownView(msgspec.Struct, frozen=True):
    """A town's own page: progress, lights and rank, quarter by quarter."""

    year: int
    quarter: int | None
    record: PlanRecord
    town_id: int
    town_name: str
    town_type: str
    score: TownScore | None
    lines: list[IndicatorLine]
    open_quarter: int | None
    deadline: dt.date | None
    reported: int
    due: int
    confirmed: bool
    composite: CompositeRow | None
    group: GroupBoard | None = None  # the 组团 the town belongs to this year


class ImportRecord(msgspec.Struct, frozen=True):
    source: str
    quarter: int
    filename: str
    records: int
    imported_by: str
    imported_at: dt.datetime
    replaced_at: dt.datetime | None = None  # a later import of the quarter took its place
    replaced_by: str = ""
    replaced_values: int = 0  # the values it had brought, kept with it


class AttachmentFile(msgspec.Struct, frozen=True):
    id: int
    town_id: int
    filename: str
    content: bytes


class PublicTown(msgspec.Struct, frozen=True):
    town_id: int
    name: str
    town_type: str
    dimensions: dict[str, float]
    total: float
    composite: float | None
    rank: int
    of: int
    # the year's one verdict (tiers.year_tiers): 先进 (优秀) / 后进, proposed for 约谈
    excellent: bool = False
    interview: bool = False


class PublicResults(msgspec.Struct, frozen=True):
    """A finished year as the public sees it: towns' composite and dimension scores."""

    year: int
    title: str
    towns: list[PublicTown]
    years: list[int]
    in_publicity: bool = False  # 公示 still running: the result may change on appeal
    publicity_ends_on: dt.date | None = None
    final: bool = False  # 定稿: the period is over and every appeal decided
    appeals_pending: int = 0  # appeals still being reviewed (the result may change)
