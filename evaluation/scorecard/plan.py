"""A year's assessment plan for the towns (考核方案): the balanced scorecard's dimensions and
indicators, their weights for that year, default targets by town type, the light rules and
the year-end composite's shares.

Plans are TOML files validated here, like rubrics. A year pins the plan version it published,
so changing next year's weights never rewrites this year's results.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

import msgspec

from evaluation.errors import Invalid
from evaluation.organisation.vocabulary import TOWN_TYPE_LABELS

PLANS_DIR = Path(__file__).resolve().parent / "plans"
MAX_PLAN_BYTES = 256 * 1024
TOLERANCE = 0.005
ALL = "all"


class Dimension(StrEnum):
    """The four perspectives of the balanced scorecard, in the order pages show them."""

    finance = "finance"
    service = "service"
    internal = "internal"
    learning = "learning"


class Method(StrEnum):
    attainment = "attainment"  # value against the pro-rata target, capped
    bands = "bands"  # the value falls in a band with a fixed score
    rank = "rank"  # position among towns of the same type
    deduction = "deduction"  # points off per event (incidents, complaints upheld)


class Source(StrEnum):
    """Where an indicator's value comes from. `town` is reported by the town; the rest are
    imported from other systems (or fed by the 360 and training)."""

    town = "town"
    hotline = "hotline_12345"
    grid = "grid"
    environment = "environment"
    training = "training"
    satisfaction = "satisfaction"
    team360 = "team360"


class Band(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Values at or beyond `from_value` (in the indicator's direction) score `score`."""

    from_value: float
    score: float


