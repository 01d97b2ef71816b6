"""Load and validate rubric files.

Validation walks the raw TOML and collects every problem with its location, in Chinese,
before msgspec converts the document: one pass tells the author everything that is wrong,
and no malformed file can crash the loader.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeGuard

import msgspec

from evaluation.errors import Invalid
from evaluation.groups import GROUPS as RATER_GROUPS
from evaluation.groups import RaterGroup
from evaluation.organisation.vocabulary import POSITION_CLASS_LABELS, TOWN_TYPE_LABELS
from evaluation.rubrics.schema import DIMENSIONS, LEVELS, Rubric

RUBRICS_DIR = Path(__file__).resolve().parent
DEFAULT_RUBRIC = RUBRICS_DIR / "leping_township_2026.toml"
WEIGHT_TOLERANCE = 0.005
MAX_RUBRIC_BYTES = 512 * 1024


@dataclass
class Problems:
    items: list[tuple[str, str]]

    def add(self, where: str, message: str) -> None:
        self.items.append((where, message))


def load_rubric_file(path: Path) -> Rubric:
    return load_rubric_text(path.read_text(encoding="utf-8"))


def load_default_rubric() -> Rubric:
    return load_rubric_file(DEFAULT_RUBRIC)


def load_rubric_text(text: str) -> Rubric:
    if len(text.encode("utf-8", errors="replace")) > MAX_RUBRIC_BYTES:
        raise Invalid("量表文件过大", {"文件": f"不能超过 {MAX_RUBRIC_BYTES // 1024} KB"})
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid("量表文件不是有效的 TOML", {"文件": f"语法错误：{exc}"}) from None
    except RecursionError:  # tomllib recurses per nesting level: a hostile file is too deep
        raise Invalid("量表文件不是有效的 TOML", {"文件": "嵌套层数过多"}) from None
    return load_rubric_document(document)


def load_rubric_document(document: dict[str, Any]) -> Rubric:
    problems = Problems([])
    check_document(document, problems)
    if problems.items:
        raise Invalid(
            f"量表有 {len(problems.items)} 处问题",
            {where: message for where, message in _unique(problems.items)},
        )
    try:
        return msgspec.convert(document, Rubric)
    except msgspec.ValidationError as exc:  # a shape the walk did not foresee
        raise Invalid("量表格式有误", {"文件": str(exc)}) from None


def _unique(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: dict[str, str] = {}
    for where, message in items:
        merged[where] = f"{merged[where]}；{message}" if where in merged else message
    return list(merged.items())


def _list(value: Any, where: str, problems: Problems) -> list[Any]:
    """The value when it is a list (absent counts as empty); otherwise report it."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    problems.add(where, "应为列表")
    return []


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_document(doc: dict[str, Any], problems: Problems) -> None:
    for key in ("code", "version", "name"):
        if not _text(doc.get(key)):
            problems.add(key, f"缺少“{key}”")
    known = {"code", "version", "name", "competencies", "groups", "lights", "quota", "description"}
    for key in doc:
        if key not in known:
            problems.add(key, f"未知字段“{key}”")
    competencies = doc.get("competencies")
    if not isinstance(competencies, list) or not competencies:
        problems.add("competencies", "至少需要一个能力维度（[[competencies]]）")
        competencies = []
    seen: dict[str, int] = {}
    common_weight = 0.0
    for index, competency in enumerate(competencies):
        where = f"competencies[{index + 1}]"
        if not isinstance(competency, dict):
            problems.add(where, "应为一个表（[[competencies]]）")
            continue
        cid = competency.get("id")
        if isinstance(cid, str) and cid:
            where = f"competencies[{index + 1}]（{cid}）"
            if cid in seen:
                problems.add(where, f"编号“{cid}”与第 {seen[cid]} 个能力维度重复")
            seen.setdefault(cid, index + 1)
        weight = check_competency(competency, where, problems)
        applies = competency.get("applies_to") or {}
        if (
            isinstance(applies, dict)
            and not applies.get("town_types")
            and not applies.get("position_classes")
        ):
            common_weight += weight
    if competencies and abs(common_weight - 1.0) > WEIGHT_TOLERANCE:
        problems.add("competencies.weight", f"共性能力的权重之和应为 1，现为 {common_weight:.3f}")
    check_groups(doc.get("groups", {}), problems)
    check_lights(doc.get("lights", {}), problems)
    check_quota(doc.get("quota"), problems)


def check_competency(c: dict[str, Any], where: str, problems: Problems) -> float:
    for key in ("id", "name", "definition"):
        if not _text(c.get(key)):
            problems.add(f"{where}.{key}", f"缺少“{key}”")
    if c.get("dimension") not in DIMENSIONS:
        problems.add(f"{where}.dimension", f"维度应为 {'、'.join(DIMENSIONS)} 之一")
    weight = c.get("weight")
    if not _number(weight) or not 0 < weight <= 1:
        problems.add(f"{where}.weight", "权重应为大于 0、不超过 1 的数")
        weight = 0.0
    groups = c.get("rated_by")
    if not isinstance(groups, list) or not groups:
        problems.add(
            f"{where}.rated_by", "需列出评价主体（superior、peer、self、resident、mystery）"
        )
        groups = []
    for group in groups:
        if group not in RATER_GROUPS:
            problems.add(f"{where}.rated_by", f"未知评价主体“{group}”")
    if len(set(map(str, groups))) != len(groups):
        problems.add(f"{where}.rated_by", "评价主体重复")
    check_anchors(c.get("anchors"), where, problems)
    check_applies_to(c.get("applies_to", {}), where, problems)
    if "resident" in groups:
        resident = c.get("resident")
        if not isinstance(resident, dict) or not _text(resident.get("question")):
            problems.add(
                f"{where}.resident", "群众参与评价的能力需提供通俗问题（resident.question）"
            )
        elif not (
            isinstance(resident.get("options"), list)
            and len(resident["options"]) == len(LEVELS)
            and all(_text(o) for o in resident["options"])
        ):
            problems.add(f"{where}.resident.options", "需提供 5 个通俗选项（从差到好）")
    for i, indicator in enumerate(_list(c.get("indicators"), f"{where}.indicators", problems)):
        check_indicator(indicator, f"{where}.indicators[{i + 1}]", problems)
    known = {
        "id",
        "name",
        "dimension",
        "definition",
        "weight",
        "rated_by",
        "anchors",
        "applies_to",
        "resident",
        "indicators",
    }
    for key in c:
        if key not in known:
            problems.add(f"{where}.{key}", f"未知字段“{key}”")
    return float(weight)


