"""Name normalisation and pinyin keys for linking names written with homophones.

Calling pypinyin once per name costs ~20 µs; a million names is 20 s. Names are built
from a few thousand distinct characters, so we ask pypinyin once per distinct character
and cache the reading (`CharReadings`), which is ~50x faster. The price is losing
pypinyin's phrase context, which matters for surnames: pypinyin reads 曾 as "ceng",
单 as "dan", 解 as "jie", 仇 as "chou". pypinyin (0.55) has no surname mode, so the
leading character(s) of a Han name are read through `SURNAME_READINGS` (single-character
surnames with a special reading) or, for compound surnames (欧阳, 万俟, 尉迟 ...), through
pypinyin's own phrase dictionary, which knows those readings.

Readings are tone-less (Style.NORMAL): 梓/子, 涵/晗, 轩/萱, 怡/宜 all share a key. Names are
read in their comparable form (`names.normalize_name`), so 張 reads as 张.
"""

from __future__ import annotations

from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin

from api.crosscheck.linkage.names import is_transliterated, normalize_name

# Single-character surnames whose surname reading differs from pypinyin's default reading.
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "翟": "zhai",
    "覃": "qin",
    "种": "chong",
    "尉": "yu",
    "燕": "yan",
    "纪": "ji",
    "秘": "bi",
    "繁": "po",
    "员": "yun",
    "黑": "he",
    "隗": "wei",
    "召": "shao",
    "句": "gou",
    "便": "pian",
    "牟": "mou",
    "宓": "mi",
    "阚": "kan",
    "朝": "chao",
    "重": "chong",
    "祭": "zhai",
    "能": "nai",
    "洗": "xian",
    "冼": "xian",
    "谌": "chen",
    "蕃": "pi",
    "粘": "nian",
    "折": "she",
    "莘": "shen",
    "华": "hua",
    "任": "ren",
    "宁": "ning",
    "沈": "shen",
    "薄": "bo",
    "褚": "chu",
    "长": "chang",
    "曲": "qu",
    "都": "du",
    "藏": "zang",
    "行": "xing",
    "应": "ying",
    "过": "guo",
    "石": "shi",
    "卜": "bu",
    "车": "che",
}

# Compound surnames: read with pypinyin's phrase dictionary (万俟 → mo qi, 尉迟 → yu chi).
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "夏侯",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "司空",
        "令狐",
        "万俟",
        "澹台",
        "轩辕",
        "端木",
        "呼延",
        "南宫",
        "独孤",
        "百里",
        "东郭",
        "西门",
        "单于",
        "太叔",
        "申屠",
        "公羊",
        "钟离",
    }
)


class CharReadings:
    """A per-character reading cache over pypinyin (one lookup per distinct character)."""

    def __init__(self) -> None:
        self._chars: dict[str, str] = {}
        self._compound: dict[str, str] = {}

    def char(self, ch: str) -> str:
        """Return the tone-less reading of one character (the character itself if none)."""
        reading = self._chars.get(ch)
        if reading is None:
            got = lazy_pinyin(ch, style=Style.NORMAL, errors="default")
            reading = got[0] if got else ch
            self._chars[ch] = reading
        return reading

    def _surname(self, name: str) -> tuple[str, int]:
        head = name[:2]
        if head in COMPOUND_SURNAMES:
            reading = self._compound.get(head)
            if reading is None:
                reading = " ".join(lazy_pinyin(head, style=Style.NORMAL))
                self._compound[head] = reading
            return reading, 2
        first = name[0]
        return SURNAME_READINGS.get(first) or self.char(first), 1

    def key(self, name: str | None, *, surname: bool = True) -> str | None:
        """Return the pinyin key of a name (space-separated syllables, no tones).

        `surname=False` reads a bare given name. Names with a middle dot are
        transliterations (阿依古丽·买买提) and have no Han surname.
        """
        text = normalize_name(name)
        if text is None or name is None:
            return None
        parts: list[str] = []
        start = 0
        if surname and not is_transliterated(name):
            reading, start = self._surname(text)
            parts.append(reading)
        char = self.char
        parts.extend(char(c) for c in text[start:])
        return " ".join(p for p in parts if p)

    def keys(self, names: Iterable[str | None]) -> dict[str, str | None]:
        """Return {name: key} for many names, computing each distinct name once."""
        out: dict[str, str | None] = {}
        for name in names:
            if name is not None and name not in out:
                out[name] = self.key(name)
        return out


_DEFAULT = CharReadings()


def pinyin_key(name: str | None) -> str | None:
    """Return the pinyin key of a full name (surname reading for the leading character)."""
    return _DEFAULT.key(name)


def pinyin_keys(names: Iterable[str | None]) -> dict[str, str | None]:
    """Return {name: pinyin key} for the distinct names given (shared cache)."""
    return _DEFAULT.keys(names)
