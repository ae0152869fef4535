"""Fetal sex written out in free text (胎儿性别：男, 男胎, 胎儿为女性, 性别鉴定 ...).

Non-medical fetal sex identification is prohibited (禁止非医学需要的胎儿性别鉴定): an exam
record may carry no field for it, and neither may its findings summary say it in words.
The patterns look for a fetus and a sex close together, or for sex identification itself;
they are matched on the NFKC-normalised text without spaces, in any letter case.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["mentions_fetal_sex"]

_FETUS = r"(?:胎儿|胎児|胎兒|胎|胚胎|宝宝|婴儿|fetus|foetus|fetal|foetal|baby|unborn|embryo)"
_SEX_ZH = r"(?:男|女)"
_PATTERNS: Final = tuple(
    re.compile(p)
    for p in (
        # 胎儿性别, 胎儿的性别, 胎儿性別
        rf"{_FETUS}.{{0,3}}?(?:性别|性別)",
        # 性别鉴定, 鉴定性别, 鉴别胎儿性别, 查性别, 看性别
        r"(?:性别|性別)(?:鉴定|鑒定|鉴别|鑒別|检查|檢查)|(?:鉴定|鑒定|鉴别|鑒別|查|看|测|測)(?:胎儿)?(?:性别|性別)",
        # 胎儿为男性, 胎儿：女, 胎儿是男孩, 胎儿考虑女
        rf"{_FETUS}[^。；;，,.!?！？]{{0,4}}?{_SEX_ZH}(?:性|孩|婴|宝|胎)?",
        # 男胎, 女胎, 男性胎儿, 女孩胎儿
        rf"{_SEX_ZH}(?:性|孩)?(?:胎|胚胎)",
        # 胎儿外生殖器, 胎儿阴囊
        rf"{_FETUS}.{{0,3}}?(?:外生殖器|生殖器|阴囊|陰囊|阴茎|陰莖)",
        # fetal sex, sex of the fetus, gender of baby, it's a boy
        rf"{_FETUS}s?(?:sex|gender)",
        rf"(?:sex|gender)of(?:the)?{_FETUS}",
        r"(?:its|itis|itwillbe)a(?:boy|girl)",
    )
)
_SPACE_OR_PUNCT = re.compile(r"[\s:：\-_/()（）\"'“”‘’]+")


def _squashed(text: str) -> str:
    normalized = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE_OR_PUNCT.sub("", normalized)


def mentions_fetal_sex(text: str) -> bool:
    """Tell whether free text states or asks for the sex of a fetus."""
    squashed = _squashed(text)
    return any(pattern.search(squashed) for pattern in _PATTERNS)