def check_anchors(anchors: Any, where: str, problems: Problems) -> None:
    if not isinstance(anchors, list) or len(anchors) != len(LEVELS):
        count = len(anchors) if isinstance(anchors, list) else 0
        problems.add(f"{where}.anchors", f"需要 5 个行为锚（等级 1–5），现有 {count} 个")
    levels = []
    for i, anchor in enumerate(anchors if isinstance(anchors, list) else []):
        at = f"{where}.anchors[{i + 1}]"
        if not isinstance(anchor, dict):
            problems.add(at, "应为一个表")
            continue
        level = anchor.get("level")
        if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
            problems.add(f"{at}.level", "等级应为 1 到 5 的整数")
        else:
            levels.append(level)
        if not _text(anchor.get("label")):
            problems.add(f"{at}.label", "缺少等级名称")
        if not _text(anchor.get("behaviour")):
            problems.add(f"{at}.behaviour", "缺少可观察的行为描述")
        examples = anchor.get("examples", [])
        if not isinstance(examples, list) or not all(_text(e) for e in examples):
            problems.add(f"{at}.examples", "行为示例应为文字列表")
    if len(set(levels)) != len(levels):
        problems.add(f"{where}.anchors", "行为锚等级重复")


def check_applies_to(applies: Any, where: str, problems: Problems) -> None:
    if not isinstance(applies, dict):
        problems.add(f"{where}.applies_to", "应为一个表")
        return
    for value in _list(applies.get("town_types"), f"{where}.applies_to.town_types", problems):
        if not isinstance(value, str) or value not in TOWN_TYPE_LABELS:
            problems.add(f"{where}.applies_to.town_types", f"未知乡镇类型“{value}”")
    for value in _list(
        applies.get("position_classes"), f"{where}.applies_to.position_classes", problems
    ):
        if not isinstance(value, str) or value not in POSITION_CLASS_LABELS:
            problems.add(f"{where}.applies_to.position_classes", f"未知岗位类别“{value}”")


def check_indicator(indicator: Any, where: str, problems: Problems) -> None:
    if not isinstance(indicator, dict):
        problems.add(where, "应为一个表")
        return
    for key in ("id", "name"):
        if not _text(indicator.get(key)):
            problems.add(f"{where}.{key}", f"缺少“{key}”")
    thresholds = indicator.get("thresholds")
    if not (
        isinstance(thresholds, list)
        and len(thresholds) == 4
        and all(_number(t) for t in thresholds)
    ):
        problems.add(f"{where}.thresholds", "需要 4 个分界值，把取值划为 1–5 级")
    elif any(b <= a for a, b in pairwise(thresholds)):
        problems.add(f"{where}.thresholds", "分界值应严格递增")


def check_groups(groups: Any, problems: Problems) -> None:
    if not isinstance(groups, dict):
        problems.add("groups", "应为一个表")
        return
    for name, rule in groups.items():
        if name not in RATER_GROUPS:
            problems.add(f"groups.{name}", f"未知评价主体“{name}”")
        minimum = rule.get("min_responses") if isinstance(rule, dict) else None
        if not isinstance(minimum, int) or isinstance(minimum, bool) or not 1 <= minimum <= 50:
            problems.add(f"groups.{name}.min_responses", "最少显示人数应为 1–50 的整数")
        elif name in (RaterGroup.peer, RaterGroup.resident) and minimum < 3:
            problems.add(
                f"groups.{name}.min_responses", "同事、群众分组至少 3 人才能显示（匿名保护）"
            )


def check_lights(lights: Any, problems: Problems) -> None:
    if not isinstance(lights, dict):
        problems.add("lights", "应为一个表")
        return
    green, red = lights.get("green_from", 3.5), lights.get("red_below", 2.5)
    if not (_number(green) and _number(red) and 1 <= red < green <= 5):
        problems.add("lights", "亮灯规则应满足 1 ≤ red_below < green_from ≤ 5")
    if lights.get("towns", "norm") not in ("norm", "thresholds"):
        problems.add(
            "lights.towns", "乡镇亮灯规则应为 norm（与全县常模比较）或 thresholds（按分数线）"
        )
    for key in lights:
        if key not in ("green_from", "red_below", "explanation", "towns", "towns_explanation"):
            problems.add(f"lights.{key}", f"未知字段“{key}”")


def check_quota(quota: Any, problems: Problems) -> None:
    if quota is None:
        return
    share = quota.get("top_level_share") if isinstance(quota, dict) else None
    if not _number(share) or not 0 < share <= 1:
        problems.add("quota.top_level_share", "最高等级配额应为 0 到 1 之间的比例")
