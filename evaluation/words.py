"""Every code people can read, mapped to the Chinese word they read instead — one place,
used by pages (the `label` filter), the PDF, the Excel exports and the domain's page views
(`results/county_view.py`). The domain stores and computes in codes (`RaterGroup`, cycle
states, findings); words are for what people read, and they all come from here."""

from __future__ import annotations

from evaluation.groups import RaterGroup
from evaluation.organisation.vocabulary import POSITION_CLASS_LABELS, TOWN_TYPE_LABELS

GROUP_LABELS: dict[str, str] = {
    RaterGroup.superior: "上级",
    RaterGroup.peer: "同事",
    RaterGroup.resident: "群众",
    RaterGroup.mystery: "暗访",
    RaterGroup.self: "本人",
}
STATE_LABELS = {"draft": "草稿", "open": "进行中", "closed": "已截止", "published": "已发布"}
FINDING_LABELS = {
    "weakness": "短板",
    "strength": "优势",
    "below_norm": "低于常模（与整体水平一致）",
    "above_norm": "高于常模（与整体水平一致）",
    "as_expected": "符合常模",
    "insufficient_evidence": "证据不足",
    "excluded": "经申诉复核，不计入综合结果",
}
LEVEL_LABELS = {
    "overall_low": "整体水平低于同类干部",
    "overall_typical": "整体水平与同类干部相当",
    "overall_high": "整体水平高于同类干部",
}
LIGHT_LABELS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
GAP_LABELS = {
    "blind_spot": "盲点（自评明显高于他评）",
    "hidden_strength": "潜在优势（自评明显低于他评）",
}
ASSIGNMENT_STATUS_LABELS = {"open": "待评价", "submitted": "已提交", "removed": "已移除"}

DIMENSION_LABELS = {
    "finance": "财务",
    "service": "公共服务",
    "internal": "内部管理",
    "learning": "学习发展",
}
SOURCE_LABELS = {
    "town": "乡镇填报",
    "hotline_12345": "12345 热线",
    "grid": "网格管理平台",
    "environment": "环境监测系统",
    "training": "培训办",
    "satisfaction": "群众满意度",
    "team360": "班子360度评价",
}
METHOD_LABELS = {
    "attainment": "目标完成率（封顶）",
    "bands": "分档计分",
    "rank": "同类排名",
    "deduction": "扣分制",
}
VALUE_STATUS_LABELS = {
    "ok": "已填报",
    "flagged": "待核查",
    "confirmed": "核查确认",
    "corrected": "核查更正",
}
DECISION_LABELS = {"confirm": "确认无误", "correct": "更正"}
COMPOSITE_LABELS = {
    "indicators": "指标得分",
    "field_check": "实地核查",
    "satisfaction": "群众满意度",
    "third_party": "第三方评估",
}
CADRE_CHANGE_LABELS = {
    "transfer": "调动",
    "departure": "离任",
    "edit": "信息更正",
    "leaders": "调整领导",
}
CHANNEL_LABELS = {
    "outbox": "系统发件箱（打印通知、下发名单）",
    "wecom": "企业微信群机器人",
    "sms": "短信",
    "smtp": "电子邮件",
}
OUTBOX_STATUS_LABELS = {
    "queued": "已写入发件箱",
    "sending": "正在发送",
    "sent": "已发送",
    "failed": "发送失败",
}

TOWN_STANDING_LABELS = {"stronger": "较强", "middle": "居中", "weaker": "较弱"}
LABELS: dict[str, dict[str, str]] = {
    "group": GROUP_LABELS,
    "state": STATE_LABELS,
    "finding": FINDING_LABELS,
    "level": LEVEL_LABELS,
    "light": LIGHT_LABELS,
    "gap": GAP_LABELS,
    "assignment_status": ASSIGNMENT_STATUS_LABELS,
    "town_type": TOWN_TYPE_LABELS,
    "position_class": POSITION_CLASS_LABELS,
    "dimension": DIMENSION_LABELS,
    "source": SOURCE_LABELS,
    "method": METHOD_LABELS,
    "value_status": VALUE_STATUS_LABELS,
    "decision": DECISION_LABELS,
    "composite": COMPOSITE_LABELS,
    "cadre_change": CADRE_CHANGE_LABELS,
    "channel": CHANNEL_LABELS,
    "outbox_status": OUTBOX_STATUS_LABELS,
    "town_standing": TOWN_STANDING_LABELS,
}


# The statistical words pages use, each in one plain sentence, shown beside the word wherever
# it appears (the `explain` macro; the browser crawl checks every page that shows one).
GLOSSARY = {
    "得分（已扣除宽严）": "扣除评价人一贯偏宽或偏严的影响后的分数（统计上称“校准”）；评价人数少时，向同类干部的平均水平靠拢。",
    "可能范围": "真实水平有九成把握落在这个范围内（90% 区间）；范围越窄，结果越可靠。",
    "可靠程度": "这项得分能在多大把握上分出同类干部的真实差别：高、中、低，由评价的一致性和评价人数算出（信度 0.7 以上为高，0.4 以上为中）。",
    "证据不足": "评价份数太少或可能范围太宽，暂不判断是短板还是优势。",
    "评价一致性": "同一组评价人对同一干部的看法有多一致：高、中、低（以该组平均分的组内相关系数 ICC(1,k) 计，0.7 以上为高，0.4 以上为中）；低说明这一组人看法分歧较大，结果宜谨慎使用。",
    "答卷与多数人不同": "这位评价人的打分与其他人对同一批干部的评价明显对不上，请人工看一看。",
    "加一个座位的价值": "某场次每多一个座位，方案还能多覆盖多少短板；数值越大，越值得扩容。",
    "对照检验": "用培训没有针对的能力做对照：它们本不该变化，若也“提高”了，说明提升可能另有原因。",
}

# The method page (怎么算的): the longer account behind each word above, and the numbers the
# pages no longer lead with.
METHOD_NOTES = {
    "得分（已扣除宽严）": "每位评价人的宽严程度由他对所有被评干部的打分一并估计出来并扣除；再按本周期设定的上级、同事、群众权重合成；评价人数少的，向同职位类别干部的平均水平收缩，避免少数几份评价左右结果。",
    "可能范围": "由评价份数、评价人之间的分歧和同一评价人在各项之间的相关（晕轮效应）算出。对得分最高或最低的少数干部，范围因向平均水平收缩而略偏窄：在模拟检验中，前 10% 的干部约有八成落在范围内。",
    "评价一致性": "考核办结果页的一致性表还列出：ICC(1)（单个评价人的信度）、ICC(1,k)（该组平均分的信度，k 为每人平均评价人数）和 Krippendorff α 一致性系数。",
    "加一个座位的价值": "即优化模型中座位约束的影子价格；方案页的“逐个安排”数字是对照：按短板轻重逐个安排、不做整体优化时能覆盖的短板数。",
}


def level_word(value: float | None, high: float = 0.7, middle: float = 0.4) -> str:
    """高 / 中 / 低 for a 0–1 figure (reliability, agreement); — when there is none."""
    if value is None:
        return "—"
    return "高" if value >= high else ("中" if value >= middle else "低")


def label(code: object, kind: str) -> str:
    """The word for a code; an unknown code is shown as itself (and the label scan test
    catches it)."""
    if code is None:
        return ""
    return LABELS[kind].get(str(code), str(code))
