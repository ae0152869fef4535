"""How real registers write what the generator knows: the conventions of maternity wards
and household registers, each one its own kind so that a test can switch it on alone.

None of them changes the truth: a placeholder name is no name, and 張麗 is 张丽. The
engine must see through every one of them without a false finding and without losing a
link.

 - `placeholder`: the ward writes the birth record before the child is named (张丽之子,
   之女儿, 男婴, 婴儿, 新生儿, 宝宝, 未取名, 无名), numbered for twins (张丽之子1,
   张丽之女(二), 男婴（２）, 张丽大宝 / 张丽二宝).
 - `traditional`: a name in traditional characters (張麗, 歐陽娜), as in systems set up
   for Big5, Taiwan (s2tw) or Hong Kong (s2hk) forms.
 - `full_width`: CJK compatibility ideographs from old code pages (李 U+F9E1, 金 U+F90A),
   an ideographic space in a name, full-width digits in certificate and ID numbers.
 - `dots`: the middle dot of a minority name typed as ・ • ‧ ． . ･, as a space, or left out.
 - `spaces`: a space between surname and given name (王 梓涵, 王　梓涵).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable
from functools import cache

import opencc

CONVENTIONS: tuple[str, ...] = ("placeholder", "traditional", "full_width", "dots", "spaces")

# How the middle dot of 阿依古丽·买买提 reaches the register.
DOT_VARIANTS = ("・", "•", "‧", "．", ".", "･", "\u2219", "\u22c5", "ㆍ", " ", "")
_SPACES = (" ", "\u3000")
_TWIN_NUMBERS = "一二三"
# Ways of writing a placeholder (see `placeholder`); the last is for multiple births.
PLACEHOLDER_STYLES = 10


@cache
def _converters() -> tuple[opencc.OpenCC, ...]:
    return tuple(opencc.OpenCC(c) for c in ("s2t", "s2tw", "s2hk"))


@cache
def _compatibility_forms() -> dict[str, str]:
    """Return {unified character: a CJK compatibility ideograph NFKC folds into it}."""
    out: dict[str, str] = {}
    for cp in range(0xF900, 0xFB00):
        out.setdefault(unicodedata.normalize("NFKC", chr(cp)), chr(cp))
    return out


def _full_width_digits(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def _twin_number(rng: random.Random, order: int) -> str:
    """Return how a ward numbers the `order`-th child of a multiple birth."""
    cn = _TWIN_NUMBERS[order - 1]
    forms = (
        str(order),
        f"({cn})",
        f"（{cn}）",
        cn,
        f"-{order}",
        f"({order})",
        _full_width_digits(str(order)),
    )
    return rng.choice(forms)


def placeholder(
    rng: random.Random, mother: str, male: bool, order: int, plurality: int, style: int
) -> str:
    """Return the stand-in name a ward writes for an unnamed child.

    `style` (0-9) is chosen once per delivery, so twins are written alike, numbered.
    """
    number = _twin_number(rng, order) if plurality > 1 else ""
    if style == PLACEHOLDER_STYLES - 1:
        if plurality > 1:  # 张丽大宝, 张丽二宝: the order is the number
            return mother + ("大宝", "二宝", "三宝")[order - 1]
        style = 0
    son, daughter = (("之子", "之女"), ("之男", "之女儿"))[style % 2]
    forms = (
        mother + (son if male else daughter),
        mother + (son if male else daughter),
        "男婴" if male else "女婴",
        mother + ("男婴" if male else "女婴"),
        "婴儿",
        "新生儿",
        "宝宝",
        "未取名",
        "无名",
    )
    return forms[style] + number


class Writer:
    """Writes names and identifiers the way one register does, at the variant's rates."""

    def __init__(self, rng: random.Random, kinds: Iterable[str], rate: float) -> None:
        self.rng = rng
        self.kinds = frozenset(kinds)
        unknown = self.kinds - set(CONVENTIONS)
        if unknown:
            raise ValueError(f"unknown conventions: {sorted(unknown)}")
        self.rate = rate

    def _on(self, kind: str, rate: float | None = None) -> bool:
        return kind in self.kinds and self.rng.random() < (self.rate if rate is None else rate)

    def name(self, name: str) -> str:
        """Return `name` as this register may write it (mostly unchanged)."""
        rng = self.rng
        if "·" in name:
            if self._on("dots", 0.4):
                name = name.replace("·", rng.choice(DOT_VARIANTS))
        elif self._on("spaces") and len(name) > 1:
            at = 2 if len(name) > 2 and rng.random() < 0.2 else 1
            name = name[:at] + rng.choice(_SPACES) + name[at:]
        if self._on("traditional"):
            name = rng.choice(_converters()).convert(name)
        if self._on("full_width"):
            name = self._full_width_name(name)
        return name

    def _full_width_name(self, name: str) -> str:
        compat = _compatibility_forms()
        spots = [i for i, c in enumerate(name) if c in compat]
        if spots:
            i = self.rng.choice(spots)
            return name[:i] + compat[name[i]] + name[i + 1 :]
        return name[:1] + "\u3000" + name[1:] if len(name) > 1 else name

    def identifier(self, value: str | None) -> str | None:
        """Return a certificate or ID number, sometimes in full-width characters."""
        if value is None or not self._on("full_width", self.rate / 2):
            return value
        return _full_width_digits(value)

    def wants_placeholder(self) -> bool:
        """Tell whether an unnamed child's record gets a placeholder instead of nothing."""
        return "placeholder" in self.kinds and self.rng.random() < 0.75
