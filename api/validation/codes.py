"""Coded values from national standards (GB/T 2261, GB 3304) and the value ranges of §4."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

__all__ = [
    "BIRTH_WEIGHT_G_MAX",
    "BIRTH_WEIGHT_G_MIN",
    "ETHNICITIES",
    "EXAM_GESTATIONAL_WEEKS_MAX",
    "EXAM_GESTATIONAL_WEEKS_MIN",
    "GESTATIONAL_WEEKS_MAX",
    "GESTATIONAL_WEEKS_MIN",
    "PLURALITY_MAX",
    "PLURALITY_MIN",
    "MaritalStatus",
    "Sex",
    "check_birth_order",
    "check_birth_weight_g",
    "check_exam_gestational_weeks",
    "check_gestational_weeks",
    "check_plurality",
    "ethnicity_name",
    "normalize_certificate_no",
    "normalize_ethnicity",
]


class Sex(StrEnum):
    """Sex of a person; values are the API spelling, `gb_code` the GB/T 2261.1 code."""

    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"

    @property
    def gb_code(self) -> str:
        """Return the GB/T 2261.1 code: 1 male, 2 female, 0 unknown."""
        return _SEX_GB_CODES[self]

    @classmethod
    def from_gb_code(cls, code: str) -> Sex:
        """Map a GB/T 2261.1 code (0, 1, 2, 9) to a `Sex`."""
        try:
            return _SEX_FROM_GB[code]
        except (KeyError, TypeError):
            raise ValueError(f"unknown GB/T 2261.1 sex code {code!r}") from None


_SEX_GB_CODES: Final[dict[Sex, str]] = {Sex.MALE: "1", Sex.FEMALE: "2", Sex.UNKNOWN: "0"}
# 9 ("not stated") has no API spelling of its own: it reads as unknown.
_SEX_FROM_GB: Final[dict[str, Sex]] = {
    "0": Sex.UNKNOWN,
    "1": Sex.MALE,
    "2": Sex.FEMALE,
    "9": Sex.UNKNOWN,
}


class MaritalStatus(StrEnum):
    """Marital status, GB/T 2261.2 codes."""

    UNMARRIED = "10"
    MARRIED = "20"
    FIRST_MARRIAGE = "21"
    REMARRIAGE = "22"
    RESTORED_MARRIAGE = "23"
    WIDOWED = "30"
    DIVORCED = "40"
    NOT_STATED = "90"

    @property
    def is_married(self) -> bool:
        """Return True for the married codes 20, 21, 22 and 23."""
        return self.value.startswith("2")

    @property
    def label_zh(self) -> str:
        """Return the standard's Chinese label."""
        return _MARITAL_LABELS[self]


_MARITAL_LABELS: Final[dict[MaritalStatus, str]] = {
    MaritalStatus.UNMARRIED: "未婚",
    MaritalStatus.MARRIED: "已婚",
    MaritalStatus.FIRST_MARRIAGE: "初婚",
    MaritalStatus.REMARRIAGE: "再婚",
    MaritalStatus.RESTORED_MARRIAGE: "复婚",
    MaritalStatus.WIDOWED: "丧偶",
    MaritalStatus.DIVORCED: "离婚",
    MaritalStatus.NOT_STATED: "未说明的婚姻状况",
}

_ETHNICITY_NAMES: Final[tuple[str, ...]] = (
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
)

ETHNICITIES: Final[dict[str, str]] = {
    **{f"{i:02d}": name for i, name in enumerate(_ETHNICITY_NAMES, start=1)},
    "97": "其他",
    "98": "外国血统中国籍人士",
}
"""GB 3304 ethnicity codes and their Chinese names."""

BIRTH_WEIGHT_G_MIN: Final = 300
BIRTH_WEIGHT_G_MAX: Final = 7000
GESTATIONAL_WEEKS_MIN: Final = 20
GESTATIONAL_WEEKS_MAX: Final = 45
EXAM_GESTATIONAL_WEEKS_MIN: Final = 4
EXAM_GESTATIONAL_WEEKS_MAX: Final = 45
PLURALITY_MIN: Final = 1
PLURALITY_MAX: Final = 8

_CERTIFICATE_NO = re.compile(r"[A-Za-z][0-9]{9}")


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__}")
    return value


def normalize_ethnicity(value: str) -> str:
    """Validate a GB 3304 two-digit ethnicity code (01–56, 97, 98) and return it."""
    code = _require_str(value, "ethnicity")
    if code not in ETHNICITIES:
        raise ValueError(
            "ethnicity must be a GB 3304 two-digit code: 01 to 56, 97 (other) "
            "or 98 (foreign origin)"
        )
    return code


def ethnicity_name(code: str) -> str | None:
    """Return the Chinese name of a GB 3304 code, or None when the code is unknown."""
    return ETHNICITIES.get(code)


def normalize_certificate_no(value: str) -> str:
    """Validate a birth certificate number (one letter + 9 digits); uppercase the letter."""
    text = _require_str(value, "certificate number")
    if _CERTIFICATE_NO.fullmatch(text) is None:
        raise ValueError(
            "certificate number must be one letter followed by 9 digits, e.g. Q420212345"
        )
    return text.upper()


def _check_range(value: int, low: int, high: int, what: str) -> int:
    # bool is an int subclass; True would otherwise pass as plurality 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an integer, not {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}, got {value}")
    return value


def check_birth_weight_g(value: int) -> int:
    """Validate a birth weight in grams (300–7000)."""
    return _check_range(value, BIRTH_WEIGHT_G_MIN, BIRTH_WEIGHT_G_MAX, "birth_weight_g")


def check_gestational_weeks(value: int) -> int:
    """Validate the gestational age of a birth in completed weeks (20–45)."""
    return _check_range(value, GESTATIONAL_WEEKS_MIN, GESTATIONAL_WEEKS_MAX, "gestational_weeks")


def check_exam_gestational_weeks(value: int) -> int:
    """Validate the gestational age at a prenatal exam in completed weeks (4–45)."""
    return _check_range(
        value, EXAM_GESTATIONAL_WEEKS_MIN, EXAM_GESTATIONAL_WEEKS_MAX, "gestational_weeks"
    )


def check_plurality(value: int) -> int:
    """Validate the number of children born in one delivery (1–8)."""
    return _check_range(value, PLURALITY_MIN, PLURALITY_MAX, "plurality")


def check_birth_order(birth_order: int, plurality: int) -> int:
    """Validate a child's order within its delivery (1..plurality)."""
    check_plurality(plurality)
    return _check_range(birth_order, 1, plurality, "birth_order")
