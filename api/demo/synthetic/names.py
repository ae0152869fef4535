"""Name pools of the synthetic population: Han names with homophone-rich given names,
compound surnames and minority names written in parts (阿依古丽·买买提)."""

from __future__ import annotations

import random

from api.crosscheck.linkage.pinyin import CharReadings

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤单解仇"
)
COMPOUND = ("欧阳", "司马", "诸葛", "上官", "尉迟")
ADULT_GIVEN = "芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰红华建国文辉鹏玲燕飞斌峰宁波萍"
# Child given-name characters; many come in homophone groups (梓/子/紫, 涵/晗, 轩/萱 ...).
CHILD_GIVEN = (
    "梓子紫涵晗含寒轩萱宣怡宜仪浩皓昊宇雨语羽欣馨心新诗思博泽佳嘉家铭明鸣睿瑞锐俊骏辰晨宸雅亚"
    "文雯杰洁婷庭亭悦玥越琪奇淇琦一依伊逸可晓小若诺安楠南彤桐然冉熙希曦雪静晶梦天甜鹏志智伟"
    "涛磊航杭瑶遥宁凝凌玲琳霖林"
)
MINORITY_GIVEN = (
    "阿依古丽",
    "古丽娜尔",
    "买买提",
    "艾力",
    "阿不都拉",
    "热依拉",
    "努尔",
    "帕提古丽",
    "吐尔逊",
    "艾合买提",
    "依明",
    "迪力拜尔",
    "麦合木提",
    "古再丽",
)


def _homophones() -> dict[str, tuple[str, ...]]:
    readings = CharReadings()
    groups: dict[str, list[str]] = {}
    for c in dict.fromkeys(CHILD_GIVEN):
        groups.setdefault(readings.char(c), []).append(c)
    return {c: tuple(o for o in g if o != c) for g in groups.values() if len(g) > 1 for c in g}


# Child given-name character → the others read the same way (the homophone corruption).
HOMOPHONES: dict[str, tuple[str, ...]] = _homophones()


def adult_name(rng: random.Random, minority: bool = False) -> str:
    """Return a mother's or father's name."""
    if minority:
        return f"{rng.choice(MINORITY_GIVEN)}·{rng.choice(MINORITY_GIVEN)}"
    surname = rng.choice(COMPOUND) if rng.random() < 0.01 else rng.choice(SURNAMES)
    return surname + "".join(rng.choice(ADULT_GIVEN) for _ in range(rng.choice((1, 2, 2))))


def family_surname(head: str) -> str:
    """Return the surname children take from the head of the family (`X·` for minorities)."""
    if "·" in head:
        return head.split("·")[0] + "·"
    return head[:2] if head[:2] in COMPOUND else head[0]


def child_name(rng: random.Random, surname: str, taken: set[str]) -> str:
    """Return a new child name, different from the siblings' (`taken`, updated)."""
    while True:
        if surname.endswith("·"):
            name = f"{rng.choice(MINORITY_GIVEN)}·{surname[:-1]}"
        else:
            k = 1 if rng.random() < 0.3 else 2
            name = surname + "".join(rng.choice(CHILD_GIVEN) for _ in range(k))
        if name not in taken:  # siblings and twins get different names
            taken.add(name)
            return name


def homophone(rng: random.Random, name: str) -> str | None:
    """Return `name` with one given-name character replaced by a homophone."""
    spots = [i for i, c in enumerate(name) if i > 0 and c in HOMOPHONES]
    if not spots or "·" in name:
        return None
    i = rng.choice(spots)
    return name[:i] + rng.choice(HOMOPHONES[name[i]]) + name[i + 1 :]
