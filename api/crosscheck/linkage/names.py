"""Names as registers write them: one comparable form for every way of writing a name.

Real registers mix traditional and simplified characters (張/张), full-width and
half-width forms, CJK compatibility ideographs (李 U+F9E1 from Korean-era code pages), the
middle-dot variants of minority names (艾力·买买提, 艾力・买买提, 艾力.买买提, 艾力 买买提)
and spaces inside names. `normalize_name` folds all of them: NFKC, then traditional to
simplified one character at a time (`t2s_table`, taken from OpenCC's tables: names are not
phrases), then separators dropped.

The engine folds in Python only the names that need it: `fold_pattern()` matches every
name that `normalize_name` would change (a regex DuckDB evaluates over millions of rows in
milliseconds), so everything else is compared as stored.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

# Middle-dot variants typed on different keyboards and code pages, and the hyphens some
# systems use instead: all separate the parts of a transliterated name. Korean input
# methods type ㆍ (U+318D), which NFKC turns into the jamo U+119E: both are listed.
DOTS = "·・･‧•∙⋅．.。ㆍᆞ‐‑–—-"
# Whitespace Python's str.split misses, or that NFKC keeps: zero-width and BOM.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# Characters a plain stored name is made of: every CJK unified ideograph (basic block and
# extensions A-I) and ASCII letters and digits, but not the compatibility ideographs of
# U+2F800-U+2FA1F, which NFKC folds. Anything else may need folding.
_PLAIN = "0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002f7ff\U00030000-\U000323af"
# One line per character: its simplified form, a tab, every other way of writing it.
# Generated from OpenCC's tables by `variants.py` (a test keeps the two in step).
VARIANTS_FILE = Path(__file__).with_name("data") / "variants.tsv"


@cache
def t2s_table() -> dict[int, str]:
    """Return {code point: simplified form} for every variant of a character (寧, 甯 → 宁)."""
    table: dict[int, str] = {}
    for line in VARIANTS_FILE.read_text(encoding="utf-8").splitlines():
        target, _, others = line.partition("\t")
        table.update({ord(c): target for c in others})
    return table


@cache
def _fold_table() -> dict[int, str | None]:
    dropped: dict[int, str | None] = {ord(c): None for c in DOTS + _INVISIBLE}
    return {**t2s_table(), **dropped}


def normalize_name(name: str | None) -> str | None:
    """Return the comparable form of a name: NFKC, simplified, no spaces or dots."""
    if name is None:
        return None
    text = "".join(unicodedata.normalize("NFKC", name).split())
    return text.translate(_fold_table()) or None


def is_transliterated(name: str) -> bool:
    """Tell whether a name is written in parts with a dot (阿依古丽·买买提): no Han surname."""
    text = unicodedata.normalize("NFKC", name)
    return any(c in DOTS for c in text.strip(DOTS))


@cache
def fold_pattern() -> str:
    """Return a regex (RE2 and Python) matching every name `normalize_name` may change."""
    traditional = "".join(sorted(chr(cp) for cp in t2s_table()))
    return f"[^{_PLAIN}]|[{traditional}]"