class Indicator(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    name: str
    dimension: Dimension
    unit: str
    weight: float  # share within its dimension, among the indicators a town has
    method: Method
    source: Source = Source.town
    higher_is_better: bool = True
    cumulative: bool = False  # year-to-date totals: the quarter's target is pro rata
    cap: float = 1.2  # attainment counts up to this multiple of the target
    bands: list[Band] = []
    points_per_event: float = 0.0
    minimum: float = 0.0  # the possible range: values outside it are refused
    maximum: float = 1e12
    # no longer read: the checks' thresholds are the plan's `plausibility` (kept so that plans
    # published before it still load)
    jump: float = 0.5
    applies_to: list[str] = msgspec.field(
        default_factory=lambda: [ALL]
    )  # town types, or "all" (共性)
    quarters: list[int] = msgspec.field(
        default_factory=lambda: [1, 2, 3, 4]
    )  # when a value is due (annual measures: [4])
    targets: dict[str, float] = {}  # default target by town type ("all" for every type)
    description: str = ""

    def applies(self, town_type: str) -> bool:
        return ALL in self.applies_to or town_type in self.applies_to

    def default_target(self, town_type: str) -> float | None:
        return self.targets.get(town_type, self.targets.get(ALL))


class Composite(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Year-end shares: the indicator total, 实地核查, 群众满意度, 第三方评估 (sum to 1)."""

    indicators: float = 0.6
    field_check: float = 0.1
    satisfaction: float = 0.2
    third_party: float = 0.1


class LightRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Attainment of the pro-rata target below `yellow_below` is a yellow light (warning),
    below `red_below` a red one (accountability); other methods light by score."""

    yellow_below: float = 0.9
    red_below: float = 0.7
    yellow_score: float = 80.0
    red_score: float = 60.0


class CardRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """红黄牌督办: a key-project milestone still open after its date is a yellow card; still
    open `grace_days` later it turns red and `red_deduction` points come off the town's total
    at once (实时扣分) until an approved exemption neutralises it."""

    grace_days: int = 14
    red_deduction: float = 2.0


class ResultsUse(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """结果运用 tiers for the year: the top `excellent_share` of each town type (by the
    year-end composite) is 优秀; towns 优秀 `fund_years` years running head the project-fund
    priority list; the `interview_lowest` lowest of each type are proposed for 约谈."""

    excellent_share: float = 0.2
    fund_years: int = 2
    interview_lowest: int = 1
    # 绩效奖金 coefficients: the cadre's 360 tier times the town's tier
    bonus_excellent: float = 1.2
    bonus_lagging: float = 0.8
    town_excellent: float = 1.1
    town_lowest: float = 0.9
    publicity_days: int = 7  # 公示 of the year's results: days to appeal once published


class Plausibility(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """数据核查 thresholds (`plausibility`), and the share of honest towns' quarterly reports
    each check flagged on the simulator with these thresholds (`false_alarms`, by check:
    bench/plausibility_bench.py measures them, a test holds them to what is stated)."""

    unusual_z: float = 4.0  # robust SDs above the town's own expectation
    copied_chance: float = 1e-5  # chance that a pair's identical figures are coincidence
    counterpart_gap: float = 0.08  # share of the other system's measure
    false_alarms: dict[str, float] = {}


class TownGroup(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """组团式考核: towns sharing a goal (a river basin, an industry chain). The group's result
    — its members' mean score on the shared indicators — is `share` of each member's total;
    the office names the members for the year."""

    code: str
    name: str
    goal: str
    indicators: list[str]
    share: float = 0.1


class Plan(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    year: int
    title: str
    dimensions: dict[str, float]  # Dimension → weight, summing to 1
    indicators: list[Indicator]
    composite: Composite = Composite()
    lights: LightRule = LightRule()
    cards: CardRule = CardRule()
    results_use: ResultsUse = ResultsUse()
    plausibility: Plausibility = Plausibility()
    groups: list[TownGroup] = []
    priorities: list[str] = []  # the year's 市委重点任务 behind the weights
    deadlines: list[dt.date] = []  # the last day to report each quarter (Q1..Q4)

    def deadline(self, quarter: int) -> dt.date:
        if len(self.deadlines) == 4:
            return self.deadlines[quarter - 1]
        month = quarter * 3 + 1
        return dt.date(self.year + (month > 12), (month - 1) % 12 + 1, 15)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def for_town_type(self, town_type: str) -> list[Indicator]:
        return [i for i in self.indicators if i.applies(town_type)]


def load_plan_file(path: Path) -> Plan:
    return load_plan_text(path.read_text(encoding="utf-8"))


def load_plan_text(text: str) -> Plan:
    if len(text.encode("utf-8", errors="replace")) > MAX_PLAN_BYTES:
        raise Invalid("考核方案文件过大", {"文件": f"不能超过 {MAX_PLAN_BYTES // 1024} KB"})
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid("考核方案不是有效的 TOML", {"文件": f"语法错误：{exc}"}) from None
    except RecursionError:  # tomllib recurses per nesting level: a hostile file is too deep
        raise Invalid("考核方案不是有效的 TOML", {"文件": "嵌套层数过多"}) from None
    return load_plan_document(document)


def load_plan_document(document: dict[str, Any]) -> Plan:
    try:
        plan = msgspec.convert(document, Plan)
    except msgspec.ValidationError as exc:
        raise Invalid("考核方案格式有误", {"文件": _shape_message(str(exc))}) from None
    problems = check_plan(plan)
    if problems:
        raise Invalid(f"考核方案有 {len(problems)} 处问题", problems)
    return plan


def plan_to_json(plan: Plan) -> str:
    """How a plan version is stored: the validated plan, whole, so the record is the plan."""
    return msgspec.json.encode(plan).decode()


def plan_from_json(text: str) -> Plan:
    return msgspec.json.decode(text, type=Plan)


def with_weights(plan: Plan, dimensions: dict[str, float], indicators: dict[str, float]) -> Plan:
    """The plan with new dimension and indicator weights, checked like a file."""
    changed = [
        msgspec.structs.replace(i, weight=indicators.get(i.code, i.weight)) for i in plan.indicators
    ]
    candidate = msgspec.structs.replace(
        plan, dimensions={**plan.dimensions, **dimensions}, indicators=changed
    )
    problems = check_plan(candidate)
    if problems:
        raise Invalid("权重有误", problems)
    return candidate


def _shape_message(message: str) -> str:
    return (
        message.replace("Expected", "应为")
        .replace("got", "实际为")
        .replace("Object missing required field", "缺少字段")
        .replace("Object contains unknown field", "未知字段")
        .replace("Invalid enum value", "取值无效")
    )


def check_plan(plan: Plan) -> dict[str, str]:
    """Every semantic problem of a plan, keyed by where it is, in Chinese."""
    problems: dict[str, str] = {}
    if not 2000 <= plan.year <= 2100:
        problems["year"] = "年度应在 2000–2100 之间"
    if plan.deadlines and (
        len(plan.deadlines) != 4 or any(a >= b for a, b in itertools.pairwise(plan.deadlines))
    ):
        problems["deadlines"] = "填报截止日期应为四个、按季度先后排列的日期"
    unknown = [d for d in plan.dimensions if d not in Dimension.__members__]
    if unknown:
        problems["dimensions"] = f"未知维度：{'、'.join(unknown)}"
    if any(not _share(w) for w in plan.dimensions.values()):
        problems["dimensions.weight"] = "维度权重应在 0 到 1 之间"
    elif abs(sum(plan.dimensions.values()) - 1) > TOLERANCE:
        total = sum(plan.dimensions.values())
        problems["dimensions.weight"] = f"四个维度的权重之和应为 1，现为 {total:.3f}"
    shares = msgspec.structs.asdict(plan.composite)
    if any(not _share(v) for v in shares.values()) or abs(sum(shares.values()) - 1) > TOLERANCE:
        problems["composite"] = "年终综合的各部分占比应在 0–1 之间且合计为 1"
    if not (0 <= plan.cards.grace_days <= 365 and 0 <= plan.cards.red_deduction <= 20):
        problems["cards"] = "红黄牌规则：宽限期应为 0–365 天，红牌扣分 0–20 分"
    use = plan.results_use
    if not (0 < use.excellent_share <= 0.5 and 1 <= use.fund_years <= 5):
        problems["results_use"] = "结果运用：优秀比例应在 0–50% 之间，连续优秀年数 1–5 年"
    elif not 0 <= use.interview_lowest <= 5:
        problems["results_use"] = "结果运用：每类乡镇约谈末位数应为 0–5 个"
    elif not all(
        0.5 <= f <= 2
        for f in (use.bonus_excellent, use.bonus_lagging, use.town_excellent, use.town_lowest)
    ):
        problems["results_use"] = "结果运用：绩效奖金系数应在 0.5–2 之间"
    elif not 5 <= use.publicity_days <= 30:
        problems["results_use"] = "结果运用：公示期应为 5–30 天"
    if not 0 < plan.lights.red_below <= plan.lights.yellow_below <= 1.5:
        problems["lights"] = "亮灯规则：红灯线应低于黄灯线"
    checks = plan.plausibility
    if not 1 <= checks.unusual_z <= 10:
        problems["plausibility"] = "数据核查：异常增量的核查线应为 1–10 个标准差"
    elif not 0 < checks.copied_chance < 0.05:
        problems["plausibility"] = "数据核查：雷同数值的偶然概率线应大于 0、小于 0.05"
    elif not 0 < checks.counterpart_gap <= 1:
        problems["plausibility"] = "数据核查：与其他系统数据的差异线应在 0–100% 之间"
    elif any(not 0 <= rate <= 1 for rate in checks.false_alarms.values()):
        problems["plausibility"] = "数据核查：误报率应在 0–1 之间"
    seen: set[str] = set()
    for index, indicator in enumerate(plan.indicators, start=1):
        where = f"indicators[{index}]（{indicator.code}）"
        if indicator.code in seen:
            problems[where] = f"指标编号“{indicator.code}”重复"
        seen.add(indicator.code)
        for message in check_indicator(indicator, plan):
            problems[where] = f"{problems[where]}；{message}" if where in problems else message
    if not plan.indicators:
        problems["indicators"] = "至少需要一个指标"
    problems.update(check_groups(plan, seen))
    for town_type in TOWN_TYPE_LABELS:
        for dimension in plan.dimensions:
            if plan.dimensions[dimension] > 0 and not any(
                i.dimension == dimension and i.applies(town_type) for i in plan.indicators
            ):
                where = f"dimensions.{dimension}"
                problems[where] = f"{TOWN_TYPE_LABELS[town_type]}在该维度没有指标"
    return problems


def check_groups(plan: Plan, codes: set[str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    named: set[str] = set()
    for index, group in enumerate(plan.groups, start=1):
        where = f"groups[{index}]（{group.code}）"
        unknown = [c for c in group.indicators if c not in codes]
        if group.code in named:
            problems[where] = f"组团编号“{group.code}”重复"
        elif not group.indicators or unknown:
            problems[where] = f"组团的共同指标不在方案中：{'、'.join(unknown) or '（未填）'}"
        elif not 0 < group.share <= 0.3:
            problems[where] = "组团得分占成员总分的比例应在 0–30% 之间"
        named.add(group.code)
    return problems


def check_indicator(indicator: Indicator, plan: Plan) -> list[str]:
    messages = []
    if not indicator.code.strip() or not indicator.name.strip():
        messages.append("缺少编号或名称")
    if indicator.dimension not in plan.dimensions:
        messages.append("所属维度不在本年度方案中")
    if not _share(indicator.weight):
        messages.append("权重应在 0 到 1 之间")
    bad_types = [t for t in indicator.applies_to if t != ALL and t not in TOWN_TYPE_LABELS]
    if bad_types:
        messages.append(f"未知乡镇类型：{'、'.join(bad_types)}")
    if not (math.isfinite(indicator.minimum) and math.isfinite(indicator.maximum)):
        messages.append("取值范围应为有限数")
    elif indicator.minimum >= indicator.maximum:
        messages.append("取值范围下限应小于上限")
    if not indicator.quarters or any(q not in (1, 2, 3, 4) for q in indicator.quarters):
        messages.append("填报季度应为 1–4")
    match indicator.method:
        case Method.attainment:
            if not 1 <= indicator.cap <= 3:
                messages.append("目标完成率封顶应在 1 到 3 倍之间")
            types = [t for t in TOWN_TYPE_LABELS if indicator.applies(t)]
            missing = [TOWN_TYPE_LABELS[t] for t in types if indicator.default_target(t) is None]
            if missing:
                messages.append(f"缺少默认目标：{'、'.join(missing)}")
            if any(v <= 0 or not math.isfinite(v) for v in indicator.targets.values()):
                messages.append("目标值应为正数")
        case Method.bands:
            if len(indicator.bands) < 2:
                messages.append("分档计分至少需要两档")
            if indicator.cumulative:
                messages.append("分档计分的指标应为时点值（cumulative = false）")
            if any(not 0 <= b.score <= 150 for b in indicator.bands):
                messages.append("分档得分应在 0–150 之间")
        case Method.deduction:
            if indicator.points_per_event <= 0:
                messages.append("扣分制指标需要每件扣分（points_per_event）")
        case Method.rank:
            pass
    return messages


def _share(value: float) -> bool:
    return math.isfinite(value) and 0 <= value <= 1


def plan_for_year(year: int) -> Plan:
    """The shipped plan file for a year (the demo county's; a county loads its own)."""
    path = PLANS_DIR / f"towns_{year}.toml"
    if not path.exists():
        raise Invalid("没有该年度的考核方案文件", {"year": str(year)})
    return load_plan_file(path)


def same_day_in(day: dt.date, year: int) -> dt.date:
    """The same calendar day in another year; 29 February becomes the 28th where there is none."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def moved_to_year(plan: Plan, year: int) -> Plan:
    """The same plan for another year: title and deadlines follow, weights and targets stay."""
    shift = year - plan.year
    return msgspec.structs.replace(
        plan,
        year=year,
        title=plan.title.replace(str(plan.year), str(year)),
        deadlines=[same_day_in(d, d.year + shift) for d in plan.deadlines],
    )
