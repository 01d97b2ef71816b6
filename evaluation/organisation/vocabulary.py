"""Vocabulary of the evaluated organisation: town types, positions, ranks.

Codes are English identifiers (stored); labels are the Chinese words people see.
"""

from __future__ import annotations

from enum import StrEnum


class TownType(StrEnum):
    agricultural = "agricultural"
    chengguan = "chengguan"
    industrial = "industrial"
    ecological = "ecological"
    tourism = "tourism"


TOWN_TYPE_LABELS: dict[str, str] = {
    TownType.agricultural: "农业乡镇",
    TownType.chengguan: "城关镇",
    TownType.industrial: "工业乡镇",
    TownType.ecological: "生态乡镇",
    TownType.tourism: "旅游乡镇",
}

# Position classes group comparable cadres for norms and rankings.
LEADERSHIP_TEAM = "leadership"  # 班子成员
STATION_HEAD = "station_head"  # 站所负责人
STAFF = "staff"  # 一般干部
VILLAGE = "village"  # 村(社区)干部

POSITION_CLASS_LABELS: dict[str, str] = {
    LEADERSHIP_TEAM: "班子成员",
    STATION_HEAD: "站所负责人",
    STAFF: "一般干部",
    VILLAGE: "村(社区)干部",
}

# a town's principal leaders (主要负责人): they see the town's scorecard and sign its 绩效责任书
TOWN_PRINCIPALS = ("党委书记", "镇长", "乡长")

POSITIONS: dict[str, str] = {
    "党委书记": LEADERSHIP_TEAM,
    "镇长": LEADERSHIP_TEAM,
    "乡长": LEADERSHIP_TEAM,
    "党委副书记": LEADERSHIP_TEAM,
    "人大主席": LEADERSHIP_TEAM,
    "纪委书记": LEADERSHIP_TEAM,
    "副镇长": LEADERSHIP_TEAM,
    "副乡长": LEADERSHIP_TEAM,
    "组织委员": LEADERSHIP_TEAM,
    "宣传委员": LEADERSHIP_TEAM,
    "武装部长": LEADERSHIP_TEAM,
    "站所负责人": STATION_HEAD,
    "便民服务中心主任": STATION_HEAD,
    "财政所所长": STATION_HEAD,
    "农业综合服务中心主任": STATION_HEAD,
    "综治中心主任": STATION_HEAD,
    "一般干部": STAFF,
    "村(社区)党组织书记": VILLAGE,
    "村(社区)委员会主任": VILLAGE,
    "村(社区)干部": VILLAGE,
}

RANKS: tuple[str, ...] = (
    "正科级",
    "副科级",
    "一级主任科员",
    "四级主任科员",
    "科员",
    "办事员",
    "无",
)


def town_type_label(code: str) -> str:
    return TOWN_TYPE_LABELS.get(code, code)


def position_class(position: str) -> str:
    return POSITIONS.get(position, STAFF)


def _town_type_spellings() -> dict[str, str]:
    """Every accepted spelling of a town type: the code, the label, and the label's stem."""
    spellings = {}
    for code, label in TOWN_TYPE_LABELS.items():
        for text in (code, label, label.removesuffix("乡镇"), label.removesuffix("镇")):
            spellings[str(text)] = str(code)
    return spellings


TOWN_TYPE_SPELLINGS: dict[str, str] = _town_type_spellings()
