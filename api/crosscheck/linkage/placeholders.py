"""Placeholder child names: what a maternity ward writes before the child has a name.

Hospitals fill in the birth record at birth, and most children are named later, so the
record says 张丽之子 (the mother's name + "son of"), 之女, 之男, 之女儿, 男婴, 女婴, 婴儿,
新生儿, 宝宝, 未取名, 无名 ..., for twins with a number: 张丽之子1, 张丽之女(二), 男婴（２）.
Such a name is *no name*: it is never compared with the registered name, so it never
shows as a `child_name` mismatch and never counts against a link.

The rule is one regular expression, built here from the word lists below and evaluated
both by Python (`is_placeholder`) and by DuckDB over the stored text (`placeholder_sql`),
so the two can never disagree. It accepts the ways registers write these words too:
traditional characters (張麗之子, 嬰兒), full-width digits and brackets, spaces.

Two kinds of words:
 - Unmistakable ones (之子, 男婴, 未取名 ...) are placeholders after any prefix, which is
   normally the mother's name or surname (阿依古丽·买买提之女, 张丽的儿子).
 - Words that also occur in real names (大宝, 小宝, 男, 女) count only alone, after
   之/的, or after the birth record's own mother's name: 张丽大宝 when the mother is 张丽
   is a placeholder; 王小宝 is a name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from api.crosscheck.linkage.names import t2s_table

# Unmistakable placeholder words (simplified forms; variants are added by `_word`).
WORDS: tuple[str, ...] = (
    "之子",
    "之女",
    "之男",
    "之儿",
    "之女儿",
    "之儿子",
    "之婴",
    "之孩",
    "之宝",
    "之宝宝",
    "男婴",
    "女婴",
    "婴儿",
    "男婴儿",
    "女婴儿",
    "新生儿",
    "宝宝",
    "男宝",
    "女宝",
    "男孩",
    "女孩",
    "儿子",
    "女儿",
    "未取名",
    "未命名",
    "未起名",
    "待取名",
    "无名",
    "无名氏",
    "不详",
)
# Words that are placeholders only alone, after 之/的 or after the mother's own name.
BARE_WORDS: tuple[str, ...] = ("大宝", "二宝", "三宝", "小宝", "婴", "男", "女", "子")
# Twin and triplet numbers as wards write them: 1, 一, 甲, A, 大/小, in brackets or not.
_NUMBERS = "0123456789一二三四五六七八九十甲乙丙丁ABCDabcd大小"
_OPEN, _CLOSE, _JOIN = "([【<", ")]】>", "-_#~/、,"
# Spaces and invisible characters that may sit anywhere between the parts.
_SPACE = " \t\r\n\f\v\u00a0\u3000\u200b\ufeff"


@cache
def _variants() -> dict[str, set[str]]:
    """Return {character: every character that folds to it} over width and t2s forms."""
    out: dict[str, set[str]] = {}
    for cp, simple in t2s_table().items():
        out.setdefault(simple, {simple}).add(chr(cp))
    for cp in range(0xFF01, 0xFF5F):  # full-width ASCII
        out.setdefault(unicodedata.normalize("NFKC", chr(cp)), set()).add(chr(cp))
    return out


def _class(chars: str) -> str:
    """Return a regex character class of `chars` and all their variants."""
    found: set[str] = set()
    for c in chars:
        found |= _variants().get(c, set()) | {c}
    # Escape what is special inside a class in RE2 and Python alike.
    return "[" + "".join(sorted("\\" + c if c in "\\]^-[" else c for c in found)) + "]"


def _word(word: str) -> str:
    space = f"[{_SPACE}]*"
    return space.join(_class(c) for c in word)


def _alternatives(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(_word(w) for w in sorted(words, key=len, reverse=True)) + ")"


@cache
def _number_suffix() -> str:
    """Return the optional twin number after a placeholder word: 1, (二), -2, 第一胎 ..."""
    s = f"[{_SPACE}]*"
    number = f"(?:{_class('第')}{s})?{_class(_NUMBERS)}{{1,2}}(?:{s}{_class('个胎号')})?"
    return (
        f"{s}(?:{_class(_JOIN)}{s})?(?:{_class(_OPEN)}{s})?(?:{number})?{s}(?:{_class(_CLOSE)})?{s}"
    )


@cache
def patterns() -> tuple[str, str]:
    """Return (any-prefix pattern, bare pattern): full-match regexes for RE2 and Python."""
    suffix = _number_suffix()
    anywhere = f".*{_alternatives(WORDS)}{suffix}"
    bare = f"[{_SPACE}]*(?:{_class('之的')}[{_SPACE}]*)?{_alternatives(BARE_WORDS)}{suffix}"
    return anywhere, bare


@cache
def _compiled() -> tuple[re.Pattern[str], re.Pattern[str]]:
    anywhere, bare = patterns()
    return re.compile(anywhere, re.DOTALL), re.compile(bare, re.DOTALL)


def is_placeholder(name: str | None, mother_name: str | None = None) -> bool:
    """Tell whether a child's name is a stand-in written before the child was named."""
    if not name:
        return False
    anywhere, bare = _compiled()
    if anywhere.fullmatch(name) or bare.fullmatch(name):
        return True
    return bool(
        mother_name and name.startswith(mother_name) and bare.fullmatch(name[len(mother_name) :])
    )


@cache
def _tail_pattern() -> str:
    """Return a regex every placeholder's end matches: a word's last character, then
    nothing but what a twin number is written with (a cheap test before the full one)."""
    last = "".join(sorted({w[-1] for w in WORDS + BARE_WORDS}))
    suffix = _NUMBERS + _OPEN + _CLOSE + _JOIN + "第个胎号"
    return f"{_class(last)}{_class(suffix + _SPACE)}*$"


def placeholder_sql(name: str, mother_name: str | None = None) -> str:
    """Return the same test as a DuckDB boolean expression over SQL expressions."""
    anywhere, bare = (p.replace("'", "''") for p in patterns())
    # (?s): `.` matches newlines too, as re.DOTALL does on the Python side.
    tests = [
        f"regexp_full_match({name}, '(?s){anywhere}')",
        f"regexp_full_match({name}, '(?s){bare}')",
    ]
    if mother_name is not None:
        tests.append(
            f"(starts_with({name}, {mother_name}) AND regexp_full_match("
            f"substr({name}, length({mother_name}) + 1), '(?s){bare}'))"
        )
    # Cheap first: few names end the way a placeholder ends.
    signal = f"regexp_matches({name}, '{_tail_pattern()}')"
    return f"coalesce({signal} AND ({' OR '.join(tests)}), false)"
