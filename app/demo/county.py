"""A realistic, seeded demo county roster: towns of every type, a full township leadership
team, station heads, staff and village cadres, and who leads whom.

Returns the same frame shape `roster.read_roster` produces, so the demo goes through the
import path a county's own 花名册 takes.
"""

from __future__ import annotations

import hashlib
import random

import polars as pl

from evaluation.organisation.roster import COLUMNS
from evaluation.organisation.vocabulary import TownType

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宇浩凯鑫晨阳帆志海峰"
    "俊林婷雪琳慧颖欣倩燕波亮宏新春晓东南庆福荣佳嘉琪璐瑶瑞祥坤江勤诚德永昌盛兴民安"
)
TOWN_STEMS = tuple(
    "塔山 涌泉 众埠 接渡 洪岩 礼林 后港 塔前 双田 临港 高家 名口 "
    "浯溪 镇桥 乐港 鸬鹚 十里 金山 石门 青田 桃源 白沙 长乐 新田 "
    "龙溪 清水 梅岭 东坑 西湖 南岗 北源 凤凰 云台 松林 杨柳 荷塘".split(" ")
)
VILLAGE_STEMS = tuple("东西南北上下新老大小前后桥岭坑湾田塘源洲")
TYPE_MIX = (
    [TownType.agricultural] * 9
    + [TownType.industrial] * 3
    + [TownType.ecological] * 3
    + [TownType.tourism] * 2
)
TEAM = [
    ("党委书记", "正科级"),
    ("{head}", "正科级"),
    ("党委副书记", "副科级"),
    ("人大主席", "副科级"),
    ("纪委书记", "副科级"),
    ("{deputy}", "副科级"),
    ("{deputy}", "副科级"),
    ("{deputy}", "副科级"),
    ("组织委员", "副科级"),
    ("宣传委员", "副科级"),
    ("武装部长", "副科级"),
]
NAMED_STATIONS = ["便民服务中心主任", "财政所所长", "农业综合服务中心主任", "综治中心主任"]
STAFF_RANKS = ["一级主任科员", "四级主任科员", "科员", "科员", "办事员"]
MIN_CADRES_PER_TOWN = len(TEAM) + 4


def town_names(count: int, rng: random.Random) -> list[str]:
    stems = list(TOWN_STEMS)
    rng.shuffle(stems)
    names = []
    for i in range(count):
        stem = stems[i % len(stems)]
        prefix = "" if i < len(stems) else VILLAGE_STEMS[(i // len(stems)) % len(VILLAGE_STEMS)]
        suffix = "乡" if rng.random() < 0.25 and i > 0 else "镇"
        names.append(f"{prefix}{stem}{suffix}")
    return names


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.75 else "")
    return rng.choice(SURNAMES) + given


def demo_roster(towns: int = 20, cadres_per_town: int = 60, seed: int = 1) -> pl.DataFrame:
    if towns < 1:
        raise ValueError("towns must be at least 1")
    if cadres_per_town < MIN_CADRES_PER_TOWN:
        raise ValueError(f"cadres_per_town must be at least {MIN_CADRES_PER_TOWN}")
    rng = random.Random(seed)
    width = max(3, len(str(towns)))
    rows: list[dict[str, str | None]] = []
    for t, town_name in enumerate(town_names(towns, rng), start=1):
        town_type = TownType.chengguan if t == 1 else rng.choice(TYPE_MIX)
        town = {
            "town_id": f"T{t:0{width}d}",
            "town_name": town_name,
            "town_type": town_type.value,
            "latitude": f"{28.75 + rng.random() * 0.55:.5f}",
            "longitude": f"{116.95 + rng.random() * 0.55:.5f}",
        }
        rows.extend(_town_cadres(town, cadres_per_town, rng))
    frame = pl.DataFrame(rows, schema={k: pl.String for k in COLUMNS}, orient="row")
    return frame


def _town_cadres(
    town: dict[str, str], size: int, rng: random.Random
) -> list[dict[str, str | None]]:
    is_xiang = str(town["town_name"]).endswith("乡")
    head, deputy = ("乡长", "副乡长") if is_xiang else ("镇长", "副镇长")
    people: list[tuple[str, str]] = [
        (position.format(head=head, deputy=deputy), rank) for position, rank in TEAM
    ]
    stations = max(4, round(size * 0.12))
    staff = max(0, round(size * 0.38))
    station_positions = (NAMED_STATIONS + ["站所负责人"] * stations)[:stations]
    people += [(p, "四级主任科员") for p in station_positions]
    people += [("一般干部", rng.choice(STAFF_RANKS)) for _ in range(min(staff, size - len(people)))]
    village_roles = ["村(社区)党组织书记", "村(社区)委员会主任", "村(社区)干部", "村(社区)干部"]
    while len(people) < size:
        people.append((village_roles[len(people) % len(village_roles)], "无"))

    ids = [f"{town['town_id']}-{i:03d}" for i in range(1, len(people) + 1)]
    secretary, chief = ids[0], ids[1]
    deputies = [ids[i] for i, (p, _) in enumerate(people) if p == deputy]
    members = [ids[i] for i, (p, _) in enumerate(people) if p not in ("党委书记",)][: len(TEAM) - 1]
    link_leaders = [i for i in members if i != chief]  # 联村/分管 leaders
    station_ids = [ids[i] for i, (p, _) in enumerate(people) if p in station_positions]

    rows = []
    station_turn = village_turn = 0
    for i, (position, rank) in enumerate(people):
        cadre_id = ids[i]
        if cadre_id == secretary:
            leaders: list[str] = []
        elif cadre_id in deputies:
            leaders = [secretary, chief]
        elif cadre_id in members:
            leaders = [secretary]
        elif cadre_id in station_ids:
            leaders = [deputies[station_ids.index(cadre_id) % len(deputies)]]
        elif position == "一般干部":
            leaders = [station_ids[station_turn % len(station_ids)]]
            station_turn += 1
        else:
            leaders = [link_leaders[village_turn % len(link_leaders)]]
            village_turn += 1
        rows.append(
            {
                **town,
                "cadre_id": cadre_id,
                "name": person_name(rng),
                "position": position,
                "rank": rank,
                "active": "否" if rng.random() < 0.02 and i >= len(TEAM) else "是",
                "leader_ids": ";".join(leaders) or None,
                **_contacts(cadre_id, position),
            }
        )
    return rows


def _contacts(cadre_id: str, position: str) -> dict[str, str | None]:
    """A made-up 手机号 for most cadres (about one in twenty left blank, as rosters are) and a
    government mailbox for those who work in the town hall — derived from the cadre's number,
    so the demo's other draws stay as they were."""
    digest = int(hashlib.sha256(cadre_id.encode()).hexdigest(), 16)
    phone = None if digest % 20 == 0 else f"1{(3, 5, 7, 8, 9)[digest % 5]}{digest % 10**9:09d}"
    in_town_hall = not position.startswith("村")
    email = f"{cadre_id.lower()}@lechuan.gov.cn" if in_town_hall and digest % 7 else None
    return {"phone": phone, "email": email}
