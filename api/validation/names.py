"""Person names: Chinese characters of every GB 18030-2022 block, minority-name dots, Latin."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["MIDDLE_DOT", "NAME_MAX_LENGTH", "is_cjk_ideograph", "normalize_person_name"]

NAME_MAX_LENGTH: Final = 64
MIDDLE_DOT: Final = "\u00b7"

# Ranges, not unicodedata categories: Python 3.11 knows Unicode 14, which lacks Extension H
# (Unicode 15) and I (15.1), so their characters would look unassigned.
_CJK_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x3007, 0x3007),  # 〇, used as a character in names
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # Unified Ideographs
    (0xF900, 0xFAFF),  # Compatibility Ideographs
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2B73F),  # Extension C
    (0x2B740, 0x2B81F),  # Extension D
    (0x2B820, 0x2CEAF),  # Extension E
    (0x2CEB0, 0x2EBEF),  # Extension F
    (0x2EBF0, 0x2EE5F),  # Extension I
    (0x2F800, 0x2FA1F),  # Compatibility Ideographs Supplement
    (0x30000, 0x3134F),  # Extension G
    (0x31350, 0x323AF),  # Extension H
)

# The common name, nothing but Chinese characters, matched in one precompiled pass: such a
# name needs neither the per-character rules nor dot normalisation below.
_CJK_CLASS: Final = "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK_RANGES)
_CJK_ONLY: Final = re.compile(f"[{_CJK_CLASS}]{{1,{NAME_MAX_LENGTH}}}")

# Dots that keyboards, fonts and OCR put where the middle dot of a minority name belongs.
_DOT_LOOKALIKES: Final = frozenset(
    "\u30fb"  # ・ katakana middle dot
    "\uff65"  # ･ halfwidth katakana middle dot
    "\u2022"  # • bullet
    "\u2027"  # ‧ hyphenation point
    "\u2219"  # ∙ bullet operator
    "\u22c5"  # ⋅ dot operator
    "\u0387"  # · Greek ano teleia
    "\u2e31"  # ⸱ word separator middle dot
)
# Full stops count as the dot only between Chinese characters (买买提.艾力), not in "J. Smith".
_FULL_STOPS: Final = frozenset(".\uff0e")
_LATIN_JOINERS: Final = frozenset("-'\u2019")
_INVISIBLE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def is_cjk_ideograph(char: str) -> bool:
    """Return True for a CJK ideograph of any block up to Extension I (incl. compatibility)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _is_latin_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L") and unicodedata.name(char, "").startswith(
        "LATIN "
    )


def _is_combining_accent(char: str) -> bool:
    return 0x0300 <= ord(char) <= 0x036F


def _normalize_dots(chars: list[str]) -> list[str]:
    out = list(chars)
    for i, char in enumerate(chars):
        between_cjk = (
            0 < i < len(chars) - 1
            and is_cjk_ideograph(chars[i - 1])
            and is_cjk_ideograph(chars[i + 1])
        )
        if char in _DOT_LOOKALIKES or (char in _FULL_STOPS and between_cjk):
            out[i] = MIDDLE_DOT
    return out


def _check_char(chars: list[str], i: int) -> None:
    char = chars[i]
    prev = chars[i - 1] if i > 0 else ""
    nxt = chars[i + 1] if i + 1 < len(chars) else ""
    if is_cjk_ideograph(char) or _is_latin_letter(char):
        return
    if char == MIDDLE_DOT:
        if not prev or not nxt:
            raise ValueError("name must not start or end with the middle dot")
        if nxt == MIDDLE_DOT:
            raise ValueError("name must not contain two middle dots in a row")
        return
    if char == " ":
        if nxt == " ":
            raise ValueError("name must not contain two spaces in a row")
        return
    after_latin = bool(prev) and (_is_latin_letter(prev) or _is_combining_accent(prev))
    if _is_combining_accent(char) and after_latin:
        return
    if char in _LATIN_JOINERS and after_latin and bool(nxt) and _is_latin_letter(nxt):
        return
    raise ValueError(
        f"name contains a character not allowed in a name: {char!r} (U+{ord(char):04X}); "
        "allowed are Chinese characters, Latin letters, single spaces, the middle dot '·', "
        "and hyphens or apostrophes between Latin letters"
    )


def normalize_person_name(value: str) -> str:
    """Validate a person's name (1–64 characters) and return it with look-alike dots as '·'."""
    if not isinstance(value, str):
        raise TypeError(f"name must be a string, not {type(value).__name__}")
    if _CJK_ONLY.fullmatch(value):
        return value
    if not value:
        raise ValueError("name must not be empty")
    for char in value:
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES and not is_cjk_ideograph(char):
            raise ValueError(f"name contains a control or invisible character (U+{ord(char):04X})")
    if value[0].isspace() or value[-1].isspace():
        raise ValueError("name must not have leading or trailing whitespace")
    # len() counts code points, so 𠮷 is one character, not a UTF-16 surrogate pair.
    if len(value) > NAME_MAX_LENGTH:
        raise ValueError(f"name must be at most {NAME_MAX_LENGTH} characters, got {len(value)}")
    chars = _normalize_dots(list(value))
    for i in range(len(chars)):
        _check_char(chars, i)
    return "".join(chars)
